"""Argv lists (``- --tokenizer-type`` items) and command strings (scalars holding a command line;
``|`` blocks holding a shell script go through the shell rewriter)."""

from __future__ import annotations

from typing import Any

import yaml

from codemods.core import UnparsableError
from codemods.shell.rewriter import record as record_shell
from codemods.shell.rewriter import validate as validate_shell
from codemods.shell.rewriter import validate_rewrite as validate_shell_rewrite
from codemods.text.command_line import NotRewritable, carry_out
from codemods.text.document import TextDocument
from codemods.text.words import (
    TextEdit,
    apply_text_edits,
    is_legacy_flag_word,
    split_quoted_contents,
    text_edits_for,
)
from codemods.yaml.mapping import delete_entry
from codemods.yaml.state import Change, Kept, YamlRewrite, quote_of, spell_scalar
from compat.args import ArgvEdit
from compat.deprecations import TOKENIZER_TYPE_FLAG


def rewrite_argv_list(
    node: Any, path: tuple[Any, ...], rewrite: YamlRewrite, anchor: int | None
) -> bool:
    """Translate a list of scalars as an argv; False when it is not one with old flags."""
    items = node.value
    if not items or not all(isinstance(item, yaml.ScalarNode) for item in items):
        return False
    argv = [item.value for item in items]
    if not any(is_legacy_flag_word(word) for word in argv):
        return False  # not an argv with old flags; its items may be command strings

    def text_edits(edit: ArgvEdit) -> list[TextEdit]:
        covered = items[edit.start : edit.stop]
        edits = [
            TextEdit(item.start_mark.index, item.end_mark.index, spell_scalar(word, quote_of(item)))
            for item, word in zip(covered, edit.words)
            if word != item.value
        ]
        if len(edit.words) > len(covered):
            edits.append(_new_items(rewrite.doc, node, covered[-1], edit))
        edits.extend(
            delete_entry(rewrite.doc.text, node, item.start_mark.index, item.end_mark.index)
            for item in covered[len(edit.words) :]
        )
        kept = [
            Kept(edit.start + i) if i < len(covered) and word == covered[i].value else word
            for i, word in enumerate(edit.words)
        ]
        rewrite.changes.append(Change(path, "sequence", splice=(edit.start, edit.stop, kept)))
        return edits

    carry_out(
        rewrite.doc,
        argv,
        lambda index: items[index].start_mark.index,
        text_edits,
        anchor=lambda offset: rewrite.anchor(node, offset, anchor),
    )
    return True


def _new_items(doc: TextDocument, node: Any, last: Any, edit: ArgvEdit) -> TextEdit:
    """Items the edit adds after ``last``, laid out like it."""
    extra = [spell_scalar(word, quote_of(last)) for word in edit.words[edit.stop - edit.start :]]
    if node.flow_style:
        return TextEdit(
            last.end_mark.index, last.end_mark.index, "".join(", " + word for word in extra)
        )
    line_start = doc.lines.line_start(last.start_mark.index)
    prefix = doc.text[line_start : last.start_mark.index]
    if prefix.strip() != "-":
        raise NotRewritable(
            edit.code,
            f"{edit.message}; the new items cannot be placed in this layout: edit it by hand",
            " ".join(edit.words),
        )
    line_end = doc.text.find("\n", last.end_mark.index)
    line_end = len(doc.text) if line_end < 0 else line_end
    return TextEdit(line_end, line_end, "".join("\n" + prefix + word for word in extra))


def rewrite_command_string(
    node: Any, path: tuple[Any, ...], rewrite: YamlRewrite, anchor: int | None
) -> None:
    if node.style == "|" and _literal_block_as_script(node, path, rewrite, anchor):
        return
    doc = rewrite.doc
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ("'", '"'):
        start, end = start + 1, end - 1
    elif node.style in ("|", ">"):
        start = doc.text.find("\n", start) + 1
    raw_words = split_quoted_contents(doc.text, start, end, "single")
    if [w.value for w in raw_words] != node.value.split():
        doc.report(
            node.start_mark.index,
            TOKENIZER_TYPE_FLAG.code,
            "old tokenizer flags in a string whose escapes hide the words; edit it by hand",
            "",
            anchor,
        )
        return
    # the same words, located in the loaded value, to predict the loaded result
    value_words = split_quoted_contents(node.value, 0, len(node.value), "single")
    value_edits: list[TextEdit] = []

    def text_edits(edit: ArgvEdit) -> list[TextEdit]:
        source_edits = text_edits_for(doc.text, raw_words, edit)
        value_edits.extend(text_edits_for(node.value, value_words, edit))
        return source_edits

    carry_out(
        doc, [w.value for w in raw_words], lambda index: raw_words[index].start, text_edits, anchor
    )
    if value_edits:
        rewrite.changes.append(
            Change(path, "scalar", value=apply_text_edits(node.value, value_edits))
        )


def _literal_block_as_script(
    node: Any, path: tuple[Any, ...], rewrite: YamlRewrite, anchor: int | None
) -> bool:
    """Rewrite a ``|`` block holding a shell script with the shell rewriter; False: not one."""
    doc = rewrite.doc
    value = node.value
    body = value.rstrip("\n")
    trailing = value[len(body) :]
    lines = body.split("\n")
    first_line = doc.text.find("\n", node.start_mark.index) + 1
    source_lines = doc.text[first_line:].split("\n")[: len(lines)]
    indent = next((len(s) - len(s.lstrip(" ")) for s in source_lines if s.strip()), 0)
    if len(source_lines) != len(lines) or any(
        source != (" " * indent + line if line else source) or (not line and source.strip())
        for source, line in zip(source_lines, lines)
    ):
        return False
    try:
        validate_shell(value)  # a block that is not bash is rewritten word by word instead
    except UnparsableError:
        return False
    script = TextDocument(value, doc.options)
    record_shell(script)
    try:
        new_value = script.new_text()
        validate_shell_rewrite(value, new_value)
    except UnparsableError:
        return False
    if (
        not new_value.endswith(trailing)
        or new_value[: len(new_value) - len(trailing)].endswith("\n")
        and trailing == ""
    ):
        return False
    first_line_number = doc.lines.line_number(first_line)

    def to_outer(offset: int) -> int:
        line, column = script.lines.position(offset)
        return doc.lines.starts[first_line_number + line - 2] + indent + column - 1

    doc.adopt(script, to_outer, anchor, with_edits=False)
    if new_value == value:
        return True
    new_body = new_value[: len(new_value) - len(trailing)] if trailing else new_value
    rendered = "\n".join(" " * indent + line if line else "" for line in new_body.split("\n"))
    region_end = first_line + len("\n".join(source_lines))
    # the block's sites were adopted above; this edit carries them out in one piece
    doc.edits.append(TextEdit(first_line, region_end, rendered))
    rewrite.changes.append(Change(path, "scalar", value=new_value))
    return True
