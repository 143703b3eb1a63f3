"""The ``huggingface`` library through the text facade (transformers 5).

Expected ids are read from the fixture tokenizer itself (its vocabulary defines them): ``<s>``,
``</s>``, ``<unk>``, ``<pad>`` are the four tokens added after the 3,000 trained ones.
"""

from __future__ import annotations

import json

import pytest

from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.text.libraries.chat_rendering import render_chat_template

BOS, EOS, UNK, PAD = 3000, 3001, 3002, 3003
TRAINED_VOCAB = 3000
FIXTURE_SPECIAL_TOKENS = 4 + 19  # bos/eos/unk/pad + the prompt-format tokens
CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "hello world"},
]


def load(path, **kwargs):
    return MegatronTokenizer.from_pretrained(str(path), {"library": "huggingface"}, **kwargs)


@pytest.fixture(scope="module")
def tokenizer(hf_tokenizer_dir):
    return load(hf_tokenizer_dir)


def test_vocabulary(tokenizer):
    assert tokenizer.vocab_size == TRAINED_VOCAB + FIXTURE_SPECIAL_TOKENS
    assert len(tokenizer.vocab) == tokenizer.vocab_size
    assert tokenizer.vocab[BOS] == "<s>" and tokenizer.inv_vocab[EOS] == "</s>"
    assert all(tokenizer.inv_vocab[i] == token for i, token in enumerate(tokenizer.vocab))


def test_special_ids(tokenizer):
    assert (tokenizer.bos, tokenizer.eos, tokenizer.unk, tokenizer.pad) == (BOS, EOS, UNK, PAD)
    assert (tokenizer.bos_id, tokenizer.eos_id, tokenizer.unk_id, tokenizer.pad_id) == (
        BOS,
        EOS,
        UNK,
        PAD,
    )
    assert tokenizer.eod == EOS
    # No CLS/SEP of its own: they take BOS/EOS (upstream's fix-up); no MASK at all.
    assert (tokenizer.cls, tokenizer.cls_id) == (BOS, BOS)
    assert (tokenizer.sep, tokenizer.sep_id) == (EOS, EOS)
    assert tokenizer.mask is None and tokenizer.mask_id is None


def test_additional_special_tokens_ids(tokenizer):
    ids = tokenizer.additional_special_tokens_ids
    assert ids == list(range(3004, 3004 + 19))
    assert tokenizer._tokenizer.ids_to_tokens(ids[:2]) == ["<SPECIAL_10>", "<SPECIAL_11>"]


def test_encode_decode_round_trip(tokenizer, varied_texts):
    hf = tokenizer._tokenizer.tokenizer
    for text in varied_texts[:300]:
        ids = tokenizer.tokenize(text)
        assert ids == hf(text).input_ids == tokenizer.text_to_ids(text)
        assert tokenizer.detokenize(ids) == hf.decode(ids)


def test_special_token_strings_are_single_ids(tokenizer):
    ids = tokenizer.tokenize("<s>hello</s>")
    assert ids[0] == BOS and ids[-1] == EOS
    # Default (G2/G3): special tokens are kept when decoding.
    assert tokenizer.detokenize(ids) == "<s>hello</s>"


def test_include_special_tokens_false_strips_them_on_decode(hf_tokenizer_dir):
    tokenizer = load(hf_tokenizer_dir, include_special_tokens=False)
    ids = tokenizer.tokenize("<s>hello</s>")
    assert ids[0] == BOS
    assert tokenizer.detokenize(ids) == "hello"
    assert tokenizer._tokenizer.ids_to_text(ids, remove_special_tokens=False) == "<s>hello</s>"


def test_decode_accepts_arrays_and_skips_out_of_range_ids(tokenizer):
    import numpy

    ids = tokenizer.tokenize("hello world")
    assert tokenizer.detokenize(numpy.array(ids)) == "hello world"
    # Upstream G1 crashed on an unknown id (None token); G2+ and we drop it.
    assert tokenizer.detokenize(ids + [10**6]) == "hello world"


def test_token_level_methods(tokenizer):
    tokens = tokenizer._tokenizer.text_to_tokens("hello world")
    ids = tokenizer.tokens_to_ids(tokens)
    assert ids == tokenizer.tokenize("hello world")
    assert tokenizer.ids_to_tokens(ids) == tokens
    assert tokenizer.token_to_id("<pad>") == PAD
    assert tokenizer.ids_to_text(ids) == "hello world"
    assert tokenizer.space_sensitive is True  # byte-level BPE keeps the space in 'Ġworld'


def test_offsets_is_a_clear_error(tokenizer):
    with pytest.raises(AttributeError, match="'huggingface' tokenizer library has no 'offsets'"):
        tokenizer.offsets([1], "a")


