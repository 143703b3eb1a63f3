"""megatron-tokenizer-compat: Megatron's new tokenizer API, working, and a way onto it."""

from compat.warn import MegatronTokenizerDeprecationWarning

__all__ = ["MegatronTokenizerDeprecationWarning"]
__version__ = "0.1.0"
