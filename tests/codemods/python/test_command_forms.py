"""Command lines in Python in the forms real launchers write them: dicts of flags, multi-line
command strings, argv lists next to NeMo code, and what the translator asks besides its edits
(notes, unregistered prompt formats)."""

from __future__ import annotations

import pytest
from rewrite_checks import PYTHON

check_noop = PYTHON.check_noop
check_transformed = PYTHON.check_transformed


def codes(findings) -> list[tuple[int, str, str]]:
    state = {(True, False): "fixed", (False, False): "manual", (False, True): "note"}
    return [(f.line, f.code, state[f.fixed, f.informational]) for f in findings]


# --- dicts of flags ----------------------------------------------------------------------------

FLAG_DICT = """\
    import subprocess

    FLAGS = {
        "--tokenizer-type": "GPT2BPETokenizer",
        "--vocab-file": vocab_file,
        "--legacy-tokenizer": True,
        "--seq-length": 2048,
    }
    subprocess.run(["python", "pretrain_gpt.py", *to_argv(FLAGS)])
    """


def test_a_dict_of_flags_is_reported_with_the_entries_to_write():
    findings = check_noop(FLAG_DICT)
    manual = [f for f in findings if not f.fixed and not f.informational]
    assert [(f.line, f.code) for f in manual] == [(4, "MTC201"), (6, "MTC203")]
    assert manual[0].suggestion == (
        '"--tokenizer-library": "megatron", "--tokenizer-model": "GPT2BPETokenizer"'
    )
    assert manual[1].suggestion == "(delete the entry)"
    assert "a dict of flags is not rewritten automatically" in manual[0].message
    # its keys are the dict's words, not text naming a flag
    assert not any(f.code == "MTC205" for f in findings)


def test_a_dict_of_flags_kept_for_an_old_parser_is_noted():
    findings = check_noop(FLAG_DICT, command_target="keep", kept_because="an old parser")
    assert codes(findings) == [(4, "MTC201", "note"), (6, "MTC203", "note")]


def test_a_dict_of_flags_for_main_keeps_the_type():
    findings = check_noop(FLAG_DICT, target="upstream", command_target="upstream")
    assert [(line, code) for line, code, state in codes(findings) if state == "manual"] == [
        (6, "MTC203")
    ]


@pytest.mark.parametrize(
    "source",
    [
        'OPTIONS = {"tokenizer_type": "bpe", "--seq-length": 8}\n',  # not every key a flag
        'OPTIONS = {"--seq-length": 8, "--tokenizer-library": "huggingface"}\n',  # nothing old
    ],
)
def test_dicts_that_are_not_old_flags_are_left_alone(source):
    assert [f for f in check_noop(source) if f.code != "MTC205"] == []


# --- multi-line command strings ---------------------------------------------------------------


def test_a_multi_line_command_string_is_rewritten():
    check_transformed(
        '''\
        import subprocess

        CMD = """torchrun pretrain_gpt.py \\\\
            --tokenizer-type SentencePieceTokenizer \\\\
            --tokenizer-model tok.model"""
        subprocess.run(CMD, shell=True)
        ''',
        '''\
        import subprocess

        CMD = """torchrun pretrain_gpt.py \\\\
            --tokenizer-library sentencepiece \\\\
            --tokenizer-model tok.model"""
        subprocess.run(CMD, shell=True)
        ''',
    )


# --- NeMo beside Megatron: decided per site ---------------------------------------------------


def test_a_nemo_file_keeps_its_command_lines_and_gets_its_megatron_sites_migrated():
    findings = check_noop("""\
        from nemo.collections import nlp
        from megatron.training import get_args

        PREPROCESS = ["--tokenizer-library", "megatron", "--tokenizer-type", "GPT2BPETokenizer"]
        HELP = "--tokenizer-type is NeMo's tokenizer name"

        def branch():
            if get_args().tokenizer_type == "HuggingFaceTokenizer":
                pass
        """)
    assert codes(findings) == [(8, "MTC301", "manual")]


def test_a_nemo_file_s_removed_megatron_flag_is_still_migrated():
    check_transformed(
        'import nemo\nargv = ["pretrain_gpt.py", "--legacy-tokenizer", "--seq-length", "8"]\n',
        'import nemo\nargv = ["pretrain_gpt.py", "--seq-length", "8"]\n',
    )


# --- what the translator asks besides its edits ------------------------------------------------


def test_unregistered_prompt_formats_and_notes_in_python_command_lines():
    findings = check_noop(
        """\
        import subprocess

        subprocess.run(["python", "finetune.py", "--tokenizer-type", "SFTTokenizer",
                        "--sft-tokenizer-prompt-format", "gemma", "--tokenizer-model", "m"])
        NULL = "train.py --tokenizer-type NullTokenizer --vocab-size 128"
        subprocess.run(NULL, shell=True)
        """,
        target="upstream",
        command_target="upstream",
    )
    assert "MTC401" in {f.code for f in findings if f.line == 4 and f.informational}
    null_note = [f for f in findings if f.line == 5 and f.informational]
    assert null_note and "vocab_size N and eod N - 1 since megatron-core 0.18" in (
        null_note[0].message
    )
