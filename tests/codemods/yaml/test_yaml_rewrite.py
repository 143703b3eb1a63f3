"""YAML configs: flag-form keys, argv lists, command strings; quoting and load-equivalence."""

from __future__ import annotations

from pathlib import PurePath

import pytest
import yaml
from rewrite_checks import RewriteChecks

from codemods.core import Options, UnparsableError
from codemods.yaml import KIND, matches, validate
from codemods.yaml.rewriter import spell_scalar

_CHECKS = RewriteChecks(KIND, "model_config.yaml")
run, check_transformed, check_noop = _CHECKS.run, _CHECKS.check_transformed, _CHECKS.check_noop


# A functional-test model_config.yaml as upstream has them (MODEL_ARGS in flag form).
GOLDEN_TEMPLATE = """\
ENV_VARS:
  CUDA_DEVICE_MAX_CONNECTIONS: 1
  NVTE_ALLOW_NONDETERMINISTIC_ALGO: 0
TEST_TYPE: regular
MODEL_ARGS:
  # model
  --num-layers: 12
  --hidden-size: 512
  {lines}
  --data-path: ${{DATA_PATH}}/text/the_pile/shard00/my-gpt3_00_text_document
  --bf16: true
"""


def golden(*lines: str) -> str:
    return GOLDEN_TEMPLATE.format(lines="\n  ".join(lines))


# Upstream PR #3889's hand rewrites of its functional-test YAMLs (reference §9), P1-P6.
# Expected = upstream's rewrite, except P5: upstream wrote `null` (a YAML null); we quote it.
GOLDEN = [
    pytest.param(
        ["--tokenizer-type: TikTokenizer", "--tokenizer-model: ${DATA_PATH}/tokenizer.json"],
        ["--tokenizer-library: tiktoken", "--tokenizer-model: ${DATA_PATH}/tokenizer.json"],
        id="P1-tiktoken",
    ),
    pytest.param(
        [
            "--tokenizer-type: GPTSentencePieceTokenizer",
            "--tokenizer-model: ${DATA_PATH}/tokenizer.model",
        ],
        ["--tokenizer-library: sentencepiece", "--tokenizer-model: ${DATA_PATH}/tokenizer.model"],
        id="P2-gpt-sentencepiece",
    ),
    pytest.param(
        ["--tokenizer-type: Llama2Tokenizer", "--tokenizer-model: ${DATA_PATH}/tokenizer.model"],
        ["--tokenizer-library: sentencepiece", "--tokenizer-model: ${DATA_PATH}/tokenizer.model"],
        id="P3-llama2",
    ),
    pytest.param(
        [
            "--tokenizer-type: HuggingFaceTokenizer",
            "--tokenizer-model: ${CHECKPOINT_LOAD_PATH}/tokenizer",
        ],
        [
            "--tokenizer-library: huggingface",
            "--tokenizer-model: ${CHECKPOINT_LOAD_PATH}/tokenizer",
        ],
        id="P4-huggingface",
    ),
    pytest.param(
        ["--tokenizer-type: NullTokenizer", "--vocab-size: 131072"],
        ['--tokenizer-library: "null"', "--vocab-size: 131072"],
        id="P5-null-quoted-unlike-upstream",
    ),
    pytest.param(
        [
            "--tokenizer-type: BertWordPieceCase",
            "--vocab-file: ${DATA_PATH}/bert-large-cased-vocab.txt",
        ],
        [
            "--tokenizer-library: megatron",
            "--tokenizer-model: BertWordPieceCase",
            "--vocab-file: ${DATA_PATH}/bert-large-cased-vocab.txt",
        ],
        id="P6-t5-megatron-adds-model-line",
    ),
]


@pytest.mark.parametrize("before, after", GOLDEN)
def test_golden_set_matches_upstream_rewrites(before, after):
    findings = check_transformed(golden(*before), golden(*after))
    assert [(f.code, f.fixed) for f in findings if not f.informational] == [("MTC201", True)]
    # what the old type did on an unknown release is a note, not a site left open
    assert all(
        f.code == "MTC201" and "if this ran on" in f.message for f in findings if f.informational
    )


