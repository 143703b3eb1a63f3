"""``python -m compat.args translate|exec|verify``: behaviour, bad inputs and exit codes."""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shlex
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from compat import MegatronTokenizerDeprecationWarning
from compat.args import verify
from compat.args.__main__ import main

PRINT_ARGV = "import json, sys; print(json.dumps(sys.argv[1:]))"


def run_main(*arguments: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    code = main(list(arguments), stdout=stdout, stderr=stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def run_module(*arguments: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "compat.args", *arguments],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_translate_prints_the_new_argv_shell_quoted():
    code, out, err = run_main(
        "translate",
        "--",
        "torchrun",
        "pretrain_gpt.py",
        "--tokenizer-type",
        "SFTTokenizer",
        "--tokenizer-model",
        "my dir",
    )
    assert code == 0 and err == ""
    assert shlex.split(out) == [
        "torchrun",
        "pretrain_gpt.py",
        "--tokenizer-library",
        "huggingface",
        "--tokenizer-mode",
        "sft",
        "--tokenizer-prompt-format",
        "nemotron-h-aligned",
        "--tokenizer-model",
        "my dir",
    ]
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
        (
            ["--tokenizer-type", "TikTokenizer", "--tokenizer-library", "huggingface"],
            "conflicts with --tokenizer-library huggingface",
        ),
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
    assert code == 0 and "translate" in out and "exec" in out and "verify" in out


@pytest.mark.parametrize("command", ["translate", "exec", "verify"])
@pytest.mark.parametrize("flag", ["-h", "--help"])
def test_every_command_has_help(command, flag):
    code, out, err = run_main(command, flag)
    assert (code, err) == (0, "")
    assert out.startswith(f"usage: python -m compat.args {command}")
    assert "exit codes:" in out


def test_help_after_a_commands_own_options():
    code, out, _ = run_main("exec", "--pass-untranslated", "--help")
    assert code == 0 and out.startswith("usage: python -m compat.args exec")
    code, out, _ = run_main("verify", "--release", "0.17", "-h")
    assert code == 0 and out.startswith("usage: python -m compat.args verify")


def test_help_after_the_separator_belongs_to_the_argv():
    code, out, _ = run_main("translate", "--", "--help", "--tokenizer-type", "NullTokenizer")
    assert (code, out) == (0, "--help --tokenizer-library null\n")


def test_module_exec_help_is_help_not_a_command():
    """Reported: ``exec --help`` said ``command not found: '--help'`` with exit 127."""
    result = run_module("exec", "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: python -m compat.args exec")
    assert "126" in result.stdout and "127" in result.stdout


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        # flags but no command, and no `--`: they would be read as the command
        (
            ["exec", "--tokenizer-type", "GPT2BPETokenizer"],
            "unknown option '--tokenizer-type' for exec; put the command after `--`",
        ),
        (["exec", "--pass-untranslated"], "exec needs a command"),
        (
            ["verify", "--tokenizer-type", "GPT2BPETokenizer"],
            "unknown option '--tokenizer-type' for verify; put the old command line after `--`",
        ),
        (["verify", "--text"], "--text needs a value"),
        (["exec", "--", ""], "the command name is empty"),
        (["exec", "--", "echo", "a\0b"], "word 1 ('a\\x00b') contains a NUL byte"),
        (["translate", "--", "--tokenizer-model", "x\0"], "contains a NUL byte"),
    ],
)
def test_bad_command_lines_exit_2_with_a_message(arguments, expected):
    code, out, err = run_main(*arguments)
    assert code == 2 and out == ""
    assert expected in err and "Traceback" not in err


def test_module_exec_of_an_empty_command_name():
    """Reported: ``exec -- ''`` printed a traceback (execv() arg 2 first element is empty)."""
    result = run_module("exec", "--", "")
    assert result.returncode == 2
    assert "the command name is empty" in result.stderr and "Traceback" not in result.stderr


def _file(path, text: str, mode: int):
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


