"""The project's own static checks, run by the suite so that CI enforces them: ruff's lint
rules and formatter over everything, and mypy --strict over ``compat`` and ``codemods``
(settings in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]


def run_tool(*argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *argv],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_ruff_finds_nothing():
    pytest.importorskip("ruff", reason="ruff is installed by the test extra")
    completed = run_tool("ruff", "check", "--no-cache", ".")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_the_code_is_formatted():
    pytest.importorskip("ruff", reason="ruff is installed by the test extra")
    completed = run_tool("ruff", "format", "--check", "--no-cache", ".")
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_mypy_strict_finds_nothing():
    pytest.importorskip("mypy", reason="mypy is installed by the test extra")
    completed = run_tool("mypy", "--no-incremental")
    assert completed.returncode == 0, completed.stdout + completed.stderr
