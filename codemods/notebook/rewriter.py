"""Rewrite the code cells of a notebook with the Python rules, leaving the rest of the JSON as is.

The notebook is written back with the same JSON layout (indent, ASCII escaping, final newline)
it was read with; a notebook whose layout cannot be reproduced exactly is skipped and reported
rather than reformatted. IPython magics and shell escapes (``%``, ``!`` lines) are masked as
comments while a cell is rewritten and put back afterwards. Findings carry the line of the
notebook file where the cell's source line sits, and name the cell.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from codemods.core import Finding, Options, RewriteResult, UnparsableError

_LAYOUTS = tuple(
    (indent, ensure_ascii) for indent in (1, 2, 4, None) for ensure_ascii in (False, True)
)
_MAGIC_LINE = re.compile(r"^([ \t]*)([%!].*)$")
_MASK = "# megatron-compat-notebook-magic {index}"
_MASKED = re.compile(r"^([ \t]*)# megatron-compat-notebook-magic (\d+)$")
_SOURCE_KEY = re.compile(r'"source"\s*:')


def _load(text: str) -> dict[str, Any]:
    try:
        notebook = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnparsableError(f"notebook is not valid JSON: {error}") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise UnparsableError("not a Jupyter notebook (no top-level \"cells\" list)")
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
    from codemods.python.engine import parse

    notebook = _load(text)
    for cell in _code_cells(notebook):
        parse(_mask_magics(_source_text(cell))[0])


def _is_python(notebook: dict[str, Any]) -> bool:
    metadata = notebook.get("metadata") or {}
    language = (metadata.get("language_info") or {}).get("name") or (
        metadata.get("kernelspec") or {}
    ).get("language")
    return language in (None, "python")


def _code_cells(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    if not _is_python(notebook):
        return []
    return [
        cell for cell in notebook["cells"]
        if isinstance(cell, dict) and cell.get("cell_type") == "code"
        and isinstance(cell.get("source"), (str, list))
    ]


def _source_text(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _mask_magics(source: str) -> tuple[str, list[str]]:
    magics: list[str] = []
    lines = source.split("\n")
    for index, line in enumerate(lines):
        match = _MAGIC_LINE.match(line)
        if match:
            lines[index] = match.group(1) + _MASK.format(index=len(magics))
            magics.append(match.group(2))
    return "\n".join(lines), magics


def _unmask_magics(source: str, magics: list[str]) -> str:
    lines = source.split("\n")
    for index, line in enumerate(lines):
        match = _MASKED.match(line)
        if match and int(match.group(2)) < len(magics):
            lines[index] = match.group(1) + magics[int(match.group(2))]
    return "\n".join(lines)


def _source_lines_in_file(text: str) -> list[int]:
    """The 1-based line of each cell's ``"source"`` key, in cell order."""
    cells_at = text.find('"cells"')
    return [text.count("\n", 0, match.start()) + 1
            for match in _SOURCE_KEY.finditer(text, max(cells_at, 0))]


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    from codemods.python.rewriter import needs_parsing, rewrite_source

    if not needs_parsing(text, options):
        return RewriteResult(text)
    notebook = _load(text)
    layout, final_newline = _layout_of(text, notebook)
    key_lines = _source_lines_in_file(text)
    findings: list[Finding] = []
    changed = False
    code_cells = {id(cell) for cell in _code_cells(notebook)}
    for number, cell in enumerate(notebook["cells"], start=1):
        if id(cell) not in code_cells:
            continue
        source = _source_text(cell)
        masked, magics = _mask_magics(source)
        try:
            result = rewrite_source(masked, path, options)
        except UnparsableError as error:
            raise UnparsableError(f"cell {number}: {error}") from None
        key_line = key_lines[number - 1] if number - 1 < len(key_lines) else 1
        as_list = isinstance(cell["source"], list)
        for finding in result.findings:
            line = key_line + (finding.line if as_list else 0)
            message = f"cell {number}, line {finding.line}: {finding.message}"
            findings.append(replace(finding, line=line, message=message))
        new_source = _unmask_magics(result.new_text, magics)
        if new_source != source:
            changed = True
            cell["source"] = new_source.splitlines(keepends=True) if as_list else new_source
    if not changed:
        return RewriteResult(text, findings)
    return RewriteResult(_dump(notebook, layout, final_newline), findings)
