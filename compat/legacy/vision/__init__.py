"""Holds the deleted modules below ``megatron.core.tokenizers.vision`` (that package itself still exists)."""
