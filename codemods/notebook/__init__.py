"""Jupyter notebooks (``.ipynb``): Python cells (IPython lines masked), shell magics and
``%%bash`` cells, ``%%writefile`` bodies and Markdown cells.

The notebook JSON is otherwise kept as it is.
"""

from __future__ import annotations

from pathlib import PurePath

from codemods.core import FileKind
from codemods.notebook.rewriter import rewrite, validate, validate_rewrite

EXTENSIONS = (".ipynb",)


def matches(path: PurePath, first_line: str) -> bool:
    return path.suffix.lower() in EXTENSIONS


KIND = FileKind(
    name="notebook",
    matches=matches,
    rewrite=rewrite,
    validate=validate,
    validate_rewrite=validate_rewrite,
)

__all__ = ["KIND", "matches", "rewrite", "validate", "validate_rewrite"]
