"""Markdown: fenced shell and console blocks only; prose and other blocks untouched."""

from __future__ import annotations

import textwrap

import pytest

from codemods.core import Options
from codemods.markdown import KIND, matches
from codemods.markdown.rewriter import fenced_blocks


def run(text: str, **options):
    return KIND.rewrite(textwrap.dedent(text), "README.md", Options(**options))


def check(before: str, after: str) -> list:
    result = run(before)
    assert result.new_text == textwrap.dedent(after)
    assert run(result.new_text).new_text == result.new_text, "not idempotent"
    return result.findings


def test_bash_block_with_continuations_and_quoted_assignment():
    findings = check(
        """\
        Train:

        ```bash
        GPT_ARGS="--num-layers 2 --tokenizer-type TikTokenizer"
        torchrun pretrain_gpt.py $GPT_ARGS \\
            --tokenizer-model tok.json
        ```
        """,
        """\
        Train:

        ```bash
        GPT_ARGS="--num-layers 2 --tokenizer-library tiktoken"
        torchrun pretrain_gpt.py $GPT_ARGS \\
            --tokenizer-model tok.json
        ```
        """,
    )
    assert [(f.line, f.col) for f in findings] == [(4, 26)]  # positions in the document


def test_block_with_placeholders_is_rewritten_word_by_word():
    check(
        """\
        ```sh
        python tools/preprocess_data.py --input <DATA> \\
            --tokenizer-type GPT2BPETokenizer \\
            --vocab-file <VOCAB>
        ```
        """,
        """\
        ```sh
        python tools/preprocess_data.py --input <DATA> \\
            --tokenizer-library megatron --tokenizer-model GPT2BPETokenizer \\
            --vocab-file <VOCAB>
        ```
        """,
    )


def test_console_block_rewrites_prompt_lines_only():
    check(
        """\
        ```console
        $ python train.py --tokenizer-type Llama2Tokenizer \\
            --lr 1
        usage: --tokenizer-type TikTokenizer
        ```
        """,
        """\
        ```console
        $ python train.py --tokenizer-library sentencepiece \\
            --lr 1
        usage: --tokenizer-type TikTokenizer
        ```
        """,
    )


@pytest.mark.parametrize("text", [
    "Pass `--tokenizer-type TikTokenizer` to train.\n",
    "```python\nargv = ['--tokenizer-type', 'TikTokenizer']\n```\n",
    "```yaml\n--tokenizer-type: TikTokenizer\n```\n",
    "Run:\n\n    python train.py --tokenizer-type TikTokenizer\n",  # indented: any language
    "```bash\n# python train.py --tokenizer-type TikTokenizer\n```\n",
])
def test_prose_other_languages_and_comments_untouched(text):
    assert run(text).new_text == text


def test_unclosed_fence_runs_to_the_end_of_the_document():
    check("~~~bash\npython t.py --tokenizer-type TikTokenizer\n",
          "~~~bash\npython t.py --tokenizer-library tiktoken\n")


def test_fence_lengths_and_info_strings():
    blocks = fenced_blocks("````Bash title=x\n```\ninner\n````\n```\nplain\n```\n")
    assert [language for language, _, _ in blocks] == ["bash", ""]


@pytest.mark.parametrize("path, expected", [("README.md", True), ("d/x.markdown", True),
                                            ("x.mdx", False)])
def test_matches(path, expected):
    assert matches(path, "") is expected


def test_old_flags_outside_shell_blocks_are_reported_for_a_person():
    text = ("Pass `--tokenizer-type TikTokenizer`.\n\n```python\nargv = ['--legacy-tokenizer']\n"
            "```\n\n```bash\npython t.py --tokenizer-type TikTokenizer\n```\n")
    result = run(text)
    assert [(f.line, f.col, f.code, f.fixed) for f in result.findings] == [
        (1, 7, "MTC201", False), (4, 10, "MTC203", False), (8, 13, "MTC201", True)]
    assert "update it by hand" in result.findings[0].message


def test_prose_report_can_be_suppressed():
    assert not run("Pass `--tokenizer-type X` <!-- megatron-compat: ignore -->\n").findings


def test_bash_block_that_does_not_parse_is_rewritten_word_by_word():
    check("```bash\nif then --tokenizer-type TikTokenizer (\n```\n",
          "```bash\nif then --tokenizer-library tiktoken (\n```\n")
