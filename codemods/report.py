"""What a run found, printed as text, JSON, GitHub annotations or SARIF.

This is the only module that prints.

A :class:`FileOutcome` per file that passed the prefilter (or was skipped) and a :class:`Run`
summary come from ``migrate.py``; every format shows the same facts: the sites rewritten (or to
rewrite), the sites left for a person (file:line:col, rule code, why, the code to write instead),
the files skipped with the reason, and the temporary files of interrupted runs. A run's
``context`` (facts about the project the run worked for) comes first in every format: a block of
``key: value`` lines in text, ``"context"`` in JSON, ``run.properties.context`` in SARIF.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TextIO
from urllib.parse import quote

from codemods.core import Finding

# debris: a temporary file of an interrupted run (removed: by this run)
Status = Literal["unchanged", "changed", "written", "skipped", "failed", "debris", "removed"]
FORMATS = ("text", "json", "github", "sarif")
TOOL_NAME = "megatron-migrate"
PACKAGE = "megatron-tokenizer-compat"
# the layout of the JSON report (docs/migrate.md, "JSON report"); raised on incompatible changes
JSON_FORMAT_VERSION = 1
_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_PYPI_PAGE = f"https://pypi.org/project/{PACKAGE}/"
# Project-URL labels that point at the source, where docs/rules/<CODE>.md can be linked
_SOURCE_LABELS = ("repository", "source", "source code", "homepage")


@dataclass
class FileOutcome:
    path: str  # as shown to the user (relative to the working directory when inside it)
    kind: str
    status: Status
    findings: list[Finding] = field(default_factory=list)
    diff: str = ""
    reason: str = ""  # why a file was skipped or failed
    backup: str = ""  # where the original of a rewritten metadata file is kept

    @property
    def manual(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.state == "manual"]

    @property
    def notes(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.informational]

    @property
    def fixed(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.fixed]

    def drop_fixes(self) -> None:
        """Nothing is rewritten after all: the sites it would have fixed are not counted, the
        ones left for a person still are."""
        self.findings = [finding for finding in self.findings if not finding.fixed]
        self.diff = ""


Mode = Literal["diff", "check", "write"]


@dataclass
class Run:
    mode: Mode
    scanned: int
    outcomes: list[FileOutcome]
    # the Megatron each project root runs against, and the targets chosen (context_record)
    contexts: list[dict[str, object]] = field(default_factory=list)

    def with_status(self, *statuses: Status) -> list[FileOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status in statuses]

    @property
    def manual_count(self) -> int:
        return sum(len(outcome.manual) for outcome in self.outcomes)

    @property
    def note_count(self) -> int:
        return sum(len(outcome.notes) for outcome in self.outcomes)

    @property
    def fixed_count(self) -> int:
        return sum(len(outcome.fixed) for outcome in self.outcomes)

    @property
    def debris_count(self) -> int:
        return len(self.with_status("debris", "removed"))


def state_label(finding: Finding, mode: Mode) -> str:
    """``fixed`` once written; before that a site the tool would rewrite is ``fixable``."""
    if finding.fixed and mode != "write":
        return "fixable"
    return finding.state


# --- statistics -----------------------------------------------------------------------------


def rule_counts(run: Run) -> dict[str, dict[str, int]]:
    """Per rule code that found something: sites rewritten, sites left for a person, and notes
    (text that needs no change to run)."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in run.outcomes:
        for finding in outcome.findings:
            row = counts.setdefault(finding.code, {"rewritten": 0, "manual": 0, "notes": 0})
            column = (
                "rewritten" if finding.fixed else "notes" if finding.informational else "manual"
            )
            row[column] += 1
    return dict(sorted(counts.items()))


def write_statistics(run: Run, out: TextIO) -> None:
    from compat.deprecations import RULES

    counts = rule_counts(run)
    columns = ("rewritten", "manual", "notes")
    out.write(f"{'rule':<8}{'name':<28}" + "".join(f"{c:>10}" for c in columns) + "\n")
    for code, row in counts.items():
        name = RULES[code].name if code in RULES else ""
        out.write(f"{code:<8}{name:<28}" + "".join(f"{row[c]:>10}" for c in columns) + "\n")
    totals = [sum(row[c] for row in counts.values()) for c in columns]
    out.write(f"{'total':<36}" + "".join(f"{total:>10}" for total in totals) + "\n")


