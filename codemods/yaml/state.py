"""What a YAML rewrite shares: the document, the intended changes, and scalar spelling.

Every edit is made twice: as text (surgical, so comments, quoting and layout stay) and as an
intended :class:`Change` of the loaded data. The file is written only if loading the new text
gives exactly the loaded input with those changes applied.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from codemods.text.document import TextDocument

STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"
BOOL_TAG = "tag:yaml.org,2002:bool"
NULL_TAG = "tag:yaml.org,2002:null"
# what a plain scalar may not start with, contain or end with (YAML 1.1 as PyYAML reads it)
_PLAIN_UNSAFE = re.compile(r"^[\s,\[\]{}#&*!|>'\"%@`]|^[-?:](\s|$)|: | #|[\s:]$")


@functools.lru_cache(maxsize=4096)  # a config repeats its flags and values
def spell_scalar(word: str, quote: str = "") -> str:
    """``word`` as a YAML scalar that loads back as the string ``word`` (style kept if possible)."""
    if quote == "'":
        return "'" + word.replace("'", "''") + "'"
    if quote == '"':
        return json.dumps(word)
    plain_safe = bool(word) and not _PLAIN_UNSAFE.search(word) and "\n" not in word
    if plain_safe:
        try:
            plain_safe = yaml.safe_load(word) == word
        except yaml.YAMLError:
            plain_safe = False
    return word if plain_safe else json.dumps(word)


def quote_of(node: Any) -> str:
    return node.style if node.style in ("'", '"') else ""


@dataclass
class Change:
    """The intended change of one node, applied to the loaded input to predict the output."""

    path: tuple[Any, ...]
    kind: str  # "mapping" | "sequence" | "scalar"
    removed_keys: list[Any] = field(default_factory=list)
    added: list[tuple[Any, Any]] = field(default_factory=list)  # mapping: (key, value) pairs
    splice: tuple[Any, ...] = ()  # sequence: (start, stop, new items)
    value: str = ""  # scalar: the new string (compared whitespace-normalised)


@dataclass(frozen=True)
class Kept:
    """A list item the rewrite leaves as written (its loaded value is the input's)."""

    index: int


@dataclass
class YamlRewrite:
    doc: TextDocument
    constructor: Any
    changes: list[Change] = field(default_factory=list)
    _scalars: dict[tuple[str, str], Any] = field(default_factory=dict)

    def anchor(self, node: Any, offset: int, outer: int | None) -> int | None:
        """Where a TODO line goes: above the line of ``offset``, unless ``node`` is written
        in flow style (``{...}``/``[...]``), where it goes above the enclosing block entry."""
        return outer if node.flow_style else self.doc.lines.line_start(offset)

    def load(self, node: Any) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return self.constructor.construct_object(node, deep=True)
        # a key, mostly, and a config's maps have the same few: a safe loader's value of a
        # scalar depends on its tag and text alone, and is immutable
        key = (node.tag, node.value)
        if key not in self._scalars:
            self._scalars[key] = self.constructor.construct_object(node, deep=True)
        return self._scalars[key]


def expected(before: list[Any], changes: list[Change]) -> list[Any]:
    """The loaded input with every intended change applied, in place: ``before`` is a load of
    its own (a copy of a 5 MB config costs a tenth of the rewrite)."""
    result = before
    # later sites first, so that splicing a list does not shift the sites before it
    for change in reversed(changes):
        *parents, last = change.path
        container = result
        for step in parents:
            container = container[step]
        target = container[last]
        if change.kind == "mapping":
            for key in change.removed_keys:
                target.pop(key, None)
            for key, value in change.added:
                target[key] = value
        elif change.kind == "sequence":
            start, stop, items = change.splice
            target[start:stop] = [
                target[item.index] if isinstance(item, Kept) else item for item in items
            ]
        else:
            container[last] = change.value
    return result


def same(
    wanted: Any, actual: Any, scalar_paths: set[tuple[Any, ...]], path: tuple[Any, ...] = ()
) -> bool:
    """Whether the loaded output is what was intended (command strings compared by words)."""
    if path in scalar_paths and isinstance(wanted, str) and isinstance(actual, str):
        return " ".join(wanted.split()) == " ".join(actual.split())
    if isinstance(wanted, dict) and isinstance(actual, dict):
        return wanted.keys() == actual.keys() and all(
            same(wanted[k], actual[k], scalar_paths, path + (k,)) for k in wanted
        )
    if isinstance(wanted, list) and isinstance(actual, list):
        return len(wanted) == len(actual) and all(
            same(w, a, scalar_paths, path + (i,)) for i, (w, a) in enumerate(zip(wanted, actual))
        )
    return bool(wanted == actual)
