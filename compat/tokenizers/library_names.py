"""The library strings of the new API, the classes they name, and the older spellings.

A leaf module (it imports only :mod:`compat.deprecations`): ``MegatronTokenizer`` and both
facades read these tables, so none of them has to import another for them.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from compat import deprecations

TEXT_LIBRARIES = ["sentencepiece", "huggingface", "megatron", "tiktoken", "byte-level", "null-text"]
VISION_LIBRARIES = ["multimodal", "null-multimodal"]

# library string → class name in compat.tokenizers.<kind>.libraries
TEXT_LIBRARY_CLASSES = OrderedDict(
    [
        ("sentencepiece", "SentencePieceTokenizer"),
        ("huggingface", "HuggingFaceTokenizer"),
        ("megatron", "MegatronHFTokenizer"),
        ("tiktoken", "TikTokenTokenizer"),
        ("byte-level", "ByteLevelTokenizer"),
        ("null-text", "NullTokenizer"),
    ]
)
VISION_LIBRARY_CLASSES = OrderedDict(
    [
        ("multimodal", "MegatronMultimodalTokenizer"),
        ("null-multimodal", "MegatronNullMultimodalTokenizer"),
    ]
)

# Libraries that need no tokenizer file.
PATHLESS_LIBRARIES = frozenset({"byte-level", "null-text", "null-multimodal"})


def known_libraries() -> list[str]:
    return TEXT_LIBRARIES + VISION_LIBRARIES


def require_known_library(library: Any) -> None:
    if library not in TEXT_LIBRARIES and library not in VISION_LIBRARIES:
        raise ValueError(
            f"unknown tokenizer library {library!r}; known libraries: {known_libraries()}."
        )


def replacement_text(rename: deprecations.LibraryRename) -> str:
    """What a deprecation of an old library string tells the user to write instead."""
    text = f"library {rename.new!r}"
    if is_g1_null(rename.legacy):
        text += (
            " with vocab_size N + 1 to keep its sizes (G1's null tokenizer had N + 1 ids and "
            "eod N; null-text has N ids and eod N - 1)"
        )
    return text


def current_library(library: str, stacklevel: int) -> str:
    """The new spelling of a library string, warning when an old one was given.

    ``stacklevel``: how many frames above this function the warning is attributed to.
    """
    rename = deprecations.LEGACY_LIBRARIES.get(library) if isinstance(library, str) else None
    if rename is None:
        return library
    from compat.warn import warn_deprecated

    warn_deprecated(rename.rule, f"library {library!r}", replacement_text(rename), stacklevel + 1)
    return rename.new


def g1_null_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The ``null-text`` arguments that give what G1's ``null`` library gave for ``kwargs``.

    megatron-core <= 0.17 built ``NullTokenizer(N)`` with ``vocab_size`` N + 1 and ``eod`` N;
    upstream #4057 (0.18) made them N and N - 1. Metadata and configs that still say G1's
    ``"null"`` were written against the old sizes, so they keep them: ``vocab_size`` N + 1 and
    (unless given) ``eod_id`` N.
    """
    vocab_size = kwargs.get("vocab_size")
    if vocab_size is None or isinstance(vocab_size, bool):
        return kwargs  # the null tokenizer reports the missing size
    try:
        size = int(vocab_size)
    except (TypeError, ValueError):
        return kwargs
    return {**kwargs, "vocab_size": size + 1, "eod_id": kwargs.get("eod_id", size)}


def is_g1_null(library: Any) -> bool:
    return isinstance(library, str) and library == deprecations.G1_NULL_LIBRARY
