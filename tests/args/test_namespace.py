"""translate_namespace, add_tokenizer_args and validate_tokenizer_args."""

from __future__ import annotations

import argparse
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compat import MegatronTokenizerDeprecationWarning
from compat.args import (
    TokenizerArgsError,
    add_tokenizer_args,
    translate_argv,
    translate_namespace,
    validate_tokenizer_args,
)
from compat.deprecations import LEGACY_FLAGS, TOKENIZER_TYPES


def parse(argv: list[str], parser: argparse.ArgumentParser | None = None) -> argparse.Namespace:
    return add_tokenizer_args(parser or argparse.ArgumentParser()).parse_args(argv)


@pytest.mark.parametrize("type_name", sorted(TOKENIZER_TYPES))
def test_namespace_and_argv_translations_agree(type_name):
    """Parsing the translated argv gives what translating the parsed old argv gives."""
    old = ["--tokenizer-type", type_name, "--tokenizer-model", "m"]
    if TOKENIZER_TYPES[type_name].model_is_type:
        old = ["--tokenizer-type", type_name]
    from_namespace = translate_namespace(parse(old))
    from_argv = translate_namespace(parse(list(translate_argv(old).argv)))
    for name in (
        "tokenizer_library",
        "tokenizer_mode",
        "tokenizer_model",
        "tokenizer_prompt_format",
    ):
        assert getattr(from_namespace, name) == getattr(from_argv, name), name


def test_only_tokenizer_type_is_enough():
    translated = translate_namespace(argparse.Namespace(tokenizer_type="BertWordPieceCase"))
    assert translated.tokenizer_library == "megatron"
    assert translated.tokenizer_mode == "text"
    assert translated.tokenizer_model == "BertWordPieceCase"
    assert translated.tokenizer_metadata is None
    assert translated.tokenizer_type == "BertWordPieceCase"  # old attributes stay


def test_the_input_is_not_modified():
    old = argparse.Namespace(
        tokenizer_type="SFTTokenizer",
        tokenizer_model="d",
        sft_tokenizer_prompt_format="identity",
        tiktoken_special_tokens=["<a>"],
    )
    before = dict(vars(old))
    translated = translate_namespace(old)
    assert vars(old) == before
    assert translated is not old
    assert translated.tokenizer_prompt_format == "identity"
    assert translated.tokenizer_special_tokens == ["<a>"]
    translated.tokenizer_special_tokens.append("<b>")
    assert old.tiktoken_special_tokens == ["<a>"]


def test_sft_without_prompt_format_gets_the_old_default():
    translated = translate_namespace(argparse.Namespace(tokenizer_type="SFTTokenizer"))
    assert (
        translated.tokenizer_library,
        translated.tokenizer_mode,
        translated.tokenizer_prompt_format,
    ) == ("huggingface", "sft", "nemotron-h-aligned")


def test_new_prompt_format_wins_over_the_old_one():
    translated = translate_namespace(
        argparse.Namespace(
            tokenizer_type="SFTTokenizer",
            tokenizer_prompt_format="identity",
            sft_tokenizer_prompt_format="nemotron-nano-v2",
        )
    )
    assert translated.tokenizer_prompt_format == "identity"


def test_library_flag_wins_over_an_entry_point_default_type():
    """pretrain_t5.py defaults tokenizer_type to BertWordPieceLowerCase (reference §1 item 5)."""
    args = parse(["--tokenizer-library", "megatron", "--tokenizer-model", "BertWordPieceCase"])
    args.tokenizer_type = "BertWordPieceLowerCase"
    translated = translate_namespace(args)
    assert translated.tokenizer_model == "BertWordPieceCase"
    args = parse(["--tokenizer-library", "sentencepiece", "--tokenizer-model", "sp.model"])
    args.tokenizer_type = "GPT2BPETokenizer"
    assert translate_namespace(args).tokenizer_library == "sentencepiece"


def test_megatron_types_load_by_name_as_the_old_builders_did():
    translated = translate_namespace(
        argparse.Namespace(tokenizer_type="GPT2BPETokenizer", tokenizer_model="ignored")
    )
    assert translated.tokenizer_model == "GPT2BPETokenizer"


def test_g1_hf_switches_keep_their_g1_meaning():
    g1 = argparse.Namespace(
        tokenizer_type="HuggingFaceTokenizer",
        tokenizer_model="d",
        tokenizer_hf_use_fast=False,
        tokenizer_hf_include_special_tokens=True,
    )
    translated = translate_namespace(g1)
    assert translated.tokenizer_hf_no_use_fast is True
    assert translated.tokenizer_hf_no_include_special_tokens is False
    g2 = argparse.Namespace(
        tokenizer_type="HuggingFaceTokenizer",
        tokenizer_model="d",
        tokenizer_hf_use_fast=True,
        tokenizer_hf_no_use_fast=True,
    )
    assert translate_namespace(g2).tokenizer_hf_no_use_fast is True


