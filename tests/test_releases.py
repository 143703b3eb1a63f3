"""compat.releases: the table of Megatron tokenizer APIs, checked against the two references
where they can show a fact (the parser flags come from Megatron-LM's ``arguments.py`` /
``TokenizerConfig``, which the wheels do not ship: see the hand-built parsers of
``tests/args/test_build_differential.py``)."""

from __future__ import annotations

import argparse
import inspect

import pytest
from hypothesis import given
from hypothesis import strategies as st
from references import G1_VERSION

from compat import releases
from compat.args import add_tokenizer_args
from compat.deprecations import LEGACY_FLAGS, MEGATRON_ROOT, TOKENIZER_TYPE_FLAG_NAME

ROW_OF_REFERENCE = {G1_VERSION: releases.G1, "0.19.2": releases.RELEASE_0_19}


@pytest.mark.parametrize(
    ("version", "key"),
    [
        ("0.16.1", "0.16"),
        ("0.16", "0.16"),
        ("0.17.0", "0.17"),
        ("0.17.1", "0.17"),
        ("0.18.0", "0.18"),
        ("0.18.2", "0.18"),
        ("0.19.0", "0.19"),
        ("0.19.2", "0.19"),
        ("0.19.0rc3", "0.19"),
        ("v0.18.2", "0.18"),
        ("0.17.0.dev0", "0.17"),
        (" 0.18.2 ", "0.18"),
        ("0.19.2+cu126", "0.19"),
        ("main", "main"),
        ("upstream", "main"),
        ("pr3889", "pr3889"),
        ("megatron", "pr3889"),
    ],
)
def test_versions_map_to_their_minor_release(version, key):
    match = releases.api_for_version(version)
    assert match.api is releases.APIS[key]
    assert match.note is None
    assert match.version == version


@pytest.mark.parametrize("version", ["0.20.0", "0.21", "1.0.0", "0.19999.1"])
def test_a_newer_version_gets_the_newest_release_and_says_so(version):
    match = releases.api_for_version(version)
    assert match.api is releases.RELEASES[-1]
    assert match.note is not None and version in match.note and "newer than every" in match.note


@pytest.mark.parametrize(
    ("version", "message"),
    [
        ("0.15.3", "older than every release"),
        ("0.9", "older than every release"),
        ("", "is not a megatron-core version"),
        ("zero.eighteen", "is not a megatron-core version"),
        ("0.18.x", "is not a megatron-core version"),
        ("18", "is not a megatron-core version"),
        (None, "is a string"),
        (0.18, "is a string"),
    ],
)
def test_garbage_and_unknown_old_versions_raise_a_clear_value_error(version, message):
    with pytest.raises(ValueError, match=message):
        releases.api_for_version(version)


@given(st.text(max_size=20))
def test_api_for_version_answers_or_raises_value_error_for_any_text(text):
    try:
        match = releases.api_for_version(text)
    except ValueError as error:
        assert str(error)
    else:
        assert match.api in releases.APIS.values()


def test_each_row_follows_its_lineage():
    g1, g2, r18, r19, main, pr = (
        releases.APIS[k] for k in ("0.16", "0.17", "0.18", "0.19", "main", "pr3889")
    )
    assert (
        g1.null_vocab_extra,
        g2.null_vocab_extra,
        r18.null_vocab_extra,
        main.null_vocab_extra,
        pr.null_vocab_extra,
    ) == (1, 1, 0, 0, 0)
    assert [api.hf_fast_and_special_tokens_default for api in (g1, g2, r19, main, pr)] == [
        False,
        True,
        True,
        True,
        True,
    ]
    assert [api.identity_masks_prompt for api in (g2, r18, r19, main, pr)] == [
        True,
        False,
        False,
        True,
        True,
    ]
    assert [api.sft_library for api in (g1, g2, r19, main, pr)] == [False, True, True, True, False]
    assert [api.model_wrappers for api in (g1, g2, r19, main, pr)] == [
        "classes",
        "classes",
        "classes",
        "absent",
        "aliases",
    ]
    assert [api.conversation_module for api in releases.APIS.values()] == [
        False,
        False,
        False,
        False,
        False,
        True,
    ]
    assert [api.metadata_attribute for api in (g2, r18, main, pr)] == [
        "tokenizer_metadata",
        "metadata_path",
        "metadata_path",
        "tokenizer_metadata",
    ]
    assert not g1.vision_facade and all(api.vision_facade for api in (g2, r19, main, pr))


