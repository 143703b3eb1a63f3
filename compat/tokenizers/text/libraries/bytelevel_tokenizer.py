"""``byte-level``: UTF-8 bytes as ids, with special tokens counted down from the top."""

from __future__ import annotations

from typing import Any

from compat.tokenizers.text.libraries.abstract_tokenizer import (
    MegatronTokenizerTextAbstract,
    reject_unencodable,
)

# Upstream reports this fixed id as the unknown token; kept for identical results.
_UNK_ID = 259


class ByteLevelTokenizer(MegatronTokenizerTextAbstract):
    """Each UTF-8 byte is a token; ids and tokens are the same integers.

    ``vocab_size`` grows by the number of special tokens, which take the ids
    ``vocab_size - 1``, ``vocab_size - 2``, ... in order.
    """

    def __init__(
        self,
        special_tokens: dict[str, str] | list[str] | None = None,
        vocab_size: int = 512,
        _eos_id: int = 0,
        _pad_id: int = 1,
        _bos_id: int | None = None,
    ) -> None:
        self._eos_id = _eos_id
        self._pad_id = _pad_id
        self._bos_id = _bos_id
        self.special_token_to_id: dict[Any, Any] = {
            self._pad_id: self._pad_id,
            self._bos_id: self._bos_id,
            self._eos_id: self._eos_id,
        }
        special_tokens = special_tokens or {}
        self.vocab_size = vocab_size + len(special_tokens)
        self.special_start = self.vocab_size
        for token in special_tokens:
            self.special_start -= 1
            self.special_token_to_id[token] = self.special_start
        self.id_to_special_token = {id_: token for token, id_ in self.special_token_to_id.items()}

    def text_to_tokens(self, text: str) -> list[int]:
        return self.text_to_ids(text)

    def tokens_to_text(self, tokens: list[int]) -> str:
        return self.ids_to_text(tokens)

    def text_to_ids(self, text: str) -> list[int]:
        try:
            return list(text.encode("utf-8"))
        except UnicodeEncodeError:
            reject_unencodable([text])
            raise

    def ids_to_text(self, ids: list[int]) -> str:
        kept = [id_ for id_ in ids if id_ < self.special_start]
        return bytes(kept).decode("utf-8", errors="ignore").rstrip()

    def tokens_to_ids(self, tokens: Any | list[Any]) -> list[Any]:
        if isinstance(tokens, str):
            tokens = [tokens]
        return [self.token_to_id(token) for token in tokens]

    def ids_to_tokens(self, ids: int | list[int]) -> list[Any]:
        if isinstance(ids, int):
            ids = [ids]
        return [self.id_to_token(id_) for id_ in ids]

    def token_to_id(self, token: Any) -> Any:
        """A special token's id; any other token is already its id."""
        return self.special_token_to_id.get(token, token)

    def id_to_token(self, id_: int) -> Any:
        if id_ < self.special_start:
            return id_
        return self.id_to_special_token[id_]

    def add_special_tokens(self, special_tokens: list[Any] | dict[str, Any]) -> None:
        raise NotImplementedError(
            "the byte-level tokenizer cannot add special tokens after construction; pass "
            "special_tokens=... when building it"
        )

    @property
    def pad_id(self) -> int:
        return self._pad_id

    @property
    def bos_id(self) -> int | None:
        return self._bos_id

    @property
    def eos_id(self) -> int:
        return self._eos_id

    @property
    def unk_id(self) -> int:
        return _UNK_ID
