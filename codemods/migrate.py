"""``python -m codemods.migrate [PATH ...]``: migrate code, scripts, configs and metadata files.

Without ``--write`` nothing is written: the run prints what it found, the diff and a summary.
One direction of data: discovery → prefilter → rewriter (per kind) → validate → report → write.
This is the only module that writes files.

Exit codes:
    0  success (with ``--check``: nothing to rewrite and nothing needs a manual change)
    1  ``--check`` only: some file would be rewritten or some site needs a manual change
    2  usage error (unknown rule code, bad option)
    3  some file could not be read, decoded, parsed, validated or written, or a PATH does not
       exist (the run still went on; symlinks out of the tree are skipped without failing)
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from codemods.context import ContextFinder, MegatronContext, user_evidence
from codemods.core import FileKind, Options, Target, UnparsableError
from codemods.files import DecodeError, WriteError, decode, discover, write_atomic
from codemods.report import (
    FORMATS,
    FileOutcome,
    Mode,
    Run,
    write_report,
    write_rule_list,
    write_rule_page,
    write_usage_error,
)
from codemods.rules import prefilter, resolve
from compat.deprecations import LIBRARY_FLAG

if TYPE_CHECKING:
    from rich.progress import Progress

EXIT_OK = 0
EXIT_PENDING = 1
EXIT_USAGE = 2
EXIT_FAILED = 3

# fewer files than this to parse are handled in this process: a pool would cost more than it saves
MIN_FILES_FOR_POOL = 16
TARGET_ALIASES: dict[str, Target] = {"megatron": "pr3889"}
_BACKUP_SUFFIX = ".bak"
_LIBCST_SUFFIXES = (".py", ".pyi", ".ipynb")


class UsageError(Exception):
    pass


@dataclass(frozen=True)
class Candidate:
    """A file that passed the prefilter, with the bytes already read and the options its
    Megatron context gives (targets, the release its old flags ran on)."""

    path: Path
    shown: str
    data: bytes
    options: Options


@dataclass
class Processed:
    outcome: FileOutcome
    new_bytes: bytes | None = None
    original: bytes = b""


# --- one file ------------------------------------------------------------------------------------

def passes_prefilter(path: Path, data: bytes, options: Options) -> bool:
    from codemods.metadata import METADATA_FILE_NAME

    # metadata files are small and rare: they are read whatever they contain
    return path.name == METADATA_FILE_NAME or prefilter(options.codes)(data)


def unified_diff(shown: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True), after.splitlines(keepends=True),
        fromfile=f"a/{shown}", tofile=f"b/{shown}",
    )
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)


def process(candidate: Candidate, writing: bool = True) -> Processed:
    """Rewrite one file in memory: never writes.

    The output must parse; before it is written it must also be a fixed point (a second pass
    changes nothing), which costs a second rewrite and is skipped when nothing will be written.
    """
    from codemods.kinds import kind_for

    shown = candidate.shown
    head = candidate.data[:256].split(b"\n", 1)[0].decode("utf-8", errors="replace")
    kind = kind_for(str(candidate.path), head.lstrip("\ufeff"))
    if kind is None:  # binary files and other kinds of text are not ours
        return Processed(FileOutcome(shown, "", "unchanged"))
    try:
        source = decode(candidate.data)
    except DecodeError as error:
        return Processed(FileOutcome(shown, kind.name, "failed", reason=str(error)))
    try:
        result = kind.rewrite(source.text, shown, candidate.options)
    except UnparsableError as error:
        return Processed(FileOutcome(shown, kind.name, "failed", reason=f"cannot parse: {error}"))
    except RecursionError:
        return Processed(FileOutcome(shown, kind.name, "failed",
                                     reason="cannot parse: too deeply nested"))
    except Exception as error:  # noqa: BLE001 - one file's bug must not stop the run
        return Processed(FileOutcome(
            shown, kind.name, "failed",
            reason=f"internal error in the {kind.name} rewriter ({type(error).__name__}: "
            f"{error}); the file was left unchanged (please report it)",
        ))
    if result.new_text == source.text:
        return Processed(FileOutcome(shown, kind.name, "unchanged", result.findings))
    problem = _check_output(kind, source.text, result.new_text, shown, candidate.options,
                            writing)
    if problem:
        return Processed(FileOutcome(shown, kind.name, "failed", result.findings,
                                     reason=f"{problem}; the file was left unchanged (a bug in "
                                     "the migration tool: please report it)"))
    outcome = FileOutcome(shown, kind.name, "changed", result.findings,
                          diff=unified_diff(shown, source.text, result.new_text))
    return Processed(outcome, source.encode(result.new_text), candidate.data)


def _check_output(kind: FileKind, text: str, new_text: str, shown: str, options: Options,
                  writing: bool) -> str:
    """Why the rewritten text must not be written ("" when it is fine)."""
    try:
        kind.check_rewrite(text, new_text)
    except UnparsableError as error:
        return f"the rewritten text does not parse ({error})"
    if not writing:
        return ""
    try:
        again = kind.rewrite(new_text, shown, options).new_text
    except UnparsableError as error:
        return f"the rewritten text does not parse ({error})"
    if again != new_text:
        return "a second pass would change the rewritten text again"
    return ""


def _process_chunk(chunk: list[Candidate], writing: bool) -> list[Processed]:
    return [process(candidate, writing) for candidate in chunk]


# --- many files ----------------------------------------------------------------------------------

def shown_path(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def collect(paths: Sequence[str], excludes: Sequence[str], options: Options,
            finder: ContextFinder) -> tuple[list[Candidate], list[FileOutcome], int, list[Path]]:
    """Read every discovered file; keep those that pass the prefilter and are not Megatron's
    own implementation, each with the options of its Megatron context."""
    discovery, roots = discover(paths, excludes)
    # a link out of the tree is left alone on purpose; a missing path is the user's typo
    skipped = [FileOutcome(shown_path(item.path), "",
                           "skipped" if item.path.is_symlink() else "failed", reason=item.reason)
               for item in discovery.skipped]
    candidates: list[Candidate] = []
    megatron_itself: dict[Path, int] = {}
    for path in discovery.files:
        try:
            data = path.read_bytes()
        except OSError as error:
            skipped.append(FileOutcome(shown_path(path), "", "failed",
                                       reason=f"cannot read: {error.strerror}"))
            continue
        if not passes_prefilter(path, data, options):
            continue
        folder = finder.is_megatron_itself(path)
        if folder is not None:
            megatron_itself[folder] = megatron_itself.get(folder, 0) + 1
            continue
        context = finder.for_file(path)
        candidates.append(Candidate(path, shown_path(path), data, options_for(options, context)))
    skipped += [
        FileOutcome(shown_path(folder) + "/", "", "skipped", reason=(
            f"Megatron itself ({count} file{'s' if count != 1 else ''} with old tokenizer API "
            "in its implementation): not migrated, its callers are; use --include-megatron to "
            "migrate it too"))
        for folder, count in megatron_itself.items()
    ]
    return candidates, skipped, len(discovery.files), roots


def context_record(context: MegatronContext) -> dict[str, object]:
    """One Megatron context as the reports show it."""
    return {
        "root": shown_path(context.root) or ".",
        "megatron": context.chosen.describe() if context.chosen is not None else None,
        "evidence": [evidence.describe() for evidence in context.evidence],
        "python_target": context.python_target,
        "command_target": context.command_target,
        "summary": context.summary(),
    }


def options_for(options: Options, context: MegatronContext) -> Options:
    """The run's options with the targets of one Megatron context."""
    api = context.api
    kept_because = ""
    if context.command_target == "keep" and context.chosen is not None:
        kept_because = (
            f"these command lines run {context.chosen.describe()}, whose parser has no "
            f"{LIBRARY_FLAG} and still reads the old flags as before; upgrade that Megatron to "
            "migrate them, or pass --target pr3889 (or upstream) if they run a newer one"
        )
    return replace(options, target=context.python_target,
                   command_target=context.command_target,
                   source=api.key if api is not None else None, kept_because=kept_because)


