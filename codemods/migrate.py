"""``python -m codemods.migrate [PATH ...]``: migrate code, scripts, configs and metadata files.

Without ``--write`` nothing is written: the run prints what it found, the diff and a summary.
One direction of data: discovery → prefilter → rewriter (per kind) → validate → report → write.
This is the only module that writes files. Settings come from the command line and from
``[tool.megatron-migrate]`` in ``pyproject.toml`` (:mod:`codemods.config`).

Exit codes (ruff's): something "left to do" is a site that needs a manual change, and, with
``--check``, a file that would be rewritten; the preview (neither ``--write`` nor ``--check``)
only shows, and exits 0 unless something failed:
    0  nothing left to do (or ``--exit-zero``, or the preview)
    1  something left to do; with ``--write --exit-non-zero-on-fix`` also a file rewritten
    2  usage or configuration error (unknown rule code, bad option, bad pyproject.toml)
    3  some file could not be read, decoded, parsed, validated or written, or a PATH does not
       exist (the run still went on; symlinks out of the tree are skipped without failing)
    130  interrupted (Ctrl-C); 141  the output's reader went away (``| head``)
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from codemods.config import (
    TARGETS,
    Config,
    ConfigError,
    PerFileIgnores,
    find_config,
    load_config,
    rule_codes,
)
from codemods.context import ContextFinder, Evidence, MegatronContext, user_evidence
from codemods.core import FileKind, Options, UnparsableError
from codemods.files import (
    DecodeError,
    Excludes,
    WriteError,
    decode,
    discover,
    read_start,
    remove_debris,
    write_atomic,
)
from codemods.report import (
    FORMATS,
    TOOL_NAME,
    FileOutcome,
    Mode,
    Run,
    tool_version,
    write_report,
    write_rule_list,
    write_rule_page,
    write_usage_error,
)
from codemods.rules import UnknownRule, enabled_rules, prefilter
from codemods.text.diff import unified_diff
from compat.deprecations import LIBRARY_FLAG

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

    from rich.progress import Progress

EXIT_OK = 0
EXIT_PENDING = 1
EXIT_USAGE = 2
EXIT_FAILED = 3
# the output's reader went away (`| head`): what a process killed by SIGPIPE exits with, as
# python -m compat.args does
EXIT_BROKEN_PIPE = 141
EXIT_INTERRUPTED = 130

# fewer files than this to parse are handled in this process: a pool would cost more than it saves
MIN_FILES_FOR_POOL = 16
# from this many files found, the workers read and prefilter them too (a large tree: reading is
# a third of a run that parses little)
MIN_FILES_TO_READ_IN_WORKERS = 1000
# chunks handed to each worker: small enough for a smooth progress bar and an even finish
_CHUNKS_PER_WORKER = 32
_LIBCST_KINDS = ("python", "notebook")
_LIBCST_SUFFIXES = (".py", ".ipynb")
# a shebang is looked for in this many bytes of a file whose name tells no kind
_HEAD_BYTES = 256
# data, never a script: no shebang is looked for (a Megatron-LM checkout has 800 JSON files of
# golden values)
_DATA_SUFFIXES = frozenset(
    [
        ".json",
        ".jsonl",
        ".csv",
        ".tsv",
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".svg",
        ".pdf",
        ".npy",
        ".npz",
        ".pt",
        ".pth",
        ".bin",
        ".safetensors",
        ".gz",
        ".zip",
        ".tar",
        ".whl",
        ".so",
    ]
)
DEBRIS_REASON = "temporary file left by an interrupted run"


class UsageError(Exception):
    pass


@dataclass(frozen=True)
class Candidate:
    """A file that passed the prefilter, with its kind, the bytes already read and its options:
    the targets its Megatron context gives, the release its old flags ran on, the rules the
    configuration's per-file-ignores leave out."""

    path: Path
    shown: str
    data: bytes
    kind: str
    options: Options


@dataclass
class Processed:
    outcome: FileOutcome
    new_bytes: bytes | None = None
    original: bytes = b""


# --- one file ------------------------------------------------------------------------------------


