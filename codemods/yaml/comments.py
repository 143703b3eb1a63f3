"""Comments in YAML configs: commented-out settings and command lines are rewritten too.

A comment is a ``#`` at a line start or after a blank, outside every scalar (quoted and block
scalars hold ``#`` as text). A commented-out setting of one old flag (``# --tokenizer-type:
TikTokenizer``, or ``# tokenizer_type: TikTokenizer`` in a Megatron args config) is translated
and written back as commented-out settings; a commented-out command or argv line is rewritten
word by word; any other comment naming the old API is reported.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from typing import Any

import yaml

from codemods.text.command_line import still_valid, translate
from codemods.text.comments import (
    comment_deletion,
    continued_groups,
    is_todo,
    rewrite_comment_words,
)
from codemods.text.document import TextDocument
from codemods.text.words import TextEdit, attribute_key_mentions, old_api_mentions
from codemods.yaml.args_config import LEGACY_ATTRIBUTES, is_args_config
from codemods.yaml.mapping import pairs_of
from codemods.yaml.state import spell_scalar
from compat.deprecations import LEGACY_FLAG_NAMES, attribute_for

_COMMENT_START = re.compile(r"(?:^|(?<=[ \t]))#", re.MULTILINE)
_COMMENTED_SETTING = re.compile(
    r"^(?P<lead>#+[ \t]*)(?P<key>[\w-]+)[ \t]*:(?:[ \t]+(?P<value>[^#\s][^#]*?))?[ \t]*$"
)
_BARE = ("", "true", "True", "TRUE")
_IN_A_COMMENT = (
    "it is in a comment, as prose or as a setting of a map that is not Megatron's "
    "args (a note: update the comment when you can)"
)


def rewrite_comments(doc: TextDocument, documents: list[Any]) -> list[tuple[int, int]]:
    """Rewrite or report the old API in the comments of ``doc``; return the comments' spans."""
    comments = comment_spans(doc.text, documents)
    args_config = (
        bool(documents)
        and isinstance(documents[0], yaml.MappingNode)
        and is_args_config(documents[0])
    )
    for start, end in continued_groups(comments, doc.text):
        if not _rewrite_setting(doc, start, end, args_config):
            rewrite_comment_words(doc, start, end, _mentions, why=_IN_A_COMMENT)
    return comments


def comment_spans(text: str, documents: list[Any]) -> list[tuple[int, int]]:
    """(start, end) of every comment of the file."""
    scalars = sorted(_scalar_spans(documents))
    starts = [start for start, _ in scalars]
    comments = []
    for match in _COMMENT_START.finditer(text):
        at = match.end() - 1
        index = bisect_right(starts, at) - 1
        if index >= 0 and scalars[index][0] <= at < scalars[index][1]:
            continue
        line_end = text.find("\n", at)
        comments.append((at, len(text) if line_end < 0 else line_end))
    return comments


def _scalar_spans(documents: list[Any]) -> list[tuple[int, int]]:
    spans = []
    stack = list(documents)
    seen: set[int] = set()  # collections an alias leads back to
    while stack:
        node = stack.pop()
        if isinstance(node, yaml.ScalarNode):
            spans.append((node.start_mark.index, node.end_mark.index))
        elif id(node) not in seen:
            seen.add(id(node))
            if isinstance(node, yaml.SequenceNode):
                stack.extend(node.value)
            else:
                for key, value in node.value:
                    stack += (key, value)
    return spans


def _mentions(text: str) -> Iterator[tuple[int, str]]:
    """The old API, and old flags' attributes written as keys, in a comment."""
    yield from old_api_mentions(text)
    yield from attribute_key_mentions(text)


def _rewrite_setting(doc: TextDocument, start: int, end: int, args_config: bool) -> bool:
    """A comment that is one commented-out setting of an old flag (flag-form key anywhere; a
    snake_case key in a Megatron args config): translated in place. False: not one."""
    text = doc.text[start:end]
    match = _COMMENTED_SETTING.match(text)
    if match is None or is_todo(text):
        return False
    key = match.group("key")
    snake = not key.startswith("--")
    flag = LEGACY_ATTRIBUTES.get(key) if snake else key
    if flag not in LEGACY_FLAG_NAMES or (snake and not args_config):
        return False
    if still_valid(flag, doc.options):
        return True  # the file's parser still takes it: nothing to do
    value = match.group("value") or ""
    argv = [flag] if value in _BARE else [flag, value.strip("'\"")]
    translation = translate(argv, doc.options)
    offset = start + match.start("key")
    if translation.errors or not translation.edits or flag in translation.argv:
        return False  # reported word by word, with the translator's reason
    for edit in translation.edits:
        if not doc.wanted(offset, edit.code):
            return True
    new_lines = [
        f"{match.group('lead')}{attribute_for(new) if snake else new}: "
        f"{'true' if argument is None else spell_scalar(argument)}"
        for new, argument in pairs_of(list(translation.argv))
    ]
    line_start = doc.text.rfind("\n", 0, start) + 1
    indent = doc.text[line_start:start] if not doc.text[line_start:start].strip() else ""
    edit_text = (
        TextEdit(start, end, ("\n" + indent).join(new_lines))
        if new_lines
        else comment_deletion(doc.text, start, end)
    )
    first, *others = translation.edits
    doc.fix(offset, first.code, first.message, " ".join(first.words), [edit_text])
    for other in others:
        doc.fix(offset, other.code, other.message, " ".join(other.words), [])
    return True
