"""``python -m compat.args translate|exec``."""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
import sys

import pytest

from compat.args.__main__ import main

PRINT_ARGV = "import json, sys; print(json.dumps(sys.argv[1:]))"


def run_main(*arguments: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(list(arguments), stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def run_module(*arguments: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run([sys.executable, "-m", "compat.args", *arguments], capture_output=True,
                          text=True, env=env, timeout=120, check=False)


def test_translate_prints_the_new_argv_shell_quoted():
    code, out, err = run_main("translate", "--", "torchrun", "pretrain_gpt.py", "--tokenizer-type",
                              "SFTTokenizer", "--tokenizer-model", "my dir")
    assert code == 0 and err == ""
    assert shlex.split(out) == ["torchrun", "pretrain_gpt.py", "--tokenizer-library",
                                "huggingface", "--tokenizer-mode", "sft",
                                "--tokenizer-prompt-format", "nemotron-h-aligned",
                                "--tokenizer-model", "my dir"]
    assert "'my dir'" in out


def test_translate_without_the_separator():
    code, out, _ = run_main("translate", "--tokenizer-type=NullTokenizer")
    assert (code, out) == (0, "--tokenizer-library=null\n")


def test_translate_reports_warnings_on_stderr():
    code, out, err = run_main("translate", "--", "--tokenizer-type", "BertWordPieceCase")
    assert code == 0
    assert out == "--tokenizer-library megatron --tokenizer-model BertWordPieceCase\n"
    assert "warning" in err and "pretrain_t5.py" in err


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--tokenizer-type", "PretrainedFromHF"], "unknown tokenizer type 'PretrainedFromHF'"),
        (["--tokenizer-type", "$T"], "[MTC204]"),
        (["--tokenizer-type"], "has no value"),
        (["--tokenizer-type", "TikTokenizer", "--tokenizer-library", "huggingface"],
         "conflicts with --tokenizer-library huggingface"),
    ],
)
def test_translate_exits_2_with_clear_messages(argv, expected):
    code, out, err = run_main("translate", "--", *argv)
    assert code == 2 and out == ""
    assert expected in err and "Traceback" not in err


def test_usage_errors():
    code, _, err = run_main()
    assert code == 2 and "usage:" in err
    code, _, err = run_main("frobnicate", "--", "x")
    assert code == 2 and "unknown command 'frobnicate'" in err
    code, _, err = run_main("exec", "--")
    assert code == 2 and "needs a command" in err
    code, out, _ = run_main("--help")
    assert code == 0 and "translate" in out and "exec" in out


def test_module_translate_end_to_end():
    result = run_module("translate", "--", "--tiktoken-special-tokens", "<a>", "<b>",
                        "--tokenizer-hf-use-fast")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "--tokenizer-special-tokens '<a>' '<b>'\n"


def test_module_exec_runs_the_translated_command():
    result = run_module("exec", "--", sys.executable, "-c", PRINT_ARGV, "--tokenizer-type",
                        "MultimodalTokenizer", "--tokenizer-model", "d", "--legacy-tokenizer")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["--tokenizer-library", "huggingface", "--tokenizer-mode",
                                         "multimodal", "--tokenizer-model", "d"]
    assert "compat.args: running" in result.stderr


def test_module_exec_refuses_untranslatable_flags():
    result = run_module("exec", "--", sys.executable, "-c", "print('ran')", "--tokenizer-type",
                        "TikTokenizer", "--tokenizer-library", "huggingface")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "conflicts with --tokenizer-library huggingface" in result.stderr
    assert "--pass-untranslated" in result.stderr and "Traceback" not in result.stderr


def test_module_exec_passes_untranslatable_flags_on_when_asked_and_says_so():
    result = run_module("exec", "--pass-untranslated", "--", sys.executable, "-c", PRINT_ARGV,
                        "--tokenizer-type", "PretrainedFromHF", "--tiktoken-special-tokens", "x")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["--tokenizer-type", "PretrainedFromHF",
                                         "--tokenizer-special-tokens", "x"]
    assert "PretrainedFromHF" in result.stderr and "passed on unchanged" in result.stderr


def test_module_exec_propagates_the_exit_code():
    result = run_module("exec", "--", sys.executable, "-c", "import sys; sys.exit(7)")
    assert result.returncode == 7


def test_exec_of_a_missing_command():
    code, _, err = run_main("exec", "--", "no-such-command-megatron-compat")
    assert code == 127 and "command not found" in err
