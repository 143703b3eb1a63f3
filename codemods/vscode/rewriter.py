"""Rewrite the old tokenizer flags in VS Code run configurations, in place.

Every ``"args"`` member whose value is a list of strings is one argv (``launch.json``'s
configurations, ``tasks.json``'s tasks); an ``"args"`` string is a command line. Edits keep the
file's layout: a changed item is respelled where it stands, new items follow the last one with
the separator the list already uses, deleted items take their comma with them. The result is
read back: every ``args`` value must be exactly the translated one, or nothing is written.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from codemods.core import Options, RewriteResult, UnparsableError
from codemods.text.command_line import carry_out, report_leftovers
from codemods.text.document import TextDocument
from codemods.text.words import (
    TextEdit,
    apply_text_edits,
    is_legacy_flag_word,
    mentions_legacy_flag,
    mentions_old_api,
    split_quoted_contents,
    text_edits_for,
)
from codemods.vscode.jsonc import JsonArray, JsonObject, JsonString, JsonValue, loads, read
from compat.args import ArgvEdit

ARGS_KEY = "args"


@dataclass(frozen=True)
class _Intended:
    """What the n-th ``args`` value of the file must read after the rewrite."""

    index: int
    value: object


def _args_members(node: JsonValue) -> Iterator[JsonValue]:
    """Every ``"args"`` value in the document, in order."""
    if isinstance(node, JsonObject):
        for key, value in node.members:
            if key.value == ARGS_KEY:
                yield value
            else:
                yield from _args_members(value)
    elif isinstance(node, JsonArray):
        for item in node.items:
            yield from _args_members(item)


def _spelled(word: str) -> str:
    return json.dumps(word, ensure_ascii=False)


def _list_edits(text: str, items: list[JsonString], edit: ArgvEdit) -> list[TextEdit]:
    covered = items[edit.start : edit.stop]
    edits = [
        TextEdit(item.start, item.end, _spelled(word))
        for item, word in zip(covered, edit.words)
        if word != item.value
    ]
    if len(edit.words) > len(covered):
        last = covered[-1]
        separator = _separator(text, items)
        edits.append(
            TextEdit(
                last.end,
                last.end,
                "".join(separator + _spelled(word) for word in edit.words[len(covered) :]),
            )
        )
    elif len(covered) > len(edit.words):
        first = edit.start + len(edit.words)
        if first > 0:  # the comma before the first deleted item goes with it
            edits.append(TextEdit(items[first - 1].end, items[edit.stop - 1].end, ""))
        elif edit.stop < len(items):
            edits.append(TextEdit(items[first].start, items[edit.stop].start, ""))
        else:
            edits.append(TextEdit(items[first].start, items[edit.stop - 1].end, ""))
    return edits


def _separator(text: str, items: list[JsonString]) -> str:
    """What stands between two items of the list (``", "`` or a comma and a new line)."""
    for before, after in zip(items, items[1:]):
        between = text[before.end : after.start]
        if between.strip() == ",":
            return between
    return ", "


def _rewrite_list(doc: TextDocument, items: list[JsonString]) -> list[str]:
    """Record the rewrite of an ``args`` list; return the words it will hold."""
    words = [item.value for item in items]
    made: list[ArgvEdit] = []

    def text_edits(edit: ArgvEdit) -> list[TextEdit]:
        edits = _list_edits(doc.text, items, edit)
        made.append(edit)
        return edits

    carry_out(doc, words, lambda index: items[index].start, text_edits, anchor=None)
    for edit in sorted(made, key=lambda edit: edit.start, reverse=True):
        words[edit.start : edit.stop] = edit.words
    return words


def _rewrite_string(doc: TextDocument, node: JsonString) -> str:
    """Record the rewrite of an ``args`` command string; return the string it will be."""
    if "\\" in doc.text[node.start : node.end]:
        return node.value  # escapes move the words: left to the leftover report
    words = split_quoted_contents(doc.text, node.start + 1, node.end - 1, "single")
    value_words = split_quoted_contents(node.value, 0, len(node.value), "single")
    value_edits: list[TextEdit] = []

    def text_edits(edit: ArgvEdit) -> list[TextEdit]:
        value_edits.extend(text_edits_for(node.value, value_words, edit))
        return text_edits_for(doc.text, words, edit)

    carry_out(
        doc,
        [word.value for word in words],
        lambda index: words[index].start,
        text_edits,
        anchor=None,
    )
    return apply_text_edits(node.value, value_edits)


def validate(text: str) -> None:
    read(text)


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    if not mentions_old_api(text):
        return RewriteResult(text)
    root = read(text)
    doc = TextDocument(text, options)
    intended: list[_Intended] = []
    for index, node in enumerate(_args_members(root)):
        if isinstance(node, JsonArray):
            items = [item for item in node.items if isinstance(item, JsonString)]
            if (
                items
                and len(items) == len(node.items)
                and any(is_legacy_flag_word(item.value) for item in items)
            ):
                intended.append(_Intended(index, _rewrite_list(doc, items)))
        elif isinstance(node, JsonString) and mentions_legacy_flag(node.value):
            intended.append(_Intended(index, _rewrite_string(doc, node)))
    report_leftovers(doc, "it is not an item of an `args` list here; check it by hand")
    new_text = doc.new_text()
    if new_text != text and not _reads_as_intended(new_text, intended):
        doc.withdraw(
            "not rewritten: the edited file would not read as exactly the intended "
            "arguments; rewrite it by hand"
        )
    return doc.result()


def _reads_as_intended(new_text: str, intended: list[_Intended]) -> bool:
    try:
        values = [loads(node, new_text) for node in _args_members(read(new_text))]
    except UnparsableError:
        return False
    return all(values[wanted.index] == wanted.value for wanted in intended)
