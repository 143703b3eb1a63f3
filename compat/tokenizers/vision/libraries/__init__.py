"""The vision tokenizer libraries (``multimodal``, ``null-multimodal``)."""

from compat.tokenizers.vision.libraries.multimodal_tokenizer import MegatronMultimodalTokenizer
from compat.tokenizers.vision.libraries.null_multimodal_tokenizer import (
    MegatronNullMultimodalTokenizer,
)

__all__ = ["MegatronMultimodalTokenizer", "MegatronNullMultimodalTokenizer"]
