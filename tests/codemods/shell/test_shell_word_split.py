"""Flags inside strings that bash splits into words later: array elements holding a flag and its
value (``"--tokenizer-type HuggingFaceTokenizer"``, expanded unquoted as ``${ARGS[@]}``) and
assignments glued from several quoted pieces."""

from __future__ import annotations

import pytest
from rewrite_checks import RewriteChecks

from codemods.shell import KIND

_CHECKS = RewriteChecks(KIND, "train.sh")
run, check_transformed, check_noop = _CHECKS.run, _CHECKS.check_transformed, _CHECKS.check_noop


def sites(findings):
    """The findings that are sites (rewritten or left for a person), not the translator's notes."""
    return [finding for finding in findings if not finding.informational]


def test_array_elements_holding_a_flag_and_its_value_like_megatrons_llama3_example():
    findings = check_transformed(
        """\
        DATA_ARGS_LIST=()
        if [[ "$TOKENIZER_ARG" == "MOCK" ]]; then
            DATA_ARGS_LIST+=(
                "--mock-data"
                "--tokenizer-type NullTokenizer"
                "--vocab-size 128256"
                "--split '99,1,0'"
            )
        else
            DATA_ARGS_LIST+=(
                "--data-path $DATA_ARG"
                "--tokenizer-type HuggingFaceTokenizer"
                "--tokenizer-model $TOKENIZER_ARG"
            )
        fi
        torchrun pretrain_gpt.py ${DATA_ARGS_LIST[@]}
        """,
        """\
        DATA_ARGS_LIST=()
        if [[ "$TOKENIZER_ARG" == "MOCK" ]]; then
            DATA_ARGS_LIST+=(
                "--mock-data"
                "--tokenizer-library null"
                "--vocab-size 128256"
                "--split '99,1,0'"
            )
        else
            DATA_ARGS_LIST+=(
                "--data-path $DATA_ARG"
                "--tokenizer-library huggingface"
                "--tokenizer-model $TOKENIZER_ARG"
            )
        fi
        torchrun pretrain_gpt.py ${DATA_ARGS_LIST[@]}
        """,
    )
    assert [(f.line, f.code, f.fixed) for f in sites(findings)] == [
        (5, "MTC201", True),
        (12, "MTC201", True),
    ]


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(
            "ARGS=( '--tokenizer-type GPT2BPETokenizer' --lr 1 )\n",
            "ARGS=( '--tokenizer-library megatron --tokenizer-model GPT2BPETokenizer' --lr 1 )\n",
            id="single-quoted-element-grows-inside-its-quotes",
        ),
        pytest.param(
            'ARGS=(\n    "--tokenizer-type TikTokenizer"\n    "--tokenizer-library tiktoken"\n)\n',
            'ARGS=(\n    "--tokenizer-library tiktoken"\n)\n',
            id="element-whose-words-all-go-goes-with-its-quotes",
        ),
        pytest.param(
            'ARGS=("--mock-data --legacy-tokenizer" "--lr 1")\n',
            'ARGS=("--mock-data" "--lr 1")\n',
            id="one-word-of-an-element-goes",
        ),
    ],
)
def test_array_element_shapes(before, after):
    check_transformed(before, after)


def test_an_element_that_is_not_a_flag_stays_one_word():
    # a value with spaces (a prompt) is one argument, not words to translate
    findings = check_noop('ARGS=( --prompt "--tokenizer-type is gone" )\n')
    assert [(f.line, f.fixed) for f in findings] == [(1, False)]


def test_assignment_glued_from_quoted_pieces_like_megatrons_rl_model_configs():
    check_transformed(
        """\
        MODEL_OPTIONS="\\
          --max-position-embeddings 4096  \\
          --tokenizer-type HuggingFaceTokenizer \\
          --tokenizer-model "unsloth/Qwen2.5-Math-7B" \\
          --tokenizer-hf-include-special-tokens \\
          --lr 0.000001 "
        """,
        """\
        MODEL_OPTIONS="\\
          --max-position-embeddings 4096  \\
          --tokenizer-library huggingface \\
          --tokenizer-model "unsloth/Qwen2.5-Math-7B" \\
          --lr 0.000001 "
        """,
    )


def test_a_word_glued_across_quotes_is_reported_when_it_must_change():
    findings = check_noop('ARGS="--lr 1 --tokenizer-type="TikTokenizer\n')
    assert [(f.line, f.fixed) for f in findings] == [(1, False)]
    assert "cannot be written in place" in findings[0].message
    assert findings[0].suggestion == "--tokenizer-library=tiktoken"
