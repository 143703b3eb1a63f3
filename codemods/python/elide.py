"""Leave the irrelevant parts of a file out of the libcst pass, then put them back.

libcst with name metadata costs about 0.7 s per 1,000 lines, and a file that passes the prefilter
usually has its old API in one or two places. Before parsing, every top-level ``def``/``class``
whose text holds none of the rules' needles, and no name the file imports from the tokenizer
package, is replaced by a one-line placeholder comment (found with :mod:`ast`, ~100x cheaper than
libcst; a rule's probe, when it has one, judges the statement instead of its needles, see
:mod:`codemods.python.probe`); the rewritten text gets the original lines back, and findings
get their original line numbers. Inside a top-level class with a site, the methods and nested
classes that hold none are left out the same way (converters are one class of many methods). A
rule can only see what it needs: its needles, and the imports it resolves names through
(statements other than ``def``/``class`` are always kept).

A function whose sites only rules with a declared context act on (the command-line rules: an
argv list in a 400-line ``save_checkpoint``) is read statement by statement: the statements of
its body (and of the blocks in it) that hold no site, no tokenizer name and no such context are
left out too.
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Protocol

from codemods.core import Finding

_PLACEHOLDER = "# megatron-compat-elided {index}"
_PLACEHOLDER_LINE = re.compile(r"^[ \t]*# megatron-compat-elided (\d+)$")
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
# blocks whose body is read statement by statement (an ``if``'s ``else`` may be an ``elif``,
# whose statement starts on the ``elif`` line: its branches stay whole)
_BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, *_DEFINITIONS)


class RegionFilter(Protocol):
    """What the rules say of a statement, given its text (``chunk``)."""

    def relevant(self, node: ast.stmt, chunk: str) -> bool:
        """Whether an enabled rule may have a site in it."""

    def by_statement(self, node: ast.stmt, chunk: str) -> bool:
        """Whether every rule that may have a site in it needs only its sites and the
        statements :meth:`context` accepts (the function may be read statement by statement)."""

    def context(self, node: ast.stmt, chunk: str) -> bool:
        """Whether such a rule reads it beside its sites."""


@dataclass(frozen=True)
class Elided:
    """``text`` with some regions replaced by placeholders, and how to undo it."""

    text: str
    regions: tuple[tuple[str, ...], ...]  # the original lines of each placeholder, in order
    placeholder_lines: tuple[int, ...]  # 1-based line of each placeholder in ``text``
    # whether any top-level statement may hold a site (False: the file needs no libcst pass)
    relevant: bool = True

    def restore(self, new_text: str) -> str | None:
        """The original regions put back into ``new_text``; None if a placeholder went missing."""
        if not self.regions:
            return new_text
        lines = new_text.split("\n")
        seen: list[int] = []
        out: list[str] = []
        for line in lines:
            match = _PLACEHOLDER_LINE.match(line)
            if match and int(match.group(1)) < len(self.regions):
                seen.append(int(match.group(1)))
                out.extend(self.regions[int(match.group(1))])
            else:
                out.append(line)
        if seen != list(range(len(self.regions))):
            return None
        return "\n".join(out)

    def original_line(self, line: int) -> int:
        """Map a line of the reduced text back to the original text."""
        before = bisect_left(self.placeholder_lines, line)
        return line + sum(len(region) - 1 for region in self.regions[:before])

    def map_findings(self, findings: list[Finding]) -> list[Finding]:
        if not self.regions:
            return findings
        return [replace(finding, line=self.original_line(finding.line)) for finding in findings]


def _tokenizer_bindings(tree: ast.Module, package_markers: tuple[str, ...]) -> set[str]:
    """Local names bound by imports of the tokenizer package (a rule may rewrite or prune them)."""
    names: set[str] = set()
    for node in tree.body:
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and any(marker in node.module for marker in package_markers)
        ):
            names.update(alias.asname or alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if any(marker in alias.name for marker in package_markers):
                    names.add(alias.asname or alias.name.split(".")[0])
    return names


def elide(
    text: str, tree: ast.Module, regions: RegionFilter, package_markers: tuple[str, ...]
) -> Elided:
    """Replace what ``regions`` rejects in ``text`` (parsed: ``tree``) by placeholders, and say
    whether it accepted any top-level statement."""
    bindings = _tokenizer_bindings(tree, package_markers)
    alternatives = "|".join(map(re.escape, sorted(bindings)))
    uses_binding = re.compile(rf"\b(?:{alternatives})\b") if bindings else None
    lines = text.split("\n")

    def text_of(node: ast.stmt) -> str:
        start, end = _span(node)
        return "\n".join(lines[start - 1 : end])

    def uses_tokenizer_name(chunk: str) -> bool:
        return uses_binding is not None and uses_binding.search(chunk) is not None

    def needed(node: ast.stmt) -> bool:
        chunk = text_of(node)
        return regions.relevant(node, chunk) or uses_tokenizer_name(chunk)

    def needed_inside(node: ast.stmt) -> bool:
        chunk = text_of(node)
        return needed(node) or regions.context(node, chunk)

    def inside(definition: ast.stmt) -> list[ast.stmt]:
        """What a kept function can do without, when it may be read statement by statement."""
        if not isinstance(definition, _FUNCTIONS):
            return []
        if not regions.by_statement(definition, text_of(definition)):
            return []
        return _unneeded_statements(definition.body, needed_inside)

    elidable: list[ast.stmt] = []
    relevant = False
    for node in tree.body:
        if regions.relevant(node, text_of(node)):
            relevant = True
            if isinstance(node, ast.ClassDef):
                members = _unneeded_members(node, needed)
                elidable += members
                for member in node.body:
                    if member not in members:
                        elidable += inside(member)
            else:
                elidable += inside(node)
        elif isinstance(node, _DEFINITIONS) and not needed(node):
            elidable.append(node)
    return _with_placeholders(text, lines, elidable, relevant)


def _with_placeholders(
    text: str, lines: list[str], elidable: list[ast.stmt], relevant: bool
) -> Elided:
    regions: list[tuple[str, ...]] = []
    placeholder_lines: list[int] = []
    out: list[str] = []
    next_line = 1
    for node in sorted(elidable, key=lambda node: _span(node)[0]):
        start, end = _span(node)
        if start < next_line or not _alone_on_its_lines(lines, node):
            continue
        out.extend(lines[next_line - 1 : start - 1])
        placeholder_lines.append(len(out) + 1)
        indent = lines[start - 1][: len(lines[start - 1]) - len(lines[start - 1].lstrip())]
        out.append(indent + _PLACEHOLDER.format(index=len(regions)))
        regions.append(tuple(lines[start - 1 : end]))
        next_line = end + 1
    if not regions:
        return Elided(text, (), (), relevant)
    out.extend(lines[next_line - 1 :])
    return Elided("\n".join(out), tuple(regions), tuple(placeholder_lines), relevant)


def _unneeded_members(classdef: ast.ClassDef, needed: Callable[[ast.stmt], bool]) -> list[ast.stmt]:
    """The methods and nested classes of a class with a site that hold none: a class body
    keeps at least one statement, so a class made only of such members keeps its last one."""
    members: list[ast.stmt] = [
        member
        for member in classdef.body
        if isinstance(member, _DEFINITIONS) and not needed(member)
    ]
    return members[:-1] if len(members) == len(classdef.body) else members


def _unneeded_statements(
    body: list[ast.stmt], needed: Callable[[ast.stmt], bool]
) -> list[ast.stmt]:
    """The statements of ``body``, and of the blocks it keeps, that ``needed`` rejects; a body
    keeps at least one statement."""
    unneeded: list[ast.stmt] = []
    kept = False
    for statement in body:
        if needed(statement):
            kept = True
            for block in _blocks(statement):
                unneeded += _unneeded_statements(block, needed)
        else:
            unneeded.append(statement)
    return unneeded if kept else unneeded[:-1]


def _blocks(statement: ast.stmt) -> Iterator[list[ast.stmt]]:
    if isinstance(statement, _BLOCKS):
        yield statement.body
    elif isinstance(statement, ast.Try):
        yield statement.body
        for handler in statement.handlers:
            yield handler.body


def _span(node: ast.stmt) -> tuple[int, int]:
    """The first and last line of a statement, its decorators included."""
    decorators = getattr(node, "decorator_list", [])
    start = min([node.lineno, *(decorator.lineno for decorator in decorators)])
    return start, node.end_lineno or node.lineno


def _alone_on_its_lines(lines: list[str], node: ast.stmt) -> bool:
    """Nothing before the statement on its first line, nor after it on its last
    (``x = 1; y = 2``, ``def f(): pass; x = 1``)."""
    start, end = _span(node)
    if lines[start - 1][: _column(lines[start - 1], node, start)].strip():
        return False
    encoded = lines[end - 1].encode("utf-8")
    end_col = node.end_col_offset if node.end_col_offset is not None else len(encoded)
    rest = encoded[end_col:].decode("utf-8", errors="replace").strip()
    return not rest or rest.startswith("#")


def _column(line: str, node: ast.stmt, start: int) -> int:
    """The character column where ``node`` (or its first decorator) starts on ``line``."""
    if start != node.lineno:
        return len(line) - len(line.lstrip())  # a decorator line: ``@`` starts the statement
    return len(line.encode("utf-8")[: node.col_offset].decode("utf-8", errors="replace"))
