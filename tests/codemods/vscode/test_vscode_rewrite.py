"""VS Code run configurations: ``args`` lists and strings rewritten in place, JSONC kept."""

from __future__ import annotations

from pathlib import PurePath

import pytest
from rewrite_checks import RewriteChecks

from codemods.core import UnparsableError
from codemods.vscode import KIND, matches
from codemods.vscode.jsonc import loads, read

_CHECKS = RewriteChecks(KIND, ".vscode/launch.json")
run, check, check_noop = _CHECKS.run, _CHECKS.check_transformed, _CHECKS.check_noop


def sites(findings):
    """The findings that are sites (rewritten or left for a person), not the translator's notes."""
    return [finding for finding in findings if not finding.informational]


def test_launch_configuration_keeps_comments_trailing_commas_and_layout():
    findings = check(
        """\
        {
            // debug a small model
            "version": "0.2.0",
            "configurations": [
                {
                    "name": "Pretrain GPT",
                    "type": "debugpy",
                    "program": "${workspaceFolder}/pretrain_gpt.py",
                    "args": [
                        "--num-layers", "2",
                        "--tokenizer-type", "GPT2BPETokenizer",
                        "--legacy-tokenizer",
                        "--vocab-file", "${workspaceFolder}/gpt2-vocab.json", /* local */
                    ],
                },
            ]
        }
        """,
        """\
        {
            // debug a small model
            "version": "0.2.0",
            "configurations": [
                {
                    "name": "Pretrain GPT",
                    "type": "debugpy",
                    "program": "${workspaceFolder}/pretrain_gpt.py",
                    "args": [
                        "--num-layers", "2",
                        "--tokenizer-library", "megatron", "--tokenizer-model", "GPT2BPETokenizer",
                        "--vocab-file", "${workspaceFolder}/gpt2-vocab.json", /* local */
                    ],
                },
            ]
        }
        """,
    )
    assert [(f.line, f.col, f.code, f.fixed) for f in sites(findings)] == [
        (11, 17, "MTC201", True),
        (12, 17, "MTC203", True),
    ]


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(
            '{"configurations": [{"args": ["--tokenizer-type=SFTTokenizer", "--lr", "1"]}]}\n',
            '{"configurations": [{"args": ["--tokenizer-library=huggingface", '
            '"--tokenizer-mode=sft", "--tokenizer-prompt-format=nemotron-h-aligned", "--lr", '
            '"1"]}]}\n',
            id="equals-form-grows-with-the-lists-separator",
        ),
        pytest.param(
            '{"tasks": [{"command": "torchrun", "args": ["--tokenizer-hf-use-fast", "x.py"]}]}\n',
            '{"tasks": [{"command": "torchrun", "args": ["x.py"]}]}\n',
            id="first-item-deleted",
        ),
        pytest.param(
            '{"configurations": [{"args": "--tokenizer-type TikTokenizer --lr 1"}]}\n',
            '{"configurations": [{"args": "--tokenizer-library tiktoken --lr 1"}]}\n',
            id="args-as-one-command-string",
        ),
        pytest.param(
            '{"configurations": [{"args": ["--lr", "1", "--legacy-tokenizer"]}]}\n',
            '{"configurations": [{"args": ["--lr", "1"]}]}\n',
            id="last-item-deleted",
        ),
    ],
)
def test_rewrites(before, after):
    check(before, after)


def test_flags_outside_args_are_reported():
    findings = check_noop('{"configurations": [{"env": {"EXTRA": "--tokenizer-type X"}}]}\n')
    assert [(f.line, f.fixed) for f in findings] == [(1, False)]


def test_dynamic_value_is_reported_not_guessed():
    findings = check_noop('{"args": ["--tokenizer-type", "${input:tokenizerType}"]}\n')
    assert [(f.code, f.fixed) for f in findings] == [("MTC204", False)]


def test_not_jsonc_is_unparsable():
    with pytest.raises(UnparsableError, match="line 2"):
        run('{"args": ["--tokenizer-type",\n  GPT2BPETokenizer]}\n')


def test_reader_keeps_positions_and_values():
    text = '{"a": [1, "x\\u00e9", true, null], /* c */ "b": {"c": -2.5e3,},}'
    root = read(text)
    assert loads(root, text) == {"a": [1, "xé", True, None], "b": {"c": -2500.0}}


@pytest.mark.parametrize(
    "path, expected",
    [
        (".vscode/launch.json", True),
        ("repo/.vscode/tasks.json", True),
        ("launch.json", False),
        (".vscode/settings.json", False),
    ],
)
def test_matches(path, expected):
    assert matches(PurePath(path), "") is expected
