"""PromptConfig and the 14-format registry (reference §5.3 table)."""

from __future__ import annotations

import dataclasses
import warnings

import pytest

from compat.tokenizers.conversation import (
    PROMPT_FORMAT_REGISTRY,
    PromptConfig,
    UnknownPromptFormatError,
    build_prompt_config,
)
from compat.tokenizers.conversation import prompt_config as templates


class TokenTable:
    """A Megatron-library-shaped tokenizer with chosen ids (no file needed)."""

    def __init__(
        self, tokens: dict, pad_id=None, eos_id=None, bos_id=None, unk_id=None, chat_template=None
    ):
        self.tokens = tokens
        self.pad_id, self.eos_id, self.bos_id, self.unk_id = pad_id, eos_id, bos_id, unk_id
        self.chat_template = chat_template

    def token_to_id(self, token):
        return self.tokens[token]


class HFShaped:
    """A raw-Hugging-Face-shaped tokenizer (``*_token_id`` + ``convert_tokens_to_ids``)."""

    def __init__(self, pad_token_id=None, unk_token_id=None, eos_token_id=None, bos_token_id=None):
        self.pad_token_id, self.unk_token_id = pad_token_id, unk_token_id
        self.eos_token_id, self.bos_token_id = eos_token_id, bos_token_id
        self.chat_template = "{{ messages }}"

    def convert_tokens_to_ids(self, token):
        return {"<unk>": 0, "<SPECIAL_233>": 233}.get(token, 0)


NAMED = {
    "<unk>": 7,
    "<SPECIAL_233>": 233,
    "<|end_of_text|>": 128001,
    "<|finetune_right_pad_id|>": 128004,
}
TABLE = TokenTable(NAMED, pad_id=11, eos_id=2, bos_id=1, unk_id=0, chat_template="own")

# key: (assistant_prefix_len, pad id, template, has_bos, has_system_role, flags set)
EXPECTED = {
    "nemotron-nano-v2": (
        3,
        7,
        templates.nemotron_nano_v2_custom_template,
        False,
        True,
        {"allow_tool_role"},
    ),
    "nemotron-h-aligned": (
        0,
        233,
        templates.nemotron_h_aligned_custom_template,
        False,
        True,
        {"allow_tool_role"},
    ),
    "identity": (0, 7, templates.identity_template, False, True, {"allow_tool_role"}),
    "default": (0, 11, "own", True, True, {"skip_masking", "allow_tool_role"}),
    "mistral": (
        0,
        0,
        templates.mistral_custom_template,
        True,
        False,
        {"validate_no_image_in_assistant"},
    ),
    "llama3": (4, 128001, None, True, True, {"validate_no_image_in_assistant"}),
    "llama3p1": (
        4,
        128004,
        templates.llama3p1_chat_template,
        True,
        True,
        {"validate_no_image_in_assistant"},
    ),
    "llama3p2": (
        4,
        128004,
        templates.llama3p1_chat_template,
        True,
        True,
        {"validate_no_image_in_assistant"},
    ),
    "nvlm-yi-34b": (
        4,
        11,
        templates.nvlm_yi_34b_template,
        True,
        True,
        {"validate_no_image_in_assistant"},
    ),
    "chatml": (3, 11, None, False, True, {"validate_no_image_in_assistant"}),
    "nemotron5": (
        3,
        233,
        templates.nemotron_custom_template,
        True,
        True,
        {"validate_no_image_in_assistant"},
    ),
    "nemotron5-aligned": (
        2,
        233,
        templates.nemotron_aligned_custom_template,
        True,
        True,
        {"capitalize_roles", "validate_no_image_in_assistant"},
    ),
    "qwen2p0": (
        3,
        11,
        templates.qwen2p0_custom_template,
        False,
        True,
        {"validate_no_image_in_assistant"},
    ),
    "qwen2p5": (
        3,
        11,
        templates.qwen2p0_custom_template,
        False,
        True,
        {"validate_no_image_in_assistant"},
    ),
}
FLAGS = (
    "validate_no_image_in_assistant",
    "capitalize_roles",
    "skip_masking",
    "allow_tool_role",
    "force_system_message",
)


def test_registry_has_exactly_the_fourteen_upstream_formats():
    assert set(PROMPT_FORMAT_REGISTRY) == set(EXPECTED)
    assert len(PROMPT_FORMAT_REGISTRY) == 14


