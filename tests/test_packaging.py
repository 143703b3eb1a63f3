"""What users of an index, packagers and type checkers get: the sdist, the wheel, their metadata.

The sdist is built from a copy of the project and the wheel from the unpacked sdist, as ``python
-m build`` does, with setuptools' PEP 517 hooks in this interpreter (no network, no build
isolation: the same setuptools as tests/legacy/test_install.py). Installs are pip ``--target``
directories, used from interpreters whose site-packages hide this checkout's own install.
"""

from __future__ import annotations

import email.parser
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

import compat

PROJECT_ROOT = Path(compat.__file__).resolve().parent.parent
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
DIST_NAME = "megatron_tokenizer_compat"
PTH_FILE = f"{DIST_NAME}.pth"
_NOT_PROJECT = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".mypy_cache",
    ".ruff_cache",
)
_OUR_INSTALL = (DIST_NAME, f"__editable__.{DIST_NAME}", f"__editable___{DIST_NAME}")
WARNING = re.compile(r"warning\b", re.IGNORECASE)


def _build(hook: str, source: Path, out: Path) -> tuple[Path, str]:
    """Run one PEP 517 hook in ``source``; the artifact and everything the build printed."""
    out.mkdir()
    code = f"from setuptools import build_meta; print(build_meta.{hook}({str(out)!r}))"
    # bytecode writing off would make setuptools warn "byte-compiling is disabled"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    # -W default: setuptools' deprecation warnings, which ``python -m build`` shows too
    completed = subprocess.run(
        [sys.executable, "-W", "default", "-c", code],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert completed.returncode == 0, completed.stderr
    return out / completed.stdout.strip().splitlines()[-1], completed.stdout + completed.stderr


@pytest.fixture(scope="module")
def sdist(tmp_path_factory) -> tuple[Path, Path, str]:
    """(the sdist, its unpacked tree, the build output)."""
    work = tmp_path_factory.mktemp("sdist")
    copy = work / "project"
    shutil.copytree(PROJECT_ROOT, copy, ignore=_NOT_PROJECT, symlinks=True)
    archive, output = _build("build_sdist", copy, work / "dist")
    with tarfile.open(archive) as tar:
        tar.extractall(work / "unpacked", filter="data")
    (tree,) = (work / "unpacked").iterdir()
    return archive, tree, output


@pytest.fixture(scope="module")
def wheel(sdist, tmp_path_factory) -> tuple[Path, str]:
    """(the wheel built from the unpacked sdist, the build output)."""
    _, tree, _ = sdist
    return _build("build_wheel", tree, tmp_path_factory.mktemp("wheel") / "dist")


@pytest.fixture(scope="module")
def site_without_our_install(tmp_path_factory) -> Path:
    """This interpreter's site-packages (dependencies, megatron-core) minus this checkout."""
    view = tmp_path_factory.mktemp("site-without-compat")
    for entry in SITE_PACKAGES.iterdir():
        if not entry.name.startswith(_OUR_INSTALL):
            (view / entry.name).symlink_to(entry)
    return view


def _pip_install_target(target: Path, *requirement: str) -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "--target",
            str(target),
            *requirement,
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr


def _sdist_names(archive: Path) -> set[str]:
    with tarfile.open(archive) as tar:
        return {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}


def _metadata(wheel_path: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel_path) as archive:
        (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        return email.parser.Parser().parsestr(archive.read(name).decode())


def test_sdist_and_wheel_build_without_warnings(sdist, wheel):
    for output in (sdist[2], wheel[1]):
        assert not [line for line in output.splitlines() if WARNING.search(line)], output


def test_metadata_declares_the_license_typing_and_links(wheel):
    metadata = _metadata(wheel[0])
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert metadata["License"] is None  # the deprecated free-text field
    classifiers = metadata.get_all("Classifier")
    assert "Typing :: Typed" in classifiers
    assert not [c for c in classifiers if c.startswith("License ::")]  # SPDX replaces them
    requires_python = metadata["Requires-Python"]
    supported = {
        c.rsplit(" ", 1)[1]
        for c in classifiers
        if re.fullmatch(r"Programming Language :: Python :: 3\.\d+", c)
    }
    assert requires_python == f">={min(supported, key=lambda v: int(v.split('.')[1]))}"
    urls = dict(url.split(", ", 1) for url in metadata.get_all("Project-URL"))
    assert all(url.startswith("https://") for url in urls.values())


def test_wheel_ships_the_license_type_markers_and_the_hook(wheel):
    with zipfile.ZipFile(wheel[0]) as archive:
        names = set(archive.namelist())
        (license_name,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        license_text = archive.read(license_name).decode()
    assert "Apache License" in license_text and "Version 2.0, January 2004" in license_text
    assert license_text == (PROJECT_ROOT / "LICENSE").read_text(encoding="utf-8")
    assert {"compat/py.typed", "codemods/py.typed", PTH_FILE} <= names


def _project_files() -> set[str]:
    """What must ship, found on disk: works in a checkout and in an unpacked sdist."""
    wanted = {
        "LICENSE",
        "README.md",
        "CHANGELOG.md",
        ".pre-commit-hooks.yaml",
        ".ci/run",
        PTH_FILE,
        "_build_pth.py",
        "pyproject.toml",
        "MANIFEST.in",
    }
    for folder, pattern in (
        ("docs", "*"),
        ("examples", "*"),
        ("tests", "*.py"),
        ("benchmarks", "*.py"),
        ("compat", "*.py"),
        ("codemods", "*.py"),
    ):
        wanted |= {
            str(p.relative_to(PROJECT_ROOT))
            for p in (PROJECT_ROOT / folder).rglob(pattern)
            if p.is_file() and "__pycache__" not in p.parts
        }
    return wanted


def _tracked_files() -> set[str] | None:
    try:
        listed = subprocess.run(
            ["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
        )
    except FileNotFoundError:
        return None
    return set(listed.stdout.splitlines()) - {".gitignore"} if listed.returncode == 0 else None


def test_sdist_is_the_whole_project(sdist):
    names = _sdist_names(sdist[0])
    assert not _project_files() - names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    tracked = _tracked_files()
    if tracked is not None:  # in a git checkout: every tracked file ships
        assert not tracked - names


def test_readme_first_command_works_in_the_unpacked_sdist(
    sdist, site_without_our_install, tmp_path
):
    """README: ``python3 -m venv .venv && . .venv/bin/activate && pip install -e . && python -m
    codemods.migrate examples/legacy-project``, with the dependencies of this interpreter instead
    of a fresh venv (which would download them)."""
    _, tree, _ = sdist
    readme = (tree / "README.md").read_text(encoding="utf-8")
    first_command = re.search(r"```bash\n(.+?)\n```", readme).group(1)
    steps = first_command.split(" && ")
    assert steps[:3] == ["python3 -m venv .venv", ". .venv/bin/activate", "pip install -e ."]
    migrate = steps[3].split()
    assert migrate[:3] == ["python", "-m", "codemods.migrate"] and len(steps) == 4
    example = tree / migrate[3]
    before = {p: p.read_bytes() for p in example.rglob("*") if p.is_file()}

    target = tmp_path / "site"
    _pip_install_target(target, "-e", str(tree))
    bootstrap = (
        "import runpy, site, sys; "
        f"site.addsitedir({str(site_without_our_install)!r}); site.addsitedir({str(target)!r}); "
        f"sys.argv = ['migrate', *{migrate[3:]!r}]; "
        "runpy.run_module('codemods.migrate', run_name='__main__', alter_sys=True)"
    )
    completed = subprocess.run(
        [sys.executable, "-S", "-c", bootstrap],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    # a diff of the example's files, and nothing written
    diff_headers = re.findall(
        r"^(?:---|\+\+\+) \S*(examples/legacy-project/\S+)", completed.stdout, re.MULTILINE
    )
    assert diff_headers, completed.stdout
    assert {p: p.read_bytes() for p in example.rglob("*") if p.is_file()} == before


TYPE_CHECKED = """\
from compat.tokenizers import MegatronTokenizer
from megatron.core.tokenizers.text.models.gpt_tokenizer import GPTTokenizer

reveal_type(MegatronTokenizer.from_pretrained)
GPTTokenizer("path", {})
"""


def _environment_with(wheel_path: Path, root: Path, with_megatron_core: bool) -> Path:
    """A virtual environment holding only the wheel (and megatron-core); its interpreter."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(root)], check=True, timeout=120
    )
    python = root / "bin" / "python"
    site_dir = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
    )
    _pip_install_target(site_dir, str(wheel_path))
    if with_megatron_core:
        for entry in SITE_PACKAGES.iterdir():
            if entry.name == "megatron" or entry.name.startswith("megatron_core-"):
                (site_dir / entry.name).symlink_to(entry)
    return python


@pytest.mark.parametrize(
    "with_megatron_core", [False, True], ids=["without-megatron-core", "with-megatron-core"]
)
def test_mypy_checks_compat_and_cannot_see_the_legacy_paths(wheel, with_megatron_core, tmp_path):
    """py.typed makes compat a typed library; the legacy paths exist only at run time (the
    import hook), as docs/legacy.md says."""
    pytest.importorskip("mypy", reason="mypy is installed by the dev extra")
    if with_megatron_core and not (SITE_PACKAGES / "megatron" / "core").is_dir():
        pytest.skip("megatron-core is installed by the test extra")
    python = _environment_with(wheel[0], tmp_path / "venv", with_megatron_core)
    snippet = tmp_path / "snippet.py"
    snippet.write_text(TYPE_CHECKED, encoding="utf-8")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--python-executable",
            str(python),
            "--no-incremental",
            "--cache-dir",
            os.devnull,
            "--enable-error-code",
            "deprecated",
            str(snippet),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    lines = completed.stdout.splitlines()
    revealed = [line for line in lines if "Revealed type" in line]
    assert len(revealed) == 1 and "MegatronTokenizerBase" in revealed[0], completed.stdout
    assert not [line for line in lines if line.startswith("snippet.py:1:")], completed.stdout
    (legacy_error,) = [line for line in lines if line.startswith("snippet.py:2: error")]
    expected = (
        "missing library stubs or py.typed marker"
        if with_megatron_core
        else "Cannot find implementation or library stub"
    )
    assert expected in legacy_error
    docs = (PROJECT_ROOT / "docs" / "legacy.md").read_text(encoding="utf-8")
    assert expected in " ".join(docs.split())
    assert "deprecated" not in completed.stdout