# --- text ---------------------------------------------------------------------------------------


class Style:
    """ANSI colours for the text report, or none."""

    _CODES = {
        "path": "1",
        "position": "2",
        "manual": "1;31",
        "fixable": "33",
        "fixed": "32",
        "info": "34",
        "skipped": "1;31",
        "hint": "2",
        "summary": "1",
        "added": "32",
        "removed": "31",
        "hunk": "36",
    }

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, role: str, text: str) -> str:
        if not self.enabled or not text:
            return text
        return f"\x1b[{self._CODES[role]}m{text}\x1b[0m"

    def diff_line(self, line: str) -> str:
        if line.startswith(("+++", "---")):
            return self("path", line)
        role = {"+": "added", "-": "removed", "@": "hunk"}.get(line[:1])
        return self(role, line) if role else line


def _finding_line(path: str, finding: Finding, mode: Mode, style: Style) -> str:
    label = state_label(finding, mode)
    return (
        f"{style('path', path)}{style('position', f':{finding.line}:{finding.col}:')} "
        f"{style(label, f'{finding.code} [{label}]')} {finding.message}"
    )


def _indented(label: str, text: str) -> str:
    lines = text.splitlines() or [""]
    pad = " " * (len(label) + 4)
    return f"    {label}{lines[0]}" + "".join(f"\n{pad}{line}" for line in lines[1:])


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def summary_line(run: Run) -> str:
    changed = len(run.with_status("changed", "written"))
    verb = {"write": "rewritten", "check": "would be rewritten", "diff": "would be rewritten"}
    parts = [
        f"{_plural(run.scanned, 'file')} scanned",
        f"{changed} {verb[run.mode]}",
        f"{_plural(run.fixed_count, 'site')} "
        f"{'rewritten' if run.mode == 'write' else 'to rewrite'}",
        f"{run.manual_count} need{'s' if run.manual_count == 1 else ''} manual changes",
    ]
    if run.note_count:
        parts.append(_plural(run.note_count, "note"))
    skipped = len(run.with_status("skipped", "failed"))
    if skipped:
        parts.append(f"{skipped} skipped")
    if run.debris_count:
        files = _plural(run.debris_count, "leftover temporary file")
        parts.append(
            f"{files} removed"
            if run.mode == "write"
            else f"{files} (--write removes {'it' if run.debris_count == 1 else 'them'})"
        )
    return ", ".join(parts)


def _shows(finding: Finding, mode: Mode, show_fixed: bool) -> bool:
    """Sites left for a person always; sites the tool rewrites with ``--show-fixed``, and
    always under ``--check`` (they are what makes the check fail)."""
    return not finding.fixed or show_fixed or mode == "check"


def write_text(
    run: Run,
    out: TextIO,
    show_diff: bool,
    show_fixed: bool,
    quiet: bool = False,
    color: bool = False,
) -> None:
    style = Style(color)
    for context in [] if quiet else run.contexts:
        out.write(
            f"{style('hint', 'megatron context of ' + str(context['root']) + ':')} "
            f"{context['summary']}\n"
        )
    for outcome in run.outcomes:
        _write_outcome(outcome, run.mode, out, style, show_fixed, quiet)
    if show_diff:
        for outcome in run.outcomes:
            # split on newlines only: a diff line may hold a form feed or other line breaks
            for line in outcome.diff.split("\n")[:-1]:
                out.write(style.diff_line(line) + "\n")
    if quiet:
        return
    out.write(style("summary", summary_line(run)) + "\n")
    if run.mode == "diff" and run.with_status("changed"):
        out.write(style("hint", "nothing was written; run again with --write to apply") + "\n")


