"""Whether a bash script is valid and where its errors are: tree-sitter reads, bash judges.

tree-sitter-bash misreads some constructs bash accepts (``${ARG:$LEN+1}``, a ``\\`` on the last
line), and example scripts hold placeholders (``CHECKPOINT=<Path to checkpoint>``) that make them
invalid bash while their command lines further down are fine to migrate. So:

* a script tree-sitter reads without error (placeholders read as words) is valid;
* otherwise ``bash -n`` judges, when bash is installed. Lines it rejects with "unexpected token"
  are blanked one at a time (a few at most), so that tree-sitter reads the rest of the script;
* what tree-sitter could not read and the lines bash rejected are the script's *error regions*:
  no edit may touch them, and the rewritten script must have exactly the errors the original
  had, by both parsers (:func:`same_errors`).

bash only reads (``-n``): it runs with no ``BASH_ENV``, no profile and the C locale.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Literal

from codemods.core import UnparsableError
from codemods.shell.scan import (
    error_nodes,
    first_error,
    mask_placeholders,
    parse,
    parse_masked,
)

if TYPE_CHECKING:
    from tree_sitter import Tree

# a script is given up on rather than blanked further: it is more broken than a placeholder
MAX_BLANKED_LINES = 8
_BASH_TIMEOUT_SECONDS = 30
_BASH_ERROR = re.compile(r"^[^\n]*?line (?P<line>\d+): (?P<message>[^\n]*)", re.MULTILINE)

Verdict = Literal["valid", "invalid", "unknown"]


@dataclass(frozen=True)
class BashError:
    line: int  # 1-based
    message: str  # without bash's "bash: line N:" prefix


@dataclass(frozen=True)
class Syntax:
    """What the rewriter reads: a tree of ``text`` (placeholders and rejected lines blanked,
    offsets unchanged), the regions it must not touch, and bash's verdict on the script."""

    text: str
    tree: Tree
    errors: tuple[tuple[int, int], ...]
    # lines bash rejected and that were blanked, as character spans
    blanked: tuple[tuple[int, int], ...]
    verdict: Verdict

    @property
    def clean(self) -> bool:
        return not self.errors

    def touches_error(self, start: int, end: int) -> bool:
        """Whether the edit of ``[start, end)`` overlaps an error region (an empty edit or
        region counts when it lies strictly inside the other)."""
        return any(
            _overlap(start, end, error_start, error_end) for error_start, error_end in self.errors
        )


def _overlap(start: int, end: int, other_start: int, other_end: int) -> bool:
    if max(start, other_start) < min(end, other_end):
        return True
    return start < other_start < end or other_start < start < other_end


@lru_cache(maxsize=1)
def bash_path() -> str | None:
    return shutil.which("bash")