def run_all(candidates: list[Candidate], jobs: int, writing: bool,
            on_progress: Callable[[int], None] | None = None) -> list[Processed]:
    if jobs <= 1 or len(candidates) < MIN_FILES_FOR_POOL:
        results = []
        for candidate in candidates:
            results.append(process(candidate, writing))
            if on_progress:
                on_progress(1)
        return results
    import multiprocessing

    _preload(any(candidate.path.suffix in _LIBCST_SUFFIXES for candidate in candidates))
    workers = min(jobs, len(candidates))
    # big files first, spread over small chunks, so no worker is left with the slowest tail
    ordered = sorted(candidates, key=lambda candidate: len(candidate.data), reverse=True)
    chunks = [ordered[start::workers * 4] for start in range(workers * 4)]
    context = multiprocessing.get_context("fork" if "fork" in
                                          multiprocessing.get_all_start_methods() else None)
    results = []
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            for chunk_results in pool.map(_process_chunk, chunks, [writing] * len(chunks)):
                results.extend(chunk_results)
                if on_progress:
                    on_progress(len(chunk_results))
    except BrokenProcessPool:
        # a worker died (killed, out of memory): finish what is left in this process
        done = {processed.outcome.path for processed in results}
        rest = [candidate for candidate in candidates if candidate.shown not in done]
        results.extend(run_all(rest, 1, writing, on_progress))
    return results


