"""Old tokenizer flags inside Python: argv lists and command strings (MTC201-MTC204).

``["--tokenizer-type", "GPT2BPETokenizer", ...]`` (``sys.argv`` builders, ``subprocess`` lists)
and ``"... --tokenizer-type X ..."`` command strings go through the shared translator
(:func:`compat.args.translate_argv`), so Python, shell and YAML get the same answer. A list element
that is not a literal is a value the translator treats as unknown until run time. f-strings are
reported, not rewritten. Look-alikes are left alone: NeMo files (its own ``--tokenizer-type``),
argv lists in NeMo's style (``--tokenizer-library`` beside a non-Megatron type), prose strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from codemods.python.base import Migration, code_of, on_leave, string_like, string_value
from compat.deprecations import (
    LEGACY_FLAGS,
    TOKENIZER_TYPE_FLAG,
    TOKENIZER_TYPE_FLAG_NAME,
    TOKENIZER_TYPES,
)

ARGV_FLAGS = (TOKENIZER_TYPE_FLAG_NAME, *LEGACY_FLAGS)
_NEW_LIBRARY_FLAG = "--tokenizer-library"
_TOKEN = re.compile(r"\S+")


def is_flag_word(word: str) -> bool:
    return word.split("=", 1)[0] in ARGV_FLAGS


def _translate(words: list[str]):
    from compat.args import translate_argv

    return translate_argv(words)


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
    return _NEW_LIBRARY_FLAG in words and not all(map(_is_megatron_type, _type_values(words)))


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


@on_leave(cst.List, cst.Tuple)
def _rewrite_argv_list(state: Migration, original: cst.List | cst.Tuple, updated):
    if state.facts.foreign or not original.elements:
        return updated
    words = [_element_word(element) for element in original.elements]
    if not any(map(is_flag_word, words)) or _looks_like_nemo(words):
        return updated
    translation = _translate(words)
    for problem in translation.errors:
        node = original.elements[problem.index]
        if state.active(problem.code, node):
            state.report(node, problem.code, problem.message, problem.suggestion)
    elements = list(updated.elements)
    for edit in sorted(translation.edits, key=lambda edit: edit.start, reverse=True):
        replaced = elements[edit.start:edit.stop]
        if not state.active(edit.code, original.elements[edit.start]):
            continue
        if not all(isinstance(element, cst.Element) for element in replaced):
            continue
        state.report(original.elements[edit.start], edit.code, edit.message,
                     " ".join(edit.words), fixed=True)
        removes_the_tail = not edit.words and edit.stop == len(elements) and edit.start > 0
        elements[edit.start:edit.stop] = _new_elements(replaced, edit.words)
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


def _in_argv_list(state: Migration) -> bool:
    element = state.parent()
    return isinstance(element, cst.Element) and isinstance(state.parent(2), (cst.List, cst.Tuple))


def _is_command(words: list[str]) -> bool:
    """A command line, not prose: every ``--tokenizer-type`` has a Megatron type after it."""
    if not any(map(is_flag_word, words)):
        return False
    if len(words) == 1 and "=" not in words[0]:
        return False  # the flag alone: add_argument("--tokenizer-type"), membership tests
    return all(map(_is_megatron_type, _type_values(words)))


@on_leave(cst.SimpleString)
def _rewrite_command_string(state: Migration, original: cst.SimpleString, updated):
    if state.facts.foreign or "b" in original.prefix.lower() or not any(
        flag in original.value for flag in ARGV_FLAGS
    ):
        return updated
    body = original.raw_value
    tokens = _tokens(body)
    words = [token.word for token in tokens]
    if (_in_argv_list(state) and len(tokens) == 1) or not _is_command(words):
        return updated
    translation = _translate(words)
    for problem in translation.errors:
        if state.active(problem.code, original):
            state.report(original, problem.code, problem.message, problem.suggestion)
    new_body = body
    for edit in sorted(translation.edits, key=lambda edit: edit.start, reverse=True):
        if not state.active(edit.code, original):
            continue
        start, end = tokens[edit.start].start, tokens[edit.stop - 1].end
        if "\\" in body[start:end] or any(
            token.word != body[token.start:token.end] for token in tokens[edit.start:edit.stop]
        ):
            state.report(original, edit.code, f"{edit.message}; the words are quoted or escaped "
                         "in the string, so rewrite them by hand", " ".join(edit.words))
            continue
        state.report(original, edit.code, edit.message, " ".join(edit.words), fixed=True)
        new_body = new_body[:start] + " ".join(edit.words) + new_body[end:]
    if new_body == body:
        return updated
    prefix_and_quote = original.value[: len(original.value) - len(body) - len(original.quote)]
    return updated.with_changes(value=f"{prefix_and_quote}{new_body}{original.quote}")


@on_leave(cst.FormattedString)
def _report_command_fstring(state: Migration, original: cst.FormattedString, updated):
    if state.facts.foreign:
        return updated
    text = "".join(
        part.value
        if isinstance(part, cst.FormattedStringText)
        else f"${{{code_of(part.expression)}}}"
        for part in original.parts
    )
    words = [token.word for token in _tokens(text)]
    if not _is_command(words):
        return updated
    translation = _translate(words)
    problems = [(p.code, p.message, p.suggestion) for p in translation.errors]
    if translation.edits:
        problems.append((
            TOKENIZER_TYPE_FLAG.code,
            "old tokenizer flags in an f-string are not rewritten automatically",
            " ".join(translation.argv),
        ))
    for code, message, suggestion in problems:
        if state.active(code, original):
            state.report(original, code, message, suggestion)
    return updated
