"""Finding the files to migrate, and reading and writing them without losing a byte.

Discovery walks the given roots (or takes plain file lists, as pre-commit passes them), honours
``.gitignore`` files and skips virtual environments, build output and VCS folders. It never
follows a symlink: links out of the given paths and symlink loops are reported, links inside are
left to their targets, and anything that is not a regular file (a FIFO, a socket) is never opened.
It also finds the temporary files an interrupted run left behind (:func:`remove_debris`).

Reading detects UTF-8 (with or without a BOM) and normalises line endings to ``\\n`` for the
rewriters; writing puts the BOM and the original line endings back and replaces the file
atomically with the same mode bits. Every run takes an exclusive lock on a file before it writes
it or removes its temporary files, and writes only if the file still holds the bytes it read, so
concurrent runs (and an editor saving meanwhile) never clobber each other. Nothing is written
outside the given roots.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import fcntl
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import pathspec

# Folder names that never hold code to migrate (installed packages, caches, build output).
DEFAULT_EXCLUDED_DIRS: frozenset[str] = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".env",
        "env",
        ".tox",
        ".nox",
        "node_modules",
        "site-packages",
        "dist-packages",
        "build",
        "dist",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".hypothesis",
        ".eggs",
        ".ipynb_checkpoints",
    }
)

UTF8_BOM = "\ufeff"
_LINE_ENDING = re.compile(r"\r\n|\r|\n")
# ``tempfile.mkstemp(prefix=".<name>.", suffix=TEMPORARY_SUFFIX)``: 8 random characters between
TEMPORARY_SUFFIX = ".migrate"
_TEMPORARY_FILE = re.compile(
    r"^\.(?P<original>.+)\.[a-z0-9_]{8}" + re.escape(TEMPORARY_SUFFIX) + "$"
)
# how long a write waits for another run holding the file's lock
LOCK_WAIT_SECONDS = 30.0
_LOCK_POLL_SECONDS = 0.01
BACKUP_SUFFIX = ".bak"


@dataclass(frozen=True)
class Skipped:
    """A path discovery had to leave alone, and why (always reported).

    ``failed``: the input is wrong (a missing path, an unreadable folder) and the run fails;
    otherwise (links, FIFOs) leaving it alone is the intended behaviour.
    """

    path: Path
    reason: str
    failed: bool = False


@dataclass
class Discovery:
    files: list[Path] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    # temporary files of an interrupted run, beside the file they were to replace
    debris: list[Path] = field(default_factory=list)


# --- which paths are left out -----------------------------------------------------------------


def _is_within(path: str, roots: Iterable[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def _relative(path: str, base: str) -> str | None:
    """``path`` relative to the folder ``base`` (both real), or None when it is not inside."""
    prefix = base.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else None


@dataclass(frozen=True)
class Excludes:
    """gitignore-style patterns, each set relative to its own folder (the current folder for
    ``--exclude``, the configuration file's folder for its ``exclude``); a path outside that
    folder is matched relative to the folder being walked."""

    specs: tuple[tuple[str, _Patterns], ...] = ()

    @classmethod
    def of(cls, patterns: Iterable[str], base: Path) -> Excludes:
        lines = list(patterns)
        if not lines:
            return cls()
        return cls(((os.path.realpath(base), _Patterns(lines)),))

    def __add__(self, other: Excludes) -> Excludes:
        return Excludes(self.specs + other.specs)

    def match(self, real: str, walked_relative: str, is_dir: bool) -> bool:
        suffix = "/" if is_dir else ""
        for base, spec in self.specs:
            relative = _relative(real, base)
            if spec.match_file((walked_relative if relative is None else relative) + suffix):
                return True
        return False

    def excludes_file(self, real: str) -> bool:
        """Whether a file named on the command line is left out (``--force-exclude``): the file
        or one of its folders matches a pattern or is a default excluded folder."""
        parts = real.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            is_dir = depth < len(parts)
            if is_dir and _is_default_excluded(parts[depth - 1]):
                return True
            if self.match("/" + "/".join(parts[:depth]), parts[depth - 1], is_dir):
                return True
        return False


class _Patterns:
    """A compiled set of gitignore patterns. Without negations (the common case) every pattern
    is one alternative of a single regular expression: a path is matched in one search, not one
    per pattern."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.spec = pathspec.GitIgnoreSpec.from_lines(list(lines))
        # blank lines and comments become patterns that match nothing
        patterns = [p for p in self.spec.patterns if p.include is not None]
        self.regex: re.Pattern[str] | None = None
        regexes = [getattr(p, "regex", None) for p in patterns]
        if all(p.include is True for p in patterns) and all(regexes):
            # the named group only tells a directory match apart, which matters for negations
            alternatives = [
                f"(?:{regex.pattern.replace('(?P<ps_d>', '(?:')})"
                for regex in regexes
                if regex is not None
            ]
            self.regex = re.compile("|".join(alternatives) or "(?!)")

    def match_file(self, path: str) -> bool:
        if self.regex is not None:
            return self.regex.search(path) is not None
        return self.spec.match_file(path)


def _is_default_excluded(name: str) -> bool:
    return name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info")


# (real folder, its .gitignore) for every .gitignore that applies to a folder being walked
_IgnoreChain = tuple[tuple[str, _Patterns], ...]


def _load_gitignore(real_folder: str) -> _Patterns | None:
    ignore_file = os.path.join(real_folder, ".gitignore")
    try:
        if os.path.islink(ignore_file) or not os.path.isfile(ignore_file):
            return None
        with open(ignore_file, encoding="utf-8", errors="replace") as handle:
            return _Patterns(handle.read().splitlines())
    except OSError:
        return None


def _ignored(chain: _IgnoreChain, real: str, is_dir: bool) -> bool:
    suffix = "/" if is_dir else ""
    for folder, spec in chain:
        relative = _relative(real, folder)
        if relative is not None and spec.match_file(relative + suffix):
            return True
    return False


def _chain_above(real_top: str) -> _IgnoreChain:
    """The .gitignore files between the repository's top and ``real_top`` (both included)."""
    folders = [real_top]
    current = real_top
    while not os.path.exists(os.path.join(current, ".git")):
        parent = os.path.dirname(current)
        if parent == current:  # not in a repository: only the folder's own .gitignore
            folders = [real_top]
            break
        folders.append(parent)
        current = parent
    chain = []
    for folder in reversed(folders):
        spec = _load_gitignore(folder)
        if spec is not None:
            chain.append((folder, spec))
    return tuple(chain)


# --- discovery --------------------------------------------------------------------------------


def discover(
    paths: Iterable[str | os.PathLike[str]],
    excludes: Iterable[str] | Excludes = (),
    *,
    force_exclude: bool = False,
) -> tuple[Discovery, list[Path]]:
    """Every regular file under ``paths``; returns the discovery and the resolved roots.

    A file named explicitly is always taken (pre-commit passes file lists) unless
    ``force_exclude``; inside folders, ``.gitignore`` rules, the default excluded folders and the
    exclude patterns apply. Plain strings in ``excludes`` are relative to the current folder.
    """
    if not isinstance(excludes, Excludes):
        excludes = Excludes.of(excludes, Path.cwd())
    walker = _Walker(excludes)
    given: list[tuple[Path, os.stat_result]] = []
    for path in (Path(p) for p in paths):
        status = walker.stat_given(path)
        if status is not None:
            given.append((path, status))
            folder = path if stat.S_ISDIR(status.st_mode) else path.parent
            walker.roots.append(os.path.realpath(folder))
    for path, status in given:
        if stat.S_ISDIR(status.st_mode):
            walker.walk(path)
        elif stat.S_ISREG(status.st_mode):
            walker.take_given_file(path, force_exclude)
        else:
            walker.result.skipped.append(Skipped(path, "not a regular file"))
    return walker.result, [Path(root) for root in walker.roots]


class _Walker:
    def __init__(self, excludes: Excludes) -> None:
        self.excludes = excludes
        self.result = Discovery()
        self.roots: list[str] = []
        self.seen: set[str] = set()
        self._listed: dict[str, set[str]] = {}

    def stat_given(self, path: Path) -> os.stat_result | None:
        """The status of a path from the command line (links followed), or None: reported."""
        try:
            return os.stat(path)
        except OSError as error:
            if error.errno == errno.ELOOP:
                self.result.skipped.append(Skipped(path, "symlink loop (not followed)"))
            elif os.path.islink(path):
                self.result.skipped.append(Skipped(path, "symlink to a missing file"))
            else:
                reason = (
                    "no such file or directory"
                    if error.errno == errno.ENOENT
                    else f"cannot read: {error.strerror}"
                )
                self.result.skipped.append(Skipped(path, reason, failed=True))
            return None

    def take_given_file(self, path: Path, force_exclude: bool) -> None:
        real = os.path.realpath(path)
        if real in self.seen:
            return
        if path.is_symlink() and not _is_within(real, self.roots):
            self.result.skipped.append(Skipped(path, "symlink pointing outside the given paths"))
            return
        if force_exclude and self.excludes.excludes_file(real):
            return
        self.seen.add(real)
        self.result.files.append(path)
        folder, name = os.path.split(real)
        if folder not in self._listed:
            try:
                self._listed[folder] = set(os.listdir(folder))
            except OSError:
                self._listed[folder] = set()
        for other in sorted(self._listed[folder]):
            match = _TEMPORARY_FILE.match(other)
            if match and match.group("original") == name:
                self.result.debris.append(path.parent / other)

    def walk(self, top: Path) -> None:
        real_top = os.path.realpath(top)
        stack: list[tuple[str, str, str, _IgnoreChain]] = [
            (os.fspath(top), real_top, "", _chain_above(real_top))
        ]
        while stack:
            folder, real_folder, relative, chain = stack.pop()
            if relative:
                spec = _load_gitignore(real_folder)
                if spec is not None:
                    chain = (*chain, (real_folder, spec))
            subfolders = self._scan(folder, real_folder, relative, chain)
            # depth first, in name order
            stack.extend(reversed(subfolders))

    def _scan(
        self, folder: str, real_folder: str, relative: str, chain: _IgnoreChain
    ) -> list[tuple[str, str, str, _IgnoreChain]]:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            self.result.skipped.append(
                Skipped(Path(folder), f"cannot list the folder: {error.strerror}", failed=True)
            )
            return []
        names = {entry.name for entry in entries}
        subfolders = []
        for entry in entries:
            real = f"{real_folder}/{entry.name}" if real_folder != "/" else f"/{entry.name}"
            entry_relative = f"{relative}/{entry.name}" if relative else entry.name
            match = _TEMPORARY_FILE.match(entry.name)
            if match and match.group("original") in names:
                self.result.debris.append(Path(entry.path))
                continue
            if entry.is_symlink():
                self._symlink(entry)
                continue
            is_dir = entry.is_dir(follow_symlinks=False)
            if is_dir and _is_default_excluded(entry.name):
                continue
            if self.excludes.match(real, entry_relative, is_dir) or _ignored(chain, real, is_dir):
                continue
            if is_dir:
                subfolders.append((entry.path, real, entry_relative, chain))
            elif entry.is_file(follow_symlinks=False) and real not in self.seen:
                self.seen.add(real)
                self.result.files.append(Path(entry.path))
        return subfolders

    def _symlink(self, entry: os.DirEntry[str]) -> None:
        """A link met while walking: never followed; a loop or a file link out of the given
        paths is reported (a link inside them is left to its target, visited on its own)."""
        try:
            target = os.stat(entry.path)
        except OSError as error:
            if error.errno == errno.ELOOP:
                self.result.skipped.append(Skipped(Path(entry.path), "symlink loop (not followed)"))
            return  # a dangling link holds nothing to read
        if stat.S_ISDIR(target.st_mode) or _is_within(os.path.realpath(entry.path), self.roots):
            return
        self.result.skipped.append(
            Skipped(Path(entry.path), "symlink pointing outside the given paths (not followed)")
        )


# --- reading ----------------------------------------------------------------------------------


def read_start(path: Path, size: int) -> bytes:
    """The first ``size`` bytes of a file (to tell its kind by a shebang)."""
    with open(path, "rb") as handle:
        return handle.read(size)


@dataclass(frozen=True)
class SourceText:
    """A decoded file: ``text`` has ``\\n`` line endings; the rest restores the original bytes."""

    text: str
    bom: bool
    # the file's line ending when it has a single style, else None (mixed: kept per line)
    newline: str | None
    original_endings: tuple[str, ...]

    def encode(self, new_text: str) -> bytes:
        if self.newline is not None:
            restored = new_text if self.newline == "\n" else new_text.replace("\n", self.newline)
        else:
            restored = restore_mixed_endings(self.text, new_text, self.original_endings)
        return (UTF8_BOM if self.bom else "").encode() + restored.encode("utf-8")


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
    if "\r" not in raw:
        return SourceText(raw, bom, "\n", ())
    endings = tuple(_LINE_ENDING.findall(raw))
    styles = set(endings)
    newline = styles.pop() if len(styles) == 1 else None
    text = _LINE_ENDING.sub("\n", raw)
    return SourceText(text, bom, newline, endings if newline is None else ())


def restore_mixed_endings(old_text: str, new_text: str, old_endings: Sequence[str]) -> str:
    """Put a file's mixed line endings back on the rewritten ``\\n`` text.

    The lines of the two texts are aligned (a rewrite adds, removes and changes lines): a line
    kept keeps its ending, a changed line takes the ending of the line it replaces, an added line
    the ending of the line above it.
    """
    old_lines = old_text.split("\n")
    new_lines = new_text.split("\n")
    # rewrites touch few lines: align only what lies between the common head and tail
    head = 0
    while head < min(len(old_lines), len(new_lines)) and old_lines[head] == new_lines[head]:
        head += 1
    tail = 0
    while (
        tail < min(len(old_lines), len(new_lines)) - head
        and old_lines[-1 - tail] == new_lines[-1 - tail]
    ):
        tail += 1
    new_endings = [_ending(old_endings, index) for index in range(head)]
    matcher = difflib.SequenceMatcher(
        None,
        old_lines[head : len(old_lines) - tail],
        new_lines[head : len(new_lines) - tail],
        autojunk=False,
    )
    for tag, old_start, old_end, new_start, new_end in matcher.get_opcodes():
        for offset in range(new_end - new_start):
            # an added line takes the ending of the line above it
            source = old_start - 1 if tag == "insert" else min(old_start + offset, old_end - 1)
            new_endings.append(_ending(old_endings, head + source))
    old_tail_start = len(old_lines) - tail
    new_endings += [_ending(old_endings, old_tail_start + index) for index in range(tail)]
    pieces = [line + ending for line, ending in zip(new_lines[:-1], new_endings)]
    return "".join(pieces) + new_lines[-1]


def _ending(endings: Sequence[str], index: int) -> str:
    if not endings:
        return "\n"
    return endings[min(max(index, 0), len(endings) - 1)]


# --- writing ----------------------------------------------------------------------------------


class WriteError(Exception):
    """The file could not be replaced (read-only, outside the roots, changed meanwhile, ...)."""


@dataclass(frozen=True)
class Written:
    # where the original bytes are kept (a new or an identical older backup), if asked to
    backup: Path | None = None


def _wait_for_lock(fd: int, name: str) -> None:
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while not _try_lock(fd):
        if time.monotonic() > deadline:
            raise WriteError(
                f"{name} stayed locked by another run for {LOCK_WAIT_SECONDS:.0f} s; run again "
                "when it has finished"
            )
        time.sleep(_LOCK_POLL_SECONDS)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _open_locked(real: str, wait: bool) -> int | None:
    """A descriptor of the file at ``real`` holding its exclusive lock (None: another run has it
    and ``wait`` is false). The lock is on the inode: when another run replaced the file while
    we waited, the new file is locked instead."""
    while True:
        fd = os.open(real, os.O_RDONLY)
        try:
            if wait:
                _wait_for_lock(fd, os.path.basename(real))
            elif not _try_lock(fd):
                os.close(fd)
                return None
            locked, current = os.fstat(fd), os.stat(real)
        except BaseException:
            os.close(fd)
            raise
        if (locked.st_dev, locked.st_ino) == (current.st_dev, current.st_ino):
            return fd
        os.close(fd)


@contextlib.contextmanager
def _locked(real: str) -> Iterator[int]:
    try:
        fd = _open_locked(real, wait=True)
    except FileNotFoundError:
        raise WriteError("the file was deleted while the migration ran") from None
    except OSError as error:
        raise WriteError(f"cannot open: {error.strerror}") from None
    assert fd is not None
    try:
        yield fd
    finally:
        os.close(fd)  # releases the lock


def _read_all(fd: int) -> bytes:
    with os.fdopen(os.dup(fd), "rb") as handle:
        handle.seek(0)
        return handle.read()


def _is_read_only(real: str, mode: int) -> bool:
    # a file without its owner's write bit is read-only for us even when we run as root
    return not os.access(real, os.W_OK) or not mode & stat.S_IWUSR


def write_atomic(
    path: Path,
    data: bytes,
    roots: Iterable[Path],
    *,
    expected: bytes | None = None,
    keep_original: bool = False,
) -> Written:
    """Replace ``path`` by ``data``: a temporary file in the same folder, same mode, renamed over
    the original, under the file's lock.

    ``expected``: the bytes the run read; if the file holds other bytes now it is not written
    (another run wrote these exact bytes already: fine; anything else: :class:`WriteError`).
    ``keep_original``: keep the original bytes as ``<name>.bak`` (an identical backup is
    reused), created only once the file is known to be writable and removed if the write fails.
    """
    real = os.path.realpath(path)
    real_roots = [os.path.realpath(root) for root in roots]
    if real_roots and not _is_within(real, real_roots):
        raise WriteError("refusing to write outside the given paths")
    with _locked(real) as fd:
        if expected is not None:
            current = _read_all(fd)
            if current == data:  # another run wrote exactly this already
                return Written()
            if current != expected:
                raise WriteError("changed on disk while the migration ran; run it again")
        mode = stat.S_IMODE(os.fstat(fd).st_mode)
        if _is_read_only(real, mode):
            raise WriteError("read-only; make it writable (chmod u+w) to migrate it")
        backup, created = (None, False)
        if keep_original:
            backup, created = _keep_backup(real, _read_all(fd) if expected is None else expected)
        try:
            _replace(real, data, mode)
        except WriteError:
            if created and backup is not None:
                with contextlib.suppress(OSError):
                    os.unlink(backup)
            raise
    return Written(backup=backup)


def _keep_backup(real: str, original: bytes) -> tuple[Path, bool]:
    """``<name>.bak`` (or ``.bak.1``, ...) holding ``original``; an existing backup with the same
    bytes is reused. Returns the backup and whether it was created now."""
    number = 0
    while True:
        candidate = real + BACKUP_SUFFIX + (f".{number}" if number else "")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            with contextlib.suppress(OSError), open(candidate, "rb") as existing:
                if existing.read() == original:
                    return Path(candidate), False
            number += 1
            continue
        except OSError as error:
            raise WriteError(
                f"cannot write the backup {os.path.basename(candidate)}: {error.strerror}"
            ) from None
        with os.fdopen(fd, "wb") as handle:
            handle.write(original)
        return Path(candidate), True


def _write_all(handle: BinaryIO, data: bytes) -> None:
    handle.write(data)


def _replace(real: str, data: bytes, mode: int) -> None:
    folder, name = os.path.split(real)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=TEMPORARY_SUFFIX, dir=folder)
    except OSError as error:
        raise WriteError(f"cannot create a temporary file next to it: {error.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            _write_all(handle, data)
        os.chmod(temporary, mode)
        os.replace(temporary, real)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise WriteError(f"cannot replace the file: {error.strerror}") from None


# --- debris of interrupted runs ----------------------------------------------------------------


def remove_debris(path: Path) -> str:
    """Remove a temporary file an interrupted run left beside its original; returns "" when it
    is gone, else why it was left (another run is writing that file right now)."""
    match = _TEMPORARY_FILE.match(path.name)
    assert match is not None, path
    original = os.path.join(os.path.dirname(os.path.realpath(path)), match.group("original"))
    try:
        fd = _open_locked(original, wait=False)
    except OSError:
        fd = None  # the original is gone: nothing can be writing it
    else:
        if fd is None:
            return "another run is writing its file now; left alone"
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
    except OSError as error:
        return f"cannot remove it: {error.strerror}"
    finally:
        if fd is not None:
            os.close(fd)
    return ""