def test_p5_quoted_null_loads_as_the_string_null():
    result = run(golden("--tokenizer-type: NullTokenizer"))
    assert yaml.safe_load(result.new_text)["MODEL_ARGS"]["--tokenizer-library"] == "null"


def test_upstreams_unquoted_null_is_repaired():
    findings = check_transformed(
        golden("--tokenizer-library: null"), golden('--tokenizer-library: "null"')
    )
    assert findings[0].fixed and "YAML null" in findings[0].message


def test_p6_existing_model_key_with_the_same_value_is_not_duplicated():
    check_transformed(
        golden("--tokenizer-type: BertWordPieceCase", "--tokenizer-model: BertWordPieceCase"),
        golden("--tokenizer-library: megatron", "--tokenizer-model: BertWordPieceCase"),
    )


def test_p6_conflicting_model_key_is_reported_not_merged():
    findings = check_noop(
        golden("--tokenizer-type: BertWordPieceCase", "--tokenizer-model: /other/vocab")
    )
    assert [(f.code, f.fixed) for f in findings] == [("MTC201", False)]
    assert "conflicts" in findings[0].message


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(  # P5p as a YAML argv list
            'cmd: ["--tokenizer-type", "NullTokenizer", "--vocab-size", 127]\n',
            'cmd: ["--tokenizer-library", "null", "--vocab-size", 127]\n',
            id="P5p-flow-list",
        ),
        pytest.param(  # P7
            "cmd: [--tokenizer-type, NullMultimodalTokenizer]\n",
            'cmd: [--tokenizer-library, "null", --tokenizer-mode, multimodal]\n',
            id="P7-flow-list-plain-null-quoted",
        ),
        pytest.param(  # P8
            "cmd:\n  - --tokenizer-type\n  - GPT2BPETokenizer\n  - --workers\n  - 2\n",
            "cmd:\n  - --tokenizer-library\n  - megatron\n  - --tokenizer-model\n"
            "  - GPT2BPETokenizer\n  - --workers\n  - 2\n",
            id="P8-block-list",
        ),
        pytest.param(  # P9
            "cmd:\n- '--tokenizer-type'\n- 'BertWordPieceLowerCase'\n",
            "cmd:\n- '--tokenizer-library'\n- 'megatron'\n- '--tokenizer-model'\n"
            "- 'BertWordPieceLowerCase'\n",
            id="P9-block-list-single-quoted",
        ),
        pytest.param(
            "args:\n  - --tokenizer-hf-use-fast\n  - --lr\n  - 1\n",
            "args:\n  - --lr\n  - 1\n",
            id="removed-flag-item",
        ),
        pytest.param(
            "ARGS: {--tokenizer-type: TikTokenizer, --lr: 1}\n",
            "ARGS: {--tokenizer-library: tiktoken, --lr: 1}\n",
            id="flow-mapping",
        ),
        pytest.param(
            "MODEL_ARGS:\n  --tokenizer-type: 'SFTTokenizer'\n"
            "  --sft-tokenizer-prompt-format: nemotron-nano-v2\n",
            "MODEL_ARGS:\n  --tokenizer-library: 'huggingface'\n  --tokenizer-mode: 'sft'\n"
            "  --tokenizer-prompt-format: nemotron-nano-v2\n",
            id="sft-and-renamed-key",
        ),
        pytest.param(
            "MODEL_ARGS:\n  --tokenizer-hf-use-fast: true\n  --tokenizer-hf-include-special-tokens:"
            " true\n  --lr: 1\n",
            "MODEL_ARGS:\n  --lr: 1\n",
            id="removed-keys",
        ),
        pytest.param(
            "MODEL_ARGS:\n  --tiktoken-special-tokens: 5\n",
            "MODEL_ARGS:\n  --tokenizer-special-tokens: 5\n",
            id="renamed-key-keeps-int-value",
        ),
        pytest.param(
            "run: python pretrain_gpt.py --tokenizer-type TikTokenizer --lr 1  # note\n",
            "run: python pretrain_gpt.py --tokenizer-library tiktoken --lr 1  # note\n",
            id="plain-command-string",
        ),
        pytest.param(
            'run: "python x.py --tokenizer-type NullTokenizer"\n',
            'run: "python x.py --tokenizer-library null"\n',
            id="double-quoted-command-string",
        ),
        pytest.param(
            "script: |\n  torchrun x.py \\\n    --tokenizer-type GPT2BPETokenizer \\\n"
            "    --lr 1\n  echo done\nnext: 1\n",
            "script: |\n  torchrun x.py \\\n    --tokenizer-library megatron --tokenizer-model "
            "GPT2BPETokenizer \\\n    --lr 1\n  echo done\nnext: 1\n",
            id="literal-block-shell-script",
        ),
        pytest.param(
            "script: >\n  python x.py\n  --tokenizer-type TikTokenizer\n",
            "script: >\n  python x.py\n  --tokenizer-library tiktoken\n",
            id="folded-block",
        ),
        pytest.param(
            "# header comment\njobs:\n  - name: a  # trailing\n    MODEL_ARGS:\n"
            "      --tokenizer-type: TikTokenizer   # which one\n      --x: 'y'\n",
            "# header comment\njobs:\n  - name: a  # trailing\n    MODEL_ARGS:\n"
            "      --tokenizer-library: tiktoken   # which one\n      --x: 'y'\n",
            id="comments-and-nesting-kept",
        ),
        pytest.param(
            "a: 1\n---\nMODEL_ARGS:\n  --tokenizer-type: TikTokenizer\n",
            "a: 1\n---\nMODEL_ARGS:\n  --tokenizer-library: tiktoken\n",
            id="multi-document",
        ),
    ],
)
def test_rewrites(before, after):
    findings = check_transformed(before, after)
    assert findings and all(f.fixed or f.informational for f in findings)


