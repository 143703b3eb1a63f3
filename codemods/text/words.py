"""Command-line words located in a text, and the text edits that carry out a translated argv.

Every command-line file kind (shell scripts, argv files, Markdown blocks, command strings in YAML)
reduces its input to :class:`Word` sequences, asks :func:`compat.args.translate_argv` what to
change, and turns the translator's word-level edits back into character-level :class:`TextEdit`s
with :func:`text_edits_for`. Layout (separators, continuation lines, quoting) is kept: only the
characters of words that change are touched.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Literal, NamedTuple

from compat.args import ArgvEdit
from compat.deprecations import (
    LEGACY_FLAG_NAMES,
    LEGACY_FLAGS,
    LEGACY_MODULES,
    LEGACY_NAMES,
    MEGATRON_ROOT,
    MOVED_MODULE,
    NAMES_SHARED_WITH_OTHER_LIBRARIES,
    TOKENIZER_TYPE_FLAG,
    TOKENIZER_TYPE_FLAG_NAME,
    attribute_for,
)

# Where a word sits decides how a replacement must be spelled:
#   shell   a word of the shell grammar (may carry its own quotes)
#   double  a piece of the contents of a double-quoted shell string
#   single  a piece of the contents of a single-quoted shell string (or YAML text)
#   spanning  a word glued together from pieces quoted differently (``"--a "b" c"``): it
#             cannot be respelled in place
Context = Literal["shell", "double", "single", "spanning"]


class Word(NamedTuple):
    """A word of a command line as written in a text (a tuple: a 5 MB argv file holds ~600,000
    of them, and a frozen dataclass costs ten times as much to build)."""

    start: int
    end: int
    # what the program receives; for words with expansions, their text as written
    value: str
    context: Context = "shell"
    # the quote character wrapping the whole word as written ("" when unquoted)
    quote: str = ""
    # the quoted string this word was split out of (an array element "--flag value"): when all
    # of its words go, the string goes with them
    enclosure: tuple[int, int] | None = None


@dataclass(frozen=True)
class TextEdit:
    start: int
    end: int
    replacement: str


def is_legacy_flag_word(value: str) -> bool:
    name = value.split("=", 1)[0]
    return name in LEGACY_FLAG_NAMES


def legacy_flag_code(text: str) -> str:
    """The rule code of the first old flag named in ``text`` (``--tokenizer-type``'s if none);
    ``text`` may also be a flag's attribute (``legacy_tokenizer``), as YAML configs spell it."""
    flag = _FLAG_OF_ATTRIBUTE.get(text.strip())
    if flag is not None:
        return LEGACY_FLAGS[flag].rule.code
    positions = {flag: text.find(flag) for flag in LEGACY_FLAGS}
    found = sorted((at, flag) for flag, at in positions.items() if at >= 0)
    type_at = text.find(TOKENIZER_TYPE_FLAG_NAME)
    if found and (type_at < 0 or found[0][0] < type_at):
        return LEGACY_FLAGS[found[0][1]].rule.code
    return TOKENIZER_TYPE_FLAG.code


_FLAG_OF_ATTRIBUTE = {attribute_for(flag): flag for flag in LEGACY_FLAGS}
# an old flag's attribute used as a YAML key (`tokenizer_type: X`, also in a comment)
_ATTRIBUTE_KEY = re.compile(
    r"(?<![\w-])(?:"
    + "|".join(re.escape(attribute_for(flag)) for flag in LEGACY_FLAG_NAMES)
    + r")(?=[ \t]*:)"
)


def attribute_key_mentions(text: str) -> Iterator[tuple[int, str]]:
    """(offset, attribute) of every old flag's attribute written as a YAML key in ``text``."""
    for match in _ATTRIBUTE_KEY.finditer(text):
        yield match.start(), match.group()


def _legacy_name_codes() -> dict[str, str]:
    """Each way the old Python API is named in a text (a deleted module, a legacy name with
    its module, a legacy name that nothing else uses) → its rule code."""
    codes: dict[str, str] = {}
    for entry in LEGACY_NAMES:
        codes[entry.legacy_qualname] = entry.rule.code
        if (
            entry.new_name != entry.legacy_name
            and entry.legacy_name not in NAMES_SHARED_WITH_OTHER_LIBRARIES
        ):
            codes.setdefault(entry.legacy_name, entry.rule.code)
    for module in LEGACY_MODULES:
        inside = sorted(
            entry.rule.code for entry in LEGACY_NAMES if entry.legacy_module.startswith(module)
        )
        codes.setdefault(module, inside[0] if inside else MOVED_MODULE.code)
    return codes


LEGACY_NAME_CODES = _legacy_name_codes()
# what every mention contains: the package's path, or a bare legacy name (a cheap first test)
_NAME_HINTS = tuple({MEGATRON_ROOT, *(name for name in LEGACY_NAME_CODES if "." not in name)})
_NAME_MENTION = re.compile(
    r"(?<![\w.])(?:"
    + "|".join(re.escape(name) for name in sorted(LEGACY_NAME_CODES, key=len, reverse=True))
    + r")(?![\w])"
)


def name_mentions(text: str) -> Iterator[tuple[int, str]]:
    """(offset, name) of every mention of the old Python API (see :data:`LEGACY_NAME_CODES`)."""
    if not any(hint in text for hint in _NAME_HINTS):
        return
    for match in _NAME_MENTION.finditer(text):
        yield match.start(), match.group()


def mentions_legacy_name(text: str) -> bool:
    return any(hint in text for hint in _NAME_HINTS) and _NAME_MENTION.search(text) is not None


def mentions_old_api(text: str) -> bool:
    """Whether ``text`` names an old flag or the old Python API."""
    return mentions_legacy_flag(text) or mentions_legacy_name(text)


def old_api_mentions(text: str) -> Iterator[tuple[int, str]]:
    """Old flags and names of the old Python API in ``text``, in order."""
    yield from sorted([*flag_mentions(text), *name_mentions(text)])


def mention_code(mention: str) -> str:
    """The rule code of one mention (a flag, a flag's attribute or a name of the old API)."""
    return LEGACY_NAME_CODES.get(mention) or legacy_flag_code(mention)


# an old flag as a whole token (not `--patch-tokenizer-type`, not `--tokenizer-type-x`)
_FLAG_MENTION = re.compile(
    r"(?<![\w-])(?:" + "|".join(re.escape(flag) for flag in LEGACY_FLAG_NAMES) + r")(?![\w-])"
)


def flag_mentions(text: str) -> Iterator[tuple[int, str]]:
    """(offset, flag) of every old flag named as a whole token in ``text``."""
    for match in _FLAG_MENTION.finditer(text):
        yield match.start(), match.group()


def mentions_legacy_flag(text: str) -> bool:
    return any(flag in text for flag in LEGACY_FLAG_NAMES)


# --- splitting the contents of quoted strings into words ----------------------------------

_OPENERS = {"${": "}", "$(": ")", "`": "`"}
_DOUBLE_QUOTE_ESCAPES = {'"', "\\", "$", "`"}


def split_quoted_contents(text: str, start: int, end: int, context: Context) -> list[Word]:
    """The whitespace-separated words of ``text[start:end]``, the inside of a quoted string.

    Expansions (``${...}``, ``$(...)``, backquotes) stay inside one word even when they contain
    spaces. In a double-quoted string a backslash-newline is a line continuation (a separator)
    and backslash escapes are undone in the word's ``value``.
    """
    words: list[Word] = []
    index = start
    word_start: int | None = None
    value: list[str] = []

    def close(at: int) -> None:
        nonlocal word_start, value
        if word_start is not None:
            words.append(Word(word_start, at, "".join(value), context))
        word_start, value = None, []

    while index < end:
        char = text[index]
        if char.isspace():
            close(index)
            index += 1
            continue
        if context == "double" and char == "\\" and index + 1 < end:
            following = text[index + 1]
            if following == "\n":
                close(index)
                index += 2
                continue
            if word_start is None:
                word_start = index
            value.append(following if following in _DOUBLE_QUOTE_ESCAPES else char + following)
            index += 2
            continue
        if word_start is None:
            word_start = index
        opener = text[index : index + 2] if char == "$" else char
        if context == "double" and opener in _OPENERS:
            stop = _matching(text, index + len(opener), end, opener, _OPENERS[opener])
            value.append(text[index:stop])
            index = stop
            continue
        value.append(char)
        index += 1
    close(end)
    return words


def _matching(text: str, index: int, end: int, opener: str, closer: str) -> int:
    """The offset just past the ``closer`` that balances ``opener`` (or ``end``)."""
    depth = 1
    while index < end:
        if text[index] == "\\":
            index += 2
            continue
        if closer != "`" and text.startswith(opener, index):
            depth += 1
            index += len(opener)
            continue
        if text[index] == closer:
            depth -= 1
            if depth == 0:
                return index + 1
        index += 1
    return end


# --- spelling a replacement word ----------------------------------------------------------

_EQUALS_QUOTED = re.compile(
    r"""^(?P<name>[^=\s"']+=)(?P<quote>["'])(?P<value>.*)(?P=quote)$""", re.DOTALL
)


class UnspellableWord(ValueError):
    """A replacement word cannot be written in its place without changing the quoting."""


def spell(new: str, old: Word, old_text: str) -> str:
    """``new`` written where ``old`` (written as ``old_text``) stood, in its quoting style."""
    if old.context == "spanning":
        raise UnspellableWord(new)
    if old.context == "double":
        if any(char.isspace() for char in new):
            raise UnspellableWord(new)
        return "".join("\\" + char if char in _DOUBLE_QUOTE_ESCAPES else char for char in new)
    if old.context == "single":
        if any(char.isspace() for char in new) or "'" in new:
            raise UnspellableWord(new)
        return new
    if old.quote == '"':
        return '"' + "".join("\\" + c if c in _DOUBLE_QUOTE_ESCAPES else c for c in new) + '"'
    if old.quote == "'" and "'" not in new:
        return f"'{new}'"
    equals = _EQUALS_QUOTED.match(old_text)
    name, sep, value = new.partition("=")
    if equals and sep:
        quote = equals.group("quote")
        if quote == '"':
            value = "".join("\\" + c if c in _DOUBLE_QUOTE_ESCAPES else c for c in value)
        elif "'" in value:
            return shlex.quote(new)
        return f"{name}={quote}{value}{quote}"
    return shlex.quote(new)


# --- word edits → text edits --------------------------------------------------------------


def _deletion(text: str, start: int, end: int) -> TextEdit:
    """Delete ``text[start:end]`` (whole words) with the layout around it.

    A word group alone on its line goes with its line (and a dangling ``\\`` continuation of the
    line above when the deleted line ended the command); otherwise one side's blanks go with it.
    """
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    before = text[line_start:start]
    after = text[end:line_end]
    if not before.strip() and after.strip() in ("", "\\"):
        if after.strip() == "" and line_start > 0:
            previous_end = line_start - 1
            previous_start = text.rfind("\n", 0, previous_end) + 1
            previous = text[previous_start:previous_end]
            stripped = previous.rstrip()
            if stripped.endswith("\\") and not stripped.endswith("\\\\"):
                # the deleted line ended a continued command: the line above now ends it
                cut = previous_start + len(stripped[:-1].rstrip())
                return TextEdit(cut, min(line_end, len(text)), "")
        return TextEdit(line_start, min(line_end + 1, len(text)), "")
    blank_before = len(before) - len(before.rstrip(" \t"))
    if blank_before and before.strip():
        return TextEdit(start - blank_before, end, "")
    blank_after = len(after) - len(after.lstrip(" \t"))
    return TextEdit(start, end + blank_after, "")


def text_edits_for(
    text: str,
    words: Sequence[Word],
    edit: ArgvEdit,
    spelled: dict[int, str] | None = None,
    new_word_separator: str = " ",
    value_separator: str = " ",
) -> list[TextEdit]:
    """The text edits that carry out ``edit`` (relative to ``words``).

    Old and new words are paired in order: a pair whose value is unchanged is left as written;
    surplus new words follow the last old word (a flag after ``new_word_separator``, a value
    after ``value_separator``), surplus old
    words are deleted. ``spelled`` gives ready-made spellings for some new words (by index in
    ``edit.words``). Raises :class:`UnspellableWord` when a word cannot be written in place.
    """
    spelled = spelled or {}
    old = list(words[edit.start : edit.stop])
    new = list(edit.words)
    edits: list[TextEdit] = []
    paired = min(len(old), len(new))
    for index in range(paired):
        word = old[index]
        if index not in spelled and new[index] == word.value:
            continue
        old_text = text[word.start : word.end]
        replacement = spelled.get(index) or spell(new[index], word, old_text)
        if replacement != old_text:
            edits.append(TextEdit(word.start, word.end, replacement))
    if len(new) > paired:
        anchor = old[-1]
        # surplus words are quoted like the flag word they extend
        style = old[0]
        extra = [
            spelled.get(index) or spell(new[index], style, "") for index in range(paired, len(new))
        ]
        edits.append(
            TextEdit(
                anchor.end,
                anchor.end,
                _join_flags(extra, new[paired:], new_word_separator, value_separator),
            )
        )
    elif len(old) > paired:
        edits.append(_deletion_of(text, words, old[paired:]))
    return edits


def _deletion_of(text: str, words: Sequence[Word], deleted: list[Word]) -> TextEdit:
    """Delete ``deleted`` (consecutive words); with the quotes around them when they are all the
    words of one quoted string (an empty ``""`` left behind would still be an argument)."""
    enclosure = deleted[0].enclosure
    if (
        enclosure is not None
        and all(word.enclosure == enclosure for word in deleted)
        and sum(word.enclosure == enclosure for word in words) == len(deleted)
    ):
        return _deletion(text, *enclosure)
    return _deletion(text, deleted[0].start, deleted[-1].end)


def _join_flags(
    spelled_words: list[str], values: list[str], separator: str, value_separator: str
) -> str:
    """Surplus words: each flag starts a new group on ``separator``; its values follow it."""
    pieces: list[str] = []
    for spelled_word, value in zip(spelled_words, values):
        pieces.append((separator if value.startswith("--") else value_separator) + spelled_word)
    return "".join(pieces)


def apply_text_edits(text: str, edits: Iterable[TextEdit]) -> str:
    """Apply non-overlapping edits (duplicates are applied once).

    Deletions may overlap each other (two adjacent deleted words both take the layout between
    them): they merge into one. Any other overlap is a conflict (``ValueError``).
    """
    merged: list[TextEdit] = []
    for edit in sorted(set(edits), key=lambda e: (e.start, e.end)):
        if merged and edit.start < merged[-1].end:
            last = merged[-1]
            if edit.replacement or last.replacement:
                raise ValueError(f"overlapping edits at offset {edit.start}")
            merged[-1] = TextEdit(last.start, max(last.end, edit.end), "")
            continue
        merged.append(edit)
    pieces: list[str] = []
    position = 0
    for edit in merged:
        pieces.append(text[position : edit.start])
        pieces.append(edit.replacement)
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)
