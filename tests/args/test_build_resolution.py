"""How build_tokenizer resolves library, path and kwargs (no tokenizer backend needed)."""

from __future__ import annotations

import argparse
import logging

import pytest

from compat.args import TokenizerArgsError, translate_namespace
from compat.tokenizers.utils.build_tokenizer import (
    T5_SENTINEL_TOKENS,
    _set_padded_vocab_size,
    library_kwargs,
    mode_kwargs,
    resolve_library,
    resolve_tokenizer_path,
    vocab_size_with_padding,
)


def new_args(**attributes) -> argparse.Namespace:
    return translate_namespace(argparse.Namespace(**attributes))


# reference §7.2 table, with G3's ('null', 'sft') → unknown library made a clear error
@pytest.mark.parametrize(
    ("library", "mode", "expected"),
    [
        (None, "sft", "huggingface"),
        (None, "multimodal", "multimodal"),
        ("huggingface", "text", "huggingface"),
        ("huggingface", "sft", "huggingface"),
        ("huggingface", "multimodal", "multimodal"),
        ("sentencepiece", "text", "sentencepiece"),
        ("sentencepiece", "sft", "sentencepiece"),
        ("sentencepiece", "multimodal", "multimodal"),
        ("tiktoken", "text", "tiktoken"),
        ("tiktoken", "sft", "tiktoken"),
        ("tiktoken", "multimodal", "multimodal"),
        ("megatron", "text", "megatron"),
        ("megatron", "sft", "megatron"),
        ("megatron", "multimodal", "multimodal"),
        ("byte-level", "text", "byte-level"),
        ("byte-level", "sft", "byte-level"),
        ("byte-level", "multimodal", "multimodal"),
        ("null", "text", "null-text"),
        ("null", "multimodal", "null-multimodal"),
    ],
)
def test_resolve_library(library, mode, expected):
    assert resolve_library(new_args(tokenizer_library=library, tokenizer_mode=mode)) == expected


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({}, "no tokenizer library given: pass --tokenizer-library"),
        ({"tokenizer_library": "null", "tokenizer_mode": "sft"}, "null has no sft mode"),
        ({"tokenizer_library": "sft"}, "unknown --tokenizer-library 'sft'"),
        (
            {"tokenizer_library": "huggingface", "tokenizer_mode": "chat"},
            "unknown --tokenizer-mode 'chat'",
        ),
    ],
)
def test_resolve_library_errors_name_the_fix(attributes, message):
    with pytest.raises(TokenizerArgsError, match=message):
        resolve_library(new_args(**attributes))


def test_explicit_tokenizer_model_wins_over_a_default_type():
    """pretrain_t5.py: default tokenizer_type BertWordPieceLowerCase, the user asks for Case."""
    args = new_args(
        tokenizer_type="BertWordPieceLowerCase",
        tokenizer_library="megatron",
        tokenizer_model="BertWordPieceCase",
    )
    assert resolve_tokenizer_path(args) == "BertWordPieceCase"
    assert library_kwargs(args)["additional_special_tokens"] == list(T5_SENTINEL_TOKENS)
    # without --tokenizer-model the type still names the tokenizer
    args = new_args(tokenizer_type="GPT2BPETokenizer", tokenizer_library="megatron")
    assert resolve_tokenizer_path(args) == "GPT2BPETokenizer"
    assert library_kwargs(args)["additional_special_tokens"] == []


def test_a_default_type_of_another_library_does_not_name_a_megatron_tokenizer():
    """examples/post_training/modelopt/* default tokenizer_type to HuggingFaceTokenizer."""
    args = new_args(tokenizer_type="HuggingFaceTokenizer", tokenizer_library="megatron")
    assert resolve_tokenizer_path(args) is None


def test_path_of_other_libraries_is_tokenizer_model():
    args = new_args(
        tokenizer_type="GPT2BPETokenizer", tokenizer_library="tiktoken", tokenizer_model="v.json"
    )
    assert resolve_tokenizer_path(args) == "v.json"


def test_library_kwargs_per_library():
    hf = library_kwargs(
        new_args(
            tokenizer_type="HuggingFaceTokenizer",
            tokenizer_model="d",
            tokenizer_special_tokens=["<a>"],
            vocab_file="v",
            merge_file="m",
        )
    )
    assert hf == {
        "additional_special_tokens": ["<a>"],
        "vocab_file": "v",
        "merges_file": "m",
        "use_fast": True,
        "trust_remote_code": False,
        "include_special_tokens": True,
    }
    g1 = library_kwargs(
        new_args(
            tokenizer_type="HuggingFaceTokenizer",
            tokenizer_model="d",
            tokenizer_hf_use_fast=False,
            tokenizer_hf_include_special_tokens=False,
        )
    )
    assert (g1["use_fast"], g1["include_special_tokens"]) == (False, False)
    assert library_kwargs(new_args(tokenizer_library="sentencepiece")) == {
        "legacy": False,
        "special_tokens": None,
        "ignore_extra_whitespaces": True,
    }
    assert library_kwargs(
        new_args(tokenizer_library="tiktoken", tiktoken_pattern="v1", vocab_size=1000)
    ) == {"pattern": "v1", "vocab_size": 1000, "num_special_tokens": 1000, "special_tokens": None}
    assert library_kwargs(new_args(tokenizer_library="tiktoken")) == {
        "num_special_tokens": 1000,
        "special_tokens": None,
    }
    assert library_kwargs(new_args(tokenizer_library="null", vocab_size=7)) == {"vocab_size": 7}
    assert library_kwargs(new_args(tokenizer_library="byte-level")) == {}


