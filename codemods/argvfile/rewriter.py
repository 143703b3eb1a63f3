"""Rewrite argv files (``*.args``: command-line words, typically one flag per line).

The same machinery rewrites any list of whitespace-separated words found in plain text (the
Markdown rewriter uses it for ``console`` blocks and for shell blocks that are not valid bash).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from codemods.core import Finding, Options, RewriteResult, is_suppressed
from codemods.shell.words import (
    TextEdit,
    UnspellableWord,
    Word,
    apply_text_edits,
    is_legacy_flag_word,
    leftover_mentions,
    legacy_flag_code,
    line_and_column,
    line_at,
    mentions_legacy_flag,
    text_edits_for,
)


def _translate(argv: list[str]):
    from compat.args import translate_argv

    return translate_argv(argv)


def loose_words(text: str, start: int, end: int) -> list[Word]:
    """Whitespace-separated words of ``text[start:end]``; a quoted word loses its quotes."""
    words: list[Word] = []
    index = start
    while index < end:
        while index < end and text[index].isspace():
            index += 1
        if index >= end:
            break
        word_start = index
        while index < end and not text[index].isspace():
            index += 1
        written = text[word_start:index]
        quote = written[0] if len(written) > 1 and written[0] in "'\"" and \
            written[-1] == written[0] else ""
        value = written[1:-1] if quote else written
        if written != "\\":  # a line continuation, not a word
            words.append(Word(word_start, index, value, "shell", quote))
    return words


@dataclass
class GroupOutcome:
    edits: list[TextEdit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def rewrite_groups(text: str, groups: list[list[Word]], options: Options,
                   one_flag_per_line: bool) -> GroupOutcome:
    """Translate each word list as one argv and collect the text edits and findings."""
    outcome = GroupOutcome()

    def report(offset: int, code: str, message: str, suggestion: str, fixed: bool) -> None:
        line, column = line_and_column(text, offset)
        outcome.findings.append(Finding(line, column, code, message, suggestion, fixed))

    for words in groups:
        if not any(is_legacy_flag_word(word.value) for word in words):
            continue
        translation = _translate([word.value for word in words])
        for problem in translation.errors:
            offset = words[problem.index].start
            if options.enabled(problem.code) and not is_suppressed(line_at(text, offset),
                                                                   problem.code):
                report(offset, problem.code, problem.message, problem.suggestion, False)
        for edit in translation.edits:
            offset = words[edit.start].start
            if not options.enabled(edit.code) or is_suppressed(line_at(text, offset), edit.code):
                continue
            separator, value_separator = " ", " "
            if one_flag_per_line:
                separator, value_separator = _line_layout(text, words, edit)
            try:
                outcome.edits += text_edits_for(text, words, edit, new_word_separator=separator,
                                                value_separator=value_separator)
            except UnspellableWord as word:
                report(offset, edit.code, f"{edit.message}; but {word} cannot be written in "
                       "place here", " ".join(edit.words), False)
                continue
            report(offset, edit.code, edit.message, " ".join(edit.words), True)
    return outcome


def _line_layout(text: str, words: list[Word], edit) -> tuple[str, str]:
    """Separators for new flags and their values, copied from the lines being edited.

    A new flag starts a new line indented like the last edited word's line (ending in ``\\``
    when that line does); its value goes on the same line, unless the edited flag had its value
    on a line of its own (one word per line, argparse's ``fromfile_prefix_chars`` layout).
    """
    last = words[edit.stop - 1]
    line = line_at(text, last.start)
    indent = line[: len(line) - len(line.lstrip())]
    continued = line.rstrip().endswith("\\")
    separator = (" \\" if continued else "") + "\n" + indent
    first = words[edit.start]
    value_on_own_line = (
        edit.stop - edit.start > 1
        and "\n" in text[first.end:words[edit.start + 1].start]
    )
    return separator, separator if value_on_own_line else " "


def _comment_lines(text: str) -> list[tuple[int, int]]:
    spans = []
    offset = 0
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("#"):
            spans.append((offset, offset + len(line)))
        offset += len(line)
    return spans


def argv_file_words(text: str) -> list[Word]:
    """The words of an argv file; lines starting with ``#`` are comments."""
    words: list[Word] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        if not line.lstrip().startswith("#"):
            words += loose_words(text, offset, offset + len(line))
        offset += len(line)
    return words


def validate(text: str) -> None:
    """Any text is a valid argv file; nothing to check."""


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    if not mentions_legacy_flag(text):
        return RewriteResult(text)
    words = argv_file_words(text)
    lines_with_words = {line_and_column(text, word.start)[0] for word in words}
    one_flag_per_line = len(lines_with_words) > 1
    outcome = rewrite_groups(text, [words], options, one_flag_per_line)
    handled = {finding.line for finding in outcome.findings}
    comments = _comment_lines(text)
    for start, flag in leftover_mentions(text, handled, comments):
        code = legacy_flag_code(flag)
        if options.enabled(code) and not is_suppressed(line_at(text, start), code):
            line, column = line_and_column(text, start)
            outcome.findings.append(Finding(line, column, code, f"{flag} left as it is (it is "
                                            "glued to other text); check it by hand"))
    findings = sorted(outcome.findings, key=lambda f: (f.line, f.col, f.code))
    return RewriteResult(apply_text_edits(text, outcome.edits), findings)
