"""The command-line fixer in Python: argv lists and command strings (MTC201-MTC204).

``["--tokenizer-type", "GPT2BPETokenizer", ...]`` (``sys.argv`` builders, ``subprocess`` lists)
and ``"... --tokenizer-type X ..."`` command strings go through the one translator
(:func:`codemods.text.command_line.translate`), so Python, shell and YAML get the same answer.
A list element that is not a literal is a value the translator treats as unknown until run
time. f-strings are reported, not rewritten. Look-alikes are left alone: NeMo files (its own
``--tokenizer-type``), argv lists in NeMo's style (``--tokenizer-library`` beside a
non-Megatron type), prose strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from codemods.python.syntax import code_of, cst, string_like, string_value
from codemods.rules import Fixer
from codemods.text.command_line import translate
from codemods.text.words import is_legacy_flag_word
from compat.deprecations import (
    DYNAMIC_TOKENIZER_TYPE,
    LEGACY_FLAG_NAMES,
    LEGACY_FLAGS,
    LIBRARY_FLAG,
    TOKENIZER_TYPE_FLAG,
    TOKENIZER_TYPE_FLAG_NAME,
    TOKENIZER_TYPES,
)

if TYPE_CHECKING:
    from codemods.python.engine import Context

fixer = Fixer(name="command-line", codes=frozenset({
    TOKENIZER_TYPE_FLAG.code, DYNAMIC_TOKENIZER_TYPE.code,
    *(flag.rule.code for flag in LEGACY_FLAGS.values()),
}))
_TOKEN = re.compile(r"\S+")


def _type_values(words: list[str]) -> list[str | None]:
    """The value given to each ``--tokenizer-type`` (None when it has none)."""
    values: list[str | None] = []
    for index, word in enumerate(words):
        if word == TOKENIZER_TYPE_FLAG_NAME:
            values.append(words[index + 1] if index + 1 < len(words) else None)
        elif word.startswith(TOKENIZER_TYPE_FLAG_NAME + "="):
            values.append(word.split("=", 1)[1])
    return values


def _is_megatron_type(value: str | None) -> bool:
    return value is not None and (value in TOKENIZER_TYPES or "$" in value)


# --- argv lists -------------------------------------------------------------------------------

def _element_word(element: cst.BaseElement) -> str:
    if isinstance(element, cst.StarredElement):
        return f"$*{code_of(element.value)}"
    value = string_value(element.value)
    return value if value is not None else f"${code_of(element.value)}"


def _looks_like_nemo(words: list[str]) -> bool:
    """NeMo's preprocessing takes ``--tokenizer-library`` *and* its own ``--tokenizer-type``."""
    return LIBRARY_FLAG in words and not all(map(_is_megatron_type, _type_values(words)))


def _new_elements(replaced: list[cst.Element], words: tuple[str, ...]) -> list[cst.Element]:
    """String elements for ``words``, laid out (commas, line breaks) like the ones they replace."""
    separator = next(
        (element.comma for element in replaced if isinstance(element.comma, cst.Comma)),
        cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
    )
    if not words:
        return []
    template = replaced[0].value
    elements = []
    for index, word in enumerate(words):
        if index == len(words) - 1:
            comma = replaced[-1].comma
        elif index < len(replaced) - 1:
            comma = replaced[index].comma
        else:
            comma = separator
        elements.append(cst.Element(value=string_like(template, word), comma=comma))
    return elements


@fixer.leave("List", "Tuple")
def _rewrite_argv_list(ctx: Context, original: cst.List | cst.Tuple,
                       updated: cst.List | cst.Tuple) -> cst.List | cst.Tuple:
    if ctx.facts.foreign or not original.elements:
        return updated
    words = [_element_word(element) for element in original.elements]
    if not any(map(is_legacy_flag_word, words)) or _looks_like_nemo(words):
        return updated
    translation = translate(words)
    for problem in translation.errors:
        node = original.elements[problem.index]
        if ctx.allowed(node, problem.code):
            ctx.report(node, problem.message, problem.suggestion, code=problem.code)
    elements = list(updated.elements)
    for edit in sorted(translation.edits, key=lambda edit: edit.start, reverse=True):
        replaced = elements[edit.start:edit.stop]
        if not ctx.allowed(original.elements[edit.start], edit.code):
            continue
        replaced_elements = [element for element in replaced if isinstance(element, cst.Element)]
        if len(replaced_elements) != len(replaced):
            continue
        ctx.fixed(original.elements[edit.start], edit.message, " ".join(edit.words),
                  code=edit.code)
        removes_the_tail = not edit.words and edit.stop == len(elements) and edit.start > 0
        elements[edit.start:edit.stop] = _new_elements(replaced_elements, edit.words)
        if removes_the_tail:
            # the new last element takes the old last one's comma (none, or a trailing one)
            elements[-1] = elements[-1].with_changes(comma=replaced[-1].comma)
    if elements == list(updated.elements):
        return updated
    if isinstance(updated, cst.Tuple):
        return _still_a_tuple(updated, elements)
    return updated.with_changes(elements=elements)


