"""Decide cheaply whether a Python file needs the libcst pass, and run it on what matters.

A file is read with :mod:`ast` only if it holds a needle of an enabled rule; its top-level
statements are then judged by the rules' probes (or needles): the definitions none accepts are
left out of the libcst pass (:mod:`codemods.python.elide`), and a file whose statements none
accepts is not parsed by libcst at all (libcst is imported only then).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from functools import cache

from codemods.core import Options, RewriteResult
from codemods.python.elide import elide
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


def _region_filter(options: Options) -> Callable[[ast.stmt, str], bool]:
    """Whether a statement may hold a site: its text holds a needle of an enabled rule and, for
    a rule with a probe, the probe accepts it (a site is spelled with its rule's needles, so
    the cheap test comes first and most statements never have their facts read)."""
    rules = _rules(options.codes)
    probed = [rule for rule in rules if rule.python_probe is not None]
    probes = [rule.python_probe for rule in probed if rule.python_probe is not None]
    unprobed_needles = _first_parts([rule for rule in rules if rule.python_probe is None])
    probed_needles = _first_parts(probed)

    def relevant(node: ast.stmt, chunk: str) -> bool:
        if any(needle in chunk for needle in unprobed_needles):
            return True
        if not any(needle in chunk for needle in probed_needles):
            return False
        facts = RegionFacts.of(node)
        return any(probe(facts, options) for probe in probes)

    return relevant


def rewrite_source(
    text: str, path: str, options: Options, use_probes: bool = True
) -> RewriteResult:
    """The rewritten file. ``use_probes=False`` is the plain path, the whole file through
    libcst once a needle is found: the tests compare both paths on every fixture."""
    if not needs_parsing(text, options):
        return RewriteResult(text)
    from codemods.python.engine import rewrite_module

    if not use_probes:
        new_text, findings = rewrite_module(text, text, path, options)
        return RewriteResult(new_text, sorted_findings(findings))
    elided = elide(text, _region_filter(options), (MEGATRON_ROOT, COMPAT_ROOT))
    if not elided.relevant:
        return RewriteResult(text)
    new_text, findings = rewrite_module(elided.text, text, path, options)
    restored = elided.restore(new_text)
    if restored is None:  # a rewrite moved a placeholder away: do the whole file instead
        new_text, findings = rewrite_module(text, text, path, options)
        return RewriteResult(new_text, sorted_findings(findings))
    return RewriteResult(restored, sorted_findings(elided.map_findings(findings)))
