"""Nothing old is left silently: every use of the old API in a file the tool reads is rewritten
or is a finding at its line (issue 17).

The check greps on its own, with patterns built from :mod:`compat.deprecations` (not from the
rewriters): every old flag as a whole token; in YAML, every old flag's attribute written as a
key; every name of the old Python API (a deleted module, a legacy qualified name, a legacy class
name no other library uses). It runs ``--check`` over a tree and fails on any occurrence on a
line that neither holds a finding nor is changed by the rewrite (its diff); then ``--write``, and
again: what is left must all be reported. The
trees are the example project and a generated repository mixing every file kind and form the
tool reads (:mod:`recall_tree`).
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import pytest
from recall_tree import FILES, write_tree

from codemods.kinds import kind_for
from codemods.migrate import main
from codemods.report import Run, rule_counts
from compat.deprecations import (
    LEGACY_FLAG_NAMES,
    LEGACY_MODULES,
    LEGACY_NAMES,
    NAMES_SHARED_WITH_OTHER_LIBRARIES,
    TOKENIZER_TYPE_FLAG_NAME,
    TOKENIZER_TYPES,
    attribute_for,
)
from compat.releases import MAIN

EXAMPLE_PROJECT = Path(__file__).resolve().parents[2] / "examples" / "legacy-project"
# the Python rules are issue 18's (the lead's): their files are checked by the Python tests
TEXT_KINDS = {"shell", "yaml", "argvfile", "markdown", "rst", "vscode", "notebook", "metadata"}

TARGETS = ("pr3889", "upstream")


def _old_flags(target: str) -> list[str]:
    """The flags that are old for a target's parser."""
    return [flag for flag in LEGACY_FLAG_NAMES if target != "upstream" or not MAIN.accepts(flag)]


def _patterns(target: str) -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """Old flags, their attributes as YAML keys, and names of the old Python API."""
    flags = _old_flags(target)
    names = (
        {entry.legacy_qualname for entry in LEGACY_NAMES}
        | set(LEGACY_MODULES)
        | {
            entry.legacy_name
            for entry in LEGACY_NAMES
            if entry.new_name != entry.legacy_name
            and entry.legacy_name not in NAMES_SHARED_WITH_OTHER_LIBRARIES
            # a tokenizer type's name is a value of --tokenizer-type where that stays valid
            and (TOKENIZER_TYPE_FLAG_NAME in flags or entry.legacy_name not in TOKENIZER_TYPES)
        }
    )
    return (
        re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, flags)) + r")(?![\w-])"),
        re.compile(
            r"(?<![\w-])(?:" + "|".join(attribute_for(flag) for flag in flags) + r")[ \t]*:"
        ),
        re.compile(
            r"(?<![\w.])(?:"
            + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
            + r")(?![\w])"
        ),
    )


def _notebook_source_lines(text: str) -> set[int]:
    """The lines of a notebook file that hold cell sources (outputs are not code)."""
    lines: set[int] = set()
    cells = json.loads(text)["cells"]
    starts = [
        text.count("\n", 0, match.start()) + 1 for match in re.finditer(r'"source"\s*:\s*\[', text)
    ]
    for start, cell in zip(starts, (c for c in cells if isinstance(c["source"], list))):
        lines.update(range(start + 1, start + 1 + len(cell["source"])))
    return lines


def occurrences(root: Path, target: str) -> dict[str, dict[int, str]]:
    """Every line of a file the tool reads (of a text kind) that names the old API."""
    flag, attribute_key, name = _patterns(target)
    found: dict[str, dict[int, str]] = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or {"expected", ".git"} & set(path.parts) or path.suffix == ".bak":
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # not text: the tool does not read it either
        kind = kind_for(str(path), text.split("\n", 1)[0])
        if kind is None or kind.name not in TEXT_KINDS:
            continue
        wanted = _notebook_source_lines(text) if kind.name == "notebook" else None
        for number, line in enumerate(text.splitlines(), start=1):
            if wanted is not None and number not in wanted:
                continue
            if (
                flag.search(line)
                or name.search(line)
                or (kind.name == "yaml" and attribute_key.search(line))
            ):
                found.setdefault(path.relative_to(root).as_posix(), {})[number] = line.strip()
    return found


def migrate(root: Path, *arguments: str, target: str = "pr3889") -> dict:
    out = io.StringIO()
    # the release the old flags ran on is named: the megatron-core installed here is no evidence
    code = main(
        [
            *arguments,
            "--target",
            target,
            "--megatron",
            "0.19.2",
            "--format",
            "json",
            "--statistics",
            "-j",
            "1",
            str(root),
        ],
        stdout=out,
        stderr=io.StringIO(),
    )
    report = json.loads(out.getvalue())
    report["exit_code"] = code
    return report


