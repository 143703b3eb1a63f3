"""argv files (``*.args``): one flag per line, one word per line, or all on one line."""

from __future__ import annotations

from pathlib import PurePath

import pytest
from rewrite_checks import RewriteChecks

from codemods.argvfile import KIND, matches
from compat.deprecations import DYNAMIC_TOKENIZER_TYPE, REMOVED_FLAG

_CHECKS = RewriteChecks(KIND, "train.args", dedent=False)
run, check = _CHECKS.run, _CHECKS.check_transformed


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(
            "--num-layers 2\n--tokenizer-type GPT2BPETokenizer\n--vocab-file v.json\n",
            "--num-layers 2\n--tokenizer-library megatron\n"
            "--tokenizer-model GPT2BPETokenizer\n--vocab-file v.json\n",
            id="one-flag-per-line-new-flag-on-its-own-line",
        ),
        pytest.param(
            "--lr\n1\n--tokenizer-type\nSFTTokenizer\n",
            "--lr\n1\n--tokenizer-library\nhuggingface\n--tokenizer-mode\nsft\n"
            "--tokenizer-prompt-format\nnemotron-h-aligned\n",
            id="one-word-per-line-fromfile-layout",
        ),
        pytest.param(
            "--lr 1 --tokenizer-type NullMultimodalTokenizer --vocab-size 127\n",
            "--lr 1 --tokenizer-library null --tokenizer-mode multimodal --vocab-size 127\n",
            id="single-line",
        ),
        pytest.param(
            "  --tokenizer-type=TikTokenizer\n  --lr 1\n",
            "  --tokenizer-library=tiktoken\n  --lr 1\n",
            id="equals-form-indent-kept",
        ),
        pytest.param(
            "--tokenizer-type BertWordPieceCase \\\n  --lr 1\n",
            "--tokenizer-library megatron \\\n--tokenizer-model BertWordPieceCase \\\n  --lr 1\n",
            id="continued-lines-stay-continued",
        ),
        pytest.param(
            "--lr 1\n--tokenizer-hf-use-fast\n--legacy-tokenizer\n--bf16\n",
            "--lr 1\n--bf16\n",
            id="removed-flags-lines-deleted",
        ),
        pytest.param(
            "--tiktoken-special-tokens <s> </s>\n",
            "--tokenizer-special-tokens <s> </s>\n",
            id="renamed-nargs-plus",
        ),
        pytest.param(
            "--tokenizer-type 'TikTokenizer'\r\n--lr 1\r\n",
            "--tokenizer-library 'tiktoken'\r\n--lr 1\r\n",
            id="quoting-and-crlf-kept",
        ),
    ],
)
def test_rewrites(before, after):
    findings = check(before, after)
    assert findings and all(f.fixed or f.informational for f in findings)


@pytest.mark.parametrize(
    "text",
    [
        "--patch-tokenizer-type GPT2BPETokenizer\n",
        "--tokenizer-library tiktoken\n",
        "--tokenizer-type TikTokenizer  # megatron-compat: ignore\n",
    ],
)
def test_look_alikes_migrated_and_suppressed_are_left_alone(text):
    assert run(text).new_text == text


def test_dynamic_value_is_reported_with_its_position():
    text = "--lr 1\n--tokenizer-type ${TYPE}\n"
    result = run(text)
    assert result.new_text == text
    [finding] = result.findings
    assert (finding.line, finding.col, finding.code, finding.fixed) == (
        2,
        1,
        DYNAMIC_TOKENIZER_TYPE.code,
        False,
    )
    assert "TikTokenizer: --tokenizer-library tiktoken" in finding.suggestion


def test_ignore_keeps_that_rule_out():
    text = "--legacy-tokenizer\n--tokenizer-type TikTokenizer\n"
    after = run(text, ignore=frozenset({REMOVED_FLAG.code})).new_text
    assert after == "--legacy-tokenizer\n--tokenizer-library tiktoken\n"


def test_file_without_old_flags_is_returned_as_is():
    text = "--lr 1 'unbalanced\n"
    assert run(text).new_text == text and not run(text).findings


@pytest.mark.parametrize(
    "path, expected", [("a/train.args", True), ("x.ARGS", True), ("x.arg", False), ("args", False)]
)
def test_matches_by_extension(path, expected):
    assert matches(PurePath(path), "") is expected


def test_flag_glued_to_other_text_is_reported():
    text = "--lr 1\n'--tokenizer-type TikTokenizer'\n# --tokenizer-type X\n"
    result = run(text)
    assert result.new_text == text
    assert [(f.line, f.fixed) for f in result.findings] == [(2, False), (3, False)]
    assert "unknown tokenizer type 'X'" in result.findings[1].message


def test_commented_out_flags_are_rewritten_and_prose_comments_reported():
    result = run(
        "# --tokenizer-type TikTokenizer\n--lr 1\n#--legacy-tokenizer\n"
        "# drop --tokenizer-hf-use-fast when upgrading\n"
    )
    assert result.new_text == (
        "# --tokenizer-library tiktoken\n--lr 1\n# drop --tokenizer-hf-use-fast when upgrading\n"
    )
    assert [(f.line, f.code, f.fixed) for f in result.findings] == [
        (1, "MTC201", True),
        (3, "MTC203", True),
        (4, "MTC203", False),
    ]
