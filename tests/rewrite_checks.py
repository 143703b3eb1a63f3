"""Before/after checks for every file kind (django-upgrade's check_noop / check_transformed).

``check_transformed(before, after)`` asserts that ``before`` becomes ``after``, that ``after``
is valid for its kind, and that a second run changes nothing; ``check_noop(source)`` asserts
the source is left as it is. Both return the findings for the test to inspect.
"""

from __future__ import annotations

import ast
import textwrap

from pyflakes import checker, messages

from codemods.core import FileKind, Finding, Options, RewriteResult
from codemods.kinds import kind_named


def assert_probes_change_nothing(
    source: str, path: str, options: Options, result: RewriteResult | None = None
) -> None:
    """The rules' probes and the elision only save work: the plain path (the whole file
    through libcst) rewrites the same."""
    from codemods.python.rewriter import rewrite_source

    probed = result or rewrite_source(source, path, options)
    unprobed = rewrite_source(source, path, options, use_probes=False)
    assert (probed.new_text, probed.findings) == (unprobed.new_text, unprobed.findings), (
        "a rule's probe rejected a statement where the rule acts"
    )


def name_problems(source: str) -> tuple[set[str], int]:
    """pyflakes' undefined names, and how many imports are unused or redefined."""
    found = checker.Checker(ast.parse(source)).messages
    undefined = {str(m.message_args[0]) for m in found if isinstance(m, messages.UndefinedName)}
    unused = sum(
        isinstance(m, (messages.UnusedImport, messages.RedefinedWhileUnused)) for m in found
    )
    return undefined, unused


def assert_names_still_bound(before: str, after: str) -> None:
    """A rewrite adds no undefined name, and no unused import (a renamed import that was
    unused stays unused under its new name)."""
    undefined_before, unused_before = name_problems(before)
    undefined_after, unused_after = name_problems(after)
    assert undefined_after <= undefined_before, (
        f"the rewrite left unbound names: {sorted(undefined_after - undefined_before)}"
    )
    assert unused_after <= unused_before, "the rewrite left an import unused"


class RewriteChecks:
    """``run``, ``check_transformed`` and ``check_noop`` for one file kind at one path.

    With ``dedent`` (for cases written as indented triple-quoted blocks) every source is dedented
    first; without it the text is passed byte for byte, for kinds where white space on otherwise
    blank lines matters.
    """

    def __init__(self, kind: FileKind, path: str, *, dedent: bool = True) -> None:
        self.kind = kind
        self.path = path
        self.dedent = dedent

    def _source(self, text: str) -> str:
        return textwrap.dedent(text) if self.dedent else text

    def run(self, source: str, **options) -> RewriteResult:
        result = self.kind.rewrite(self._source(source), self.path, Options(**options))
        if self.kind.name == "python":
            assert_probes_change_nothing(
                self._source(source), self.path, Options(**options), result
            )
        return result

    def check_transformed(self, before: str, after: str, **options) -> list[Finding]:
        """Assert ``before`` becomes ``after``, which must be valid and stay put on a second run."""
        expected = self._source(after)
        self.kind.validate(expected)
        result = self.run(before, **options)
        assert result.new_text == expected
        if self.kind.name == "python":
            assert_names_still_bound(self._source(before), result.new_text)
        again = self.kind.rewrite(result.new_text, self.path, Options(**options))
        assert again.new_text == result.new_text, "a second run changed the output"
        return result.findings

    def check_noop(self, source: str, **options) -> list[Finding]:
        """Assert ``source`` is left as it is; its findings are returned for inspection."""
        result = self.run(source, **options)
        assert result.new_text == self._source(source)
        return result.findings


PYTHON = RewriteChecks(kind_named("python"), "example.py")