def _preload(python: bool) -> None:
    """Import the rewriters (tree-sitter, libcst, ...) once, before the workers are forked."""
    from codemods.kinds import all_kinds
    from codemods.rules import all_rules

    all_kinds()
    all_rules()
    if python:
        from codemods.python import engine  # noqa: F401


def _backup_path(path: Path) -> Path:
    backup = path.with_name(path.name + _BACKUP_SUFFIX)
    number = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}{_BACKUP_SUFFIX}.{number}")
        number += 1
    return backup


def apply(processed: Processed, path: Path, roots: list[Path], options: Options) -> None:
    """Write one rewritten file (and a metadata file's backup); failures go into its outcome."""
    outcome = processed.outcome
    assert processed.new_bytes is not None
    try:
        if outcome.kind == "metadata" and options.backup:
            backup = _backup_path(path)
            with open(backup, "xb") as handle:
                handle.write(processed.original)
        write_atomic(path, processed.new_bytes, roots)
    except (WriteError, OSError) as error:
        outcome.status = "failed"
        outcome.reason = str(error) if isinstance(error, WriteError) else \
            f"cannot write: {error.strerror}"
        return
    outcome.status = "written"


# --- command line --------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m codemods.migrate",
        description="Migrate Python code, launch scripts, YAML configs, argv files, notebooks and "
        "tokenizer_metadata.json files from Megatron-LM's old tokenizer API to the new one. "
        "Without --write nothing is written.",
        epilog="exit codes: 0 success; 1 --check found something to rewrite or fix by hand; "
        "2 usage error; 3 some file could not be read, parsed or written.",
    )
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="files or folders (default: the current folder)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="rewrite the files in place")
    mode.add_argument("--check", action="store_true",
                      help="write nothing; exit 1 if anything would change or needs a manual "
                      "change (for CI and pre-commit)")
    parser.add_argument("--diff", action="store_true",
                        help="print the unified diff (default when neither --write nor --check)")
    parser.add_argument("--select", action="append", default=[], metavar="CODES",
                        help="only these rule codes or names (comma-separated, repeatable)")
    parser.add_argument("--ignore", action="append", default=[], metavar="CODES",
                        help="skip these rule codes or names (comma-separated, repeatable)")
    parser.add_argument(
        "--target", choices=("auto", "pr3889", "megatron", "upstream", "compat"), default="auto",
        help="what to migrate to: auto (default: the newest API the Megatron each file runs "
        "against can run), pr3889 (the new design; alias: megatron), upstream (Megatron-LM "
        "main since Aug 2026), compat (Python imports from compat.tokenizers)")
    parser.add_argument(
        "--megatron", metavar="VERSION|PATH",
        help="the Megatron your code runs against (a megatron-core version such as 0.19.2, or "
        "the path of a Megatron-LM checkout), instead of what the tool finds")
    parser.add_argument("--include-megatron", action="store_true",
                        help="also rewrite Megatron's own implementation found in the tree")
    parser.add_argument("--format", choices=FORMATS, default="text", dest="output_format")
    parser.add_argument("--exclude", action="append", default=[], metavar="PATTERN",
                        help="gitignore-style pattern of paths to leave out (repeatable)")
    parser.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, metavar="N",
                        help="worker processes (default: all cores)")
    parser.add_argument("--add-todo", action="store_true",
                        help="with --write, put a TODO comment above each site that needs a "
                        "manual change (Python files)")
    parser.add_argument("--no-backup", action="store_true",
                        help="do not keep <name>.bak beside a rewritten tokenizer_metadata.json")
    parser.add_argument("--show-fixed", action="store_true",
                        help="list every rewritten site, not only those needing manual changes")
    parser.add_argument("--statistics", action="store_true",
                        help="print how many sites each rule rewrote, left for a person and "
                        "noted")
    parser.add_argument("--list-rules", action="store_true", help="list the rules and exit")
    parser.add_argument("--explain", metavar="CODE",
                        help="print what a rule rewrites, why, an example, and what to do with "
                        "what it cannot rewrite; then exit")
    return parser


