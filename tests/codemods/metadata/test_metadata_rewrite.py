"""tokenizer_metadata.json: library, model_type and class_path of deleted modules, format kept."""

from __future__ import annotations

import json
import warnings
from pathlib import PurePath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rewrite_checks import RewriteChecks

from codemods.core import UnparsableError
from codemods.metadata import KIND, matches, validate
from compat.deprecations import (
    DELETED_CLASS_PATH,
    G1_NULL_LIBRARY,
    LEGACY_CLASS_PATHS,
    LEGACY_LIBRARIES,
    LEGACY_LIBRARY,
    LEGACY_MODEL_TYPES,
    MODEL_TYPE,
)

TEXT_MODELS = "megatron.core.tokenizers.text.models"
# what a rewritten "sft" library leaves in the file for the person who must add a prompt format
SFT_TODO = (
    "MTC101 this was an SFT tokenizer; the prompt format is not stored in metadata, so pass it "
    "wherever the tokenizer is loaded, or it loads as a plain text tokenizer; "
    "MegatronTokenizer.from_pretrained(..., prompt_format=<format>), or --tokenizer-mode sft "
    "--tokenizer-prompt-format <format>"
)
VISION_MODELS = "megatron.core.tokenizers.vision.models"


_CHECKS = RewriteChecks(KIND, "tok/tokenizer_metadata.json", dedent=False)
run, check = _CHECKS.run, _CHECKS.check_transformed


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(  # exactly what G1's write_metadata writes (json.dump, one line)
            '{"library": "sentencepiece", "class_name": null, "class_path": null, "model_type": '
            '"default", "chat_template": null}',
            '{"library": "sentencepiece", "class_name": null, "class_path": null, "model_type": '
            '"default-text", "chat_template": null}',
            id="G1-default",
        ),
        pytest.param(
            '{"library": "sft", "model_type": "default-text"}',
            f'{{"TODO[megatron-tokenizer]": ["{SFT_TODO}"], "library": "huggingface", '
            '"model_type": "default-text"}',
            id="G2-sft",
        ),
        pytest.param(
            '{\n    "library": "sentencepiece",\n    "model_type": "gpt"\n}\n',
            '{\n    "library": "sentencepiece",\n    "model_type": "default-text"\n}\n',
            id="indented-gpt-model-type",
        ),
        pytest.param(
            '{"library": "multimodal", "model_type": "default"}',
            '{"library": "multimodal", "model_type": "default-vision"}',
            id="vision-library",
        ),
        pytest.param(
            f'{{"library": "huggingface", "class_name": "GPTTokenizer",\n'
            f'  "class_path": "{TEXT_MODELS}.gpt_tokenizer", "model_type": null}}',
            '{"library": "huggingface", "class_name": "MegatronTokenizerText",\n'
            '  "class_path": "megatron.core.tokenizers.text.text_tokenizer", "model_type": null}',
            id="written-with-tokenizer_class",
        ),
        pytest.param(
            f'{{"library": "multimodal", "class_path": "{VISION_MODELS}.default_tokenizer"}}',
            '{"library": "multimodal", "class_path": '
            '"megatron.core.tokenizers.vision.vision_tokenizer", "class_name": '
            '"MegatronTokenizerVision"}',
            id="class_name-added-beside-class_path",
        ),
        pytest.param(
            f'{{\n  "class_path": "{TEXT_MODELS}.bert_tokenizer",\n  "library": "megatron"\n}}',
            '{\n  "class_path": "megatron.core.tokenizers.text.text_tokenizer",\n'
            '  "class_name": "MegatronTokenizerText",\n  "library": "megatron"\n}',
            id="added-member-laid-out-like-its-neighbours",
        ),
    ],
)
def test_rewrites(before, after):
    findings = check(before, after)
    assert findings and all(f.fixed for f in findings if "SFT" not in f.message)


@pytest.mark.parametrize(
    "text",
    [
        (
            '{"library": "huggingface", "class_name": null, "class_path": null, '
            '"model_type": "default-text", "chat_template": null}'
        ),  # G2/G3 default
        (
            '{"library": "sentencepiece", "class_name": "MegatronTokenizerText", "class_path": '
            '"megatron.core.tokenizers.text.text_tokenizer", "chat_template": null}'
        ),  # MAIN
        '{"library": "tiktoken", "model_type": "my-own-type", "class_path": "mypkg.tok"}',
        "{}",
    ],
)
def test_current_or_foreign_metadata_is_left_alone(text):
    result = run(text)
    assert result.new_text == text and not result.findings


