"""MTC101-MTC103 in from_pretrained / write_metadata calls."""

from __future__ import annotations


def test_reference_example_null_library_and_model_type(check_transformed):
    # megatron-tokenizer-api.md §10.2, "before (G1)" / "after (G3)"
    check_transformed(
        """\
        MegatronTokenizer.write_metadata("tok_dir", "null", "default")
        tok = MegatronTokenizer.from_pretrained(metadata_path={"library": "null"}, vocab_size=32000)
        """,
        'MegatronTokenizer.write_metadata("tok_dir", "null-text")\n'
        'tok = MegatronTokenizer.from_pretrained(metadata_path={"library": "null-text"}, '
        "vocab_size=32000)\n",
    )


def test_positional_model_type_makes_later_arguments_keywords(check_transformed):
    check_transformed(
        'MegatronTokenizer.write_metadata("d", "sentencepiece", "gpt", None, tmpl, True)\n',
        'MegatronTokenizer.write_metadata("d", "sentencepiece", tokenizer_class=None, '
        "chat_template=tmpl, overwrite=True)\n",
    )


def test_model_type_keyword_is_dropped(check_transformed):
    check_transformed(
        'MegatronTokenizer.write_metadata("d", tokenizer_library="sft", model_type="gpt")\n',
        'MegatronTokenizer.write_metadata("d", tokenizer_library="huggingface")\n',
    )


def test_sft_library_with_prompt_format(check_transformed):
    check_transformed(
        'MegatronTokenizer.from_pretrained("d", metadata_path={"library": "sft"}, '
        'prompt_format="identity")\n',
        'MegatronTokenizer.from_pretrained("d", metadata_path={"library": "huggingface"}, '
        'prompt_format="identity")\n',
    )


def test_sft_library_without_prompt_format_is_reported(check_noop):
    findings = check_noop(
        'MegatronTokenizer.from_pretrained("d", metadata_path={"library": "sft"})\n'
    )
    assert [(f.code, f.fixed) for f in findings] == [("MTC101", False)]
    assert "prompt_format" in findings[0].suggestion


def test_deleted_class_path_in_a_literal(check_transformed):
    check_transformed(
        """\
        MegatronTokenizer.from_pretrained("d", metadata_path={
            "library": "huggingface",
            "class_name": "GPTTokenizer",
            "class_path": "megatron.core.tokenizers.text.models.gpt_tokenizer",
        })
        """,
        """\
        MegatronTokenizer.from_pretrained("d", metadata_path={
            "library": "huggingface",
            "class_name": "MegatronTokenizerText",
            "class_path": "megatron.core.tokenizers.text.text_tokenizer",
        })
        """,
    )


def test_non_literal_metadata_and_other_libraries_are_left_alone(check_noop):
    assert check_noop(
        """\
        MegatronTokenizer.from_pretrained("d", metadata_path=meta)
        AutoTokenizer.from_pretrained("gpt2")
        MegatronTokenizer.from_pretrained("d", metadata_path={"library": "tiktoken"})
        """
    ) == []
