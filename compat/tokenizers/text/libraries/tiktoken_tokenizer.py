"""``library='tiktoken'``: a Megatron tiktoken vocabulary (JSON) behind the text-library API.

Ids are those of megatron-core 0.16.1's ``TikTokenTokenizer`` on the same file and text: special
tokens first (``<unk>``=0, ``<s>``=1, ``</s>``=2, ... then ``<SPECIAL_n>`` fillers), the BPE ranks
shifted up by ``num_special_tokens``. Decoding is byte-level (0.16.1 broke characters split across
tokens), and ``inv_vocab`` maps every id to its own token; ``docs/tokenizers.md``
lists every difference from 0.16.1.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import json
import os
import re
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from compat.tokenizers.text.libraries.abstract_tokenizer import (
    MegatronTokenizerTextAbstract,
    as_list,
)

__all__ = ["TikTokenTokenizer", "reload_mergeable_ranks"]

_PATTERN_TIKTOKEN_V1 = (
    r"[^\r\n\p{L}\p{N}]?+\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]++[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+"
)
_PATTERN_TIKTOKEN_V2 = (
    r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
    r"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
    r"|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+"
)
PATTERNS = {"v1": _PATTERN_TIKTOKEN_V1, "v2": _PATTERN_TIKTOKEN_V2}
DEFAULT_TIKTOKEN_MAX_VOCAB = 2**17  # 131072
SPECIAL_TOKENS = ["<unk>", "<s>", "</s>", "<mask>", "<pad>", "<cls>", "<sep>"]
SPECIAL_TOKEN_TEMPLATE = "<SPECIAL_{id}>"

_ENTRY_KEYS = {"rank", "token_bytes", "token_str"}


class UnknownTokenError(KeyError):
    """A token string that is neither a special token nor a single entry of the vocabulary."""

    def __str__(self) -> str:  # KeyError would show the repr of the message
        return str(self.args[0])


def _format_error(path: str, problem: str) -> ValueError:
    return ValueError(
        f"{path} is not a Megatron tiktoken vocabulary: {problem}. The file must be a JSON list "
        'of {"rank": i, "token_bytes": <base64>, "token_str": <text>} entries with ranks 0, 1, '
        "2, ... in order (convert a .tiktoken rank file by base64-encoding each token)."
    )


def reload_mergeable_ranks(
    path: str, max_vocab: int | None = None, num_special_tokens: int | None = None
) -> dict[bytes, int]:
    """Read a Megatron tiktoken JSON vocabulary: token bytes -> rank + ``num_special_tokens``.

    Only the first ``max_vocab`` entries are kept. Every single byte must be a token (else some
    text could not be encoded); 0.16.1 further demanded that ranks 0-255 be the bytes 0-255 in
    order, which rejected converted ``cl100k_base``/Qwen vocabularies for no reason.
    """
    path = str(path)
    if not path.endswith(".json"):
        raise ValueError(
            f"tiktoken vocabulary must be a .json file (Megatron's format), got {path!r}; "
            "convert a .tiktoken rank file to a JSON list of rank/token_bytes/token_str entries."
        )
    shift = num_special_tokens or 0
    try:
        with open(path, "rb") as handle:
            entries = json.load(handle)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _format_error(path, f"it is not valid JSON ({error})") from None
    if not isinstance(entries, list):
        raise _format_error(path, f"the top level is a {type(entries).__name__}, not a list")
    if max_vocab is not None:
        entries = entries[:max_vocab]

    ranks: dict[bytes, int] = {}
    for rank, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.keys() != _ENTRY_KEYS:
            raise _format_error(path, f"entry {rank} is {str(entry)[:80]}")
        if entry["rank"] != rank:
            raise _format_error(path, f"entry {rank} has rank {entry['rank']!r}")
        try:
            token = base64.b64decode(entry["token_bytes"], validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise _format_error(
                path, f"token_bytes of rank {rank} is not base64: {entry['token_bytes']!r}"
            ) from None
        if token in ranks:
            raise _format_error(
                path, f"ranks {ranks[token] - shift} and {rank} hold the same token {token!r}"
            )
        ranks[token] = rank + shift

    missing = [byte for byte in range(256) if bytes([byte]) not in ranks]
    if missing:
        raise ValueError(
            f"{path}: the single bytes {missing[:8]}{'...' if len(missing) > 8 else ''} are not "
            f"tokens among the {len(entries)} entries kept, so some text could not be encoded. "
            "Every byte must have a rank below the kept size: raise vocab_size, or use the "
            "vocabulary file the model was trained with."
        )
    return ranks


def _validated_special_tokens(
    special_tokens: Sequence[str] | None, num_special_tokens: Any, vocab_size: Any
) -> list[str]:
    tokens = list(SPECIAL_TOKENS if special_tokens is None else special_tokens)
    for name, value in (("num_special_tokens", num_special_tokens), ("vocab_size", vocab_size)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{name} must be an int, got {value!r}")
    bad = [token for token in tokens if not isinstance(token, str) or not token]
    if bad:
        raise ValueError(f"special tokens must be non-empty strings, got {bad[:5]}")
    duplicates = sorted({token for token in tokens if tokens.count(token) > 1})
    if duplicates:
        raise ValueError(f"special tokens must be unique; listed more than once: {duplicates}")
    missing = [token for token in SPECIAL_TOKENS if token not in tokens]
    if missing:
        raise ValueError(
            f"special tokens must include all of {SPECIAL_TOKENS} (missing {missing}); put "
            "your own tokens after them, e.g. special_tokens=SPECIAL_TOKENS + ['<|im_start|>']"
        )
    if not len(tokens) <= num_special_tokens < vocab_size:
        raise ValueError(
            f"need len(special_tokens) <= num_special_tokens < vocab_size, got {len(tokens)} "
            f"special tokens, num_special_tokens={num_special_tokens}, vocab_size={vocab_size}: "
            "raise num_special_tokens (--tiktoken-num-special-tokens) or list fewer tokens"
        )
    return tokens


def _special_token_splitter(tokens: Sequence[str]) -> Callable[[str], list[str]]:
    """``re.split`` on the special tokens, the regex built as a trie.

    A flat alternation of 1000 tokens is tried branch by branch at every candidate position; the
    trie tries one character at a time. Where one token is a prefix of another starting at the
    same place, the longer one wins.
    """
    trie: dict[str, Any] = {}
    for token in tokens:
        node = trie
        for character in token:
            node = node.setdefault(character, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + pattern(child) for ch, child in node.items() if ch]
        if "" in node:
            # an empty last branch: the token may end here when no longer one matches
            branches.append("")
        if len(branches) == 1:
            return branches[0]
        return "(?:" + "|".join(branches) + ")"

    return re.compile("(" + pattern(trie) + ")").split


class TikTokenTokenizer(MegatronTokenizerTextAbstract):
    """Tokenizer over a Megatron tiktoken JSON vocabulary.

    Args:
        tokenizer_path: the ``.json`` vocabulary (list of rank/token_bytes/token_str entries).
        special_tokens: special tokens, a superset of ``SPECIAL_TOKENS``; they take ids
            ``0..len-1``, ``<SPECIAL_n>`` fillers the rest up to ``num_special_tokens``.
        num_special_tokens: ids reserved for special tokens; BPE ranks start after them.
        chat_template: jinja chat template used by ``apply_chat_template``.
        pattern: pre-tokenization regex, ``"v1"`` or ``"v2"``.
        vocab_size: total ids; the vocabulary is cut to ``vocab_size - num_special_tokens`` ranks.
    """

    def __init__(
        self,
        tokenizer_path: str,
        special_tokens: list[str] | None = None,
        num_special_tokens: int = 1000,
        chat_template: str | None = None,
        pattern: str = "v2",
        vocab_size: int = DEFAULT_TIKTOKEN_MAX_VOCAB,
    ) -> None:
        if not tokenizer_path or not os.path.isfile(tokenizer_path):
            raise ValueError(
                f"tiktoken vocabulary not found: tokenizer_path={tokenizer_path!r}. Pass the "
                "path of an existing Megatron tiktoken .json vocabulary."
            )
        if pattern not in PATTERNS:
            raise ValueError(f"pattern must be 'v1' or 'v2' (--tiktoken-pattern), got {pattern!r}")
        special_tokens = _validated_special_tokens(special_tokens, num_special_tokens, vocab_size)
        try:
            import tiktoken
        except ModuleNotFoundError:
            raise ModuleNotFoundError(
                "library='tiktoken' needs the tiktoken package: "
                "pip install 'megatron-tokenizer-compat[tiktoken]'"
            ) from None

        self.chat_template = chat_template
        self.pattern = pattern
        self.num_special_tokens = num_special_tokens
        self._vocab_size = vocab_size
        self.inner_vocab_size = vocab_size - num_special_tokens
        self.special_filler = [
            SPECIAL_TOKEN_TEMPLATE.format(id=i)
            for i in range(len(special_tokens), num_special_tokens)
        ]
        clashes = set(special_tokens) & set(self.special_filler)
        if clashes:
            raise ValueError(
                f"special tokens {sorted(clashes)} clash with the <SPECIAL_n> fillers at other "
                "ids; list them at their own position or rename them"
            )
        self.special_tokens = special_tokens + self.special_filler
        self._special_ids = {token: i for i, token in enumerate(self.special_tokens)}
        self._unk_id = self._special_ids["<unk>"]
        self._bos_id = self._special_ids["<s>"]
        self._eos_id = self._special_ids["</s>"]
        self._mask_id = self._special_ids["<mask>"]
        self._pad_id = self._special_ids["<pad>"]
        self._cls_id = self._special_ids["<cls>"]
        self._sep_id = self._special_ids["<sep>"]

        self.token2id = reload_mergeable_ranks(
            str(tokenizer_path),
            max_vocab=self.inner_vocab_size,
            num_special_tokens=num_special_tokens,
        )
        if len(self.token2id) != self.inner_vocab_size:
            raise ValueError(
                f"{tokenizer_path} has {len(self.token2id)} tokens, but vocab_size={vocab_size} "
                f"with num_special_tokens={num_special_tokens} needs {self.inner_vocab_size}. "
                f"Pass vocab_size={len(self.token2id) + num_special_tokens} (--vocab-size) to "
                "use the whole file."
            )
        self.tokenizer = tiktoken.Encoding(
            name=Path(tokenizer_path).parent.name,
            pat_str=PATTERNS[pattern],
            mergeable_ranks=self.token2id,
            special_tokens=self._special_ids,
        )
        self._split_special = _special_token_splitter(self.special_tokens)
        self._encode_ordinary = self.tokenizer.encode_ordinary

    # ------------------------------------------------------------------ encoding

    def text_to_ids(self, text: str) -> list[int]:
        """Encode ``text``; special-token text (``<s>``, ``<SPECIAL_10>``...) becomes its id."""
        # Same ids as tiktoken's encode(text, allowed_special="all"), which converts the whole
        # special-token set for every call (~0.3 ms with 1000 tokens): split on special tokens
        # here, and encode the text between them as ordinary text.
        try:
            parts = self._split_special(text)
        except TypeError:
            raise ValueError(
                f"TikTokenTokenizer.text_to_ids expects a str, got {type(text).__name__}; "
                "encode a batch one text at a time."
            ) from None
        if len(parts) == 1:
            return self._encode_ordinary(text)
        encode_ordinary = self._encode_ordinary
        special_ids = self._special_ids
        ids: list[int] = []
        # re.split alternates text, special token, text, ...
        for index, part in enumerate(parts):
            if index % 2:
                ids.append(special_ids[part])
            elif part:
                ids.extend(encode_ordinary(part))
        return ids

    def texts_to_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """``text_to_ids`` of each text; text between special tokens that recurs across the
        batch is encoded once (a conversation and its turns, as ``tokenize_conversation``
        encodes them, share nearly all of it)."""
        encoded: dict[str, list[int]] = {}
        special_ids = self._special_ids
        batch = []
        for text in texts:
            if not isinstance(text, str):
                raise ValueError(
                    f"TikTokenTokenizer.texts_to_ids expects a list of str, got a "
                    f"{type(text).__name__} in it"
                )
            ids: list[int] = []
            for index, part in enumerate(self._split_special(text)):
                if index % 2:
                    ids.append(special_ids[part])
                elif part:
                    part_ids = encoded.get(part)
                    if part_ids is None:
                        part_ids = encoded[part] = self._encode_ordinary(part)
                    ids.extend(part_ids)
            batch.append(ids)
        return batch

    def text_to_tokens(self, text: str) -> list[bytes]:
        """The bytes of each token of ``text`` (special tokens included, as in ``text_to_ids``)."""
        return self.tokenizer.decode_tokens_bytes(self.text_to_ids(text))

    # ------------------------------------------------------------------ decoding

    def _out_of_range(self, ids: Sequence[int]) -> ValueError:
        bad = [i for i in ids if not (isinstance(i, int) and 0 <= i < self._vocab_size)]
        return ValueError(
            f"{bad[:5]} are not ids of this tokenizer (ints in 0..{self._vocab_size - 1}); "
            "decode ids produced by this tokenizer (same file, num_special_tokens, vocab_size)."
        )

    def _token_bytes(self, ids: Sequence[int]) -> list[bytes]:
        try:
            return self.tokenizer.decode_tokens_bytes(ids)
        except (KeyError, TypeError, OverflowError):
            raise self._out_of_range(ids) from None

    def ids_to_text(self, tokens: Sequence[int], remove_special_tokens: bool = False) -> str:
        """Decode ids to text, byte-level (characters split across tokens stay whole).

        ``remove_special_tokens`` drops every special-token id first.
        """
        ids = as_list(tokens)
        if remove_special_tokens:
            ids = [i for i in ids if i >= self.num_special_tokens]
        try:
            return self.tokenizer.decode(ids)
        except (KeyError, TypeError, OverflowError):
            raise self._out_of_range(ids) from None

    def offsets(self, ids: Sequence[int], text: str | None = None) -> list[int]:
        """Character offset in ``ids_to_text(ids)`` where each id's text starts.

        A token that starts inside a character (a multi-byte character split across tokens)
        points at that character. ``text`` is accepted for API compatibility; the offsets always
        index the decoded ids.
        """
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        starts = []
        length = 0
        for token in self._token_bytes(as_list(ids)):
            starts.append(length)
            length += len(decoder.decode(token))
        return starts

    def tokens_to_text(self, tokens: Sequence[bytes | str]) -> str:
        """Join tokens (bytes from ``text_to_tokens``, or strings) back into text."""
        return self.tokenizer.decode([self._single_token_id(token) for token in tokens])

    # ------------------------------------------------------------------ token <-> id

    def _single_token_id(self, token: bytes | str) -> int:
        try:
            return self.tokenizer.encode_single_token(token)
        except (KeyError, TypeError):
            raise UnknownTokenError(
                f"{token!r} is not a single token of this vocabulary; use text_to_ids for text"
            ) from None

    def token_to_id(self, token: bytes | str) -> int:
        """Id of a special token, or 0.16.1's id for a vocabulary token.

        0.16.1 adds ``num_special_tokens`` to the already shifted rank of a vocabulary token, so
        for those ``token_to_id(t) == text_to_ids(t)[0] + num_special_tokens``. The value is kept
        so code that stored it keeps working; use ``text_to_ids`` for the id the model sees.
        """
        special_id = self._special_ids.get(token) if isinstance(token, str) else None
        if special_id is not None:
            return special_id
        return self._single_token_id(token) + self.num_special_tokens

    def tokens_to_ids(self, tokens: Sequence[bytes | str]) -> list[int]:
        """``token_to_id`` of each token."""
        return [self.token_to_id(token) for token in tokens]

    def id_to_token(self, token_id: int) -> str:
        """The token of an id as text (invalid UTF-8 bytes shown as U+FFFD)."""
        if 0 <= token_id < self.num_special_tokens:
            return self.special_tokens[token_id]
        return self._token_bytes([token_id])[0].decode("utf-8", errors="replace")

    def ids_to_tokens(self, token_ids: Sequence[int]) -> list[str]:
        """``id_to_token`` of each id."""
        return [self.id_to_token(token_id) for token_id in as_list(token_ids)]

    def add_special_tokens(self, special_tokens_dict: Any) -> None:
        """Not supported: special tokens are fixed at construction."""
        raise NotImplementedError(
            "TikTokenTokenizer cannot add special tokens after construction; pass them as "
            "special_tokens=SPECIAL_TOKENS + [...] (--tokenizer-special-tokens) instead."
        )

    # ------------------------------------------------------------------ special ids

    @property
    def additional_special_tokens_ids(self) -> list[int]:
        """Ids of the special tokens other than ``<unk>``, ``<s>``, ``</s>`` and the fillers."""
        excluded = {self._unk_id, self._bos_id, self._eos_id}
        return [
            i
            for i in range(len(self.special_tokens) - len(self.special_filler))
            if i not in excluded
        ]

    @property
    def bos_id(self) -> int:
        return self._bos_id

    @property
    def eos_id(self) -> int:
        return self._eos_id

    @property
    def unk_id(self) -> int:
        return self._unk_id

    @property
    def mask_id(self) -> int:
        return self._mask_id

    @property
    def pad_id(self) -> int:
        return self._pad_id

    @property
    def cls_id(self) -> int:
        return self._cls_id

    @property
    def sep_id(self) -> int:
        return self._sep_id

    # ------------------------------------------------------------------ vocabulary

    @property
    def vocab_size(self) -> int:
        """Total ids (the constructor's ``vocab_size``)."""
        return self._vocab_size

    @cached_property
    def vocab(self) -> dict[str | bytes, int]:
        """Token to id: special tokens (str) and vocabulary tokens (bytes)."""
        vocab: dict[str | bytes, int] = dict(self._special_ids.items())
        vocab.update(self.token2id.items())
        return vocab

    @property
    def encoder(self) -> dict[str | bytes, int]:
        """Alias of ``vocab``."""
        return self.vocab

    @cached_property
    def id2token(self) -> dict[int, bytes]:
        """Id to token bytes, for vocabulary tokens only."""
        return {token_id: token for token, token_id in self.token2id.items()}

    @cached_property
    def inv_vocab(self) -> dict[int, str | bytes]:
        """Id to token for every id: special tokens as str, vocabulary tokens as bytes."""
        inverse: dict[int, str | bytes] = dict(enumerate(self.special_tokens))
        inverse.update(self.id2token)
        return inverse

    @property
    def decoder(self) -> dict[int, str | bytes]:
        """Alias of ``inv_vocab``."""
        return self.inv_vocab
