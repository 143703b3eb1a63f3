"""Megatron's YAML args configs (``--yaml-cfg``): old tokenizer arguments as snake_case keys."""

from __future__ import annotations

import pytest
import yaml
from rewrite_checks import RewriteChecks

from codemods.rules import prefilter
from codemods.yaml import KIND

_CHECKS = RewriteChecks(KIND, "gpt_config.yaml")
run, check_transformed, check_noop = _CHECKS.run, _CHECKS.check_transformed, _CHECKS.check_noop


def sites(findings):
    """The findings that are sites (rewritten or left for a person), not the translator's notes."""
    return [finding for finding in findings if not finding.informational]


def test_megatrons_yaml_cfg_layout_with_sections():
    # the shape of Megatron-LM's examples/gpt3/gpt_config.yaml
    findings = check_transformed(
        """\
        # WARNING: Yaml configs is currently an experimental feature
        language_model:
          num_layers: 24
          hidden_size: 1024
        model_parallel:
          tensor_model_parallel_size: 1
        micro_batch_size: 2
        vocab_file: null
        merge_file: null
        tokenizer_type: GPT2BPETokenizer
        tokenizer_model: null  # set for SentencePiece
        reset_position_ids: False
        """,
        """\
        # WARNING: Yaml configs is currently an experimental feature
        language_model:
          num_layers: 24
          hidden_size: 1024
        model_parallel:
          tensor_model_parallel_size: 1
        micro_batch_size: 2
        vocab_file: null
        merge_file: null
        tokenizer_library: megatron
        tokenizer_model: GPT2BPETokenizer  # set for SentencePiece
        reset_position_ids: False
        """,
    )
    assert [(f.line, f.code, f.fixed) for f in sites(findings)] == [(10, "MTC201", True)]


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(
            "num_layers: 2\nseq_length: 8\nlr: 1.0e-4\ntokenizer_type: TikTokenizer\n"
            "tokenizer_model: /tok.json\n",
            "num_layers: 2\nseq_length: 8\nlr: 1.0e-4\ntokenizer_library: tiktoken\n"
            "tokenizer_model: /tok.json\n",
            id="several-args-attributes-at-the-top",
        ),
        pytest.param(
            "num_layers: 2\nseq_length: 8\nlr: 1\ntokenizer_type: NullTokenizer\nvocab_size: 128\n",
            'num_layers: 2\nseq_length: 8\nlr: 1\ntokenizer_library: "null"\nvocab_size: 128\n',
            id="null-library-is-a-string",
        ),
        pytest.param(
            "num_layers: 2\nseq_length: 8\nlr: 1\ntokenizer_type: SFTTokenizer\n"
            "sft_tokenizer_prompt_format: nemotron-nano-v2\n",
            "num_layers: 2\nseq_length: 8\nlr: 1\ntokenizer_library: huggingface\n"
            "tokenizer_mode: sft\ntokenizer_prompt_format: nemotron-nano-v2\n",
            id="sft-with-its-prompt-format",
        ),
        pytest.param(
            "num_layers: 2\nseq_length: 8\nlr: 1\ntokenizer_type: TikTokenizer\n"
            'tiktoken_special_tokens: ["<s>", "</s>"]\nlegacy_tokenizer: true\n'
            "tokenizer_hf_use_fast: false\n",
            "num_layers: 2\nseq_length: 8\nlr: 1\ntokenizer_library: tiktoken\n"
            'tokenizer_special_tokens: ["<s>", "</s>"]\n',
            id="renamed-list-and-removed-switches",
        ),
        pytest.param(
            "num_layers: 2\nseq_length: 8\nlr: 1\ntokenizer_type: null\n"
            "sft_tokenizer_prompt_format: ~\n",
            "num_layers: 2\nseq_length: 8\nlr: 1\ntokenizer_library: null\n"
            "tokenizer_prompt_format: ~\n",
            id="old-keys-left-unset-are-renamed",
        ),
    ],
)
def test_rewrites(before, after):
    findings = sites(check_transformed(before, after))
    assert findings and all(f.fixed for f in findings)
    assert yaml.safe_load(after) is not None


def test_another_projects_tokenizer_section_is_reported_with_the_keys_to_write():
    findings = check_noop(
        """\
        model:
          num_layers: 2
        tokenizer:
          tokenizer_type: HuggingFaceTokenizer
          tokenizer_model: meta-llama/Llama-3.1-8B
        """
    )
    assert [(f.line, f.code, f.fixed) for f in findings] == [(4, "MTC201", False)]
    assert "not the top level of a Megatron args config" in findings[0].message
    assert findings[0].suggestion == "tokenizer_library: huggingface"


def test_a_top_level_map_without_other_megatron_arguments_is_reported():
    findings = check_noop("name: my-run\ntokenizer_type: GPT2BPETokenizer\n")
    assert [(f.line, f.fixed) for f in findings] == [(2, False)]
    assert findings[0].suggestion == (
        "tokenizer_library: megatron\ntokenizer_model: GPT2BPETokenizer"
    )


def test_nemo_look_alike_is_left_alone():
    assert (
        check_noop(
            "model:\n  tokenizer:\n    library: megatron\n    type: GPT2BPETokenizer\n"
            "    model: null\n  num_layers: 2\n"
        )
        == []
    )


def test_a_new_key_already_set_is_reported_not_overwritten():
    findings = check_noop(
        "num_layers: 2\nseq_length: 8\nlr: 1\ntokenizer_type: SFTTokenizer\ntokenizer_mode: text\n"
    )
    assert findings and not any(f.fixed for f in findings)


def test_suppression_comment():
    assert (
        check_noop(
            "num_layers: 2\nseq_length: 8\nlr: 1\n"
            "tokenizer_type: TikTokenizer  # megatron-compat: ignore\n"
        )
        == []
    )


def test_files_with_only_snake_case_keys_pass_the_prefilter():
    for code, key in (
        ("MTC201", b"tokenizer_type"),
        ("MTC202", b"tiktoken_special_tokens"),
        ("MTC203", b"legacy_tokenizer"),
    ):
        assert prefilter(frozenset({code}))(key + b": x\n")
