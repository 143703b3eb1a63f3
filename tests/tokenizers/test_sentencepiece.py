"""``library='sentencepiece'``: real Mistral SentencePiece models, differential against
megatron-core 0.16.1 where it works, pinned behaviour where it crashed."""

from __future__ import annotations

from pathlib import Path

import pytest
import tokenizer_files

from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.text.libraries.sentencepiece_tokenizer import SentencePieceTokenizer

SP_METADATA = {"library": "sentencepiece"}
# Mistral's instruct markers: not pieces of v1, so legacy mode gives them new ids.
LEGACY_SPECIAL_TOKENS = ["[INST]", "[/INST]", "<extra_id_0>", "<extra_id_1>"]
LEGACY_NAMED_TOKENS = {
    "bos_token": "<s>",
    "eos_token": "</s>",
    "pad_token": "<pad>",
    "sep_token": "[SEP]",
    "cls_token": "[CLS]",
    "mask_token": "[MASK]",
}


@pytest.fixture(scope="module", params=["v1", "v3"])
def sp_model(request) -> Path:
    return {"v1": tokenizer_files.sentencepiece_v1, "v3": tokenizer_files.sentencepiece_v3}[
        request.param
    ]()


@pytest.fixture(scope="module")
def whitespace_collapsing_model(tmp_path_factory) -> Path:
    """A small model trained with SentencePiece's default normaliser, which removes extra
    whitespace (the Mistral models keep it), to exercise ``ignore_extra_whitespaces``."""
    sentencepiece = pytest.importorskip("sentencepiece")
    directory = tmp_path_factory.mktemp("sp-collapse")
    corpus = directory / "corpus.txt"
    corpus.write_text("\n".join(tokenizer_files.corpus(lines=2000)), encoding="utf-8")
    prefix = directory / "collapse"
    sentencepiece.SentencePieceTrainer.train(
        input=str(corpus),
        model_prefix=str(prefix),
        vocab_size=800,
        character_coverage=1.0,
        minloglevel=2,
        user_defined_symbols=["☯"],
    )
    return prefix.with_suffix(".model")


def ours(path: Path, **kwargs) -> MegatronTokenizer:
    return MegatronTokenizer.from_pretrained(str(path), metadata_path=dict(SP_METADATA), **kwargs)


def old_facade(reference, path: Path, **kwargs):
    return reference.MegatronTokenizer.from_pretrained(
        str(path), metadata_path=dict(SP_METADATA), **kwargs
    )


def old_library(reference, path: Path, **kwargs):
    library = reference.module("text.libraries.sentencepiece_tokenizer")
    return library.SentencePieceTokenizer(str(path), **kwargs)


# ------------------------------------------------------------------ differential (0.16.1)


def test_ids_and_decoded_text_match_megatron_core(sp_model, reference, varied_texts):
    new, old = ours(sp_model), old_facade(reference, sp_model)
    for text in varied_texts:
        ids = new.tokenize(text)
        assert ids == old.tokenize(text), text
        assert new.detokenize(ids) == old.detokenize(ids), text


def test_vocab_and_special_ids_match_megatron_core(sp_model, reference):
    new, old = ours(sp_model), old_facade(reference, sp_model)
    for name in ("vocab_size", "eod", "bos_id", "eos_id", "pad_id", "unk_id"):
        assert getattr(new, name) == getattr(old, name), name
    assert new.vocab == old.vocab
    assert new.inv_vocab == old.inv_vocab
    assert new.space_sensitive == old._tokenizer.space_sensitive


def test_token_lookups_match_megatron_core(sp_model, reference, varied_texts):
    new, old = ours(sp_model)._tokenizer, old_library(reference, sp_model)
    for text in varied_texts[:300]:
        tokens = new.text_to_tokens(text)
        assert tokens == old.text_to_tokens(text), text
        ids = new.tokens_to_ids(tokens)
        assert ids == old.tokens_to_ids(tokens)
        assert new.ids_to_tokens(ids) == old.ids_to_tokens(ids)
        assert new.tokens_to_text(tokens) == old.tokens_to_text(tokens)
    assert new.tokens_to_ids(["▁the", "<s>"], tokens_to_skip=["<s>"]) == old.tokens_to_ids(
        ["▁the", "<s>"], tokens_to_skip=["<s>"]
    )
    assert new.token_to_id("not-a-piece-xyz") == new.unk_id == old.token_to_id("not-a-piece-xyz")


