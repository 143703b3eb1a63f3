"""The hook ships in a regular wheel, an editable install and the sdist, and works there.

Each install runs in an interpreter whose site-packages hides megatron-core and this checkout's
own install (see ``installs.py``).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from compat.deprecations import MEGATRON_ROOT
from compat.importhook import FINDER_MODULE

from .installs import (
    FINDER_FILE,
    PROJECT_ROOT,
    PTH_FILE,
    SITE_PACKAGES,
    build,
    copy_project,
    install_editable,
    install_wheel,
    is_megatron_core,
    is_ours,
    run_with_sites,
    site_view,
)

SMOKE = f"""\
import compat, sys
print(compat.__file__)
print([getattr(f, "__name__", "") for f in sys.meta_path].count("{FINDER_MODULE}"),
      [getattr(h, "__module__", "") for h in sys.path_hooks].count("{FINDER_MODULE}"))
from {MEGATRON_ROOT}.text.models.gpt_tokenizer import GPTTokenizer
from {MEGATRON_ROOT} import MegatronTokenizer
print(MegatronTokenizer.from_pretrained(metadata_path={{"library": "null-text"}}, vocab_size=9)
      .tokenize("4 5"))
"""


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def site_without_megatron_or_compat(tmp_path_factory) -> Path:
    return site_view(
        tmp_path_factory.mktemp("site-without-compat"),
        lambda entry: is_megatron_core(entry) or is_ours(entry),
    )


def _assert_hook_works(completed: subprocess.CompletedProcess, compat_root: Path) -> None:
    assert completed.returncode == 0, completed.stderr
    compat_file, registered, ids = completed.stdout.strip().splitlines()
    assert Path(compat_file).resolve().is_relative_to(compat_root.resolve())
    assert registered == "1 1"  # one meta path finder, one path hook
    assert ids == "[4, 5]"
    assert "user_script.py:5: MegatronTokenizerDeprecationWarning" in completed.stderr


def test_regular_wheel_installs_the_hook(project_copy, site_without_megatron_or_compat, tmp_path):
    target = install_wheel(project_copy, tmp_path)
    for name in (PTH_FILE, FINDER_FILE):
        assert (target / name).read_text() == (PROJECT_ROOT / name).read_text()
    # pip byte-compiles the finder like any module: start-up does not compile it
    assert list((target / "__pycache__").glob(f"{FINDER_MODULE}.*.pyc"))
    completed = run_with_sites(SMOKE, [site_without_megatron_or_compat, target], tmp_path)
    _assert_hook_works(completed, target)


def test_editable_wheel_installs_the_hook(project_copy, site_without_megatron_or_compat, tmp_path):
    target = install_editable(project_copy, tmp_path)
    # the finder is told where the project's compat package is; the .pth is unchanged
    assert (target / PTH_FILE).read_text() == (PROJECT_ROOT / PTH_FILE).read_text()
    assert f"PACKAGE_ROOT = {str(project_copy)!r}\n" in (target / FINDER_FILE).read_text()
    completed = run_with_sites(SMOKE, [site_without_megatron_or_compat, target], tmp_path)
    _assert_hook_works(completed, project_copy)


def test_sdist_carries_what_the_build_step_needs(project_copy, tmp_path):
    sdist = build("build_sdist", project_copy, tmp_path / "dist")
    with tarfile.open(sdist) as archive:
        names = {Path(name).name for name in archive.getnames()}
    assert {PTH_FILE, FINDER_FILE, "_build_pth.py"} <= names


def test_the_wheel_has_both_start_up_files(project_copy, tmp_path):
    wheel = build("build_wheel", project_copy, tmp_path / "dist")
    assert {PTH_FILE, FINDER_FILE} <= set(zipfile.ZipFile(wheel).namelist())


def test_shipped_pth_is_the_generated_line():
    from compat.importhook import pth_line

    assert (PROJECT_ROOT / PTH_FILE).read_text(encoding="utf-8").strip() == pth_line()
    assert FINDER_FILE == FINDER_MODULE + ".py"


def test_a_site_directory_reached_twice_installs_one_finder(
    site_without_megatron_or_compat, tmp_path
):
    """Virtual environments often have ``lib64 -> lib``: site runs the .pth line twice."""
    site_dir = tmp_path / "lib"
    site_dir.mkdir()
    for name in (PTH_FILE, FINDER_FILE):
        shutil.copy2(PROJECT_ROOT / name, site_dir / name)
    (tmp_path / "lib64").symlink_to(site_dir)
    code = (
        "import site, sys; "
        f"site.addsitedir({str(site_without_megatron_or_compat)!r}); "
        f"known = set(); site.addsitedir({str(site_dir)!r}, known); "
        f"site.addsitedir({str(tmp_path / 'lib64')!r}, known); "
        f"print(sum(getattr(f, '__name__', '') == {FINDER_MODULE!r} for f in sys.meta_path))"
    )
    completed = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "1"


def test_install_for_interpreters_that_skip_pth_files(megatron_core, tmp_path):
    """``python -S`` (or an embedded interpreter) calls ``compat.importhook.install()``: the
    legacy paths megatron-core lacks are served, and its own legacy names warn."""
    code = (
        f"import sys; sys.path[:0] = [{str(PROJECT_ROOT)!r}, {str(SITE_PACKAGES)!r}]; "
        "import compat.importhook; compat.importhook.install(); compat.importhook.install(); "
        f"from {MEGATRON_ROOT}.text.models import GPTTokenizer\n"
        f"from {MEGATRON_ROOT}.text.libraries.sft_tokenizer import SFTTokenizer\n"
        "print(sum(f is sys.modules['compat.importhook'] for f in sys.meta_path))"
    )
    completed = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "1"
    assert f"{MEGATRON_ROOT}.text.models is deprecated" in completed.stderr
    assert f"{MEGATRON_ROOT}.text.libraries.sft_tokenizer.SFTTokenizer is deprecated" in (
        completed.stderr
    )
