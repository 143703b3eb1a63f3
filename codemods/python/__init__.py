"""Python sources (``.py``, ``.pyi`` or a python shebang), rewritten with libcst.

libcst is imported on first use, so a run whose files all fail the prefilter never loads it.
"""

from __future__ import annotations

import ast
import re
from pathlib import PurePath

from codemods.core import FileKind, Options, RewriteResult, UnparsableError

EXTENSIONS = (".py", ".pyi")
_SHEBANG = re.compile(r"^#!.*\bpython[0-9.]*\b")


def matches(path: PurePath, first_line: str) -> bool:
    if path.suffix.lower() in EXTENSIONS:
        return True
    return bool(_SHEBANG.match(first_line))


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    from codemods.python.rewriter import rewrite_source

    return rewrite_source(text, path, options)


def validate(text: str) -> None:
    """The output must be valid Python (``ast``: the same grammar, ten times faster than libcst)."""
    try:
        ast.parse(text)
    except (SyntaxError, ValueError) as error:
        raise UnparsableError(f"invalid Python: {error}") from None
    except (RecursionError, MemoryError):
        raise UnparsableError("too deeply nested for the Python parser") from None


KIND = FileKind(name="python", matches=matches, rewrite=rewrite, validate=validate)

__all__ = ["KIND", "matches", "rewrite", "validate"]
