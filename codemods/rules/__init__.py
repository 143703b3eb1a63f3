"""The rule registry: one module per rule, found with ``pkgutil`` (django-upgrade's layout).

Each module of this package defines ``rule = Rule(...)``: the rule's identity (code, name and
title, shared with the runtime warnings in :mod:`compat.deprecations`), what it rewrites and why,
what it cannot rewrite and what to do then, before/after examples (run by the tests, shown by
``--explain`` and the generated rule pages), the needles that prefilter files for it, and its
handlers. A Python handler is registered per libcst node type with ``@rule.leave("Call")`` (by
name, so that reading the registry never imports libcst); a text handler per file kind with
``@rule.text("metadata")``. The command-line rules (MTC201-MTC204) have no handlers of their own:
one translator (:func:`compat.args.translate_argv`) carries them out in every kind that holds
command lines, and their modules hold what the docs show.

Selection happens once: :func:`select` turns ``--select``/``--ignore`` into the set of enabled
codes, and the engines build their dispatch tables from the enabled rules only.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

from compat.deprecations import LEGACY_MODULES, LEGACY_NAMES, RULES, RuleCode

if TYPE_CHECKING:
    from codemods.core import Options
    from codemods.python.probe import RegionFacts

# A substring a file must contain for the rule to find anything in it, or several that must all
# appear (``("apply_chat_template", "megatron")``).
Needle = str | tuple[str, ...]
Handler = Callable[..., Any]
# (the facts of a stretch of Python, the file's options) -> whether the rule may fire there
Probe = Callable[["RegionFacts", "Options"], bool]
ContextProbe = Callable[["RegionFacts", Mapping[str, str]], bool]


@dataclass(frozen=True)
class Example:
    before: str
    after: str | None  # None: reported, not rewritten
    kind: str = "python"


@dataclass(eq=False)
class Handlers:
    """Code registered per libcst node type (by class name, so that reading the registry never
    imports libcst) or per text file kind."""

    # libcst node type name -> handlers, called when the engine leaves such a node
    leave_handlers: dict[str, list[Handler]] = field(default_factory=lambda: defaultdict(list))
    # libcst node type name -> handlers, called over the original tree before the rewrite
    prescan_handlers: dict[str, list[Handler]] = field(default_factory=lambda: defaultdict(list))
    # file kind -> handler
    text_handlers: dict[str, Handler] = field(default_factory=dict)

    def leave(self, *node_types: str) -> Callable[[Handler], Handler]:
        """Register a handler for leaving libcst nodes of these types."""

        def register(handler: Handler) -> Handler:
            for node_type in node_types:
                self.leave_handlers[node_type].append(handler)
            return handler

        return register

    def prescan(self, *node_types: str) -> Callable[[Handler], Handler]:
        """Register a handler that sees the original tree before anything is rewritten."""

        def register(handler: Handler) -> Handler:
            for node_type in node_types:
                self.prescan_handlers[node_type].append(handler)
            return handler

        return register

    def text(self, kind: str) -> Callable[[Handler], Handler]:
        """Register the handler of a text file kind."""

        def register(handler: Handler) -> Handler:
            if kind in self.text_handlers:
                raise ValueError(f"two handlers for {kind} files in {self}")
            self.text_handlers[kind] = handler
            return handler

        return register


@dataclass(eq=False)
class Rule(Handlers):
    """One rule: what it is, what it does, how to find its sites, and the code that does it.

    Handlers registered on a rule run only while it is enabled, and not on a site whose lines
    suppress it; they record findings under the rule's code.
    """

    id: RuleCode = field(kw_only=True)
    summary: str = field(kw_only=True)  # what it rewrites, one sentence
    rationale: str = field(kw_only=True)  # why the old form must go
    manual: str = field(kw_only=True)  # what it cannot rewrite, and what to do then
    examples: tuple[Example, ...] = field(kw_only=True)
    needles: tuple[Needle, ...] = field(kw_only=True)
    family: str = field(kw_only=True)
    # the fixer that carries the rule out from a table, when it has no handlers of its own
    carried_out_by: str = field(default="", kw_only=True)
    # a necessary condition for a site in Python, sharper than the needles (``@rule.probe``)
    python_probe: Probe | None = field(default=None, kw_only=True)
    # for a rule whose handlers read nothing around a site but the statements this accepts
    # (given the file's imported names): its sites' functions are read statement by statement
    python_context: ContextProbe | None = field(default=None, kw_only=True)

    def probe(self, function: Probe) -> Probe:
        """Register the rule's Python probe (see :mod:`codemods.python.probe`)."""
        self.python_probe = function
        return function

    @property
    def code(self) -> str:
        return self.id.code

    @property
    def name(self) -> str:
        return self.id.name

    @property
    def title(self) -> str:
        return self.id.title

    @property
    def kinds(self) -> tuple[str, ...]:
        """The file kinds whose examples show this rule at work."""
        return tuple(dict.fromkeys(example.kind for example in self.examples))

    def found_in(self, text: str) -> bool:
        """Whether ``text`` holds one of the rule's needles (else the rule finds nothing)."""
        return any(
            needle in text if isinstance(needle, str) else all(part in text for part in needle)
            for needle in self.needles
        )

    def __str__(self) -> str:
        return f"{self.code} ({self.name})"


