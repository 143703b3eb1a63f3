"""YAML configs (``.yaml``/``.yml``): flag-form keys, argv lists and command strings."""

from __future__ import annotations

from pathlib import PurePath

from codemods.core import FileKind
from codemods.yaml.rewriter import rewrite, validate

EXTENSIONS = (".yaml", ".yml")


def matches(path: PurePath, first_line: str) -> bool:
    return path.suffix.lower() in EXTENSIONS


KIND = FileKind(name="yaml", matches=matches, rewrite=rewrite, validate=validate)

__all__ = ["KIND", "matches", "rewrite", "validate"]