def file_prefilter(options: Options) -> Callable[[Path, bytes], bool]:
    """Whether a file may hold a site of an enabled rule (the cheap first decision)."""
    from codemods.metadata import METADATA_FILE_NAME

    holds_needle = prefilter(options.codes)
    anchors = _anchors(options.codes)

    def keeps(path: Path, data: bytes) -> bool:
        # metadata files are small and rare: they are read whatever they contain
        if path.name == METADATA_FILE_NAME:
            return True
        return any(anchor in data for anchor in anchors) and holds_needle(data)

    return keeps


_ANCHOR_LENGTH = 8


@functools.cache
def _anchors(codes: frozenset[str]) -> tuple[bytes, ...]:
    """A few short substrings such that every needle of the enabled rules holds one: most files
    hold none, and a handful of scans reject them before the many needles are tried."""
    needles = {
        (needle if isinstance(needle, str) else needle[0]).encode()
        for rule in enabled_rules(codes)
        for needle in rule.needles
    }
    anchors: list[bytes] = []
    uncovered = set(needles)
    while uncovered:
        grams: dict[bytes, int] = {}
        for needle in uncovered:
            size = min(_ANCHOR_LENGTH, len(needle))
            for gram in {needle[i : i + size] for i in range(len(needle) - size + 1)}:
                grams[gram] = grams.get(gram, 0) + 1
        best = max(sorted(grams), key=lambda gram: grams[gram])
        anchors.append(best)
        uncovered = {needle for needle in uncovered if best not in needle}
    return tuple(anchors)


def process(candidate: Candidate, writing: bool = True) -> Processed:
    """Rewrite one file in memory: never writes.

    The output must parse; before it is written it must also be a fixed point (a second pass
    changes nothing), which costs a second rewrite and is skipped when nothing will be written.
    """
    with _collector_paused():
        return _process(candidate, writing)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsing a file builds a tree of millions of objects and no cycle worth collecting before
    it is done: the cyclic collector would scan the growing tree again and again (a 5 MB YAML
    config composed in 2.7 s instead of 0.7 s; a tenth of the time of Python files). Reference
    counting still frees what is dropped; the collector runs again after the file."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _process(candidate: Candidate, writing: bool) -> Processed:
    from codemods.kinds import kind_named

    shown = candidate.shown
    kind = kind_named(candidate.kind)
    options = candidate.options
    try:
        source = decode(candidate.data)
    except DecodeError as error:
        return Processed(FileOutcome(shown, kind.name, "failed", reason=str(error)))
    try:
        result = kind.rewrite(source.text, shown, options)
    except UnparsableError as error:
        return Processed(FileOutcome(shown, kind.name, "failed", reason=f"cannot parse: {error}"))
    except RecursionError:
        return Processed(
            FileOutcome(shown, kind.name, "failed", reason=_not_on_this_python("too deeply nested"))
        )
    except Exception as error:  # noqa: BLE001 - one file's bug must not stop the run
        return Processed(
            FileOutcome(
                shown,
                kind.name,
                "failed",
                reason=f"internal error in the {kind.name} rewriter ({type(error).__name__}: "
                f"{error}); the file was left unchanged (please report it)",
            )
        )
    if result.new_text == source.text:
        return Processed(FileOutcome(shown, kind.name, "unchanged", result.findings))
    problem = _check_output(kind, source.text, result.new_text, shown, options, writing)
    if problem:
        outcome = FileOutcome(shown, kind.name, "failed", result.findings, reason=problem)
        outcome.drop_fixes()
        return Processed(outcome)
    outcome = FileOutcome(
        shown,
        kind.name,
        "changed",
        result.findings,
        diff=unified_diff(source.text, result.new_text, f"a/{shown}", f"b/{shown}"),
    )
    return Processed(outcome, source.encode(result.new_text), candidate.data)


def _not_on_this_python(error: object) -> str:
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return (
        f"does not parse on this Python ({version}): {error}; run the migration with the "
        "Python version your code is written for"
    )