def test_unknown_type_names_the_known_ones():
    with pytest.raises(TokenizerArgsError, match="PretrainedFromHF.*NullMultimodalTokenizer"):
        translate_namespace(argparse.Namespace(tokenizer_type="PretrainedFromHF"))


def test_type_and_a_different_mode_conflict():
    with pytest.raises(TokenizerArgsError, match="--tokenizer-type SFTTokenizer.*--tokenizer-mode"):
        translate_namespace(
            argparse.Namespace(tokenizer_type="SFTTokenizer", tokenizer_mode="multimodal")
        )


def test_new_namespace_passes_through():
    args = parse(
        [
            "--tokenizer-library",
            "tiktoken",
            "--tokenizer-model",
            "t.json",
            "--tokenizer-special-tokens",
            "<a>",
        ]
    )
    assert vars(translate_namespace(args)) == vars(args)


# --- argparse helpers ---------------------------------------------------------------------------


def test_parser_accepts_new_and_deprecated_flags_with_helpful_help(monkeypatch):
    monkeypatch.setenv("COLUMNS", "2000")  # no wrapping: argparse breaks lines at hyphens
    parser = add_tokenizer_args(argparse.ArgumentParser())
    help_text = " ".join(parser.format_help().split())
    assert "--tokenizer-library" in help_text and "--tokenizer-mode" in help_text
    for flag, legacy in LEGACY_FLAGS.items():
        assert flag in help_text
        assert " ".join(legacy.message.split()[:3]) in help_text
    assert "Deprecated: use --tokenizer-library and --tokenizer-mode" in help_text
    args = parser.parse_args(
        ["--tiktoken-special-tokens", "a", "b", "--legacy-tokenizer", "--tokenizer-hf-use-fast"]
    )
    assert args.tiktoken_special_tokens == ["a", "b"]
    with pytest.raises(SystemExit):
        parser.parse_args(["--tokenizer-library", "sft"])


def test_parser_that_already_defines_prompt_format_does_not_crash():
    """examples/multimodal/multimodal_args.py defines --tokenizer-prompt-format itself."""
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--tokenizer-prompt-format", type=str, required=True, choices=["mistral", "llama3"]
    )
    add_tokenizer_args(parser)
    args = parser.parse_args(
        [
            "--tokenizer-prompt-format",
            "mistral",
            "--tokenizer-type",
            "MultimodalTokenizer",
            "--tokenizer-model",
            "d",
        ]
    )
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        validate_tokenizer_args(args)
    assert (args.tokenizer_library, args.tokenizer_mode, args.tokenizer_prompt_format) == (
        "huggingface",
        "multimodal",
        "mistral",
    )
    # adding twice is harmless too
    add_tokenizer_args(parser)


