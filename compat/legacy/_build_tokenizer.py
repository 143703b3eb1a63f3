"""G1's ``build_tokenizer(args)`` (``megatron.core.tokenizers.text.utils.build_tokenizer``).

Built on the new builder (:func:`compat.tokenizers.utils.build_tokenizer.build_tokenizer`, which
translates ``tokenizer_type``), keeping what G1 did differently (reference §7.1):

* the signature is ``(args)``: G1 took no keyword overrides;
* ``args`` is left alone: G1 did not set ``args.padded_vocab_size`` (G2+ does);
* the Hugging Face switches default to G1's parser defaults (``use_fast`` and
  ``include_special_tokens`` off) when the Namespace has neither the G1 nor the G2 spelling;
* the null tokenizer ignores ``tokenizer_metadata``, as G1's early return did.
"""

from __future__ import annotations

import argparse
from typing import Any

from typing_extensions import deprecated

from compat.deprecations import (
    G1_BUILD_TOKENIZER_MODULE,
    LEGACY_NAMES,
    TOKENIZER_TYPES,
    message_for,
)

_ENTRY = next(n for n in LEGACY_NAMES if n.legacy_module == G1_BUILD_TOKENIZER_MODULE)
# (G1 attribute, G2+ attribute): G1 parsers define the first, default False.
_G1_HF_SWITCHES = (
    ("tokenizer_hf_use_fast", "tokenizer_hf_no_use_fast"),
    ("tokenizer_hf_include_special_tokens", "tokenizer_hf_no_include_special_tokens"),
)
_NULL_TEXT_TYPES = frozenset(
    name for name, row in TOKENIZER_TYPES.items() if row.library == "null" and row.mode == "text"
)


def _g1_namespace(args: argparse.Namespace) -> argparse.Namespace:
    g1_args = argparse.Namespace(**vars(args))
    for g1_switch, new_switch in _G1_HF_SWITCHES:
        if not hasattr(g1_args, g1_switch) and not hasattr(g1_args, new_switch):
            setattr(g1_args, g1_switch, False)
    if getattr(g1_args, "tokenizer_type", None) in _NULL_TEXT_TYPES:
        g1_args.tokenizer_metadata = None
    # A value, so the new builder does not compute one; the caller's args never see it.
    if getattr(g1_args, "padded_vocab_size", None) is None:
        g1_args.padded_vocab_size = 0
    return g1_args


@deprecated(message_for(_ENTRY.rule, _ENTRY.legacy_qualname, _ENTRY.replacement), category=None)
def build_tokenizer(args: argparse.Namespace) -> Any:
    """Build the tokenizer G1's flags in ``args`` describe (see the module docstring)."""
    from compat.tokenizers.utils.build_tokenizer import build_tokenizer as build_new

    return build_new(_g1_namespace(args))


build_tokenizer.__module__ = _ENTRY.legacy_module
