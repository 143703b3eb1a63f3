"""``MegatronTokenizer.from_pretrained``: where metadata is found, what the facade gets, and one
clear error (naming the fix) for every way the inputs can be wrong."""

from __future__ import annotations

import copy
import json
import os
import shutil
from pathlib import Path

import pytest

from compat.tokenizers import MegatronTokenizer, MegatronTokenizerBase
from compat.tokenizers.megatron_tokenizer import METADATA_FILE_NAME, _get_metadata_path
from compat.tokenizers.text import MegatronTokenizerText


@pytest.fixture
def hf_copy(hf_tokenizer_dir, tmp_path) -> Path:
    """A private copy of the HF tokenizer folder, so tests can write metadata into it."""
    target = tmp_path / "hf"
    shutil.copytree(hf_tokenizer_dir, target)
    return target


def write_json(path: Path, value) -> Path:
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def test_cannot_be_instantiated():
    with pytest.raises(EnvironmentError, match="from_pretrained"):
        MegatronTokenizer()


def test_metadata_path_is_inside_a_directory_and_next_to_a_file(tmp_path):
    model_file = tmp_path / "tokenizer.model"
    model_file.write_bytes(b"")
    assert _get_metadata_path(model_file) == f"{tmp_path}/{METADATA_FILE_NAME}"
    assert _get_metadata_path(tmp_path) == f"{tmp_path}/{METADATA_FILE_NAME}"
    # A Hub id (or any missing path) is taken as a directory name, as upstream does.
    assert _get_metadata_path("org/model") == f"org/model/{METADATA_FILE_NAME}"


def test_metadata_file_inside_the_tokenizer_directory_is_found(hf_copy):
    write_json(hf_copy / METADATA_FILE_NAME, {"library": "huggingface", "chat_template": None})
    tokenizer = MegatronTokenizer.from_pretrained(str(hf_copy))
    assert type(tokenizer) is MegatronTokenizerText
    assert isinstance(tokenizer, MegatronTokenizerBase)
    assert tokenizer.library == "huggingface"
    assert tokenizer.metadata_path == f"{hf_copy}/{METADATA_FILE_NAME}"
    assert tokenizer.path == str(hf_copy)


def test_path_objects_are_accepted(hf_copy):
    write_json(hf_copy / METADATA_FILE_NAME, {"library": "huggingface"})
    tokenizer = MegatronTokenizer.from_pretrained(hf_copy, hf_copy / METADATA_FILE_NAME)
    assert (
        tokenizer.text_to_ids("hello world")
        == tokenizer._tokenizer.tokenizer("hello world").input_ids
    )


def test_explicit_metadata_file_elsewhere(hf_tokenizer_dir, tmp_path):
    metadata = write_json(tmp_path / "somewhere.json", {"library": "huggingface"})
    tokenizer = MegatronTokenizer.from_pretrained(str(hf_tokenizer_dir), str(metadata))
    assert tokenizer.metadata_path == str(metadata)


def test_metadata_keys_become_attributes_and_the_dict_is_never_modified(hf_tokenizer_dir):
    metadata = {"library": "huggingface", "custom_key": [1, 2], "chat_template": None}
    snapshot = copy.deepcopy(metadata)
    tokenizer = MegatronTokenizer.from_pretrained(str(hf_tokenizer_dir), metadata)
    assert metadata == snapshot
    assert tokenizer.custom_key == [1, 2]
    assert tokenizer.metadata_path is None  # a dict has no file
    # G3 records the facade's own class (under the upstream path).
    assert tokenizer.class_name == "MegatronTokenizerText"
    assert tokenizer.class_path == "megatron.core.tokenizers.text.text_tokenizer"


def test_caller_kwargs_are_not_modified(hf_tokenizer_dir):
    extra = ["<extra_0>"]
    kwargs = {"additional_special_tokens": extra, "prompt_format": None}
    MegatronTokenizer.from_pretrained(str(hf_tokenizer_dir), {"library": "huggingface"}, **kwargs)
    assert kwargs == {"additional_special_tokens": ["<extra_0>"], "prompt_format": None}
    assert extra == ["<extra_0>"]


def test_empty_dict_means_not_given(hf_copy):
    # Upstream treats a falsy metadata_path as "derive the file from tokenizer_path".
    write_json(hf_copy / METADATA_FILE_NAME, {"library": "huggingface"})
    tokenizer = MegatronTokenizer.from_pretrained(str(hf_copy), {})
    assert tokenizer.library == "huggingface"


def test_pathless_libraries_need_no_tokenizer_path():
    byte_level = MegatronTokenizer.from_pretrained(metadata_path={"library": "byte-level"})
    assert byte_level.text_to_ids("A") == [65]
    null = MegatronTokenizer.from_pretrained(metadata_path={"library": "null-text"}, vocab_size=7)
    assert null.eod == 6


# --- errors -----------------------------------------------------------------------------------


def test_missing_metadata_file_names_write_metadata(hf_tokenizer_dir):
    with pytest.raises(FileNotFoundError, match=r"write_metadata") as error:
        MegatronTokenizer.from_pretrained(str(hf_tokenizer_dir))
    assert METADATA_FILE_NAME in str(error.value)


