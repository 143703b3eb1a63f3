"""The path-less libraries: ``byte-level`` (UTF-8 bytes) and ``null-text`` (integers in text).

Expected values are worked out by hand from the definitions (reference §4.8, §4.9).
"""

from __future__ import annotations

import pytest

from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.text.libraries.chat_rendering import ChatTemplateError


def byte_level(**kwargs):
    return MegatronTokenizer.from_pretrained(metadata_path={"library": "byte-level"}, **kwargs)


def null(vocab_size=100):
    return MegatronTokenizer.from_pretrained(
        metadata_path={"library": "null-text"}, vocab_size=vocab_size
    )


# --- byte-level -------------------------------------------------------------------------------


def test_byte_level_ids_are_utf8_bytes():
    tokenizer = byte_level()
    assert tokenizer.tokenize("hé") == [0x68, 0xC3, 0xA9]
    assert tokenizer.tokenize("") == []
    assert tokenizer.tokenize("🙂") == list("🙂".encode())
    assert tokenizer.detokenize([0x68, 0xC3, 0xA9]) == "hé"


def test_byte_level_decode_drops_broken_bytes_and_trailing_space():
    tokenizer = byte_level()
    assert tokenizer.detokenize([0x61, 0xC3]) == "a"  # a truncated 2-byte character
    assert tokenizer.detokenize(list(b"a b  \n")) == "a b"


def test_byte_level_special_ids():
    tokenizer = byte_level()
    assert (tokenizer.eod, tokenizer.eos, tokenizer.pad, tokenizer.bos, tokenizer.unk) == (
        0,
        0,
        1,
        None,
        259,
    )
    assert tokenizer.vocab_size == 512


@pytest.mark.parametrize("name", ["cls", "cls_id", "sep", "sep_id", "mask", "mask_id"])
def test_byte_level_has_no_cls_sep_mask_and_says_so(name):
    # Upstream G1/G2 recursed forever here (RecursionError).
    with pytest.raises(AttributeError, match="'byte-level' tokenizer library has no"):
        getattr(byte_level(), name)


def test_byte_level_special_tokens_count_down_from_the_top():
    tokenizer = byte_level(special_tokens=["<a>", "<b>"], vocab_size=300)
    assert tokenizer.vocab_size == 302
    library = tokenizer._tokenizer
    assert library.tokens_to_ids(["<a>", "<b>", 65]) == [301, 300, 65]
    assert library.ids_to_tokens([301, 300, 65]) == ["<a>", "<b>", 65]
    # Special ids are dropped from decoded text.
    assert tokenizer.detokenize([104, 301, 105, 300]) == "hi"


def test_byte_level_custom_eos_pad_bos():
    tokenizer = byte_level(_eos_id=2, _pad_id=3, _bos_id=4)
    assert (tokenizer.eod, tokenizer.eos, tokenizer.pad, tokenizer.bos) == (2, 2, 3, 4)


def test_byte_level_cannot_add_special_tokens_later():
    with pytest.raises(NotImplementedError, match="pass special_tokens=... when building"):
        byte_level().add_special_tokens(["<x>"])


def test_byte_level_unique_identifiers():
    tokenizer = byte_level(vocab_size=300)
    assert list(tokenizer.unique_identifiers.items()) == [
        ("class", "megatron.core.tokenizers.text.text_tokenizer.MegatronTokenizerText"),
        ("tokenizer_path", None),
        ("vocab_size", "300"),
    ]


def test_byte_level_offsets_is_a_clear_error():
    with pytest.raises(AttributeError, match="has no 'offsets'"):
        byte_level().offsets([104], "h")


CHAT = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
TEMPLATE = (
    "{% for m in messages %}[{{ m.role }}]{{ m.content }}{% endfor %}"
    "{% if add_generation_prompt %}[assistant]{% endif %}"
)


def test_byte_level_chat_template_renders_in_the_sandbox():
    tokenizer = byte_level()
    assert tokenizer.apply_chat_template(CHAT, TEMPLATE, tokenize=False) == "[user]hi[assistant]yo"
    text = tokenizer.apply_chat_template(CHAT, TEMPLATE, tokenize=False, add_generation_prompt=True)
    assert text.endswith("yo[assistant]")
    assert tokenizer.apply_chat_template(CHAT, TEMPLATE) == list(b"[user]hi[assistant]yo")


def test_byte_level_chat_template_from_metadata_and_extra_variables():
    tokenizer = MegatronTokenizer.from_pretrained(
        metadata_path={"library": "byte-level", "chat_template": "{{ tools | length }}"}
    )
    assert tokenizer.apply_chat_template(CHAT, tokenize=False, tools=[1, 2, 3]) == "3"


def test_byte_level_chat_template_truncation():
    tokenizer = byte_level()
    ids = tokenizer._tokenizer.apply_chat_template(CHAT, TEMPLATE, truncation=True, max_length=3)
    assert ids == list(b"[us")
    with pytest.raises(ValueError, match="needs max_length"):
        tokenizer._tokenizer.apply_chat_template(CHAT, TEMPLATE, truncation=True)


def test_byte_level_without_a_template_is_a_clear_error():
    with pytest.raises(ValueError, match="no chat template: pass chat_template"):
        byte_level().apply_chat_template(CHAT)


