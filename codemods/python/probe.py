"""What a stretch of Python holds, read with :mod:`ast`: enough for a rule to say it cannot fire.

A rule's needles are substrings of the file, so they also match comments, docstrings and
unrelated words (``self.prompt_format`` in a data loader, ``tokenizer_type`` in an argparse
definition); such a file then paid the whole libcst pass for nothing. A rule may add a probe, a
necessary condition on :class:`RegionFacts` (``@rule.probe``): a top-level statement no enabled
rule's probe (or, for a rule without one, needle) accepts is left out of the libcst pass, and a
file with no such statement is not parsed by libcst at all. A probe must accept every site its
handlers act on; the tests run every fixture with and without probes and compare the results.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from compat.deprecations import LEGACY_FLAG_NAMES

if TYPE_CHECKING:
    from codemods.core import Options


@dataclass
class RegionFacts:
    """The identifiers, string literals and call shapes of one top-level statement."""

    # names, attribute names, keyword and parameter names, imported names and modules
    identifiers: set[str] = field(default_factory=set)
    # string literals, and the literal parts of f-strings
    strings: list[str] = field(default_factory=list)
    # ``name=<string literal>`` keywords and ``{"name": <string literal>}`` entries
    named_strings: set[tuple[str, str]] = field(default_factory=set)
    # the string keys of dict literals
    dict_keys: set[str] = field(default_factory=set)
    # (called name or attribute, number of positional arguments) of each call
    calls: set[tuple[str, int]] = field(default_factory=set)
    # dotted paths: imported modules (a relative import keeps its dots) and attribute chains on
    # a name (``megatron.core.x``)
    dotted: set[str] = field(default_factory=set)
    # what ``from ... import`` statements bind, as dotted paths (``pkg.module.name``)
    imported: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, node: ast.AST) -> RegionFacts:
        facts = cls()
        for child in ast.walk(node):
            facts._read(child)
        return facts

    def _read(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            self.identifiers.add(node.id)
        elif isinstance(node, ast.Attribute):
            self.identifiers.add(node.attr)
            chain = _dotted(node)
            if chain is not None:
                self.dotted.add(chain)
        elif isinstance(node, ast.arg):
            self.identifiers.add(node.arg)
        elif isinstance(node, ast.alias):
            self.identifiers.add(node.name)
            if node.asname:
                self.identifiers.add(node.asname)
        elif isinstance(node, ast.Import):
            self.dotted.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if node.module:
                self.identifiers.add(node.module)
            self.dotted.add(module)
            self.imported.update(
                f"{module}.{alias.name}" if node.module else f"{module}{alias.name}"
                for alias in node.names
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.strings.append(node.value)
        elif isinstance(node, ast.keyword) and node.arg:
            self.identifiers.add(node.arg)
            self._named(node.arg, node.value)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    self.dict_keys.add(key.value)
                    self._named(key.value, value)
        elif isinstance(node, ast.Call):
            self._call(node)

    def _named(self, name: str, value: ast.expr) -> None:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            self.named_strings.add((name, value.value))

    def _call(self, node: ast.Call) -> None:
        function = node.func
        name = (
            function.attr
            if isinstance(function, ast.Attribute)
            else (function.id if isinstance(function, ast.Name) else None)
        )
        if name is not None:
            self.calls.add((name, len(node.args)))

    def mentions_module(self, modules: frozenset[str]) -> bool:
        """Whether a dotted path or string here is one of ``modules`` or in one, a ``from``
        import binds one or a package on the way to one (``from pkg import module``, then
        ``module.name``), or a relative import ends like one."""
        for mention in (*self.dotted, *self.imported, *self.strings):
            if mention.startswith("."):
                tail = mention.lstrip(".")
                if tail and any(
                    module.endswith("." + tail) or f".{tail}." in module for module in modules
                ):
                    return True
            elif any(mention == module or mention.startswith(module + ".") for module in modules):
                return True
        return any(
            module.startswith(binding + ".") for binding in self.imported for module in modules
        )

    def holds_string_with(self, needles: tuple[str, ...]) -> bool:
        return any(needle in string for string in self.strings for needle in needles)

    def names(self, name: str) -> bool:
        """Whether ``name`` is an identifier here or spelled as a string (``getattr(x, "n")``)."""
        return name in self.identifiers or name in self.strings


def _dotted(node: ast.Attribute) -> str | None:
    parts = [node.attr]
    value = node.value
    while isinstance(value, ast.Attribute):
        parts.append(value.attr)
        value = value.value
    if not isinstance(value, ast.Name):
        return None
    parts.append(value.id)
    return ".".join(reversed(parts))


def holds_legacy_flag(facts: RegionFacts, options: Options) -> bool:
    """The probe of the command-line rules: in Python they act on string literals (argv
    elements, command strings, text) that hold an old flag."""
    return facts.holds_string_with(LEGACY_FLAG_NAMES)
