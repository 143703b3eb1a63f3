"""The report's unified diffs (codemods/text/diff.py): difflib's output on ordinary rewrites, a
diff that turns the old text into the new one on any input, and linear time on repetitive files
(difflib took 35 s on a 1 MB launch script; benchmarks/files_speed.py measures it)."""

from __future__ import annotations

import difflib
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from codemods.text.diff import unified_diff

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$")


def applied(before: str, diff: str) -> str:
    """``before`` with ``diff`` applied, checking every context and removed line."""
    old = before.splitlines(keepends=True)
    new: list[str] = []
    position = 0
    lines = diff.splitlines(keepends=True)[2:]
    index = 0
    while index < len(lines):
        match = _HUNK.match(lines[index].rstrip("\n"))
        assert match, lines[index]
        start = int(match.group(1)) - (0 if match.group(2) == "0" else 1)
        new += old[position:start]
        position = start
        index += 1
        while index < len(lines) and not lines[index].startswith("@@"):
            line = lines[index]
            index += 1
            text = line[1:]
            if index < len(lines) and lines[index].startswith("\\ No newline"):
                text = text[:-1]
                index += 1
            if line[0] in " -":
                assert old[position] == text, (old[position], text)
                position += 1
            if line[0] in " +":
                new.append(text)
    return "".join(new + old[position:])


def difflib_diff(before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True), "a/f", "b/f"
    )
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


SCRIPT = "".join(
    f"torchrun pretrain_gpt.py \\\n    --tokenizer-type GPT2BPETokenizer \\\n    --seed {n}\n\n"
    for n in range(12)
)


@pytest.mark.parametrize(
    "after",
    [
        SCRIPT.replace("GPT2BPETokenizer", "X", 1),
        SCRIPT.replace("GPT2BPETokenizer", "X"),
        "# TODO[megatron-tokenizer]: check\n" + SCRIPT,
        SCRIPT.replace("    --seed 3\n", ""),
        SCRIPT + "echo done",  # no newline at the end
        "",
    ],
    ids=["one line", "every command", "inserted", "deleted", "no final newline", "emptied"],
)
def test_an_ordinary_rewrite_gets_difflibs_diff(after):
    diff = unified_diff(SCRIPT, after, "a/f", "b/f")
    assert diff == difflib_diff(SCRIPT, after)
    assert applied(SCRIPT, diff) == after


def test_equal_texts_have_no_diff():
    assert unified_diff(SCRIPT, SCRIPT, "a/f", "b/f") == ""


def test_texts_that_never_meet_again_still_give_a_working_diff():
    before = "".join(f"line {n}\n" for n in range(2000))
    after = "".join(f"other {n}\n" for n in range(1500))
    assert applied(before, unified_diff(before, after, "a/f", "b/f")) == after


def test_a_large_repetitive_file_is_diffed_hunk_by_hunk():
    before = SCRIPT * 300
    after = before.replace("--seed 5\n", "--seed 5\n# TODO[megatron-tokenizer]: x\n")
    diff = unified_diff(before, after, "a/f", "b/f")
    assert diff.count("\n@@ ") + diff.startswith("@@") == 300
    assert applied(before, diff) == after


_LINES = st.sampled_from(["a\n", "b\n", "\n", "--tokenizer-type X\n", "c"])


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(_LINES, max_size=40),
    edits=st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 3), st.lists(_LINES, max_size=3)),
        max_size=4,
    ),
)
def test_any_edit_gives_a_diff_that_applies(before, edits):
    after = list(before)
    for at, dropped, inserted in edits:
        after[at : at + dropped] = inserted
    old, new = "".join(before), "".join(after)
    assert applied(old, unified_diff(old, new, "a/f", "b/f")) == new
