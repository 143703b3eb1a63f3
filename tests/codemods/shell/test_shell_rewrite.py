"""Before/after cases for launch scripts, one per shape the rewriter must handle."""

from __future__ import annotations

from pathlib import PurePath

import pytest
from rewrite_checks import RewriteChecks

from codemods.core import UnparsableError
from codemods.shell import KIND, matches, validate

_CHECKS = RewriteChecks(KIND, "train.sh")
run, check_transformed, check_noop = _CHECKS.run, _CHECKS.check_transformed, _CHECKS.check_noop


CASES = [
    pytest.param(
        "torchrun pretrain_gpt.py --tokenizer-type TikTokenizer --lr 1\n",
        "torchrun pretrain_gpt.py --tokenizer-library tiktoken --lr 1\n",
        id="separate-words",
    ),
    pytest.param(
        "python pretrain_gpt.py --tokenizer-type=HuggingFaceTokenizer\n",
        "python pretrain_gpt.py --tokenizer-library=huggingface\n",
        id="equals-form",
    ),
    pytest.param(
        'python pretrain_gpt.py --tokenizer-type="Llama2Tokenizer"\n',
        'python pretrain_gpt.py --tokenizer-library="sentencepiece"\n',
        id="equals-form-quoted-value",
    ),
    pytest.param(
        """\
        torchrun --nproc-per-node 8 pretrain_gpt.py \\
            --num-layers 2 \\
            --tokenizer-type TikTokenizer \\
            --tokenizer-model ${TOKENIZER_MODEL} \\
            --lr 1e-4
        """,
        """\
        torchrun --nproc-per-node 8 pretrain_gpt.py \\
            --num-layers 2 \\
            --tokenizer-library tiktoken \\
            --tokenizer-model ${TOKENIZER_MODEL} \\
            --lr 1e-4
        """,
        id="continuation-lines-P1s",
    ),
    pytest.param(
        'ARGS=( --num-layers 2 "--tokenizer-type" "GPT2BPETokenizer" )\n',
        'ARGS=( --num-layers 2 "--tokenizer-library" "megatron" "--tokenizer-model" '
        '"GPT2BPETokenizer" )\n',
        id="array-keeps-quoting",
    ),
    pytest.param(
        """\
        GPT_ARGS="
            --num-layers 24 \\
            --tokenizer-type GPTSentencePieceTokenizer \\
            --tokenizer-model /data/tok.model
        "
        """,
        """\
        GPT_ARGS="
            --num-layers 24 \\
            --tokenizer-library sentencepiece \\
            --tokenizer-model /data/tok.model
        "
        """,
        id="quoted-assignment",
    ),
    pytest.param(
        "GPT_ARGS+=' --tokenizer-type NullTokenizer --vocab-size 128'\n",
        "GPT_ARGS+=' --tokenizer-library null --vocab-size 128'\n",
        id="append-single-quoted",
    ),
    pytest.param(
        'export DATA_ARGS="--data-path $DATA --tokenizer-type BertWordPieceLowerCase"\n',
        'export DATA_ARGS="--data-path $DATA --tokenizer-library megatron --tokenizer-model '
        'BertWordPieceLowerCase"\n',
        id="exported-string-megatron-type-adds-model",
    ),
    pytest.param(
        "srun bash -c 'python pretrain_gpt.py --tokenizer-type NullMultimodalTokenizer'\n",
        "srun bash -c 'python pretrain_gpt.py --tokenizer-library null --tokenizer-mode "
        "multimodal'\n",
        id="bash-c",
    ),
    pytest.param(
        """\
        cat > job.sh <<'EOF'
        python pretrain_gpt.py --tokenizer-type TikTokenizer
        EOF
        sbatch job.sh
        """,
        """\
        cat > job.sh <<'EOF'
        python pretrain_gpt.py --tokenizer-library tiktoken
        EOF
        sbatch job.sh
        """,
        id="quoted-heredoc",
    ),
    pytest.param(
        """\
        torchrun pretrain_gpt.py --tokenizer-type SFTTokenizer --tokenizer-model my_hf_dir \\
            --sft-tokenizer-prompt-format nemotron-nano-v2
        """,
        "torchrun pretrain_gpt.py --tokenizer-library huggingface --tokenizer-mode sft "
        "--tokenizer-model my_hf_dir \\\n"
        "    --tokenizer-prompt-format nemotron-nano-v2\n",
        id="sft-with-prompt-format",
    ),
    pytest.param(
        "python t.py --tokenizer-type SFTTokenizer --tokenizer-model d\n",
        "python t.py --tokenizer-library huggingface --tokenizer-mode sft "
        "--tokenizer-prompt-format nemotron-h-aligned --tokenizer-model d\n",
        id="sft-default-prompt-format-made-explicit",
    ),
    pytest.param(
        """\
        python t.py \\
            --tokenizer-type TikTokenizer \\
            --tokenizer-hf-use-fast \\
            --lr 1
        """,
        """\
        python t.py \\
            --tokenizer-library tiktoken \\
            --lr 1
        """,
        id="removed-flag-line-deleted",
    ),
    pytest.param(
        """\
        python t.py \\
            --lr 1 \\
            --legacy-tokenizer
        echo done
        """,
        """\
        python t.py \\
            --lr 1
        echo done
        """,
        id="removed-last-line-drops-dangling-backslash",
    ),
    pytest.param(
        "python t.py --tiktoken-special-tokens '<s>' '</s>' --lr 1\n",
        "python t.py --tokenizer-special-tokens '<s>' '</s>' --lr 1\n",
        id="renamed-nargs-plus-flag",
    ),
    pytest.param(
        "python t.py --tokenizer-type TikTokenizer  # comment after\n",
        "python t.py --tokenizer-library tiktoken  # comment after\n",
        id="trailing-comment-kept",
    ),
    pytest.param(
        "python t.py --tokenizer-type TikTokenizer  # megatron-compat: ignore[MTC202]\n",
        "python t.py --tokenizer-library tiktoken  # megatron-compat: ignore[MTC202]\n",
        id="suppression-of-another-rule",
    ),
    pytest.param(
        "  if true; then\n    python t.py --tokenizer-type TikTokenizer\n  fi\n",
        "  if true; then\n    python t.py --tokenizer-library tiktoken\n  fi\n",
        id="indentation-kept",
    ),
]


