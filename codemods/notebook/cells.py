"""What IPython adds to Python in a notebook cell: cell magics, line magics and shell escapes.

A cell starting with ``%%bash``, ``%%sh``, ``%%script bash`` (or another shell) is a shell
script; ``%%writefile PATH`` holds a file of PATH's kind; ``%%time``-like magics hold Python; any
other cell magic holds some other language. In a Python cell, a line is IPython's own when it
starts (after an optional ``name =``) with ``!`` (a shell command), ``%name`` (a line magic:
``%sx``/``%system`` run a shell command, ``%run`` runs a script with arguments) or is help syntax
(``obj?``); a trailing ``\\`` carries it on to the next line. Such lines are masked as ``pass``
statements and comments while libcst reads the cell, and put back afterwards (as notebook-aware
linters do).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from codemods.core import UnparsableError

SHELL_PROGRAMS = frozenset({"bash", "sh", "zsh", "dash", "ksh"})
# cell magics whose body is Python (the first line is then masked like a line magic)
PYTHON_CELL_MAGICS = frozenset({"time", "timeit", "capture", "prun", "debug", "pypy"})
_SHELL_CELL_MAGICS = SHELL_PROGRAMS
_SHELL_LINE_MAGICS = frozenset({"sx", "system"})

_CELL_MAGIC = re.compile(r"^%%(?P<name>\w+)[ \t]*(?P<arguments>[^\n]*)")
_ASSIGNED = r"(?:[A-Za-z_][\w.]*(?:[ \t]*,[ \t]*[A-Za-z_][\w.]*)*[ \t]*=[ \t]*)?"
_ESCAPE = re.compile(r"^[ \t]*" + _ASSIGNED + r"!!?")
_LINE_MAGIC = re.compile(r"^[ \t]*" + _ASSIGNED + r"%(?P<name>[A-Za-z_]\w*)")
_HELP = re.compile(r"^[ \t]*(?:\?\??[A-Za-z_][\w.]*|[A-Za-z_][\w.]*\?\??)[ \t]*$")

_MASK = "pass  # megatron-compat-notebook-magic {index}"
_MASKED = re.compile(r"^[ \t]*pass  # megatron-compat-notebook-magic (\d+)$")
_CONTINUED = "# megatron-compat-notebook-magic-continued"

Words = Literal["shell", "argv", "none"]


@dataclass(frozen=True)
class Magic:
    """One IPython line (with its ``\\`` continuation lines) of a Python cell."""

    start: int  # offset of its first line's start
    end: int  # offset of its last line's end (before the newline)
    # where the words after the magic start (a shell command, or %run's script and arguments)
    words_start: int
    words: Words


@dataclass(frozen=True)
class CellMagic:
    name: str
    arguments: str
    body_start: int  # offset of the line after the magic


def cell_magic(source: str) -> CellMagic | None:
    match = _CELL_MAGIC.match(source)
    if match is None:
        return None
    newline = source.find("\n")
    return CellMagic(
        match.group("name"),
        match.group("arguments").strip(),
        len(source) if newline < 0 else newline + 1,
    )


def is_shell_cell(magic: CellMagic) -> bool:
    if magic.name in _SHELL_CELL_MAGICS:
        return True
    if magic.name != "script":
        return False
    program = next((word for word in magic.arguments.split() if not word.startswith("-")), "")
    return program.rsplit("/", 1)[-1] in SHELL_PROGRAMS


def writefile_target(magic: CellMagic) -> str | None:
    """The path ``%%writefile [-a] PATH`` writes the cell's body to."""
    if magic.name != "writefile":
        return None
    paths = [word for word in magic.arguments.split() if not word.startswith("-")]
    return paths[0] if paths else None


def _kind_of_line(line: str) -> tuple[Words, int] | None:
    """Whether ``line`` is IPython's, and where the words after its magic start."""
    escape = _ESCAPE.match(line)
    if escape:
        return "shell", escape.end()
    magic = _LINE_MAGIC.match(line)
    if magic:
        name = magic.group("name")
        words: Words = (
            "shell" if name in _SHELL_LINE_MAGICS else "argv" if name == "run" else "none"
        )
        return words, magic.end()
    if _HELP.match(line):
        return "none", len(line)
    return None


def line_magics(source: str, first_line_is_magic: bool = False) -> list[Magic]:
    """The IPython lines of a Python cell (its first line too, for a ``%%time``-like cell)."""
    magics: list[Magic] = []
    lines = source.split("\n")
    offset = 0
    index = 0
    while index < len(lines):
        line = lines[index]
        kind: tuple[Words, int] | None = (
            ("none", len(line)) if index == 0 and first_line_is_magic else _kind_of_line(line)
        )
        if kind is None:
            offset += len(line) + 1
            index += 1
            continue
        start = offset
        end = offset + len(line)
        while lines[index].rstrip().endswith("\\") and index + 1 < len(lines):
            offset += len(lines[index]) + 1
            index += 1
            end = offset + len(lines[index])
        magics.append(Magic(start, end, start + kind[1], kind[0]))
        offset += len(lines[index]) + 1
        index += 1
    return magics


def mask(source: str, magics: list[Magic]) -> str:
    """``source`` with each IPython line replaced by a ``pass`` statement (its continuation
    lines by comments), so the cell reads as Python with the same lines."""
    pieces = []
    position = 0
    for index, magic in enumerate(magics):
        pieces.append(source[position : magic.start])
        first_line = source[magic.start : magic.end].split("\n")
        indent = first_line[0][: len(first_line[0]) - len(first_line[0].lstrip(" \t"))]
        pieces.append(
            "\n".join([indent + _MASK.format(index=index)] + [_CONTINUED] * (len(first_line) - 1))
        )
        position = magic.end
    pieces.append(source[position:])
    return "".join(pieces)


def unmask(masked: str, texts: list[str]) -> str:
    """Put the IPython lines ``texts`` back in place of their masks (raises
    :class:`UnparsableError` when the rewrite moved or lost a mask)."""
    output: list[str] = []
    seen: list[int] = []
    for line in masked.split("\n"):
        found = _MASKED.match(line)
        if found:
            seen.append(int(found.group(1)))
            output.append(texts[seen[-1]] if seen[-1] < len(texts) else line)
        elif line.strip() != _CONTINUED:
            output.append(line)
    if seen != list(range(len(texts))):
        raise UnparsableError("the rewrite moved the cell's IPython lines")
    return "\n".join(output)