def _check_output(
    kind: FileKind, old_text: str, new_text: str, shown: str, options: Options, writing: bool
) -> str:
    """Why the rewritten text must not be written ("" when it is fine)."""
    try:
        kind.check_rewrite(old_text, new_text)
    except UnparsableError as error:
        if kind.name in _LIBCST_KINDS:
            try:
                kind.validate(old_text)
            except UnparsableError as input_error:
                # libcst's grammar is not the running interpreter's: neither parses here
                return _not_on_this_python(input_error)
        return _tool_bug(f"the rewritten text does not parse ({error})")
    if not writing:
        return ""
    try:
        again = kind.rewrite(new_text, shown, options).new_text
    except UnparsableError as error:
        return _tool_bug(f"the rewritten text does not parse ({error})")
    if again != new_text:
        return _tool_bug("a second pass would change the rewritten text again")
    return ""


def _tool_bug(problem: str) -> str:
    return f"{problem}; the file was left unchanged (a bug in the migration tool: please report it)"


def _process_chunk(chunk: list[Candidate], writing: bool) -> list[Processed]:
    return [process(candidate, writing) for candidate in chunk]


# --- many files ----------------------------------------------------------------------------------


def shown_path(path: Path) -> str:
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    if absolute == cwd:
        return "."
    if absolute.startswith(cwd.rstrip("/") + "/"):
        return absolute[len(cwd.rstrip("/")) + 1 :]
    return path.as_posix()


def _first_line(data: bytes) -> str:
    return data[:_HEAD_BYTES].split(b"\n", 1)[0].decode("utf-8", errors="replace").lstrip("\ufeff")


@functools.lru_cache(maxsize=4096)
def _kind_name(name: str, first_line: str) -> str | None:
    """The kind of a file by the end of its path (its folder and name: ``.vscode/launch.json``)
    and its first line; the ends repeat (``__init__.py``), so the answers are kept."""
    from codemods.kinds import kind_for

    kind = kind_for(name, first_line)
    return None if kind is None else kind.name


def read_candidate(path: Path) -> tuple[str, bytes] | None:
    """The kind and bytes of a file the tool rewrites; None for any other file, which is read no
    further than its first line (it may hold a shebang)."""
    name = f"{path.parent.name}/{path.name}"
    if _kind_name(name, "") is None and (
        path.suffix.lower() in _DATA_SUFFIXES
        or _kind_name(name, _first_line(read_start(path, _HEAD_BYTES))) is None
    ):
        return None
    data = path.read_bytes()
    kind = _kind_name(name, _first_line(data))
    return None if kind is None else (kind, data)


# what reading a file gives: its kind and bytes, None (no kind, or no needle), or why it failed
Read = tuple[str, bytes] | str | None


def _read_kept(paths: list[Path], options: Options) -> list[Read]:
    """Each file's kind and bytes when it may hold a site of an enabled rule."""
    keeps = file_prefilter(options)
    reads: list[Read] = []
    for path in paths:
        try:
            read = read_candidate(path)
        except OSError as error:
            reads.append(f"cannot read: {error.strerror}")
            continue
        reads.append(read if read is not None and keeps(path, read[1]) else None)
    return reads


