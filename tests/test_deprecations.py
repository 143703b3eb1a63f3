"""The deprecation table is consistent: every legacy name has one rule, one replacement."""

from compat import deprecations as d


def test_every_rule_code_is_unique_and_well_formed():
    assert len(d.RULES) == len({r.name for r in d.RULES.values()})
    assert all(code.startswith("MTC") and len(code) == 6 for code in d.RULES)


def test_all_twelve_tokenizer_types_map_to_a_new_library_and_mode():
    assert len(d.TOKENIZER_TYPES) == 12
    for tokenizer_type in d.TOKENIZER_TYPES.values():
        assert tokenizer_type.library in d.NEW_LIBRARIES
        assert tokenizer_type.mode in d.TOKENIZER_MODES


def test_megatron_types_name_their_model_and_null_splits_by_mode():
    assert d.TOKENIZER_TYPES["GPT2BPETokenizer"].new_flags == (
        "--tokenizer-library",
        "megatron",
        "--tokenizer-model",
        "GPT2BPETokenizer",
    )
    assert d.TOKENIZER_TYPES["NullTokenizer"].resolved_library == "null-text"
    assert d.TOKENIZER_TYPES["NullMultimodalTokenizer"].new_flags == (
        "--tokenizer-library",
        "null",
        "--tokenizer-mode",
        "multimodal",
    )


def test_legacy_modules_are_only_modules_the_new_api_deleted():
    assert f"{d.MEGATRON_ROOT}.text.models.gpt_tokenizer" in d.LEGACY_MODULES
    assert f"{d.MEGATRON_ROOT}.text.libraries" not in d.LEGACY_MODULES


def test_every_wrapper_class_path_maps_to_a_facade():
    for class_name, class_path in d.LEGACY_CLASS_PATHS.values():
        assert (class_name, class_path) in (d.TEXT_FACADE, d.VISION_FACADE)


def test_compat_target_rewrites_only_the_tokenizers_tree():
    assert d.compat_path("megatron.core.tokenizers.text") == "compat.tokenizers.text"
    assert d.compat_path("megatron.core.models") == "megatron.core.models"
    assert d.compat_path("megatron.core.tokenizersx") == "megatron.core.tokenizersx"
