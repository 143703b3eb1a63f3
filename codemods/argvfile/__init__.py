"""argv files (``*.args``): command-line words, typically one flag per line."""

from __future__ import annotations

from pathlib import PurePath

from codemods.argvfile.rewriter import rewrite, validate
from codemods.core import FileKind

EXTENSIONS = (".args",)


def matches(path: PurePath, first_line: str) -> bool:
    return path.suffix.lower() in EXTENSIONS


KIND = FileKind(name="argvfile", matches=matches, rewrite=rewrite, validate=validate)

__all__ = ["KIND", "matches", "rewrite", "validate"]
