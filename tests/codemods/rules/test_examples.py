"""Every example in the rule registry (what --explain and the rule pages show) does what it says."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from codemods import migrate
from codemods.core import Options
from codemods.kinds import kind_named
from codemods.rule_docs import rule_page, with_rule_table
from codemods.rules import all_rules, rule_for
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
        assert all(not f.fixed for f in result.findings)
    else:
        assert result.new_text == example.after
        kind.validate(result.new_text)
        assert any(f.fixed and f.code == rule.code for f in result.findings)
        assert kind.rewrite(result.new_text, "example", Options()).new_text == result.new_text


def test_rule_pages_are_written_from_the_registry():
    docs = Path(__file__).resolve().parents[3] / "docs"
    for rule in all_rules():
        assert (docs / "rules" / f"{rule.code}.md").read_text() == rule_page(rule), (
            "run `python -m codemods.rule_docs` to regenerate the rule pages"
        )
    migrate_doc = (docs / "migrate.md").read_text()
    assert with_rule_table(migrate_doc) == migrate_doc
    assert sorted(path.stem for path in (docs / "rules").glob("*.md")) == sorted(RULES)


def test_explain_prints_the_rule_page():
    out, err = io.StringIO(), io.StringIO()
    assert migrate.main(["--explain", "removed-flag"], stdout=out, stderr=err) == migrate.EXIT_OK
    assert out.getvalue() == rule_page(rule_for("MTC203"))
    assert migrate.main(["--explain", "MTC999"], stdout=out, stderr=err) == migrate.EXIT_USAGE
    assert "unknown rule code 'MTC999'" in err.getvalue()
