"""One text being rewritten: its edits and findings, suppression comments and TODO anchors.

Every text kind (shell, YAML, argv files, Markdown, metadata JSON) records into a
:class:`TextDocument` by character offset; line and column are worked out once, at the end, from
a line index (so a 5 MB file costs one pass, not one count per word). A rewriter that hands a
piece of its text to another rewriter (a here-document, a ``bash -c`` string, a Markdown block,
a YAML literal block) gives it a document of its own and then adopts it
(:meth:`TextDocument.adopt`): what the inner rewriter recorded lands in the outer document with
its offsets mapped back, so no rewriter shifts line numbers by hand.

Suppression is the same in every kind: ``megatron-compat: ignore`` (all rules) or
``megatron-compat: ignore[MTC201,...]`` on the line of the site, or on a comment line directly
above it.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cached_property

from codemods.core import (
    TODO_MARKER,
    Finding,
    Options,
    RewriteResult,
    UnparsableError,
    is_suppressed,
)
from codemods.text.words import TextEdit, apply_text_edits

# A line holding only a comment, in the comment syntaxes of the text kinds.
_COMMENT_LINE = re.compile(r"^\s*(?:#|<!--|//)")


class LineIndex:
    """Offsets of line starts, for offset -> (line, column) in logarithmic time."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0, *(match.end() for match in re.finditer("\n", text))]

    def line_number(self, offset: int) -> int:
        return bisect_right(self.starts, offset)

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``."""
        line = self.line_number(offset)
        return line, offset - self.starts[line - 1] + 1

    def line_start(self, offset: int) -> int:
        return self.starts[self.line_number(offset) - 1]

    def line_at(self, offset: int) -> str:
        line = self.line_number(offset)
        end = self.starts[line] - 1 if line < len(self.starts) else len(self.text)
        return self.text[self.starts[line - 1] : end]


@dataclass(frozen=True)
class _Site:
    offset: int
    code: str
    message: str
    suggestion: str
    fixed: bool
    informational: bool = False


class TextDocument:
    """Collects the edits and findings of one rewrite of ``text``.

    ``todo_comments``: the kind can hold ``# ...`` comment lines, so with ``--add-todo`` a TODO
    line goes above the statement (the *anchor* offset) of each site left for a person.
    """

    def __init__(self, text: str, options: Options, *, todo_comments: bool = False) -> None:
        self.text = text
        self.options = options
        self.todo_comments = todo_comments
        self.edits: list[TextEdit] = []
        self._sites: list[_Site] = []
        self._todos: dict[int, list[str]] = {}

    @cached_property
    def lines(self) -> LineIndex:
        return LineIndex(self.text)

    # --- deciding -------------------------------------------------------------------------

    def wanted(self, offset: int, code: str) -> bool:
        """Whether rule ``code`` is enabled and not suppressed at ``offset``."""
        return self.options.enabled(code) and not self.suppressed(offset, code)

    def suppressed(self, offset: int, code: str) -> bool:
        if is_suppressed(self.lines.line_at(offset), code):
            return True
        line_start = self.lines.line_start(offset)
        if line_start == 0:
            return False
        above = self.lines.line_at(line_start - 1)
        return bool(_COMMENT_LINE.match(above)) and is_suppressed(above, code)

    # --- recording ------------------------------------------------------------------------

    def fix(
        self, offset: int, code: str, message: str, suggestion: str, edits: Iterable[TextEdit]
    ) -> None:
        """Record a rewritten site and the edits that rewrite it."""
        self.edits.extend(edits)
        self._record(_Site(offset, code, message, suggestion, fixed=True), anchor=None)

    def report(
        self, offset: int, code: str, message: str, suggestion: str = "", anchor: int | None = None
    ) -> None:
        """Record a site left for a person; with ``--add-todo``, mark it above ``anchor``."""
        self._record(_Site(offset, code, message, suggestion, fixed=False), anchor)

    def note(self, offset: int, code: str, message: str) -> None:
        """Record text that needs no change to run (it only names an old flag)."""
        self._record(_Site(offset, code, message, "", fixed=False, informational=True), None)

    def _record(self, site: _Site, anchor: int | None) -> None:
        self._sites.append(site)
        if not site.fixed and not site.informational and anchor is not None:
            self._todos.setdefault(anchor, []).append(f"{site.code} {site.message}")

    def withdraw(self, reason: str) -> None:
        """Write nothing after all: every rewritten site becomes one left for a person."""
        self.edits.clear()
        self._todos.clear()
        self._sites = [
            replace(site, fixed=False, message=f"{site.message} [{reason}]") if site.fixed else site
            for site in self._sites
        ]

    def handled_lines(self) -> set[int]:
        """Lines that already hold a finding."""
        return {self.lines.line_number(site.offset) for site in self._sites}

    # --- nesting ------------------------------------------------------------------------

    def adopt(
        self,
        inner: TextDocument,
        to_outer: int | Callable[[int], int],
        anchor: int | None,
        *,
        with_edits: bool = True,
    ) -> None:
        """Take over what a rewrite of another text recorded, offsets mapped into this one.

        ``inner`` rewrote a piece of this text (``to_outer`` is then its start offset) or a
        text derived from it (``to_outer`` maps its offsets here; ``with_edits=False``, the
        caller writes the rewritten piece itself). Sites left for a person are marked above
        ``anchor``, never inside the piece (a here-document's lines are data).
        """
        outer = (lambda offset: to_outer + offset) if isinstance(to_outer, int) else to_outer
        if with_edits:
            self.edits.extend(
                TextEdit(outer(e.start), outer(e.start) + (e.end - e.start), e.replacement)
                for e in inner.edits
            )
        for site in inner._sites:
            self._record(replace(site, offset=outer(site.offset)), anchor)

    # --- result ---------------------------------------------------------------------------

    def findings(self) -> list[Finding]:
        positioned = [
            Finding(
                *self.lines.position(site.offset),
                site.code,
                site.message,
                site.suggestion,
                site.fixed,
                site.informational,
            )
            for site in self._sites
        ]
        return sorted_findings(positioned)

    def new_text(self) -> str:
        edits = list(self.edits)
        if self.options.add_todo and self.todo_comments:
            edits += self._todo_edits()
        try:
            return apply_text_edits(self.text, edits)
        except ValueError as overlap:
            raise UnparsableError(
                f"conflicting rewrites ({overlap}); please report this"
            ) from overlap

    def result(self) -> RewriteResult:
        return RewriteResult(self.new_text(), self.findings())

    def _todo_edits(self) -> list[TextEdit]:
        """One ``# TODO[megatron-tokenizer]: CODE message`` line per site, above its anchor.

        Comments already in the block of comment lines right above are not added again, so a
        second run adds nothing.
        """
        edits = []
        for anchor, messages in self._todos.items():
            line = self.lines.line_at(anchor)
            indent = line[: len(line) - len(line.lstrip())]
            present = set()
            above = anchor
            while above > 0:
                previous = self.lines.line_at(above - 1).strip()
                if not previous.startswith("#"):
                    break
                present.add(previous)
                above = self.lines.line_start(above - 1)
            comments = [
                f"{indent}{comment}\n"
                for comment in dict.fromkeys(
                    f"# {TODO_MARKER}: {message.splitlines()[0]}" for message in messages
                )
                if comment not in present
            ]
            if comments:
                edits.append(TextEdit(anchor, anchor, "".join(comments)))
        return edits


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Each finding once, in the order a reader meets them."""
    return sorted(dict.fromkeys(findings), key=lambda f: (f.line, f.col, f.code, f.message))
