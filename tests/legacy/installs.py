"""Installs of this project and fresh interpreters over chosen site directories.

The project is copied to a temporary directory and built with setuptools' PEP 517 hooks (no
network, no build isolation). The regular wheel is installed by pip with ``--target``; the
editable wheel is unpacked, which is what installing a pure-Python wheel does. A *view* of the
test environment's site-packages (symlinks to its entries) hides what a test must not see: our
own install, megatron-core, or both. An interpreter started with ``python -S`` adds the site
directories with ``site.addsitedir``, which processes their ``.pth`` files exactly as start-up
does, then runs the script from the working directory (``sys.path[0]``), as ``python script.py``
would.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import compat

PROJECT_ROOT = Path(compat.__file__).resolve().parent.parent
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
PTH_FILE = "megatron_tokenizer_compat.pth"
FINDER_FILE = "_megatron_tokenizer_compat_finder.py"
PROJECT_FILES = (
    "compat",
    "codemods",
    "pyproject.toml",
    "_build_pth.py",
    "MANIFEST.in",
    "README.md",
    PTH_FILE,
    FINDER_FILE,
)
_OUR_ENTRIES = (
    "megatron_tokenizer_compat",
    "__editable__.megatron_tokenizer_compat",
    "__editable___megatron_tokenizer_compat",
    "_megatron_tokenizer_compat",
)
ENVIRONMENT_TO_CLEAR = (
    "RANK",
    "LOCAL_RANK",
    "PYTHONWARNINGS",
    "PYTHONPATH",
    "MEGATRON_COMPAT_DISABLE",
    "MEGATRON_COMPAT_STRICT",
)


def is_megatron_core(entry: str) -> bool:
    """Whether ``entry`` of site-packages belongs to the megatron-core install."""
    return entry == "megatron" or entry.startswith("megatron_core")


def is_ours(entry: str) -> bool:
    """Whether ``entry`` of site-packages belongs to this project's (editable) install."""
    return entry.startswith(_OUR_ENTRIES)


def site_view(directory: Path, hide: Callable[[str], bool]) -> Path:
    """``directory`` filled with symlinks to every entry of our site-packages but those
    ``hide`` picks."""
    directory.mkdir(parents=True, exist_ok=True)
    for entry in SITE_PACKAGES.iterdir():
        if not hide(entry.name):
            (directory / entry.name).symlink_to(entry)
    return directory


def copy_project(directory: Path) -> Path:
    for name in PROJECT_FILES:
        source = PROJECT_ROOT / name
        if source.is_dir():
            shutil.copytree(source, directory / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, directory / name)
    return directory


def build(hook: str, project: Path, out: Path) -> Path:
    """Run setuptools' PEP 517 ``hook`` (``build_wheel``, ``build_editable``, ``build_sdist``)."""
    out.mkdir()
    code = f"from setuptools import build_meta; print(build_meta.{hook}({str(out)!r}))"
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True, timeout=300
    )
    assert completed.returncode == 0, completed.stderr
    return out / completed.stdout.strip().splitlines()[-1]


def finder_source(package_root: Path) -> str:
    """The finder module an editable install's build writes (``_build_pth.finder_source``)."""
    spec = importlib.util.spec_from_file_location("_build_pth", PROJECT_ROOT / "_build_pth.py")
    assert spec is not None and spec.loader is not None
    build_step = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build_step)
    return str(build_step.finder_source(str(package_root)))


def install_wheel(project: Path, work: Path) -> Path:
    """A regular install of ``project`` (pip, byte-compiled as usual): its site directory."""
    wheel = build("build_wheel", project, work / "dist")
    target = work / "site"
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    return target


def install_editable(project: Path, work: Path) -> Path:
    """An editable install of ``project``: its site directory."""
    wheel = build("build_editable", project, work / "dist")
    target = work / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    variables = {k: v for k, v in os.environ.items() if k not in ENVIRONMENT_TO_CLEAR}
    variables["HF_HUB_OFFLINE"] = "1"
    variables.update(extra or {})
    return variables


def run_with_sites(
    script: str,
    site_dirs: Iterable[Path],
    cwd: Path,
    *,
    env: Mapping[str, str] | None = None,
    interpreter_args: Iterable[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Run ``script`` (source text, saved as ``cwd/user_script.py``) in ``python -S`` after
    adding ``site_dirs`` the way start-up adds site-packages."""
    path = cwd / "user_script.py"
    path.write_text(script, encoding="utf-8")
    adds = "; ".join(f"site.addsitedir({str(d)!r})" for d in site_dirs)
    bootstrap = (
        f"import runpy, site, sys; {adds}; sys.argv = [{str(path)!r}]; "
        f"runpy.run_path({str(path)!r}, run_name='__main__')"
    )
    return subprocess.run(
        [sys.executable, "-S", *interpreter_args, "-c", bootstrap],
        capture_output=True,
        text=True,
        env=environment(env),
        cwd=cwd,
        timeout=300,
    )
