"""Fixtures for the legacy-path tests: fresh interpreters with and without megatron-core.

megatron-core 0.16.1 is installed in the test environment, so "megatron-core not installed" is
built as a second site directory: symlinks to every entry of our site-packages except
``megatron`` and ``megatron_core-*``. A subprocess started with ``python -S`` (no site-packages)
adds it with ``site.addsitedir``, which processes its ``.pth`` files exactly as start-up does:
the editable-install finder and our ``megatron_tokenizer_compat.pth`` hook are active, megatron
is simply absent.
"""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

import compat.warn

from .installs import environment, is_megatron_core, site_view

WARNING_LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+): MegatronTokenizerDeprecationWarning: (?P<message>.*)$",
    re.MULTILINE,
)


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    script: Path

    def warnings(self) -> list[tuple[str, int, str]]:
        return [
            (m["file"], int(m["line"]), m["message"]) for m in WARNING_LINE.finditer(self.stderr)
        ]


@pytest.fixture(scope="session")
def site_without_megatron(tmp_path_factory) -> Path:
    return site_view(tmp_path_factory.mktemp("site-without-megatron"), is_megatron_core)


@pytest.fixture
def run_python(tmp_path):
    """Run ``source`` as a script file in a fresh interpreter; ``site`` replaces site-packages."""

    def run(
        source: str,
        *,
        site: Path | None = None,
        env: dict[str, str] | None = None,
        interpreter_args: Sequence[str] = (),
        name: str = "user_script.py",
    ) -> Run:
        script = tmp_path / name
        script.write_text(textwrap.dedent(source), encoding="utf-8")
        if site is None:
            command = [sys.executable, *interpreter_args, str(script)]
        else:
            bootstrap = (
                "import runpy, site, sys; "
                f"site.addsitedir({str(site)!r}); sys.argv = [{str(script)!r}]; "
                f"runpy.run_path({str(script)!r}, run_name='__main__')"
            )
            command = [sys.executable, "-S", *interpreter_args, "-c", bootstrap]
        completed = subprocess.run(
            command, capture_output=True, text=True, env=environment(env), cwd=tmp_path, timeout=300
        )
        return Run(completed.returncode, completed.stdout, completed.stderr, script)

    return run


@pytest.fixture
def fresh_warnings(monkeypatch):
    """Forget which sites warned, so each test sees its own first warnings."""
    monkeypatch.setattr(compat.warn, "_seen", set())
    for variable in ("RANK", "LOCAL_RANK", "MEGATRON_COMPAT_STRICT"):
        monkeypatch.delenv(variable, raising=False)