def test_templated_value_is_reported_not_guessed():
    findings = check_noop("MODEL_ARGS:\n  --tokenizer-type: ${TOKENIZER_TYPE}\n")
    assert [(f.line, f.code, f.fixed) for f in findings] == [(2, "MTC204", False)]
    assert "--tokenizer-library" in findings[0].suggestion


def test_todo_comment_above_the_key():
    result = run("MODEL_ARGS:\n  --tokenizer-type: ${T}\n", add_todo=True)
    assert result.new_text.splitlines()[1].startswith("  # TODO[megatron-tokenizer]: MTC204")
    assert yaml.safe_load(result.new_text) == {"MODEL_ARGS": {"--tokenizer-type": "${T}"}}
    assert run(result.new_text, add_todo=True).new_text == result.new_text


def test_duplicate_keys_are_read_last_wins_like_yaml_loaders_and_argparse():
    # the later --tokenizer-model is the one both PyYAML and argparse keep, and it agrees with
    # the type, so nothing is added; the earlier duplicate stays as the user wrote it
    check_transformed(
        "A:\n  --tokenizer-type: GPT2BPETokenizer\n  --tokenizer-model: 1\n"
        "  --tokenizer-model: GPT2BPETokenizer\n",
        "A:\n  --tokenizer-library: megatron\n  --tokenizer-model: 1\n"
        "  --tokenizer-model: GPT2BPETokenizer\n",
    )


def test_anchored_mapping_is_rewritten_once_and_every_alias_follows():
    source = "base: &b\n  --tokenizer-type: TikTokenizer\nother: *b\n"
    after = check_transformed(source, "base: &b\n  --tokenizer-library: tiktoken\nother: *b\n")
    assert len(after) == 1
    loaded = yaml.safe_load(run(source).new_text)
    assert loaded["other"] == loaded["base"] == {"--tokenizer-library": "tiktoken"}


def test_merge_key_that_would_shadow_the_new_key_is_refused():
    # `<<: *b` merges the anchored map; a key of the same name in the merging map shadows it,
    # so the rewrite would not load as the intended change and must be left alone
    source = (
        "base: &b\n  --tokenizer-type: TikTokenizer\n"
        "job:\n  <<: *b\n  --tokenizer-library: huggingface\n"
    )
    result = run(source)
    assert result.new_text == source
    assert result.findings and not any(f.fixed for f in result.findings)


