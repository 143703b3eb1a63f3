"""MTC103 deleted-class-path in Python metadata literals."""

from __future__ import annotations

from rewrite_checks import PYTHON

check_transformed = PYTHON.check_transformed


def test_deleted_class_path_in_a_literal():
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