@pytest.mark.parametrize("before, after", CASES)
def test_rewrites(before, after):
    findings = check_transformed(before, after)
    assert findings and all(f.fixed or f.informational for f in findings)


NOOPS = [
    pytest.param(
        "python preprocess.py --patch-tokenizer-type GPT2BPETokenizer\n", id="look-alike-flag"
    ),
    pytest.param('echo "use --tokenizer-library instead"\n', id="new-flag-only"),
    pytest.param(
        "python t.py --tokenizer-type TikTokenizer  # megatron-compat: ignore\n", id="suppressed"
    ),
    pytest.param(
        "# megatron-compat: ignore[MTC201]\npython t.py --tokenizer-type TikTokenizer\n",
        id="suppressed-from-line-above",
    ),
    pytest.param("python t.py --tokenizer-library tiktoken --lr 1\n", id="already-migrated"),
]


@pytest.mark.parametrize("source", NOOPS)
def test_leaves_alone(source):
    assert not [f for f in check_noop(source) if f.fixed]


def test_select_and_ignore_limit_the_rules():
    source = "python t.py --tokenizer-type TikTokenizer --tokenizer-hf-use-fast\n"
    only_type = run(source, select=frozenset({"MTC201"}))
    assert only_type.new_text == (
        "python t.py --tokenizer-library tiktoken --tokenizer-hf-use-fast\n"
    )
    ignored = run(source, ignore=frozenset({"MTC201"}))
    assert ignored.new_text == "python t.py --tokenizer-type TikTokenizer\n"


# --- variable indirection -----------------------------------------------------------------


def test_literal_variable_is_rewritten_with_its_assignment():
    findings = check_transformed(
        """\
        TOKENIZER_TYPE=HuggingFaceTokenizer
        ARGS="--tokenizer-type ${TOKENIZER_TYPE} --tokenizer-model ${TOK_DIR}"
        """,
        """\
        TOKENIZER_LIBRARY=huggingface
        ARGS="--tokenizer-library ${TOKENIZER_LIBRARY} --tokenizer-model ${TOK_DIR}"
        """,
    )
    assert [(f.code, f.informational) for f in findings] == [("MTC201", False), ("MTC201", True)]
    assert "if this ran on megatron-core <= 0.16, add --tokenizer-hf-no-use-fast" in (
        findings[1].message
    )