def test_look_alike_flags_untouched():
    assert check_noop("MODEL_ARGS:\n  --patch-tokenizer-type: GPT2BPETokenizer\n") == []


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(
            "MODEL_ARGS:\n  # --tokenizer-type: TikTokenizer\n  --lr: 1\n",
            "MODEL_ARGS:\n  # --tokenizer-library: tiktoken\n  --lr: 1\n",
            id="flag-form-key",
        ),
        pytest.param(
            "A:\n  # --tokenizer-type: BertWordPieceCase\n",
            "A:\n  # --tokenizer-library: megatron\n  # --tokenizer-model: BertWordPieceCase\n",
            id="one-setting-becomes-two",
        ),
        pytest.param(
            "A:\n  b: 1\n  #--legacy-tokenizer: true\n",
            "A:\n  b: 1\n",
            id="removed-flag-goes-with-its-line",
        ),
        pytest.param(
            "num_layers: 2\nseq_length: 8\nlr: 1\n# tokenizer_type: NullTokenizer\n",
            'num_layers: 2\nseq_length: 8\nlr: 1\n# tokenizer_library: "null"\n',
            id="snake-case-in-an-args-config",
        ),
    ],
)
def test_commented_out_settings_are_translated(before, after):
    findings = check_transformed(before, after)
    assert findings and all(f.fixed for f in findings)


def test_commented_out_snake_case_setting_outside_an_args_config_is_reported():
    findings = check_noop("tokenizer:\n  # tokenizer_type: NullTokenizer\n")
    assert [(f.line, f.fixed) for f in findings] == [(2, False)]


def test_suppression_comment():
    check_noop("MODEL_ARGS:\n  --tokenizer-type: TikTokenizer  # megatron-compat: ignore\n")


def test_malformed_yaml_is_refused():
    with pytest.raises(UnparsableError, match="does not load"):
        run("MODEL_ARGS:\n  --tokenizer-type: [unclosed\n")
    with pytest.raises(UnparsableError):
        validate("a: [\n")


@pytest.mark.parametrize(
    "word",
    [
        "null",
        "true",
        "1",
        "huggingface",
        "a: b",
        "-x",
        "~",
        "",
        "#c",
        "x #y",
        "nemotron-h-aligned",
        "--flag",
        "yes",
    ],
)
def test_spelled_scalars_load_back_as_the_same_string(word):
    assert yaml.safe_load(f"k: {spell_scalar(word)}") == {"k": word}


@pytest.mark.parametrize(
    "path, expected", [("a/model_config.yaml", True), ("x.yml", True), ("x.json", False)]
)
def test_matches(path, expected):
    assert matches(PurePath(path), "") is expected


def test_flags_in_an_inline_merge_value_are_reported():
    source = "job:\n  <<: {--tokenizer-type: TikTokenizer}\n  --lr: 1\n"
    result = run(source)
    assert result.new_text == source
    assert [(f.line, f.fixed) for f in result.findings] == [(2, False)]
    assert "merge" in result.findings[0].message


def test_p6_whole_t5_config_shaped_like_upstreams_and_ending_without_newline():
    # upstream's functional-test configs put TEST_TYPE last, often without a final newline
    before = (
        "ENV_VARS:\n  NCCL_ALGO: ^NVLS\n  CUBLAS_WORKSPACE_CONFIG: :4096:8\nMODEL_ARGS:\n"
        "  --vocab-extra-ids: 100\n  --lr-warmup-fraction: .01\n"
        "  --vocab-file: ${DATA_PATH}/bert-large-cased-vocab.txt\n"
        "  --tokenizer-type: BertWordPieceCase\n  --calculate-per-token-loss: true\n"
        "TEST_TYPE: regular"
    )
    after = before.replace(
        "  --tokenizer-type: BertWordPieceCase\n",
        "  --tokenizer-library: megatron\n  --tokenizer-model: BertWordPieceCase\n",
    )
    result = KIND.rewrite(before, "model_config.yaml", Options())
    assert result.new_text == after
    loaded = yaml.safe_load(after)
    assert loaded["MODEL_ARGS"]["--lr-warmup-fraction"] == 0.01  # untouched values load alike


