"""What a run found, printed as text, JSON, GitHub annotations or SARIF.

This is the only module that prints.

A :class:`FileOutcome` per file that passed the prefilter (or was skipped) and a :class:`Run`
summary come from ``migrate.py``; every format shows the same facts: the sites rewritten, the sites
left for a human (file:line:col, rule code, why, the code to write instead) and the files skipped
with the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal, TextIO

from codemods.core import Finding

Status = Literal["unchanged", "changed", "written", "skipped", "failed"]
FORMATS = ("text", "json", "github", "sarif")
TOOL_NAME = "megatron-compat-migrate"
_SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass
class FileOutcome:
    path: str  # as shown to the user (relative to the working directory when inside it)
    kind: str
    status: Status
    findings: list[Finding] = field(default_factory=list)
    diff: str = ""
    reason: str = ""  # why a file was skipped or failed

    @property
    def manual(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.state == "manual"]

    @property
    def notes(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.informational]

    @property
    def fixed(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.fixed]


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


# --- statistics -----------------------------------------------------------------------------

def rule_counts(run: Run) -> dict[str, dict[str, int]]:
    """Per rule code that found something: sites rewritten, sites left for a person, and notes
    (text that needs no change to run)."""
    counts: dict[str, dict[str, int]] = {}
    for outcome in run.outcomes:
        for finding in outcome.findings:
            row = counts.setdefault(finding.code, {"rewritten": 0, "manual": 0, "notes": 0})
            column = "rewritten" if finding.fixed else "notes" if finding.informational \
                else "manual"
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

def _finding_line(path: str, finding: Finding) -> str:
    return f"{path}:{finding.line}:{finding.col}: {finding.code} [{finding.state}] " \
        f"{finding.message}"


def _indented(label: str, text: str) -> str:
    lines = text.splitlines() or [""]
    pad = " " * (len(label) + 4)
    return f"    {label}{lines[0]}" + "".join(f"\n{pad}{line}" for line in lines[1:])


def summary_line(run: Run) -> str:
    changed = len(run.with_status("changed", "written"))
    verb = {"write": "rewritten", "check": "would be rewritten", "diff": "would be rewritten"}
    parts = [
        f"{run.scanned} file{'s' if run.scanned != 1 else ''} scanned",
        f"{changed} {verb[run.mode]}",
        (f"{run.fixed_count} site{'s' if run.fixed_count != 1 else ''} "
         f"{'rewritten' if run.mode == 'write' else 'to rewrite'}"),
        f"{run.manual_count} need{'s' if run.manual_count == 1 else ''} manual changes",
    ]
    if run.note_count:
        parts.append(f"{run.note_count} note{'s' if run.note_count != 1 else ''}")
    skipped = len(run.with_status("skipped", "failed"))
    if skipped:
        parts.append(f"{skipped} skipped")
    return ", ".join(parts)


def write_text(run: Run, out: TextIO, show_diff: bool, show_fixed: bool) -> None:
    for context in run.contexts:
        out.write(f"megatron context of {context['root']}: {context['summary']}\n")
    for outcome in run.outcomes:
        if outcome.status in ("skipped", "failed"):
            out.write(f"{outcome.path}: skipped: {outcome.reason}\n")
        for finding in outcome.findings:
            if finding.fixed and not show_fixed:
                continue
            out.write(_finding_line(outcome.path, finding) + "\n")
            if not finding.fixed and finding.suggestion:
                out.write(_indented("suggestion: ", finding.suggestion) + "\n")
    if show_diff:
        for outcome in run.outcomes:
            if outcome.diff:
                out.write(outcome.diff if outcome.diff.endswith("\n") else outcome.diff + "\n")
    out.write(summary_line(run) + "\n")
    if run.mode == "diff" and run.with_status("changed"):
        out.write("nothing was written; run again with --write to apply\n")


# --- JSON ---------------------------------------------------------------------------------------

def _finding_dict(finding: Finding) -> dict[str, object]:
    return {
        "line": finding.line, "col": finding.col, "code": finding.code,
        "fixed": finding.fixed, "informational": finding.informational,
        "message": finding.message, "suggestion": finding.suggestion,
    }


def as_json(run: Run) -> dict[str, object]:
    return {
        "mode": run.mode,
        "contexts": run.contexts,
        "summary": {
            "scanned": run.scanned,
            "changed": len(run.with_status("changed", "written")),
            "fixed_sites": run.fixed_count,
            "manual_sites": run.manual_count,
            "skipped": len(run.with_status("skipped", "failed")),
        },
        "files": [
            {
                "path": outcome.path, "kind": outcome.kind, "status": outcome.status,
                "reason": outcome.reason, "diff": outcome.diff,
                "findings": [_finding_dict(finding) for finding in outcome.findings],
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


def write_github(run: Run, out: TextIO) -> None:
    for outcome in run.outcomes:
        path = _escape_property(outcome.path)
        if outcome.status in ("skipped", "failed"):
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
    out.write(summary_line(run) + "\n")


# --- SARIF 2.1.0 ----------------------------------------------------------------------------------

def as_sarif(run: Run) -> dict[str, object]:
    from compat.deprecations import RULES

    rules = [
        {"id": rule.code, "name": rule.name, "shortDescription": {"text": rule.title}}
        for rule in sorted(RULES.values(), key=lambda rule: rule.code)
    ]
    results = []
    for outcome in run.outcomes:
        location = {"physicalLocation": {"artifactLocation": {"uri": outcome.path}}}
        for finding in outcome.findings:
            text = finding.message
            if finding.suggestion and not finding.fixed:
                text += f"\nsuggestion: {finding.suggestion}"
            region = {"startLine": finding.line, "startColumn": finding.col}
            results.append({
                "ruleId": finding.code,
                "level": "warning" if finding.state == "manual" else "note",
                "message": {"text": text},
                "locations": [{"physicalLocation": {
                    **location["physicalLocation"], "region": region,
                }}],
                "properties": {"fixed": finding.fixed},
            })
    notifications = [
        {"level": "error", "message": {"text": f"skipped: {outcome.reason}"}, "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": outcome.path}}}
        ]}
        for outcome in run.with_status("skipped", "failed")
    ]
    return {
        "$schema": _SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": TOOL_NAME, "rules": rules}},
            "results": results,
            "properties": {"megatronContexts": run.contexts},
            "invocations": [{
                "executionSuccessful": not run.with_status("failed"),
                "toolExecutionNotifications": notifications,
            }],
        }],
    }


def write_sarif(run: Run, out: TextIO, statistics: bool = False) -> None:
    sarif = as_sarif(run)
    if statistics:
        runs = sarif["runs"]
        assert isinstance(runs, list)
        runs[0]["properties"] = {"statistics": rule_counts(run)}
    json.dump(sarif, out, indent=2)
    out.write("\n")


def write_report(run: Run, out: TextIO, output_format: str, show_diff: bool,
                 show_fixed: bool = False, statistics: bool = False) -> None:
    """Print the run; ``statistics`` adds the counts per rule (a table after the text and
    GitHub output, a ``statistics`` member of the JSON, run properties in SARIF)."""
    if output_format == "json":
        write_json(run, out, statistics)
    elif output_format == "sarif":
        write_sarif(run, out, statistics)
    else:
        if output_format == "github":
            write_github(run, out)
        else:
            write_text(run, out, show_diff, show_fixed)
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