def test_prompt_config_has_every_reference_field_with_its_default():
    fields = {field.name: field for field in dataclasses.fields(PromptConfig)}
    required = [
        "assistant_prefix_len",
        "pad_token_id",
        "custom_chat_template",
        "has_bos",
        "has_system_role",
    ]
    assert list(fields)[:5] == required
    for name in required:
        assert fields[name].default is dataclasses.MISSING
    defaults = {
        "force_system_message": False,
        "system_default": None,
        "validate_no_image_in_assistant": False,
        "capitalize_roles": False,
        "skip_masking": False,
        "allow_tool_role": False,
    }
    assert {name: fields[name].default for name in defaults} == defaults


@pytest.mark.parametrize("prompt_format", sorted(EXPECTED))
def test_each_format_matches_the_reference_table(prompt_format):
    prefix, pad, template, has_bos, has_system, flags = EXPECTED[prompt_format]
    config = build_prompt_config(prompt_format, TABLE)
    assert config.assistant_prefix_len == prefix
    assert config.pad_token_id == pad
    assert config.custom_chat_template == template
    assert config.has_bos is has_bos
    assert config.has_system_role is has_system
    assert {flag for flag in FLAGS if getattr(config, flag)} == flags


def test_qwen_formats_carry_the_qwen_system_message_and_can_force_it():
    config = build_prompt_config("qwen2p5", TABLE, force_system_message=True)
    assert config.force_system_message is True
    assert config.system_default == {
        "role": "system",
        "content": "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
    }
    # every config gets its own dict: editing one cannot leak into the next
    config.system_default["content"] = "changed"
    assert build_prompt_config("qwen2p0", TABLE).system_default["content"].startswith("You are")


def test_an_id_of_zero_is_kept_not_dropped_as_falsy():
    """Upstream's ``a or b`` turned an UNK/pad id of 0 into None for raw HF tokenizers."""
    hf = HFShaped(pad_token_id=0, unk_token_id=0, eos_token_id=0, bos_token_id=0)
    assert build_prompt_config("mistral", hf).pad_token_id == 0
    for prompt_format in ("nvlm-yi-34b", "chatml", "qwen2p0", "default"):
        assert build_prompt_config(prompt_format, hf).pad_token_id == 0, prompt_format
    assert build_prompt_config("default", hf).has_bos is True


def test_default_falls_back_to_eos_when_there_is_no_pad():
    table = TokenTable({}, pad_id=None, eos_id=0, bos_id=None)
    config = build_prompt_config("default", table)
    assert config.pad_token_id == 0
    assert config.has_bos is False


def test_a_pad_token_the_tokenizer_lacks_falls_back_to_its_pad_then_eos():
    class ByteLevelLike(TokenTable):
        def token_to_id(self, token):  # the byte-level library returns unknown tokens unchanged
            return token

    assert build_prompt_config("identity", ByteLevelLike({}, pad_id=1, eos_id=0)).pad_token_id == 1
    assert build_prompt_config("identity", ByteLevelLike({}, eos_id=0)).pad_token_id == 0
    with pytest.raises(ValueError, match="does not have.*<unk>"):
        build_prompt_config("identity", ByteLevelLike({}))


def test_unknown_prompt_format_names_the_format_and_lists_the_known_ones():
    with pytest.raises(UnknownPromptFormatError, match="'chatml2'.*chatml, default") as error:
        build_prompt_config("chatml2", TABLE)
    # upstream raised NotImplementedError; handlers written for it still catch ours
    assert isinstance(error.value, NotImplementedError)


def test_unknown_option_is_a_type_error_and_a_useless_option_warns():
    with pytest.raises(TypeError, match="force_system"):
        build_prompt_config("qwen2p0", TABLE, force_system=True)
    with pytest.warns(UserWarning, match="no effect with prompt format 'chatml'"):
        build_prompt_config("chatml", TABLE, force_system_message=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_prompt_config("chatml", TABLE, force_system_message=False)


def test_a_tokenizer_without_any_token_lookup_gets_a_clear_error():
    with pytest.raises(TypeError, match="token_to_id nor convert_tokens_to_ids"):
        build_prompt_config("identity", object())


def test_module_layout_and_signature_are_upstream_g3s():
    import inspect

    from compat.tokenizers import conversation
    from compat.tokenizers.conversation import conversation_tokenizer, prompt_config

    assert {"tokenize_conversation", "PROMPT_FORMAT_REGISTRY", "PromptConfig"} <= set(
        conversation.__all__
    )
    assert conversation_tokenizer.IGNORE_INDEX == -100
    assert prompt_config.PromptConfig is conversation.PromptConfig
    parameters = inspect.signature(conversation.tokenize_conversation).parameters
    assert list(parameters) == [
        "tokenizer",
        "conversation",
        "prompt_config",
        "return_target",
        "add_generation_prompt",
        "apply_image_tag_fn",
    ]
    assert parameters["apply_image_tag_fn"].default is None
