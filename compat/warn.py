"""Deprecation warnings: once per call site, rank 0 only, escalated to errors in CI.

* The category is :class:`MegatronTokenizerDeprecationWarning`, a ``FutureWarning`` so end users
  see it without ``-W`` flags (a ``DeprecationWarning`` raised inside an installed package is
  hidden by Python's default filters).
* Each warning is attributed to the user's line: ``stacklevel`` counts like ``warnings.warn``'s,
  and frames of the import machinery and of this package are skipped on top of it, so a warning
  raised while ``import x`` / ``from x import y`` runs lands on that statement.
* A (legacy name, file, line) site warns once per process; only rank 0 (``RANK`` and
  ``LOCAL_RANK`` unset or 0) warns, so a 1,000-GPU job prints one line, not a thousand.
* ``MEGATRON_COMPAT_STRICT=1`` raises :class:`MegatronTokenizerDeprecationError` instead, on every
  rank (the CI switch); ``-W error::compat.MegatronTokenizerDeprecationWarning`` works as usual.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable
from types import FrameType

from compat.deprecations import RuleCode, advice_for, message_for

STRICT_VARIABLE = "MEGATRON_COMPAT_STRICT"
_TRUE_VALUES = frozenset({"1", "true", "yes", "on"})


class MegatronTokenizerDeprecationWarning(FutureWarning):
    """A legacy Megatron tokenizer API was used. A FutureWarning, so end users see it."""


class MegatronTokenizerDeprecationError(RuntimeError):
    """Raised instead of the warning when MEGATRON_COMPAT_STRICT=1."""


# (legacy name, file, line) of every warning already shown
_seen: set[tuple[str, str, int]] = set()

# Frames skipped when looking for the user's line: the import system (frozen, and the
# ``importlib`` package whose ``import_module`` our import hook calls), this package, and the
# files registered with :func:`skip_frames_of` (the import hook's finder, in site-packages).
_COMPAT_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_IMPORTLIB_DIR = os.path.dirname(os.path.abspath(warnings.__file__)) + os.sep + "importlib" + os.sep
_internal_files: set[str] = set()


def skip_frames_of(filename: str) -> None:
    """Count frames of ``filename`` as import machinery: never the user's line."""
    _internal_files.add(filename)


def _is_internal(filename: str) -> bool:
    return (
        filename.startswith(("<frozen importlib", _COMPAT_DIR, _IMPORTLIB_DIR))
        or filename in _internal_files
    )


def _is_rank_zero() -> bool:
    for variable in ("RANK", "LOCAL_RANK"):
        value = os.environ.get(variable, "0").strip() or "0"
        if value != "0":
            return False
    return True


def strict_mode() -> bool:
    return os.environ.get(STRICT_VARIABLE, "").strip().lower() in _TRUE_VALUES


def user_frame(stacklevel: int = 2) -> FrameType | None:
    """The frame ``stacklevel`` above the caller's caller, moved further up past the import
    machinery and this package's own modules. ``None`` when the stack runs out (a warning at
    interpreter shutdown)."""
    frame: FrameType | None = sys._getframe(1)
    for _ in range(stacklevel):
        if frame is None:
            return None
        frame = frame.f_back
    while frame is not None and _is_internal(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


def requested_module(start: FrameType | None = None) -> str | None:
    """While an ``import`` statement runs: the module it asked for (``a.b.c`` while its parent
    ``a.b`` executes), read from the import system's frames between ``start`` (default: the
    caller) and the user's line. ``None`` outside an import."""
    requested = None
    frame: FrameType | None = start or sys._getframe(1)
    while frame is not None and _is_internal(frame.f_code.co_filename):
        if frame.f_code.co_name == "_find_and_load":
            requested = frame.f_locals.get("name", requested)
        frame = frame.f_back
    return requested


def _site(frame: FrameType | None) -> tuple[str, int]:
    if frame is None:
        return "sys", 1
    return frame.f_code.co_filename, frame.f_lineno


def warn_deprecated(
    rule: RuleCode,
    legacy: str,
    replacement: str,
    stacklevel: int = 2,
    *,
    covered_by: Iterable[str] = (),
    advice: str | None = None,
) -> None:
    """Warn that ``legacy`` is deprecated, attributed to the frame ``stacklevel`` up.

    ``stacklevel`` counts like ``warnings.warn``'s: 2 is the caller of the function that calls
    this one. Frames of the import system and of ``compat`` are skipped on top of it. With
    ``covered_by``, nothing is shown when a warning about one of those (broader) legacy names
    was already shown at the same site: ``from old.module import Name`` warns once, not twice.
    ``advice`` replaces "use <replacement>" for a name that nothing replaces.
    """
    if advice is None:
        message = message_for(rule, legacy, replacement)
    else:
        message = advice_for(rule, legacy, advice)
    if strict_mode():
        raise MegatronTokenizerDeprecationError(
            f"{message} [{STRICT_VARIABLE}=1 turns this warning into an error]"
        )
    if not _is_rank_zero():
        return
    frame = user_frame(stacklevel)
    filename, lineno = _site(frame)
    site = (legacy, filename, lineno)
    if site in _seen or any((broader, filename, lineno) in _seen for broader in covered_by):
        return
    if frame is None:
        warnings.warn(message, MegatronTokenizerDeprecationWarning, stacklevel=2)
    else:
        warnings.warn_explicit(
            message,
            MegatronTokenizerDeprecationWarning,
            filename=filename,
            lineno=lineno,
            module=frame.f_globals.get("__name__", "<unknown>"),
            registry=frame.f_globals.setdefault("__warningregistry__", {}),
            # No ``module_globals``: its loader would be asked for the source, and ``python -c``'s
            # ``__main__`` loader raises ImportError instead of answering (warnings.warn passes
            # none either; the line is read from the file).
        )
    # Recorded only once shown: under ``-W error`` the site keeps raising.
    _seen.add(site)
