"""Before/after checks for every file kind (django-upgrade's check_noop / check_transformed).

``check_transformed(before, after)`` asserts that ``before`` becomes ``after``, that ``after``
is valid for its kind, and that a second run changes nothing; ``check_noop(source)`` asserts
the source is left as it is. Both return the findings for the test to inspect.
"""

from __future__ import annotations

import textwrap

from codemods.core import FileKind, Finding, Options, RewriteResult
from codemods.kinds import kind_named


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
        return self.kind.rewrite(self._source(source), self.path, Options(**options))

    def check_transformed(self, before: str, after: str, **options) -> list[Finding]:
        """Assert ``before`` becomes ``after``, which must be valid and stay put on a second run."""
        expected = self._source(after)
        self.kind.validate(expected)
        result = self.run(before, **options)
        assert result.new_text == expected
        again = self.kind.rewrite(result.new_text, self.path, Options(**options))
        assert again.new_text == result.new_text, "a second run changed the output"
        return result.findings

    def check_noop(self, source: str, **options) -> list[Finding]:
        """Assert ``source`` is left as it is; its findings are returned for inspection."""
        result = self.run(source, **options)
        assert result.new_text == self._source(source)
        return result.findings


PYTHON = RewriteChecks(kind_named("python"), "example.py")