@pytest.mark.parametrize("special_tokens", [LEGACY_SPECIAL_TOKENS, LEGACY_NAMED_TOKENS])
def test_legacy_mode_matches_megatron_core(reference, varied_texts, special_tokens):
    model = tokenizer_files.sentencepiece_v1()
    new = SentencePieceTokenizer(str(model), special_tokens=special_tokens, legacy=True)
    old = old_library(reference, model, special_tokens=special_tokens, legacy=True)
    assert new.vocab_size == old.vocab_size
    assert new.vocab == old.vocab
    marked = [f"[INST] {text} [/INST]<extra_id_0>{text}[SEP]" for text in varied_texts[:400]]
    for text in varied_texts[:400] + marked:
        ids = new.text_to_ids(text)
        assert ids == old.text_to_ids(text), text
        assert new.text_to_tokens(text) == old.text_to_tokens(text), text
        assert new.ids_to_text(ids) == old.ids_to_text(ids), text
        assert new.ids_to_tokens(ids) == old.ids_to_tokens(ids)
    if isinstance(special_tokens, dict):
        for name in ("bos_id", "eos_id", "pad_id", "sep_id", "cls_id", "mask_id"):
            assert getattr(new, name) == getattr(old, name), name
        assert new.additional_special_tokens_ids == old.additional_special_tokens_ids


def test_legacy_trims_separator_after_special_token():
    """Hand-checked on v1: ``" who"`` encodes as ``▁ ▁who``; after a special token the lone
    ``▁`` is dropped. As in 0.16.1 only text *between* special tokens is trimmed, not the text
    after the last one."""
    model = str(tokenizer_files.sentencepiece_v1())
    markers = ["[INST]", "[/INST]"]
    trimmed = SentencePieceTokenizer(model, special_tokens=markers, legacy=True)
    kept = SentencePieceTokenizer(
        model, special_tokens=markers, legacy=True, trim_spm_separator_after_special_token=False
    )
    text = "[INST] who[/INST] who"
    assert trimmed.text_to_tokens(text) == ["[INST]", "▁who", "[/INST]", "▁", "▁who"]
    assert kept.text_to_tokens(text) == ["[INST]", "▁", "▁who", "[/INST]", "▁", "▁who"]
    # the markers are not pieces of v1: they get the ids after the model's 32000
    assert trimmed.tokens_to_ids(markers) == [32000, 32001]
    assert trimmed.vocab_size == 32002
    assert trimmed.text_to_ids(text)[:3] == [32000, trimmed.token_to_id("▁who"), 32001]


def test_ignore_extra_whitespaces_false_matches_megatron_core(
    whitespace_collapsing_model, reference, varied_texts
):
    new = SentencePieceTokenizer(str(whitespace_collapsing_model), ignore_extra_whitespaces=False)
    old = old_library(reference, whitespace_collapsing_model, ignore_extra_whitespaces=False)
    assert new.removed_extra_spaces and old.removed_extra_spaces
    for text in varied_texts[:500] + ["a  b", "  lead", "trail  ", "a   b    c", " "]:
        assert new.text_to_ids(text) == old.text_to_ids(text), text
        assert new.text_to_tokens(text) == old.text_to_tokens(text), text
    # the runs of spaces survive a round trip that the model alone would collapse
    assert new.ids_to_text(new.text_to_ids("a   b")) == "a   b"
    collapsing = SentencePieceTokenizer(str(whitespace_collapsing_model))
    assert collapsing.ids_to_text(collapsing.text_to_ids("a   b")) == "a b"


