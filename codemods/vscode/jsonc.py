"""A reader for JSON with comments and trailing commas (VS Code's ``jsonc``) that keeps where
every value is written, so that a rewrite can edit the text in place."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from codemods.core import UnparsableError


@dataclass
class JsonString:
    start: int
    end: int
    value: str


@dataclass
class JsonArray:
    start: int
    end: int
    items: list[JsonValue] = field(default_factory=list)


@dataclass
class JsonObject:
    start: int
    end: int
    members: list[tuple[JsonString, JsonValue]] = field(default_factory=list)


@dataclass
class JsonScalar:
    """A number, ``true``, ``false`` or ``null``."""

    start: int
    end: int


JsonValue = JsonString | JsonArray | JsonObject | JsonScalar

_BLANK = re.compile(r"(?:\s+|//[^\n]*|/\*.*?\*/)*", re.DOTALL)
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"')
_SCALAR = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def fail(self, what: str) -> UnparsableError:
        line = self.text.count("\n", 0, self.position) + 1
        return UnparsableError(f"not valid JSON (with comments): {what} at line {line}")

    def blank(self) -> None:
        match = _BLANK.match(self.text, self.position)
        assert match is not None  # the pattern matches the empty string
        self.position = match.end()

    def peek(self) -> str:
        self.blank()
        return self.text[self.position : self.position + 1]

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.fail(f"expected {char!r}")
        self.position += 1

    def value(self) -> JsonValue:
        char = self.peek()
        if char == "{":
            return self.container(JsonObject(self.position, 0), "}")
        if char == "[":
            return self.container(JsonArray(self.position, 0), "]")
        if char == '"':
            return self.string()
        match = _SCALAR.match(self.text, self.position)
        if match is None:
            raise self.fail("unexpected text")
        self.position = match.end()
        return JsonScalar(match.start(), match.end())

    def string(self) -> JsonString:
        self.blank()
        match = _STRING.match(self.text, self.position)
        if match is None:
            raise self.fail("unterminated string")
        self.position = match.end()
        try:
            value = json.loads(match.group())
        except json.JSONDecodeError:
            raise self.fail("bad string escape") from None
        return JsonString(match.start(), match.end(), value)

    def container(self, node: JsonObject | JsonArray, closer: str) -> JsonValue:
        self.position += 1
        while self.peek() != closer:
            if not self.peek():
                raise self.fail(f"expected {closer!r}")
            if isinstance(node, JsonObject):
                key = self.string()
                self.expect(":")
                node.members.append((key, self.value()))
            else:
                node.items.append(self.value())
            if self.peek() == ",":
                self.position += 1
            elif self.peek() != closer:
                raise self.fail(f"expected ',' or {closer!r}")
        self.position += 1
        node.end = self.position
        return node


def read(text: str) -> JsonValue:
    """The document's value tree; raises :class:`UnparsableError` when it is not JSONC."""
    reader = _Reader(text)
    value = reader.value()
    if reader.peek():
        raise reader.fail("text after the document")
    return value


def loads(node: JsonValue, text: str) -> object:
    """The plain Python value of ``node``."""
    if isinstance(node, JsonString):
        return node.value
    if isinstance(node, JsonScalar):
        return json.loads(text[node.start : node.end])
    if isinstance(node, JsonArray):
        return [loads(item, text) for item in node.items]
    return {key.value: loads(value, text) for key, value in node.members}
