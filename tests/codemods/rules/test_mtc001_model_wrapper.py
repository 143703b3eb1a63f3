"""MTC001 model-wrapper: the text wrappers become MegatronTokenizerText (deprecated-alias fixer)."""

from __future__ import annotations

from rewrite_checks import PYTHON

check_noop = PYTHON.check_noop
check_transformed = PYTHON.check_transformed
TEXT = "megatron.core.tokenizers.text"


def test_submodule_import_and_uses():
    findings = check_transformed(
        f"""\
        from {TEXT}.models.gpt_tokenizer import GPTTokenizer

        def build(path) -> GPTTokenizer:
            tok = GPTTokenizer(path)
            assert isinstance(tok, GPTTokenizer)
            return tok
        """,
        f"""\
        from {TEXT} import MegatronTokenizerText

        def build(path) -> MegatronTokenizerText:
            tok = MegatronTokenizerText(path)
            assert isinstance(tok, MegatronTokenizerText)
            return tok
        """,
    )
    assert {finding.code for finding in findings} == {"MTC001"}
    assert all(finding.fixed for finding in findings)
    assert [finding.line for finding in findings] == [1, 3, 4, 5]


def test_alias_keeps_its_local_name():
    check_transformed(
        f"""\
        from {TEXT}.models import BertTokenizer as BT
        x = BT
        """,
        f"""\
        from {TEXT} import MegatronTokenizerText as BT
        x = BT
        """,
    )


def test_as_alias_equal_to_new_name_is_dropped():
    check_transformed(
        f"from {TEXT}.models import T5Tokenizer as MegatronTokenizerText\n",
        f"from {TEXT} import MegatronTokenizerText\n",
    )


def test_module_attribute_access_and_unused_module_import():
    check_transformed(
        f"""\
        import {TEXT}.models as models

        class Mine(models.MambaTokenizer):
            pass
        """,
        f"""\
        from {TEXT} import MegatronTokenizerText

        class Mine(MegatronTokenizerText):
            pass
        """,
    )


def test_module_import_kept_while_still_used():
    check_transformed(
        f"""\
        from {TEXT} import models
        a = models.GPTTokenizer
        b = models.something_else
        """,
        f"""\
        from {TEXT} import MegatronTokenizerText, models
        a = MegatronTokenizerText
        b = models.something_else
        """,
    )


def test_duplicate_names_after_renaming_are_merged():
    check_transformed(
        f"""\
        from {TEXT}.models import GPTTokenizer, BertTokenizer

        class Both(GPTTokenizer, BertTokenizer):
            pass

        ok = isinstance(t, (GPTTokenizer, BertTokenizer))
        """,
        f"""\
        from {TEXT} import MegatronTokenizerText

        class Both(MegatronTokenizerText):
            pass

        ok = isinstance(t, MegatronTokenizerText)
        """,
    )


def test_mixed_import_line_keeps_other_names():
    check_transformed(
        f"from {TEXT}.libraries.sft_tokenizer import IGNORE_INDEX, PromptConfig  # kept\n"
        "print(IGNORE_INDEX, PromptConfig)\n",
        "from megatron.core.tokenizers.conversation.conversation_tokenizer import IGNORE_INDEX  "
        "# kept\n"
        "from megatron.core.tokenizers.conversation.prompt_config import PromptConfig\n"
        "print(IGNORE_INDEX, PromptConfig)\n",
    )


def test_target_compat():
    check_transformed(
        f"from {TEXT}.models import GPTTokenizer\n",
        "from compat.tokenizers.text import MegatronTokenizerText\n",
        target="compat",
    )


def test_suppressed_use_keeps_the_legacy_import():
    findings = check_transformed(
        f"""\
        from {TEXT}.models import GPTTokenizer
        a = GPTTokenizer  # megatron-compat: ignore[MTC001]
        b = GPTTokenizer
        """,
        f"""\
        from {TEXT}.models import GPTTokenizer
        a = GPTTokenizer  # megatron-compat: ignore[MTC001]
        b = GPTTokenizer
        """,
    )
    assert [(f.line, f.fixed) for f in findings] == [(3, False)]
    assert "line 2" in findings[0].suggestion


def test_ignore_option_disables_the_rule():
    assert (
        check_noop(f"from {TEXT}.models import GPTTokenizer\n", ignore=frozenset({"MTC001"})) == []
    )


def test_select_other_rule_leaves_it():
    check_noop(f"from {TEXT}.models import GPTTokenizer\n", select=frozenset({"MTC003"}))


def test_same_names_from_other_libraries_are_left_alone():
    assert (
        check_noop(
            """\
        from transformers import BertTokenizer, T5Tokenizer
        tok = BertTokenizer.from_pretrained("bert-base-uncased")
        isinstance(tok, T5Tokenizer)
        """
        )
        == []
    )


def test_star_import_is_reported():
    findings = check_noop(f"from {TEXT}.models import *\n")
    assert [(f.code, f.fixed) for f in findings] == [("MTC001", False)]


def test_every_compat_target_the_codemod_writes_exists():
    import importlib

    from compat.deprecations import LEGACY_NAMES, compat_path

    for entry in LEGACY_NAMES:
        if entry.new_module is None or entry.new_name is None:
            continue
        module = importlib.import_module(compat_path(entry.new_module))
        assert hasattr(module, entry.new_name), f"{compat_path(entry.new_module)}.{entry.new_name}"
