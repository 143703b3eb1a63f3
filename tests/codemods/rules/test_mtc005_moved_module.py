"""MTC005 moved-module: names imported from their new modules."""

from __future__ import annotations

from rewrite_checks import PYTHON

check_transformed = PYTHON.check_transformed
TEXT = "megatron.core.tokenizers.text"


def test_moved_build_tokenizer():
    check_transformed(
        f"from {TEXT}.utils.build_tokenizer import build_tokenizer\n",
        "from megatron.core.tokenizers.utils.build_tokenizer import build_tokenizer\n",
    )
