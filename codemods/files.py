"""Finding the files to migrate, and reading and writing them without losing a byte.

Discovery walks the given roots (or takes plain file lists, as pre-commit passes them), honours
``.gitignore`` files and skips virtual environments, build output and VCS folders. Reading detects
UTF-8 (with or without a BOM) and normalises line endings to ``\\n`` for the rewriters; writing
puts the BOM and the original line endings back and replaces the file atomically with the same
mode bits. Symlinks are never followed out of the given roots, and nothing is written outside them.
"""

from __future__ import annotations

import contextlib
import os
import re
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

# Folder names that never hold code to migrate (installed packages, caches, build output).
DEFAULT_EXCLUDED_DIRS: frozenset[str] = frozenset(
    {
        ".git", ".hg", ".svn", ".venv", "venv", ".env", "env", ".tox", ".nox", "node_modules",
        "site-packages", "dist-packages", "build", "dist", "__pycache__", ".mypy_cache",
        ".pytest_cache", ".ruff_cache", ".hypothesis", ".eggs", ".ipynb_checkpoints",
    }
)

UTF8_BOM = "\ufeff"
_LINE_ENDING = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Skipped:
    """A path discovery or reading had to leave alone, and why (always reported)."""

    path: Path
    reason: str


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _is_within(path: Path, roots: Iterable[Path]) -> bool:
    return any(path == root or path.is_relative_to(root) for root in roots)


def _is_excluded_dir(name: str, excludes: pathspec.GitIgnoreSpec | None, relative: str) -> bool:
    if name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info"):
        return True
    return excludes is not None and excludes.match_file(relative + "/")


class _GitIgnores:
    """The ``.gitignore`` files met on the way down, each matching paths relative to its folder."""

    def __init__(self) -> None:
        self._specs: dict[Path, pathspec.GitIgnoreSpec] = {}

    def load(self, folder: Path) -> None:
        ignore_file = folder / ".gitignore"
        if ignore_file.is_file() and not ignore_file.is_symlink():
            try:
                lines = ignore_file.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                return
            self._specs[folder] = pathspec.GitIgnoreSpec.from_lines(lines)

    def ignored(self, path: Path, is_dir: bool) -> bool:
        for folder, spec in self._specs.items():
            if path.is_relative_to(folder) and path != folder:
                relative = path.relative_to(folder).as_posix() + ("/" if is_dir else "")
                if spec.match_file(relative):
                    return True
        return False


def discover(
    paths: Iterable[str | os.PathLike[str]], excludes: Iterable[str] = ()
) -> tuple[Discovery, list[Path]]:
    """Every regular file under ``paths``; returns the discovery and the resolved roots.

    A file named explicitly is always taken (pre-commit passes file lists); inside folders,
    ``.gitignore`` rules, the default excluded folders and ``--exclude`` patterns apply.
    """
    exclude_spec = pathspec.GitIgnoreSpec.from_lines(list(excludes)) if excludes else None
    result = Discovery()
    roots: list[Path] = []
    seen: set[Path] = set()
    given = [Path(p) for p in paths]
    for path in given:
        if not path.exists() and not path.is_symlink():
            result.skipped.append(Skipped(path, "no such file or directory"))
            continue
        root = path.resolve() if path.is_dir() else path.parent.resolve()
        roots.append(root)
    for path in given:
        if not path.exists():
            continue
        if path.is_file():
            real = path.resolve()
            if real in seen:
                continue
            if path.is_symlink() and not _is_within(real, roots):
                result.skipped.append(Skipped(path, "symlink pointing outside the given paths"))
                continue
            if exclude_spec is not None and exclude_spec.match_file(path.as_posix()):
                continue
            seen.add(real)
            result.files.append(path)
        elif path.is_dir():
            _walk(path, path.resolve(), roots, exclude_spec, result, seen)
    return result, roots


