"""Markdown and MDX documents (``.md``, ``.markdown``, ``.mdx``): fenced shell, console and
untagged blocks."""

from __future__ import annotations

from pathlib import PurePath

from codemods.core import FileKind
from codemods.markdown.rewriter import rewrite, validate

EXTENSIONS = (".md", ".markdown", ".mdx")


def matches(path: PurePath, first_line: str) -> bool:
    return path.suffix.lower() in EXTENSIONS


KIND = FileKind(name="markdown", matches=matches, rewrite=rewrite, validate=validate)

__all__ = ["KIND", "matches", "rewrite", "validate"]