def test_library_kwargs_read_upstream_mains_attributes():
    """megatron-core >= 0.18 (TokenizerConfig) added these; its builder passes them on."""
    template = "{{ messages }}"
    sentencepiece = library_kwargs(
        new_args(
            tokenizer_library="sentencepiece",
            chat_template=template,
            tokenizer_sentencepiece_ignore_extra_whitespaces=False,
        )
    )
    assert (sentencepiece["chat_template"], sentencepiece["ignore_extra_whitespaces"]) == (
        template,
        False,
    )
    for library in ("huggingface", "tiktoken"):
        assert (
            library_kwargs(
                new_args(tokenizer_library=library, tokenizer_model="m", chat_template=template)
            )["chat_template"]
            == template
        )
    # upstream main's megatron library does not take it
    assert "chat_template" not in library_kwargs(
        new_args(
            tokenizer_library="megatron", tokenizer_model="GPT2BPETokenizer", chat_template=template
        )
    )
    assert library_kwargs(
        new_args(
            tokenizer_library="null", vocab_size=7, null_tokenizer_eod_id=0, null_tokenizer_pad_id=6
        )
    ) == {"vocab_size": 7, "eod_id": 0, "pad_id": 6}
    assert library_kwargs(
        new_args(
            tokenizer_library="null",
            tokenizer_mode="multimodal",
            vocab_size=7,
            null_tokenizer_eod_id=0,
        )
    ) == {"vocab_size": 7}


def test_mode_kwargs():
    sft = new_args(tokenizer_type="SFTTokenizer", sft_tokenizer_prompt_format="identity")
    assert mode_kwargs(sft, "huggingface") == {"prompt_format": "identity"}
    multimodal = new_args(
        tokenizer_type="MultimodalTokenizer",
        tokenizer_prompt_format="chatml",
        special_tokens=["<image>"],
        image_tag_type="nvlm",
    )
    assert mode_kwargs(multimodal, "multimodal") == {
        "prompt_format": "chatml",
        "special_tokens": ["<image>"],
        "image_tag_type": "nvlm",
        "force_system_message": False,
    }
    # the HF kwargs are not forwarded to the multimodal library (upstream clobbered the
    # tokenizer's additional special tokens with [])
    assert library_kwargs(multimodal) == {}
    from_tokenizer_flag = new_args(
        tokenizer_type="MultimodalTokenizer", tokenizer_special_tokens=["<image>"]
    )
    assert mode_kwargs(from_tokenizer_flag, "multimodal")["special_tokens"] == ["<image>"]
    null_multimodal = new_args(
        tokenizer_type="NullMultimodalTokenizer", vocab_size=9, tokenizer_prompt_format="chatml"
    )
    assert mode_kwargs(null_multimodal, "null-multimodal") == {}
    assert library_kwargs(null_multimodal) == {"vocab_size": 9}
    assert mode_kwargs(new_args(tokenizer_library="tiktoken"), "tiktoken") == {}


@pytest.mark.parametrize(
    ("size", "divisor", "tensor_parallel", "expected"),
    [
        (50257, 128, 1, 50304),
        (50257, 128, 8, 51200),
        (32000, 128, 1, 32000),
        (1, 128, 2, 256),
        (501, 1, 1, 501),
    ],
)
def test_vocab_size_with_padding(size, divisor, tensor_parallel, expected):
    args = argparse.Namespace(
        make_vocab_size_divisible_by=divisor, tensor_model_parallel_size=tensor_parallel, rank=0
    )
    assert vocab_size_with_padding(size, args, logging_enabled=False) == expected


def test_vocab_padding_logs_on_rank_zero_only(caplog):
    caplog.set_level(logging.INFO)
    args = argparse.Namespace(
        make_vocab_size_divisible_by=128, tensor_model_parallel_size=1, rank=0
    )
    vocab_size_with_padding(100, args)
    assert "padded vocab (size: 100) with 28 dummy tokens (new size: 128)" in caplog.text
    caplog.clear()
    vocab_size_with_padding(
        100,
        argparse.Namespace(make_vocab_size_divisible_by=128, tensor_model_parallel_size=1, rank=3),
    )
    vocab_size_with_padding(100, args, logging_enabled=False)
    assert caplog.text == ""


def test_padding_defaults_when_attributes_are_missing():
    assert vocab_size_with_padding(129, argparse.Namespace()) == 256


def test_padded_vocab_size_is_set_only_when_unset():
    class Sized:
        vocab_size = 1000

    args = argparse.Namespace(make_vocab_size_divisible_by=64, tensor_model_parallel_size=1)
    _set_padded_vocab_size(args, Sized())
    assert args.padded_vocab_size == 1024
    args.padded_vocab_size = 5000
    _set_padded_vocab_size(args, Sized())
    assert args.padded_vocab_size == 5000