@pytest.mark.parametrize(
    ("make", "code", "expected"),
    [
        (lambda tmp: tmp, 126, "it is a directory"),
        (
            lambda tmp: _file(tmp / "run.sh", "#!/bin/sh\necho ran\n", 0o644),
            126,
            "is not executable; make it executable (chmod +x) or name its interpreter first",
        ),
        (
            lambda tmp: _file(tmp / "plain", "echo ran\n", 0o755),
            126,
            "not a program this system can run (exec format error)",
        ),
        (
            lambda tmp: _file(tmp / "orphan", "#!/no/such/interpreter\n", 0o755),
            126,
            "the interpreter named on its #! line is not installed",
        ),
        (lambda tmp: tmp / "missing", 127, "command not found"),
    ],
    ids=["directory", "not-executable", "no-shebang", "missing-interpreter", "missing-path"],
)
def test_exec_of_what_cannot_run(tmp_path, make, code, expected):
    command = str(make(tmp_path))
    result = run_module("exec", "--", command, "--tokenizer-type", "NullTokenizer")
    assert result.returncode == code, result.stderr
    assert expected in result.stderr and repr(command) in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_exec_of_a_huge_argv_says_it_is_too_long():
    """One word longer than the kernel's per-argument limit (128 KiB on Linux): E2BIG. main()
    runs in a child, which the command would replace if it ever ran."""
    code = (
        "import sys; from compat.args.__main__ import main; "
        "sys.exit(main(['exec', '--', 'true', 'x' * 300_000]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 126
    assert "the argument list is too long" in result.stderr
    assert "Traceback" not in result.stderr


def test_translate_of_a_huge_argv():
    argv = ["--tokenizer-type", "TikTokenizer"] + [f"--flag-{i}" for i in range(100_000)]
    code, out, err = run_main("translate", "--", *argv)
    assert code == 0 and err == ""
    assert shlex.split(out) == ["--tokenizer-library", "tiktoken", *argv[2:]]


def test_undecodable_words_come_back_as_the_same_bytes():
    """A word that is not UTF-8 reaches Python as surrogates; it must not crash the output."""
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "compat.args",
            "translate",
            "--",
            b"--tokenizer-model",
            b"caf\xe9.model",
            b"--tokenizer-type",
            b"SentencePieceTokenizer",
        ],
        capture_output=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        b"--tokenizer-model 'caf\xe9.model' --tokenizer-library sentencepiece\n"
    )


def test_a_closed_output_pipe_is_not_a_traceback():
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "compat.args",
                "translate",
                "--",
                "--tokenizer-type",
                "SentencePieceTokenizer",
            ],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 141
    assert result.stderr == ""


