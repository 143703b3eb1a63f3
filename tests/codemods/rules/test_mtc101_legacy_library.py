"""MTC101 legacy-library in Python metadata literals and write_metadata calls."""

from __future__ import annotations

from rewrite_checks import PYTHON

check_noop = PYTHON.check_noop
check_transformed = PYTHON.check_transformed


def test_reference_example_null_library_and_model_type_keep_the_null_sizes():
    # megatron-tokenizer-api.md §10.2, "before (G1)" / "after (G3)", with upstream #4057's sizes:
    # G1's "null" had N + 1 ids, "null-text" has N since megatron-core 0.18
    findings = check_transformed(
        """\
        MegatronTokenizer.write_metadata("tok_dir", "null", "default")
        tok = MegatronTokenizer.from_pretrained(metadata_path={"library": "null"}, vocab_size=32000)
        """,
        'MegatronTokenizer.write_metadata("tok_dir", "null")\n'
        'tok = MegatronTokenizer.from_pretrained(metadata_path={"library": "null-text"}, '
        "vocab_size=32001)\n",
    )
    # the file write_metadata writes is loaded elsewhere: its "null" is noted, not renamed
    assert [(f.line, f.code, f.state) for f in findings if f.code == "MTC101"] == [
        (1, "MTC101", "info"),
        (2, "MTC101", "fixed"),
    ]


def test_null_sizes_follow_any_vocab_size_expression():
    check_transformed(
        'MegatronTokenizer.from_pretrained(metadata_path={"library": "null"}, '
        "vocab_size=args.vocab_size - extra)\n",
        'MegatronTokenizer.from_pretrained(metadata_path={"library": "null-text"}, '
        "vocab_size=(args.vocab_size - extra) + 1)\n",
    )


def test_null_without_a_visible_vocab_size_is_noted():
    findings = check_noop(
        'MegatronTokenizer.from_pretrained(metadata_path={"library": "null"}, **kwargs)\n'
    )
    assert [(f.code, f.state) for f in findings] == [("MTC101", "info")]


def test_sft_library_with_prompt_format():
    check_transformed(
        'MegatronTokenizer.from_pretrained("d", metadata_path={"library": "sft"}, '
        'prompt_format="identity")\n',
        'MegatronTokenizer.from_pretrained("d", metadata_path={"library": "huggingface"}, '
        'prompt_format="identity")\n',
    )


def test_sft_library_without_prompt_format_is_reported():
    findings = check_noop(
        'MegatronTokenizer.from_pretrained("d", metadata_path={"library": "sft"})\n'
    )
    assert [(f.code, f.fixed) for f in findings] == [("MTC101", False)]
    assert "prompt_format" in findings[0].suggestion


def test_non_literal_metadata_and_other_libraries_are_left_alone():
    assert (
        check_noop(
            """\
        MegatronTokenizer.from_pretrained("d", metadata_path=meta)
        AutoTokenizer.from_pretrained("gpt2")
        MegatronTokenizer.from_pretrained("d", metadata_path={"library": "tiktoken"})
        """
        )
        == []
    )
