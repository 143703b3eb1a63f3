"""``library: "null-multimodal"``: text is already ids; only the image token is special."""

from __future__ import annotations

from typing import Any

from compat.tokenizers.text.libraries.null_tokenizer import SpaceSeparatedIdsTokenizer
from compat.tokenizers.vision.special_tokens import (
    DEFAULT_IMAGE_TOKEN_INDEX,
    IMAGE_TOKEN,
    check_embedding_fits,
)

__all__ = ["MegatronNullMultimodalTokenizer"]


class MegatronNullMultimodalTokenizer(SpaceSeparatedIdsTokenizer):
    """Reads space-separated ids (mock data, converters); ``vocab_size`` ids plus an EOD.

    ``vocab_size`` = N + 1 and ``eod`` = N, as upstream (upstream #4057 changed only the text
    null tokenizer). The image token maps to
    ``image_token_id`` (LLaVA's ``-200`` by default), a placeholder the model replaces with image
    embeddings, not an embedding row.
    """

    def __init__(
        self,
        vocab_size: Any = None,
        image_token: str | None = None,
        image_token_id: int | None = None,
    ) -> None:
        if vocab_size is None or isinstance(vocab_size, bool):
            raise ValueError("the null-multimodal tokenizer needs vocab_size (--vocab-size N)")
        try:
            vocab_size_without_eod = int(vocab_size)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"vocab_size must be an integer (--vocab-size N), not {vocab_size!r}"
            ) from error
        if vocab_size_without_eod <= 0:
            raise ValueError(f"vocab_size must be positive (--vocab-size N), not {vocab_size!r}")
        super().__init__(vocab_size_without_eod + 1, vocab_size_without_eod)
        self._image_token = IMAGE_TOKEN if image_token is None else image_token
        self._image_token_id = (
            DEFAULT_IMAGE_TOKEN_INDEX if image_token_id is None else int(image_token_id)
        )

    def tokenize(self, text: str) -> list[int]:
        return [self._parse_id(piece) for piece in text.split(" ")]

    def detokenize(self, ids: Any) -> str:
        if hasattr(ids, "tolist"):
            ids = ids.tolist()
        return " ".join(str(token_id) for token_id in ids)

    def convert_tokens_to_ids(self, tokens: str | list[str]) -> int | list[int]:
        """Upstream's form: a string of tokens separated by two spaces; one token → a scalar.
        A list of token strings gives a list."""
        if isinstance(tokens, str):
            ids = [self._token_id(token) for token in tokens.split("  ")]
            return ids if len(ids) > 1 else ids[0]
        return [self._token_id(token) for token in tokens]

    def _token_id(self, token: str) -> int:
        return self._image_token_id if token == self._image_token else self._parse_id(token)

    @staticmethod
    def _parse_id(piece: str) -> int:
        try:
            return int(piece)
        except ValueError:
            raise ValueError(
                f"the null-multimodal tokenizer reads integer ids separated by single spaces; "
                f"{piece!r} is not an integer"
            ) from None

    @property
    def image_token_id(self) -> int:
        return self._image_token_id

    @property
    def special_token_ids(self) -> dict[str, int]:
        return {"image": self._image_token_id}

    @property
    def required_embedding_rows(self) -> int:
        return self.vocab_size

    def check_embedding_fits(self, padded_vocab_size: int) -> None:
        eod = (
            [("<eod>", self._eod_id)]
            if isinstance(padded_vocab_size, int) and (self._eod_id >= padded_vocab_size)
            else []
        )
        check_embedding_fits(self.required_embedding_rows, padded_vocab_size, eod)

    @property
    def vocab(self) -> Any:
        raise NotImplementedError("the null-multimodal tokenizer has no vocabulary: text is ids")
