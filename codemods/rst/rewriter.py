"""Rewrite the old tokenizer flags in the code blocks of reStructuredText documents.

Blocks are ``.. code-block:: LANG`` (and ``.. code::``, ``.. sourcecode::``), ``.. prompt:: bash``
(sphinx-prompt: commands without their prompt) and literal blocks introduced by a paragraph
ending in ``::`` (no language: read like an untagged Markdown block). A block's content is its
indented lines after the directive's options and a blank line; it is rewritten as it stands (bash
does not mind the indentation) by the same code as Markdown's blocks. Prose is never touched;
old flags there are reported.
"""

from __future__ import annotations

import re

from codemods.core import Options, RewriteResult
from codemods.markdown.rewriter import SHELL_LANGUAGES, rewrite_documentation

_DIRECTIVE = re.compile(
    r"^(?P<indent>[ \t]*)\.\.[ \t]+(?P<name>code-block|code|sourcecode|prompt)::"
    r"[ \t]*(?P<arguments>[^\n]*)$",
    re.MULTILINE,
)
# a paragraph line ending in "::" (not a directive, not a comment) opens a literal block
_LITERAL_OPENER = re.compile(r"^(?P<indent>[ \t]*)(?!\.\.[ \t])\S[^\n]*::[ \t]*$", re.MULTILINE)
_OPTION = re.compile(r"^[ \t]+:[\w-]+:")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _content(text: str, opener_end: int, indent: int) -> tuple[int, int] | None:
    """(start, end) of the indented block after the line that ends at ``opener_end``."""
    position = opener_end + 1
    start = end = None
    for line in text[position:].splitlines(keepends=True):
        body = line.rstrip("\n")
        if body.strip():
            if _indent(body) <= indent:
                break
            if start is None and _OPTION.match(body):
                position += len(line)
                continue
            if start is None:
                start = position
            end = position + len(body)
        position += len(line)
    return None if start is None or end is None else (start, end)


def code_blocks(text: str) -> list[tuple[str, int, int]]:
    """(language, content start, content end) of every code block; "" for literal blocks."""
    blocks = []
    for match in _DIRECTIVE.finditer(text):
        arguments = match.group("arguments").split()
        language = arguments[0].lower() if arguments else ""
        if match.group("name") == "prompt" and language not in SHELL_LANGUAGES:
            continue
        span = _content(text, match.end(), _indent(match.group("indent")))
        if span is not None:
            blocks.append((language, *span))
    for match in _LITERAL_OPENER.finditer(text):
        span = _content(text, match.end(), _indent(match.group("indent")))
        if span is not None:
            blocks.append(("", *span))
    # a line ending in "::" inside a code block is code, not the opener of another block
    nested: list[tuple[str, int, int]] = []
    for block in sorted(blocks, key=lambda block: block[1]):
        if not nested or block[1] >= nested[-1][2]:
            nested.append(block)
    return nested


def validate(text: str) -> None:
    """reStructuredText has no syntax errors the rewrite could introduce; nothing to check."""


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    return rewrite_documentation(text, path, options, code_blocks)