def _write_outcome(
    outcome: FileOutcome, mode: Mode, out: TextIO, style: Style, show_fixed: bool, quiet: bool
) -> None:
    path = style("path", outcome.path)
    if outcome.status in ("skipped", "failed", "debris"):
        out.write(f"{path}: {style('skipped', 'skipped:')} {outcome.reason}\n")
    elif outcome.status == "removed":
        out.write(f"{path}: removed: {outcome.reason}\n")
    elif outcome.status == "written" and not quiet:
        kept = f"; the original is kept in {outcome.backup}" if outcome.backup else ""
        out.write(
            f"{path}: {style('fixed', 'rewritten')} ({_plural(len(outcome.fixed), 'site')}){kept}\n"
        )
    for finding in outcome.findings:
        if not _shows(finding, mode, show_fixed) or (quiet and finding.fixed and mode == "write"):
            continue
        out.write(_finding_line(outcome.path, finding, mode, style) + "\n")
        if not finding.fixed and finding.suggestion:
            out.write(style("hint", _indented("suggestion: ", finding.suggestion)) + "\n")


# --- JSON ---------------------------------------------------------------------------------------


def _finding_dict(finding: Finding, mode: Mode) -> dict[str, object]:
    return {
        "line": finding.line,
        "col": finding.col,
        "code": finding.code,
        "state": state_label(finding, mode),
        "fixed": finding.fixed,
        "informational": finding.informational,
        "message": finding.message,
        "suggestion": finding.suggestion,
    }


def as_json(run: Run) -> dict[str, object]:
    return {
        "version": JSON_FORMAT_VERSION,
        "tool": {"name": TOOL_NAME, "version": tool_version()},
        "contexts": run.contexts,
        "mode": run.mode,
        "summary": {
            "scanned": run.scanned,
            "changed": len(run.with_status("changed", "written")),
            "fixed_sites": run.fixed_count,
            "manual_sites": run.manual_count,
            "notes": run.note_count,
            "skipped": len(run.with_status("skipped", "failed")),
            "debris": run.debris_count,
        },
        "files": [
            {
                "path": outcome.path,
                "kind": outcome.kind,
                "status": outcome.status,
                "reason": outcome.reason,
                "backup": outcome.backup,
                "diff": outcome.diff,
                "findings": [_finding_dict(finding, run.mode) for finding in outcome.findings],
            }
            for outcome in run.outcomes
        ],
    }


def write_json(run: Run, out: TextIO, statistics: bool = False) -> None:
    report = as_json(run)
    if statistics:
        report["statistics"] = rule_counts(run)
    json.dump(report, out, indent=2)
    out.write("\n")


# --- GitHub workflow commands ---------------------------------------------------------------------


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def write_github(run: Run, out: TextIO, quiet: bool = False) -> None:
    for outcome in run.outcomes:
        path = _escape_property(outcome.path)
        if outcome.status in ("skipped", "failed", "debris"):
            out.write(f"::error file={path},title=skipped::{_escape_data(outcome.reason)}\n")
        for finding in outcome.findings:
            level = "warning" if finding.state == "manual" else "notice"
            message = finding.message
            if finding.suggestion and finding.state == "manual":
                message += f"\nsuggestion: {finding.suggestion}"
            out.write(
                f"::{level} file={path},line={finding.line},col={finding.col},"
                f"title={_escape_property(finding.code)}::{_escape_data(message)}\n"
            )
    if not quiet:
        out.write(summary_line(run) + "\n")


# --- SARIF 2.1.0 ----------------------------------------------------------------------------------


def tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return "0+unknown"


def source_url() -> str | None:
    """The project's source URL from its package metadata (``Project-URL: Repository, ...``)."""
    from importlib.metadata import PackageNotFoundError, metadata

    try:
        urls = metadata(PACKAGE).get_all("Project-URL") or []
    except PackageNotFoundError:
        return None
    by_label = {
        label.strip().lower(): url.strip()
        for label, _, url in (entry.partition(",") for entry in urls)
    }
    return next((by_label[label] for label in _SOURCE_LABELS if label in by_label), None)


def repository_root(start: Path) -> Path:
    """The top of the git repository holding ``start`` (``start`` itself outside one)."""
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def _sarif_rules() -> list[dict[str, object]]:
    from codemods.rule_docs import rule_page
    from codemods.rules import all_rules

    source = source_url()
    rules: list[dict[str, object]] = []
    for rule in all_rules():
        page = rule_page(rule)
        entry: dict[str, object] = {
            "id": rule.code,
            "name": rule.name,
            "shortDescription": {"text": rule.title},
            "fullDescription": {"text": rule.summary},
            "help": {"text": page, "markdown": page},
            "properties": {"family": rule.family},
        }
        if source is not None:
            entry["helpUri"] = (
                f"{source.rstrip('/')}/blob/v{tool_version()}/docs/rules/{rule.code}.md"
            )
        rules.append(entry)
    return rules