def _walk(
    top: Path,
    real_top: Path,
    roots: list[Path],
    exclude_spec: pathspec.GitIgnoreSpec | None,
    result: Discovery,
    seen: set[Path],
) -> None:
    ignores = _GitIgnores()
    # .gitignore files between the repository top and the given folder apply as well
    chain = [real_top]
    for parent in real_top.parents:
        if (chain[-1] / ".git").exists():
            break
        chain.append(parent)
    if not (chain[-1] / ".git").exists():
        chain = [real_top]
    for folder in reversed(chain):
        ignores.load(folder)
    for folder_name, dirnames, filenames in os.walk(top, followlinks=False):
        folder_path = Path(folder_name)
        real_folder = folder_path.resolve()
        if real_folder != real_top:
            ignores.load(real_folder)
        kept_dirs = []
        for name in sorted(dirnames):
            relative = (folder_path / name).relative_to(top).as_posix()
            if _is_excluded_dir(name, exclude_spec, relative):
                continue
            if ignores.ignored(real_folder / name, is_dir=True):
                continue
            kept_dirs.append(name)
        dirnames[:] = kept_dirs
        for name in sorted(filenames):
            path = folder_path / name
            relative = path.relative_to(top).as_posix()
            if exclude_spec is not None and exclude_spec.match_file(relative):
                continue
            if ignores.ignored(real_folder / name, is_dir=False):
                continue
            if path.is_symlink():
                real = path.resolve()
                if not _is_within(real, roots):
                    result.skipped.append(
                        Skipped(path, "symlink pointing outside the given paths (not followed)")
                    )
                    continue
                # a link inside the tree: its target is visited on its own
                continue
            if not path.is_file():
                continue
            real = path.resolve()
            if real in seen:
                continue
            seen.add(real)
            result.files.append(path)


@dataclass(frozen=True)
class SourceText:
    """A decoded file: ``text`` has ``\\n`` line endings; the rest restores the original bytes."""

    text: str
    bom: bool
    # the file's line ending when it has a single style, else None (mixed: kept per line)
    newline: str | None
    original_endings: tuple[str, ...]

    def encode(self, new_text: str) -> bytes:
        return (UTF8_BOM if self.bom else "").encode() + restore_line_endings(
            new_text, self.newline, self.original_endings
        ).encode("utf-8")


class DecodeError(Exception):
    """The file is not UTF-8: it is skipped and reported, never rewritten."""


def decode(data: bytes) -> SourceText:
    try:
        raw = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DecodeError(
            f"not UTF-8 (undecodable byte at offset {error.start}); convert it to UTF-8 to "
            "migrate it"
        ) from None
    bom = raw.startswith(UTF8_BOM)
    if bom:
        raw = raw[1:]
    endings = tuple(_LINE_ENDING.findall(raw))
    styles = set(endings)
    newline = styles.pop() if len(styles) == 1 else ("\n" if not styles else None)
    text = _LINE_ENDING.sub("\n", raw)
    return SourceText(text, bom, newline, endings)


def restore_line_endings(
    text: str, newline: str | None, original_endings: tuple[str, ...]
) -> str:
    """Put the file's line endings back on ``\\n`` text.

    One style: every line gets it. Mixed: line *i* keeps the ending line *i* had (the rewriters
    change lines in place far more than they add or remove them); new lines past the end take
    the most common ending.
    """
    if newline == "\n":
        return text
    if newline is not None:
        return text.replace("\n", newline)
    most_common = max(set(original_endings), key=original_endings.count)
    pieces = text.split("\n")
    out: list[str] = []
    for index, piece in enumerate(pieces[:-1]):
        ending = original_endings[index] if index < len(original_endings) else most_common
        out.append(piece + ending)
    out.append(pieces[-1])
    return "".join(out)


class WriteError(Exception):
    """The file could not be replaced (read-only, outside the roots, ...)."""


def write_atomic(path: Path, data: bytes, roots: Iterable[Path]) -> None:
    """Replace ``path`` by ``data``: a temp file in the same folder, same mode, then a rename."""
    real = path.resolve()
    roots = list(roots)
    if roots and not _is_within(real, roots):
        raise WriteError("refusing to write outside the given paths")
    if path.is_symlink():
        # replacing the link would turn it into a regular file; write its target instead
        path = real
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError as error:
        raise WriteError(f"cannot stat: {error.strerror}") from None
    if not os.access(path, os.W_OK):
        raise WriteError("file is read-only; make it writable (chmod u+w) to migrate it")
    try:
        fd, temp_name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".migrate", dir=path.parent
        )
    except OSError as error:
        raise WriteError(f"cannot create a temporary file next to it: {error.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(temp_name, mode)
        os.replace(temp_name, path)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        raise WriteError(f"cannot replace the file: {error.strerror}") from None
