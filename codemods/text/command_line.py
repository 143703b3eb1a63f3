"""Carry out the translator's answer for one command line found in a text.

The command-line rules (MTC201-MTC204) have one implementation: a kind finds the argv word lists
in its text, :func:`translate` says what to change for the file's target (the flags the parser
it runs accepts), and :func:`carry_out` records each problem and each edit in the document,
where the kind decides only how an edit is spelled as text. When the parser lacks the new flags
and the old ones still mean what they meant (``command_target == "keep"``), every old flag is
left as it is, with a note saying why.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from codemods.core import Options
from codemods.text.document import TextDocument
from codemods.text.words import (
    TextEdit,
    UnspellableWord,
    Word,
    is_legacy_flag_word,
    legacy_flag_code,
    mention_code,
    old_api_mentions,
    text_edits_for,
)
from compat.deprecations import TOKENIZER_TYPE_FLAG_NAME, TOKENIZER_TYPES

_WORD = re.compile(r"\S+")

if TYPE_CHECKING:
    from compat.args import ArgvEdit, Translation


def translate(words: Sequence[str], options: Options) -> Translation:
    """The one translation every kind uses (:func:`compat.args.translate_argv`), for the
    file's command-line target and the Megatron its old flags ran on."""
    from compat.args import translate_argv

    target = "pr3889" if options.command_target == "keep" else options.command_target
    return translate_argv(list(words), target=target, source=options.source)


def still_valid(flag: str, options: Options) -> bool:
    """Whether the parser the file's command lines run accepts ``flag`` as it is."""
    from compat.releases import MAIN

    if options.command_target == "keep":
        return True
    return options.command_target == "upstream" and MAIN.accepts(flag)


def kept_flag_message(word: str, options: Options) -> str:
    return f"{word.partition('=')[0]} left as it is: {options.kept_because}"


class NotRewritable(Exception):
    """An edit the translator asks for that cannot be made here: reported under ``code``."""

    def __init__(self, code: str, message: str, suggestion: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.suggestion = suggestion


def carry_out(
    doc: TextDocument,
    words: Sequence[str],
    offset_of: Callable[[int], int],
    text_edits: Callable[[ArgvEdit], list[TextEdit]],
    anchor: int | None | Callable[[int], int | None],
) -> None:
    """Translate ``words`` and record the result in ``doc``: ``offset_of`` locates an argv
    index in the text, ``text_edits`` spells one edit (raising :class:`NotRewritable` or
    :class:`UnspellableWord` when it cannot); a site left for a person is marked above
    ``anchor`` (an offset, or a function of the site's offset)."""
    if doc.options.command_target == "keep":
        for index, word in enumerate(words):
            offset = offset_of(index)
            if is_legacy_flag_word(word) and doc.wanted(offset, legacy_flag_code(word)):
                doc.note(offset, legacy_flag_code(word), kept_flag_message(word, doc.options))
        return
    translation = translate(words, doc.options)
    anchor_of = anchor if callable(anchor) else lambda offset: anchor
    for problem in translation.errors:
        offset = offset_of(problem.index)
        if doc.wanted(offset, problem.code):
            doc.report(offset, problem.code, problem.message, problem.suggestion, anchor_of(offset))
    for note in translation.notes:
        offset = offset_of(note.index)
        if doc.wanted(offset, note.code):
            doc.note(
                offset,
                note.code,
                f"{note.message}: {note.suggestion}" if note.suggestion else note.message,
            )
    _judge_prompt_formats(doc, translation, offset_of, anchor_of)
    for edit in translation.edits:
        offset = offset_of(edit.start)
        if not doc.wanted(offset, edit.code):
            continue
        suggestion = " ".join(edit.words)
        try:
            edits = text_edits(edit)
        except NotRewritable as reason:
            doc.report(offset, reason.code, reason.message, reason.suggestion, anchor_of(offset))
            continue
        except UnspellableWord as word:
            doc.report(
                offset,
                edit.code,
                f"{edit.message}; but {word} cannot be written in place here",
                suggestion,
                anchor_of(offset),
            )
            continue
        doc.fix(offset, edit.code, edit.message, suggestion, edits)


def _judge_prompt_formats(
    doc: TextDocument,
    translation: Translation,
    offset_of: Callable[[int], int],
    anchor_of: Callable[[int], int | None],
) -> None:
    from codemods.rules.unregistered_prompt_format import rule, verdict

    for index, name in translation.prompt_formats:
        offset = offset_of(index)
        found = verdict(name, built_by_compat=doc.options.command_target != "upstream")
        if found is None or not doc.wanted(offset, rule.code):
            continue
        if found.informational:
            doc.note(offset, rule.code, found.message)
        else:
            doc.report(offset, rule.code, found.message, found.suggestion, anchor_of(offset))


def report_leftovers(
    doc: TextDocument, why: str, skip: Callable[[int], bool] = lambda offset: False
) -> None:
    """Report every old flag, and every name of the old Python API, on a line that holds no
    finding yet and that no edit rewrites: never a silent miss.

    ``why`` completes "<flag> left as it is: ..."; ``skip`` leaves out offsets the kind knows
    are not code (comments, which the kind reads on its own).
    """
    handled = doc.handled_lines()
    for offset, mention in old_api_mentions(doc.text):
        line = doc.lines.line_number(offset)
        flag = _as_flag(mention)
        if (
            line in handled
            or skip(offset)
            or _rewritten(doc, offset, mention)
            or (flag and still_valid(flag, doc.options))
        ):
            continue
        handled.add(line)
        code = mention_code(mention)
        if doc.wanted(offset, code):
            reason = (
                why
                if mention.startswith("-")
                else TYPE_LEFT
                if mention in TOKENIZER_TYPES
                else NAME_LEFT
            )
            doc.report(offset, code, f"{mention} left as it is: {reason}")


def _as_flag(mention: str) -> str:
    """The flag a mention stands for: itself, ``--tokenizer-type`` for a tokenizer type's name
    (a value it takes), or "" for a name of the old Python API."""
    if mention.startswith("-"):
        return mention
    return TOKENIZER_TYPE_FLAG_NAME if mention in TOKENIZER_TYPES else ""


def _rewritten(doc: TextDocument, offset: int, mention: str) -> bool:
    """Whether an edit replaces the text at ``offset`` with text that no longer names
    ``mention`` (a variable's assignment rewritten with its flag)."""
    return any(
        edit.start <= offset < edit.end and mention not in edit.replacement for edit in doc.edits
    )


TYPE_LEFT = (
    "it is an old tokenizer type (or class) named outside a command line the tool "
    "rewrites; update it by hand"
)
NAME_LEFT = (
    "it names the old tokenizer API outside Python code the tool rewrites (a message, "
    "a string, documentation); update it by hand"
)


# --- plain-text word lists (argv files, documentation, comments) ---------------------------


def loose_words(text: str, start: int, end: int) -> list[Word]:
    """Whitespace-separated words of ``text[start:end]``; a quoted word loses its quotes."""
    return [
        word
        for match in _WORD.finditer(text, start, end)
        if (word := loose_word(match)) is not None
    ]


def loose_word(match: re.Match[str]) -> Word | None:
    """The word a whitespace-separated match spells; None for a line continuation."""
    written = match.group()
    if written == "\\":
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
        return text_edits_for(
            doc.text, words, edit, new_word_separator=separator, value_separator=value_separator
        )

    carry_out(
        doc,
        [word.value for word in words],
        lambda index: words[index].start,
        text_edits,
        anchor=None,
    )


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
