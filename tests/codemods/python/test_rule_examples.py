"""Every example in the rule registry (what --explain and the rule pages show) does what it says."""

from __future__ import annotations

import pytest

from codemods.core import Options
from codemods.kinds import kind_named
from codemods.rules import all_rules
from compat.deprecations import RULES

EXAMPLES = [
    pytest.param(rule, example, id=f"{rule.code}-{index}")
    for rule in all_rules()
    for index, example in enumerate(rule.examples)
]


def test_every_rule_has_one_module():
    assert [rule.code for rule in all_rules()] == sorted(RULES)


@pytest.mark.parametrize("rule,example", EXAMPLES)
def test_example(rule, example):
    kind = kind_named(example.kind)
    result = kind.rewrite(example.before, "example", Options())
    if example.after is None:
        assert result.new_text == example.before
        assert [f for f in result.findings if not f.fixed and f.code == rule.code]
    else:
        assert result.new_text == example.after
        kind.validate(result.new_text)
        assert any(f.fixed and f.code == rule.code for f in result.findings)
        assert kind.rewrite(result.new_text, "example", Options()).new_text == result.new_text


def test_docs_list_every_rule():
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[3] / "docs" / "migrate.md").read_text()
    for code, rule in RULES.items():
        assert f"| {code} | {rule.name} |" in docs
