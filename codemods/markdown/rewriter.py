"""Rewrite the old tokenizer flags in the shell code blocks of documentation (Markdown, MDX).

Blocks tagged ``sh``, ``bash``, ``shell`` or ``zsh`` go through the shell rewriter; blocks that
are not valid bash (documentation likes ``<placeholders>``) and ``console`` blocks (only the
``$ `` command lines, with their continuation lines) are rewritten word by word, one command per
logical line. Untagged blocks (and ``text``) are read as shell when they are valid bash, else
only their command lines (:func:`codemods.text.comments.is_command_line`: a launcher, a script,
a flag first, or a ``\\`` continuation) are rewritten word by word. Prose and other blocks are
never touched; old flags there are reported. Python blocks go through the Python rules.
:func:`rewrite_code_block` is shared with the reStructuredText kind.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from codemods.core import Options, RewriteResult, UnparsableError
from codemods.shell.rewriter import record as record_shell
from codemods.shell.rewriter import validate as validate_shell
from codemods.shell.rewriter import validate_rewrite as validate_shell_rewrite
from codemods.text.command_line import loose_words, report_leftovers, rewrite_groups
from codemods.text.comments import is_command_line
from codemods.text.document import LineIndex, TextDocument
from codemods.text.words import TextEdit, Word, mentions_legacy_flag, mentions_old_api

_FENCE = re.compile(
    r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$", re.MULTILINE
)
SHELL_LANGUAGES = {"sh", "bash", "shell", "zsh"}
CONSOLE_LANGUAGES = {"console", "shell-session"}
PYTHON_LANGUAGES = {"python", "py", "python3"}
# blocks that say nothing of their language: often a command line, sometimes anything else
UNTAGGED_LANGUAGES = {"", "text", "none", "plain", "plaintext", "txt"}
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
        closing = re.compile(
            r"^ {0,3}" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}[ \t]*$", re.MULTILINE
        ).search(text, content_start)
        content_end = closing.start() if closing else len(text)
        language = (opening.group("info").split() or [""])[0].lower()
        if content_start <= content_end:
            blocks.append((language, content_start, content_end))
        position = closing.end() if closing else len(text)
        if closing is None:
            return blocks


def _commands(text: str, start: int, end: int, console: bool) -> list[tuple[list[Word], str]]:
    """Each command's words and its first line (lines joined by trailing ``\\``; console:
    only ``$ `` lines); comment lines are left out."""
    groups: list[tuple[list[Word], str]] = []
    current: list[Word] | None = None
    first_line = ""
    offset = start
    for line in text[start:end].splitlines(keepends=True):
        body = line.rstrip("\n")
        if current is None:
            first_line = body
            if console:
                prompt = _PROMPT.match(body)
                if prompt is None:
                    offset += len(line)
                    continue
                first_line = body[prompt.end() :]
                current = loose_words(text, offset + prompt.end(), offset + len(body))
            elif body.lstrip().startswith("#"):
                offset += len(line)
                continue
            else:
                current = loose_words(text, offset, offset + len(body))
        else:
            current += loose_words(text, offset, offset + len(body))
        if not body.rstrip().endswith("\\"):
            groups.append((current, first_line))
            current = None
        offset += len(line)
    if current:
        groups.append((current, first_line))
    return groups


def _as_script(content: str, options: Options) -> TextDocument | None:
    """The block rewritten as a bash script; None when it is not one (documentation likes
    ``<placeholders>``), or would not be one after the rewrite."""
    try:
        validate_shell(content)
        block = TextDocument(content, options)
        record_shell(block)
        validate_shell_rewrite(content, block.new_text())
    except UnparsableError:
        return None
    return block


def rewrite_code_block(doc: TextDocument, language: str, start: int, end: int, path: str) -> None:
    """Rewrite the code block ``doc.text[start:end]`` written in ``language`` (lower case; ""
    when untagged); blocks of other languages are left to the leftover report."""
    if language in PYTHON_LANGUAGES:
        _rewrite_python_block(doc, start, end, path)
        return
    content = doc.text[start:end]
    shell_like = language in SHELL_LANGUAGES or language in UNTAGGED_LANGUAGES
    if not mentions_legacy_flag(content) or not (shell_like or language in CONSOLE_LANGUAGES):
        return
    block = _as_script(content, doc.options) if shell_like else None
    if block is not None:
        doc.adopt(block, start, anchor=None)
        return
    commands = _commands(doc.text, start, end, console=language in CONSOLE_LANGUAGES)
    if language in UNTAGGED_LANGUAGES:
        commands = [(words, first) for words, first in commands if is_command_line(first)]
    rewrite_groups(doc, [words for words, _ in commands], one_flag_per_line=False)


def _rewrite_python_block(doc: TextDocument, start: int, end: int, path: str) -> None:
    """A Python block goes through the Python rules (when it parses)."""
    from codemods.python import validate as validate_python
    from codemods.python.rewriter import rewrite_source

    content = doc.text[start:end]
    try:
        result = rewrite_source(content, path, doc.options)
        if result.new_text != content:
            validate_python(result.new_text)
    except UnparsableError:
        return  # what it names is reported as documentation text
    lines = LineIndex(content)
    for finding in result.findings:
        offset = start + lines.starts[finding.line - 1] + finding.col - 1
        if finding.fixed:
            doc.fix(offset, finding.code, finding.message, finding.suggestion, [])
        else:
            doc.report(offset, finding.code, finding.message, finding.suggestion)
    if result.new_text != content:
        doc.edits.append(TextEdit(start, end, result.new_text))


def validate(text: str) -> None:
    """Markdown has no syntax errors; nothing to check."""


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    return rewrite_documentation(text, path, options, fenced_blocks)


def rewrite_documentation(
    text: str,
    path: str,
    options: Options,
    code_blocks: Callable[[str], Iterable[tuple[str, int, int]]],
) -> RewriteResult:
    """Rewrite each ``(language, start, end)`` code block ``code_blocks`` finds in a document,
    and report what is left in its prose."""
    if not mentions_old_api(text):
        return RewriteResult(text)
    doc = TextDocument(text, options)
    for language, start, end in code_blocks(text):
        rewrite_code_block(doc, language, start, end, path)
    report_leftovers(doc, DOCUMENTATION_TEXT)
    return doc.result()


DOCUMENTATION_TEXT = (
    "it is in documentation text (prose, inline code or a block that is not "
    "shell); update it by hand"
)
