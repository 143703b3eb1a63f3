"""MTC003: SFTTokenizer(path, prompt_format) → MegatronTokenizer.from_pretrained(...)."""

from __future__ import annotations

from rewrite_checks import PYTHON

check_noop = PYTHON.check_noop
check_transformed = PYTHON.check_transformed

SFT = "megatron.core.tokenizers.text.libraries.sft_tokenizer"
NEW = 'metadata_path={"library": "huggingface"}'


def test_positional_call_and_import():
    findings = check_transformed(
        f"""\
        from {SFT} import SFTTokenizer
        tok = SFTTokenizer("my_hf_dir", "nemotron-nano-v2")
        """,
        "from megatron.core.tokenizers import MegatronTokenizer\n"
        f'tok = MegatronTokenizer.from_pretrained("my_hf_dir", {NEW}, '
        'prompt_format="nemotron-nano-v2")\n',
    )
    assert {(f.code, f.fixed) for f in findings} == {("MTC003", True)}


def test_keywords_in_any_order_keep_their_values():
    check_transformed(
        """\
        from megatron.core.tokenizers.text.libraries import SFTTokenizer
        tok = SFTTokenizer(prompt_format=fmt, tokenizer_path=paths[0])
        """,
        f"""\
        from megatron.core.tokenizers import MegatronTokenizer
        tok = MegatronTokenizer.from_pretrained(tokenizer_path=paths[0], {NEW}, prompt_format=fmt)
        """,
    )


def test_multiline_call_keeps_layout():
    check_transformed(
        f"""\
        from {SFT} import SFTTokenizer
        tok = SFTTokenizer(
            "my_hf_dir",
            "identity",
        )
        """,
        f"""\
        from megatron.core.tokenizers import MegatronTokenizer
        tok = MegatronTokenizer.from_pretrained(
            "my_hf_dir",
            {NEW},
            prompt_format="identity",
        )
        """,
    )


def test_existing_facade_import_is_not_duplicated():
    check_transformed(
        f"""\
        from megatron.core.tokenizers import MegatronTokenizer
        from {SFT} import SFTTokenizer
        tok = SFTTokenizer(p, f)
        """,
        f"""\
        from megatron.core.tokenizers import MegatronTokenizer
        tok = MegatronTokenizer.from_pretrained(p, {NEW}, prompt_format=f)
        """,
    )


def test_module_attribute_call():
    check_transformed(
        f"""\
        import {SFT} as sft
        tok = sft.SFTTokenizer(p, f)
        """,
        f"""\
        from megatron.core.tokenizers import MegatronTokenizer

        tok = MegatronTokenizer.from_pretrained(p, {NEW}, prompt_format=f)
        """,
    )


def test_other_uses_are_reported_and_the_import_kept():
    findings = check_noop(
        f"""\
        from {SFT} import SFTTokenizer
        class Mine(SFTTokenizer):
            pass
        tok = SFTTokenizer(p, f, extra=1)
        """
    )
    assert [(f.code, f.line, f.fixed) for f in findings] == [
        ("MTC003", 2, False),
        ("MTC003", 4, False),
    ]
    assert all("from_pretrained" in f.suggestion for f in findings)


def test_star_arguments_are_reported():
    findings = check_noop(f"from {SFT} import SFTTokenizer\ntok = SFTTokenizer(*args)\n")
    assert [(f.code, f.fixed) for f in findings] == [("MTC003", False)]


def test_a_rewritten_call_beside_a_kept_use_imports_the_facade():
    # the legacy import stays for the isinstance check; the rewritten call needs its own import
    findings = check_transformed(
        f"""\
        from {SFT} import SFTTokenizer

        tok = SFTTokenizer(path, "identity")
        assert isinstance(tok, SFTTokenizer)
        """,
        f"""\
        from {SFT} import SFTTokenizer
        from megatron.core.tokenizers import MegatronTokenizer

        tok = MegatronTokenizer.from_pretrained(path, {NEW}, prompt_format="identity")
        assert isinstance(tok, SFTTokenizer)
        """,
    )
    assert [(f.line, f.fixed) for f in findings] == [(3, True), (4, False)]