def test_explicit_special_tokens_are_added(hf_tokenizer_dir):
    tokenizer = load(
        hf_tokenizer_dir,
        mask_token="<mask>",
        cls_token="<cls>",
        sep_token="<sep>",
        additional_special_tokens=["<extra_id_0>"],
    )
    size = TRAINED_VOCAB + FIXTURE_SPECIAL_TOKENS
    assert tokenizer.vocab_size == size + 4
    assert {tokenizer.mask, tokenizer.cls, tokenizer.sep} <= set(range(size, size + 4))
    assert tokenizer.tokenize("<mask>") == [tokenizer.mask]
    assert tokenizer.ids_to_tokens([tokenizer.sep]) == ["<sep>"]  # upstream: EOS instead
    assert tokenizer.additional_special_tokens_ids == [tokenizer.token_to_id("<extra_id_0>")]


def test_explicit_eos_wins(hf_tokenizer_dir):
    tokenizer = load(hf_tokenizer_dir, eos_token="<pad>")
    assert tokenizer.eos == tokenizer.eod == PAD


def test_explicit_bos_is_used(hf_tokenizer_dir):
    tokenizer = load(hf_tokenizer_dir, bos_token="<unk>")
    assert tokenizer.bos == UNK


def test_chat_template_from_the_tokenizer(tokenizer):
    text = tokenizer.apply_chat_template(CONVERSATION, tokenize=False)
    assert text == (
        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nhello world<|im_end|>\n"
    )
    with_prompt = tokenizer.apply_chat_template(
        CONVERSATION, tokenize=False, add_generation_prompt=True
    )
    assert with_prompt == text + "<|im_start|>assistant\n"


def test_chat_template_ids_are_a_plain_list(tokenizer):
    ids = tokenizer.apply_chat_template(CONVERSATION)
    assert type(ids) is list and all(type(i) is int for i in ids)
    assert ids == tokenizer.tokenize(tokenizer.apply_chat_template(CONVERSATION, tokenize=False))


def test_chat_template_override_and_hf_variables(tokenizer):
    template = (
        "{{ bos_token }}{% for m in messages %}{{ m['content'] }}|{% endfor %}{{ eos_token }}"
    )
    assert tokenizer.apply_chat_template(CONVERSATION, template, tokenize=False) == (
        "<s>Be brief.|hello world|</s>"
    )


def test_chat_template_matches_our_sandbox_renderer(tokenizer):
    # One template renders the same through transformers and through the sandbox used by the
    # other libraries.
    template = tokenizer.chat_template
    assert tokenizer.apply_chat_template(CONVERSATION, tokenize=False) == render_chat_template(
        template, CONVERSATION
    )


def test_chat_template_kwarg_replaces_the_tokenizers_own(hf_tokenizer_dir):
    tokenizer = load(hf_tokenizer_dir, chat_template="{{ messages | length }}")
    assert tokenizer.chat_template == "{{ messages | length }}"
    assert tokenizer.apply_chat_template(CONVERSATION, tokenize=False) == "2"


def test_no_chat_template_is_a_clear_error(hf_tokenizer_dir, tmp_path):
    target = tmp_path / "plain"
    load(hf_tokenizer_dir).save_pretrained(str(target))
    config = json.loads((target / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (target / "tokenizer_config.json").write_text(json.dumps(config))
    for leftover in target.glob("chat_template.*"):
        leftover.unlink()
    tokenizer = load(target)
    assert tokenizer.chat_template is None
    with pytest.raises(ValueError, match="no chat template: pass chat_template"):
        tokenizer.apply_chat_template(CONVERSATION)


def test_save_pretrained_round_trip(tokenizer, tmp_path, varied_texts):
    tokenizer.save_pretrained(str(tmp_path / "saved"))
    reloaded = load(tmp_path / "saved")
    for text in varied_texts[:100]:
        assert reloaded.tokenize(text) == tokenizer.tokenize(text)


def test_unique_identifiers(hf_tokenizer_dir):
    tokenizer = load(hf_tokenizer_dir, use_fast=True, include_special_tokens=False)
    assert list(tokenizer.unique_identifiers.items()) == [
        ("class", "megatron.core.tokenizers.text.text_tokenizer.MegatronTokenizerText"),
        ("tokenizer_path", str(hf_tokenizer_dir)),
        ("use_fast", "True"),
        ("include_special_tokens", "False"),
    ]


def test_vocab_and_merges_file_properties(hf_tokenizer_dir):
    tokenizer = load(hf_tokenizer_dir)
    assert tokenizer.vocab_file is None and tokenizer.merges_file is None