def _read_all(paths: list[Path], options: Options, workers: Workers | None) -> list[Read]:
    if workers is None or len(paths) < MIN_FILES_TO_READ_IN_WORKERS:
        return _read_kept(paths, options)
    from concurrent.futures.process import BrokenProcessPool

    pool = workers.pool(python=any(path.suffix in _LIBCST_SUFFIXES for path in paths))
    size = -(-len(paths) // (workers.jobs * 4))
    slices = [paths[start : start + size] for start in range(0, len(paths), size)]
    try:
        parts = list(pool.map(_read_kept, slices, [options] * len(slices)))
    except BrokenProcessPool:
        return _read_kept(paths, options)  # a worker died: read them here
    return [read for part in parts for read in part]


def collect(
    paths: Sequence[str],
    excludes: Excludes,
    options: Options,
    finder: ContextFinder,
    force_exclude: bool = False,
    per_file_ignores: PerFileIgnores | None = None,
    workers: Workers | None = None,
) -> tuple[list[Candidate], list[FileOutcome], int, list[Path], list[Path]]:
    """Read every discovered file the tool understands (in ``workers`` when there are many);
    keep those that pass the prefilter and are not Megatron's own implementation, each with the
    options of its Megatron context.

    Returns the candidates, the outcomes of what was skipped, how many files were scanned, the
    roots, and the temporary files interrupted runs left behind.
    """
    discovery, roots = discover(paths, excludes, force_exclude=force_exclude)
    skipped = [
        FileOutcome(
            shown_path(item.path), "", "failed" if item.failed else "skipped", reason=item.reason
        )
        for item in discovery.skipped
    ]
    candidates: list[Candidate] = []
    megatron_itself: dict[Path, int] = {}
    for path, read in zip(discovery.files, _read_all(discovery.files, options, workers)):
        if isinstance(read, str):
            skipped.append(FileOutcome(shown_path(path), "", "failed", reason=read))
            continue
        if read is None:
            continue
        folder = finder.is_megatron_itself(path)
        if folder is not None:
            megatron_itself[folder] = megatron_itself.get(folder, 0) + 1
            continue
        kind, data = read
        file_options = options_for(options, finder.for_file(path), per_file_ignores, path)
        candidates.append(Candidate(path, shown_path(path), data, kind, file_options))
    skipped += [
        FileOutcome(
            shown_path(folder) + "/",
            "",
            "skipped",
            reason=(
                f"Megatron itself ({count} file{'s' if count != 1 else ''} with old tokenizer API "
                "in its implementation): not migrated, its callers are; use --include-megatron to "
                "migrate it too"
            ),
        )
        for folder, count in megatron_itself.items()
    ]
    return candidates, skipped, len(discovery.files), roots, discovery.debris


def context_record(context: MegatronContext) -> dict[str, object]:
    """One Megatron context as the reports show it."""
    return {
        "root": shown_path(context.root),
        "megatron": context.chosen.describe() if context.chosen is not None else None,
        "evidence": [evidence.describe() for evidence in context.evidence],
        "python_target": context.python_target,
        "command_target": context.command_target,
        "summary": context.summary(),
    }


def options_for(
    options: Options,
    context: MegatronContext,
    per_file_ignores: PerFileIgnores | None = None,
    path: Path | None = None,
) -> Options:
    """The run's options with the targets of one Megatron context, and the rules the
    configuration leaves out for ``path``."""
    api = context.api
    kept_because = ""
    if context.command_target == "keep" and context.chosen is not None:
        kept_because = (
            f"these command lines run {context.chosen.describe()}, whose parser has no "
            f"{LIBRARY_FLAG} and still reads the old flags as before; upgrade that Megatron to "
            "migrate them, or pass --target pr3889 (or upstream) if they run a newer one"
        )
    ignored = per_file_ignores.codes_for(path) if per_file_ignores and path else frozenset()
    return replace(
        options,
        target=context.python_target,
        command_target=context.command_target,
        source=api.key if api is not None else None,
        kept_because=kept_because,
        ignore=options.ignore | ignored,
    )


def run_all(
    candidates: list[Candidate],
    jobs: int,
    writing: bool,
    on_progress: Callable[[int], None] | None = None,
    workers: Workers | None = None,
) -> list[Processed]:
    """Process every candidate: in ``workers`` (or workers of its own) when there are enough
    of them, else in this process."""
    results: list[Processed] = []
    if jobs <= 1 or len(candidates) < MIN_FILES_FOR_POOL:
        for candidate in candidates:
            results.append(process(candidate, writing))
            if on_progress:
                on_progress(1)
        return results
    from concurrent.futures import as_completed
    from concurrent.futures.process import BrokenProcessPool

    python = any(candidate.kind in _LIBCST_KINDS for candidate in candidates)
    try:
        with contextlib.ExitStack() as stack:
            if workers is None:
                workers = stack.enter_context(Workers(min(jobs, len(candidates))))
            pool = workers.pool(python)
            futures = [
                pool.submit(_process_chunk, chunk, writing)
                for chunk in _chunks(candidates, workers.jobs * _CHUNKS_PER_WORKER)
            ]
            for future in as_completed(futures):
                chunk_results = future.result()
                results.extend(chunk_results)
                if on_progress:
                    on_progress(len(chunk_results))
    except BrokenProcessPool:
        # a worker died (killed, out of memory): finish what is left in this process
        done = {processed.outcome.path for processed in results}
        rest = [candidate for candidate in candidates if candidate.shown not in done]
        results.extend(run_all(rest, 1, writing, on_progress))
    return results


class Workers:
    """The ``jobs`` worker processes of a run, started on first need (reading many files, or
    rewriting them) and kept for both."""

    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self._pool: ProcessPoolExecutor | None = None

    def pool(self, python: bool) -> ProcessPoolExecutor:
        """The pool, forked now if it is not yet, with the rewriters imported (libcst too for
        ``python``) so that every worker shares them."""
        if self._pool is None:
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            _preload(python)
            context = multiprocessing.get_context(
                "fork" if "fork" in multiprocessing.get_all_start_methods() else None
            )
            self._pool = ProcessPoolExecutor(max_workers=self.jobs, mp_context=context)
            with _frozen_heap():
                self._pool.submit(os.getpid)  # the first task forks the workers
        return self._pool

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)


