"""The vision (multimodal) tokenizer facade."""

from compat.tokenizers.vision.vision_tokenizer import MegatronTokenizerVision

__all__ = ["MegatronTokenizerVision"]
