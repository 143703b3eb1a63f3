"""``megatron.core.tokenizers.vision.models``, deleted upstream.

Deprecated aliases only (see ``compat.legacy``).
"""

from compat.legacy import legacy_module

__getattr__, __dir__, __all__ = legacy_module(__name__)
