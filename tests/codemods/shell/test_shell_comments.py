"""Comments: commented-out command lines are rewritten like live ones, prose is reported."""

from __future__ import annotations

import pytest
from rewrite_checks import RewriteChecks

from codemods.shell import KIND

_CHECKS = RewriteChecks(KIND, "train.sh")
run, check_transformed, check_noop = _CHECKS.run, _CHECKS.check_transformed, _CHECKS.check_noop


def sites(findings):
    """The findings that are sites (rewritten or left for a person), not the translator's notes."""
    return [finding for finding in findings if not finding.informational]


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(
            "# torchrun pretrain_gpt.py --tokenizer-type TikTokenizer --lr 1\n",
            "# torchrun pretrain_gpt.py --tokenizer-library tiktoken --lr 1\n",
            id="launcher",
        ),
        pytest.param(
            "#python3.11 tools/preprocess_data.py --tokenizer-type=Llama2Tokenizer\n",
            "#python3.11 tools/preprocess_data.py --tokenizer-library=sentencepiece\n",
            id="versioned-python-no-blank",
        ),
        pytest.param(
            "## ./run.sh --tokenizer-type NullTokenizer\n",
            "## ./run.sh --tokenizer-library null\n",
            id="script-path-double-hash",
        ),
        pytest.param(
            "ARGS=(\n    --num-layers 2\n    # --tokenizer-type GPT2BPETokenizer\n)\n",
            "ARGS=(\n    --num-layers 2\n    # --tokenizer-library megatron --tokenizer-model "
            "GPT2BPETokenizer\n)\n",
            id="argv-line-in-an-array",
        ),
        pytest.param(
            '# GPT_ARGS="--tokenizer-type SFTTokenizer --tokenizer-model /m"\n',
            '# GPT_ARGS="--tokenizer-library huggingface --tokenizer-mode sft '
            '--tokenizer-prompt-format nemotron-h-aligned --tokenizer-model /m"\n',
            id="assignment",
        ),
        pytest.param(
            "# srun python pretrain_gpt.py \\\n"
            "#     --tokenizer-type HuggingFaceTokenizer \\\n"
            "#     --tokenizer-hf-use-fast \\\n"
            "#     --lr 1\n",
            "# srun python pretrain_gpt.py \\\n"
            "#     --tokenizer-library huggingface \\\n"
            "#     --lr 1\n",
            id="continued-over-comment-lines",
        ),
        pytest.param(
            "ARGS=(\n    --lr 1\n    #--legacy-tokenizer\n)\n",
            "ARGS=(\n    --lr 1\n)\n",
            id="comment-whose-words-all-go-goes",
        ),
        pytest.param(
            "python t.py --lr 1  # --tokenizer-hf-use-fast\n",
            "python t.py --lr 1\n",
            id="trailing-comment-whose-words-all-go-goes",
        ),
    ],
)
def test_commented_out_command_lines_are_rewritten_like_live_ones(before, after):
    findings = sites(check_transformed(before, after))
    assert findings and all(f.fixed for f in findings)


@pytest.mark.parametrize(
    "source",
    [
        "# We trained with --tokenizer-type GPT2BPETokenizer before the refactor.\n",
        "python t.py --lr 1  # do not add --legacy-tokenizer here\n",
        "# torchrun pretrain_gpt.py --tokenizer-type $(\n",  # command-like but not valid bash
    ],
)
def test_other_comments_naming_old_flags_are_noted(source):
    # a note, like a message naming an old flag in Python: --check does not fail on commentary
    findings = check_noop(source)
    assert [(f.line, f.fixed, f.informational) for f in findings] == [(1, False, True)]
    assert "left as it is" in findings[0].message and "comment" in findings[0].message


def test_comments_naming_flags_the_target_keeps_are_not_noted():
    source = "# we pass --tokenizer-type GPT2BPETokenizer; --legacy-tokenizer is gone\n"
    findings = run(source, command_target="upstream").findings
    assert [(f.col, f.code, f.informational) for f in findings] == [(46, "MTC203", True)]


def test_todo_lines_and_suppressed_comments_are_not_reported():
    source = (
        "# TODO[megatron-tokenizer]: MTC204 --tokenizer-type $TT is only known at run time\n"
        "# torchrun a.py --tokenizer-type X  # megatron-compat: ignore\n"
    )
    assert check_noop(source) == []


def test_add_todo_output_is_a_fixed_point():
    source = "torchrun a.py --tokenizer-type $TT\n"
    first = run(source, add_todo=True).new_text
    assert first.startswith("# TODO[megatron-tokenizer]: MTC204")
    again = run(first, add_todo=True)
    assert again.new_text == first
    assert [f.line for f in again.findings] == [2]