def test_variable_used_at_two_sites_is_renamed_once_and_extra_flags_added():
    check_transformed(
        """\
        TOK_TYPE="GPT2BPETokenizer"
        python a.py --tokenizer-type "$TOK_TYPE"
        python b.py --tokenizer-type=$TOK_TYPE
        """,
        """\
        TOK_LIBRARY="megatron"
        python a.py --tokenizer-library "$TOK_LIBRARY" --tokenizer-model GPT2BPETokenizer
        python b.py --tokenizer-library=$TOK_LIBRARY --tokenizer-model=GPT2BPETokenizer
        """,
    )


def test_variable_without_type_in_its_name_keeps_its_name():
    check_transformed(
        "TOK=TikTokenizer\npython a.py --tokenizer-type $TOK\n",
        "TOK=tiktoken\npython a.py --tokenizer-library $TOK\n",
    )


@pytest.mark.parametrize(
    "source, reason",
    [
        pytest.param(
            "python a.py --tokenizer-type $TOKENIZER_TYPE\n", "only known when", id="environment"
        ),
        pytest.param(
            "T=$(pick)\npython a.py --tokenizer-type $T\n",
            "only known when",
            id="command-substitution",
        ),
        pytest.param(
            'if [ -n "$X" ]; then T=TikTokenizer; else T=NullTokenizer; fi\n'
            "python a.py --tokenizer-type $T\n",
            "only known when",
            id="conditional-values",
        ),
        pytest.param(
            "T=TikTokenizer\necho $T\npython a.py --tokenizer-type $T\n",
            "also used",
            id="variable-used-elsewhere",
        ),
        pytest.param(
            "T=${T:-TikTokenizer}\npython a.py --tokenizer-type $T\n",
            "only known when",
            id="default-from-environment",
        ),
        pytest.param(
            "for T in TikTokenizer NullTokenizer; do python a.py --tokenizer-type $T; done\n",
            "only known when",
            id="loop-variable",
        ),
        pytest.param(
            "export T=TikTokenizer\npython a.py --tokenizer-type $T\n",
            "only known when",
            id="exported-to-children",
        ),
    ],
)
def test_unknowable_values_are_reported_not_guessed(source, reason):
    findings = check_noop(source)
    dynamic = [f for f in findings if f.code == "MTC204"]
    assert len(dynamic) == 1 and not dynamic[0].fixed
    assert reason in dynamic[0].message
    assert "--tokenizer-library" in dynamic[0].suggestion


def test_todo_comment_goes_above_the_whole_statement():
    source = "python a.py \\\n    --tokenizer-type $TT \\\n    --lr 1\n"
    result = run(source, add_todo=True)
    lines = result.new_text.splitlines()
    assert lines[0].startswith("# TODO[megatron-tokenizer]: MTC204 --tokenizer-type $TT")
    assert lines[1:] == source.splitlines()
    validate(result.new_text)
    assert run(result.new_text, add_todo=True).new_text == result.new_text


def test_unknown_type_reported_with_its_line_and_column():
    findings = check_noop("echo hi\n  python a.py --tokenizer-type ForkTokenizer\n")
    assert [(f.line, f.col, f.code, f.fixed) for f in findings] == [(2, 15, "MTC201", False)]
    assert "ForkTokenizer" in findings[0].message


# --- bad input ----------------------------------------------------------------------------


def test_flags_in_a_part_that_does_not_parse_are_reported_not_rewritten():
    source = "echo ok\nx=$((1 +\npython a.py --tokenizer-type TikTokenizer\n"
    findings = check_noop(source)
    assert [(f.line, f.code, f.fixed) for f in findings] == [(3, "MTC201", False)]
    assert "does not parse" in findings[0].message


def test_documentation_placeholders_are_words():
    check_transformed(
        'CKPT=<PATH_TO_CHECKPOINT>\nARGS="--load <CKPT_DIR> --tokenizer-type TikTokenizer"\n'
        "torchrun pretrain_gpt.py $ARGS --save <SAVE>\n",
        'CKPT=<PATH_TO_CHECKPOINT>\nARGS="--load <CKPT_DIR> --tokenizer-library tiktoken"\n'
        "torchrun pretrain_gpt.py $ARGS --save <SAVE>\n",
    )
    validate("CKPT=<PATH_TO_CHECKPOINT>\ncat <in >out\n")


