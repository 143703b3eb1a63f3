"""Decide cheaply whether a Python file needs the libcst pass, and run it on what matters.

A file is parsed only if it holds a needle of an enabled rule; its top-level definitions that
hold none are left out of the parse (:mod:`codemods.python.elide`); libcst is imported only then.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from codemods.core import Options, RewriteResult
from codemods.python.elide import elide
from codemods.rules import Rule, enabled_rules
from codemods.text.document import sorted_findings
from compat.deprecations import COMPAT_ROOT, MEGATRON_ROOT


@cache
def _rules(codes: frozenset[str]) -> tuple[Rule, ...]:
    return enabled_rules(codes)


def needs_parsing(text: str, options: Options) -> bool:
    return any(rule.found_in(text) for rule in _rules(options.codes))


def _chunk_filter(options: Options) -> Callable[[str], bool]:
    """Whether a top-level definition may hold a site: a needle of an enabled rule (for a
    needle of several parts, its first; the others, imports, sit at the top of the file)."""
    firsts = tuple({
        needle if isinstance(needle, str) else needle[0]
        for rule in _rules(options.codes) for needle in rule.needles
    })
    return lambda chunk: any(needle in chunk for needle in firsts)


def rewrite_source(text: str, path: str, options: Options) -> RewriteResult:
    if not needs_parsing(text, options):
        return RewriteResult(text)
    from codemods.python.engine import rewrite_module

    elided = elide(text, _chunk_filter(options), (MEGATRON_ROOT, COMPAT_ROOT))
    new_text, findings = rewrite_module(elided.text, text, path, options)
    restored = elided.restore(new_text)
    if restored is None:  # a rewrite moved a placeholder away: do the whole file instead
        new_text, findings = rewrite_module(text, text, path, options)
        return RewriteResult(new_text, sorted_findings(findings))
    return RewriteResult(restored, sorted_findings(elided.map_findings(findings)))
