"""The contract between the CLI and the per-kind rewriters.

Data flows one way: discovery → prefilter → rewriter (per kind) → validate → report → write.
A rewriter is a pure function of the text: it returns the new text and its findings. Only
``migrate.py`` writes files and only ``report.py`` prints.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import PurePath
from typing import Literal

# What Python code is rewritten to: the new API under megatron.core.tokenizers (PR #3889's
# design), Megatron-LM main's API, or the new API served by compat.tokenizers.
Target = Literal["pr3889", "upstream", "compat"]
# What command lines are rewritten to: the new flags, Megatron-LM main's flags, or nothing (the
# parser the scripts run lacks the new flags, and the old ones still mean what they meant).
CommandTarget = Literal["pr3889", "upstream", "keep"]


@dataclass(frozen=True)
class Options:
    target: Target = "pr3889"
    command_target: CommandTarget = "pr3889"
    # the Megatron the file ran on (a ``compat.releases`` key), when known: how its old flags
    # behaved, so a rewrite keeps that behaviour
    source: str | None = None
    # why command lines are kept (``command_target == "keep"``): the parser found, what to do
    kept_because: str = ""
    # rule codes; an empty ``select`` means every rule
    select: frozenset[str] = frozenset()
    ignore: frozenset[str] = frozenset()
    add_todo: bool = False
    # keep ``<name>.bak`` (the original bytes) beside a rewritten tokenizer_metadata.json
    backup: bool = True

    @cached_property
    def codes(self) -> frozenset[str]:
        """The enabled rule codes (decided once per run)."""
        from codemods.rules import select

        return select(self.select, self.ignore)

    def enabled(self, code: str) -> bool:
        return code in self.codes


@dataclass(frozen=True)
class Finding:
    """A site the tool rewrote (``fixed``), could not rewrite (manual), or a note about text
    that needs no change to run (``informational``: an old flag named in a message)."""

    line: int  # 1-based
    col: int  # 1-based
    code: str
    message: str
    suggestion: str = ""
    fixed: bool = False
    informational: bool = False

    @property
    def state(self) -> str:
        return "fixed" if self.fixed else "info" if self.informational else "manual"


@dataclass
class RewriteResult:
    new_text: str
    findings: list[Finding] = field(default_factory=list)


class UnparsableError(Exception):
    """The input (or, for a bug, the output) of a rewriter does not parse."""


@dataclass(frozen=True)
class FileKind:
    """One kind of file the tool understands (python, shell, yaml, ...)."""

    name: str
    # decides from the path and the first line (for shebangs) whether a file is of this kind
    matches: Callable[[PurePath, str], bool]
    rewrite: Callable[[str, str, Options], RewriteResult]
    # raises UnparsableError when the text does not parse; used on output before writing
    validate: Callable[[str], None]
    # for kinds that rewrite inputs holding errors of their own (a shell script with
    # placeholders, a notebook with a broken cell): raises UnparsableError when the rewritten
    # text (second argument) is not valid *compared with* the original (first argument)
    validate_rewrite: Callable[[str, str], None] | None = None

    def check_rewrite(self, before: str, after: str) -> None:
        """Raise :class:`UnparsableError` unless ``after`` may replace ``before``."""
        if self.validate_rewrite is None:
            self.validate(after)
        else:
            self.validate_rewrite(before, after)


SUPPRESSION_MARKER = "megatron-compat: ignore"
TODO_MARKER = "TODO[megatron-tokenizer]"

_SUPPRESSION = re.compile(re.escape(SUPPRESSION_MARKER) + r"(?:\[(?P<codes>[A-Z0-9, ]+)\])?")


def is_suppressed(line: str, code: str) -> bool:
    """Whether ``line`` carries ``megatron-compat: ignore`` (all rules) or ``ignore[CODE,...]``."""
    match = _SUPPRESSION.search(line)
    if match is None:
        return False
    codes = match.group("codes")
    return codes is None or code in {c.strip() for c in codes.split(",")}