@pytest.mark.parametrize(
    "template",
    [
        "{% set items = [] %}{{ items.append(1) }}",  # immutable sandbox: no mutation
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",  # no interpreter internals
    ],
)
def test_byte_level_chat_template_cannot_escape_the_sandbox(template):
    with pytest.raises(ChatTemplateError):
        byte_level().apply_chat_template(CHAT, template, tokenize=False)


def test_chat_template_does_not_modify_the_conversation():
    conversation = [{"role": "user", "content": "hi"}]
    byte_level().apply_chat_template(conversation, TEMPLATE)
    assert conversation == [{"role": "user", "content": "hi"}]


# --- null -------------------------------------------------------------------------------------


def test_null_reads_integers():
    tokenizer = null()
    assert tokenizer.tokenize("1 22 333") == [1, 22, 333]
    assert tokenizer.detokenize([1, 22, 333]) == "1 22 333"
    assert tokenizer.offsets([1, 22, 333], "1 22 333") == [0, 2, 5]
    assert tokenizer.tokens_to_ids(["4", "5"]) == [4, 5]
    assert tokenizer.ids_to_tokens([4, 5]) == ["4", "5"]


def test_null_sizes_follow_upstream_4057():
    # megatron-core >= 0.18 and main: vocab_size N, eod N - 1, no pad (-1) by default.
    tokenizer = null(100)
    assert (tokenizer.vocab_size, tokenizer.eod, tokenizer.pad) == (100, 99, -1)
    assert tokenizer.pad_id == -1
    assert tokenizer.additional_special_tokens_ids is None


def test_null_eod_and_pad_ids_can_be_chosen():
    tokenizer = MegatronTokenizer.from_pretrained(
        metadata_path={"library": "null-text"}, vocab_size=100, eod_id=0, pad_id=7
    )
    assert (tokenizer.vocab_size, tokenizer.eod, tokenizer.pad) == (100, 0, 7)
    assert tokenizer._tokenizer.unique_identifiers["eod_id"] == 0


def test_g1_null_metadata_keeps_the_g1_sizes():
    """A G1 "null" was written when NullTokenizer(N) meant vocab N + 1 and eod N."""
    with pytest.warns(FutureWarning, match="library 'null' is deprecated"):
        tokenizer = MegatronTokenizer.from_pretrained(
            metadata_path={"library": "null"}, vocab_size=100
        )
    assert (tokenizer.vocab_size, tokenizer.eod, tokenizer.library) == (101, 100, "null-text")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            {"vocab_size": 10, "eod_id": 10},
            "eod_id 10 lies outside its vocabulary 0..9; pass vocab_size=11",
        ),
        ({"vocab_size": 10, "eod_id": -1}, "eod_id -1 lies outside"),
        ({"vocab_size": 10, "pad_id": 10}, "pad_id 10 lies outside .* or -1 for no pad token"),
        ({"vocab_size": 0}, "needs vocab_size >= 1"),
        ({"vocab_size": 10, "eod_id": "last"}, "needs an integer eod_id"),
        ({"vocab_size": True}, "needs an integer vocab_size"),
    ],
)
def test_null_ids_outside_the_vocabulary_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        MegatronTokenizer.from_pretrained(metadata_path={"library": "null-text"}, **kwargs)


def test_null_cls_sep_mask_are_minus_one():
    # Upstream G1–G3's facade raised AttributeError (it asked for cls_id, the library defines
    # cls); upstream main returns -1 like this.
    tokenizer = null()
    assert (tokenizer.cls, tokenizer.sep, tokenizer.mask) == (-1, -1, -1)
    assert (tokenizer.cls_id, tokenizer.sep_id, tokenizer.mask_id) == (-1, -1, -1)


@pytest.mark.parametrize("name", ["bos", "eos_id", "unk"])
def test_null_has_no_bos_eos_unk(name):
    with pytest.raises(AttributeError, match="'null-text' tokenizer library has no"):
        getattr(null(), name)


def test_null_has_no_vocabulary():
    with pytest.raises(NotImplementedError, match="no vocabulary"):
        _ = null().vocab
    with pytest.raises(NotImplementedError, match="no vocabulary"):
        _ = null().inv_vocab


@pytest.mark.parametrize("text", ["1  2", "a b", "", "1,2"])
def test_null_rejects_text_that_is_not_integers(text):
    with pytest.raises(ValueError, match="integers separated by single spaces"):
        null().tokenize(text)


@pytest.mark.parametrize("vocab_size", ["ten", None])
def test_null_vocab_size_must_be_an_integer(vocab_size):
    with pytest.raises(ValueError, match="needs an integer vocab_size"):
        null(vocab_size)


def test_null_cannot_apply_chat_templates():
    with pytest.raises(AttributeError, match="cannot apply chat templates"):
        null().apply_chat_template(CHAT, TEMPLATE)


def test_byte_level_takes_a_chat_template_keyword_it_does_not_construct_with():
    # The facade keeps chat_template itself for libraries whose constructor lacks it.
    tokenizer = byte_level(chat_template=TEMPLATE)
    assert tokenizer.chat_template == TEMPLATE
    assert tokenizer.apply_chat_template(CHAT, tokenize=False) == "[user]hi[assistant]yo"


@pytest.mark.parametrize("name", ["vocab", "inv_vocab", "additional_special_tokens_ids"])
def test_byte_level_has_no_vocabulary_listing(name):
    # Upstream's byte-level library has none of these either; the error names the library.
    with pytest.raises(AttributeError, match=f"'byte-level' tokenizer library has no '{name}'"):
        getattr(byte_level(), name)