def test_legacy_with_kept_whitespace_matches_megatron_core(
    whitespace_collapsing_model, reference, varied_texts
):
    kwargs = dict(special_tokens=["<sep>"], legacy=True, ignore_extra_whitespaces=False)
    new = SentencePieceTokenizer(str(whitespace_collapsing_model), **kwargs)
    old = old_library(reference, whitespace_collapsing_model, **kwargs)
    for text in ["a  <sep>  b", "<sep>   x", "x <sep>"] + varied_texts[:200]:
        assert new.text_to_ids(text) == old.text_to_ids(text), text


# ------------------------------------------------------------------ behaviour 0.16.1 lacked


def test_non_legacy_sep_cls_mask_are_none_not_name_error(sp_model, reference):
    old = old_library(reference, sp_model)
    with pytest.raises(NameError):
        _ = old.sep_id
    tokenizer = ours(sp_model)
    assert (tokenizer.sep_id, tokenizer.cls_id, tokenizer.mask_id) == (None, None, None)
    assert tokenizer.additional_special_tokens_ids == []


def test_offsets_point_at_each_piece(sp_model):
    tokenizer = ours(sp_model)
    ids = tokenizer.tokenize("Hello world")
    assert tokenizer._tokenizer.ids_to_tokens(ids) == ["▁Hello", "▁world"]
    # hand-checked: "Hello" starts at 0; "▁world" at the space before "world"
    assert tokenizer.offsets(ids, "Hello world") == [0, 5]


def test_offsets_are_prefix_lengths_of_the_decoded_text(sp_model, varied_texts):
    tokenizer = ours(sp_model)
    for text in varied_texts[:200]:
        ids = tokenizer.tokenize(text)
        decoded = tokenizer.detokenize(ids)
        starts = tokenizer.offsets(ids, text)
        assert len(starts) == len(ids)
        assert starts == sorted(starts)
        assert all(0 <= start <= len(decoded) for start in starts)


def test_legacy_offsets_locate_special_tokens():
    tokenizer = SentencePieceTokenizer(
        str(tokenizer_files.sentencepiece_v1()), special_tokens=["[INST]"], legacy=True
    )
    ids = tokenizer.text_to_ids("hi [INST] there")
    text = tokenizer.ids_to_text(ids)
    starts = tokenizer.offsets(ids)
    inst_index = ids.index(tokenizer.token_to_id("[INST]"))
    assert text[starts[inst_index] :].startswith("[INST]")


def test_decode_accepts_numpy_and_torch(sp_model):
    numpy = pytest.importorskip("numpy")
    torch = pytest.importorskip("torch")
    tokenizer = ours(sp_model)
    ids = tokenizer.tokenize("numbers 12345 and café")
    expected = tokenizer.detokenize(ids)
    assert tokenizer.detokenize(numpy.array(ids)) == expected
    assert tokenizer.detokenize(torch.tensor(ids)) == expected


def test_sampling_gives_ids_that_decode_to_the_text(sp_model):
    tokenizer = ours(sp_model)._tokenizer
    text = "sampling tokenizes the same text several ways"
    for _ in range(5):
        assert tokenizer.ids_to_text(tokenizer.text_to_ids(text, sample_alpha=0.1)) == text


def test_facade_passes_keyword_arguments_and_records_them(sp_model):
    tokenizer = ours(sp_model, legacy=True, special_tokens=["[INST]"])
    assert tokenizer._tokenizer.legacy
    assert tokenizer.tokenize("[INST]") == [tokenizer._tokenizer.token_to_id("[INST]")]
    assert tokenizer.unique_identifiers["special_tokens"] == "['[INST]']"
    assert tokenizer.unique_identifiers["legacy"] == "True"


def test_caller_special_token_dict_is_not_modified():
    special_tokens = dict(LEGACY_NAMED_TOKENS)
    SentencePieceTokenizer(
        str(tokenizer_files.sentencepiece_v1()), special_tokens=special_tokens, legacy=True
    )
    assert special_tokens == LEGACY_NAMED_TOKENS


# ------------------------------------------------------------------ errors


