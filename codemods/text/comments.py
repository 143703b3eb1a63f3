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
from collections.abc import Callable, Iterable

from codemods.core import TODO_MARKER
from codemods.text.command_line import (
    loose_words,
    report_leftovers,
    rewrite_groups,
    still_valid,
)
from codemods.text.document import TextDocument
from codemods.text.words import (
    TextEdit,
    mention_code,
    mentions_legacy_flag,
    old_api_mentions,
)

# Programs that run a Megatron entry point or pass a command line on to one.
LAUNCHERS = frozenset(
    {
        "python",
        "python3",
        "torchrun",
        "srun",
        "mpirun",
        "mpiexec",
        "deepspeed",
        "accelerate",
        "horovodrun",
        "bash",
        "sh",
        "zsh",
        "exec",
        "env",
        "nohup",
        "time",
        "uv",
        "sbatch",
        "salloc",
        "docker",
        "podman",
        "apptainer",
        "singularity",
        "enroot",
        "ray",
        "pytest",
        "launch",
        "run",
    }
)
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
    return (
        program in LAUNCHERS
        or bool(_VERSIONED_PYTHON.match(program))
        or program.endswith(_SCRIPT_SUFFIXES)
    )


def is_todo(comment: str) -> bool:
    return TODO_MARKER in comment


def uncommented(text: str) -> str:
    """``text`` (whole comment lines) with the ``#`` marks of each line turned into blanks, so
    every offset still points at the same character."""
    return "".join(
        line[: match.end()].replace("#", " ") + line[match.end() :]
        if (match := _COMMENT_MARKS.match(line))
        else line
        for line in text.splitlines(keepends=True)
    )


def report_prose_mentions(
    doc: TextDocument,
    start: int,
    end: int,
    why: str,
    mentions: Callable[[str], Iterable[tuple[int, str]]] = old_api_mentions,
) -> None:
    """Note each old flag and name (or what ``mentions`` finds) in ``doc.text[start:end]``, a
    comment read as prose: informational, like a message naming an old flag in Python code, so
    that ``--check`` does not fail on commentary (a flag the file's parser still accepts is not
    noted at all)."""
    for offset, mention in mentions(doc.text[start:end]):
        code = mention_code(mention)
        if mention.startswith("-") and still_valid(mention, doc.options):
            continue
        if doc.wanted(start + offset, code):
            doc.note(start + offset, code, f"{mention} left as it is: {why}")


def rewrite_comment_words(
    doc: TextDocument,
    start: int,
    end: int,
    mentions: Callable[[str], Iterable[tuple[int, str]]] = old_api_mentions,
    why: str = "",
) -> None:
    """The comment ``doc.text[start:end]`` (whole comment lines, ``\\``-continued): a command
    or argv line in it is rewritten word by word (only the words inside the comment change);
    any other old flag in it is reported."""
    group = doc.text[start:end]
    if is_todo(group) or not any(mentions(group)):
        return
    inner = uncommented(group)
    if not is_command_line(inner) or not mentions_legacy_flag(group):
        report_prose_mentions(doc, start, end, why or PROSE_COMMENT, mentions)
        return
    inner_doc = TextDocument(inner, doc.options)
    rewrite_groups(inner_doc, [loose_words(inner, 0, len(inner))], one_flag_per_line=False)
    report_leftovers(
        inner_doc, "it is glued to other text in a commented-out command line; update it by hand"
    )
    adopt_comment(doc, inner_doc, start, end)


def adopt_comment(doc: TextDocument, inner: TextDocument, start: int, end: int) -> None:
    """Take over the rewrite of an uncommented comment; a comment left with no words goes."""
    emptied = bool(inner.edits) and not inner.new_text().strip()
    doc.adopt(inner, start, anchor=None, with_edits=not emptied)
    if emptied:
        doc.edits.append(comment_deletion(doc.text, start, end))


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
    return (
        text[group_start:group_end].rstrip().endswith("\\")
        and between.count("\n") == 1
        and not between.strip()
    )


def comment_deletion(text: str, start: int, end: int) -> TextEdit:
    """Delete the comment ``text[start:end]``: its lines when it is alone on them, else the
    comment and the blanks before it."""
    line_start = text.rfind("\n", 0, start) + 1
    if not text[line_start:start].strip():
        line_end = text.find("\n", end)
        return TextEdit(line_start, len(text) if line_end < 0 else line_end + 1, "")
    blanks = len(text[line_start:start]) - len(text[line_start:start].rstrip(" \t"))
    return TextEdit(start - blanks, end, "")


PROSE_COMMENT = (
    "it is in a comment that reads as prose, not as a command line (a note: update "
    "the comment when you can)"
)
