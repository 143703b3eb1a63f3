"""SFT as a capability of the text facade: ``prompt_format`` on every text library."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from conversation_cases import CHATML_TEMPLATE, TEXT_LIBRARIES

from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.conversation import IGNORE_INDEX, PROMPT_FORMAT_REGISTRY
from compat.tokenizers.conversation.prompt_config import SFT_PROMPT_FORMATS
from compat.tokenizers.text import MegatronTokenizerText

CONVERSATION = [
    {"role": "system", "content": "You are terse.\n"},
    {"role": "user", "content": "Say hello\n"},
    {"role": "assistant", "content": "Hello!\n"},
    {"role": "user", "content": "In Japanese?\n"},
    {"role": "assistant", "content": "こんにちは\n"},
]


def own_template(library: str):
    """The 'default' format renders with the tokenizer's own template: only the HF folder has
    one, the other libraries get it from the metadata."""
    return None if library == "huggingface" else CHATML_TEMPLATE


@pytest.mark.parametrize("library", TEXT_LIBRARIES)
@pytest.mark.parametrize("prompt_format", SFT_PROMPT_FORMATS)
def test_every_sft_format_works_on_every_text_library(sft_tokenizer, library, prompt_format):
    tokenizer = sft_tokenizer(library, prompt_format, own_template(library))
    tokens, target = tokenizer.tokenize_conversation(
        CONVERSATION, return_target=True, add_generation_prompt=False
    )
    assert isinstance(tokens, np.ndarray) and isinstance(target, np.ndarray)
    assert tokens.shape == target.shape and tokens.size > 0
    trained = target[target != IGNORE_INDEX]
    assert trained.size > 0
    if prompt_format == "default":
        assert np.array_equal(tokens, target)
    else:
        assert trained.size < tokens.size
        assert "こんにちは" in tokenizer.detokenize(trained.tolist())
    assert tokenizer.pad == tokenizer._prompt_config.pad_token_id == tokenizer.pad_id


@pytest.mark.parametrize("prompt_format", sorted(PROMPT_FORMAT_REGISTRY))
def test_every_registry_format_works_on_the_huggingface_library(sft_tokenizer, prompt_format):
    tokenizer = sft_tokenizer("huggingface", prompt_format)
    conversation = CONVERSATION if prompt_format != "mistral" else CONVERSATION[1:]
    tokens, target = tokenizer.tokenize_conversation(conversation)
    assert tokens.shape == target.shape
    assert (target != IGNORE_INDEX).any()


@pytest.mark.parametrize("prompt_format", sorted(set(PROMPT_FORMAT_REGISTRY) - {"mistral"}))
def test_every_registry_format_works_on_the_byte_level_library(sft_tokenizer, prompt_format):
    tokenizer = sft_tokenizer("byte-level", prompt_format, CHATML_TEMPLATE)
    tokens, target = tokenizer.tokenize_conversation(CONVERSATION)
    assert tokens.shape == target.shape


def test_pad_comes_from_the_prompt_format_and_eod_from_the_library(sft_tokenizer, library_sources):
    tokenizer = sft_tokenizer("tiktoken", "nemotron-h-aligned")
    assert tokenizer.pad == tokenizer.pad_id == 233  # <SPECIAL_233>
    plain = MegatronTokenizer.from_pretrained(
        library_sources["tiktoken"][0], metadata_path={"library": "tiktoken"}
    )
    assert plain.pad == 4  # the library's own <pad>
    assert tokenizer.eod == plain.eod == 2
    hf = sft_tokenizer("huggingface", "nemotron-nano-v2")
    assert hf.pad == hf._tokenizer.token_to_id("<unk>")


def test_the_facade_can_be_built_directly(library_sources):
    path, _ = library_sources["huggingface"]
    tokenizer = MegatronTokenizerText(
        path, {"library": "huggingface"}, prompt_format="nemotron-h-aligned"
    )
    assert tokenizer._prompt_config.pad_token_id == tokenizer._tokenizer.token_to_id(
        "<SPECIAL_233>"
    )
    # prompt_format stays a facade argument (upstream forwarded it to the library and crashed)
    assert tokenizer.additional_args == {"prompt_format": "nemotron-h-aligned"}


def test_tokenize_of_a_conversation_gives_its_ids_with_the_generation_prompt(sft_tokenizer):
    tokenizer = sft_tokenizer("huggingface", "qwen2p0")
    conversation = CONVERSATION[:2]
    ids = tokenizer.tokenize(conversation)
    assert isinstance(ids, list)
    assert ids == tokenizer.tokenize_conversation(conversation, False, True).tolist()
    assert tokenizer.detokenize(ids).endswith("<|im_start|>assistant\n")
    assert tokenizer.tokenize("plain text") == tokenizer.text_to_ids("plain text")


def test_the_callers_conversation_is_left_as_it_was(sft_tokenizer):
    conversation = copy.deepcopy(CONVERSATION)
    sft_tokenizer("huggingface", "nemotron5-aligned").tokenize_conversation(conversation)
    assert conversation == CONVERSATION


def test_without_a_prompt_format_tokenize_conversation_says_how_to_enable_it(library_sources):
    path, _ = library_sources["huggingface"]
    tokenizer = MegatronTokenizer.from_pretrained(path, metadata_path={"library": "huggingface"})
    with pytest.raises(RuntimeError, match="--tokenizer-prompt-format"):
        tokenizer.tokenize_conversation(CONVERSATION)
    with pytest.raises(RuntimeError, match="prompt_format=..."):
        tokenizer.tokenize(CONVERSATION)
    assert tokenizer.pad == tokenizer._tokenizer.pad_id


def test_an_unknown_prompt_format_fails_at_construction(library_sources):
    path, _ = library_sources["huggingface"]
    with pytest.raises(ValueError, match="unknown prompt format 'nemotron'"):
        MegatronTokenizer.from_pretrained(
            path, metadata_path={"library": "huggingface"}, prompt_format="nemotron"
        )


def test_default_format_uses_a_chat_template_stored_in_the_metadata(sft_tokenizer):
    """Upstream looked only at the library, which a SentencePiece model never gives one."""
    tokenizer = sft_tokenizer("sentencepiece", "default", CHATML_TEMPLATE)
    tokens = tokenizer.tokenize_conversation(CONVERSATION[:2], return_target=False)
    assert tokens.tolist() == tokenizer.text_to_ids(
        "<|im_start|>system\nYou are terse.\n<|im_end|>\n<|im_start|>user\nSay hello\n<|im_end|>\n"
    )


def test_default_format_without_any_template_names_the_fix(library_sources):
    path, _ = library_sources["sentencepiece"]
    tokenizer = MegatronTokenizer.from_pretrained(
        path, metadata_path={"library": "sentencepiece"}, prompt_format="default"
    )
    with pytest.raises(ValueError, match="chat_template="):
        tokenizer.tokenize_conversation(CONVERSATION)


def test_huggingface_renders_through_transformers(sft_tokenizer, raw_hf_tokenizer):
    tokenizer = sft_tokenizer("huggingface", "nemotron-nano-v2")
    template = tokenizer._prompt_config.custom_chat_template
    expected = raw_hf_tokenizer.apply_chat_template(
        CONVERSATION, chat_template=template, tokenize=False
    )
    tokens = tokenizer.tokenize_conversation(CONVERSATION, return_target=False)
    assert tokens.tolist() == raw_hf_tokenizer.encode(expected, add_special_tokens=False)


@pytest.mark.parametrize("library", ["sentencepiece", "tiktoken", "byte-level"])
def test_other_libraries_render_in_the_sandbox(sft_tokenizer, library):
    tokenizer = sft_tokenizer(library, "nemotron-h-aligned")
    expected_text = (
        "<SPECIAL_10>System\nYou are terse.\n<SPECIAL_11>User\nSay hello\n"
        "<SPECIAL_11>Assistant\nHello!\n"
    )
    tokens = tokenizer.tokenize_conversation(CONVERSATION[:3], return_target=False)
    assert tokens.tolist() == tokenizer.text_to_ids(expected_text)


def test_the_null_library_refuses_a_prompt_format_at_construction():
    with pytest.raises(ValueError, match="'null-text' library cannot tokenize conversations"):
        MegatronTokenizer.from_pretrained(
            None, metadata_path={"library": "null-text"}, prompt_format="chatml", vocab_size=100
        )
