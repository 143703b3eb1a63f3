"""Rewrite a notebook's cells, leaving the rest of the JSON as it is.

Python cells go through the Python rules with their IPython lines masked
(:mod:`codemods.notebook.cells`); the shell commands of ``!`` lines, ``%sx``/``%system`` and
``%%bash``/``%%sh``/``%%script bash`` cells go through the shell rewriter, ``%run``'s arguments
through the translator, a ``%%writefile PATH`` cell through the rewriter of PATH's kind, and
Markdown cells through the Markdown rewriter. A cell that does not parse is reported (when it
holds something the rules look for) and the other cells are still migrated; any old flag left
in a cell is reported.

The notebook is written back with the same JSON layout (indent, ASCII escaping, final newline)
it was read with; a notebook whose layout cannot be reproduced exactly is skipped and reported
rather than reformatted. Findings carry the line of the notebook file where the cell's source
line sits, and name the cell.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from codemods.core import Finding, Options, RewriteResult, UnparsableError
from codemods.notebook.cells import (
    PYTHON_CELL_MAGICS,
    Magic,
    cell_magic,
    is_shell_cell,
    line_magics,
    mask,
    unmask,
    writefile_target,
)
from codemods.text.command_line import report_leftovers
from codemods.text.document import TextDocument
from codemods.text.words import legacy_flag_code, mentions_legacy_flag

_LAYOUTS = tuple(
    (indent, ensure_ascii) for indent in (1, 2, 4, None) for ensure_ascii in (False, True)
)
_SOURCE_KEY = re.compile(r'"source"\s*:')
_LEFT_IN_CODE = (
    "it is not a command line the tool can read here (a Python string or comment, "
    "or text built at run time?); check it by hand"
)


def _load(text: str) -> dict[str, Any]:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnparsableError(f"notebook is not valid JSON: {error}") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise UnparsableError('not a Jupyter notebook (no top-level "cells" list)')
    return notebook


def _dump(notebook: dict[str, Any], layout: tuple[int | None, bool], final_newline: bool) -> str:
    indent, ensure_ascii = layout
    return json.dumps(notebook, indent=indent, ensure_ascii=ensure_ascii) + (
        "\n" if final_newline else ""
    )


def _layout_of(text: str, notebook: dict[str, Any]) -> tuple[tuple[int | None, bool], bool]:
    final_newline = text.endswith("\n")
    for layout in _LAYOUTS:
        if _dump(notebook, layout, final_newline) == text:
            return layout, final_newline
    raise UnparsableError(
        "the notebook's JSON layout is not one json/nbformat writes, so it cannot be rewritten "
        "without reformatting it; save it from Jupyter and run again"
    )


def validate(text: str) -> None:
    _load(text)


def validate_rewrite(before: str, after: str) -> None:
    """The rewritten notebook has the same cells, and each Python cell that parsed still
    does."""
    from codemods.python.engine import parse

    old_cells, new_cells = _load(before)["cells"], _load(after)["cells"]
    if len(old_cells) != len(new_cells):
        raise UnparsableError("the rewrite changed the number of cells")
    for number, (old, new) in enumerate(zip(old_cells, new_cells), start=1):
        if old == new or not _is_python_cell(old):
            continue  # a cell the rewrite left alone parses as it did
        try:
            parse(_masked(_source_text(old)))
        except UnparsableError:
            continue
        try:
            parse(_masked(_source_text(new)))
        except UnparsableError as error:
            raise UnparsableError(f"cell {number}: {error}") from None


def _masked(source: str) -> str:
    magic = cell_magic(source)
    return mask(source, line_magics(source, first_line_is_magic=magic is not None))


def _is_python_cell(cell: Any) -> bool:
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return False
    if not isinstance(cell.get("source"), (str, list)):
        return False
    magic = cell_magic(_source_text(cell))
    return magic is None or magic.name in PYTHON_CELL_MAGICS


def _is_python(notebook: dict[str, Any]) -> bool:
    metadata = notebook.get("metadata") or {}
    language = (metadata.get("language_info") or {}).get("name") or (
        metadata.get("kernelspec") or {}
    ).get("language")
    return language in (None, "python")


def _source_text(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _source_lines_in_file(text: str) -> list[int]:
    """The 1-based line of each cell's ``"source"`` key, in cell order."""
    cells_at = text.find('"cells"')
    lines: list[int] = []
    line, counted_to = 1, 0
    for match in _SOURCE_KEY.finditer(text, max(cells_at, 0)):
        # counted from the previous key on: once over the file, not once per cell
        line += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        lines.append(line)
    return lines


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    from codemods.python.rewriter import needs_parsing

    if not needs_parsing(text, options) and not mentions_legacy_flag(text):
        return RewriteResult(text)
    notebook = _load(text)
    layout, final_newline = _layout_of(text, notebook)
    key_lines = _source_lines_in_file(text)
    python = _is_python(notebook)
    findings: list[Finding] = []
    changed = False
    for number, cell in enumerate(notebook["cells"], start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("source"), (str, list)):
            continue
        source = _source_text(cell)
        result = _rewrite_cell(cell.get("cell_type"), source, number, path, options, python)
        key_line = key_lines[number - 1] if number - 1 < len(key_lines) else 1
        as_list = isinstance(cell["source"], list)
        for finding in result.findings:
            line = key_line + (finding.line if as_list else 0)
            message = f"cell {number}, line {finding.line}: {finding.message}"
            findings.append(replace(finding, line=line, message=message))
        if result.new_text != source:
            changed = True
            cell["source"] = (
                result.new_text.splitlines(keepends=True) if as_list else result.new_text
            )
    if not changed:
        return RewriteResult(text, findings)
    return RewriteResult(_dump(notebook, layout, final_newline), findings)


