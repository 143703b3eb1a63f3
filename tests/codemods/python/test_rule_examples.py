"""Every example in the rule registry (the ones ``docs/migrate.md`` shows) does what it says."""

from __future__ import annotations

import pytest

from codemods.core import Options
from codemods.kinds import kind_named
from codemods.rules import families
from compat.deprecations import RULES

EXAMPLES = [
    pytest.param(family, example, id=f"{family.name}-{index}")
    for family in families()
    for index, example in enumerate(family.examples)
]


def test_every_rule_belongs_to_exactly_one_family():
    codes = [rule.code for family in families() for rule in family.rules]
    assert sorted(codes) == sorted(RULES)


@pytest.mark.parametrize("family,example", EXAMPLES)
def test_example(family, example):
    kind = kind_named(example.kind)
    result = kind.rewrite(example.before, "example", Options())
    family_codes = {rule.code for rule in family.rules}
    if example.after is None:
        assert result.new_text == example.before
        assert [f for f in result.findings if not f.fixed and f.code in family_codes]
    else:
        assert result.new_text == example.after
        kind.validate(result.new_text)
        assert any(f.fixed and f.code in family_codes for f in result.findings)
        assert kind.rewrite(result.new_text, "example", Options()).new_text == result.new_text


def test_docs_list_every_rule():
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[3] / "docs" / "migrate.md").read_text()
    for code, rule in RULES.items():
        assert f"| {code} | {rule.name} |" in docs