@dataclass(eq=False)
class Fixer(Handlers):
    """Handlers that carry out several rules from one table (Fixit's deprecated-alias shape):
    they run while any of ``codes`` is enabled and check each site's own code."""

    name: str = field(kw_only=True)
    codes: frozenset[str] = field(kw_only=True)

    def __str__(self) -> str:
        return f"the {self.name} fixer"


def legacy_name_needles(rule_id: RuleCode) -> tuple[str, ...]:
    """The legacy names of a rule, and the deleted modules they lived in (a ``from <module>
    import *`` names no name)."""
    entries = [entry for entry in LEGACY_NAMES if entry.rule is rule_id]
    modules = {entry.legacy_module for entry in entries} & LEGACY_MODULES
    return tuple(sorted({entry.legacy_name for entry in entries} | modules))


@cache
def all_rules() -> tuple[Rule, ...]:
    """Every rule module's ``rule``, ordered by code; each code of ``RULES`` exactly once."""
    found: dict[str, Rule] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        rule = getattr(module, "rule", None)
        if not isinstance(rule, Rule):
            raise TypeError(f"{module.__name__} defines no `rule = Rule(...)`")
        if rule.code in found:
            raise ValueError(f"{module.__name__} and another module both define {rule.code}")
        if module_info.name != rule.name.replace("-", "_"):
            raise ValueError(f"{module.__name__} defines {rule.name}: name the module after it")
        found[rule.code] = rule
    missing = set(RULES) - set(found)
    if missing:
        raise ValueError(f"no rule module for {', '.join(sorted(missing))}")
    return tuple(found[code] for code in sorted(found))


@cache
def prefilter(codes: frozenset[str]) -> Callable[[bytes], bool]:
    """Whether a file's bytes hold a needle of an enabled rule (the cheap first decision)."""
    needles = [
        (needle,) if isinstance(needle, str) else needle
        for rule in enabled_rules(codes)
        for needle in rule.needles
    ]
    encoded = [tuple(part.encode() for part in needle) for needle in dict.fromkeys(needles)]
    return lambda data: any(all(part in data for part in needle) for needle in encoded)


def rule_for(code: str) -> Rule:
    for rule in all_rules():
        if rule.code == code:
            return rule
    raise KeyError(code)


def enabled_rules(codes: frozenset[str]) -> tuple[Rule, ...]:
    return tuple(rule for rule in all_rules() if rule.code in codes)


class UnknownRule(ValueError):
    """A ``--select``/``--ignore`` value that names no rule."""


def resolve(values: Iterable[str]) -> frozenset[str]:
    """Rule codes for comma-separated codes or names (``MTC201``, ``tokenizer-type-flag``)."""
    by_name = {rule.name: code for code, rule in RULES.items()}
    codes: set[str] = set()
    for value in values:
        for item in filter(None, (part.strip() for part in value.split(","))):
            code = by_name.get(item, item.upper())
            if code not in RULES:
                raise UnknownRule(
                    f"unknown rule code {item!r}; known codes: {', '.join(sorted(RULES))} "
                    "(see --list-rules)"
                )
            codes.add(code)
    return frozenset(codes)


def select(selected: frozenset[str], ignored: frozenset[str]) -> frozenset[str]:
    """The enabled codes: ``selected`` (every rule when empty) minus ``ignored``."""
    return frozenset(selected or RULES) - ignored
