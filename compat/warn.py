"""Deprecation warnings: once per call site, rank 0 only, escalated to errors in CI.

``MEGATRON_COMPAT_STRICT=1`` raises instead of warning; ``-W error::...`` works as usual.
"""

from __future__ import annotations

import os
import sys
import warnings

from compat.deprecations import Rule, message_for


class MegatronTokenizerDeprecationWarning(FutureWarning):
    """A legacy Megatron tokenizer API was used. A FutureWarning, so end users see it."""


class MegatronTokenizerDeprecationError(RuntimeError):
    """Raised instead of the warning when MEGATRON_COMPAT_STRICT=1."""


_seen: set[tuple[str, str, int]] = set()


def _is_rank_zero() -> bool:
    for variable in ("RANK", "LOCAL_RANK"):
        value = os.environ.get(variable, "0").strip() or "0"
        if value != "0":
            return False
    return True


def strict_mode() -> bool:
    return os.environ.get("MEGATRON_COMPAT_STRICT", "").strip().lower() in {"1", "true", "yes"}


def warn_deprecated(rule: Rule, legacy: str, replacement: str, stacklevel: int = 2) -> None:
    """Warn that ``legacy`` is deprecated, attributed to the frame ``stacklevel`` up.

    ``stacklevel`` counts like ``warnings.warn``'s: 2 is the caller of the function that calls
    this one.
    """
    message = message_for(rule, legacy, replacement)
    if strict_mode():
        raise MegatronTokenizerDeprecationError(
            message + " [MEGATRON_COMPAT_STRICT=1 turns this warning into an error]"
        )
    if not _is_rank_zero():
        return
    frame = sys._getframe(stacklevel)
    site = (legacy, frame.f_code.co_filename, frame.f_lineno)
    if site in _seen:
        return
    _seen.add(site)
    warnings.warn_explicit(
        message,
        MegatronTokenizerDeprecationWarning,
        filename=frame.f_code.co_filename,
        lineno=frame.f_lineno,
        module=frame.f_globals.get("__name__", "<unknown>"),
        registry=frame.f_globals.setdefault("__warningregistry__", {}),
        module_globals=frame.f_globals,
    )
