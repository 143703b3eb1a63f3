"""MTC204 dynamic-tokenizer-type inside Python: a type known only at run time."""

from __future__ import annotations

from rewrite_checks import PYTHON

check_noop = PYTHON.check_noop


def test_variable_type_is_reported():
    findings = check_noop('subprocess.run(["python", "t.py", "--tokenizer-type", kind])\n')
    assert [(f.code, f.fixed) for f in findings] == [("MTC204", False)]
    assert "HuggingFaceTokenizer: --tokenizer-library huggingface" in findings[0].suggestion
