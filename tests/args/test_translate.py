"""Table and property tests of the pure argv translator (old tokenizer flags → new)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compat.args import ArgvEdit, Problem, Translation, translate_argv
from compat.deprecations import (
    DEFAULT_SFT_PROMPT_FORMAT,
    FOREIGN_FLAGS,
    LEGACY_FLAGS,
    TOKENIZER_TYPES,
)

# What each old type becomes, spelled out by hand from the reference (§8.2, §10.4), so a wrong
# row in the deprecation table fails here.
EXPECTED_FLAGS = {
    "BertWordPieceLowerCase": [
        "--tokenizer-library",
        "megatron",
        "--tokenizer-model",
        "BertWordPieceLowerCase",
    ],
    "BertWordPieceCase": [
        "--tokenizer-library",
        "megatron",
        "--tokenizer-model",
        "BertWordPieceCase",
    ],
    "GPT2BPETokenizer": [
        "--tokenizer-library",
        "megatron",
        "--tokenizer-model",
        "GPT2BPETokenizer",
    ],
    "SentencePieceTokenizer": ["--tokenizer-library", "sentencepiece"],
    "GPTSentencePieceTokenizer": ["--tokenizer-library", "sentencepiece"],
    "Llama2Tokenizer": ["--tokenizer-library", "sentencepiece"],
    "HuggingFaceTokenizer": ["--tokenizer-library", "huggingface"],
    "TikTokenizer": ["--tokenizer-library", "tiktoken"],
    "MultimodalTokenizer": ["--tokenizer-library", "huggingface", "--tokenizer-mode", "multimodal"],
    "SFTTokenizer": [
        "--tokenizer-library",
        "huggingface",
        "--tokenizer-mode",
        "sft",
        "--tokenizer-prompt-format",
        "nemotron-h-aligned",
    ],
    "NullTokenizer": ["--tokenizer-library", "null"],
    "NullMultimodalTokenizer": ["--tokenizer-library", "null", "--tokenizer-mode", "multimodal"],
}


def as_equals_form(flags: list[str]) -> list[str]:
    return [f"{flags[i]}={flags[i + 1]}" for i in range(0, len(flags), 2)]


def test_every_type_of_the_table_is_covered():
    assert set(EXPECTED_FLAGS) == set(TOKENIZER_TYPES)


@pytest.mark.parametrize("type_name", sorted(EXPECTED_FLAGS))
def test_space_form_is_replaced_in_place(type_name):
    argv = [
        "pretrain_gpt.py",
        "--num-layers",
        "2",
        "--tokenizer-type",
        type_name,
        "--seq-length",
        "8",
    ]
    result = translate_argv(argv)
    assert result.argv == (
        "pretrain_gpt.py",
        "--num-layers",
        "2",
        *EXPECTED_FLAGS[type_name],
        "--seq-length",
        "8",
    )
    assert result.errors == ()
    assert result.changed
    (edit,) = result.edits
    assert (edit.start, edit.stop, edit.code) == (3, 5, "MTC201")
    assert "--tokenizer-type" in edit.message and "MTC201" in edit.message


@pytest.mark.parametrize("type_name", sorted(EXPECTED_FLAGS))
def test_equals_form_stays_equals_form(type_name):
    result = translate_argv(["--foo", f"--tokenizer-type={type_name}", "--bar"])
    assert result.argv == ("--foo", *as_equals_form(EXPECTED_FLAGS[type_name]), "--bar")
    assert result.errors == ()


def test_sft_keeps_its_prompt_format_and_renames_the_flag():
    result = translate_argv(
        [
            "--tokenizer-type",
            "SFTTokenizer",
            "--tokenizer-model",
            "my_hf_dir",
            "--sft-tokenizer-prompt-format",
            "nemotron-nano-v2",
        ]
    )
    assert result.argv == (
        "--tokenizer-library",
        "huggingface",
        "--tokenizer-mode",
        "sft",
        "--tokenizer-model",
        "my_hf_dir",
        "--tokenizer-prompt-format",
        "nemotron-nano-v2",
    )
    assert [edit.code for edit in result.edits] == ["MTC201", "MTC202"]


def test_sft_with_the_new_prompt_format_flag_gets_no_default():
    result = translate_argv(
        ["--tokenizer-type", "SFTTokenizer", "--tokenizer-prompt-format", "identity"]
    )
    assert result.argv == (
        "--tokenizer-library",
        "huggingface",
        "--tokenizer-mode",
        "sft",
        "--tokenizer-prompt-format",
        "identity",
    )


def test_sft_default_prompt_format_comes_from_the_table():
    result = translate_argv(["--tokenizer-type", "SFTTokenizer"])
    assert result.argv[-1] == DEFAULT_SFT_PROMPT_FORMAT


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["--tiktoken-special-tokens", "<a>", "<b>", "--seq-length", "8"],
            ("--tokenizer-special-tokens", "<a>", "<b>", "--seq-length", "8"),
        ),
        (["--tiktoken-special-tokens=<a>", "pos"], ("--tokenizer-special-tokens=<a>", "pos")),
        (["--sft-tokenizer-prompt-format", "identity"], ("--tokenizer-prompt-format", "identity")),
        (["--sft-tokenizer-prompt-format=identity"], ("--tokenizer-prompt-format=identity",)),
        (["--tokenizer-hf-use-fast", "--x"], ("--x",)),
        (["--tokenizer-hf-include-special-tokens"], ()),
        (["a", "--legacy-tokenizer", "b"], ("a", "b")),
        (["--tiktoken-special-tokens", "-1", "<x>"], ("--tokenizer-special-tokens", "-1", "<x>")),
    ],
)
def test_legacy_flags(argv, expected):
    result = translate_argv(argv)
    assert result.argv == expected
    assert result.errors == ()


def test_every_legacy_flag_of_the_table_is_translated():
    for name, flag in LEGACY_FLAGS.items():
        argv = [name, "value"] if flag.takes_value else [name]
        result = translate_argv(argv)
        assert result.errors == (), name
        assert name not in result.argv
        assert [edit.code for edit in result.edits] == [flag.rule.code]
        if flag.replacement is None:
            assert result.argv == ()
        else:
            assert result.argv == (flag.replacement, "value")


def test_nargs_plus_stops_at_the_next_flag():
    result = translate_argv(
        [
            "--tiktoken-special-tokens",
            "a",
            "b",
            "--tokenizer-type",
            "TikTokenizer",
            "--tokenizer-model",
            "f.json",
        ]
    )
    assert result.argv == (
        "--tokenizer-special-tokens",
        "a",
        "b",
        "--tokenizer-library",
        "tiktoken",
        "--tokenizer-model",
        "f.json",
    )


def test_flags_already_given_with_the_same_value_are_not_repeated():
    result = translate_argv(
        [
            "--tokenizer-library",
            "megatron",
            "--tokenizer-type",
            "BertWordPieceCase",
            "--tokenizer-model",
            "BertWordPieceCase",
        ]
    )
    assert result.argv == (
        "--tokenizer-library",
        "megatron",
        "--tokenizer-model",
        "BertWordPieceCase",
    )
    result = translate_argv(["--tokenizer-type=SFTTokenizer", "--tokenizer-mode=sft"])
    assert result.argv == (
        "--tokenizer-library=huggingface",
        f"--tokenizer-prompt-format={DEFAULT_SFT_PROMPT_FORMAT}",
        "--tokenizer-mode=sft",
    )


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["--tiktoken-special-tokens", "<a>", "<b>", "--tokenizer-special-tokens", "<a>", "<b>"],
            ("--tokenizer-special-tokens", "<a>", "<b>"),
        ),
        (
            ["--sft-tokenizer-prompt-format=identity", "--tokenizer-prompt-format", "identity"],
            ("--tokenizer-prompt-format", "identity"),
        ),
        (
            [
                "--tokenizer-type",
                "SFTTokenizer",
                "--sft-tokenizer-prompt-format",
                "identity",
                "--tokenizer-prompt-format",
                "identity",
            ],
            (
                "--tokenizer-library",
                "huggingface",
                "--tokenizer-mode",
                "sft",
                "--tokenizer-prompt-format",
                "identity",
            ),
        ),
        # upstream ignored the sft flag in multimodal mode; the new flag already says the same
        (
            [
                "--tokenizer-mode",
                "multimodal",
                "--sft-tokenizer-prompt-format",
                "chatml",
                "--tokenizer-prompt-format",
                "chatml",
            ],
            ("--tokenizer-mode", "multimodal", "--tokenizer-prompt-format", "chatml"),
        ),
    ],
)
def test_an_old_flag_the_new_one_repeats_is_deleted_not_duplicated(argv, expected):
    result = translate_argv(argv)
    assert result.argv == expected
    assert result.errors == ()


@pytest.mark.parametrize(
    "type_name", ["SFTTokenizer", "MultimodalTokenizer", "NullMultimodalTokenizer"]
)
def test_a_mode_type_next_to_the_library_flag_alone_is_ambiguous(type_name):
    """Upstream G3 ignores --tokenizer-type when --tokenizer-library is given: text mode."""
    library = TOKENIZER_TYPES[type_name].library
    argv = ["--tokenizer-type", type_name, "--tokenizer-library", library]
    result = translate_argv(argv)
    (problem,) = result.errors
    assert f"--tokenizer-type {type_name}" in problem.message
    assert f"--tokenizer-library {library}" in problem.message
    mode = TOKENIZER_TYPES[type_name].mode
    assert f"--tokenizer-mode {mode}" in problem.suggestion
    assert result.argv == tuple(argv)
    # with the mode spelled out there is nothing to decide
    resolved = translate_argv([*argv, "--tokenizer-mode", mode])
    assert resolved.errors == ()
    assert "--tokenizer-type" not in resolved.argv


def test_a_repeated_type_is_translated_once():
    result = translate_argv(
        ["--tokenizer-type", "NullTokenizer", "--x", "--tokenizer-type=NullTokenizer"]
    )
    assert result.argv == ("--tokenizer-library", "null", "--x")
    assert result.errors == ()


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (
            ["--tokenizer-type", "SentencePieceTokenizer", "--tokenizer-library", "tiktoken"],
            ["--tokenizer-type SentencePieceTokenizer", "--tokenizer-library tiktoken"],
        ),
        (
            ["--tokenizer-library=tiktoken", "--tokenizer-type=SentencePieceTokenizer"],
            ["--tokenizer-type SentencePieceTokenizer", "--tokenizer-library tiktoken"],
        ),
        (
            ["--tokenizer-type", "GPT2BPETokenizer", "--tokenizer-model", "BertWordPieceCase"],
            ["--tokenizer-type GPT2BPETokenizer", "--tokenizer-model BertWordPieceCase"],
        ),
        (
            ["--tokenizer-type", "SFTTokenizer", "--tokenizer-mode", "text"],
            ["--tokenizer-type SFTTokenizer", "--tokenizer-mode text"],
        ),
        (
            ["--sft-tokenizer-prompt-format", "identity", "--tokenizer-prompt-format", "chatml"],
            ["--sft-tokenizer-prompt-format identity", "--tokenizer-prompt-format chatml"],
        ),
        (
            ["--tiktoken-special-tokens", "a", "--tokenizer-special-tokens", "b"],
            ["--tiktoken-special-tokens a", "--tokenizer-special-tokens b"],
        ),
        (
            ["--tokenizer-type", "GPT2BPETokenizer", "--tokenizer-type", "NullTokenizer"],
            ["GPT2BPETokenizer", "NullTokenizer", "twice"],
        ),
        (
            ["--tokenizer-type", "MultimodalTokenizer", "--sft-tokenizer-prompt-format", "x"],
            ["--sft-tokenizer-prompt-format x", "multimodal"],
        ),
    ],
)
def test_conflicts_are_errors_naming_both_flags_and_change_nothing_there(argv, names):
    result = translate_argv(argv)
    assert len(result.errors) == 1
    (problem,) = result.errors
    for name in names:
        assert name in problem.message
    # the conflicting site is left exactly as it was
    assert " ".join(argv[problem.index : problem.index + 2]) in " ".join(result.argv)


def test_unknown_type_lists_the_known_ones():
    result = translate_argv(
        ["--tokenizer-type", "PretrainedFromHF", "--tiktoken-special-tokens", "x"]
    )
    (problem,) = result.errors
    assert problem.code == "MTC201" and problem.index == 0
    assert "PretrainedFromHF" in problem.message
    assert all(name in problem.message for name in TOKENIZER_TYPES)
    # the rest of the argv is still translated
    assert result.argv == (
        "--tokenizer-type",
        "PretrainedFromHF",
        "--tokenizer-special-tokens",
        "x",
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["--tokenizer-type"],
        ["--tokenizer-type", "--seq-length", "8"],
        ["--tokenizer-type="],
        ["--sft-tokenizer-prompt-format"],
        ["--tiktoken-special-tokens", "--x"],
    ],
)
def test_a_missing_value_is_an_error(argv):
    result = translate_argv(argv)
    (problem,) = result.errors
    assert "no value" in problem.message
    assert result.argv == tuple(argv)


def test_a_removed_switch_given_a_value_is_an_error():
    result = translate_argv(["--legacy-tokenizer=1"])
    (problem,) = result.errors
    assert problem.code == "MTC203" and "takes no value" in problem.message


@pytest.mark.parametrize(
    "value",
    ["$TOKENIZER_TYPE", "${TOKENIZER_TYPE}", "${T:-NullTokenizer}", '"$TYPE"', "$(cat type.txt)"],
)
def test_a_shell_reference_is_mtc204_with_a_per_type_suggestion(value):
    result = translate_argv(["--tokenizer-type", value])
    (problem,) = result.errors
    assert problem.code == "MTC204"
    assert value in problem.message
    assert (
        "SFTTokenizer: --tokenizer-library huggingface --tokenizer-mode sft "
        "--tokenizer-prompt-format nemotron-h-aligned"
    ) in problem.suggestion
    assert (
        "GPT2BPETokenizer: --tokenizer-library megatron --tokenizer-model GPT2BPETokenizer"
        in problem.suggestion
    )
    assert not result.changed


def test_a_dynamic_new_flag_cannot_be_checked():
    result = translate_argv(["--tokenizer-type", "TikTokenizer", "--tokenizer-library", "$LIB"])
    (problem,) = result.errors
    assert problem.code == "MTC204" and "$LIB" in problem.message
    assert "--tokenizer-library tiktoken" in problem.suggestion


@pytest.mark.parametrize("flag", sorted(FOREIGN_FLAGS))
def test_look_alike_flags_are_untouched(flag):
    argv = [
        flag,
        "HFTokenizer",
        f"{flag}=GPT2BPETokenizer",
        "--tokenizer-types",
        "x",
        "--my-tokenizer-type",
        "y",
    ]
    result = translate_argv(argv)
    assert result.argv == tuple(argv)
    assert not result.changed and result.errors == ()


def test_new_argv_passes_through_unchanged():
    argv = [
        "--tokenizer-library",
        "huggingface",
        "--tokenizer-mode",
        "sft",
        "--tokenizer-prompt-format",
        "identity",
        "--tokenizer-model",
        "d",
        "--tokenizer-special-tokens",
        "a",
        "b",
    ]
    result = translate_argv(argv)
    assert result == Translation(tuple(argv), (), (), (), prompt_formats=((4, "identity"),))


def test_megatron_types_warn_about_upstream_default_type_precedence():
    result = translate_argv(["--tokenizer-type", "BertWordPieceCase"])
    (warning,) = [w for w in result.warnings if "pretrain_t5.py" in w]
    assert "--tokenizer-model BertWordPieceCase" in warning
    assert translate_argv(["--tokenizer-type", "TikTokenizer"]).warnings == ()


def test_a_string_is_refused_with_a_hint():
    with pytest.raises(TypeError, match="shlex.split"):
        translate_argv("--tokenizer-type GPT2BPETokenizer")


def test_a_word_that_is_not_a_string_is_refused_by_position():
    with pytest.raises(TypeError, match="word 1 is int 8: convert it with str"):
        translate_argv(["--seq-length", 8])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=30), max_size=10))
def test_any_list_of_strings_translates_without_raising(argv):
    result = translate_argv(argv)
    assert translate_argv(result.argv).argv == result.argv


def test_result_types_are_frozen():
    result = translate_argv(["--tokenizer-type", "NullTokenizer"])
    assert isinstance(result.edits[0], ArgvEdit)
    with pytest.raises(AttributeError):
        result.edits[0].start = 3  # type: ignore[misc]
    assert Problem(0, "MTC201", "m").suggestion == ""


# --- properties ---------------------------------------------------------------------------------

_LEGACY_WORDS = {"--tokenizer-type", *LEGACY_FLAGS}
_type_values = st.sampled_from([*TOKENIZER_TYPES, "PretrainedFromHF", "$T", ""])
_words = st.one_of(
    st.sampled_from(
        [
            "--seq-length",
            "8",
            "--tokenizer-model",
            "m",
            "--tokenizer-library",
            "huggingface",
            "null",
            "megatron",
            "--tokenizer-mode",
            "sft",
            "multimodal",
            "text",
            "--tokenizer-library=null",
            "--tokenizer-prompt-format",
            "identity",
            "--tokenizer-special-tokens",
            "<a>",
            "--patch-tokenizer-type",
            "-1",
            "-",
            "x=y",
            "--",
        ]
    ),
    st.sampled_from(sorted(_LEGACY_WORDS)),
    _type_values,
    _type_values.map(lambda value: f"--tokenizer-type={value}"),
    st.sampled_from(["--sft-tokenizer-prompt-format=identity", "--tiktoken-special-tokens=<t>"]),
    st.text(min_size=0, max_size=6),
)


def _is_legacy_word(word: str) -> bool:
    return word.partition("=")[0] in _LEGACY_WORDS


def _values_of_old_flags_the_new_flag_repeats(argv: list[str], result: Translation) -> set[int]:
    """Indexes of deleted renamed flags (whose replacement the output must then have)."""
    indexes: set[int] = set()
    for edit in result.edits:
        legacy = LEGACY_FLAGS.get(argv[edit.start].partition("=")[0])
        if edit.words or legacy is None or legacy.replacement is None:
            continue
        assert any(word.partition("=")[0] == legacy.replacement for word in result.argv)
        indexes.update(range(edit.start, edit.stop))
    return indexes


@settings(max_examples=400, deadline=None)
@given(st.lists(_words, max_size=12))
def test_translation_is_idempotent_and_loses_no_word(argv):
    first = translate_argv(argv)
    second = translate_argv(first.argv)
    assert second.argv == first.argv
    assert not second.changed
    # every word that is not part of a legacy flag survives, in order
    remaining = iter(first.argv)
    legacy_sites = set()
    for edit in first.edits:
        legacy_sites.update(range(edit.start, edit.stop))
    repeated_values = _values_of_old_flags_the_new_flag_repeats(argv, first)
    for index, word in enumerate(argv):
        if index in repeated_values:
            continue
        if index in legacy_sites and (
            _is_legacy_word(word)
            or argv[index - 1] == "--tokenizer-type"
            or word in TOKENIZER_TYPES
        ):
            continue
        assert any(word == out for out in remaining), (word, argv, first.argv)


@settings(max_examples=300, deadline=None)
@given(st.lists(_words, max_size=12))
def test_edits_are_sorted_non_overlapping_and_rebuild_the_argv(argv):
    result = translate_argv(argv)
    position = 0
    rebuilt: list[str] = []
    for edit in result.edits:
        assert position <= edit.start <= edit.stop <= len(argv)
        rebuilt += [*argv[position : edit.start], *edit.words]
        position = edit.stop
    rebuilt += argv[position:]
    assert tuple(rebuilt) == result.argv
    for problem in result.errors:
        assert 0 <= problem.index < len(argv)
        assert all(not (edit.start <= problem.index < edit.stop) for edit in result.edits)


def _modules_loaded_by(statement: str, candidates: list[str]) -> list[str]:
    import json
    import subprocess
    import sys

    code = (
        f"import json, sys; {statement}; "
        f"print(json.dumps([m for m in {candidates!r} if m in sys.modules]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(result.stdout)


_BACKENDS = ["torch", "transformers", "sentencepiece", "tiktoken", "libcst", "jinja2"]


def test_the_translator_imports_nothing_heavy():
    """Codemods and launch wrappers import it: no backend, no libcst, not even the tokenizers."""
    assert _modules_loaded_by("import compat.args", [*_BACKENDS, "compat.tokenizers"]) == []


def test_build_tokenizer_loads_backends_only_when_called():
    assert _modules_loaded_by("import compat.tokenizers.utils", _BACKENDS) == []


@pytest.mark.parametrize("tokenizer_type", ["HuggingFaceTokenizer", "GPT2BPETokenizer"])
def test_types_that_read_g1_hf_switches_say_how_to_keep_g1_ids(tokenizer_type):
    result = translate_argv(["--tokenizer-type", tokenizer_type])
    (note,) = [w for w in result.warnings if "megatron-core <= 0.16" in w]
    assert "--tokenizer-hf-no-use-fast --tokenizer-hf-no-include-special-tokens" in note
    # the note travels with the edit, so every codemod report shows it
    assert note in result.edits[0].message


def test_g1_note_names_only_the_switches_the_argv_leaves_open():
    result = translate_argv(["--tokenizer-type=HuggingFaceTokenizer", "--tokenizer-hf-use-fast"])
    (note,) = result.warnings
    assert "--tokenizer-hf-no-include-special-tokens" in note
    assert "--tokenizer-hf-no-use-fast" not in note


@pytest.mark.parametrize(
    "argv",
    [
        [
            "--tokenizer-type",
            "HuggingFaceTokenizer",
            "--tokenizer-hf-no-use-fast",
            "--tokenizer-hf-no-include-special-tokens",
        ],
        ["--tokenizer-type", "TikTokenizer"],
        ["--tokenizer-type", "SFTTokenizer"],
    ],
)
def test_no_g1_note_when_switches_are_explicit_or_unused(argv):
    assert not any("megatron-core <= 0.16" in w for w in translate_argv(argv).warnings)


def test_sft_message_names_the_prompt_format_the_argv_gives():
    result = translate_argv(
        ["--tokenizer-type", "SFTTokenizer", "--sft-tokenizer-prompt-format", "identity"]
    )
    assert "--tokenizer-prompt-format identity" in result.edits[0].message
    assert "nemotron-h-aligned" not in result.edits[0].message


def test_removed_flag_message_reads_as_advice():
    (edit,) = translate_argv(["--tokenizer-hf-use-fast"]).edits
    assert edit.message.startswith("--tokenizer-hf-use-fast is deprecated; delete it:")
