"""``null-text``: a synthetic tokenizer for benchmarks; text is space-separated integer ids."""

from __future__ import annotations

from collections import OrderedDict


class SpaceSeparatedIdsTokenizer:
    """What the null libraries (``null-text``, ``null-multimodal``) share: text is integer ids
    separated by single spaces, N ids plus an end-of-document id.

    ``vocab_size`` is N + 1 and the end-of-document id is N (G1–G3 semantics; upstream main
    later changed both). There is no CLS, SEP or MASK token (-1) and no extra special token.
    """

    def __init__(self, vocab_size_without_eod: int) -> None:
        self._vocab_size_without_eod = vocab_size_without_eod
        self._eod_id = vocab_size_without_eod

    def offsets(self, ids: list[int], text: str) -> list[int]:
        """Start of each id in ``text``, assuming single-space separation."""
        offsets, start = [], 0
        for id_ in ids:
            offsets.append(start)
            start += 1 + len(str(id_))
        return offsets

    @property
    def vocab_size(self) -> int:
        return self._vocab_size_without_eod + 1

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
    """Ids are the integers written in the text (``library: "null-text"``)."""

    def __init__(self, vocab_size: int) -> None:
        try:
            vocab_size_without_eod = int(vocab_size)
        except (TypeError, ValueError):
            raise ValueError(
                f"the null tokenizer needs an integer vocab_size, got {vocab_size!r} "
                "(pass vocab_size=... / --vocab-size)"
            ) from None
        super().__init__(vocab_size_without_eod)

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
    def unique_identifiers(self) -> OrderedDict:
        return OrderedDict({"class": f"{type(self).__module__}.{type(self).__qualname__}"})

    @property
    def vocab(self):
        raise NotImplementedError("the null tokenizer has no vocabulary")

    @property
    def inv_vocab(self):
        raise NotImplementedError("the null tokenizer has no vocabulary")
