"""MTC201 tokenizer-type-flag inside Python: argv lists, command strings, f-strings."""

from __future__ import annotations

from rewrite_checks import PYTHON

check_noop = PYTHON.check_noop
check_transformed = PYTHON.check_transformed


def test_reference_example_argv_list():
    # megatron-tokenizer-api.md §10.4, "Python argv"
    findings = check_transformed(
        'cmd = ["--tokenizer-type", "NullMultimodalTokenizer", "--vocab-size", "127"]\n',
        'cmd = ["--tokenizer-library", "null", "--tokenizer-mode", "multimodal", '
        '"--vocab-size", "127"]\n',
    )
    assert [(f.code, f.fixed, f.col) for f in findings] == [("MTC201", True, 8)]


def test_one_word_per_line_layout_and_quotes():
    check_transformed(
        """\
        sys.argv = [
            'pretrain_gpt.py',
            '--tokenizer-type', 'GPT2BPETokenizer',
            '--vocab-file', vocab,
        ]
        """,
        """\
        sys.argv = [
            'pretrain_gpt.py',
            '--tokenizer-library', 'megatron', '--tokenizer-model', 'GPT2BPETokenizer',
            '--vocab-file', vocab,
        ]
        """,
    )


def test_sft_without_prompt_format_gets_the_explicit_default():
    check_transformed(
        'subprocess.run(["torchrun", "train.py", "--tokenizer-type", "SFTTokenizer"])\n',
        'subprocess.run(["torchrun", "train.py", "--tokenizer-library", "huggingface", '
        '"--tokenizer-mode", "sft", "--tokenizer-prompt-format", "nemotron-h-aligned"])\n',
    )


def test_unknown_type_is_reported():
    findings = check_noop('argv = ["--tokenizer-type", "MyForkTokenizer"]\n')
    assert [(f.code, f.fixed) for f in findings] == [("MTC201", False)]


def test_command_string():
    check_transformed(
        'os.system("python pretrain_gpt.py --tokenizer-type Llama2Tokenizer '
        '--tokenizer-model m")\n',
        'os.system("python pretrain_gpt.py --tokenizer-library sentencepiece '
        '--tokenizer-model m")\n',
    )


def test_fstring_is_reported_with_the_translation():
    findings = check_noop('cmd = f"torchrun {script} --tokenizer-type TikTokenizer"\n')
    assert [(f.code, f.fixed) for f in findings] == [("MTC201", False)]
    assert "--tokenizer-library tiktoken" in findings[0].suggestion


def test_flag_definitions_and_prose_are_left_alone_with_a_note_each():
    findings = check_noop(
        """\
        parser.add_argument("--tokenizer-type", type=str, default=None)
        if "--tokenizer-type" in sys.argv:
            help_text = "--tokenizer-type is the old way to choose a tokenizer"
        """
    )
    assert [(f.line, f.code, f.informational) for f in findings] == [
        (1, "MTC205", True),
        (2, "MTC205", True),
        (3, "MTC205", True),
    ]


def test_messages_help_texts_and_docstrings_are_never_edited():
    findings = check_noop(
        """\
        def check(args):
            \"\"\"Refuses --legacy-tokenizer and --tokenizer-hf-use-fast.\"\"\"
            if args.legacy:
                raise ValueError("--legacy-tokenizer is no longer supported")
            logger.warning("pass --tokenizer-type GPT2BPETokenizer instead of --legacy-tokenizer")
            print_rank_0(f"use --tokenizer-type {name}")
            parser.add_argument("--old", help="like --tokenizer-type HuggingFaceTokenizer")
            assert args.ok, "--sft-tokenizer-prompt-format needs a value"
        """
    )
    assert [f.line for f in findings] == [2, 4, 5, 6, 7, 8]
    assert all(f.informational and f.code == "MTC205" for f in findings)


def test_command_lines_passed_to_runners_directly_or_through_a_variable():
    check_transformed(
        """\
        import os
        import subprocess

        cmd = "python pretrain_gpt.py --tokenizer-type NullTokenizer --vocab-size 8"
        subprocess.run(cmd, shell=True)
        os.system("torchrun train.py --tokenizer-type HuggingFaceTokenizer")
        """,
        """\
        import os
        import subprocess

        cmd = "python pretrain_gpt.py --tokenizer-library null --vocab-size 8"
        subprocess.run(cmd, shell=True)
        os.system("torchrun train.py --tokenizer-library huggingface")
        """,
    )


def test_a_lone_flag_outside_an_argv_list_is_noted_not_guessed():
    findings = check_noop('extra = " --legacy-tokenizer"\n')
    assert [(f.code, f.informational) for f in findings] == [("MTC205", True)]


def test_look_alike_flags_of_other_projects_are_left_alone():
    assert check_noop('argv = ["--patch-tokenizer-type", "Qwen2Tokenizer"]\n') == []
    # NeMo's preprocessing: --tokenizer-library beside its own --tokenizer-type values
    nemo_argv = 'argv = ["--tokenizer-library", "megatron", "--tokenizer-type", "gpt2"]\n'
    assert check_noop(nemo_argv) == []
    assert (
        check_noop(
            'from nemo.collections import nlp\nargv = ["--tokenizer-type", "GPT2BPETokenizer"]\n'
        )
        == []
    )


def test_suppression_comment():
    findings = check_noop(
        'argv = ["--tokenizer-type", "GPT2BPETokenizer"]  # megatron-compat: ignore[MTC201]\n'
    )
    assert findings == []


def test_escaped_words_are_reported_not_rewritten():
    findings = check_noop('cmd = "train --tokenizer-type \\\\\\nGPT2BPETokenizer"\n')
    assert all(not f.fixed for f in findings)
