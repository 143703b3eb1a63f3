"""The .pth hook ships in a regular wheel, an editable install and the sdist, and works there.

The project is copied to a temporary directory and built with setuptools' PEP 517 hooks (no
network, no build isolation). The regular wheel is installed by pip with ``--target``; the
editable wheel is unpacked, which is what installing a pure-Python wheel does. Each install runs
in an interpreter whose site-packages hides megatron-core and this checkout's own install.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import compat
from compat.deprecations import MEGATRON_ROOT

from .conftest import SITE_PACKAGES

PROJECT_ROOT = Path(compat.__file__).resolve().parent.parent
PTH_FILE = "megatron_tokenizer_compat.pth"
_PROJECT_FILES = ("compat", "codemods", "pyproject.toml", "_build_pth.py", "MANIFEST.in",
                  "README.md", PTH_FILE)
_HIDDEN = ("megatron", "megatron_core", "megatron_tokenizer_compat",
           "__editable__.megatron_tokenizer_compat", "__editable___megatron_tokenizer_compat")

SMOKE = f"""\
import compat, sys
print(compat.__file__)
print(any(type(f).__name__ == "MegatronTokenizerCompatFinder" for f in sys.meta_path))
from {MEGATRON_ROOT}.text.models.gpt_tokenizer import GPTTokenizer
from {MEGATRON_ROOT} import MegatronTokenizer
print(MegatronTokenizer.from_pretrained(metadata_path={{"library": "null-text"}}, vocab_size=9)
      .tokenize("4 5"))
"""


def _build(hook: str, source: Path, out: Path) -> Path:
    out.mkdir()
    code = f"from setuptools import build_meta; print(build_meta.{hook}({str(out)!r}))"
    completed = subprocess.run([sys.executable, "-c", code], cwd=source, capture_output=True,
                               text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    return out / completed.stdout.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("project")
    for name in _PROJECT_FILES:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, copy / name)
    return copy


@pytest.fixture(scope="module")
def site_without_megatron_or_compat(tmp_path_factory) -> Path:
    view = tmp_path_factory.mktemp("site-without-compat")
    for entry in SITE_PACKAGES.iterdir():
        if not entry.name.startswith(_HIDDEN):
            (view / entry.name).symlink_to(entry)
    return view


def _run_in(site_dirs: list[Path], cwd: Path) -> subprocess.CompletedProcess:
    script = cwd / "smoke.py"
    script.write_text(SMOKE, encoding="utf-8")
    adds = "; ".join(f"site.addsitedir({str(d)!r})" for d in site_dirs)
    bootstrap = f"import runpy, site; {adds}; runpy.run_path({str(script)!r}, run_name='__main__')"
    return subprocess.run([sys.executable, "-S", "-c", bootstrap], capture_output=True, text=True,
                          cwd=cwd, timeout=300)


def _assert_hook_works(completed: subprocess.CompletedProcess, compat_root: Path) -> None:
    assert completed.returncode == 0, completed.stderr
    compat_file, hook_active, ids = completed.stdout.strip().splitlines()
    assert Path(compat_file).resolve().is_relative_to(compat_root.resolve())
    assert hook_active == "True"
    assert ids == "[4, 5]"
    assert "smoke.py:4: MegatronTokenizerDeprecationWarning" in completed.stderr


def test_regular_wheel_installs_the_hook(project_copy, site_without_megatron_or_compat, tmp_path):
    wheel = _build("build_wheel", project_copy, tmp_path / "dist")
    assert PTH_FILE in zipfile.ZipFile(wheel).namelist()
    target = tmp_path / "site"
    completed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
         "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert (target / PTH_FILE).read_text() == (PROJECT_ROOT / PTH_FILE).read_text()
    _assert_hook_works(_run_in([site_without_megatron_or_compat, target], tmp_path), target)


def test_editable_wheel_installs_the_hook(project_copy, site_without_megatron_or_compat,
                                          tmp_path):
    wheel = _build("build_editable", project_copy, tmp_path / "dist")
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        assert PTH_FILE in archive.namelist()
        archive.extractall(target)
    # the editable finder serves ``compat`` from the project copy itself
    _assert_hook_works(_run_in([site_without_megatron_or_compat, target], tmp_path), project_copy)


def test_sdist_carries_what_the_build_step_needs(project_copy, tmp_path):
    sdist = _build("build_sdist", project_copy, tmp_path / "dist")
    with tarfile.open(sdist) as archive:
        names = {Path(name).name for name in archive.getnames()}
    assert {PTH_FILE, "_build_pth.py"} <= names


def test_shipped_pth_is_the_generated_line():
    from compat.importhook import pth_line

    assert (PROJECT_ROOT / PTH_FILE).read_text(encoding="utf-8").strip() == pth_line()


def test_a_site_directory_reached_twice_installs_one_finder(site_without_megatron_or_compat,
                                                            tmp_path):
    """Virtual environments often have ``lib64 -> lib``: site runs the .pth line twice."""
    site_dir = tmp_path / "lib"
    site_dir.mkdir()
    shutil.copy2(PROJECT_ROOT / PTH_FILE, site_dir / PTH_FILE)
    (tmp_path / "lib64").symlink_to(site_dir)
    code = (
        "import site, sys; "
        f"site.addsitedir({str(site_without_megatron_or_compat)!r}); "
        f"known = set(); site.addsitedir({str(site_dir)!r}, known); "
        f"site.addsitedir({str(tmp_path / 'lib64')!r}, known); "
        "print(sum(type(f).__name__ == 'MegatronTokenizerCompatFinder' for f in sys.meta_path))"
    )
    completed = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True,
                               text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "1"
