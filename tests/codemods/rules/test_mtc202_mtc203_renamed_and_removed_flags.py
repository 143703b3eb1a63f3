"""MTC202 renamed-flag and MTC203 removed-flag inside Python argv lists."""

from __future__ import annotations

from rewrite_checks import PYTHON

check_transformed = PYTHON.check_transformed


def test_equals_form_and_renamed_and_removed_flags():
    check_transformed(
        'argv = ("--tokenizer-type=TikTokenizer", "--tiktoken-special-tokens", "<s>", '
        '"--tokenizer-hf-use-fast")\n',
        'argv = ("--tokenizer-library=tiktoken", "--tokenizer-special-tokens", "<s>")\n',
    )


def test_deleting_flags_keeps_a_tuple_a_tuple():
    check_transformed('a = ("--legacy-tokenizer", x)\n', "a = (x,)\n")
    check_transformed('a = "--legacy-tokenizer",\n', "a = ()\n")