def test_explicit_missing_metadata_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        MegatronTokenizer.from_pretrained(str(tmp_path), str(tmp_path / "nope.json"))


def test_malformed_metadata_file_says_where(tmp_path):
    broken = tmp_path / METADATA_FILE_NAME
    broken.write_text('{"library": "huggingface",\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"not valid JSON \(line 2") as error:
        MegatronTokenizer.from_pretrained(str(tmp_path))
    assert "overwrite=True" in str(error.value)
    assert error.value.__cause__ is None and error.value.__suppress_context__


def test_metadata_file_that_is_not_an_object(tmp_path):
    write_json(tmp_path / METADATA_FILE_NAME, ["huggingface"])
    with pytest.raises(ValueError, match="must hold a JSON object"):
        MegatronTokenizer.from_pretrained(str(tmp_path))


def test_metadata_file_that_is_not_utf8(tmp_path):
    (tmp_path / METADATA_FILE_NAME).write_bytes(b'{"library": "\xff\xfe"}')
    with pytest.raises(ValueError, match="not UTF-8"):
        MegatronTokenizer.from_pretrained(str(tmp_path))


@pytest.mark.parametrize("metadata", [{"chat_template": None}, {"library": None}])
def test_metadata_without_library(metadata):
    with pytest.raises(ValueError, match="no 'library' key; add one"):
        MegatronTokenizer.from_pretrained("x", metadata)


def test_library_must_be_a_string():
    with pytest.raises(ValueError, match="must be a string, got 3"):
        MegatronTokenizer.from_pretrained("x", {"library": 3})


@pytest.mark.parametrize("library", ["hugginface", "sentencepiece-v2", "HuggingFace", ""])
def test_unknown_library_lists_the_known_ones(library):
    with pytest.raises(ValueError, match="unknown tokenizer library") as error:
        MegatronTokenizer.from_pretrained("x", {"library": library})
    assert "'huggingface'" in str(error.value) and "'null-text'" in str(error.value)


@pytest.mark.parametrize("library", ["huggingface", "sentencepiece", "tiktoken", "megatron"])
@pytest.mark.parametrize("path", [None, ""])
def test_missing_tokenizer_path_names_the_argument(library, path):
    with pytest.raises(ValueError, match="needs a tokenizer: pass .*tokenizer_path"):
        MegatronTokenizer.from_pretrained(path, {"library": library})


def test_neither_path_nor_metadata():
    with pytest.raises(ValueError, match="needs tokenizer_path, metadata_path, or both"):
        MegatronTokenizer.from_pretrained()


@pytest.mark.parametrize("metadata_path", [42, ["library"], b"bytes"])
def test_metadata_path_of_a_wrong_type(metadata_path):
    with pytest.raises(ValueError, match="must be a path to tokenizer_metadata.json or a dict"):
        MegatronTokenizer.from_pretrained("x", metadata_path)


def test_nonexistent_huggingface_directory(tmp_path):
    with pytest.raises(ValueError, match="cannot load a Hugging Face tokenizer from") as error:
        MegatronTokenizer.from_pretrained(str(tmp_path / "missing"), {"library": "huggingface"})
    assert "tokenizer.json" in str(error.value)


def test_wrong_library_keyword_lists_the_accepted_ones(hf_tokenizer_dir):
    with pytest.raises(TypeError, match="cannot be built with \\['vocab_size'\\]") as error:
        MegatronTokenizer.from_pretrained(
            str(hf_tokenizer_dir), {"library": "huggingface"}, vocab_size=10
        )
    assert "include_special_tokens" in str(error.value)


def test_null_library_without_vocab_size():
    with pytest.raises(TypeError, match="vocab_size"):
        MegatronTokenizer.from_pretrained(metadata_path={"library": "null-text"})


def test_metadata_key_clashing_with_a_property(hf_tokenizer_dir):
    with pytest.raises(ValueError, match="clashes with the tokenizer property"):
        MegatronTokenizer.from_pretrained(
            str(hf_tokenizer_dir), {"library": "huggingface", "vocab_size": 5}
        )


def test_multimodal_requires_its_keywords(hf_tokenizer_dir):
    with pytest.raises(
        ValueError,
        match=r"needs the keyword arguments \['special_tokens', "
        r"'image_tag_type'\]",
    ):
        MegatronTokenizer.from_pretrained(
            str(hf_tokenizer_dir), {"library": "multimodal"}, prompt_format="chatml"
        )


def test_facade_rejects_a_non_text_library():
    with pytest.raises(ValueError, match="not a text tokenizer library"):
        MegatronTokenizerText(None, {"library": "multimodal"})


def test_relative_paths_resolve_from_the_working_directory(hf_copy, monkeypatch):
    write_json(hf_copy / METADATA_FILE_NAME, {"library": "huggingface"})
    monkeypatch.chdir(hf_copy.parent)
    tokenizer = MegatronTokenizer.from_pretrained(hf_copy.name)
    assert tokenizer.metadata_path == os.path.join(hf_copy.name, METADATA_FILE_NAME)
