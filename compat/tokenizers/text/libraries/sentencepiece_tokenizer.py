"""``library='sentencepiece'``: a SentencePiece model behind the Megatron text-library API.

Ids are those of megatron-core 0.16.1's ``SentencePieceTokenizer`` on the same model and text,
including its legacy special-token mode and its extra-whitespace handling. Where 0.16.1 crashed
without ever producing ids (``additional_special_tokens_ids`` outside legacy mode, ``sep_id``/
``cls_id``/``mask_id`` raising ``NameError``, ``offsets`` on sentencepiece 0.2.3), this class
answers; ``docs/tokenizers.md`` lists every such difference.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any, cast

from compat.tokenizers.text.libraries.abstract_tokenizer import (
    MegatronTokenizerTextAbstract,
    as_list,
    reject_unencodable,
)

# Marks a run of spaces the model would collapse; a symbol no vocabulary is likely to contain.
EXTRA_SPACE_TOKEN = "☯"
# Where a space is dropped by a model that removes extra whitespace: between two spaces, and at
# either end of the text.
_EXTRA_SPACE_PATTERN = re.compile(r"(?<= )(?= )|^ | $")
_EXTRA_SPACE_REPLACEMENT = f" {EXTRA_SPACE_TOKEN} "

# Legacy-mode names under which ``special_tokens`` dict entries are looked up.
_NAMED_SPECIAL_TOKENS = (
    "bos_token",
    "eos_token",
    "pad_token",
    "mask_token",
    "cls_token",
    "sep_token",
)


class SentencePieceTokenizer(MegatronTokenizerTextAbstract):
    """Tokenizer over a SentencePiece ``.model`` file.

    Args:
        tokenizer_path: path to the SentencePiece model.
        special_tokens: legacy mode only: a list of tokens, or a dict ``{"bos_token": "<s>", ...}``
            whose entries also become attributes. Tokens the model lacks get ids from the model's
            size upward.
        legacy: enable the old wrapper behaviour (special tokens added inside the wrapper).
        ignore_extra_whitespaces: when ``False`` and the model collapses runs of spaces, keep
            them (each extra space is encoded on its own).
        chat_template: jinja chat template used by ``apply_chat_template``.
        trim_spm_separator_after_special_token: legacy mode: drop the lone separator piece that
            SentencePiece emits for the space after a special token (``"[INST] who"``).
        spm_separator: the model's word-boundary symbol.
    """

    # the encoder of text_to_ids without sampling, bound by _select_encoder
    _encode: Callable[[str], list[int]]

    def __init__(
        self,
        tokenizer_path: str,
        special_tokens: dict[str, str] | list[str] | None = None,
        legacy: bool = False,
        ignore_extra_whitespaces: bool = True,
        chat_template: str | None = None,
        trim_spm_separator_after_special_token: bool = True,
        spm_separator: str = "▁",
    ) -> None:
        self.chat_template = chat_template
        if not tokenizer_path or not os.path.isfile(tokenizer_path):
            raise ValueError(
                f"SentencePiece model not found: tokenizer_path={tokenizer_path!r}. Pass the path "
                "of an existing .model file (the one the model was trained with)."
            )
        if special_tokens and not legacy:
            raise ValueError(
                "special_tokens needs legacy=True: a SentencePiece model's special tokens are "
                "fixed when it is trained. Pass legacy=True (--tokenizer-sentencepiece-legacy) to "
                "add them inside the wrapper, as the old tokenizer did."
            )
        try:
            import sentencepiece
        except ModuleNotFoundError:
            raise ModuleNotFoundError(
                "library='sentencepiece' needs the sentencepiece package: "
                "pip install 'megatron-tokenizer-compat[sentencepiece]'"
            ) from None

        processor = sentencepiece.SentencePieceProcessor()
        try:
            processor.Load(str(tokenizer_path))
        except (OSError, RuntimeError) as error:
            raise ValueError(
                f"{tokenizer_path!r} is not a SentencePiece model ({error}). Pass the .model "
                "file the tokenizer was trained into."
            ) from None
        self.tokenizer = processor
        self.original_vocab_size = processor.get_piece_size()
        self.vocab_size = self.original_vocab_size
        self.legacy = legacy
        self.ignore_extra_whitespaces = ignore_extra_whitespaces
        self.extra_space_token = EXTRA_SPACE_TOKEN
        self.special_token_to_id: dict[str, int] = {}
        self.id_to_special_token: dict[int, str] = {}
        self.trim_spm_separator_after_special_token = trim_spm_separator_after_special_token
        self.spm_separator = spm_separator
        self.spm_separator_id = processor.piece_to_id(spm_separator)
        self.removed_extra_spaces = processor.encode_as_pieces("x  y") == (
            processor.encode_as_pieces("x y")
        )
        self._keeps_extra_spaces = self.removed_extra_spaces and not ignore_extra_whitespaces
        self._select_encoder()
        if special_tokens:
            self.add_special_tokens(special_tokens)
        self.space_sensitive = self.text_to_tokens("x y") != (
            self.text_to_tokens("x") + self.text_to_tokens("y")
        )

    def _select_encoder(self) -> None:
        """Bind the unsampled encoder once, so plain models encode with one backend call."""
        if self._keeps_extra_spaces or (self.legacy and self.special_token_to_id):
            self._encode = self._encode_general
        else:
            self._encode = self.tokenizer.encode_as_ids

    # ------------------------------------------------------------------ encoding

    def text_to_ids(self, text: str, sample_alpha: float | None = None) -> list[int]:
        """Encode ``text``; ``sample_alpha`` switches on subword sampling (not in legacy mode)."""
        if not isinstance(text, str):
            raise ValueError(
                f"SentencePieceTokenizer.text_to_ids expects a str, got {type(text).__name__}; "
                "encode a batch one text at a time."
            )
        try:
            if sample_alpha is None:
                return self._encode(text)
            return self._encode_general(text, sample_alpha)
        except (RuntimeError, TypeError):
            reject_unencodable([text])
            raise

    def texts_to_ids(self, texts: Sequence[str]) -> list[list[int]]:
        """``text_to_ids`` of each text. A plain model encodes the batch in one backend call; in
        legacy mode text between special tokens that recurs across the batch (a conversation
        and its turns, as ``tokenize_conversation`` encodes them) is encoded once."""
        texts = list(texts)
        for text in texts:
            if not isinstance(text, str):
                raise ValueError(
                    "SentencePieceTokenizer.texts_to_ids expects a list of str, got a "
                    f"{type(text).__name__} in it"
                )
        try:
            return self._encode_batch(texts)
        except (RuntimeError, TypeError):
            reject_unencodable(texts)
            raise

    def _encode_batch(self, texts: list[str]) -> list[list[int]]:
        if self._encode != self._encode_general:
            return cast("list[list[int]]", self.tokenizer.encode_as_ids(texts))
        encoded: dict[str, list[int]] = {}

        def encode_once(chunk: str) -> list[int]:
            ids = encoded.get(chunk)
            if ids is None:
                ids = encoded[chunk] = self.tokenizer.encode_as_ids(chunk)
            return list(ids)  # a copy: the separator may be popped off it

        return [self._encode_general(text, encode_chunk=encode_once) for text in texts]

    def _encode_general(
        self,
        text: str,
        sample_alpha: float | None = None,
        encode_chunk: Callable[[str], list[int]] | None = None,
    ) -> list[int]:
        if self._keeps_extra_spaces:
            text = _EXTRA_SPACE_PATTERN.sub(_EXTRA_SPACE_REPLACEMENT, text).rstrip()
        if self.legacy:
            # 0.16.1 ignores sample_alpha in legacy mode; ids stay deterministic here too.
            encode_chunk = encode_chunk or self.tokenizer.encode_as_ids
            ids, rest = self._split_around_special_tokens(
                text,
                encode_chunk,
                self.spm_separator_id,
                self.special_token_to_id.__getitem__,
            )
            if self._keeps_extra_spaces:
                ids.extend(self._encode_keeping_extra_spaces(rest, None))
            else:
                ids.extend(encode_chunk(rest))
            return ids
        if self._keeps_extra_spaces:
            return self._encode_keeping_extra_spaces(text, sample_alpha)
        return cast(
            "list[int]",
            self.tokenizer.encode_as_ids(
                text, enable_sampling=True, alpha=sample_alpha, nbest_size=-1
            ),
        )

    def _next_special_token(self, text: str, start: int) -> tuple[str | None, int]:
        """The special token occurring first at or after ``start`` (ties: first registered)."""
        found, found_at = None, -1
        for token in self.special_token_to_id:
            position = text.find(token, start)
            if position != -1 and (found is None or position < found_at):
                found, found_at = token, position
        return found, found_at

    def _split_around_special_tokens(
        self,
        text: str,
        encode: Callable[[str], list[Any]],
        separator: Any,
        special_item: Callable[[str], Any],
    ) -> tuple[list[Any], str]:
        """Legacy mode: ``text`` up to its last special token, and the text after it.

        The text between special tokens is ``encode``d by the model (pieces or ids, whose
        word-boundary item is ``separator``); each special token becomes ``special_item(token)``.
        """
        items: list[Any] = []
        start = 0
        while True:
            token, position = self._next_special_token(text, start)
            if token is None:
                return items, text[start:]
            chunk = encode(text[start:position])
            # "[INST] who" would otherwise encode as <[INST]> <▁> <who>: the chat template's
            # space after a special token is not part of the next word. Every chunk but the
            # first follows a special token.
            if (
                self.trim_spm_separator_after_special_token
                and items
                and chunk
                and chunk[0] == separator
            ):
                chunk.pop(0)
            items.extend(chunk)
            items.append(special_item(token))
            start = position + len(token)

    def _encode_keeping_extra_spaces(self, text: str, sample_alpha: float | None) -> list[int]:
        """Encode text whose extra spaces were marked: each marked part alone, marker dropped."""
        sampling = (
            {}
            if sample_alpha is None
            else {"enable_sampling": True, "alpha": sample_alpha, "nbest_size": -1}
        )
        ids: list[int] = []
        for part in text.split(EXTRA_SPACE_TOKEN):
            if part:
                ids.extend(self.tokenizer.encode_as_ids(part + EXTRA_SPACE_TOKEN, **sampling)[:-1])
        return ids

    def text_to_tokens(self, text: str) -> list[str]:
        """Split ``text`` into SentencePiece pieces (special tokens whole in legacy mode)."""
        if not isinstance(text, str):
            raise ValueError(
                f"SentencePieceTokenizer.text_to_tokens expects a str, got {type(text).__name__}"
            )
        if self._keeps_extra_spaces:
            text = _EXTRA_SPACE_PATTERN.sub(_EXTRA_SPACE_REPLACEMENT, text)
        if self.legacy:
            tokens, rest = self._split_around_special_tokens(
                text, self.tokenizer.encode_as_pieces, self.spm_separator, str
            )
            tokens.extend(self.tokenizer.encode_as_pieces(rest))
        else:
            tokens = self.tokenizer.encode_as_pieces(text)
        if self._keeps_extra_spaces:
            tokens = [token for token in tokens if token != EXTRA_SPACE_TOKEN]
        return tokens

    # ------------------------------------------------------------------ decoding

    def _decode_model_ids(self, ids: list[int]) -> str:
        try:
            return cast(str, self.tokenizer.decode_ids(ids))
        except IndexError:
            raise ValueError(self._out_of_range_message(ids)) from None

    def _out_of_range_message(self, ids: Iterable[int]) -> str:
        bad = [i for i in ids if not 0 <= i < self.vocab_size]
        return (
            f"ids {bad[:5]} are outside this tokenizer's vocabulary (0..{self.vocab_size - 1}); "
            "decode ids produced by this tokenizer (same model file and special tokens)."
        )

    def ids_to_text(self, ids: Sequence[int]) -> str:
        """Decode ids (list, numpy array or torch tensor); legacy special tokens stand alone."""
        ids = as_list(ids)
        if self.legacy:
            return self._decode_with_special_tokens(ids)[0]
        return self._decode_model_ids(ids)

    def _decode_with_special_tokens(self, ids: list[int]) -> tuple[str, list[int]]:
        """Legacy decode (each special token surrounded by spaces, the whole text stripped) and
        the start of each id's text in it."""
        parts: list[str] = []
        starts: list[int] = []
        length = 0
        run_start = 0

        def add_model_run(run: list[int]) -> None:
            nonlocal length
            if run:
                text, run_starts = self._decode_with_starts(run)
                starts.extend(length + start for start in run_starts)
                parts.append(text)
                length += len(text)

        for index, token_id in enumerate(ids):
            special = self.id_to_special_token.get(token_id)
            if special is not None:
                add_model_run(ids[run_start:index])
                parts.append(" ")
                starts.append(length + 1)
                parts.append(special + " ")
                length += len(special) + 2
                run_start = index + 1
        add_model_run(ids[run_start:])
        text = "".join(parts)
        stripped = text.strip()
        removed = len(text) - len(text.lstrip())
        return stripped, [min(max(start - removed, 0), len(stripped)) for start in starts]

    def _decode_with_starts(self, ids: list[int]) -> tuple[str, list[int]]:
        """Model-only ids: decoded text and the character offset where each id's text starts."""
        try:
            mapping = self.tokenizer.decode(ids, return_type="offset_mapping")
        except TypeError:
            # sentencepiece < 0.2.3 has no offset mapping; its immutable proto has the same spans.
            proto = getattr(self.tokenizer, "decode_ids_as_immutable_proto")(ids)  # noqa: B009
            return proto.text, [piece.begin for piece in proto.pieces]
        except IndexError:
            raise ValueError(self._out_of_range_message(ids)) from None
        return mapping["text"], [begin for begin, _ in mapping["offsets"]]

    def offsets(self, ids: Sequence[int], text: str | None = None) -> list[int]:
        """Character offset in ``ids_to_text(ids)`` where each id's text starts.

        ``text`` is accepted for API compatibility; the offsets always index the decoded ids.
        """
        ids = as_list(ids)
        if self.legacy:
            return self._decode_with_special_tokens(ids)[1]
        return self._decode_with_starts(ids)[1]

    def tokens_to_text(self, tokens: Sequence[str]) -> str:
        """Join pieces back into text."""
        return cast(str, self.tokenizer.decode_pieces(as_list(tokens)))

    # ------------------------------------------------------------------ token <-> id

    def token_to_id(self, token: str) -> int:
        """Id of a piece (unknown pieces map to ``unk_id``), or of a legacy special token."""
        if self.legacy:
            special_id = self.special_token_to_id.get(token)
            if special_id is not None:
                return special_id
        return self.tokenizer.piece_to_id(token)

    def tokens_to_ids(
        self, tokens: str | Sequence[str], tokens_to_skip: Iterable[str] = ()
    ) -> list[int]:
        """Ids of ``tokens`` (a single string is one token), leaving out ``tokens_to_skip``."""
        if isinstance(tokens, str):
            tokens = [tokens]
        skip = set(tokens_to_skip)
        return [self.token_to_id(token) for token in tokens if token not in skip]

    def ids_to_tokens(self, ids: Sequence[int]) -> list[str]:
        """Pieces (or legacy special tokens) of ``ids``."""
        tokens = []
        for token_id in as_list(ids):
            if 0 <= token_id < self.original_vocab_size:
                tokens.append(self.tokenizer.id_to_piece(token_id))
            elif token_id in self.id_to_special_token:
                tokens.append(self.id_to_special_token[token_id])
            else:
                raise ValueError(self._out_of_range_message([token_id]))
        return tokens

    def add_special_tokens(self, special_tokens: list[str] | dict[str, str]) -> None:
        """Legacy mode: register special tokens (list, or dict of attribute name to token).

        A token the model already has keeps its id; any other gets the next id after the
        current vocabulary.
        """
        if not self.legacy:
            raise AttributeError(
                "add_special_tokens works only with legacy=True; a SentencePiece model's special "
                "tokens are fixed when it is trained. Construct the tokenizer with legacy=True."
            )
        named: list[tuple[str | None, str]]
        if isinstance(special_tokens, dict):
            named = list(special_tokens.items())
        elif isinstance(special_tokens, (list, tuple)):
            named = [(None, token) for token in special_tokens]
        else:
            raise ValueError(
                "special_tokens must be a list of tokens or a dict like {'bos_token': '<s>'}, "
                f"got {type(special_tokens).__name__}"
            )
        for name, token in named:
            if not isinstance(token, str) or not token:
                raise ValueError(f"special tokens must be non-empty strings, got {token!r}")
            if name is not None:
                if not isinstance(name, str) or hasattr(type(self), name):
                    raise ValueError(
                        f"special token name {name!r} would replace a tokenizer member; use "
                        "names like 'bos_token', 'pad_token' or 'sep_token'"
                    )
                setattr(self, name, token)
            self._register_special_token(token)
        self._select_encoder()

    def _register_special_token(self, token: str) -> None:
        unk_id = self.tokenizer.unk_id()
        model_id = self.tokenizer.piece_to_id(token)
        if model_id != unk_id:
            self.special_token_to_id[token] = model_id
            self.id_to_special_token[model_id] = token
        elif token not in self.special_token_to_id:
            # The model's own unknown piece lands here too and gets a new id, as in 0.16.1.
            self.special_token_to_id[token] = self.vocab_size
            self.id_to_special_token[self.vocab_size] = token
            self.vocab_size += 1

    # ------------------------------------------------------------------ special ids

    def _legacy_or_model_id(self, name: str) -> int:
        """Id of the legacy ``<name>_token`` if one is set, else the model's ``<name>`` id."""
        named = self._legacy_token_id(f"{name}_token")
        return getattr(self.tokenizer, f"{name}_id")() if named is None else named

    def _legacy_token_id(self, name: str) -> int | None:
        """Id of a legacy named special token (``bos_token``...), ``None`` when unnamed."""
        token = getattr(self, name, None) if self.legacy else None
        return None if token is None else self.token_to_id(token)

    @property
    def pad_id(self) -> int:
        """Padding id (-1 when the model has none)."""
        return self._legacy_or_model_id("pad")

    @property
    def bos_id(self) -> int:
        """Beginning-of-sentence id (-1 when the model has none)."""
        return self._legacy_or_model_id("bos")

    @property
    def eos_id(self) -> int:
        """End-of-sentence id (-1 when the model has none)."""
        return self._legacy_or_model_id("eos")

    @property
    def unk_id(self) -> int:
        """Unknown-piece id."""
        return self.tokenizer.unk_id()

    @property
    def sep_id(self) -> int | None:
        """SEP id: legacy ``sep_token``; ``None`` otherwise (SentencePiece models have none)."""
        return self._legacy_token_id("sep_token")

    @property
    def cls_id(self) -> int | None:
        """CLS id: legacy ``cls_token``; ``None`` otherwise."""
        return self._legacy_token_id("cls_token")

    @property
    def mask_id(self) -> int | None:
        """MASK id: legacy ``mask_token``; ``None`` otherwise."""
        return self._legacy_token_id("mask_token")

    @property
    def additional_special_tokens_ids(self) -> list[int]:
        """Ids of legacy special tokens other than the named bos/eos/pad/mask/cls/sep ones
        (e.g. T5 sentinels); empty outside legacy mode."""
        named = {getattr(self, name, None) for name in _NAMED_SPECIAL_TOKENS}
        return [
            token_id for token, token_id in self.special_token_to_id.items() if token not in named
        ]

    # ------------------------------------------------------------------ vocabulary

    @property
    def vocab(self) -> list[str]:
        """Every token, ordered by id: the model's pieces, then added special tokens."""
        pieces = self.tokenizer.id_to_piece(list(range(self.original_vocab_size)))
        added = [
            self.id_to_special_token[token_id]
            for token_id in range(self.original_vocab_size, self.vocab_size)
        ]
        return pieces + added

    @property
    def inv_vocab(self) -> dict[int, str]:
        """Id to token."""
        return dict(enumerate(self.vocab))