def _rewrite_cell(
    cell_type: object, source: str, number: int, path: str, options: Options, python: bool
) -> RewriteResult:
    if cell_type == "markdown":
        from codemods.markdown.rewriter import rewrite as rewrite_markdown

        return rewrite_markdown(source, path, options)
    if cell_type != "code" or not python:
        return _leftovers_only(source, options, "it is not in a Python code cell; check it by hand")
    magic = cell_magic(source)
    if magic is None:
        return _python_cell(source, number, path, options, first_line_is_magic=False)
    if is_shell_cell(magic):
        return _shell_body(source, magic.body_start, options)
    target = writefile_target(magic)
    if target is not None:
        return _file_body(source, magic.body_start, target, options)
    if magic.name in PYTHON_CELL_MAGICS:
        return _python_cell(source, number, path, options, first_line_is_magic=True)
    return _leftovers_only(
        source, options, f"it is in a %%{magic.name} cell, not Python or shell; check it by hand"
    )


def _leftovers_only(source: str, options: Options, why: str) -> RewriteResult:
    doc = TextDocument(source, options)
    report_leftovers(doc, why)
    return doc.result()


def _shell_body(source: str, body_start: int, options: Options) -> RewriteResult:
    from codemods.shell.rewriter import record

    doc = TextDocument(source, options)
    body = TextDocument(source[body_start:], options)
    record(body)
    doc.adopt(body, body_start, anchor=None)
    return doc.result()


def _file_body(source: str, body_start: int, target: str, options: Options) -> RewriteResult:
    """A ``%%writefile PATH`` cell: its body rewritten as a file of PATH's kind."""
    from codemods.kinds import kind_for

    body = source[body_start:]
    kind = kind_for(target, body.split("\n", 1)[0])
    if kind is None:
        return _leftovers_only(
            source,
            options,
            f"it is in the body of %%writefile {target}, "
            "a kind of file the tool does not read; check it by hand",
        )
    try:
        result = kind.rewrite(body, target, options)
        kind.check_rewrite(body, result.new_text)
    except UnparsableError as error:
        doc = TextDocument(source, options)
        if mentions_legacy_flag(body):
            doc.report(
                body_start,
                legacy_flag_code(body),
                f"the body of %%writefile {target} "
                f"cannot be migrated ({error}); rewrite it by hand",
            )
        return doc.result()
    return RewriteResult(
        source[:body_start] + result.new_text,
        [replace(finding, line=finding.line + 1) for finding in result.findings],
    )


def _rewrite_magic(doc: TextDocument, magic: Magic) -> str:
    """Rewrite the words of one IPython line in ``doc``; return the line as rewritten."""
    from codemods.shell.rewriter import record, validate_rewrite
    from codemods.text.command_line import loose_words, rewrite_groups

    text = doc.text[magic.start : magic.end]
    if magic.words == "none" or not mentions_legacy_flag(text):
        return text
    line = TextDocument(text, doc.options)
    words_start = magic.words_start - magic.start
    if magic.words == "shell":
        command = TextDocument(text[words_start:], doc.options)
        record(command)
        try:
            validate_rewrite(command.text, command.new_text())
        except UnparsableError:
            command.withdraw("not rewritten: the rewritten command would not parse as bash")
        line.adopt(command, words_start, anchor=None)
    else:
        rewrite_groups(line, [loose_words(text, words_start, len(text))], one_flag_per_line=False)
    doc.adopt(line, magic.start, anchor=None)
    return line.new_text()


def _python_cell(
    source: str, number: int, path: str, options: Options, first_line_is_magic: bool
) -> RewriteResult:
    from codemods.python.rewriter import needs_parsing, rewrite_source

    doc = TextDocument(source, options)
    magics = line_magics(source, first_line_is_magic)
    texts = [_rewrite_magic(doc, magic) for magic in magics]
    masked = mask(source, magics)
    new_text = doc.new_text()
    try:
        result = rewrite_source(masked, path, options)
        if result.new_text != masked:
            new_text = unmask(result.new_text, texts)
    except UnparsableError as error:
        if needs_parsing(masked, options):
            offending = (
                legacy_flag_code(masked)
                if mentions_legacy_flag(masked)
                else _first_rule_code(masked, options)
            )
            doc.report(
                0,
                offending,
                f"cell {number} is not valid Python once its IPython lines "
                f"are set aside ({error}); its Python was not migrated: fix the cell and "
                "run the migration again",
            )
    else:
        for finding in result.findings:
            offset = doc.lines.starts[finding.line - 1] + finding.col - 1
            if finding.fixed:
                doc.fix(offset, finding.code, finding.message, finding.suggestion, [])
            else:
                doc.report(offset, finding.code, finding.message, finding.suggestion)
    report_leftovers(doc, _LEFT_IN_CODE)
    return RewriteResult(new_text, doc.findings())


def _first_rule_code(text: str, options: Options) -> str:
    from codemods.rules import enabled_rules

    return next(rule.code for rule in enabled_rules(options.codes) if rule.found_in(text))
