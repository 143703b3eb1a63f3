"""Holds the deleted modules below ``megatron.core.tokenizers.vision``.

That package itself still exists upstream.
"""
