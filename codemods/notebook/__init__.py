"""Jupyter notebooks (``.ipynb``): the Python rules inside code cells.

The notebook JSON is otherwise kept as it is.
"""

from __future__ import annotations

from pathlib import PurePath

from codemods.core import FileKind
from codemods.notebook.rewriter import rewrite, validate

EXTENSIONS = (".ipynb",)


def matches(path: str, first_line: str) -> bool:
    return PurePath(path).suffix.lower() in EXTENSIONS


KIND = FileKind(name="notebook", matches=matches, rewrite=rewrite, validate=validate)

__all__ = ["KIND", "matches", "rewrite", "validate"]
