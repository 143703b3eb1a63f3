"""Launch scripts: bash (by extension ``.sh``/``.bash``/``.sbatch``/``.slurm`` or by shebang)."""

from __future__ import annotations

import re
from pathlib import PurePath

from codemods.core import FileKind
from codemods.shell.rewriter import rewrite, validate, validate_rewrite

EXTENSIONS = (".sh", ".bash", ".sbatch", ".slurm")
_SHEBANG = re.compile(r"^#!\s*\S*/(?:env\s+(?:-\S+\s+)*)?(?:ba|da|k|z)?sh\b")


def matches(path: PurePath, first_line: str) -> bool:
    if path.suffix.lower() in EXTENSIONS:
        return True
    return bool(_SHEBANG.match(first_line))


KIND = FileKind(
    name="shell",
    matches=matches,
    rewrite=rewrite,
    validate=validate,
    validate_rewrite=validate_rewrite,
)

__all__ = ["KIND", "matches", "rewrite", "validate", "validate_rewrite"]
