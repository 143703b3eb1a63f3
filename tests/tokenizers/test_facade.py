"""``MegatronTokenizerText`` members that are the facade's own logic rather than a library's:
``eod`` fallback, SFT switches, ``save_pretrained``, ``space_sensitive``, and properties that hold
for any input (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compat.tokenizers import MegatronTokenizer

CONVERSATION = [
    {"role": "user", "content": "hello"},
    {"role": "assistant", "content": "world"},
]


@pytest.fixture(scope="module")
def hf(hf_tokenizer_dir):
    return MegatronTokenizer.from_pretrained(str(hf_tokenizer_dir), {"library": "huggingface"})


@pytest.fixture(scope="module")
def byte_level():
    return MegatronTokenizer.from_pretrained(metadata_path={"library": "byte-level"})


class LibraryWithoutEod:
    """A library object exposing only ``eos_id`` (upstream G3 dropped the abstract ``eod``)."""

    eos_id = 7


def test_eod_falls_back_to_eos_for_a_library_without_eod():
    tokenizer = MegatronTokenizer.from_pretrained(metadata_path={"library": "byte-level"})
    tokenizer._tokenizer = LibraryWithoutEod()
    assert tokenizer.eod == 7


def test_eod_without_eos_either_is_a_clear_error():
    tokenizer = MegatronTokenizer.from_pretrained(metadata_path={"library": "byte-level"})
    tokenizer._tokenizer = object()
    with pytest.raises(AttributeError, match="'byte-level' tokenizer library has no 'eos_id'"):
        _ = tokenizer.eod


def test_prompt_format_is_not_passed_to_the_library(hf_tokenizer_dir):
    # Upstream G3 forwarded it and every library rejected it (TypeError).
    tokenizer = MegatronTokenizer.from_pretrained(
        str(hf_tokenizer_dir), {"library": "huggingface"}, prompt_format="nemotron-h-aligned"
    )
    assert tokenizer.unique_identifiers["prompt_format"] == "nemotron-h-aligned"
    # SFT mode: pad comes from the prompt format (<SPECIAL_233> for nemotron-h-aligned).
    assert tokenizer.pad == tokenizer.pad_id == tokenizer._tokenizer.token_to_id("<SPECIAL_233>")


def test_sft_mode_tokenizes_conversations(hf_tokenizer_dir):
    tokenizer = MegatronTokenizer.from_pretrained(
        str(hf_tokenizer_dir), {"library": "huggingface"}, prompt_format="identity"
    )
    ids = tokenizer.tokenize(CONVERSATION)
    assert type(ids) is list and ids
    tokens, target = tokenizer.tokenize_conversation(CONVERSATION, return_target=True)
    assert len(tokens) == len(target)


def test_text_mode_has_no_conversation_tokenization(hf):
    with pytest.raises(RuntimeError, match="needs a prompt format: pass prompt_format"):
        hf.tokenize_conversation(CONVERSATION)
    with pytest.raises(RuntimeError, match="needs a prompt format"):
        hf.tokenize(CONVERSATION)
    assert hf.pad == hf._tokenizer.pad_id  # text mode: the library's pad


def test_add_special_tokens_goes_to_the_library(hf_tokenizer_dir):
    tokenizer = MegatronTokenizer.from_pretrained(str(hf_tokenizer_dir), {"library": "huggingface"})
    before = tokenizer.vocab_size
    assert tokenizer.add_special_tokens({"mask_token": "<new-mask>"}) == 1
    assert tokenizer.vocab_size == before + 1
    assert tokenizer.mask == before
    assert tokenizer.tokenize("<new-mask>") == [before]


def test_save_pretrained_only_for_hugging_face_libraries(byte_level, tmp_path):
    with pytest.raises(ValueError, match="not supported with the 'byte-level' library"):
        byte_level.save_pretrained(str(tmp_path))


def test_space_sensitive(hf, byte_level):
    assert hf.space_sensitive is True
    with pytest.raises(NotImplementedError, match="not known for the 'byte-level' library"):
        _ = byte_level.space_sensitive


def test_chat_template_precedence(hf_tokenizer_dir):
    # metadata > the library's own > the keyword argument (upstream G1–G3 order).
    from_metadata = MegatronTokenizer.from_pretrained(
        str(hf_tokenizer_dir),
        {"library": "huggingface", "chat_template": "M"},
        chat_template="K",
    )
    assert from_metadata.chat_template == "M"
    from_keyword = MegatronTokenizer.from_pretrained(
        str(hf_tokenizer_dir), {"library": "huggingface"}, chat_template="K"
    )
    assert from_keyword.chat_template == "K"  # HF applies the keyword as its own template


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_byte_level_round_trip(byte_level, text):
    ids = byte_level.tokenize(text)
    assert all(0 <= i < 256 for i in ids)
    assert byte_level.detokenize(ids) == text.rstrip()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=1))
def test_null_round_trip(ids):
    tokenizer = MegatronTokenizer.from_pretrained(
        metadata_path={"library": "null-text"}, vocab_size=10
    )
    text = tokenizer.detokenize(ids)
    assert tokenizer.tokenize(text) == ids
    offsets = tokenizer.offsets(ids, text)
    assert [text[start:].split(" ")[0] for start in offsets] == [str(i) for i in ids]


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_huggingface_round_trip(hf, text):
    assert hf.detokenize(hf.tokenize(text)) == text


def test_facade_built_directly_from_a_g1_config(recwarn):
    from compat import MegatronTokenizerDeprecationWarning
    from compat.tokenizers.text import MegatronTokenizerText

    config = {"library": "null"}
    tokenizer = MegatronTokenizerText(None, config, vocab_size=4)
    assert (tokenizer.library, tokenizer.eod) == ("null-text", 4)
    assert config == {"library": "null"}
    assert any(issubclass(w.category, MegatronTokenizerDeprecationWarning) for w in recwarn)
