"""Rewrite argv files (``*.args``: command-line words, typically one flag per line).

Lines starting with ``#`` are comments: a commented-out argv line is rewritten like a live one
(the words inside the comment), any other comment naming an old flag is reported.
"""

from __future__ import annotations

from codemods.core import Options, RewriteResult
from codemods.text.command_line import loose_words, report_leftovers, rewrite_groups
from codemods.text.comments import continued_groups, rewrite_comment_words
from codemods.text.document import TextDocument
from codemods.text.words import Word, mentions_old_api


def _is_comment(doc: TextDocument, offset: int) -> bool:
    return doc.lines.line_at(offset).lstrip().startswith("#")


def argv_file_words(doc: TextDocument) -> list[Word]:
    """The words of an argv file; lines starting with ``#`` are comments."""
    words: list[Word] = []
    starts = doc.lines.starts
    for number, start in enumerate(starts):
        end = starts[number + 1] if number + 1 < len(starts) else len(doc.text)
        if not _is_comment(doc, start):
            words += loose_words(doc.text, start, end)
    return words


def validate(text: str) -> None:
    """Any text is a valid argv file; nothing to check."""


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    if not mentions_old_api(text):
        return RewriteResult(text)
    doc = TextDocument(text, options)
    words = argv_file_words(doc)
    lines_with_words = {doc.lines.line_number(word.start) for word in words}
    rewrite_groups(doc, [words], one_flag_per_line=len(lines_with_words) > 1)
    comments = [(start + len(line) - len(line.lstrip()), start + len(line))
                for start, line in ((start, doc.lines.line_at(start)) for start in doc.lines.starts)
                if line.lstrip().startswith("#")]
    for start, end in continued_groups(comments, text):
        rewrite_comment_words(doc, start, end)
    report_leftovers(doc, "it is glued to other text; check it by hand",
                     skip=lambda offset: _is_comment(doc, offset))
    return doc.result()
