"""Notebooks: the Python rules in code cells; everything else byte-identical."""

from __future__ import annotations

import json

import pytest

from codemods.core import Options, UnparsableError
from codemods.notebook import rewrite, validate, validate_rewrite

LEGACY = "from megatron.core.tokenizers.text.models import GPTTokenizer\n"
NEW = "from megatron.core.tokenizers.text import MegatronTokenizerText\n"


def notebook(*cells: dict, language: str = "python") -> dict:
    return {
        "cells": list(cells),
        "metadata": {
            "kernelspec": {"display_name": "Python 3", "language": language, "name": "python3"}
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def code(*lines: str) -> dict:
    return {
        "cell_type": "code",
        "execution_count": 3,
        "id": "c1",
        "metadata": {},
        "outputs": [{"name": "stdout", "output_type": "stream", "text": ["GPTTokenizer\n"]}],
        "source": list(lines),
    }


def markdown(*lines: str) -> dict:
    return {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": list(lines)}


@pytest.mark.parametrize("indent,ensure_ascii", [(1, False), (2, True), (None, False)])
def test_code_cells_rewritten_rest_kept_byte_for_byte(indent, ensure_ascii):
    before = notebook(
        markdown("Uses `GPTTokenizer` — the old way\n"),
        code("%load_ext autoreload\n", LEGACY, "!ls\n", "t = GPTTokenizer"),
    )
    text = json.dumps(before, indent=indent, ensure_ascii=ensure_ascii) + "\n"
    result = rewrite(text, "n.ipynb", Options())
    after = json.loads(json.dumps(before))
    after["cells"][1]["source"] = [
        "%load_ext autoreload\n",
        NEW,
        "!ls\n",
        "t = MegatronTokenizerText",
    ]
    assert result.new_text == json.dumps(after, indent=indent, ensure_ascii=ensure_ascii) + "\n"
    # the Markdown cell's prose names the old class: reported for a person
    assert [(f.code, f.fixed) for f in result.findings] == [
        ("MTC001", False),
        ("MTC001", True),
        ("MTC001", True),
    ]
    assert result.findings[1].message.startswith("cell 2, line 2: ")
    validate(result.new_text)
    assert rewrite(result.new_text, "n.ipynb", Options()).new_text == result.new_text


def test_finding_lines_point_into_the_notebook_file():
    text = json.dumps(notebook(code("x = 1\n", LEGACY)), indent=1) + "\n"
    finding = rewrite(text, "n.ipynb", Options()).findings[0]
    assert "GPTTokenizer" in text.splitlines()[finding.line - 1]


def test_non_python_notebook_is_left_alone():
    text = json.dumps(notebook(code(LEGACY), language="R"), indent=1) + "\n"
    assert rewrite(text, "n.ipynb", Options()).new_text == text


def test_unknown_json_layout_is_refused_not_reformatted():
    text = json.dumps(notebook(code(LEGACY)), indent=3)
    with pytest.raises(UnparsableError, match="layout"):
        rewrite(text, "n.ipynb", Options())


def test_broken_json_is_unparsable():
    with pytest.raises(UnparsableError, match="not valid JSON"):
        rewrite('{"cells": [GPTTokenizer', "n.ipynb", Options())


def test_a_broken_cell_is_reported_and_the_other_cells_are_still_migrated():
    text = json.dumps(notebook(code("def f(:\n", "GPTTokenizer"), code(LEGACY)), indent=1) + "\n"
    result = rewrite(text, "n.ipynb", Options())
    after = json.loads(result.new_text)
    assert after["cells"][1]["source"] == [NEW]
    broken = [f for f in result.findings if "not valid Python" in f.message]
    assert [(f.code, f.fixed) for f in broken] == [("MTC001", False)]
    assert broken[0].message.startswith("cell 1, line 1: cell 1 is not valid Python")
    validate_rewrite(text, result.new_text)