def test_type_as_the_last_line_without_newline_gets_its_new_line():
    check_transformed(
        "MODEL_ARGS:\n  --bf16: true\n  --tokenizer-type: GPT2BPETokenizer",
        "MODEL_ARGS:\n  --bf16: true\n  --tokenizer-library: megatron\n"
        "  --tokenizer-model: GPT2BPETokenizer",
    )


# Lists that are not argv lists: items that are whole commands, and flags whose value is a list
# (nargs="+"). Each holds one old flag, rewritten in place.
@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(
            "script:\n  - cd x\n  - python t.py --tokenizer-type TikTokenizer --lr 1\n",
            "script:\n  - cd x\n  - python t.py --tokenizer-library tiktoken --lr 1\n",
            id="command-strings-ci-script-list",
        ),
        pytest.param(
            "script:\n  - python t.py\n    --tokenizer-type TikTokenizer\n",
            "script:\n  - python t.py\n    --tokenizer-library tiktoken\n",
            id="command-strings-multi-line-plain-item",
        ),
        pytest.param(
            "script:\n  - |\n    python t.py \\\n      --tokenizer-type TikTokenizer\n",
            "script:\n  - |\n    python t.py \\\n      --tokenizer-library tiktoken\n",
            id="command-strings-literal-block-item",
        ),
        pytest.param(
            'A:\n  --tiktoken-special-tokens: ["<s>", "</s>"]\n',
            'A:\n  --tokenizer-special-tokens: ["<s>", "</s>"]\n',
            id="nargs-plus-flow-list",
        ),
        pytest.param(
            "A:\n  --tiktoken-special-tokens:\n    - <s>\n    - </s>\n  --lr: 1\n",
            "A:\n  --tokenizer-special-tokens:\n    - <s>\n    - </s>\n  --lr: 1\n",
            id="nargs-plus-block-list",
        ),
        pytest.param(
            "A:\n  --tiktoken-special-tokens: [a]\n  --tokenizer-special-tokens: [a]\n",
            "A:\n  --tokenizer-special-tokens: [a]\n",
            id="nargs-plus-repeat-of-the-new-flag-removed",
        ),
    ],
)
def test_list_shaped_values_with_one_old_flag(before, after):
    findings = check_transformed(before, after)
    assert [f.fixed for f in findings] == [True]


def test_old_flag_in_a_shape_not_understood_is_reported():
    source = "A:\n  --tokenizer-type: {name: TikTokenizer}\n"
    findings = check_noop(source)
    assert [(f.line, f.col, f.fixed) for f in findings] == [(2, 3, False)]
    assert "left as it is" in findings[0].message


def test_comments_commented_out_lines_rewritten_settings_and_prose_reported():
    findings = check_transformed(
        """\
        # torchrun pretrain_gpt.py --tokenizer-type TikTokenizer
        A:
          # --tokenizer-type: X
          b: 1  # --legacy-tokenizer
          c: "# --tokenizer-model is not a comment here"
          d: |
            # --legacy-tokenizer (a line of the block's text: the shell reads it)
        # tokenizer_type: GPT2BPETokenizer
        """,
        """\
        # torchrun pretrain_gpt.py --tokenizer-library tiktoken
        A:
          # --tokenizer-type: X
          b: 1
          c: "# --tokenizer-model is not a comment here"
          d: |
            # --legacy-tokenizer (a line of the block's text: the shell reads it)
        # tokenizer_type: GPT2BPETokenizer
        """,
    )
    assert [(f.line, f.fixed) for f in findings] == [
        (1, True),
        (3, False),
        (4, True),
        (7, False),
        (8, False),
    ]


def test_list_value_that_cannot_be_carried_over_is_reported():
    findings = check_noop("A:\n  --legacy-tokenizer: [a]\n")
    assert [(f.line, f.fixed) for f in findings] == [(2, False)]
    assert "list" in findings[0].message