@contextlib.contextmanager
def _frozen_heap() -> Iterator[None]:
    """Keep the objects of this process out of the forked workers' garbage collections: a
    collection touching them copies every page of this heap into the worker (a tenth of the
    workers' time on Megatron-LM's tree)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _chunks(candidates: list[Candidate], count: int) -> list[list[Candidate]]:
    """About ``count`` chunks of about the same size in bytes, the biggest files first (alone
    in their chunks when they are big), so that no worker is left with the slowest tail and the
    progress bar moves in small steps."""
    ordered = sorted(candidates, key=lambda candidate: len(candidate.data), reverse=True)
    target = max(1, sum(len(candidate.data) for candidate in ordered) // count)
    chunks: list[list[Candidate]] = [[]]
    size = 0
    for candidate in ordered:
        if chunks[-1] and size + len(candidate.data) > target:
            chunks.append([])
            size = 0
        chunks[-1].append(candidate)
        size += len(candidate.data)
    return chunks


def _preload(python: bool) -> None:
    """Import the rewriters (tree-sitter, libcst, ...) once, before the workers are forked."""
    from codemods.kinds import all_kinds
    from codemods.rules import all_rules

    all_kinds()
    all_rules()
    if python:
        from codemods.python import engine  # noqa: F401


def apply(processed: Processed, path: Path, roots: list[Path], options: Options) -> None:
    """Write one rewritten file (and a metadata file's backup); failures go into its outcome."""
    from codemods.metadata.backup import kept_by_git

    outcome = processed.outcome
    assert processed.new_bytes is not None
    keep_original = (
        outcome.kind == "metadata" and options.backup and not kept_by_git(path, processed.original)
    )
    try:
        written = write_atomic(
            path,
            processed.new_bytes,
            roots,
            expected=processed.original,
            keep_original=keep_original,
        )
    except WriteError as error:
        outcome.status = "failed"
        outcome.reason = str(error)
        outcome.drop_fixes()
        return
    outcome.status = "written"
    if written.backup is not None:
        outcome.backup = shown_path(written.backup)


def clean_up(debris: list[Path], writing: bool) -> list[FileOutcome]:
    """What to say about (and, when writing, do with) the temporary files of interrupted runs."""
    outcomes = []
    for path in debris:
        shown = shown_path(path)
        if not writing:
            outcomes.append(
                FileOutcome(shown, "", "debris", reason=f"{DEBRIS_REASON}; --write removes it")
            )
            continue
        left_because = remove_debris(path)
        if left_because:
            outcomes.append(
                FileOutcome(shown, "", "skipped", reason=f"{DEBRIS_REASON}: {left_because}")
            )
        else:
            outcomes.append(FileOutcome(shown, "", "removed", reason=DEBRIS_REASON))
    return outcomes


# --- command line --------------------------------------------------------------------------------

STDIN = "-"


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog or _prog(),
        description="Migrate Python code, launch scripts, YAML configs, argv files, notebooks and "
        "tokenizer_metadata.json files from Megatron-LM's old tokenizer API to the new one. "
        "Without --write nothing is written. Settings can be kept in pyproject.toml under "
        "[tool.megatron-migrate].",
        epilog="exit codes: 0 nothing left to do (and the preview); 1 --check found something to "
        "rewrite or to fix by hand, or --write left something to fix by hand; 2 usage or "
        "configuration error; 3 some file could not be read, parsed or written.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or folders (default: the current folder); - reads standard input",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--write",
        action="store_true",
        help="rewrite the files in place (with -, print the rewritten text)",
    )
    mode.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 if anything would change or needs a manual "
        "change (for CI and pre-commit)",
    )
    parser.add_argument(
        "--diff",
        action="store_true",
        help="print the unified diff (default when neither --write nor --check)",
    )
    _add_rule_options(parser)
    _add_file_options(parser)
    _add_output_options(parser)
    return parser


