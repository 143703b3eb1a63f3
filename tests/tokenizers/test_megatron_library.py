"""The ``megatron`` library: GPT-2 BPE from vocab.json + merges.txt, BERT WordPiece from vocab.txt,
always from the local files given (upstream downloads, and takes GPT-2's merges from the Hub)."""

from __future__ import annotations

import pytest

from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.text.libraries.megatron_hf_tokenizer import MEGATRON_CONFIG_MAP

METADATA = {"library": "megatron"}
# vocab.txt fixture order: the five BERT special tokens come first.
PAD, UNK, CLS, SEP, MASK = range(5)
GPT2_NAMES = [name for name, spec in MEGATRON_CONFIG_MAP.items() if spec.family == "gpt2"]


def gpt2(vocab, merges, name="GPT2BPETokenizer", **kwargs):
    return MegatronTokenizer.from_pretrained(
        name, METADATA, vocab_file=str(vocab), merges_file=str(merges), **kwargs
    )


def bert(name, vocab, **kwargs):
    return MegatronTokenizer.from_pretrained(name, METADATA, vocab_file=str(vocab), **kwargs)


def test_all_ten_upstream_names_are_known():
    assert sorted(MEGATRON_CONFIG_MAP) == sorted(
        [
            "BertWordPieceLowerCase",
            "BertWordPieceCase",
            "GPT2BPETokenizer",
            "megatron-gpt-345m",
            "megatron-bert-345m-uncased",
            "megatron-bert-345m-cased",
            "megatron-bert-uncased",
            "megatron-bert-cased",
            "biomegatron-bert-345m-uncased",
            "biomegatron-bert-345m-cased",
        ]
    )


@pytest.mark.parametrize("name", GPT2_NAMES)
def test_gpt2_matches_a_raw_bpe_on_the_same_files(gpt2_files, varied_texts, name):
    from tokenizers import ByteLevelBPETokenizer

    vocab, merges = gpt2_files
    raw = ByteLevelBPETokenizer(str(vocab), str(merges))
    tokenizer = gpt2(vocab, merges, name=name)
    for text in varied_texts[:300]:
        if "<|endoftext|>" in text:
            continue  # the raw model has no special tokens
        assert tokenizer.tokenize(text) == raw.encode(text).ids
        assert tokenizer.detokenize(tokenizer.tokenize(text)) == text


def test_gpt2_uses_the_merges_file_given(gpt2_files, tmp_path):
    """Upstream G1–G3 ignored merges_file (it loaded Hub gpt2's merges): here it decides ids."""
    vocab, merges = gpt2_files
    lines = merges.read_text(encoding="utf-8").splitlines()
    few_merges = tmp_path / "few-merges.txt"
    few_merges.write_text("\n".join(lines[:50]) + "\n", encoding="utf-8")
    full, truncated = gpt2(vocab, merges), gpt2(vocab, few_merges)
    text = "the tokenizer model training data"
    assert len(truncated.tokenize(text)) > len(full.tokenize(text))
    assert truncated.detokenize(truncated.tokenize(text)) == text


def test_gpt2_special_ids(gpt2_files):
    tokenizer = gpt2(*gpt2_files)
    # <|endoftext|> is the trained model's only special token, id 0: BOS, EOS, UNK (Hub gpt2).
    assert tokenizer.tokenize("<|endoftext|>") == [0]
    assert (tokenizer.eod, tokenizer.eos, tokenizer.bos, tokenizer.unk) == (0, 0, 0, 0)
    assert tokenizer.cls == 0 and tokenizer.sep == 0  # filled from BOS / EOS
    assert tokenizer.pad is None and tokenizer.mask is None
    assert tokenizer.vocab_size == 3000
    assert tokenizer.vocab_file == str(gpt2_files[0])
    assert tokenizer.merges_file == str(gpt2_files[1])


@pytest.mark.parametrize("use_fast", [True, False])
def test_gpt2_slow_and_fast_agree(gpt2_files, varied_texts, use_fast):
    reference = gpt2(*gpt2_files)
    tokenizer = gpt2(*gpt2_files, use_fast=use_fast)
    for text in varied_texts[:200]:
        assert tokenizer.tokenize(text) == reference.tokenize(text)


def test_bert_lower_case(bert_vocab_lower):
    tokenizer = bert("BertWordPieceLowerCase", bert_vocab_lower)
    words = bert_vocab_lower.read_text(encoding="utf-8").splitlines()
    ids = tokenizer.tokenize("Hello World")
    # include_special_tokens (the default) wraps in [CLS] ... [SEP]; upper case is folded.
    assert ids == [CLS, words.index("hello"), words.index("world"), SEP]
    assert tokenizer.detokenize(ids) == "[CLS] hello world [SEP]"
    assert (tokenizer.cls, tokenizer.sep, tokenizer.mask, tokenizer.pad, tokenizer.unk) == (
        CLS,
        SEP,
        MASK,
        PAD,
        UNK,
    )
    # BERT has no BOS/EOS of its own: they take CLS / SEP, so end-of-document is [SEP].
    assert (tokenizer.bos, tokenizer.eos, tokenizer.eod) == (CLS, SEP, SEP)
    assert tokenizer.vocab_size == len(words)


def test_bert_cased_keeps_case(bert_vocab_cased):
    tokenizer = bert("BertWordPieceCase", bert_vocab_cased, include_special_tokens=False)
    words = bert_vocab_cased.read_text(encoding="utf-8").splitlines()
    assert tokenizer.tokenize("Hello hello") == [words.index("Hello"), words.index("hello")]
    assert tokenizer.detokenize(tokenizer.tokenize("Hello hello")) == "Hello hello"


def test_bert_ignores_a_merges_file(bert_vocab_lower, gpt2_files):
    tokenizer = bert("BertWordPieceLowerCase", bert_vocab_lower, merges_file=str(gpt2_files[1]))
    assert tokenizer.tokenize("hello")[0] == CLS


# --- errors -----------------------------------------------------------------------------------


def test_unknown_name_lists_the_known_ones(gpt2_files):
    with pytest.raises(ValueError, match="not a 'megatron' tokenizer name.*GPT2BPETokenizer"):
        gpt2(*gpt2_files, name="gpt2")


def test_missing_vocab_file_names_the_flag_and_keyword():
    with pytest.raises(
        ValueError,
        match=r"needs its vocabulary file: pass --vocab-file "
        r"\(vocab_file=\.\.\. in Python\)",
    ):
        MegatronTokenizer.from_pretrained("BertWordPieceCase", METADATA)


def test_missing_merges_file_names_the_flag_and_keyword(gpt2_files):
    with pytest.raises(
        ValueError,
        match=r"needs its merges file: pass --merge-file "
        r"\(merges_file=\.\.\. in Python\)",
    ):
        MegatronTokenizer.from_pretrained(
            "GPT2BPETokenizer", METADATA, vocab_file=str(gpt2_files[0])
        )


def test_nonexistent_files(gpt2_files, tmp_path):
    with pytest.raises(FileNotFoundError, match="vocabulary file .* does not exist"):
        gpt2(tmp_path / "missing.json", gpt2_files[1])
    with pytest.raises(FileNotFoundError, match="merges file .* does not exist"):
        gpt2(gpt2_files[0], tmp_path / "missing.txt")


def test_malformed_vocab_file(gpt2_files):
    _, merges = gpt2_files
    with pytest.raises(ValueError, match="cannot build the 'megatron' tokenizer"):
        gpt2(merges, merges)  # merges.txt is not a JSON vocabulary