def test_unicode_key_order_and_other_keys_kept():
    before = (
        '{"chat_template": "{{ \'héllo\' }}\\u00e9", "library": "sft",\n'
        ' "extra": [1, 2, {"model_type": "default"}]}'
    )
    after = run(before).new_text
    assert after == before.replace(
        '{"chat', f'{{"TODO[megatron-tokenizer]": ["{SFT_TODO}"], "chat'
    ).replace('"sft"', '"huggingface"')
    assert list(json.loads(after)) == [
        "TODO[megatron-tokenizer]",
        "chat_template",
        "library",
        "extra",
    ]


def test_g1_null_library_is_noted_not_renamed_its_sizes_are_passed_where_it_loads():
    # "null" has N + 1 ids in the new API, "null-text" N: renaming the file alone changes them
    text = '{"library": "null", "model_type": "default"}'
    result = run(text)
    assert result.new_text == '{"library": "null", "model_type": "default-text"}'
    null = [f for f in result.findings if f.code == LEGACY_LIBRARY.code]
    assert [(f.informational, f.fixed) for f in null] == [(True, False)]
    assert "vocab_size=N + 1" in null[0].message
    # Megatron-LM main has no "null" library: there it is a site for a person
    upstream = [f for f in run(text, target="upstream").findings if f.code == LEGACY_LIBRARY.code]
    assert [(f.informational, f.fixed) for f in upstream] == [(False, False)]


def test_a_site_the_rewrite_erases_stays_in_the_file_until_someone_deletes_it():
    before = '{\n  "library": "sft",\n  "chat_template": null\n}\n'
    first = run(before)
    assert [(f.code, f.fixed) for f in first.findings] == [
        (LEGACY_LIBRARY.code, True),
        (LEGACY_LIBRARY.code, False),
    ]
    assert first.new_text == (
        f'{{\n  "TODO[megatron-tokenizer]": ["{SFT_TODO}"],\n'
        '  "library": "huggingface",\n  "chat_template": null\n}\n'
    )
    second = run(first.new_text)
    assert second.new_text == first.new_text  # reported again, never added twice
    [left] = second.findings
    assert (left.code, left.fixed, left.line) == (LEGACY_LIBRARY.code, False, 2)
    assert left.message.startswith("this was an SFT tokenizer")
    assert "delete this entry" in left.suggestion
    done = json.loads(first.new_text)
    del done["TODO[megatron-tokenizer]"]
    assert not run(json.dumps(done)).findings


def test_the_entries_of_a_todo_member_written_by_hand_are_reported():
    text = (
        '{"TODO[megatron-tokenizer]": ["MTC101: check the prompt format", 3], '
        '"library": "huggingface"}'
    )
    result = run(text)
    assert result.new_text == text
    assert [(f.code, f.message) for f in result.findings] == [
        (LEGACY_LIBRARY.code, "check the prompt format")
    ]


def test_findings_name_the_rule_line_and_fix():
    findings = run(
        '{\n "library": "sft",\n "model_type": "default",\n '
        f'"class_path": "{TEXT_MODELS}.default_tokenizer"\n}}'
    ).findings
    assert [(f.line, f.code, f.fixed) for f in findings] == [
        (2, LEGACY_LIBRARY.code, True),
        (2, LEGACY_LIBRARY.code, False),
        (3, MODEL_TYPE.code, True),
        (4, DELETED_CLASS_PATH.code, True),
    ]
    # SFT moved out of the metadata: the person must pass the prompt format when loading
    assert "prompt_format=" in findings[1].suggestion


def test_select_and_ignore():
    text = '{"library": "sft", "model_type": "default"}'
    only_library = run(text, select=frozenset({LEGACY_LIBRARY.code})).new_text
    assert only_library == (
        f'{{"TODO[megatron-tokenizer]": ["{SFT_TODO}"], '
        '"library": "huggingface", "model_type": "default"}'
    )
    no_library = run(text, ignore=frozenset({LEGACY_LIBRARY.code})).new_text
    assert no_library == '{"library": "sft", "model_type": "default-text"}'


@pytest.mark.parametrize(
    "text",
    [
        '{"library": "null",}',  # trailing comma
        '{"library": "null"',  # truncated
        '["library", "null"]',  # not an object
        "",
        "library: null",
    ],
)
def test_malformed_json_is_reported_and_left_untouched(text):
    with pytest.raises(UnparsableError, match="not a valid tokenizer metadata file"):
        run(text)