def _progress(enabled: bool, total: int) -> Progress | None:
    """A rich progress bar on a terminal; a no-op elsewhere (CI logs stay clean)."""
    if not enabled or total < MIN_FILES_FOR_POOL:
        return None
    from rich.console import Console
    from rich.progress import Progress

    return Progress(transient=True, console=Console(stderr=True))


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.list_rules:
        write_rule_list(stdout)
        return EXIT_OK
    try:
        if args.explain:
            write_rule_page(stdout, args.explain)
            return EXIT_OK
        options = Options(select=resolve(args.select), ignore=resolve(args.ignore),
                          add_todo=args.add_todo and args.write, backup=not args.no_backup)
        finder = ContextFinder(
            user=user_evidence(args.megatron, Path.cwd()) if args.megatron else None,
            target=None if args.target == "auto" else TARGET_ALIASES.get(args.target,
                                                                         args.target),
            include_megatron=args.include_megatron,
        )
        if args.jobs < 1:
            raise UsageError("--jobs must be at least 1")
    except (UsageError, ValueError) as error:
        write_usage_error(stderr, str(error))
        return EXIT_USAGE
    mode: Mode = "write" if args.write else "check" if args.check else "diff"

    candidates, skipped, scanned, roots = collect(args.paths, args.exclude, options, finder)
    progress = _progress(stderr.isatty() and args.output_format == "text", len(candidates))
    if progress is None:
        results = run_all(candidates, args.jobs, mode == "write")
    else:
        with progress:
            task = progress.add_task("migrating", total=len(candidates))
            results = run_all(candidates, args.jobs, mode == "write",
                              lambda done: progress.advance(task, done))
    paths = {candidate.shown: candidate.path for candidate in candidates}
    outcomes = list(skipped)
    for processed in results:
        if mode == "write" and processed.outcome.status == "changed":
            apply(processed, paths[processed.outcome.path], roots, options)
        if processed.outcome.status != "unchanged" or processed.outcome.findings:
            outcomes.append(processed.outcome)
    outcomes.sort(key=lambda outcome: outcome.path)
    run = Run(mode, scanned, outcomes, [context_record(c) for c in finder.contexts()])
    write_report(run, stdout, args.output_format, show_diff=args.diff or mode == "diff",
                 show_fixed=args.show_fixed, statistics=args.statistics)
    return _exit_code(run)


def _exit_code(run: Run) -> int:
    if run.with_status("failed"):
        return EXIT_FAILED
    if run.mode == "check" and (run.with_status("changed") or run.manual_count):
        return EXIT_PENDING
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
