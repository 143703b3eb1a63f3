"""The tokenizer flags of a bash launch script, as words: what ``verify --script`` reads.

Deliberately simple: only the logical lines (backslash continuations joined) that mention one of
the given flags are read, with :mod:`shlex`, as a shell would split them; nothing is expanded
(``$VAR`` stays as written, for the caller to refuse) and nothing is run. Flags inside an
assignment (``ARGS="--tokenizer-type X ..."``) or a bash array (``ARGS=( ... )``, one element
per line or on one line) are found too. A line that cannot be split (an unclosed quote, even
after joining the lines that follow) is reported with its number, never guessed at.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Iterator
from dataclasses import dataclass

# How many lines an open quote may span before the line is reported as unreadable.
MAX_QUOTED_LINES = 50
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=")


@dataclass(frozen=True)
class ScriptWords:
    """Words of the lines that mention a flag, the script line of each, and what was unreadable."""

    words: tuple[str, ...]
    line_numbers: tuple[int, ...]
    problems: tuple[str, ...]


def _mentions(flags: Collection[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(flag) for flag in sorted(flags, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])")


def _without_comment(line: str) -> str:
    """``line`` up to a ``#`` that starts a word outside quotes (bash's comment rule; shlex would
    also cut ``model#2``)."""
    quote = ""
    escaped = False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index]
    return line


def _continues(line: str) -> bool:
    """Whether ``line`` ends with a backslash that joins it to the next line."""
    return (len(line) - len(line.rstrip("\\"))) % 2 == 1


def _logical_lines(lines: list[str]) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each logical line: backslash-newline joins lines."""
    index = 0
    while index < len(lines):
        first, text = index, lines[index]
        while _continues(text) and index + 1 < len(lines):
            index += 1
            text = text[:-1] + lines[index]
        yield first + 1, text.removesuffix("\\") if _continues(text) else text
        index += 1


def _try_split(text: str) -> list[str] | str:
    """Shell words of ``text``, or why it cannot be split."""
    try:
        return shlex.split(_without_comment(text))
    except ValueError as error:
        return str(error)


def _split(first: int, text: str, logical: Iterator[tuple[int, str]]) -> list[str]:
    """Shell words of ``text``, joining the next logical lines while a quote is open."""
    result = _try_split(text)
    for _ in range(MAX_QUOTED_LINES):
        following = next(logical, None) if isinstance(result, str) else None
        if following is None:
            break
        text += "\n" + following[1]
        result = _try_split(text)
    if isinstance(result, str):
        raise ValueError(f"line {first}: cannot be read as shell words ({result})")
    return result


def _unwrapped(words: list[str], mentions: re.Pattern[str]) -> Iterator[str]:
    """The words with assignment prefixes and array parentheses removed; a quoted string of
    flags (``ARGS="--a x --b y"``) becomes its own words."""
    array = False
    for position, word in enumerate(words):
        assignment = _ASSIGNMENT.match(word)
        if assignment:
            word = word[assignment.end() :]
            array = array or word.startswith("(")
            word = word.removeprefix("(")
        if array and position == len(words) - 1:
            word = word.removesuffix(")")
        if word in ("", "(", ")"):
            continue
        if assignment and mentions.search(word):
            yield from shlex.split(word)
        else:
            yield word


def script_words(text: str, flags: Collection[str]) -> ScriptWords:
    """The words of every line of the bash script ``text`` that mentions one of ``flags``."""
    mentions = _mentions(flags)
    words: list[str] = []
    line_numbers: list[int] = []
    problems: list[str] = []
    logical = _logical_lines(text.splitlines())
    for first, line in logical:
        if not mentions.search(line):
            continue
        try:
            found = list(_unwrapped(_split(first, line, logical), mentions))
        except ValueError as error:
            message = str(error)
            problems.append(
                message
                if message.startswith("line ")
                else f"line {first}: cannot be read as shell words ({message})"
            )
            continue
        words.extend(found)
        line_numbers.extend([first] * len(found))
    return ScriptWords(tuple(words), tuple(line_numbers), tuple(problems))
