"""``null-multimodal``: built from both flag spellings (upstream G3 crashed on both) and used."""

from __future__ import annotations

import argparse
import warnings

import pytest

from compat import MegatronTokenizerDeprecationWarning
from compat.args import add_tokenizer_args, validate_tokenizer_args
from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.utils.build_tokenizer import build_tokenizer
from compat.tokenizers.vision import MegatronTokenizerVision
from compat.tokenizers.vision.libraries import MegatronNullMultimodalTokenizer

OLD_FLAGS = ["--tokenizer-type", "NullMultimodalTokenizer", "--vocab-size", "1000"]
NEW_FLAGS = [
    "--tokenizer-library",
    "null",
    "--tokenizer-mode",
    "multimodal",
    "--vocab-size",
    "1000",
]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = add_tokenizer_args(argparse.ArgumentParser())
    # what examples/multimodal/multimodal_args.py adds; upstream G3 passed them on and crashed
    parser.add_argument("--special-tokens", nargs="*", default=["<image>"])
    parser.add_argument("--image-tag-type", default="")
    parser.add_argument("--force-system-message", action="store_true")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the deprecation warning is the args tests' subject
        return validate_tokenizer_args(parser.parse_args(argv))


@pytest.mark.parametrize("argv", [OLD_FLAGS, NEW_FLAGS], ids=["tokenizer-type", "library-mode"])
def test_build_tokenizer_from_either_flag_spelling(argv):
    args = parse(argv)
    tokenizer = build_tokenizer(args)
    assert isinstance(tokenizer, MegatronTokenizerVision)
    assert isinstance(tokenizer._tokenizer, MegatronNullMultimodalTokenizer)
    assert tokenizer.library == "null-multimodal"
    assert (tokenizer.vocab_size, tokenizer.eod) == (1001, 1000)  # N + 1 ids, EOD = N
    assert args.padded_vocab_size == 1024
    assert tokenizer.tokenize("5 17 999") == [5, 17, 999]
    assert tokenizer.detokenize([5, 17, 999]) == "5 17 999"
    assert tokenizer.convert_tokens_to_ids("<image>") == -200  # LLaVA's image index
    assert tokenizer.convert_tokens_to_ids("<image>  12") == [-200, 12]


def test_old_namespace_without_new_attributes():
    # a hand-built Namespace, as Megatron's unit tests make them
    args = argparse.Namespace(tokenizer_type="NullMultimodalTokenizer", vocab_size=7)
    with pytest.warns(
        MegatronTokenizerDeprecationWarning,
        match="use --tokenizer-library null --tokenizer-mode multimodal",
    ):
        tokenizer = build_tokenizer(args)
    assert tokenizer.library == "null-multimodal" and tokenizer.vocab_size == 8


def test_set_mode_arguments_are_ignored_with_a_warning():
    with pytest.warns(UserWarning, match="null-multimodal ignores prompt_format, special_tokens"):
        tokenizer = MegatronTokenizer.from_pretrained(
            metadata_path={"library": "null-multimodal"},
            vocab_size=10,
            prompt_format="chatml",
            special_tokens=["<image>"],
            image_tag_type="",
            force_system_message=False,
        )
    assert tokenizer.vocab_size == 11
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # unset mode arguments: silent
        MegatronTokenizer.from_pretrained(
            metadata_path={"library": "null-multimodal"},
            vocab_size=10,
            prompt_format=None,
            special_tokens=[],
            image_tag_type="",
            force_system_message=False,
        )


def test_custom_image_token_and_id():
    tokenizer = MegatronTokenizer.from_pretrained(
        metadata_path={"library": "null-multimodal"},
        vocab_size=10,
        image_token="<img>",
        image_token_id=-7,
    )
    assert tokenizer.convert_tokens_to_ids(["<img>", "3"]) == [-7, 3]
    assert tokenizer.convert_tokens_to_ids("<img>  3") == [-7, 3]
    assert tokenizer.special_token_ids == {"image": -7}


def test_library_properties_and_offsets():
    tokenizer = MegatronTokenizer.from_pretrained(
        metadata_path={"library": "null-multimodal"}, vocab_size=10
    )
    library = tokenizer._tokenizer
    assert (library.cls, library.sep, library.mask) == (-1, -1, -1)
    assert library.additional_special_tokens_ids is None
    assert tokenizer.offsets([1, 22, 333], "1 22 333") == [0, 2, 5]
    with pytest.raises(NotImplementedError, match="no vocabulary"):
        _ = tokenizer.vocab
    with pytest.raises(NotImplementedError, match="cannot tokenize conversations"):
        tokenizer.tokenize_conversation([{"role": "user", "content": "1"}], True, False)
    with pytest.raises(AttributeError, match="'null-multimodal' tokenizer library has no 'pad'"):
        _ = tokenizer.pad


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "needs vocab_size"),
        ({"vocab_size": "many"}, "must be an integer"),
        ({"vocab_size": 0}, "must be positive"),
        ({"vocab_size": True}, "needs vocab_size"),
    ],
)
def test_bad_vocab_size_is_a_clear_error(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MegatronTokenizer.from_pretrained(metadata_path={"library": "null-multimodal"}, **kwargs)


def test_text_that_is_not_ids_is_a_clear_error():
    tokenizer = MegatronTokenizer.from_pretrained(
        metadata_path={"library": "null-multimodal"}, vocab_size=10
    )
    with pytest.raises(ValueError, match="'hello' is not an integer"):
        tokenizer.tokenize("1 hello")


def test_missing_vocab_size_flag_names_the_flag():
    with pytest.raises(ValueError, match="--vocab-size"):
        build_tokenizer(parse(["--tokenizer-library", "null", "--tokenizer-mode", "multimodal"]))