def rewritten_lines(diff: str) -> set[int]:
    """The lines of the original file that a unified diff removes or replaces."""
    lines: set[int] = set()
    old_line = 0
    for line in diff.splitlines():
        hunk = re.match(r"^@@ -(\d+)", line)
        if hunk:
            old_line = int(hunk.group(1))
        elif line.startswith("-") and not line.startswith("---"):
            lines.add(old_line)
            old_line += 1
        elif line.startswith(" "):
            old_line += 1
    return lines


def silent_occurrences(root: Path, target: str) -> list[tuple[str, int, str]]:
    """Occurrences of the old API on lines that no ``--check`` finding names and no rewrite
    changes."""
    report = migrate(root, "--check", target=target)
    failed = [(f["path"], f["reason"]) for f in report["files"] if f["status"] == "failed"]
    assert failed == [], "files refused"
    dealt_with = {
        (Path(f["path"]).resolve(), line)
        for f in report["files"]
        for line in {finding["line"] for finding in f["findings"]} | rewritten_lines(f["diff"])
    }
    return [
        (path, number, line)
        for path, lines in occurrences(root, target).items()
        for number, line in lines.items()
        if ((root / path).resolve(), number) not in dealt_with
    ]


@pytest.fixture(params=["example-project", "mixed-tree"])
def tree(request, tmp_path) -> Path:
    root = tmp_path / request.param
    if request.param == "example-project":
        shutil.copytree(EXAMPLE_PROJECT, root)
    else:
        write_tree(root)
    return root


def test_the_trees_hold_old_api_uses_of_every_text_kind(tree):
    found = occurrences(tree, "pr3889")
    kinds = {kind_for(str(tree / path), "").name for path in found}  # type: ignore[union-attr]
    expected = {"shell", "yaml", "argvfile", "notebook", "metadata"}
    if tree.name == "mixed-tree":
        expected |= {"markdown", "rst", "vscode"}
    assert expected <= kinds
    assert sum(len(lines) for lines in found.values()) >= 10


@pytest.mark.parametrize("target", TARGETS)
def test_nothing_is_left_silently_before_or_after_writing(tree, target):
    assert silent_occurrences(tree, target) == []
    written = migrate(tree, "--write", "--no-backup", target=target)
    # written, with sites left for a person: exit 1, nothing failed
    assert written["exit_code"] == 1 and written["summary"]["manual_sites"] > 0
    assert written["summary"]["skipped"] == 0
    assert silent_occurrences(tree, target) == []
    again = migrate(tree, "--write", target=target)
    assert again["summary"]["changed"] == 0, "a second run changed files"


def test_what_is_left_after_writing_is_only_what_was_reported_manual(tmp_path):
    write_tree(tmp_path)
    before = migrate(tmp_path, "--check")
    manual = before["summary"]["manual_sites"]
    migrate(tmp_path, "--write", "--no-backup")
    after = migrate(tmp_path, "--check")
    assert after["summary"]["fixed_sites"] == 0
    assert 0 < after["summary"]["manual_sites"] <= manual
    assert after["exit_code"] == 1  # --check still fails: a person has work to do


def test_statistics_count_the_findings_per_rule(tmp_path):
    write_tree(tmp_path)
    report = migrate(tmp_path, "--check")
    statistics = report["statistics"]
    assert sum(row["rewritten"] for row in statistics.values()) == report["summary"]["fixed_sites"]
    assert sum(row["manual"] for row in statistics.values()) == report["summary"]["manual_sites"]
    notes = sum(finding["informational"] for f in report["files"] for finding in f["findings"])
    assert sum(row["notes"] for row in statistics.values()) == notes > 0
    assert {"MTC201", "MTC202", "MTC203", "MTC001"} <= set(statistics)
    assert list(statistics) == sorted(statistics)


def test_statistics_as_a_table(tmp_path):
    write_tree(tmp_path)
    out = io.StringIO()
    main(["--check", "--statistics", "-j", "1", str(tmp_path)], stdout=out, stderr=io.StringIO())
    table = out.getvalue().split("rule    name", 1)[1].splitlines()
    rows = {line.split()[0]: line.split()[-3:] for line in table[1:]}
    assert rows["MTC201"][0].isdigit()
    assert rows["total"] == [
        str(sum(int(row[column]) for code, row in rows.items() if code != "total"))
        for column in range(3)
    ]


def test_rule_counts_of_an_empty_run():
    assert rule_counts(Run("check", 0, [])) == {}


def test_the_mixed_tree_covers_every_text_kind_the_tool_reads():
    kinds = {
        kind_for(path, content.split("\n", 1)[0]).name  # type: ignore[union-attr]
        for path, content in FILES.items()
    }
    assert kinds == TEXT_KINDS
