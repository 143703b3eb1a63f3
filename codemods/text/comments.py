"""Commented-out command lines, told apart from prose comments.

Real repositories keep old launch lines in comments and enable them again later, so a comment
that holds a command or argv line is rewritten like a live one (only the words inside the comment
change), and any other comment naming an old flag is reported. A comment holds a command line
when its text (after the ``#``) starts with a flag, a launcher or program (``torchrun``,
``python3.11``, a path, a ``*.py``/``*.sh`` script, a ``$LAUNCHER`` variable) or a variable
assignment, or ends with a ``\\`` continuation. The TODO lines ``--add-todo`` writes are never
read as either: they quote the old flags on purpose.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from codemods.core import TODO_MARKER
from codemods.text.document import TextDocument
from codemods.text.words import TextEdit, flag_mentions, legacy_flag_code

# Programs that run a Megatron entry point or pass a command line on to one.
LAUNCHERS = frozenset({
    "python", "python3", "torchrun", "srun", "mpirun", "mpiexec", "deepspeed", "accelerate",
    "horovodrun", "bash", "sh", "zsh", "exec", "env", "nohup", "time", "uv", "sbatch",
    "salloc", "docker", "podman", "apptainer", "singularity", "enroot", "ray", "pytest",
    "launch", "run",
})
_VERSIONED_PYTHON = re.compile(r"^python\d+(?:\.\d+)?$")
_ASSIGNMENT = re.compile(r"^(?:export\s+|local\s+|declare\s+(?:-\w+\s+)*)?[A-Za-z_]\w*\+?=")
_SCRIPT_SUFFIXES = (".py", ".sh", ".bash", ".sbatch", ".slurm")
_COMMENT_MARKS = re.compile(r"^[ \t]*#+")


def is_command_line(body: str) -> bool:
    """Whether a comment's text (what follows its ``#``) reads as a command or argv line."""
    stripped = body.strip()
    if not stripped:
        return False
    if stripped.endswith("\\") or _ASSIGNMENT.match(stripped):
        return True
    first = stripped.split(None, 1)[0].strip("\"'")
    if first.startswith(("-", "$", "./", "../", "/", "~/")):
        return True
    program = first.rsplit("/", 1)[-1]
    return program in LAUNCHERS or bool(_VERSIONED_PYTHON.match(program)) or \
        program.endswith(_SCRIPT_SUFFIXES)


def is_todo(comment: str) -> bool:
    return TODO_MARKER in comment


def uncommented(text: str) -> str:
    """``text`` (whole comment lines) with the ``#`` marks of each line turned into blanks, so
    every offset still points at the same character."""
    return "".join(
        line[:match.end()].replace("#", " ") + line[match.end():]
        if (match := _COMMENT_MARKS.match(line)) else line
        for line in text.splitlines(keepends=True)
    )


def report_prose_mentions(doc: TextDocument, start: int, end: int, why: str) -> None:
    """Report each old flag named in ``doc.text[start:end]`` (a comment read as prose)."""
    for offset, flag in flag_mentions(doc.text[start:end]):
        code = legacy_flag_code(flag)
        if doc.wanted(start + offset, code):
            doc.report(start + offset, code, f"{flag} left as it is: {why}")


def continued_groups(lines: Iterable[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Whole comment lines (start, end) joined into groups: a line whose text ends with ``\\``
    goes on with the comment line right below it."""
    groups: list[tuple[int, int]] = []
    for start, end in lines:
        if groups and _continues(text, *groups[-1], start):
            groups[-1] = (groups[-1][0], end)
        else:
            groups.append((start, end))
    return groups


def _continues(text: str, group_start: int, group_end: int, next_start: int) -> bool:
    between = text[group_end:next_start]
    return text[group_start:group_end].rstrip().endswith("\\") and \
        between.count("\n") == 1 and not between.strip()


def comment_deletion(text: str, start: int, end: int) -> TextEdit:
    """Delete the comment ``text[start:end]``: its lines when it is alone on them, else the
    comment and the blanks before it."""
    line_start = text.rfind("\n", 0, start) + 1
    if not text[line_start:start].strip():
        line_end = text.find("\n", end)
        return TextEdit(line_start, len(text) if line_end < 0 else line_end + 1, "")
    blanks = len(text[line_start:start]) - len(text[line_start:start].rstrip(" \t"))
    return TextEdit(start - blanks, end, "")


PROSE_COMMENT = ("it is in a comment that reads as prose, not as a command line; update it by "
                 "hand (or mark the line `megatron-compat: ignore`)")
