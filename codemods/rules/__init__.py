"""The rule registry: one module per rule family, found with ``pkgutil``.

Each family module defines ``FAMILY = Family(...)`` listing its rules (codes, names and titles come
from :data:`compat.deprecations.RULES`) with before/after examples; ``--list-rules`` prints this
registry, the tests check ``docs/migrate.md`` against it and run every example.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import lru_cache

from compat.deprecations import RULES, Rule


@dataclass(frozen=True)
class Example:
    before: str
    after: str | None  # None: reported, not rewritten
    kind: str = "python"


@dataclass(frozen=True)
class Family:
    """Rules that one rewriter module handles together."""

    name: str
    rules: tuple[Rule, ...]
    summary: str
    examples: tuple[Example, ...] = field(default=())


@lru_cache(maxsize=1)
def families() -> tuple[Family, ...]:
    found: list[Family] = []
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        family = getattr(module, "FAMILY", None)
        if isinstance(family, Family):
            found.append(family)
    return tuple(sorted(found, key=lambda family: min(rule.code for rule in family.rules)))


def all_codes() -> tuple[str, ...]:
    return tuple(sorted(RULES))


def unknown_codes(codes: set[str]) -> set[str]:
    return {code for code in codes if code not in RULES}
