"""Properties of the shell rewriter over generated scripts.

Scripts are built from statements that either carry old flags (in every shape the rewriter
knows: arguments, continuation lines, arrays, quoted assignments, ``+=``, ``bash -c``, commented-out
command lines) or do not.
Properties: the output parses and a second run changes nothing; the rewrite of a script is the
rewrite of each statement on its own (so nothing outside the statements with old flags changes);
the rewritten command line means what ``translate_argv`` says the old one meant.
"""

from __future__ import annotations

import shlex

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codemods.core import Options
from codemods.shell import KIND, validate
from compat.args import translate_argv
from compat.deprecations import TOKENIZER_TYPES

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

_NEUTRAL_WORDS = st.sampled_from(
    [
        "--lr",
        "1e-4",
        "--bf16",
        "--num-layers",
        "2",
        "--tokenizer-model",
        "tok.model",
        "--vocab-size",
        "128",
        "--patch-tokenizer-type",
        "GPT2BPETokenizer",
        "--tokenizer-library",
        "-x",
        "--data-path",
        "/data/x",
    ]
)
_OLD_FLAG_GROUPS = st.one_of(
    st.sampled_from(sorted(TOKENIZER_TYPES)).map(lambda t: ["--tokenizer-type", t]),
    st.sampled_from(sorted(TOKENIZER_TYPES)).map(lambda t: [f"--tokenizer-type={t}"]),
    st.just(["--legacy-tokenizer"]),
    st.just(["--tokenizer-hf-use-fast"]),
    st.just(["--tokenizer-hf-include-special-tokens"]),
    st.just(["--tiktoken-special-tokens", "<s>", "</s>"]),
    st.just(["--sft-tokenizer-prompt-format", "nemotron-nano-v2"]),
)


@st.composite
def argvs(draw) -> list[str]:
    """Neutral words with one or two groups of old flags spliced in (between neutral pairs)."""
    words = draw(st.lists(_NEUTRAL_WORDS, max_size=6))
    for group in draw(st.lists(_OLD_FLAG_GROUPS, min_size=1, max_size=2)):
        position = draw(st.integers(0, len(words)))
        words[position:position] = group
    return words


def _command(words: list[str], layout: str) -> str:
    quoted = [shlex.quote(word) for word in words]
    if layout == "one-line":
        return "python pretrain_gpt.py " + " ".join(quoted)
    if layout == "commented-out":
        return "# python pretrain_gpt.py " + " ".join(quoted)
    if layout == "continued":
        return "python pretrain_gpt.py \\\n    " + " \\\n    ".join(quoted)
    if layout == "array":
        return "ARGS=(\n    " + "\n    ".join(quoted) + "\n)"
    # the rest hold the words inside one string: keep to words that need no quoting there
    plain = " ".join(words)
    if layout == "double-quoted":
        return f'GPT_ARGS="{plain}"'
    if layout == "append":
        return f'GPT_ARGS+=" {plain}"'
    return f"srun bash -c '{plain}'"


_LAYOUTS = st.sampled_from(
    ["one-line", "commented-out", "continued", "array", "double-quoted", "append", "bash-c"]
)


def _safe_in_string(words: list[str]) -> bool:
    return all(shlex.quote(word) == word for word in words)


@st.composite
def statements_with_old_flags(draw) -> str:
    words = draw(argvs())
    layout = draw(_LAYOUTS)
    if not _safe_in_string(words) and layout in ("double-quoted", "append", "bash-c"):
        layout = "one-line"
    return _command(words, layout)


NEUTRAL_STATEMENTS = st.sampled_from(
    [
        "set -euo pipefail",
        'echo "starting $(date)"',
        "# the old runs used another tokenizer",
        "NUM_LAYERS=2",
        "for i in 1 2; do echo $i; done",
        "python tools/x.py --patch-tokenizer-type GPT2BPETokenizer --lr 1",
        "cat <<EOF > notes.txt\nhello world\nEOF",
        'if [ -n "$X" ]; then\n  echo yes\nfi',
        "OPTS=(--lr 1 --bf16)",
    ]
)


def rewrite(text: str) -> str:
    return KIND.rewrite(text, "train.sh", Options()).new_text


@PROPERTY_SETTINGS
@given(st.lists(st.one_of(NEUTRAL_STATEMENTS, statements_with_old_flags()), min_size=1, max_size=6))
def test_output_parses_is_idempotent_and_is_the_rewrite_of_each_statement(statements):
    script = "\n".join(statements) + "\n"
    new = rewrite(script)
    validate(new)
    assert rewrite(new) == new
    one_by_one = "\n".join(rewrite(statement + "\n")[:-1] for statement in statements) + "\n"
    assert new == one_by_one
    for statement in statements:
        if statement in NEUTRAL_STATEMENTS.elements:  # type: ignore[attr-defined]
            assert rewrite(statement + "\n") == statement + "\n"


@PROPERTY_SETTINGS
@given(argvs(), st.sampled_from(["one-line", "continued", "commented-out"]))
def test_rewritten_command_line_means_the_translated_argv(words, layout):
    script = _command(words, layout) + "\n"
    new = rewrite(script)
    new_words = shlex.split(new.lstrip("# ").replace("\\\n", " "))[2:]
    translation = translate_argv(words)
    # sites the translator refuses stay as written
    assert new_words == list(translation.argv)
