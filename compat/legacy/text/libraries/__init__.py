"""Holds the deleted modules below ``megatron.core.tokenizers.text.libraries`` (that package itself still exists)."""
