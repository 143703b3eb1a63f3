"""Rewrite the old tokenizer flags in fenced shell blocks of Markdown documents.

Blocks tagged ``sh``, ``bash``, ``shell`` or ``zsh`` go through the shell rewriter; blocks that
are not valid bash (documentation likes ``<placeholders>``) and ``console`` blocks (only the
``$ `` command lines, with their continuation lines) are rewritten word by word, one command per
logical line. Prose and other blocks are never touched; old flags there are reported.
"""

from __future__ import annotations

import re

from codemods.argvfile.rewriter import loose_words, rewrite_groups
from codemods.core import Finding, Options, RewriteResult, UnparsableError, is_suppressed
from codemods.shell.rewriter import rewrite as rewrite_shell
from codemods.shell.rewriter import validate as validate_shell
from codemods.shell.words import (
    TextEdit,
    Word,
    apply_text_edits,
    leftover_mentions,
    legacy_flag_code,
    line_and_column,
    line_at,
    mentions_legacy_flag,
)

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


def _is_bash(content: str) -> bool:
    try:
        validate_shell(content)
    except UnparsableError:
        return False
    return True


def validate(text: str) -> None:
    """Markdown has no syntax errors; nothing to check."""


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    if not mentions_legacy_flag(text):
        return RewriteResult(text)
    edits: list[TextEdit] = []
    findings: list[Finding] = []
    for language, start, end in fenced_blocks(text):
        content = text[start:end]
        if language not in SHELL_LANGUAGES | CONSOLE_LANGUAGES or \
                not mentions_legacy_flag(content):
            continue
        result = None
        if language in SHELL_LANGUAGES and _is_bash(content):
            try:
                result = rewrite_shell(content, path, Options(
                    target=options.target, select=options.select, ignore=options.ignore))
            except UnparsableError:
                result = None  # rewritten word by word below
        if result is not None:
            base_line = text.count("\n", 0, start)
            edits.append(TextEdit(start, end, result.new_text))
            findings += [
                Finding(f.line + base_line, f.col, f.code, f.message, f.suggestion, f.fixed)
                for f in result.findings
            ]
            continue
        groups = _logical_lines(text, start, end, console=language in CONSOLE_LANGUAGES)
        outcome = rewrite_groups(text, groups, options, one_flag_per_line=False)
        edits += outcome.edits
        findings += outcome.findings
    findings += _leftovers(text, {finding.line for finding in findings}, options)
    findings.sort(key=lambda f: (f.line, f.col, f.code))
    return RewriteResult(apply_text_edits(text, edits), findings)


def _leftovers(text: str, handled_lines: set[int], options: Options) -> list[Finding]:
    """Old flags in prose, inline code and other blocks: reported for a person to update."""
    findings = []
    for start, flag in leftover_mentions(text, handled_lines):
        code = legacy_flag_code(flag)
        if not options.enabled(code) or is_suppressed(line_at(text, start), code):
            continue
        line, column = line_and_column(text, start)
        findings.append(Finding(line, column, code, f"{flag} in documentation text (prose, "
                                "inline code or a block that is not shell): update it by hand"))
    return findings
