"""MTC102 model-type in Python metadata literals and write_metadata calls."""

from __future__ import annotations

from rewrite_checks import PYTHON

check_transformed = PYTHON.check_transformed


def test_positional_model_type_makes_later_arguments_keywords():
    check_transformed(
        'MegatronTokenizer.write_metadata("d", "sentencepiece", "gpt", None, tmpl, True)\n',
        'MegatronTokenizer.write_metadata("d", "sentencepiece", tokenizer_class=None, '
        "chat_template=tmpl, overwrite=True)\n",
    )


def test_model_type_keyword_is_dropped():
    check_transformed(
        'MegatronTokenizer.write_metadata("d", tokenizer_library="sft", model_type="gpt")\n',
        'MegatronTokenizer.write_metadata("d", tokenizer_library="huggingface")\n',
    )
