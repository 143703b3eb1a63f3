"""Holds the deleted modules below ``megatron.core.tokenizers.text``.

That package itself still exists upstream.
"""
