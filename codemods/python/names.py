"""What a Python file imports, read cheaply, and the legacy names its code refers to.

Names are resolved through the file's absolute imports alone, not libcst's scope analysis (which
costs ten times the parse): legacy names are distinctive enough that a local variable shadowing
one is not worth the price.
"""

from __future__ import annotations

import ast
import re
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from codemods.python.syntax import cst, full_name
from compat.deprecations import LEGACY_BY_QUALNAME, LegacyName

_IMPORTS = re.compile(r"^[ \t]*(?:from|import)[ \t]+(\w+)", re.MULTILINE)


@dataclass(frozen=True)
class FileFacts:
    """What the file imports, read from its text (heuristics for look-alike APIs)."""

    top_level_imports: frozenset[str]

    @classmethod
    def of(cls, text: str) -> FileFacts:
        return cls(frozenset(_IMPORTS.findall(text)))

    @property
    def megatron(self) -> bool:
        return "megatron" in self.top_level_imports

    @property
    def foreign(self) -> bool:
        """NeMo has its own ``--tokenizer-type``/``tokenizer_type``: its files are left alone."""
        return "nemo" in self.top_level_imports

    @property
    def transformers(self) -> bool:
        return "transformers" in self.top_level_imports


def imported_names(text: str) -> dict[str, str]:
    """Local names bound by the absolute imports of ``text`` (``ast``: a fraction of libcst)."""
    if "import" not in text:
        return {}
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    return names_imported_by(tree)


def names_imported_by(tree: ast.AST) -> dict[str, str]:
    """Local names bound by the absolute imports anywhere in ``tree`` (a later binding of a
    name wins, in ``ast.walk``'s order)."""
    names: dict[str, str] = {}
    for node in _statements(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    names[head] = head
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def _statements(tree: ast.AST) -> Iterator[ast.AST]:
    """The statements of ``tree`` in ``ast.walk``'s breadth-first order, without visiting the
    expressions (no statement is inside one): imports are statements."""
    pending = deque([tree])
    while pending:
        node = pending.popleft()
        yield node
        pending.extend(
            child for child in ast.iter_child_nodes(node) if isinstance(child, _HOLDS_STATEMENTS)
        )


_HOLDS_STATEMENTS = (ast.stmt, ast.excepthandler, ast.match_case)


def resolve_legacy(node: cst.CSTNode, imported: dict[str, str]) -> LegacyName | None:
    """The legacy name a Name or Attribute chain refers to through ``imported``, if any."""
    if not imported or not isinstance(node, (cst.Name, cst.Attribute)):
        return None
    name = full_name(node)
    if name is None:
        return None
    head, _, rest = name.partition(".")
    base = imported.get(head)
    if base is None:
        return None
    return LEGACY_BY_QUALNAME.get(f"{base}.{rest}" if rest else base)