def _add_rule_options(parser: argparse.ArgumentParser) -> None:
    rules = parser.add_argument_group("rules")
    rules.add_argument(
        "--select",
        action="append",
        metavar="CODES",
        help="only these rules: codes, prefixes (MTC2), names or ALL (comma-separated, repeatable)",
    )
    rules.add_argument(
        "--ignore",
        action="append",
        metavar="CODES",
        help="skip these rules (codes, prefixes or names)",
    )
    rules.add_argument(
        "--target",
        choices=list(TARGETS),
        help="what to migrate to: auto (default: the newest API the Megatron each file runs "
        "against can run), pr3889 (the new design; alias: megatron), upstream (Megatron-LM "
        "main since Aug 2026), compat (Python imports from compat.tokenizers)",
    )
    rules.add_argument(
        "--megatron",
        metavar="VERSION|PATH",
        help="the Megatron your code runs against (a megatron-core version such as 0.19.2, or "
        "the path of a Megatron-LM checkout), instead of what the tool finds",
    )
    rules.add_argument(
        "--include-megatron",
        action="store_true",
        help="also rewrite Megatron's own implementation found in the tree",
    )
    rules.add_argument(
        "--add-todo",
        action="store_true",
        help="with --write, put a TODO comment above each site that needs a manual change",
    )
    rules.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    rules.add_argument(
        "--explain",
        metavar="CODE",
        help="print what a rule rewrites, why, an example, and what to do with "
        "what it cannot rewrite; then exit",
    )


def _add_file_options(parser: argparse.ArgumentParser) -> None:
    files = parser.add_argument_group("files")
    files.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="PATTERN",
        help="gitignore-style pattern of paths to leave out, relative to the "
        "current folder (repeatable; adds to the configuration's exclude)",
    )
    files.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply the exclusions to files named on the command line too (as "
        "the pre-commit hooks do)",
    )
    files.add_argument(
        "--stdin-filename",
        metavar="NAME",
        help="with -, the name of the file read from standard input (its kind, "
        "per-file ignores and exclusions follow from it)",
    )
    files.add_argument(
        "--config",
        metavar="PYPROJECT",
        help="read [tool.megatron-migrate] from this file instead of the nearest pyproject.toml",
    )
    files.add_argument("--isolated", action="store_true", help="ignore every configuration file")
    files.add_argument(
        "--no-backup",
        action="store_true",
        help="keep no <name>.bak beside a rewritten tokenizer_metadata.json",
    )
    files.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=os.cpu_count() or 1,
        metavar="N",
        help="worker processes (default: all cores)",
    )


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    output = parser.add_argument_group("output and exit code")
    output.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        dest="output_format",
        help="text (default), json, github (workflow annotations) or sarif",
    )
    output.add_argument(
        "--show-fixed",
        action="store_true",
        help="list every rewritten site, not only those needing manual changes",
    )
    output.add_argument(
        "--statistics",
        action="store_true",
        help="print how many sites each rule rewrote, left for a person and noted",
    )
    output.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print only the sites and the files that need attention: no summary, no progress bar",
    )
    output.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text output (auto: on a terminal, unless NO_COLOR is "
        "set; FORCE_COLOR forces it)",
    )
    output.add_argument(
        "--exit-zero",
        action="store_true",
        help="exit 0 even when something is left to do (errors still exit 3)",
    )
    output.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="with --write, exit 1 when a file was rewritten",
    )
    output.add_argument("--version", action="store_true", help="print the version and exit")


def _prog() -> str:
    """How the user called the tool, for the usage line."""
    called = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    return called if called.startswith("megatron-migrate") else "python -m codemods.migrate"


