"""Valid scripts tree-sitter misreads, and example scripts with placeholders: bash judges.

Commands tree-sitter read cleanly are rewritten as long as no edit touches an error region and
the rewritten script has exactly the errors the original had, by both parsers.
"""

from __future__ import annotations

import textwrap

import pytest
from rewrite_checks import RewriteChecks

from codemods.core import UnparsableError
from codemods.shell import KIND, validate, validate_rewrite
from codemods.shell import syntax as shell_syntax
from codemods.shell.scan import first_error, parse

_CHECKS = RewriteChecks(KIND, "train.sh")
run = _CHECKS.run


def sites(findings):
    """The findings that are sites (rewritten or left for a person), not the translator's notes."""
    return [finding for finding in findings if not finding.informational]


needs_bash = pytest.mark.skipif(shell_syntax.bash_path() is None, reason="bash is not installed")


def check_rewritten_keeping_errors(before: str, after: str) -> None:
    """``before`` (which tree-sitter cannot read) becomes ``after`` with the same errors."""
    assert first_error(parse(before)) is not None, "the case must hold a tree-sitter error"
    result = run(before)
    assert result.new_text == after
    assert all(f.fixed for f in sites(result.findings)), result.findings
    KIND.check_rewrite(before, after)
    assert run(after).new_text == after, "a second run changed the output"


@needs_bash
def test_substring_expansion_tree_sitter_misreads_is_valid_and_rewritten():
    before = (
        'OFFSET=1\nNAME="prefix-model"\necho "${NAME:$OFFSET+1}"\n'
        "torchrun pretrain_gpt.py --tokenizer-type TikTokenizer --lr 1\n"
    )
    validate(before)
    check_rewritten_keeping_errors(
        before, before.replace("--tokenizer-type TikTokenizer", "--tokenizer-library tiktoken")
    )


@needs_bash
def test_trailing_continuation_at_the_end_of_the_file_like_megatrons_t5_example():
    before = """\
        DATA_ARGS="
            --vocab-file $VOCAB_FILE \\
            --tokenizer-type BertWordPieceCase \\
        "
        torchrun $DISTRIBUTED_ARGS pretrain_t5.py \\
            $DATA_ARGS \\
            --legacy-tokenizer \\
            --load $CHECKPOINT_PATH \\
        """
    after = """\
        DATA_ARGS="
            --vocab-file $VOCAB_FILE \\
            --tokenizer-library megatron --tokenizer-model BertWordPieceCase \\
        "
        torchrun $DISTRIBUTED_ARGS pretrain_t5.py \\
            $DATA_ARGS \\
            --load $CHECKPOINT_PATH \\
        """
    check_rewritten_keeping_errors(textwrap.dedent(before), textwrap.dedent(after))


@needs_bash
@pytest.mark.parametrize(
    "placeholder",
    [
        "<Path to checkpoint (e.g /345m)>",
        "<PATH_OF_LANGUAGE_MODEL> (e.g., /357m)",
        "<Specify path> # the folder that holds the checkpoint",
    ],
)
def test_command_lines_below_placeholders_are_rewritten(placeholder):
    before = (
        f"CHECKPOINT={placeholder}\nMERGE_FILE=<Path to merges.txt>\n"
        "pip install flask-restful\n"
        "torchrun tools/run_text_generation_server.py \\\n"
        "    --load ${CHECKPOINT} \\\n    --tokenizer-type GPT2BPETokenizer \\\n"
        "    --merge-file $MERGE_FILE\n"
    )
    after = before.replace(
        "--tokenizer-type GPT2BPETokenizer",
        "--tokenizer-library megatron --tokenizer-model GPT2BPETokenizer",
    )
    result = run(before)
    assert result.new_text == after
    assert [(f.line, f.fixed) for f in sites(result.findings)] == [(6, True)]
    KIND.check_rewrite(before, after)


@needs_bash
def test_an_edit_that_would_touch_an_error_region_is_reported_not_made():
    # the flag's value is on the line bash rejects: only the other site is rewritten
    source = (
        "python a.py --legacy-tokenizer\n"
        "python b.py --tokenizer-type <Pick one (GPT2BPETokenizer or TikTokenizer)>\n"
    )
    result = run(source)
    assert result.new_text == "python a.py\n" + source.splitlines(keepends=True)[1]
    by_line = {f.line: f for f in result.findings}
    assert by_line[1].fixed and not by_line[2].fixed
    assert "does not parse" in by_line[2].message


@needs_bash
def test_script_with_a_syntax_error_elsewhere_is_rewritten_keeping_the_error():
    source = "python a.py --tokenizer-type TikTokenizer\nif [ 1 ]; then\n"
    check_rewritten_keeping_errors(
        source, source.replace("--tokenizer-type TikTokenizer", "--tokenizer-library tiktoken")
    )


def test_without_bash_a_script_tree_sitter_cannot_read_is_reported_not_written(monkeypatch):
    monkeypatch.setattr(shell_syntax, "bash_path", lambda: None)
    source = "python a.py --tokenizer-type TikTokenizer\nif [ 1 ]; then\n"
    result = run(source)
    assert result.new_text == source
    [finding] = result.findings
    assert not finding.fixed and "--tokenizer-library tiktoken" in finding.suggestion
    assert (
        "syntax error at line 2" in finding.message and "bash is not installed" in finding.message
    )
    with pytest.raises(UnparsableError, match="bash is not installed"):
        validate_rewrite(source, source + "echo\n")


@needs_bash
def test_validate_rewrite_wants_exactly_the_same_errors():
    before = "CKPT=<PATH> (e.g. /x)\npython a.py --lr 1\n"
    validate_rewrite(before, before.replace("--lr 1", "--lr 2 --bf16"))
    validate_rewrite(before, "echo one\n" + before)  # errors keep their places when lines move
    with pytest.raises(UnparsableError, match="same syntax errors"):
        validate_rewrite(before, before + "if true; then\n")  # a new error
    with pytest.raises(UnparsableError, match="same syntax errors"):
        validate_rewrite(before, before.replace("/x", "/y"))  # the error's text changed
    with pytest.raises(UnparsableError, match="same syntax errors"):
        validate_rewrite("python a.py\n", "python a.py $(\n")


@needs_bash
def test_validate_lets_bash_judge_what_tree_sitter_misreads():
    validate('echo "${NAME:$OFFSET+1}"\n')
    validate("CKPT=<Path to the checkpoint (e.g. /345m)>\n")  # a placeholder, read as a word
    with pytest.raises(UnparsableError, match="line 1"):
        validate("CKPT=<PATH> (e.g. /345m)\n")


@needs_bash
def test_bash_never_runs_the_script(tmp_path):
    marker = tmp_path / "ran"
    source = f"touch {marker}\necho ${{X:$Y+1}}\npython a.py --tokenizer-type TikTokenizer\n"
    assert "--tokenizer-library tiktoken" in run(source).new_text
    assert not marker.exists()


@needs_bash
def test_too_broken_a_script_is_not_blanked_line_by_line():
    # an unclosed quote is no local error: nothing is blanked and nothing near it rewritten
    source = 'A="unclosed\npython a.py --tokenizer-type TikTokenizer\n'
    result = run(source)
    assert result.new_text == source
    assert result.findings and not any(f.fixed for f in result.findings)