def test_module_translate_end_to_end():
    result = run_module(
        "translate", "--", "--tiktoken-special-tokens", "<a>", "<b>", "--tokenizer-hf-use-fast"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "--tokenizer-special-tokens '<a>' '<b>'\n"


def test_module_exec_runs_the_translated_command():
    result = run_module(
        "exec",
        "--",
        sys.executable,
        "-c",
        PRINT_ARGV,
        "--tokenizer-type",
        "MultimodalTokenizer",
        "--tokenizer-model",
        "d",
        "--legacy-tokenizer",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "--tokenizer-library",
        "huggingface",
        "--tokenizer-mode",
        "multimodal",
        "--tokenizer-model",
        "d",
    ]
    assert "compat.args: running" in result.stderr


def test_module_exec_refuses_untranslatable_flags():
    result = run_module(
        "exec",
        "--",
        sys.executable,
        "-c",
        "print('ran')",
        "--tokenizer-type",
        "TikTokenizer",
        "--tokenizer-library",
        "huggingface",
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert "conflicts with --tokenizer-library huggingface" in result.stderr
    assert "--pass-untranslated" in result.stderr and "Traceback" not in result.stderr


def test_module_exec_passes_untranslatable_flags_on_when_asked_and_says_so():
    result = run_module(
        "exec",
        "--pass-untranslated",
        "--",
        sys.executable,
        "-c",
        PRINT_ARGV,
        "--tokenizer-type",
        "PretrainedFromHF",
        "--tiktoken-special-tokens",
        "x",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [
        "--tokenizer-type",
        "PretrainedFromHF",
        "--tokenizer-special-tokens",
        "x",
    ]
    assert "PretrainedFromHF" in result.stderr and "passed on unchanged" in result.stderr


def test_module_exec_propagates_the_exit_code():
    result = run_module("exec", "--", sys.executable, "-c", "import sys; sys.exit(7)")
    assert result.returncode == 7


def test_exec_of_a_missing_command():
    code, _, err = run_main("exec", "--", "no-such-command-megatron-compat")
    assert code == 127 and "command not found" in err


# --- verify: the old flags' tokenizer next to the translated flags' one --------------------------

# verify builds from the old flags on purpose; it must not warn (asserted below).
SAME, DIFFERENT, USAGE = 0, 1, 2


@pytest.fixture(scope="module")
def hf_bert_dir(bert_vocab_lower, tmp_path_factory):
    """A Hugging Face BERT folder: include_special_tokens adds [CLS] ... [SEP]."""
    import inspect

    from transformers import BertTokenizer

    vocab_keyword = (
        "vocab" if "vocab" in inspect.signature(BertTokenizer.__init__).parameters else "vocab_file"
    )  # transformers 5 / 4
    directory = tmp_path_factory.mktemp("hf-bert")
    BertTokenizer(**{vocab_keyword: str(bert_vocab_lower)}, do_lower_case=True).save_pretrained(
        str(directory)
    )
    return directory


@pytest.fixture(scope="module")
def old_argvs(
    sentencepiece_v1, tekken_json, hf_tokenizer_dir, gpt2_files, hf_bert_dir, bert_vocab_lower
):
    vocab, merges = gpt2_files
    return {
        "sentencepiece": [
            "--tokenizer-type",
            "SentencePieceTokenizer",
            "--tokenizer-model",
            str(sentencepiece_v1),
        ],
        "tiktoken": [
            "--tokenizer-type",
            "TikTokenizer",
            "--tokenizer-model",
            str(tekken_json),
            "--tiktoken-pattern",
            "v2",
            "--vocab-size",
            "131072",
            "--tiktoken-special-tokens",
            "<unk>",
            "<s>",
            "</s>",
            "<mask>",
            "<pad>",
            "<cls>",
            "<sep>",
            "<tool_call>",
        ],
        "huggingface": [
            "--tokenizer-type",
            "HuggingFaceTokenizer",
            "--tokenizer-model",
            str(hf_tokenizer_dir),
        ],
        "gpt2": [
            "--tokenizer-type=GPT2BPETokenizer",
            "--vocab-file",
            str(vocab),
            "--merge-file",
            str(merges),
        ],
        "null": ["--tokenizer-type", "NullTokenizer", "--vocab-size", "500"],
        "hf-bert": [
            "--tokenizer-type",
            "HuggingFaceTokenizer",
            "--tokenizer-model",
            str(hf_bert_dir),
        ],
        "bert-wordpiece": [
            "--tokenizer-type",
            "BertWordPieceLowerCase",
            "--vocab-file",
            str(bert_vocab_lower),
        ],
    }


def run_verify(*arguments: str) -> tuple[int, str, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("error", MegatronTokenizerDeprecationWarning)
        return run_main("verify", *arguments)


def table_row(out: str, name: str) -> list[str]:
    (line,) = [line for line in out.splitlines() if line.startswith(name)]
    return line[len(name) :].split()


@pytest.mark.parametrize("case", ["sentencepiece", "tiktoken", "huggingface", "gpt2"])
def test_verify_reports_the_same_tokenizer(case, old_argvs):
    code, out, err = run_verify(
        "--",
        "torchrun",
        "pretrain_gpt.py",
        *old_argvs[case],
        "--tensor-model-parallel-size",
        "2",
        "--lr",
        "1e-4",
    )
    assert code == SAME, out + err
    assert "SAME:" in out and "DIFFERENT" not in out
    texts = len(verify.SAMPLE_TEXTS)
    assert f"same on {texts} of {texts} texts" in out
    old_line, new_line = out.splitlines()[:2]
    assert old_line.startswith("old (megatron-core 0.16 (G1)): torchrun pretrain_gpt.py")
    assert new_line.startswith("new: torchrun pretrain_gpt.py --tokenizer-library")
    vocab_old, vocab_new, _ = table_row(out, "vocab size")
    padded_old, padded_new, _ = table_row(out, "padded vocab size")
    assert vocab_old == vocab_new and padded_old == padded_new
    multiple = 128 * 2  # --make-vocab-size-divisible-by's default times the TP size
    assert int(padded_old) == -(-int(vocab_old) // multiple) * multiple


@pytest.mark.parametrize("case", ["hf-bert", "bert-wordpiece"])
def test_verify_reports_the_g1_hugging_face_defaults(case, old_argvs):
    """megatron-core 0.16 ran these with include_special_tokens off; the new flags turn it on,
    so [CLS] ... [SEP] appear around the same ids."""
    code, out, _ = run_verify("--", *old_argvs[case])
    assert code == DIFFERENT
    assert "DIFFERENT: the translated flags do not build" in out
    assert "first differing text (text 1): ''" in out
    assert "  old: [] (0 ids)" in out
    assert re.search(r"  new: \[\d+, \d+\] \(2 ids\)", out)
    assert "hint:" in out and "--tokenizer-hf-no-use-fast --tokenizer-hf-no-include-special" in out
    assert table_row(out, "vocab size")[-1] == "same"

    # on 0.17, or with the switches given on 0.16, the old ids had them too
    assert run_verify("--release", "0.17", "--", *old_argvs[case])[0] == SAME
    switches_on = [
        *old_argvs[case],
        "--tokenizer-hf-use-fast",
        "--tokenizer-hf-include-special-tokens",
    ]
    assert run_verify("--release=0.16.1", "--", *switches_on)[0] == SAME


def test_verify_null_vocab_size(old_argvs):
    """megatron-core 0.16: NullTokenizer(500) has vocab 501 and eod 500 (reference §4.9), the
    N + 1 the old data and embeddings were built with. The verdict follows the new side."""
    from compat.tokenizers import MegatronTokenizer

    code, out, _ = run_verify("--", *old_argvs["null"])
    assert table_row(out, "vocab size")[0] == "501"
    assert table_row(out, "eod")[0] == "500"
    assert table_row(out, "padded vocab size")[0] == "512"
    assert f"same on {len(verify.NULL_SAMPLE_TEXTS)} of" in out
    new = MegatronTokenizer.from_pretrained(metadata_path={"library": "null-text"}, vocab_size=500)
    if new.vocab_size == 501:
        assert code == SAME
    else:
        assert code == DIFFERENT and table_row(out, "vocab size")[-1] == "DIFFERENT"


def test_verify_old_side_is_megatron_core_0_16_1(megatron_core, old_argvs, hf_bert_dir):
    """The old side equals the real old builder (asserted to be megatron-core's own file)."""
    import importlib.metadata

    from megatron.core.tokenizers.text.utils import build_tokenizer as old_module

    distribution = importlib.metadata.distribution("megatron-core")
    assert distribution.version == "0.16.1"
    assert (
        Path(old_module.__file__)
        .resolve()
        .is_relative_to(Path(distribution.locate_file("megatron")).resolve())
    )
    for case in ("hf-bert", "sentencepiece", "null"):
        checked = verify.plan({}, old_argvs[case])
        ours = verify.build_old(argparse.Namespace(**vars(checked.old_args)))
        upstream = old_module.build_tokenizer(argparse.Namespace(**vars(checked.old_args)))
        assert ours.tokenizer.vocab_size == upstream.vocab_size
        assert ours.tokenizer.eod == upstream.eod
        for text in checked.texts:
            assert list(ours.tokenizer.tokenize(text)) == list(upstream.tokenize(text)), text


def test_verify_with_a_text_file(old_argvs, tmp_path):
    texts = tmp_path / "samples.txt"
    texts.write_text("plain text\nhello world\n", encoding="utf-8")
    code, out, _ = run_verify("--text", str(texts), "--", *old_argvs["hf-bert"])
    assert code == DIFFERENT
    assert "same on 0 of 2 texts" in out
    assert "first differing text (text 1): 'plain text'" in out
    code, out, _ = run_verify("--text", str(texts), "--", *old_argvs["sentencepiece"])
    assert code == SAME and "same on 2 of 2 texts" in out


def test_only_one_side_builds(tmp_path):
    """megatron-core 0.16 ignored --tokenizer-metadata for the null tokenizer; the new flags
    read it."""
    code, out, _ = run_verify(
        "--",
        "--tokenizer-type",
        "NullTokenizer",
        "--vocab-size",
        "10",
        "--tokenizer-metadata",
        str(tmp_path / "missing.json"),
    )
    assert code == DIFFERENT
    assert "only one side builds; the new tokenizer fails with FileNotFoundError" in out


SCRIPT = """\
#!/bin/bash
# --tokenizer-type SentencePieceTokenizer   (commented out: not read)
TOKENIZER_ARGS=(
    --tokenizer-type HuggingFaceTokenizer   # the HF one
    --tokenizer-model {model}
)
PARALLEL="--tensor-model-parallel-size 4"
torchrun --nproc_per_node 8 pretrain_gpt.py \\
    ${{TOKENIZER_ARGS[@]}} $PARALLEL \\
    --make-vocab-size-divisible-by 64 \\
    --lr 1e-4
"""


def test_verify_reads_a_launch_script(hf_tokenizer_dir, tmp_path):
    script = tmp_path / "train.sh"
    script.write_text(SCRIPT.format(model=shlex.quote(str(hf_tokenizer_dir))), encoding="utf-8")
    code, out, err = run_verify("--script", str(script))
    assert code == SAME, out + err
    assert "--tokenizer-library huggingface" in out.splitlines()[1]
    vocab = int(table_row(out, "vocab size")[0])
    assert int(table_row(out, "padded vocab size")[0]) == -(-vocab // 256) * 256


def test_verify_script_values_known_only_at_run_time(sentencepiece_v1, tmp_path):
    script = tmp_path / "train.sh"
    script.write_text(
        "torchrun pretrain_gpt.py --tokenizer-type SentencePieceTokenizer \\\n"
        "    --tokenizer-model $TOKENIZER_MODEL\n",
        encoding="utf-8",
    )
    code, out, err = run_verify("--script", str(script))
    assert code == USAGE and out == ""
    assert "--tokenizer-model is '$TOKENIZER_MODEL', a value only known when the script runs" in err
    # the real value after `--` wins, as argparse's last value does
    code, out, _ = run_verify(
        "--script", str(script), "--", "--tokenizer-model", str(sentencepiece_v1)
    )
    assert code == SAME


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "echo ok\nARGS='--tokenizer-type GPT2BPETokenizer\n",
            "line 2: cannot be read as shell "
            "words (No closing quotation); give the tokenizer flags after `--` instead",
        ),
        (
            "python a.py --tokenizer-type TikTokenizer\npython b.py --tokenizer-type "
            "HuggingFaceTokenizer\n",
            "at script line 2: --tokenizer-type is given twice",
        ),
        ("python train.py --lr 1\n", "no line mentions a tokenizer flag"),
    ],
    ids=["unclosed-quote", "two-types", "no-flags"],
)
def test_verify_script_problems(tmp_path, text, expected):
    script = tmp_path / "train.sh"
    script.write_text(text, encoding="utf-8")
    code, out, err = run_verify("--script", str(script))
    assert code == USAGE and out == ""
    assert expected in err and "Traceback" not in err


def test_script_words_of_assignments_arrays_and_continuations():
    from compat.args.launch_script import script_words

    text = (
        'GPT_ARGS="--tokenizer-type GPT2BPETokenizer --vocab-file $VOCAB"\n'
        "ONE=(--tokenizer-type TikTokenizer --tiktoken-pattern v2)\n"
        "python x.py --tokenizer-model /models/v#2 \\\n  --lr 1 # --tokenizer-type X\n"
        'echo "--tokenizer-model \n spans lines"\n'
    )
    found = script_words(
        text, ["--tokenizer-type", "--tokenizer-model", "--vocab-file", "--tiktoken-pattern"]
    )
    assert found.problems == ()
    assert found.words == (
        "--tokenizer-type",
        "GPT2BPETokenizer",
        "--vocab-file",
        "$VOCAB",
        "--tokenizer-type",
        "TikTokenizer",
        "--tiktoken-pattern",
        "v2",
        "python",
        "x.py",
        "--tokenizer-model",
        "/models/v#2",
        "--lr",
        "1",
        "echo",
        "--tokenizer-model \n spans lines",
    )
    assert found.line_numbers == (1,) * 4 + (2,) * 4 + (3,) * 6 + (5,) * 2


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ([], "give the old command line after `--`, or --script FILE"),
        (["--", "--tokenizer-model", "x"], "no --tokenizer-type in the old command line"),
        (
            ["--", "--tokenizer-type", "PretrainedFromHF"],
            "unknown tokenizer type 'PretrainedFromHF'",
        ),
        (["--", "--tokenizer-type", "$TYPE"], "[MTC204] at word 0"),
        (
            ["--", "--tokenizer-type", "NullTokenizer", "--vocab-size", "many"],
            "the old command line cannot be read: argument --vocab-size: invalid int value: 'many'",
        ),
        (
            ["--", "--tokenizer-type", "SFTTokenizer", "--tokenizer-model", "m"],
            "builds a tokenizer in sft mode; verify compares text-mode tokenizers only",
        ),
        (
            ["--", "--tokenizer-type", "MultimodalTokenizer", "--tokenizer-model", "m"],
            "builds a tokenizer in multimodal mode",
        ),
        (
            ["--", "--tokenizer-library", "null", "--vocab-size", "5"],
            "already has --tokenizer-library or --tokenizer-mode",
        ),
        (
            [
                "--",
                "--tokenizer-type",
                "HuggingFaceTokenizer",
                "--tokenizer-model",
                "m",
                "--tokenizer-hf-no-use-fast",
            ],
            "megatron-core 0.16 (G1) had no --tokenizer-hf-no-use-fast",
        ),
        (
            ["--release", "0.19", "--", "--tokenizer-type", "NullTokenizer"],
            "--release '0.19': verify reproduces megatron-core 0.16 and 0.17",
        ),
        (["--release", "latest", "--", "--tokenizer-type", "NullTokenizer"], "--release 'latest'"),
        (
            ["--text", "/no/such/file", "--", "--tokenizer-type", "NullTokenizer"],
            "--text /no/such/file: No such file or directory",
        ),
        (["--script", "/no/such/train.sh"], "--script /no/such/train.sh: No such file"),
        (
            ["--", "--tokenizer-type", "SentencePieceTokenizer", "--tokenizer-model", "/no/such"],
            "neither tokenizer could be built",
        ),
    ],
)
def test_verify_usage_errors(arguments, expected):
    code, _, err = run_verify(*arguments)
    assert code == USAGE
    assert expected in err and "Traceback" not in err


@pytest.mark.parametrize(("content", "expected"), [(b"", "is empty"), (b"\xff\xfe", "not UTF-8")])
def test_verify_unusable_text_files(tmp_path, content, expected):
    texts = tmp_path / "texts.txt"
    texts.write_bytes(content)
    code, _, err = run_verify(
        "--text", str(texts), "--", "--tokenizer-type", "NullTokenizer", "--vocab-size", "5"
    )
    assert code == USAGE and expected in err


def test_verify_works_in_strict_mode_and_leaves_it_on(monkeypatch, old_argvs):
    monkeypatch.setenv("MEGATRON_COMPAT_STRICT", "1")
    code, out, err = run_verify("--", *old_argvs["sentencepiece"])
    assert code == SAME, out + err
    assert os.environ["MEGATRON_COMPAT_STRICT"] == "1"


def test_module_verify_end_to_end(old_argvs):
    result = run_module("verify", "--", *old_argvs["hf-bert"])
    assert result.returncode == DIFFERENT, result.stderr
    assert "DIFFERENT" in result.stdout and "Traceback" not in result.stderr


# --- --target and --source ---------------------------------------------------------------------


def test_translate_for_megatron_lm_main_from_a_release():
    code, out, err = run_main(
        "translate",
        "--target",
        "upstream",
        "--source",
        "0.16.1",
        "--",
        "--tokenizer-type",
        "NullTokenizer",
        "--vocab-size",
        "128",
        "--legacy-tokenizer",
    )
    assert code == 0 and err == ""
    # main keeps the type flag; 0.16's sizes are kept and marked; the removed flag goes
    assert out == ("--tokenizer-type NullTokenizer --vocab-size 129 --null-tokenizer-eod-id 128\n")


def test_translate_without_a_source_prints_what_to_check_as_notes():
    code, out, err = run_main(
        "translate", "--tokenizer-type", "NullTokenizer", "--vocab-size", "12"
    )
    assert (code, out) == (0, "--tokenizer-library null --vocab-size 12\n")
    assert "compat.args: note at word 0: the null tokenizer has vocab_size N" in err
    assert "suggestion: if this ran on megatron-core <= 0.17, add 1 to --vocab-size" in err


@pytest.mark.parametrize(
    "options, message",
    [
        (
            ["--target", "main"],
            "--target is pr3889 or upstream (Megatron-LM main's parser), not 'main'",
        ),
        (["--source", "9.x"], "--source: '9.x' is not a megatron-core version"),
        (["--source"], "--source needs a value"),
    ],
)
def test_bad_target_or_source_is_a_usage_error(options, message):
    for command in ("translate", "exec"):
        code, out, err = run_main(command, *options, "--", "--tokenizer-type", "NullTokenizer")
        assert (code, out) == (2, "") and message in err