def _progress(enabled: bool, total: int) -> Progress | None:
    """A rich progress bar on a terminal; a no-op elsewhere (CI logs stay clean)."""
    if not enabled or total < MIN_FILES_FOR_POOL:
        return None
    from rich.console import Console
    from rich.progress import Progress

    return Progress(transient=True, console=Console(stderr=True))


@dataclass(frozen=True)
class Settings:
    """The command line and the configuration file, merged."""

    options: Options
    excludes: Excludes
    per_file_ignores: PerFileIgnores | None
    config: Config
    finder: ContextFinder


def settings_for(args: argparse.Namespace) -> Settings:
    """Raises ``ConfigError``, ``UnknownRule``, ``UsageError`` or ``ValueError`` (a bad
    ``--megatron``)."""
    config = Config()
    if args.config:
        config = load_config(Path(args.config))
    elif not args.isolated:
        found = find_config(Path.cwd())
        config = Config() if found is None else load_config(found)
    select = args.select if args.select is not None else config.select or ()
    ignore = args.ignore if args.ignore is not None else config.ignore or ()
    options = Options(
        select=rule_codes(select, "--select"),
        ignore=rule_codes(ignore, "--ignore"),
        add_todo=args.add_todo and args.write,
        backup=not args.no_backup and config.backup is not False,
    )
    if args.jobs < 1:
        raise UsageError("--jobs must be at least 1")
    excludes = Excludes.of(config.exclude, config.base) + Excludes.of(args.exclude, Path.cwd())
    target = args.target or config.target or "auto"
    user: Evidence | None = None
    if args.megatron:
        user = user_evidence(args.megatron, Path.cwd())
    elif config.megatron:
        user = user_evidence(config.megatron, config.base, f"megatron in {config.path}")
    finder = ContextFinder(
        user=user,
        target=TARGETS[target],
        include_megatron=args.include_megatron or bool(config.include_megatron),
    )
    return Settings(options, excludes, config.per_file_ignores, config, finder)


def main(
    argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None
) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    try:
        return _main(argv, stdout, stderr)
    except BrokenPipeError:
        # the reader went away (`| head`): end quietly, as `yes | head` does
        _detach(stdout)
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        stderr.write(
            "interrupted: every file written so far is complete, the others are as they were\n"
        )
        return EXIT_INTERRUPTED


def _detach(out: TextIO) -> None:
    """Point a closed pipe's descriptor at /dev/null, so that flushing at exit stays quiet."""
    try:
        descriptor = out.fileno()
    except (OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, descriptor)
    os.close(null)


def _main(argv: Sequence[str] | None, stdout: TextIO, stderr: TextIO) -> int:
    args = build_parser().parse_args(argv)
    if args.version:
        stdout.write(f"{TOOL_NAME} {tool_version()}\n")
        return EXIT_OK
    if args.list_rules:
        write_rule_list(stdout)
        return EXIT_OK
    try:
        if args.explain:
            write_rule_page(stdout, args.explain)
            return EXIT_OK
        settings = settings_for(args)
        paths = args.paths or ["."]
        if STDIN in paths and len(paths) > 1:
            raise UsageError("- (standard input) cannot be combined with other paths")
    except (UsageError, UnknownRule, ConfigError, ValueError) as error:
        write_usage_error(stderr, str(error))
        return EXIT_USAGE
    mode: Mode = "write" if args.write else "check" if args.check else "diff"
    if paths == [STDIN]:
        return _run_stdin(args, settings, mode, stdout, stderr)
    run = _run_files(args, settings, mode, paths, stderr)
    code = exit_code(run, args)
    _write_report(run, args, mode, stdout)
    return code