def test_validate_warns_once_for_all_old_flags(monkeypatch):
    monkeypatch.delenv("MEGATRON_COMPAT_STRICT", raising=False)
    args = parse(
        [
            "--tokenizer-type",
            "SFTTokenizer",
            "--tokenizer-model",
            "d",
            "--sft-tokenizer-prompt-format",
            "identity",
            "--tiktoken-special-tokens",
            "<a>",
            "--legacy-tokenizer",
        ]
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        returned = validate_tokenizer_args(args)
    assert returned is args
    deprecations = [
        w for w in caught if issubclass(w.category, MegatronTokenizerDeprecationWarning)
    ]
    assert len(deprecations) == 1
    message = str(deprecations[0].message)
    for part in (
        "--tokenizer-type SFTTokenizer",
        "--sft-tokenizer-prompt-format identity",
        "--tiktoken-special-tokens",
        "--legacy-tokenizer",
        ("--tokenizer-library huggingface --tokenizer-mode sft --tokenizer-prompt-format identity"),
        "--tokenizer-special-tokens",
    ):
        assert part in message
    assert deprecations[0].filename == __file__
    assert (
        args.tokenizer_library,
        args.tokenizer_mode,
        args.tokenizer_prompt_format,
        args.tokenizer_special_tokens,
    ) == ("huggingface", "sft", "identity", ["<a>"])


def test_validate_is_silent_for_new_flags():
    args = parse(["--tokenizer-library", "huggingface", "--tokenizer-model", "d"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_tokenizer_args(args)


def test_validate_raises_in_strict_mode(monkeypatch):
    from compat.warn import MegatronTokenizerDeprecationError

    monkeypatch.setenv("MEGATRON_COMPAT_STRICT", "1")
    with pytest.raises(MegatronTokenizerDeprecationError, match="MTC201"):
        validate_tokenizer_args(parse(["--tokenizer-type", "NullTokenizer"]))


def test_args_saved_by_upstream_main_use_its_attribute_names():
    """Upstream main stores ``metadata_path`` and ``special_tokens`` (its TokenizerConfig)."""
    main = argparse.Namespace(
        tokenizer_type="TikTokenizer",
        tokenizer_model="t.json",
        metadata_path="meta.json",
        special_tokens=["<a>"],
    )
    translated = translate_namespace(main)
    assert translated.tokenizer_metadata == "meta.json"
    assert translated.tokenizer_special_tokens == ["<a>"]
    translated.tokenizer_special_tokens.append("<b>")
    assert main.special_tokens == ["<a>"]


def test_special_tokens_of_the_multimodal_example_are_not_tokenizer_special_tokens():
    """G1–G3 parsers define tokenizer_special_tokens; special_tokens is then the example's."""
    args = parse(["--tokenizer-type", "MultimodalTokenizer", "--tokenizer-model", "d"])
    args.special_tokens = ["<image>"]
    translated = translate_namespace(args)
    assert translated.tokenizer_special_tokens is None
    assert translated.special_tokens == ["<image>"]


def test_upstream_mains_null_and_whitespace_flags_parse_and_reach_the_tokenizer():
    """Issue 13: the flags #4057 added were passed through by the translator, then rejected."""
    from compat.tokenizers.utils.build_tokenizer import build_tokenizer

    argv = [
        "--tokenizer-type",
        "NullTokenizer",
        "--vocab-size",
        "10",
        "--null-tokenizer-eod-id",
        "5",
        "--null-tokenizer-pad-id",
        "9",
    ]
    translated = translate_argv(argv)
    assert translated.argv[2:] == tuple(argv[2:])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MegatronTokenizerDeprecationWarning)
        args = validate_tokenizer_args(parse(list(translated.argv)))
    assert (args.null_tokenizer_eod_id, args.null_tokenizer_pad_id) == (5, 9)
    tokenizer = build_tokenizer(args)
    assert (tokenizer.vocab_size, tokenizer.eod, tokenizer.pad) == (10, 5, 9)
    defaults = parse([])
    assert (defaults.null_tokenizer_eod_id, defaults.null_tokenizer_pad_id) == (None, -1)
    assert defaults.tokenizer_sentencepiece_ignore_extra_whitespaces is True
    assert defaults.chat_template is None
    for flag in (
        "--no-tokenizer-sentencepiece-ignore-extra-whitespaces",
        "--disable-tokenizer-sentencepiece-ignore-extra-whitespaces",
    ):
        assert parse([flag]).tokenizer_sentencepiece_ignore_extra_whitespaces is False


@pytest.mark.parametrize(
    ("attributes", "sizes"),
    [
        # a megatron-core <= 0.17 parser: positive HF switches, no tokenizer_library
        (dict(tokenizer_hf_use_fast=False, tokenizer_hf_include_special_tokens=False), (11, 10)),
        (
            dict(
                tokenizer_hf_use_fast=True,
                tokenizer_hf_include_special_tokens=True,
                tokenizer_hf_no_use_fast=False,
                tokenizer_hf_no_include_special_tokens=False,
            ),
            (11, 10),
        ),
        # megatron-core >= 0.18 (TokenizerConfig), and a Namespace built by hand
        (dict(tokenizer_hf_no_use_fast=False, null_tokenizer_eod_id=None), (10, 9)),
        ({}, (10, 9)),
    ],
    ids=["0.16", "0.17", "0.18+", "by-hand"],
)
def test_saved_null_args_keep_the_sizes_of_the_release_that_saved_them(attributes, sizes):
    from compat.tokenizers.utils.build_tokenizer import build_tokenizer

    old = argparse.Namespace(tokenizer_type="NullTokenizer", vocab_size=10, **attributes)
    assert translate_namespace(old).vocab_size == sizes[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MegatronTokenizerDeprecationWarning)
        tokenizer = build_tokenizer(old)
    assert (tokenizer.vocab_size, tokenizer.eod) == sizes
    assert old.vocab_size == 10


def test_validate_says_when_the_null_sizes_were_kept(monkeypatch):
    monkeypatch.delenv("MEGATRON_COMPAT_STRICT", raising=False)
    args = argparse.Namespace(
        tokenizer_type="NullTokenizer",
        vocab_size=10,
        tokenizer_hf_use_fast=False,
        tokenizer_hf_include_special_tokens=False,
    )
    with pytest.warns(MegatronTokenizerDeprecationWarning) as caught:
        validate_tokenizer_args(args)
    message = str(caught[0].message)
    assert "--tokenizer-type NullTokenizer --vocab-size 10" in message
    assert "--tokenizer-library null --vocab-size 11" in message
    assert args.vocab_size == 11


# --- property: the argv route and the namespace route agree ------------------------------------

_FILLER = [
    ["--seq-length", "8"],
    ["--bf16"],
    ["--tokenizer-model", "tok"],
    ["--tiktoken-special-tokens", "<a>", "<b>"],
    ["--tokenizer-hf-use-fast"],
    ["--tokenizer-hf-include-special-tokens"],
    ["--legacy-tokenizer"],
    ["--sft-tokenizer-prompt-format", "identity"],
]


@st.composite
def old_argvs(draw) -> list[str]:
    type_name = draw(st.sampled_from(sorted(TOKENIZER_TYPES)))
    row = TOKENIZER_TYPES[type_name]
    groups = [
        draw(st.sampled_from([["--tokenizer-type", type_name], [f"--tokenizer-type={type_name}"]]))
    ]
    for group in draw(st.lists(st.sampled_from(_FILLER), max_size=5, unique_by=tuple)):
        if group[0] == "--tokenizer-model" and row.model_is_type:
            continue  # a megatron type names its own tokenizer: a conflict, tested elsewhere
        if group[0] == "--sft-tokenizer-prompt-format" and row.mode == "multimodal":
            continue  # no effect upstream but would set the multimodal format: an error
        groups.append(group)
    groups = draw(st.permutations(groups))
    return [word for group in groups for word in group]


@settings(max_examples=200, deadline=None)
@given(old_argvs())
def test_translated_argv_parses_to_the_translated_namespace(old_argv):
    parser = add_tokenizer_args(argparse.ArgumentParser())
    parser.add_argument("--seq-length")
    parser.add_argument("--bf16", action="store_true")
    translation = translate_argv(old_argv)
    assert translation.errors == ()
    assert not any(
        word.partition("=")[0] in {"--tokenizer-type", *LEGACY_FLAGS} for word in translation.argv
    )
    from_namespace = translate_namespace(parser.parse_args(old_argv))
    from_argv = translate_namespace(parser.parse_args(list(translation.argv)))
    for name in (
        "tokenizer_library",
        "tokenizer_mode",
        "tokenizer_model",
        "tokenizer_special_tokens",
    ):
        assert getattr(from_argv, name) == getattr(from_namespace, name), name
    if from_namespace.tokenizer_mode == "sft":
        assert from_argv.tokenizer_prompt_format == from_namespace.tokenizer_prompt_format


def _deprecation_messages(args: argparse.Namespace) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        validate_tokenizer_args(args)
    return [
        str(w.message)
        for w in caught
        if issubclass(w.category, MegatronTokenizerDeprecationWarning)
    ]


@pytest.mark.parametrize(
    ("attributes", "warns"),
    [
        # G1: the switches default to False, so True means the user passed them
        ({"tokenizer_hf_use_fast": True}, True),
        # G2: both default to True (upstream warned on every run); the negatives exist
        (
            {
                "tokenizer_hf_use_fast": True,
                "tokenizer_hf_no_use_fast": False,
                "tokenizer_hf_include_special_tokens": True,
                "tokenizer_hf_no_include_special_tokens": False,
            },
            False,
        ),
    ],
)
def test_removed_hf_switches_warn_only_when_they_were_passed(monkeypatch, attributes, warns):
    monkeypatch.delenv("MEGATRON_COMPAT_STRICT", raising=False)
    args = argparse.Namespace(
        tokenizer_type="HuggingFaceTokenizer", tokenizer_model="d", **attributes
    )
    (message,) = _deprecation_messages(args)
    assert ("--tokenizer-hf-use-fast" in message) is warns
    assert "--tokenizer-type HuggingFaceTokenizer" in message


def test_removed_hf_switch_passed_to_our_parser_warns(monkeypatch):
    monkeypatch.delenv("MEGATRON_COMPAT_STRICT", raising=False)
    (message,) = _deprecation_messages(
        parse(["--tokenizer-library", "huggingface", "--tokenizer-hf-include-special-tokens"])
    )
    assert "--tokenizer-hf-include-special-tokens" in message and "delete it" in message
    assert _deprecation_messages(parse(["--tokenizer-library", "huggingface"])) == []
