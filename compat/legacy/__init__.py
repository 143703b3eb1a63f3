"""Deprecated aliases of the old tokenizer API, served at its old import paths.

Every legacy name is listed in :mod:`compat.deprecations`; this package only resolves them:

* modules upstream deleted (``megatron.core.tokenizers.text.models.gpt_tokenizer``, ...) are
  small modules under ``compat.legacy`` mirroring the old tree, served at the old paths by
  :mod:`compat.importhook`; each holds nothing but the module ``__getattr__`` made by
  :func:`legacy_module`;
* modules that still exist in the new API (``text.libraries``, ``megatron_tokenizer``,
  ``vision.libraries.multimodal_tokenizer``) call :func:`legacy_attribute` from their own module
  ``__getattr__`` for the names they lost.

Names are resolved lazily and warn on use (:func:`compat.warn.warn_deprecated`), attributed to
the user's line. Importing a deleted module warns once at the import statement; the names that
same statement imports do not warn a second time. The import hook gives megatron-core's own
legacy modules the same warnings (:func:`warn_module_imported`, :func:`warn_name_used`).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from functools import cache
from typing import Any

from compat.deprecations import (
    CHAT_TEMPLATE_MIXIN,
    COMPAT_ROOT,
    G1_BUILD_TOKENIZER_MODULE,
    LEGACY_MODULES,
    MEGATRON_ROOT,
    MODEL_WRAPPER,
    REMOVED_CONSTANT,
    SFT_TOKENIZER,
    VISION_WRAPPER,
    LegacyName,
    RuleCode,
    compat_path,
    legacy_names_in,
)
from compat.warn import requested_module, warn_deprecated

LEGACY_PACKAGE = __name__

# Where the objects behind each rule family live (private modules of this package).
_PROVIDERS: dict[str, str] = {
    MODEL_WRAPPER.code: f"{__name__}._text_wrappers",
    VISION_WRAPPER.code: f"{__name__}._vision_wrappers",
    SFT_TOKENIZER.code: f"{__name__}._sft",
    CHAT_TEMPLATE_MIXIN.code: f"{__name__}._chat_template",
}
# Legacy modules whose names keep their old behaviour (their rule family is shared with plain
# renames, so the rule alone cannot pick them).
_MODULE_PROVIDERS: dict[str, str] = {G1_BUILD_TOKENIZER_MODULE: f"{__name__}._build_tokenizer"}


def megatron_path(module_name: str) -> str:
    """The upstream path of one of our modules: ``compat.legacy.x`` and ``compat.tokenizers.x``
    both stand for ``megatron.core.tokenizers.x``; upstream paths are returned unchanged."""
    for root in (LEGACY_PACKAGE, COMPAT_ROOT):
        if module_name == root or module_name.startswith(root + "."):
            return MEGATRON_ROOT + module_name[len(root) :]
    return module_name


@cache
def _names_in(legacy_module: str) -> dict[str, LegacyName]:
    return legacy_names_in(legacy_module)


def _legacy_ancestors(legacy_module: str) -> tuple[str, ...]:
    """``legacy_module`` and every enclosing package that is itself a deleted module."""
    parts = legacy_module.split(".")
    candidates = (".".join(parts[:end]) for end in range(len(parts), 0, -1))
    return tuple(name for name in candidates if name in LEGACY_MODULES)


def _removed_error(entry: LegacyName) -> AttributeError:
    return AttributeError(
        f"{entry.legacy_qualname} was removed from the tokenizer API ({entry.note}); "
        f"run `python -m codemods.migrate --select {entry.rule.code}` to find its uses"
    )


def resolve(entry: LegacyName) -> Any:
    """The object a legacy name stands for now (no warning)."""
    provider = _MODULE_PROVIDERS.get(entry.legacy_module) or _PROVIDERS.get(entry.rule.code)
    if provider is not None:
        return getattr(importlib.import_module(provider), entry.legacy_name)
    if entry.new_module is None or entry.new_name is None:
        raise _removed_error(entry)
    new_module = importlib.import_module(compat_path(entry.new_module))
    if entry.rule is REMOVED_CONSTANT:
        # The one list of every library string became a text list and a vision list; a fresh
        # list each time, so old code that appends to it cannot change the new constants.
        return [*new_module.TEXT_LIBRARIES, *new_module.VISION_LIBRARIES]
    return getattr(new_module, entry.new_name)


def _warn(entry: LegacyName) -> None:
    # A name imported by ``from old.module import Name`` is covered by the module's own warning.
    warn_deprecated(
        entry.rule,
        entry.legacy_qualname,
        entry.note or entry.replacement,
        covered_by=_legacy_ancestors(entry.legacy_module),
        # (only megatron-core still defines the names nothing replaces: ours raise instead)
        advice=entry.note if entry.new_name is None else None,
    )


def legacy_attribute(module_name: str, name: str) -> Any:
    """``module_name.name`` for a name the module lost: the replacement object, with a
    deprecation warning at the user's line; ``AttributeError`` for anything else (with a hint
    when ``name`` was removed outright)."""
    entry = _names_in(megatron_path(module_name)).get(name)
    if entry is None:
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
    value = resolve(entry)
    _warn(entry)
    return value


def warn_name_used(module_name: str, name: str) -> None:
    """Warn that the legacy name ``module_name.name`` was used where megatron-core still defines
    it (the value stays megatron-core's); nothing for a name that is not a legacy one there."""
    entry = _names_in(module_name).get(name)
    if entry is not None:
        _warn(entry)


def _module_warning(legacy_module: str) -> tuple[RuleCode, str] | None:
    """The rule and replacement to name when the deleted module itself is imported; ``None``
    when its names belong to different rules (each name then warns on its own, with its rule)."""
    entries = [
        entry
        for module in sorted(LEGACY_MODULES)
        if module == legacy_module or module.startswith(legacy_module + ".")
        for entry in _names_in(module).values()
    ]
    rules = {entry.rule for entry in entries}
    if len(rules) != 1:
        return None
    replacements = list(dict.fromkeys(entry.note or entry.replacement for entry in entries))
    return rules.pop(), " / ".join(replacements)


def legacy_module(
    module_name: str,
) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """Warn that the deleted module ``module_name`` stands for was imported, and return its
    module-level ``__getattr__``, ``__dir__`` and ``__all__``.

    Called once, when the module is executed: a plain ``import`` of an already imported legacy
    module does not warn again (the names it serves still warn where they are used). A module
    whose names belong to different rules (``sft_tokenizer``) leaves the warning to its names,
    so each names its own replacement and codemod rule.
    """
    legacy = megatron_path(module_name)
    warn_module_imported(legacy)
    names = sorted(_names_in(legacy))

    def __getattr__(name: str) -> Any:
        return legacy_attribute(module_name, name)

    def __dir__() -> list[str]:
        return names

    return __getattr__, __dir__, list(names)


def warn_module_imported(legacy: str) -> None:
    """Warn, at the import statement, that the deleted module ``legacy`` (its upstream path) was
    imported. ``import old.package.module`` names the module asked for, not the package imported
    on the way: now, if importing the package already loaded that module (megatron-core's
    ``text.models`` imports its five submodules), else when the module itself runs."""
    requested = megatron_path(requested_module() or "")
    if requested.startswith(legacy + ".") and requested in LEGACY_MODULES:
        if requested not in sys.modules:
            return
        legacy = requested
    warning = _module_warning(legacy)
    if warning is not None:
        rule, replacement = warning
        warn_deprecated(rule, legacy, replacement, covered_by=_legacy_ancestors(legacy)[1:])
