"""translate_argv's ``target`` (the new flags, or Megatron-LM main's) and ``source`` (the release
the script ran on, whose behaviour the output keeps)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compat import releases
from compat.args import translate_argv
from compat.deprecations import LEGACY_FLAGS, TOKENIZER_TYPES

HF_OPT_OUTS = ("--tokenizer-hf-no-use-fast", "--tokenizer-hf-no-include-special-tokens")
SOURCES_WITH_N_PLUS_1 = ["0.16.1", "0.17.0", "0.17.1"]
SOURCES_WITH_N = ["0.18.0", "0.18.2", "0.19.2", "main", "pr3889"]


# --- source: the null tokenizer's sizes --------------------------------------------------------


@pytest.mark.parametrize("source", SOURCES_WITH_N_PLUS_1)
@pytest.mark.parametrize("target", ["pr3889", "upstream"])
def test_null_vocab_grows_by_one_from_a_release_with_n_plus_1_ids(source, target):
    result = translate_argv(
        ["--tokenizer-type", "NullTokenizer", "--vocab-size", "500", "x"],
        target=target,
        source=source,
    )
    kept_type = ("--tokenizer-type", "NullTokenizer")
    new_type = ("--tokenizer-library", "null")
    # where --tokenizer-type stays, the eod id written out tells the next run it is done
    assert result.argv == (
        (*kept_type, "--vocab-size", "501", "--null-tokenizer-eod-id", "500", "x")
        if target == "upstream"
        else (*new_type, "--vocab-size", "501", "x")
    )
    assert result.errors == () and result.notes == ()
    (vocab_edit,) = [edit for edit in result.edits if edit.start == 2]
    assert "500 became 501" in vocab_edit.message and "eod" in vocab_edit.message


@pytest.mark.parametrize("source", SOURCES_WITH_N)
def test_null_vocab_is_kept_from_a_release_with_n_ids(source):
    result = translate_argv(
        ["--tokenizer-type", "NullTokenizer", "--vocab-size", "500"], source=source
    )
    assert result.argv == ("--tokenizer-library", "null", "--vocab-size", "500")
    assert result.notes == ()


def test_null_vocab_in_equals_form_and_the_last_of_several_values():
    result = translate_argv(
        ["--tokenizer-type=NullTokenizer", "--vocab-size=7", "--vocab-size=9"], source=releases.G1
    )
    assert result.argv == ("--tokenizer-library=null", "--vocab-size=7", "--vocab-size=10")


@pytest.mark.parametrize(
    ("argv", "message", "suggestion"),
    [
        (["--tokenizer-type", "NullTokenizer"], "it is not given", "--vocab-size <N + 1>"),
        (
            ["--tokenizer-type", "NullTokenizer", "--vocab-size", "$VOCAB"],
            "'$VOCAB' is not a number",
            "$((VOCAB + 1)) in bash",
        ),
        (
            ["--tokenizer-type", "NullTokenizer", "--vocab-size", "${VOCAB}"],
            "not a number",
            "$((VOCAB + 1))",
        ),
        (["--tokenizer-type", "NullTokenizer", "--vocab-size"], "it is not given", "<N + 1>"),
    ],
)
def test_null_vocab_that_cannot_grow_is_a_problem_naming_what_to_write(argv, message, suggestion):
    result = translate_argv(argv, source="0.16.1")
    (problem,) = [p for p in result.errors if "NullTokenizer(N)" in p.message]
    assert message in problem.message and suggestion in problem.suggestion
    assert "--vocab-size" in problem.message
    assert result.argv == tuple(argv)  # not half-migrated: the type stays too


def test_null_multimodal_sizes_never_changed():
    result = translate_argv(
        ["--tokenizer-type", "NullMultimodalTokenizer", "--vocab-size", "9"], source="0.16.1"
    )
    assert result.argv == (
        "--tokenizer-library",
        "null",
        "--tokenizer-mode",
        "multimodal",
        "--vocab-size",
        "9",
    )
    assert result.notes == ()


def test_without_a_source_the_null_sizes_are_a_note():
    result = translate_argv(["--tokenizer-type", "NullTokenizer", "--vocab-size", "500"])
    assert result.argv == ("--tokenizer-library", "null", "--vocab-size", "500")
    (note,) = result.notes
    assert "vocab_size N and eod N - 1" in note.message
    assert "megatron-core <= 0.17, add 1 to --vocab-size" in note.suggestion
    assert result.warnings == ()  # today's messages are unchanged


# --- source: G1's Hugging Face defaults ---------------------------------------------------------


@pytest.mark.parametrize(
    "type_name", [n for n, r in TOKENIZER_TYPES.items() if r.reads_g1_hf_switches]
)
@pytest.mark.parametrize("target", ["pr3889", "upstream"])
def test_a_g1_source_gets_the_opt_outs_that_keep_its_ids(type_name, target):
    result = translate_argv(
        ["--tokenizer-type", type_name, "--seq-length", "8"], target=target, source=releases.G1
    )
    assert result.argv[-2:] == ("--seq-length", "8")
    assert set(HF_OPT_OUTS) <= set(result.argv)
    assert result.warnings == () or all("<= 0.16" not in w for w in result.warnings)
    assert result.notes == ()
    assert "to keep megatron-core 0.16's token ids" in result.edits[0].message


def test_a_g1_switch_the_argv_gave_is_respected():
    result = translate_argv(
        ["--tokenizer-type", "HuggingFaceTokenizer", "--tokenizer-hf-use-fast"], source="0.16.1"
    )
    assert result.argv == (
        "--tokenizer-library",
        "huggingface",
        "--tokenizer-hf-no-include-special-tokens",
    )


@pytest.mark.parametrize("source", ["0.17.0", "0.19.2", "main"])
def test_a_later_source_needs_no_opt_outs_and_no_note(source):
    result = translate_argv(["--tokenizer-type", "HuggingFaceTokenizer"], source=source)
    assert result.argv == ("--tokenizer-library", "huggingface")
    assert result.notes == () and result.warnings == ()


@pytest.mark.parametrize("target", ["pr3889", "upstream"])
def test_without_a_source_the_g1_defaults_are_a_note(target):
    result = translate_argv(["--tokenizer-type", "GPT2BPETokenizer"], target=target)
    (note,) = result.notes
    assert " ".join(HF_OPT_OUTS) in note.message
    assert not set(HF_OPT_OUTS) & set(result.argv)


# --- source: the identity prompt format's masking ----------------------------------------------


@pytest.mark.parametrize(
    ("source", "noted"),
    [("0.18.2", True), ("0.19.2", True), ("0.17.1", False), ("main", False), (None, True)],
)
def test_identity_masking_changed_in_0_18_and_back_in_main(source, noted):
    result = translate_argv(
        ["--tokenizer-type", "SFTTokenizer", "--sft-tokenizer-prompt-format", "identity"],
        source=source,
    )
    assert any("loss mask" in note.message for note in result.notes) == noted


# --- target: Megatron-LM main --------------------------------------------------------------------


def test_main_keeps_the_type_and_the_sft_prompt_format_and_drops_what_it_removed():
    argv = [
        "--tokenizer-type",
        "SFTTokenizer",
        "--sft-tokenizer-prompt-format",
        "nemotron-nano-v2",
        "--tiktoken-special-tokens",
        "<a>",
        "<b>",
        "--tokenizer-hf-use-fast",
        "--tokenizer-hf-include-special-tokens",
        "--legacy-tokenizer",
        "--seq-length",
        "8",
    ]
    result = translate_argv(argv, target="upstream")
    assert result.argv == (
        "--tokenizer-type",
        "SFTTokenizer",
        "--sft-tokenizer-prompt-format",
        "nemotron-nano-v2",
        "--tokenizer-special-tokens",
        "<a>",
        "<b>",
        "--seq-length",
        "8",
    )
    assert result.errors == ()
    assert [edit.code for edit in result.edits] == ["MTC202", "MTC203", "MTC203", "MTC203"]


def test_main_accepts_what_its_parser_has():
    argv = [
        "--tokenizer-type=TikTokenizer",
        "--tokenizer-special-tokens",
        "<a>",
        "--null-tokenizer-eod-id",
        "3",
        "--tokenizer-hf-no-use-fast",
    ]
    result = translate_argv(argv, target="upstream")
    assert result.argv == tuple(argv) and not result.changed and result.errors == ()


def test_main_rejects_unknown_types_but_takes_a_shell_value():
    unknown = translate_argv(["--tokenizer-type", "PretrainedFromHF"], target="upstream")
    (problem,) = unknown.errors
    assert "unknown tokenizer type 'PretrainedFromHF'" in problem.message
    assert "accepts only the known types" in problem.suggestion
    dynamic = translate_argv(
        ["--tokenizer-type", "$T", "--vocab-size", "5"], target="upstream", source="0.16.1"
    )
    assert dynamic.errors == () and dynamic.argv == ("--tokenizer-type", "$T", "--vocab-size", "5")
    assert {
        "then add 1 to --vocab-size",
        f"then add {' '.join(HF_OPT_OUTS)} to keep its token ids",
    } == {note.suggestion for note in dynamic.notes}


@pytest.mark.parametrize(
    ("argv", "replacement"),
    [
        (["--tokenizer-library", "huggingface"], "--tokenizer-type HuggingFaceTokenizer"),
        (["--tokenizer-library", "sentencepiece"], "--tokenizer-type SentencePieceTokenizer"),
        (["--tokenizer-library", "tiktoken"], "--tokenizer-type TikTokenizer"),
        (["--tokenizer-library=null"], "--tokenizer-type NullTokenizer"),
        (
            ["--tokenizer-library", "null", "--tokenizer-mode", "multimodal"],
            "--tokenizer-type NullMultimodalTokenizer",
        ),
        (
            ["--tokenizer-library", "megatron", "--tokenizer-model", "BertWordPieceCase"],
            "--tokenizer-type BertWordPieceCase",
        ),
        (
            [
                "--tokenizer-library",
                "huggingface",
                "--tokenizer-mode",
                "sft",
                "--tokenizer-prompt-format",
                "identity",
            ],
            "--tokenizer-type SFTTokenizer --sft-tokenizer-prompt-format identity",
        ),
        (
            [
                "--tokenizer-library",
                "sentencepiece",
                "--tokenizer-mode",
                "multimodal",
                "--tokenizer-prompt-format",
                "chatml",
            ],
            "--tokenizer-type MultimodalTokenizer --tokenizer-prompt-format chatml",
        ),
    ],
)
def test_main_rejects_the_new_flags_and_says_which_type_means_the_same(argv, replacement):
    result = translate_argv(argv, target="upstream")
    assert result.argv == tuple(argv) and not result.changed
    new_flags = [
        i
        for i, word in enumerate(argv)
        if word.partition("=")[0]
        in ("--tokenizer-library", "--tokenizer-mode", "--tokenizer-prompt-format")
    ]
    assert [problem.index for problem in result.errors] == new_flags
    for problem in result.errors:
        assert "has no --tokenizer-" in problem.message
        assert "PR #3889 never merged" in problem.message
        assert problem.suggestion.endswith(f"with {replacement}")


@pytest.mark.parametrize(
    ("argv", "reason"),
    [
        (["--tokenizer-library", "byte-level"], "has no old type"),
        (["--tokenizer-library", "sentencepiece", "--tokenizer-mode", "sft"], "has no old type"),
        (
            ["--tokenizer-library", "megatron", "--tokenizer-model", "megatron-gpt-345m"],
            "has no old type",
        ),
        (["--tokenizer-library", "$LIB"], "only known when the script runs"),
    ],
)
def test_main_has_no_type_for_some_new_flag_combinations(argv, reason):
    problems = translate_argv(argv, target="upstream").errors
    assert problems
    for problem in problems:
        assert reason in problem.suggestion and "--tokenizer-type" in problem.suggestion


# --- arguments -----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["0.18", "compat", releases.G1, 3])
def test_an_unsupported_target_is_refused(target):
    with pytest.raises((ValueError, TypeError), match="pr3889"):
        translate_argv([], target=target)


def test_targets_by_name_alias_and_row_agree():
    argv = ["--tokenizer-type", "NullTokenizer", "--vocab-size", "3"]
    assert (
        translate_argv(argv, target="upstream").argv
        == translate_argv(argv, target="main").argv
        == translate_argv(argv, target=releases.MAIN).argv
    )
    assert translate_argv(argv).argv == translate_argv(argv, target=releases.PR3889).argv


def test_a_source_is_a_row_a_version_or_none():
    argv = ["--tokenizer-type", "NullTokenizer", "--vocab-size", "3"]
    assert (
        translate_argv(argv, source="0.16.1").argv == translate_argv(argv, source=releases.G1).argv
    )
    with pytest.raises(ValueError, match="not a megatron-core version"):
        translate_argv(argv, source="sixteen")
    with pytest.raises(TypeError, match="source must be"):
        translate_argv(argv, source=16)  # type: ignore[arg-type]


# --- properties, for every target and source -----------------------------------------------------

_TARGETS = st.sampled_from(["pr3889", "upstream"])
_SOURCES = st.sampled_from([None, *(api.key for api in releases.APIS.values())]).map(
    lambda key: releases.APIS[key] if key else None
)
_WORDS = st.one_of(
    st.sampled_from(
        [
            "--tokenizer-type",
            "--vocab-size",
            "500",
            "$V",
            "--tokenizer-library",
            "huggingface",
            "null",
            "megatron",
            "sentencepiece",
            "--tokenizer-mode",
            "sft",
            "multimodal",
            "--tokenizer-prompt-format",
            "identity",
            "--tokenizer-model",
            "GPT2BPETokenizer",
            "--tokenizer-special-tokens",
            "<a>",
            "-1",
            "--",
            "--null-tokenizer-eod-id",
            "--tokenizer-hf-no-use-fast",
            "--vocab-size=9",
            *HF_OPT_OUTS,
            *LEGACY_FLAGS,
            *TOKENIZER_TYPES,
        ]
    ),
    st.sampled_from(sorted(TOKENIZER_TYPES)).map(lambda name: f"--tokenizer-type={name}"),
    st.text(max_size=5),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=20), max_size=10), _TARGETS, _SOURCES)
def test_any_list_of_strings_translates_without_raising(argv, target, source):
    result = translate_argv(argv, target=target, source=source)
    assert isinstance(result.argv, tuple)


@settings(max_examples=400, deadline=None)
@given(st.lists(_WORDS, max_size=12), _TARGETS, _SOURCES)
def test_the_output_is_final_for_its_target(argv, target, source):
    """Translated once (with any source) without problems, the output translates to itself
    (without a source: it no longer ran on the source). For the new flags, the source's rules
    only apply to --tokenizer-type sites, which are gone: the same source changes nothing."""
    first = translate_argv(argv, target=target, source=source)
    if not first.errors:
        second = translate_argv(first.argv, target=target)
        assert second.argv == first.argv and not second.changed
    if target == "pr3889":
        assert translate_argv(first.argv, target=target, source=source).argv == first.argv


@settings(max_examples=400, deadline=None)
@given(st.lists(_WORDS, max_size=12), _TARGETS)
def test_translation_without_a_source_is_idempotent_per_target(argv, target):
    first = translate_argv(argv, target=target)
    assert translate_argv(first.argv, target=target).argv == first.argv


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=12), _TARGETS, _SOURCES)
def test_edits_rebuild_the_argv_and_leave_problem_sites_alone(argv, target, source):
    result = translate_argv(argv, target=target, source=source)
    position, rebuilt = 0, []
    for edit in result.edits:
        assert position <= edit.start <= edit.stop <= len(argv)
        rebuilt += [*argv[position : edit.start], *edit.words]
        position = edit.stop
    assert (*rebuilt, *argv[position:]) == result.argv
    for problem in (*result.errors, *result.notes):
        assert 0 <= problem.index < max(len(argv), 1)
    for problem in result.errors:
        assert all(not (edit.start <= problem.index < edit.stop) for edit in result.edits)


@settings(max_examples=300, deadline=None)
@given(st.lists(_WORDS, max_size=12), _TARGETS)
def test_no_source_equals_the_default_and_a_later_source_only_drops_notes(argv, target):
    unknown = translate_argv(argv, target=target)
    assert unknown == translate_argv(argv, target=target, source=None)
    latest = translate_argv(argv, target=target, source=releases.MAIN)
    assert latest.argv == unknown.argv and latest.errors == unknown.errors


def test_the_multimodal_examples_own_prompt_format_flag_is_not_the_new_design_s():
    """examples/multimodal/multimodal_args.py has defined --tokenizer-prompt-format in every
    release, next to --tokenizer-type MultimodalTokenizer; main's parser accepts the pair."""
    argv = [
        "--tokenizer-type",
        "MultimodalTokenizer",
        "--tokenizer-prompt-format",
        "mistral",
        "--tokenizer-model",
        "tok",
    ]
    result = translate_argv(argv, target="upstream")
    assert result.argv == tuple(argv) and not result.errors
    beside_another_type = translate_argv(
        ["--tokenizer-type", "GPT2BPETokenizer", "--tokenizer-prompt-format", "mistral"],
        target="upstream",
    )
    assert [problem.index for problem in beside_another_type.errors] == [2]


@pytest.mark.parametrize("target", ["pr3889", "upstream"])
@pytest.mark.parametrize("source", ["0.16.1", "0.17.0", "0.18.2", "0.19.2"])
@pytest.mark.parametrize("type_name", sorted(TOKENIZER_TYPES))
def test_a_translation_for_a_source_is_a_fixed_point(type_name, source, target):
    """What the migration writes is read again by its next run, with the same source: nothing
    may change twice (a kept NullTokenizer grew its vocab size at every run)."""
    argv = ["--tokenizer-type", type_name, "--vocab-size", "128", "--tokenizer-model", "m"]
    once = translate_argv(argv, target=target, source=source)
    twice = translate_argv(list(once.argv), target=target, source=source)
    assert twice.argv == once.argv
