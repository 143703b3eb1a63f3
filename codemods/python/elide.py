"""Leave the irrelevant functions and classes out of the libcst pass, then put them back.

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
"""

from __future__ import annotations

import ast
import re
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, replace

from codemods.core import Finding

_PLACEHOLDER = "# megatron-compat-elided {index}"
_PLACEHOLDER_LINE = re.compile(r"^[ \t]*# megatron-compat-elided (\d+)$")
_ELIDABLE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


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
    text: str, is_relevant: Callable[[ast.stmt, str], bool], package_markers: tuple[str, ...]
) -> Elided:
    """Replace the top-level definitions ``is_relevant`` (given the statement and its text)
    rejects by placeholders, and say whether it accepted any top-level statement."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return Elided(text, (), ())  # libcst reports the error with its position
    bindings = _tokenizer_bindings(tree, package_markers)
    alternatives = "|".join(map(re.escape, sorted(bindings)))
    uses_binding = re.compile(rf"\b(?:{alternatives})\b") if bindings else None
    lines = text.split("\n")

    def text_of(node: ast.stmt) -> str:
        start, end = _span(node)
        return "\n".join(lines[start - 1 : end])

    def needed(node: ast.stmt) -> bool:
        chunk = text_of(node)
        return is_relevant(node, chunk) or (
            uses_binding is not None and uses_binding.search(chunk) is not None
        )

    elidable: list[ast.stmt] = []
    relevant = False
    for node in tree.body:
        if is_relevant(node, text_of(node)):
            relevant = True
            if isinstance(node, ast.ClassDef):
                elidable += _unneeded_members(node, needed)
        elif isinstance(node, _ELIDABLE) and not needed(node):
            elidable.append(node)
    regions: list[tuple[str, ...]] = []
    placeholder_lines: list[int] = []
    out: list[str] = []
    next_line = 1
    for node in elidable:
        start, end = _span(node)
        if start < next_line or (end < len(lines) and _shares_line(lines[end - 1], node)):
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
        member for member in classdef.body if isinstance(member, _ELIDABLE) and not needed(member)
    ]
    return members[:-1] if len(members) == len(classdef.body) else members


def _span(node: ast.stmt) -> tuple[int, int]:
    """The first and last line of a statement, its decorators included."""
    decorators = getattr(node, "decorator_list", [])
    start = min([node.lineno, *(decorator.lineno for decorator in decorators)])
    return start, node.end_lineno or node.lineno


def _shares_line(last_line: str, node: ast.stmt) -> bool:
    """A statement after the definition on its last line (``def f(): pass; x = 1``)."""
    encoded = last_line.encode("utf-8")
    end_col = node.end_col_offset if node.end_col_offset is not None else len(encoded)
    rest = encoded[end_col:].decode("utf-8", errors="replace").strip()
    return bool(rest) and not rest.startswith("#")
