"""Text tokenizer libraries of the G3 facade.

Classes load on first access, so importing this package pulls in neither transformers,
sentencepiece nor tiktoken.
"""

from __future__ import annotations

import importlib
from typing import Any

_LIBRARY_MODULES = {
    "MegatronTokenizerTextAbstract": "abstract_tokenizer",
    "ByteLevelTokenizer": "bytelevel_tokenizer",
    "HuggingFaceTokenizer": "huggingface_tokenizer",
    "MegatronHFTokenizer": "megatron_hf_tokenizer",
    "NullTokenizer": "null_tokenizer",
    "SentencePieceTokenizer": "sentencepiece_tokenizer",
    "TikTokenTokenizer": "tiktoken_tokenizer",
}

__all__ = [
    "ByteLevelTokenizer",
    "HuggingFaceTokenizer",
    "MegatronHFTokenizer",
    "NullTokenizer",
    "SentencePieceTokenizer",
    "TikTokenTokenizer",
]


def __getattr__(name: str) -> Any:
    module_name = _LIBRARY_MODULES.get(name)
    if module_name is None:
        # Names upstream removed from this module (e.g. SFTTokenizer) are served, with a
        # deprecation warning, by compat.legacy; it raises AttributeError for anything else.
        from compat.legacy import legacy_attribute

        return legacy_attribute(__name__, name)
    value = getattr(importlib.import_module(f"{__name__}.{module_name}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LIBRARY_MODULES))
