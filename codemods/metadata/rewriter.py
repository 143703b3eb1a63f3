"""Rewrite ``tokenizer_metadata.json`` files written by the old API (surgical JSON edits).

Each metadata rule (MTC101-MTC103) registers a handler for this kind; it edits the values of the
members it owns through a :class:`MetadataFile`. Only the changed values are touched:
indentation, key order, spacing and the other members stay as written, and the result must load
as exactly the intended dictionary.

JSON holds no comments, and a rewrite can erase what a site left for a person was found by (a
rewritten ``"library": "sft"`` no longer says the tokenizer needs a prompt format). So when a
rewrite changes the line of such a site, the site is written into the file as an entry of a
``"TODO[megatron-tokenizer]"`` member, and every later run reports that entry until the person
who did what it says deletes it. The loaders set metadata keys as tokenizer attributes, so the
member changes nothing when the file is loaded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from codemods.core import TODO_MARKER, Finding, Options, RewriteResult, UnparsableError
from codemods.text.document import TextDocument
from codemods.text.words import TextEdit

_DECODER = json.JSONDecoder()
# json's own string scanner (typeshed does not declare it): (decoded string, offset after it)
_scan_string = json.decoder.scanstring  # type: ignore[attr-defined]
_WHITESPACE = " \t\n\r"
# the member holding the sites left for a person that a rewrite would otherwise erase
TODO_KEY = TODO_MARKER
_TODO_ENTRY = re.compile(r"^(?P<code>MTC\d{3})\b:?\s*(?P<message>.*)$", re.DOTALL)
_DONE = f'when it is done, delete this entry (the whole "{TODO_KEY}" member once it is empty)'


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
            separator = text[member.value_end : self._members[position + 1].key_start]
        elif position > 0:
            separator = text[self._members[position - 1].value_end : member.key_start]
        else:
            separator = ", "
        if not separator.lstrip().startswith(","):
            separator = ", "
        self.expected[key] = value
        return TextEdit(
            member.value_end, member.value_end, f"{separator}{json.dumps(key)}: {json.dumps(value)}"
        )

    def add_first(self, key: str, value: Any) -> TextEdit:
        """The edit that inserts ``key`` before the first member, laid out like the separator
        between the first two members (the file has at least one member)."""
        first = self._members[0]
        separator = ", "
        if len(self._members) > 1:
            separator = self.doc.text[first.value_end : self._members[1].key_start]
        self.expected = {key: value, **self.expected}
        return TextEdit(
            first.key_start, first.key_start, f"{json.dumps(key)}: {json.dumps(value)}{separator}"
        )

    def carry_todos(self) -> None:
        """Report the entries of the TODO member, and add to it the sites left for a person on
        lines this rewrite changes (once: a second run adds nothing)."""
        member = self.member(TODO_KEY)
        present = _todo_entries(member)
        for entry in present:
            match = _TODO_ENTRY.match(entry)
            if match is not None and member is not None:
                self.doc.report(
                    member.key_start, match.group("code"), match.group("message"), _DONE
                )
        erased = [
            f"{finding.code} {finding.message}; {finding.suggestion}".rstrip("; ")
            for finding in self._sites_on_changed_lines()
        ]
        added = [entry for entry in dict.fromkeys(erased) if entry not in present]
        if not added:
            return
        if member is None:
            self.doc.edits.append(self.add_first(TODO_KEY, added))
        else:
            self.doc.edits.append(self.set_value(member, [*present, *added]))

    def _sites_on_changed_lines(self) -> list[Finding]:
        lines = self.doc.lines
        changed = {
            line
            for edit in self.doc.edits
            for line in range(lines.line_number(edit.start), lines.line_number(edit.end) + 1)
        }
        return [
            finding
            for finding in self.doc.findings()
            if finding.state == "manual" and finding.line in changed
        ]


def _todo_entries(member: Member | None) -> list[str]:
    if member is None or not isinstance(member.value, list):
        return []
    return [entry for entry in member.value if isinstance(entry, str)]


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
    metadata.carry_todos()
    result = metadata.doc.result()
    if result.new_text != text and json.loads(result.new_text) != metadata.expected:
        raise UnparsableError(
            f"{path}: the rewrite did not produce the intended metadata; the "
            "file was left unchanged (please report this)"
        )
    return result
