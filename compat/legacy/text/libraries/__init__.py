"""Holds the deleted modules below ``megatron.core.tokenizers.text.libraries``.

That package itself still exists upstream.
"""