def test_missing_model_file_names_the_fix(tmp_path):
    with pytest.raises(ValueError, match="SentencePiece model not found"):
        SentencePieceTokenizer(str(tmp_path / "nope.model"))


def test_a_file_that_is_not_a_model_is_rejected_clearly(tmp_path):
    bogus = tmp_path / "bogus.model"
    bogus.write_text("not a protobuf")
    with pytest.raises(ValueError, match="is not a SentencePiece model"):
        SentencePieceTokenizer(str(bogus))


def test_special_tokens_without_legacy_names_the_flag():
    with pytest.raises(ValueError, match="legacy=True"):
        SentencePieceTokenizer(str(tokenizer_files.sentencepiece_v1()), special_tokens=["<x>"])


def test_add_special_tokens_outside_legacy_mode(sp_model):
    with pytest.raises(AttributeError, match="legacy=True"):
        ours(sp_model).add_special_tokens(["<x>"])


@pytest.mark.parametrize(
    "special_tokens, message",
    [
        ("<x>", "list of tokens or a dict"),
        ([""], "non-empty strings"),
        ({"text_to_ids": "<x>"}, "would replace a tokenizer member"),
    ],
)
def test_bad_special_tokens_are_rejected(special_tokens, message):
    tokenizer = SentencePieceTokenizer(str(tokenizer_files.sentencepiece_v1()), legacy=True)
    with pytest.raises(ValueError, match=message):
        tokenizer.add_special_tokens(special_tokens)
    assert tokenizer.text_to_ids("still works") == SentencePieceTokenizer(
        str(tokenizer_files.sentencepiece_v1())
    ).text_to_ids("still works")


def test_bytes_text_is_rejected(sp_model):
    tokenizer = ours(sp_model)
    with pytest.raises(ValueError, match="expects a str, got bytes"):
        tokenizer.text_to_ids(b"bytes")
    with pytest.raises(ValueError, match="expects a str, got bytes"):
        tokenizer._tokenizer.text_to_tokens(b"bytes")


def test_out_of_range_ids_name_the_vocabulary(sp_model):
    tokenizer = ours(sp_model)
    too_big = tokenizer.vocab_size + 5
    with pytest.raises(ValueError, match=rf"\[{too_big}\] are outside"):
        tokenizer.detokenize([1, too_big])
    with pytest.raises(ValueError, match="outside this tokenizer's vocabulary"):
        tokenizer.ids_to_tokens([too_big])
    with pytest.raises(ValueError, match="outside this tokenizer's vocabulary"):
        tokenizer.offsets([too_big], "")


def test_legacy_list_mode_falls_back_to_model_ids(reference):
    """0.16.1 raised AttributeError (no ``pad_token`` attribute) for pad/bos/eos and
    ``additional_special_tokens_ids`` when legacy tokens were given as a list."""
    model = tokenizer_files.sentencepiece_v1()
    old = old_library(reference, model, special_tokens=["[INST]"], legacy=True)
    with pytest.raises(AttributeError):
        _ = old.pad_id
    new = SentencePieceTokenizer(str(model), special_tokens=["[INST]"], legacy=True)
    assert (new.pad_id, new.bos_id, new.eos_id) == (-1, 1, 2)  # the model's own (v1: no pad)
    assert new.additional_special_tokens_ids == [32000]


def test_random_text_matches_megatron_core(reference):
    """Property: any text (hypothesis-generated, all of unicode) gives 0.16.1's ids and text."""
    hypothesis = pytest.importorskip("hypothesis")
    strategies = pytest.importorskip("hypothesis.strategies")
    model = tokenizer_files.sentencepiece_v3()
    new, old = ours(model), old_facade(reference, model)

    @hypothesis.settings(max_examples=300, deadline=None, database=None)
    @hypothesis.given(strategies.text(max_size=80))
    def same(text: str) -> None:
        ids = new.tokenize(text)
        assert ids == old.tokenize(text)
        assert new.detokenize(ids) == old.detokenize(ids)

    same()
