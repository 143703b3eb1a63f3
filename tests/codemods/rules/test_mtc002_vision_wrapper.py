"""MTC002 vision-wrapper: DefaultTokenizerVision becomes MegatronTokenizerVision."""

from __future__ import annotations

from rewrite_checks import PYTHON

check_transformed = PYTHON.check_transformed


def test_vision_wrapper():
    findings = check_transformed(
        "from megatron.core.tokenizers.vision.models.default_tokenizer import "
        "DefaultTokenizerVision\n",
        "from megatron.core.tokenizers.vision import MegatronTokenizerVision\n",
    )
    assert [finding.code for finding in findings] == ["MTC002"]
