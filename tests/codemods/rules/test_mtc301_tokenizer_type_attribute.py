"""MTC301: reads of args.tokenizer_type and tokenizer_type= keywords are reported, not rewritten."""

from __future__ import annotations

from rewrite_checks import PYTHON

check_noop = PYTHON.check_noop


def test_comparison_gets_a_mode_suggestion():
    findings = check_noop('if args.tokenizer_type == "SFTTokenizer":\n    pass\n')
    assert [(f.code, f.fixed, f.line, f.col) for f in findings] == [("MTC301", False, 1, 4)]
    assert findings[0].suggestion == 'args.tokenizer_mode == "sft"'


def test_megatron_type_comparison_names_library_and_model():
    findings = check_noop('ok = cfg.args.tokenizer_type != "GPT2BPETokenizer"\n')
    assert findings[0].suggestion == (
        'cfg.args.tokenizer_library != "megatron" or '
        'cfg.args.tokenizer_model != "GPT2BPETokenizer"'
    )


def test_keyword_and_args_defaults():
    findings = check_noop(
        'build(tokenizer_type="HuggingFaceTokenizer")\n'
        'pretrain(args_defaults={"tokenizer_type": "NullTokenizer"})\n'
    )
    assert [f.suggestion for f in findings] == [
        'tokenizer_library="huggingface"',
        '"tokenizer_library": "null"',
    ]


def test_getattr_and_assignment():
    findings = check_noop('getattr(args, "tokenizer_type", None)\nargs.tokenizer_type = None\n')
    assert [f.line for f in findings] == [1, 2]
    assert all("tokenizer_library" in f.suggestion for f in findings)


def test_nemo_files_are_left_alone():
    assert check_noop("import nemo\ncfg.tokenizer_type = 'bpe'\n") == []


def test_suppressed():
    assert check_noop("x = args.tokenizer_type  # megatron-compat: ignore\n") == []