def test_which_parser_accepts_which_flag():
    """core_v0.16.1 / v0.17.x arguments.py and core_v0.18+ TokenizerConfig (reference §8.1)."""
    legacy_tokenizer, hf_use_fast = "--legacy-tokenizer", "--tokenizer-hf-use-fast"
    tiktoken, negative = "--tiktoken-special-tokens", "--tokenizer-hf-no-use-fast"
    null_eod, library, sft = (
        "--null-tokenizer-eod-id",
        "--tokenizer-library",
        "--sft-tokenizer-prompt-format",
    )
    table = {
        "0.16": {legacy_tokenizer, hf_use_fast, tiktoken, sft},
        "0.17": {hf_use_fast, tiktoken, negative, sft},
        "0.18": {negative, null_eod, sft},
        "0.19": {negative, null_eod, sft},
        "main": {negative, null_eod, sft},
        "pr3889": {legacy_tokenizer, hf_use_fast, tiktoken, negative, null_eod, library, sft},
    }
    every = {legacy_tokenizer, hf_use_fast, tiktoken, negative, null_eod, library, sft}
    for key, accepted in table.items():
        api = releases.APIS[key]
        assert {flag for flag in every if api.accepts(flag)} == accepted, key
        assert api.accepts(TOKENIZER_TYPE_FLAG_NAME)
        assert api.has_tokenizer_library_flag == (key == "pr3889")


def test_the_pr3889_row_lists_what_our_parser_accepts():
    parser = add_tokenizer_args(argparse.ArgumentParser())
    ours = set(parser._option_string_actions)
    tracked = set().union(*(api.parser_flags for api in releases.APIS.values()))
    assert tracked <= ours
    assert {flag for flag in tracked if releases.PR3889.accepts(flag)} == tracked
    assert set(LEGACY_FLAGS) <= releases.PR3889.parser_flags


# --- facts each reference can show --------------------------------------------------------------


def test_the_null_tokenizers_sizes(reference):
    row = ROW_OF_REFERENCE[reference.version]
    library = reference.module("text.libraries.null_tokenizer")
    tokenizer = library.NullTokenizer(100)
    assert (tokenizer.vocab_size, tokenizer.eod) == (
        100 + row.null_vocab_extra,
        99 + row.null_vocab_extra,
    )


def test_where_build_tokenizer_and_the_wrappers_live(reference):
    row = ROW_OF_REFERENCE[reference.version]
    relative = row.build_tokenizer_module.removeprefix(MEGATRON_ROOT + ".")
    assert callable(reference.module(relative).build_tokenizer)
    assert callable(reference.module("text.models.gpt_tokenizer").GPTTokenizer)
    for relative, exists in (
        ("conversation", row.conversation_module),
        ("text.libraries.sft_tokenizer", row.sft_library),
        ("vision.vision_tokenizer", row.vision_facade),
    ):
        if exists:
            reference.module(relative)
        else:
            with pytest.raises(pytest.skip.Exception, match="has no module"):
                reference.module(relative)


def test_the_hugging_face_defaults(reference):
    row = ROW_OF_REFERENCE[reference.version]
    library = reference.raw("text.libraries.huggingface_tokenizer", "HuggingFaceTokenizer")
    parameters = inspect.signature(library).parameters
    expected = row.hf_fast_and_special_tokens_default
    assert parameters["use_fast"].default is expected
    assert parameters["include_special_tokens"].default is expected


def test_the_null_library_string(reference):
    row = ROW_OF_REFERENCE[reference.version]
    module = reference.raw_module("megatron_tokenizer")
    libraries = getattr(module, "TEXT_LIBRARIES", None) or module.TOKENIZER_LIBRARIES
    assert row.null_library in libraries
