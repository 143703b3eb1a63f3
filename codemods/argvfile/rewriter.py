"""Rewrite argv files (``*.args``: command-line words, typically one flag per line).

Lines starting with ``#`` are comments: a commented-out argv line is rewritten like a live one
(the words inside the comment), any other comment naming an old flag is reported.
"""

from __future__ import annotations

import re

from codemods.core import Options, RewriteResult
from codemods.text.command_line import loose_word, report_leftovers, rewrite_groups
from codemods.text.comments import continued_groups, rewrite_comment_words
from codemods.text.document import TextDocument
from codemods.text.words import Word, mentions_old_api

# a comment line of an argv file, or a word (a comment line is consumed before its words)
_COMMENT_OR_WORD = re.compile(r"(?m)^[^\S\n]*#[^\n]*|\S+")


def _is_comment(doc: TextDocument, offset: int) -> bool:
    return doc.lines.line_at(offset).lstrip().startswith("#")


def argv_file_words(doc: TextDocument) -> list[Word]:
    """The words of an argv file; lines starting with ``#`` are comments."""
    return [
        word
        for match in _COMMENT_OR_WORD.finditer(doc.text)
        if not match.group().lstrip().startswith("#") and (word := loose_word(match)) is not None
    ]


def validate(text: str) -> None:
    """Any text is a valid argv file; nothing to check."""


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    if not mentions_old_api(text):
        return RewriteResult(text)
    doc = TextDocument(text, options)
    words = argv_file_words(doc)
    on_several_lines = bool(words) and "\n" in text[words[0].start : words[-1].start]
    rewrite_groups(doc, [words], one_flag_per_line=on_several_lines)
    comments = [
        (start + len(line) - len(line.lstrip()), start + len(line))
        for start, line in ((start, doc.lines.line_at(start)) for start in doc.lines.starts)
        if line.lstrip().startswith("#")
    ]
    for start, end in continued_groups(comments, text):
        rewrite_comment_words(doc, start, end)
    report_leftovers(
        doc,
        "it is glued to other text; check it by hand",
        skip=lambda offset: _is_comment(doc, offset),
    )
    return doc.result()
