"""Decide cheaply whether a Python file needs the libcst pass, and run it on what matters.

A file is read with :mod:`ast` only if it holds a needle of an enabled rule; its top-level
statements are then judged by the rules' probes (or needles): the definitions none accepts are
left out of the libcst pass (:mod:`codemods.python.elide`), and a file whose statements none
accepts is not parsed by libcst at all (libcst is imported only then).
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from functools import cache

from codemods.core import Options, RewriteResult
from codemods.python.elide import elide
from codemods.python.names import names_imported_by
from codemods.python.probe import RegionFacts
from codemods.rules import Rule, enabled_rules
from codemods.text.document import sorted_findings
from compat.deprecations import COMPAT_ROOT, MEGATRON_ROOT


@cache
def _rules(codes: frozenset[str]) -> tuple[Rule, ...]:
    return enabled_rules(codes)


def needs_parsing(text: str, options: Options) -> bool:
    return any(rule.found_in(text) for rule in _rules(options.codes))


def _first_parts(rules: Iterable[Rule]) -> tuple[str, ...]:
    """The needles of ``rules``; of a needle of several parts, its first (the others, imports,
    sit at the top of the file)."""
    return tuple(
        {
            needle if isinstance(needle, str) else needle[0]
            for rule in rules
            for needle in rule.needles
        }
    )


class RuleRegions:
    """The enabled rules' view of one file's statements (an elide ``RegionFilter``): a
    statement may hold a site when its text holds a needle of an enabled rule and, for a rule
    with a probe, the probe accepts it (a site is spelled with its rule's needles, so the cheap
    test comes first and most statements never have their facts read)."""

    def __init__(self, options: Options, imported: Mapping[str, str]) -> None:
        rules = _rules(options.codes)
        self._options = options
        self._imported = imported
        self._probed = [rule for rule in rules if rule.python_probe is not None]
        self._unprobed_needles = _first_parts(rule for rule in rules if rule.python_probe is None)
        self._probed_needles = _first_parts(self._probed)
        self._contexts = [
            rule.python_context for rule in self._probed if rule.python_context is not None
        ]
        self._facts: dict[int, RegionFacts] = {}

    def _facts_of(self, node: ast.stmt) -> RegionFacts:
        facts = self._facts.get(id(node))
        if facts is None:
            facts = self._facts[id(node)] = RegionFacts.of(node)
        return facts

    def _accepting(self, node: ast.stmt, chunk: str) -> list[Rule] | None:
        """The probed rules that may have a site in ``node``; None when an unprobed one may."""
        if any(needle in chunk for needle in self._unprobed_needles):
            return None
        if not any(needle in chunk for needle in self._probed_needles):
            return []
        facts = self._facts_of(node)
        return [
            rule
            for rule in self._probed
            if rule.python_probe is not None and rule.python_probe(facts, self._options)
        ]

    def relevant(self, node: ast.stmt, chunk: str) -> bool:
        return self._accepting(node, chunk) != []

    def by_statement(self, node: ast.stmt, chunk: str) -> bool:
        accepting = self._accepting(node, chunk)
        return bool(accepting) and all(rule.python_context is not None for rule in accepting or ())

    def context(self, node: ast.stmt, chunk: str) -> bool:
        if not self._contexts:
            return False
        facts = self._facts_of(node)
        return any(context(facts, self._imported) for context in self._contexts)


def _parsed(text: str) -> ast.Module | None:
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def rewrite_source(
    text: str, path: str, options: Options, use_probes: bool = True
) -> RewriteResult:
    """The rewritten file. ``use_probes=False`` is the plain path, the whole file through
    libcst once a needle is found: the tests compare both paths on every fixture."""
    if not needs_parsing(text, options):
        return RewriteResult(text)
    from codemods.python.engine import rewrite_module

    tree = _parsed(text) if use_probes else None
    if tree is None:  # the plain path (libcst reports a syntax error with its position)
        new_text, findings = rewrite_module(text, text, path, options)
        return RewriteResult(new_text, sorted_findings(findings))
    imported = names_imported_by(tree)
    regions = RuleRegions(options, imported)
    elided = elide(text, tree, regions, (MEGATRON_ROOT, COMPAT_ROOT))
    if not elided.relevant:
        return RewriteResult(text)
    new_text, findings = rewrite_module(elided.text, text, path, options, imported)
    restored = elided.restore(new_text)
    if restored is None:  # a rewrite moved a placeholder away: do the whole file instead
        new_text, findings = rewrite_module(text, text, path, options, imported)
        return RewriteResult(new_text, sorted_findings(findings))
    return RewriteResult(restored, sorted_findings(elided.map_findings(findings)))
