"""G3 text tokenizers: the ``MegatronTokenizerText`` facade and its libraries."""

from compat.tokenizers.text.text_tokenizer import MegatronTokenizerText

__all__ = ["MegatronTokenizerText"]
