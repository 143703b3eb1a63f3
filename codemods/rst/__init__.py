"""reStructuredText documents (``.rst``): shell, console and literal code blocks."""

from __future__ import annotations

from pathlib import PurePath

from codemods.core import FileKind
from codemods.rst.rewriter import rewrite, validate

EXTENSIONS = (".rst", ".rest")


def matches(path: PurePath, first_line: str) -> bool:
    return path.suffix.lower() in EXTENSIONS


KIND = FileKind(name="rst", matches=matches, rewrite=rewrite, validate=validate)

__all__ = ["KIND", "matches", "rewrite", "validate"]
