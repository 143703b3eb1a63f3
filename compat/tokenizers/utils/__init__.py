"""Helpers around the tokenizer package; ``build_tokenizer`` turns command-line args into one."""

from compat.tokenizers.utils.build_tokenizer import build_tokenizer, vocab_size_with_padding

__all__ = ["build_tokenizer", "vocab_size_with_padding"]
