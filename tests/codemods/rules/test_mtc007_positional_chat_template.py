"""MTC007: positional chat_template in apply_chat_template."""

from __future__ import annotations

from rewrite_checks import PYTHON

check_noop = PYTHON.check_noop
check_transformed = PYTHON.check_transformed

HEADER = "from megatron.core.tokenizers import MegatronTokenizer\n"


def test_positional_template_becomes_keyword():
    findings = check_transformed(
        HEADER + "text = lib.apply_chat_template(conversation, template)\n",
        HEADER + "text = lib.apply_chat_template(conversation, chat_template=template)\n",
    )
    assert [(f.code, f.fixed) for f in findings] == [("MTC007", True)]


def test_every_positional_slot_is_named():
    check_transformed(
        HEADER + "lib.apply_chat_template(c, t, False, True, 128, add_generation_prompt=True)\n",
        HEADER + "lib.apply_chat_template(c, chat_template=t, tokenize=False, truncation=True, "
        "max_length=128, add_generation_prompt=True)\n",
    )


def test_keyword_call_is_left_alone():
    assert check_noop(HEADER + "lib.apply_chat_template(c, chat_template=t)\n") == []


def test_file_without_megatron_is_left_alone():
    assert check_noop("tok.apply_chat_template(messages, tools)\n") == []


def test_file_using_transformers_too_is_reported_not_rewritten():
    findings = check_noop(HEADER + "import transformers\nlib.apply_chat_template(c, t)\n")
    assert [(f.code, f.fixed) for f in findings] == [("MTC007", False)]
    assert findings[0].suggestion == "lib.apply_chat_template(c, chat_template=t)"
