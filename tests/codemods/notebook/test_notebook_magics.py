"""IPython in notebooks: shell escapes, line and cell magics go through the matching rewriter;
the Python around them still goes through libcst (the magics masked and put back)."""

from __future__ import annotations

import json

import pytest

from codemods.core import Options, UnparsableError
from codemods.notebook import rewrite, validate_rewrite
from codemods.notebook.cells import line_magics, mask, unmask

LEGACY = "from megatron.core.tokenizers.text.models import GPTTokenizer\n"
NEW = "from megatron.core.tokenizers.text import MegatronTokenizerText\n"


def sites(findings):
    """The findings that are sites (rewritten or left for a person), not the translator's notes."""
    return [finding for finding in findings if not finding.informational]


def _notebook(*cells: list[str] | tuple[str, list[str]]) -> str:
    built = []
    for cell in cells:
        cell_type, lines = cell if isinstance(cell, tuple) else ("code", cell)
        entry = {"cell_type": cell_type, "metadata": {}, "source": lines}
        if cell_type == "code":
            entry.update(execution_count=None, outputs=[])
        built.append(entry)
    document = {
        "cells": built,
        "metadata": {"language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1) + "\n"


def _migrated(*cells: list[str] | tuple[str, list[str]]):
    text = _notebook(*cells)
    result = rewrite(text, "explore.ipynb", Options())
    validate_rewrite(text, result.new_text)
    again = rewrite(result.new_text, "explore.ipynb", Options())
    assert again.new_text == result.new_text, "a second run changed the notebook"
    return [cell["source"] for cell in json.loads(result.new_text)["cells"]], result.findings


def test_shell_escape_with_continuations_and_variables_beside_python():
    # the shape that failed as a whole: "'$' is not a valid character"
    sources, findings = _migrated(
        [
            LEGACY,
            "DATA = '/data/corpus'\n",
            "!torchrun pretrain_gpt.py \\\n",
            "    --tokenizer-type GPT2BPETokenizer \\\n",
            "    --legacy-tokenizer \\\n",
            "    --data-path $DATA\n",
            "t = GPTTokenizer",
        ]
    )
    assert sources[0] == [
        NEW,
        "DATA = '/data/corpus'\n",
        "!torchrun pretrain_gpt.py \\\n",
        "    --tokenizer-library megatron --tokenizer-model GPT2BPETokenizer \\\n",
        "    --data-path $DATA\n",
        "t = MegatronTokenizerText",
    ]
    assert sorted((f.code, f.fixed) for f in sites(findings)) == [
        ("MTC001", True),
        ("MTC001", True),
        ("MTC201", True),
        ("MTC203", True),
    ]


@pytest.mark.parametrize(
    "first_line", ["%%bash\n", "%%sh\n", "%%script bash\n", "%%script --bg /bin/bash\n"]
)
def test_shell_cells(first_line):
    sources, findings = _migrated(
        [
            first_line,
            'ARGS="--tokenizer-type TikTokenizer --lr 1"\n',
            "# python train.py --tokenizer-hf-use-fast\n",
            "python train.py $ARGS",
        ]
    )
    assert sources[0] == [
        first_line,
        'ARGS="--tokenizer-library tiktoken --lr 1"\n',
        "# python train.py\n",
        "python train.py $ARGS",
    ]
    assert [(f.code, f.fixed) for f in findings] == [("MTC201", True), ("MTC203", True)]
    assert findings[0].message.startswith("cell 1, line 2: ")


@pytest.mark.parametrize(
    "line, after",
    [
        (
            "out = !python tools/check.py --tokenizer-type=NullTokenizer",
            "out = !python tools/check.py --tokenizer-library=null",
        ),
        (
            "!!python tools/check.py --tokenizer-type SFTTokenizer --tokenizer-model /m",
            "!!python tools/check.py --tokenizer-library huggingface --tokenizer-mode sft "
            "--tokenizer-prompt-format nemotron-h-aligned --tokenizer-model /m",
        ),
        (
            "%run pretrain_gpt.py --tokenizer-type Llama2Tokenizer --lr 1",
            "%run pretrain_gpt.py --tokenizer-library sentencepiece --lr 1",
        ),
        (
            "files = %sx python tools/list.py --tokenizer-type TikTokenizer",
            "files = %sx python tools/list.py --tokenizer-library tiktoken",
        ),
        (
            "if True:\n    !python t.py --tokenizer-type TikTokenizer",
            "if True:\n    !python t.py --tokenizer-library tiktoken",
        ),
    ],
)
def test_line_magics(line, after):
    lines = (line + "\n").splitlines(keepends=True)
    sources, findings = _migrated(lines + ["x = GPTTokenizer\n", LEGACY])
    assert "".join(sources[0]) == after + "\nx = MegatronTokenizerText\n" + NEW
    assert any(f.code == "MTC201" and f.fixed for f in findings)


def test_writefile_cells_are_rewritten_as_the_file_they_write():
    sources, _ = _migrated(
        ["%%writefile launch.sh\n", "torchrun pretrain_gpt.py --tokenizer-type TikTokenizer\n"],
        ["%%writefile -a config.yaml\n", "MODEL_ARGS:\n", "  --tokenizer-type: NullTokenizer\n"],
    )
    assert sources[0][1] == "torchrun pretrain_gpt.py --tokenizer-library tiktoken\n"
    assert sources[1][2] == '  --tokenizer-library: "null"\n'


def test_markdown_cells_go_through_the_markdown_rewriter():
    sources, findings = _migrated(
        (
            "markdown",
            [
                "Run:\n",
                "```bash\n",
                "python t.py --tokenizer-type TikTokenizer\n",
                "```\n",
                "Then `--legacy-tokenizer` is gone.",
            ],
        )
    )
    assert sources[0][2] == "python t.py --tokenizer-library tiktoken\n"
    assert [(f.code, f.fixed) for f in findings] == [("MTC201", True), ("MTC203", False)]


@pytest.mark.parametrize(
    "cell",
    [
        ["x = 1  # we trained with --tokenizer-type GPT2BPETokenizer\n"],
        ["%%html\n", "<code>--tokenizer-type GPT2BPETokenizer</code>\n"],
        ["%env EXTRA=--legacy-tokenizer\n"],
    ],
)
def test_old_flags_left_in_a_cell_are_reported(cell):
    sources, findings = _migrated(cell)
    assert sources[0] == cell
    assert [f.fixed for f in findings] == [False]
    assert "left as it is" in findings[0].message


def test_a_shell_command_that_does_not_parse_is_reported_not_rewritten():
    cell = ["!python t.py --tokenizer-type TikTokenizer )\n", "x = 1\n"]
    sources, findings = _migrated(cell)
    assert sources[0] == cell
    assert findings and not any(f.fixed for f in findings)


def test_mask_and_unmask_keep_every_line_and_refuse_a_lost_mask():
    source = "%matplotlib inline\nx = 1\n!ls \\\n   -l\nobj?\n"
    magics = line_magics(source)
    masked = mask(source, magics)
    assert masked.count("\n") == source.count("\n")
    texts = [source[m.start : m.end] for m in magics]
    assert unmask(masked, texts) == source
    with pytest.raises(UnparsableError):
        unmask(masked.replace("pass  # megatron-compat-notebook-magic 1", "pass"), texts)


def test_python_that_is_not_a_magic_stays_python():
    source = "x = 5 % 3\ny = (1\n     % 2)\nz = x != y\n"
    assert line_magics(source) == []
