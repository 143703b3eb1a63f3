"""``tokenizer_metadata.json`` files (by file name).

The CLI keeps ``<name>.bak`` (the original bytes) beside a rewritten file when
``Options.backup`` is true (the default).
"""

from __future__ import annotations

from pathlib import PurePath

from codemods.core import FileKind
from codemods.metadata.rewriter import rewrite, validate

METADATA_FILE_NAME = "tokenizer_metadata.json"


def matches(path: PurePath, first_line: str) -> bool:
    return path.name == METADATA_FILE_NAME


KIND = FileKind(name="metadata", matches=matches, rewrite=rewrite, validate=validate)

__all__ = ["KIND", "METADATA_FILE_NAME", "matches", "rewrite", "validate"]
