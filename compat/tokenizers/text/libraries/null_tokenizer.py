"""``null-text``: a synthetic tokenizer for benchmarks; text is space-separated integer ids."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, NoReturn


def _integer(name: str, value: Any, flag: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"the null tokenizer needs an integer {name}, got {value!r} ({flag})")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"the null tokenizer needs an integer {name}, got {value!r} (pass {name}=... / {flag})"
        ) from None


class SpaceSeparatedIdsTokenizer:
    """What the null libraries (``null-text``, ``null-multimodal``) share: text is integer ids
    separated by single spaces, ``vocab_size`` ids of which one is the end of document. There is
    no CLS, SEP or MASK token (-1) and no extra special token."""

    def __init__(self, vocab_size: int, eod_id: int) -> None:
        self._vocab_size = vocab_size
        self._eod_id = eod_id

    def offsets(self, ids: list[int], text: str) -> list[int]:
        """Start of each id in ``text``, assuming single-space separation."""
        offsets, start = [], 0
        for id_ in ids:
            offsets.append(start)
            start += 1 + len(str(id_))
        return offsets

    @property
    def vocab_size(self) -> int:
        return self._vocab_size

    @property
    def cls(self) -> int:
        return -1

    @property
    def sep(self) -> int:
        return -1

    @property
    def mask(self) -> int:
        return -1

    @property
    def eod(self) -> int:
        return self._eod_id

    @property
    def additional_special_tokens_ids(self) -> None:
        return None


class NullTokenizer(SpaceSeparatedIdsTokenizer):
    """Ids are the integers written in the text (``library: "null-text"``).

    Upstream's latest semantics (#4057, megatron-core >= 0.18): ``vocab_size`` is N, ``eod`` is
    ``eod_id`` or N - 1, ``pad_id`` is ``pad_id`` (-1: none). megatron-core <= 0.17 had N + 1 and
    N; metadata that says G1's ``"null"`` keeps those (``library_names.g1_null_kwargs``).
    """

    def __init__(self, vocab_size: int, eod_id: int | None = None, pad_id: int = -1) -> None:
        size = _integer("vocab_size", vocab_size, "--vocab-size")
        if size < 1:
            raise ValueError(
                f"the null tokenizer needs vocab_size >= 1 (it holds the end-of-document id), "
                f"got {size} (--vocab-size)"
            )
        eod = size - 1 if eod_id is None else _integer("eod_id", eod_id, "--null-tokenizer-eod-id")
        pad = _integer("pad_id", pad_id, "--null-tokenizer-pad-id")
        # An id outside the vocabulary fails much later, inside the embedding lookup.
        if not 0 <= eod < size:
            raise ValueError(
                f"the null tokenizer's eod_id {eod} lies outside its vocabulary 0..{size - 1}; "
                f"pass vocab_size={eod + 1} (--vocab-size {eod + 1}) or an eod_id below {size}"
            )
        if pad != -1 and not 0 <= pad < size:
            raise ValueError(
                f"the null tokenizer's pad_id {pad} lies outside its vocabulary 0..{size - 1}; "
                "pass an id below vocab_size, or -1 for no pad token (--null-tokenizer-pad-id)"
            )
        super().__init__(size, eod)
        self._pad_id = pad

    def text_to_ids(self, text: str) -> list[int]:
        try:
            return [int(piece) for piece in text.split(" ")]
        except ValueError:
            raise ValueError(
                f"the null tokenizer reads integers separated by single spaces, got {text!r}"
            ) from None

    def ids_to_text(self, ids: list[int]) -> str:
        return " ".join(str(id_) for id_ in ids)

    def tokens_to_ids(self, tokens: list[str]) -> list[int]:
        return [int(token) for token in tokens]

    def ids_to_tokens(self, ids: list[int]) -> list[str]:
        return [str(id_) for id_ in ids]

    @property
    def pad_id(self) -> int:
        return self._pad_id

    @property
    def unique_identifiers(self) -> OrderedDict[str, Any]:
        return OrderedDict(
            {
                "class": f"{type(self).__module__}.{type(self).__qualname__}",
                "vocab_size": self._vocab_size,
                "eod_id": self._eod_id,
                "pad_id": self._pad_id,
            }
        )

    @property
    def vocab(self) -> NoReturn:
        raise NotImplementedError("the null tokenizer has no vocabulary")

    @property
    def inv_vocab(self) -> NoReturn:
        raise NotImplementedError("the null tokenizer has no vocabulary")