def _run_files(
    args: argparse.Namespace, settings: Settings, mode: Mode, paths: list[str], stderr: TextIO
) -> Run:
    options = settings.options
    with Workers(args.jobs) as workers:
        candidates, skipped, scanned, roots, debris = collect(
            paths,
            settings.excludes,
            options,
            settings.finder,
            args.force_exclude,
            settings.per_file_ignores,
            workers if args.jobs > 1 else None,
        )
        progress = _progress(
            stderr.isatty() and args.output_format == "text" and not args.quiet, len(candidates)
        )
        if progress is None:
            results = run_all(candidates, args.jobs, mode == "write", workers=workers)
        else:
            with progress:
                task = progress.add_task("migrating", total=len(candidates))
                results = run_all(
                    candidates,
                    args.jobs,
                    mode == "write",
                    lambda done: progress.advance(task, done),
                    workers,
                )
    paths_by_shown = {candidate.shown: candidate.path for candidate in candidates}
    outcomes = [*skipped, *clean_up(debris, mode == "write")]
    for processed in results:
        if mode == "write" and processed.outcome.status == "changed":
            apply(processed, paths_by_shown[processed.outcome.path], roots, options)
        if processed.outcome.status != "unchanged" or processed.outcome.findings:
            outcomes.append(processed.outcome)
    outcomes.sort(key=lambda outcome: outcome.path)
    return Run(mode, scanned, outcomes, [context_record(c) for c in settings.finder.contexts()])


def _run_stdin(
    args: argparse.Namespace, settings: Settings, mode: Mode, stdout: TextIO, stderr: TextIO
) -> int:
    """Migrate standard input (editors, pre-commit wrappers): with --write the rewritten text
    goes to standard output and the report to standard error."""
    name = args.stdin_filename or "stdin.py"
    data = sys.stdin.buffer.read()
    run, new_bytes = migrate_text(data, Path(name), settings, mode, args.force_exclude)
    code = exit_code(run, args)
    report_to = stderr if mode == "write" else stdout
    _write_report(run, args, mode, report_to)
    if mode == "write":
        stdout.flush()
        output = getattr(stdout, "buffer", None)
        if output is not None:
            output.write(new_bytes)
            output.flush()
        else:
            stdout.write(new_bytes.decode("utf-8", errors="surrogateescape"))
    return code


def migrate_text(
    data: bytes, path: Path, settings: Settings, mode: Mode, force_exclude: bool = False
) -> tuple[Run, bytes]:
    """One text given by its name (standard input): the run and the text to write out."""
    from codemods.kinds import kind_for

    shown = path.as_posix()
    kind = kind_for(path.as_posix(), _first_line(data))
    excluded = force_exclude and settings.excludes.excludes_file(os.path.abspath(path))
    if kind is None or excluded:
        return Run(mode, 1, []), data
    context = settings.finder.for_file(path)
    options = options_for(settings.options, context, settings.per_file_ignores, path)
    processed = process(Candidate(path, shown, data, kind.name, options), writing=mode == "write")
    outcome = processed.outcome
    new_bytes = data
    if mode == "write" and outcome.status == "changed" and processed.new_bytes is not None:
        outcome.status = "written"
        new_bytes = processed.new_bytes
    outcomes = [outcome] if outcome.status != "unchanged" or outcome.findings else []
    return Run(mode, 1, outcomes, [context_record(context)]), new_bytes


def _write_report(run: Run, args: argparse.Namespace, mode: Mode, out: TextIO) -> None:
    """The report in the format and detail the command line asks for."""
    write_report(
        run,
        out,
        args.output_format,
        show_diff=args.diff or mode == "diff",
        show_fixed=args.show_fixed,
        quiet=args.quiet,
        color=use_color(args.color, out),
        statistics=args.statistics,
    )


def exit_code(run: Run, args: argparse.Namespace) -> int:
    """3 when something failed; 1 when something is left to do (see the module docstring)."""
    if run.with_status("failed"):
        return EXIT_FAILED
    if args.exit_zero:
        return EXIT_OK
    if run.mode == "diff":  # the preview shows; --check is the gate (black's --diff and --check)
        return EXIT_OK
    pending = run.manual_count > 0
    if run.mode == "check":
        pending = pending or bool(run.with_status("changed"))
    elif args.exit_non_zero_on_fix:
        pending = pending or bool(run.with_status("written"))
    return EXIT_PENDING if pending else EXIT_OK


def use_color(choice: str, out: TextIO) -> bool:
    """``--color``; for auto: a terminal that is not dumb, unless NO_COLOR is set or FORCE_COLOR
    forces it (https://no-color.org, https://force-color.org)."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return out.isatty() and os.environ.get("TERM") != "dumb"


if __name__ == "__main__":
    sys.exit(main())
