"""Rewrite argv files (``*.args``: command-line words, typically one flag per line).

The same machinery rewrites any list of whitespace-separated words found in plain text (the
Markdown rewriter uses it for ``console`` blocks and for shell blocks that are not valid bash).
"""

from __future__ import annotations

import re

from codemods.core import Options, RewriteResult
from codemods.text.command_line import carry_out, report_leftovers
from codemods.text.document import TextDocument
from codemods.text.words import (
    TextEdit,
    Word,
    is_legacy_flag_word,
    mentions_legacy_flag,
    text_edits_for,
)
from compat.args import ArgvEdit

_WORD = re.compile(r"\S+")
# a comment line of an argv file, or a word (a comment line is consumed before its words)
_COMMENT_OR_WORD = re.compile(r"(?m)^[^\S\n]*#[^\n]*|\S+")


def loose_words(text: str, start: int, end: int) -> list[Word]:
    """Whitespace-separated words of ``text[start:end]``; a quoted word loses its quotes."""
    return [word for match in _WORD.finditer(text, start, end)
            if (word := _loose_word(match)) is not None]


def _loose_word(match: re.Match[str]) -> Word | None:
    written = match.group()
    if written == "\\":  # a line continuation, not a word
        return None
    quoted = len(written) > 1 and written[0] in "'\"" and written[-1] == written[0]
    quote = written[0] if quoted else ""
    value = written[1:-1] if quote else written
    return Word(match.start(), match.end(), value, "shell", quote)


def rewrite_groups(doc: TextDocument, groups: list[list[Word]], one_flag_per_line: bool) -> None:
    """Translate each word list as one argv and record its edits and findings in ``doc``."""
    for words in groups:
        if any(is_legacy_flag_word(word.value) for word in words):
            _rewrite_group(doc, words, one_flag_per_line)


def _rewrite_group(doc: TextDocument, words: list[Word], one_flag_per_line: bool) -> None:
    def text_edits(edit: ArgvEdit) -> list[TextEdit]:
        separator, value_separator = " ", " "
        if one_flag_per_line:
            separator, value_separator = _line_layout(doc, words, edit)
        return text_edits_for(doc.text, words, edit, new_word_separator=separator,
                              value_separator=value_separator)

    carry_out(doc, [word.value for word in words], lambda index: words[index].start,
              text_edits, anchor=None)


def _line_layout(doc: TextDocument, words: list[Word], edit: ArgvEdit) -> tuple[str, str]:
    """Separators for new flags and their values, copied from the lines being edited.

    A new flag starts a new line indented like the last edited word's line (ending in ``\\``
    when that line does); its value goes on the same line, unless the edited flag had its value
    on a line of its own (one word per line, argparse's ``fromfile_prefix_chars`` layout).
    """
    last = words[edit.stop - 1]
    line = doc.lines.line_at(last.start)
    indent = line[: len(line) - len(line.lstrip())]
    continued = line.rstrip().endswith("\\")
    separator = (" \\" if continued else "") + "\n" + indent
    first = words[edit.start]
    value_on_own_line = (
        edit.stop - edit.start > 1 and "\n" in doc.text[first.end : words[edit.start + 1].start]
    )
    return separator, separator if value_on_own_line else " "


def _is_comment(doc: TextDocument, offset: int) -> bool:
    return doc.lines.line_at(offset).lstrip().startswith("#")


def argv_file_words(doc: TextDocument) -> list[Word]:
    """The words of an argv file; lines starting with ``#`` are comments."""
    return [word for match in _COMMENT_OR_WORD.finditer(doc.text)
            if not match.group().lstrip().startswith("#")
            and (word := _loose_word(match)) is not None]


def validate(text: str) -> None:
    """Any text is a valid argv file; nothing to check."""


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    if not mentions_legacy_flag(text):
        return RewriteResult(text)
    doc = TextDocument(text, options)
    words = argv_file_words(doc)
    on_several_lines = bool(words) and "\n" in text[words[0].start:words[-1].start]
    rewrite_groups(doc, [words], one_flag_per_line=on_several_lines)
    report_leftovers(doc, "it is glued to other text; check it by hand",
                     skip=lambda offset: _is_comment(doc, offset))
    return doc.result()
