"""Rewrite the old tokenizer flags in fenced shell blocks of Markdown documents.

Blocks tagged ``sh``, ``bash``, ``shell`` or ``zsh`` go through the shell rewriter; blocks that
are not valid bash (documentation likes ``<placeholders>``) and ``console`` blocks (only the
``$ `` command lines, with their continuation lines) are rewritten word by word, one command per
logical line. Prose and other blocks are never touched; old flags there are reported.
"""

from __future__ import annotations

import re

from codemods.argvfile.rewriter import loose_words, rewrite_groups
from codemods.core import Options, RewriteResult, UnparsableError
from codemods.shell.rewriter import record as record_shell
from codemods.shell.rewriter import validate as validate_shell
from codemods.text.command_line import report_leftovers
from codemods.text.document import TextDocument
from codemods.text.words import Word, mentions_legacy_flag

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$",
                    re.MULTILINE)
SHELL_LANGUAGES = {"sh", "bash", "shell", "zsh"}
CONSOLE_LANGUAGES = {"console", "shell-session"}
_PROMPT = re.compile(r"^[ \t]*\$ ")


def fenced_blocks(text: str) -> list[tuple[str, int, int]]:
    """(language, content start, content end) of every fenced code block."""
    blocks: list[tuple[str, int, int]] = []
    position = 0
    while True:
        opening = _FENCE.search(text, position)
        if opening is None:
            return blocks
        fence = opening.group("fence")
        content_start = opening.end() + 1
        closing = re.compile(r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence))
                             + r",}[ \t]*$", re.MULTILINE).search(text, content_start)
        content_end = closing.start() if closing else len(text)
        language = (opening.group("info").split() or [""])[0].lower()
        if content_start <= content_end:
            blocks.append((language, content_start, content_end))
        position = closing.end() if closing else len(text)
        if closing is None:
            return blocks


def _logical_lines(text: str, start: int, end: int, console: bool) -> list[list[Word]]:
    """Word lists, one per command: lines joined by trailing ``\\``; console: ``$ `` lines."""
    groups: list[list[Word]] = []
    current: list[Word] | None = None
    offset = start
    for line in text[start:end].splitlines(keepends=True):
        body = line.rstrip("\n")
        if current is None:
            if console:
                prompt = _PROMPT.match(body)
                if prompt is None:
                    offset += len(line)
                    continue
                current = loose_words(text, offset + prompt.end(), offset + len(body))
            elif body.lstrip().startswith("#"):
                offset += len(line)
                continue
            else:
                current = loose_words(text, offset, offset + len(body))
        else:
            current += loose_words(text, offset, offset + len(body))
        if not body.rstrip().endswith("\\"):
            groups.append(current)
            current = None
        offset += len(line)
    if current:
        groups.append(current)
    return groups


def _as_script(content: str, options: Options) -> TextDocument | None:
    """The block rewritten as a bash script; None when it is not one (documentation likes
    ``<placeholders>``), or would not be one after the rewrite."""
    try:
        validate_shell(content)
        block = TextDocument(content, options)
        record_shell(block)
        validate_shell(block.new_text())
    except UnparsableError:
        return None
    return block


def validate(text: str) -> None:
    """Markdown has no syntax errors; nothing to check."""


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    if not mentions_legacy_flag(text):
        return RewriteResult(text)
    doc = TextDocument(text, options)
    for language, start, end in fenced_blocks(text):
        content = text[start:end]
        if language not in SHELL_LANGUAGES | CONSOLE_LANGUAGES or \
                not mentions_legacy_flag(content):
            continue
        block = _as_script(content, options) if language in SHELL_LANGUAGES else None
        if block is not None:
            doc.adopt(block, start, anchor=None)
            continue
        groups = _logical_lines(text, start, end, console=language in CONSOLE_LANGUAGES)
        rewrite_groups(doc, groups, one_flag_per_line=False)
    report_leftovers(doc, "it is in documentation text (prose, inline code or a block that is "
                     "not shell); update it by hand")
    return doc.result()
