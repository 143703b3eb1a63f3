"""Every kind of file the tool rewrites, in the order a file's kind is decided."""

from __future__ import annotations

from functools import lru_cache
from pathlib import PurePath

from codemods.core import FileKind

# The metadata kind matches by file name and the notebook kind by extension; they come before the
# kinds that also look at a shebang. The modules load their parsers lazily.
_KIND_MODULES = (
    "codemods.metadata",
    "codemods.notebook",
    "codemods.python",
    "codemods.shell",
    "codemods.yaml",
    "codemods.argvfile",
    "codemods.markdown",
    "codemods.rst",
    "codemods.vscode",
)


@lru_cache(maxsize=1)
def all_kinds() -> tuple[FileKind, ...]:
    import importlib

    return tuple(importlib.import_module(name).KIND for name in _KIND_MODULES)


def kind_named(name: str) -> FileKind:
    for kind in all_kinds():
        if kind.name == name:
            return kind
    raise KeyError(name)


def kind_for(path: str, first_line: str) -> FileKind | None:
    pure = PurePath(path)
    for kind in all_kinds():
        if kind.matches(pure, first_line):
            return kind
    return None
