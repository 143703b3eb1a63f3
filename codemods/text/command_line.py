"""Carry out the translator's answer for one command line found in a text.

The command-line rules (MTC201-MTC204) have one implementation: a kind finds the argv word lists
in its text, :func:`translate` says what to change for the file's target (the flags the parser
it runs accepts), and :func:`carry_out` records each problem and each edit in the document,
where the kind decides only how an edit is spelled as text. When the parser lacks the new flags
and the old ones still mean what they meant (``command_target == "keep"``), every old flag is
left as it is, with a note saying why.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from codemods.core import Options
from codemods.text.document import TextDocument
from codemods.text.words import (
    TextEdit,
    UnspellableWord,
    flag_mentions,
    is_legacy_flag_word,
    legacy_flag_code,
)

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
            doc.report(offset, problem.code, problem.message, problem.suggestion,
                       anchor_of(offset))
    for note in translation.notes:
        offset = offset_of(note.index)
        if doc.wanted(offset, note.code):
            doc.note(offset, note.code, f"{note.message}: {note.suggestion}"
                     if note.suggestion else note.message)
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
            doc.report(offset, edit.code,
                       f"{edit.message}; but {word} cannot be written in place here",
                       suggestion, anchor_of(offset))
            continue
        doc.fix(offset, edit.code, edit.message, suggestion, edits)


def _judge_prompt_formats(doc: TextDocument, translation: Translation,
                          offset_of: Callable[[int], int],
                          anchor_of: Callable[[int], int | None]) -> None:
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


def report_leftovers(doc: TextDocument, why: str,
                     skip: Callable[[int], bool] = lambda offset: False) -> None:
    """Report every old flag on a line that holds no finding yet: never a silent miss.

    ``why`` completes "<flag> left as it is: ..."; ``skip`` leaves out offsets the kind knows
    are not code (comments).
    """
    handled = doc.handled_lines()
    for offset, flag in flag_mentions(doc.text):
        line = doc.lines.line_number(offset)
        if line in handled or skip(offset) or still_valid(flag, doc.options):
            continue
        handled.add(line)
        code = legacy_flag_code(flag)
        if doc.wanted(offset, code):
            doc.report(offset, code, f"{flag} left as it is: {why}")