def _artifact(path: str, root: Path) -> dict[str, str]:
    """A SARIF artifactLocation: relative to the repository root (``%SRCROOT%``) when inside."""
    absolute = Path(os.path.abspath(path))
    try:
        relative = absolute.relative_to(root).as_posix()
    except ValueError:
        return {"uri": absolute.as_uri()}
    return {"uri": quote(relative), "uriBaseId": "%SRCROOT%"}


def _sarif_result(finding: Finding, artifact: dict[str, str], mode: Mode) -> dict[str, object]:
    text = finding.message
    if finding.suggestion and not finding.fixed:
        text += f"\nsuggestion: {finding.suggestion}"
    return {
        "ruleId": finding.code,
        "level": "warning" if finding.state == "manual" else "note",
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": artifact,
                    "region": {"startLine": finding.line, "startColumn": finding.col},
                }
            }
        ],
        "properties": {"state": state_label(finding, mode), "fixed": finding.fixed},
    }


def as_sarif(run: Run, root: Path | None = None, statistics: bool = False) -> dict[str, object]:
    root = root or repository_root(Path.cwd().resolve())
    results = [
        _sarif_result(finding, _artifact(outcome.path, root), run.mode)
        for outcome in run.outcomes
        for finding in outcome.findings
    ]
    notifications = [
        {
            "level": "error" if outcome.status == "failed" else "warning",
            "message": {"text": f"skipped: {outcome.reason}"},
            "locations": [
                {"physicalLocation": {"artifactLocation": _artifact(outcome.path, root)}}
            ],
        }
        for outcome in run.with_status("skipped", "failed", "debris")
    ]
    sarif_run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "version": tool_version(),
                "informationUri": source_url() or _PYPI_PAGE,
                "rules": _sarif_rules(),
            }
        },
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "invocations": [
            {
                "executionSuccessful": not run.with_status("failed"),
                "toolExecutionNotifications": notifications,
            }
        ],
    }
    properties: dict[str, object] = {}
    if run.contexts:
        properties["megatronContexts"] = run.contexts
    if statistics:
        properties["statistics"] = rule_counts(run)
    if properties:
        sarif_run["properties"] = properties
    return {"$schema": _SARIF_SCHEMA, "version": "2.1.0", "runs": [sarif_run]}


def write_sarif(run: Run, out: TextIO, statistics: bool = False) -> None:
    json.dump(as_sarif(run, statistics=statistics), out, indent=2)
    out.write("\n")


def write_report(
    run: Run,
    out: TextIO,
    output_format: str,
    show_diff: bool,
    show_fixed: bool = False,
    quiet: bool = False,
    color: bool = False,
    statistics: bool = False,
) -> None:
    """Print the run; ``statistics`` adds the counts per rule (a table after the text and
    GitHub output, a ``statistics`` member of the JSON, run properties in SARIF)."""
    if output_format == "json":
        write_json(run, out, statistics)
    elif output_format == "sarif":
        write_sarif(run, out, statistics)
    else:
        if output_format == "github":
            write_github(run, out, quiet)
        else:
            write_text(run, out, show_diff, show_fixed, quiet, color)
        if statistics:
            write_statistics(run, out)


def write_rule_list(out: TextIO) -> None:
    from codemods.rules import all_rules

    family = None
    for rule in all_rules():
        if rule.family != family:
            family = rule.family
            out.write(f"{family}:\n")
        out.write(f"  {rule.code}  {rule.name:<26} {rule.title}\n")


def write_rule_page(out: TextIO, code_or_name: str) -> None:
    """The page of one rule (``--explain``); raises ``UnknownRule``."""
    from codemods.rule_docs import rule_page
    from codemods.rules import UnknownRule, resolve, rule_for

    codes = resolve([code_or_name])
    if len(codes) != 1:
        raise UnknownRule(f"--explain takes one rule code or name, not {code_or_name!r}")
    out.write(rule_page(rule_for(next(iter(codes)))))


def write_usage_error(out: TextIO, message: str) -> None:
    out.write(f"error: {message}\n")