def test_flags_on_a_line_of_their_own_in_a_here_document():
    check_transformed(
        "python a.py <<EOF\n--tokenizer-type TikTokenizer\nEOF\n",
        "python a.py <<EOF\n--tokenizer-library tiktoken\nEOF\n",
    )


def test_variable_that_is_exported_is_not_renamed():
    findings = check_noop(
        'TOKENIZER_TYPE="TikTokenizer"\nexport TOKENIZER_TYPE\n'
        'python a.py --tokenizer-type "${TOKENIZER_TYPE}"\n'
    )
    assert [(f.line, f.fixed) for f in findings] == [(3, False)]
    assert "exported" in findings[0].message


def test_validate_rejects_broken_bash():
    with pytest.raises(UnparsableError):
        validate("echo $(\n")
    validate("echo ok\n")


def test_files_without_old_flags_are_not_parsed():
    broken_but_unrelated = "if then fi (\n"
    assert run(broken_but_unrelated).new_text == broken_but_unrelated


def test_non_ascii_text_keeps_offsets_right():
    check_transformed(
        'echo "héllo wörld"\npython a.py --tokenizer-type TikTokenizer # ünïcode\n',
        'echo "héllo wörld"\npython a.py --tokenizer-library tiktoken # ünïcode\n',
    )


def test_heredoc_body_that_is_not_bash_is_reported():
    findings = check_noop("cat > c.yaml <<'EOF'\nargs: [--tokenizer-type, (\nEOF\n")
    assert findings and not findings[0].fixed


@pytest.mark.parametrize(
    "path, first_line, expected",
    [
        ("run.sh", "", True),
        ("job.sbatch", "", True),
        ("job.slurm", "", True),
        ("x.bash", "", True),
        ("train", "#!/bin/bash", True),
        ("train", "#!/usr/bin/env bash", True),
        ("train", "#!/usr/bin/env python3", False),
        ("config.yaml", "", False),
    ],
)
def test_matches_by_extension_and_shebang(path, first_line, expected):
    assert matches(PurePath(path), first_line) is expected


@pytest.mark.parametrize(
    "source",
    [
        'echo "pass --tokenizer-type TikTokenizer to train"\n',
        "grep -n -- --legacy-tokenizer launch.sh\n",
        'python t.py "--tokenizer-type TikTokenizer"\n',  # one word with a space: not a flag
    ],
)
def test_old_flags_outside_argument_lists_are_reported_not_edited(source):
    findings = check_noop(source)
    assert [(f.line, f.fixed) for f in findings] == [(1, False)]
    assert "left as it is" in findings[0].message


def test_leftover_report_respects_suppression_and_rule_selection():
    source = 'echo "--tokenizer-type X"  # megatron-compat: ignore\n'
    assert not check_noop(source)
    assert not check_noop('echo "--legacy-tokenizer"\n', ignore=frozenset({"MTC203"}))


def test_echo_inside_command_substitution_builds_arguments_and_is_rewritten():
    check_transformed(
        "python t.py $(echo --tokenizer-type TikTokenizer)\n",
        "python t.py $(echo --tokenizer-library tiktoken)\n",
    )


def test_p1s_golden_shape_of_upstreams_cuda_graphs_script():
    # upstream's one rewritten script (reference §9, P1s): the flags sit in a multi-line quoted
    # ARGS string with `\` continuations, extended by `ARGS+=` and run through `eval`
    before = """\
        set -u
        : ${TOKENIZER_MODEL:?"TOKENIZER_MODEL is not set."}
        : ${NUM_TOKENS_TO_PROMPT="4 16"}
        ARGS=" \\
          --tiktoken-pattern v2 \\
          --tokenizer-type TikTokenizer \\
          --tokenizer-model ${TOKENIZER_MODEL} \\
          \\
          --num-tokens-to-prompt ${NUM_TOKENS_TO_PROMPT} \\
        "
        if [ "${N}" != "0" ]; then
            ARGS+="  \\
              --cuda-graph-impl local \\
            "
        fi
        CMD="python -m examples.inference.gpt_dynamic_inference ${ARGS}"
        eval ${CMD}
        """
    check_transformed(
        before, before.replace("--tokenizer-type TikTokenizer", "--tokenizer-library tiktoken")
    )
