"""VS Code run configurations (``.vscode/launch.json``, ``.vscode/tasks.json``): ``args`` lists."""

from __future__ import annotations

from pathlib import PurePath

from codemods.core import FileKind
from codemods.vscode.rewriter import rewrite, validate

FILE_NAMES = ("launch.json", "tasks.json")


def matches(path: PurePath, first_line: str) -> bool:
    parts = path.parts
    return len(parts) >= 2 and parts[-2] == ".vscode" and parts[-1] in FILE_NAMES


KIND = FileKind(name="vscode", matches=matches, rewrite=rewrite, validate=validate)

__all__ = ["KIND", "matches", "rewrite", "validate"]