def test_validate_rejects_broken_json():
    with pytest.raises(UnparsableError):
        validate("{")
    validate('{"library": "null-text"}')


@pytest.mark.parametrize(
    "path, expected",
    [
        ("a/b/tokenizer_metadata.json", True),
        ("tokenizer_metadata.json", True),
        ("a/metadata.json", False),
        ("a/tokenizer_metadata.json.bak", False),
    ],
)
def test_matches_by_file_name(path, expected):
    assert matches(PurePath(path), "") is expected


# --- differential: files the real old code wrote load on the new API, without warnings --------


@pytest.mark.parametrize(
    "library, model_type", [("sentencepiece", None), ("sentencepiece", "gpt"), ("null", None)]
)
def test_files_written_by_megatron_core_load_after_migration_with_their_sizes(
    megatron_core, sentencepiece_v1, tmp_path, library, model_type
):
    from megatron.core.tokenizers import MegatronTokenizer as OldTokenizer

    from compat.tokenizers import MegatronTokenizer

    metadata_path = tmp_path / "tokenizer_metadata.json"
    OldTokenizer.write_metadata(
        str(sentencepiece_v1), library, model_type, metadata_path=str(metadata_path)
    )
    old_text = metadata_path.read_text()
    new_text = run(old_text).new_text
    assert new_text != old_text
    metadata_path.write_text(new_text)
    path = None if library == "null" else str(sentencepiece_v1)
    kwargs = {"vocab_size": 100} if library == "null" else {}
    with warnings.catch_warnings():
        # G1's "null" stays (renaming it would change its sizes): it still warns
        warnings.simplefilter("default" if library == "null" else "error")
        migrated = MegatronTokenizer.from_pretrained(
            path, metadata_path=str(metadata_path), **kwargs
        )
    old = OldTokenizer.from_pretrained(path, metadata_path=json.loads(old_text), **kwargs)
    assert migrated.vocab_size == old.vocab_size
    if library != "null":
        assert migrated.tokenize("Hello world") == old.tokenize("Hello world")


# --- properties: any layout json.dump produces is kept; only the legacy values change ---------

_OTHER_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=3),
)
_METADATA = st.fixed_dictionaries(
    {"library": st.sampled_from(["null", "sft", "huggingface", "multimodal", "tiktoken"])},
    optional={
        "model_type": st.sampled_from(["default", "gpt", "t5", "default-text", None, "mine"]),
        "class_path": st.sampled_from(
            [
                f"{TEXT_MODELS}.gpt_tokenizer",
                f"{TEXT_MODELS}",
                f"{VISION_MODELS}.default_tokenizer",
                "my.module",
                None,
            ]
        ),
        "class_name": st.sampled_from(["GPTTokenizer", None]),
        "chat_template": st.one_of(st.none(), st.text(max_size=12)),
        "extra": _OTHER_VALUES,
    },
)


def _intended(metadata: dict) -> dict:
    expected = dict(metadata)
    if expected["library"] == "sft":
        expected = {"TODO[megatron-tokenizer]": [SFT_TODO], **expected}
    if expected["library"] in LEGACY_LIBRARIES and expected["library"] != G1_NULL_LIBRARY:
        expected["library"] = LEGACY_LIBRARIES[expected["library"]].new
    vision = expected["library"] in ("multimodal", "null-multimodal")
    current = "default-vision" if vision else "default-text"
    if expected.get("model_type") in LEGACY_MODEL_TYPES:
        expected["model_type"] = current
    if expected.get("class_path") in LEGACY_CLASS_PATHS:
        expected["class_name"], expected["class_path"] = LEGACY_CLASS_PATHS[expected["class_path"]]
    return expected


@settings(max_examples=200, deadline=None)
@given(_METADATA, st.sampled_from([None, 2, 4, "\t"]), st.booleans())
def test_any_json_dump_layout_is_kept_and_only_legacy_values_change(metadata, indent, ascii_only):
    text = json.dumps(metadata, indent=indent, ensure_ascii=ascii_only)
    result = run(text)
    expected = _intended(metadata)
    assert json.loads(result.new_text) == expected
    assert run(result.new_text).new_text == result.new_text
    if (
        "class_name" in metadata or "class_path" not in expected or expected == metadata
    ) and metadata["library"] != "sft":
        # no member added: the result is what json.dumps writes for the intended dict
        assert result.new_text == json.dumps(expected, indent=indent, ensure_ascii=ascii_only)