@lru_cache(maxsize=64)
def bash_error(text: str) -> BashError | None:
    """The first syntax error ``bash -n`` finds in ``text`` (None: bash accepts it); a script
    is judged once, however often its errors are compared.

    Raises :class:`UnparsableError` when bash is not installed or does not answer.
    """
    bash = bash_path()
    if bash is None:
        raise UnparsableError("bash is not installed, so the script's syntax cannot be judged")
    try:
        completed = subprocess.run(
            [bash, "--norc", "--noprofile", "-n"],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=_BASH_TIMEOUT_SECONDS,
            check=False,
            env={"PATH": os.defpath, "LC_ALL": "C"},
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise UnparsableError(f"bash -n could not judge the script ({error})") from None
    if completed.returncode == 0:
        return None
    stderr = completed.stderr.decode("utf-8", "replace")
    match = _BASH_ERROR.search(stderr)
    if match is None:
        return BashError(0, stderr.strip())
    return BashError(int(match.group("line")), match.group("message"))


def _line_span(text: str, line: int) -> tuple[int, int]:
    start = 0
    for _ in range(line - 1):
        start = text.index("\n", start) + 1
    end = text.find("\n", start)
    return start, len(text) if end < 0 else end


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _blank_rejected_lines(text: str) -> tuple[str, list[tuple[int, int]]] | None:
    """``text`` with each line bash rejects as a local syntax error blanked, until bash accepts
    it; None when an error is not local to a line (an unclosed quote) or there are too many."""
    blanked: list[tuple[int, int]] = []
    for _ in range(MAX_BLANKED_LINES + 1):
        error = bash_error(text)
        if error is None:
            return text, blanked
        if (
            "unexpected token" not in error.message
            or error.line < 1
            or len(blanked) == MAX_BLANKED_LINES
        ):
            return None
        try:
            span = _line_span(text, error.line)
        except ValueError:
            return None
        if span in blanked or span[0] == span[1]:
            return None
        blanked.append(span)
        text = _blank(text, *span)
    return None


def read(text: str) -> Syntax:
    """Read a script: its tree, error regions and bash's verdict (bash runs only when
    tree-sitter reports an error)."""
    masked, tree = parse_masked(text)
    errors = tuple(error_nodes(tree, masked))
    if not errors:
        return Syntax(masked, tree, (), (), "valid")
    if bash_path() is None:
        return Syntax(masked, tree, errors, (), "unknown")
    words_only = mask_placeholders(text)
    if bash_error(words_only) is None:
        # tree-sitter misreads a construct bash accepts: only its own error regions are avoided
        return Syntax(masked, tree, errors, (), "valid")
    result = _blank_rejected_lines(words_only)
    if result is None:
        return Syntax(masked, tree, errors, (), "invalid")
    blanked_text, blanked = result
    blanked_tree = parse(blanked_text, mask_placeholders=False)
    # the regions of the script as tree-sitter first read it stay out of bounds too
    regions = {*errors, *error_nodes(blanked_tree, blanked_text), *blanked}
    return Syntax(blanked_text, blanked_tree, tuple(sorted(regions)), tuple(blanked), "invalid")


# --- comparing the errors of two versions of a script ------------------------------------


def _tree_sitter_marks(text: str) -> list[tuple[str, int]]:
    """Each tree-sitter error as (its text up to the end of its line, its length): a place that
    does not move when lines elsewhere, or words before it on its line, are edited."""
    masked, tree = parse_masked(text)
    marks = []
    for start, end in error_nodes(tree, masked):
        line_end = text.find("\n", start)
        marks.append((text[start : len(text) if line_end < 0 else line_end], end - start))
    return sorted(marks)


def _bash_mark(text: str) -> tuple[str, str] | None:
    error = bash_error(text)
    if error is None:
        return None
    line = _line_span(text, error.line) if 0 < error.line <= text.count("\n") + 1 else (0, 0)
    return error.message, text[line[0] : line[1]]


def same_errors(before: str, after: str) -> bool:
    """Whether ``after`` has exactly the syntax errors of ``before`` (count, places and
    messages, by tree-sitter and by bash)."""
    marks = _tree_sitter_marks(before)
    if marks != _tree_sitter_marks(after):
        return False
    if not marks:
        return True
    return _bash_mark(before) == _bash_mark(after)


def first_error_position(syntax: Syntax) -> tuple[int, int]:
    """(line, column), 1-based, of the first error region."""
    start = syntax.errors[0][0]
    line_start = syntax.text.rfind("\n", 0, start) + 1
    return syntax.text.count("\n", 0, start) + 1, start - line_start + 1


def validate(text: str) -> None:
    """Raise unless ``text`` is valid bash: tree-sitter reads it (placeholders as words), or it
    misreads it and ``bash -n`` accepts it."""
    masked, tree = parse_masked(text)
    if not tree.root_node.has_error:
        return
    if bash_path() is not None and bash_error(masked) is None:
        return
    line, column = first_error(tree) or (1, 1)
    raise UnparsableError(f"bash syntax error at line {line}, column {column}")


def validate_rewrite(before: str, after: str) -> None:
    """Raise unless the rewritten script ``after`` has exactly the errors of ``before``."""
    if not same_errors(before, after):
        raise UnparsableError(
            "the rewritten script does not have the same syntax errors as the original"
        )
