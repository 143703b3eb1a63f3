"""MTC006 removed-constant: reported at the import, with the replacement to use."""

from __future__ import annotations

from rewrite_checks import PYTHON

check_noop = PYTHON.check_noop
check_transformed = PYTHON.check_transformed


def test_removed_constant_is_reported_not_rewritten():
    findings = check_noop(
        "from megatron.core.tokenizers.megatron_tokenizer import TOKENIZER_LIBRARIES\n"
        "print(TOKENIZER_LIBRARIES)\n"
    )
    assert [(f.code, f.fixed, f.line) for f in findings] == [("MTC006", False, 1)]
    assert "VISION_LIBRARIES" in findings[0].suggestion


def test_add_todo_puts_a_comment_above_manual_sites():
    check_transformed(
        "from megatron.core.tokenizers.megatron_tokenizer import TOKENIZER_MAPPING_NAMES\n",
        "# TODO[megatron-tokenizer]: MTC006 megatron.core.tokenizers.megatron_tokenizer."
        "TOKENIZER_MAPPING_NAMES was removed\n"
        "from megatron.core.tokenizers.megatron_tokenizer import TOKENIZER_MAPPING_NAMES\n",
        add_todo=True,
    )
