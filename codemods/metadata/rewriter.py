"""Rewrite ``tokenizer_metadata.json`` files written by the old API (surgical JSON edits).

Each metadata rule (MTC101-MTC103) registers a handler for this kind; it edits the values of the
members it owns through a :class:`MetadataFile`. Only the changed values are touched:
indentation, key order, spacing and the other members stay as written, and the result must load
as exactly the intended dictionary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from codemods.core import Options, RewriteResult, UnparsableError
from codemods.text.document import TextDocument
from codemods.text.words import TextEdit

_DECODER = json.JSONDecoder()
# json's own string scanner (typeshed does not declare it): (decoded string, offset after it)
_scan_string = json.decoder.scanstring  # type: ignore[attr-defined]
_WHITESPACE = " \t\n\r"


@dataclass(frozen=True)
class Member:
    key: str
    key_start: int
    value_start: int
    value_end: int
    value: Any


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


def members(text: str) -> list[Member]:
    """The members of the top-level JSON object with their exact spans.

    Raises ``ValueError`` when the text is not one JSON object.
    """
    index = _skip(text, 0)
    if not text.startswith("{", index):
        raise ValueError("the file is not a JSON object")
    found: list[Member] = []
    index = _skip(text, index + 1)
    if text.startswith("}", index):
        return found
    while True:
        if not text.startswith('"', index):
            raise ValueError(f"expected a key at offset {index}")
        key, after_key = _scan_string(text, index + 1)
        colon = _skip(text, after_key)
        if not text.startswith(":", colon):
            raise ValueError(f"expected ':' at offset {colon}")
        value_start = _skip(text, colon + 1)
        value, value_end = _DECODER.raw_decode(text, value_start)
        found.append(Member(key, index, value_start, value_end, value))
        index = _skip(text, value_end)
        if text.startswith(",", index):
            index = _skip(text, index + 1)
            continue
        if text.startswith("}", index):
            return found
        raise ValueError(f"expected ',' or '}}' at offset {index}")


class MetadataFile:
    """A metadata file being rewritten: its members, and the dictionary it must load as."""

    def __init__(self, doc: TextDocument, data: dict[str, Any], found: list[Member]) -> None:
        self.doc = doc
        self.expected = dict(data)
        self._members = found
        self._positions = {member.key: position for position, member in enumerate(found)}

    def member(self, key: str) -> Member | None:
        position = self._positions.get(key)
        return None if position is None else self._members[position]

    def wanted(self, member: Member, code: str) -> bool:
        return self.doc.wanted(member.key_start, code)

    def set_value(self, member: Member, value: Any) -> TextEdit:
        """The edit that gives ``member`` a new value (recorded in what the file must load as)."""
        self.expected[member.key] = value
        return TextEdit(member.value_start, member.value_end, json.dumps(value))

    def add_after(self, member: Member, key: str, value: Any) -> TextEdit:
        """The edit that inserts ``key`` after ``member``, laid out like the separator between
        two existing members."""
        position = self._positions[member.key]
        text = self.doc.text
        if position + 1 < len(self._members):
            separator = text[member.value_end:self._members[position + 1].key_start]
        elif position > 0:
            separator = text[self._members[position - 1].value_end:member.key_start]
        else:
            separator = ", "
        if not separator.lstrip().startswith(","):
            separator = ", "
        self.expected[key] = value
        return TextEdit(member.value_end, member.value_end,
                        f"{separator}{json.dumps(key)}: {json.dumps(value)}")


def validate(text: str) -> None:
    try:
        json.loads(text)
    except ValueError as error:
        raise UnparsableError(f"not valid JSON: {error}") from None


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    from codemods.rules import enabled_rules

    try:
        data = json.loads(text)
        found = members(text)
    except ValueError as error:
        raise UnparsableError(
            f"{path}: not a valid tokenizer metadata file ({error}); fix the JSON and run the "
            "migration again"
        ) from None
    metadata = MetadataFile(TextDocument(text, options), data, found)
    for rule in enabled_rules(options.codes):
        handler = rule.text_handlers.get("metadata")
        if handler is not None:
            handler(metadata)
    result = metadata.doc.result()
    if result.new_text != text and json.loads(result.new_text) != metadata.expected:
        raise UnparsableError(f"{path}: the rewrite did not produce the intended metadata; the "
                              "file was left unchanged (please report this)")
    return result
