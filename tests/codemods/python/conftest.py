"""before/after helpers for the Python rules (django-upgrade's check_noop / check_transformed)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import libcst as cst
import pytest

from codemods.core import Finding, Options
from codemods.python import rewrite


def run_python(before: str, **options) -> tuple[str, list[Finding]]:
    result = rewrite(textwrap.dedent(before), "example.py", Options(**options))
    return result.new_text, result.findings


@pytest.fixture
def check_transformed() -> Callable[..., list[Finding]]:
    """Assert ``before`` becomes ``after`` (which must parse, and stay put on a second run)."""

    def check(before: str, after: str, **options) -> list[Finding]:
        expected = textwrap.dedent(after)
        cst.parse_module(expected)
        new_text, findings = run_python(before, **options)
        assert new_text == expected
        again, _ = run_python(new_text, **options)
        assert again == new_text, "a second run changed the output"
        return findings

    return check


@pytest.fixture
def check_noop() -> Callable[..., list[Finding]]:
    def check(source: str, **options) -> list[Finding]:
        new_text, findings = run_python(source, **options)
        assert new_text == textwrap.dedent(source)
        return findings

    return check