def _still_a_tuple(node: cst.Tuple, elements: list[cst.BaseElement]) -> cst.Tuple:
    """Deleting flags must not turn ``("--legacy-tokenizer", x)`` into the plain ``(x)``."""
    if len(elements) == 1 and not isinstance(elements[0].comma, cst.Comma):
        elements = [elements[0].with_changes(comma=cst.Comma())]
    if not elements and not node.lpar:
        return node.with_changes(elements=[], lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node.with_changes(elements=elements)


# --- command strings --------------------------------------------------------------------------

@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str


def _tokens(body: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(body):
        written = match.group()
        if written == "\\":  # a shell line continuation inside the string
            continue
        quoted = len(written) > 1 and written[0] in "'\"" and written[-1] == written[0]
        tokens.append(_Token(match.start(), match.end(), written[1:-1] if quoted else written))
    return tokens


def _in_argv_list(ctx: Context) -> bool:
    element = ctx.parent()
    return isinstance(element, cst.Element) and isinstance(ctx.parent(2), (cst.List, cst.Tuple))


def _is_command(words: list[str]) -> bool:
    """A command line, not prose: every ``--tokenizer-type`` has a Megatron type after it."""
    if not any(map(is_legacy_flag_word, words)):
        return False
    if len(words) == 1 and "=" not in words[0]:
        return False  # the flag alone: add_argument("--tokenizer-type"), membership tests
    return all(map(_is_megatron_type, _type_values(words)))


@fixer.leave("SimpleString")
def _rewrite_command_string(ctx: Context, original: cst.SimpleString,
                            updated: cst.SimpleString) -> cst.SimpleString:
    if ctx.facts.foreign or "b" in original.prefix.lower() or not any(
        flag in original.value for flag in LEGACY_FLAG_NAMES
    ):
        return updated
    body = original.raw_value
    tokens = _tokens(body)
    words = [token.word for token in tokens]
    if (_in_argv_list(ctx) and len(tokens) == 1) or not _is_command(words):
        return updated
    translation = translate(words)
    for problem in translation.errors:
        if ctx.allowed(original, problem.code):
            ctx.report(original, problem.message, problem.suggestion, code=problem.code)
    new_body = body
    for edit in sorted(translation.edits, key=lambda edit: edit.start, reverse=True):
        if not ctx.allowed(original, edit.code):
            continue
        start, end = tokens[edit.start].start, tokens[edit.stop - 1].end
        if "\\" in body[start:end] or any(
            token.word != body[token.start:token.end] for token in tokens[edit.start:edit.stop]
        ):
            ctx.report(original, f"{edit.message}; the words are quoted or escaped in the "
                       "string, so rewrite them by hand", " ".join(edit.words), code=edit.code)
            continue
        ctx.fixed(original, edit.message, " ".join(edit.words), code=edit.code)
        new_body = new_body[:start] + " ".join(edit.words) + new_body[end:]
    if new_body == body:
        return updated
    prefix_and_quote = original.value[: len(original.value) - len(body) - len(original.quote)]
    return updated.with_changes(value=f"{prefix_and_quote}{new_body}{original.quote}")


@fixer.leave("FormattedString")
def _report_command_fstring(ctx: Context, original: cst.FormattedString,
                            updated: cst.FormattedString) -> cst.FormattedString:
    if ctx.facts.foreign:
        return updated
    text = "".join(
        part.value if isinstance(part, cst.FormattedStringText)
        else f"${{{code_of(part.expression)}}}" if isinstance(part, cst.FormattedStringExpression)
        else ""
        for part in original.parts
    )
    words = [token.word for token in _tokens(text)]
    if not _is_command(words):
        return updated
    translation = translate(words)
    problems = [(p.code, p.message, p.suggestion) for p in translation.errors]
    if translation.edits:
        problems.append((
            TOKENIZER_TYPE_FLAG.code,
            "old tokenizer flags in an f-string are not rewritten automatically",
            " ".join(translation.argv),
        ))
    for code, message, suggestion in problems:
        if ctx.allowed(original, code):
            ctx.report(original, message, suggestion, code=code)
    return updated
