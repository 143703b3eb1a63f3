"""Flag-form mapping keys: ``--tokenizer-type: X`` in a ``MODEL_ARGS:`` map (Megatron's
functional-test ``model_config.yaml``), read as one argv in key order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from codemods.text.command_line import NotRewritable, carry_out
from codemods.text.words import TextEdit, is_legacy_flag_word
from codemods.yaml.state import (
    BOOL_TAG,
    NULL_TAG,
    STR_TAG,
    Change,
    YamlRewrite,
    quote_of,
    spell_scalar,
)
from compat.args import ArgvEdit
from compat.deprecations import LIBRARY_FLAG, TOKENIZER_TYPE_FLAG


@dataclass
class _Entry:
    key: Any  # yaml.ScalarNode
    value: Any
    flag: str
    argument: str | None  # None: a bare flag (true), or a list value
    path: tuple[Any, ...] = ()
    # a list value (``--flag: [a, b]``, for flags taking several values)
    items: tuple[str, ...] | None = None


def _entries(node: Any, path: tuple[Any, ...], rewrite: YamlRewrite) -> list[_Entry]:
    """The flag-form entries of a mapping that are on the command line (``false`` is not)."""
    entries = []
    for key_node, value_node in node.value:
        if not (
            isinstance(key_node, yaml.ScalarNode)
            and key_node.tag == STR_TAG
            and key_node.value.startswith("--")
        ):
            continue
        entry_path = path + (key_node.value,)
        if isinstance(value_node, yaml.SequenceNode) and all(
            isinstance(item, yaml.ScalarNode) for item in value_node.value
        ):
            items = tuple(item.value for item in value_node.value)
            entries.append(_Entry(key_node, value_node, key_node.value, None, entry_path, items))
            continue
        if not isinstance(value_node, yaml.ScalarNode):
            continue
        if value_node.tag == BOOL_TAG:
            if not rewrite.constructor.construct_object(value_node):
                continue
            argument = None
        elif value_node.tag == NULL_TAG and value_node.value in ("", "~"):
            argument = None
        else:
            argument = value_node.value
        entries.append(_Entry(key_node, value_node, key_node.value, argument, entry_path))
    return entries


def _argv(entries: list[_Entry]) -> tuple[list[str], list[int]]:
    """The entries as argv words, and the entry index of each word."""
    argv: list[str] = []
    owner: list[int] = []
    for index, entry in enumerate(entries):
        words = [entry.flag, *(entry.items or ())]
        if entry.items is None and entry.argument is not None:
            words.append(entry.argument)
        argv.extend(words)
        owner.extend([index] * len(words))
    return argv, owner


def rewrite_flag_keys(
    node: Any, path: tuple[Any, ...], rewrite: YamlRewrite, anchor: int | None
) -> None:
    entries = _entries(node, path, rewrite)
    _quote_null_library(entries, rewrite)
    if not any(is_legacy_flag_word(entry.flag) for entry in entries):
        return
    argv, owner = _argv(entries)
    keys = {k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)}

    def text_edits(edit: ArgvEdit) -> list[TextEdit]:
        first, last = owner[edit.start], owner[edit.stop - 1]
        covered = entries[first : last + 1]
        whole_start = owner.index(first)
        whole_stop = len(owner) - owner[::-1].index(last)
        if any(entry.items is not None for entry in covered):
            whole = (edit.start, edit.stop) == (whole_start, whole_stop)
            return _list_entry_edits(rewrite, node, path, covered, edit, whole, keys)
        words = [*argv[whole_start : edit.start], *edit.words, *argv[edit.stop : whole_stop]]
        return _entry_edits(rewrite, node, path, covered, pairs_of(words), edit, keys)

    carry_out(
        rewrite.doc,
        argv,
        lambda index: entries[owner[index]].key.start_mark.index,
        text_edits,
        anchor=lambda offset: rewrite.anchor(node, offset, anchor),
    )


def _entry_edits(
    rewrite: YamlRewrite,
    node: Any,
    path: tuple[Any, ...],
    covered: list[_Entry],
    pairs: list[tuple[str, str | None]],
    edit: ArgvEdit,
    keys: set[str],
) -> list[TextEdit]:
    duplicate = ({key for key, _ in pairs} - {entry.flag for entry in covered}) & keys
    if duplicate:
        raise NotRewritable(
            edit.code,
            f"{edit.message}; but {', '.join(sorted(duplicate))} is "
            "already a key of this mapping: merge them by hand",
            " ".join(edit.words),
        )
    added = []
    for index, (key, argument) in enumerate(pairs):
        if index < len(covered) and argument == covered[index].argument:
            # a value left as written loads as it did (an int stays an int)
            kept = covered[index].value
            added.append(
                (key, rewrite.constructor.construct_object(kept) if argument is not None else True)
            )
        else:
            added.append((key, True if argument is None else argument))
    rewrite.changes.append(
        Change(path, "mapping", removed_keys=[entry.flag for entry in covered], added=added)
    )
    return _mapping_edits(rewrite.doc.text, node, covered, pairs)


def _list_entry_edits(
    rewrite: YamlRewrite,
    node: Any,
    path: tuple[Any, ...],
    covered: list[_Entry],
    edit: ArgvEdit,
    whole: bool,
    keys: set[str],
) -> list[TextEdit]:
    """A flag whose value is a list: renamed (values kept as written) or deleted, else reported."""
    entry = covered[0]
    offset = entry.key.start_mark.index
    suggestion = " ".join(edit.words)
    alone = len(covered) == 1 and whole
    if (
        alone
        and len(edit.words) == 1 + len(entry.items or ())
        and tuple(edit.words[1:]) == entry.items
    ):
        new_key = edit.words[0]
        if new_key in keys:
            raise NotRewritable(
                edit.code,
                f"{edit.message}; but {new_key} is already a key of "
                "this mapping: merge them by hand",
                suggestion,
            )
        rewrite.changes.append(
            Change(
                path,
                "mapping",
                removed_keys=[entry.flag],
                added=[(new_key, rewrite.load(entry.value))],
            )
        )
        return [
            TextEdit(offset, entry.key.end_mark.index, spell_scalar(new_key, quote_of(entry.key)))
        ]
    if alone and not edit.words:
        rewrite.changes.append(Change(path, "mapping", removed_keys=[entry.flag]))
        return [delete_entry(rewrite.doc.text, node, offset, entry.value.end_mark.index)]
    raise NotRewritable(
        edit.code, f"{edit.message}; the flag's value is a list here: edit it by hand", suggestion
    )


def _quote_null_library(entries: list[_Entry], rewrite: YamlRewrite) -> None:
    """``--tokenizer-library: null`` (as upstream wrote it by hand) loads as None: quote it."""
    for entry in entries:
        value = entry.value
        offset = entry.key.start_mark.index
        if (
            entry.flag == LIBRARY_FLAG
            and value.tag == NULL_TAG
            and value.value
            and value.value != "~"
            and rewrite.doc.wanted(offset, TOKENIZER_TYPE_FLAG.code)
        ):
            rewrite.changes.append(Change(entry.path, "scalar", value="null"))
            rewrite.doc.fix(
                offset,
                TOKENIZER_TYPE_FLAG.code,
                f"{LIBRARY_FLAG}: {value.value} loads as no value at all (YAML "
                'null); the null library is written "null"',
                '"null"',
                [TextEdit(value.start_mark.index, value.end_mark.index, '"null"')],
            )


def pairs_of(words: list[str]) -> list[tuple[str, str | None]]:
    """argv words → (flag, argument) pairs; a flag followed by a flag is bare (None)."""
    pairs: list[tuple[str, str | None]] = []
    index = 0
    while index < len(words):
        flag, equals, inline = words[index].partition("=")
        if equals:
            pairs.append((flag, inline))
            index += 1
        elif index + 1 < len(words) and not words[index + 1].startswith("--"):
            pairs.append((flag, words[index + 1]))
            index += 2
        else:
            pairs.append((flag, None))
            index += 1
    return pairs


def _entry_text(key: str, argument: str | None, like: _Entry) -> str:
    value = "true" if argument is None else spell_scalar(argument, quote_of(like.value))
    return f"{spell_scalar(key, quote_of(like.key))}: {value}"


def _mapping_edits(
    text: str, node: Any, covered: list[_Entry], pairs: list[tuple[str, str | None]]
) -> list[TextEdit]:
    edits: list[TextEdit] = []
    for entry, (key, argument) in zip(covered, pairs):
        if key != entry.flag:
            edits.append(
                TextEdit(
                    entry.key.start_mark.index,
                    entry.key.end_mark.index,
                    spell_scalar(key, quote_of(entry.key)),
                )
            )
        if argument != entry.argument:
            new_value = (
                "true" if argument is None else spell_scalar(argument, quote_of(entry.value))
            )
            if entry.argument is None and entry.value.value == "":
                # "--flag:" with nothing after it: the value goes after the colon
                edits.append(
                    TextEdit(entry.key.end_mark.index, entry.value.end_mark.index, ": " + new_value)
                )
            else:
                edits.append(
                    TextEdit(entry.value.start_mark.index, entry.value.end_mark.index, new_value)
                )
    if len(pairs) > len(covered):
        edits.append(_insertion(text, node, covered[-1], pairs[len(covered) :]))
    edits.extend(
        delete_entry(text, node, entry.key.start_mark.index, entry.value.end_mark.index)
        for entry in covered[len(pairs) :]
    )
    return edits


def _insertion(text: str, node: Any, last: _Entry, extra: list[tuple[str, str | None]]) -> TextEdit:
    """New entries after ``last``, laid out like it."""
    if node.flow_style:
        insertion = "".join(", " + _entry_text(k, v, last) for k, v in extra)
        return TextEdit(last.value.end_mark.index, last.value.end_mark.index, insertion)
    indent = " " * last.key.start_mark.column
    line_end = text.find("\n", last.value.end_mark.index)
    line_end = len(text) if line_end < 0 else line_end
    insertion = "".join("\n" + indent + _entry_text(k, v, last) for k, v in extra)
    return TextEdit(line_end, line_end, insertion)


def delete_entry(text: str, node: Any, start: int, end: int) -> TextEdit:
    """Delete one mapping entry or sequence item spanning ``text[start:end]``."""
    if node.flow_style:
        before = text.rfind(",", node.start_mark.index, start)
        if before >= 0:
            return TextEdit(before, end, "")
        after = text.find(",", end, node.end_mark.index)
        if after >= 0:
            stop = after + 1
            while stop < len(text) and text[stop] in " \t":
                stop += 1
            return TextEdit(start, stop, "")
        return TextEdit(start, end, "")
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end + 1
    return TextEdit(line_start, line_end, "")
