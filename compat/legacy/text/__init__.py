"""Holds the deleted modules below ``megatron.core.tokenizers.text`` (that package itself still exists)."""
