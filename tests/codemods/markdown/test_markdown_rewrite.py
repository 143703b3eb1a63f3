"""Markdown: fenced shell and console blocks only; prose and other blocks untouched."""

from __future__ import annotations

from pathlib import PurePath

import pytest
from rewrite_checks import RewriteChecks

from codemods.markdown import KIND, matches
from codemods.markdown.rewriter import fenced_blocks

_CHECKS = RewriteChecks(KIND, "README.md")
run, check = _CHECKS.run, _CHECKS.check_transformed


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


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(
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
            id="placeholders-rewritten-word-by-word",
        ),
        pytest.param(
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
            id="console-block-prompt-lines-only",
        ),
        pytest.param(
            "~~~bash\npython t.py --tokenizer-type TikTokenizer\n",
            "~~~bash\npython t.py --tokenizer-library tiktoken\n",
            id="unclosed-fence-runs-to-the-end-of-the-document",
        ),
        pytest.param(
            "```bash\nif then --tokenizer-type TikTokenizer (\n```\n",
            "```bash\nif then --tokenizer-library tiktoken (\n```\n",
            id="bash-that-does-not-parse-rewritten-word-by-word",
        ),
        pytest.param(
            "```bash\n# python train.py --tokenizer-type TikTokenizer\n```\n",
            "```bash\n# python train.py --tokenizer-library tiktoken\n```\n",
            id="commented-out-command-in-a-shell-block",
        ),
        pytest.param(
            # Megatron-LM's docs/llama_mistral.md shape: an untagged block of argv lines
            "```\n--tensor-model-parallel-size ${TP} \\\n--tokenizer-type Llama2Tokenizer \\\n"
            "--tokenizer-model ${TOKENIZER_MODEL} \\\n--exit-on-missing-checkpoint \\\n```\n",
            "```\n--tensor-model-parallel-size ${TP} \\\n--tokenizer-library sentencepiece \\\n"
            "--tokenizer-model ${TOKENIZER_MODEL} \\\n--exit-on-missing-checkpoint \\\n```\n",
            id="untagged-argv-lines",
        ),
        pytest.param(
            "```text\nCHECKPOINT=<Path to checkpoint (e.g. /ckpt)> (see above)\n"
            "torchrun run.py --load $CHECKPOINT \\\n  --tokenizer-type GPT2BPETokenizer\n"
            "Expect --tokenizer-type to be printed.\n```\n",
            "```text\nCHECKPOINT=<Path to checkpoint (e.g. /ckpt)> (see above)\n"
            "torchrun run.py --load $CHECKPOINT \\\n  --tokenizer-library megatron "
            "--tokenizer-model GPT2BPETokenizer\nExpect --tokenizer-type to be printed.\n```\n",
            id="untagged-not-bash-only-command-lines",
        ),
    ],
)
def test_rewrites(before, after):
    check(before, after)


@pytest.mark.parametrize(
    "text",
    [
        "Pass `--tokenizer-type TikTokenizer` to train.\n",
        "```yaml\n--tokenizer-type: TikTokenizer\n```\n",
        "Run:\n\n    python train.py --tokenizer-type TikTokenizer\n",  # indented: any language
        "```\nSet --tokenizer-type to the type you trained with.\n```\n",  # untagged prose
    ],
)
def test_prose_and_other_languages_untouched(text):
    assert run(text).new_text == text


def test_fence_lengths_and_info_strings():
    blocks = fenced_blocks("````Bash title=x\n```\ninner\n````\n```\nplain\n```\n")
    assert [language for language, _, _ in blocks] == ["bash", ""]


@pytest.mark.parametrize(
    "path, expected",
    [("README.md", True), ("d/x.markdown", True), ("docs/x.mdx", True), ("x.rst", False)],
)
def test_matches(path, expected):
    assert matches(PurePath(path), "") is expected


def test_old_flags_outside_shell_blocks_are_reported_for_a_person():
    text = (
        "Pass `--tokenizer-type TikTokenizer`.\n\n```javascript\nargv = ['--legacy-tokenizer']"
        "\n```\n\n```bash\npython t.py --tokenizer-type TikTokenizer\n```\n"
    )
    result = run(text)
    assert [(f.line, f.col, f.code, f.fixed) for f in result.findings] == [
        (1, 7, "MTC201", False),
        (4, 10, "MTC203", False),
        (8, 13, "MTC201", True),
    ]
    assert "update it by hand" in result.findings[0].message


def test_python_blocks_go_through_the_python_rules_and_names_in_prose_are_reported():
    findings = check(
        """\
        Load it with `GPTTokenizer`:

        ```python
        from megatron.core.tokenizers.text.models import GPTTokenizer
        argv = ["--tokenizer-type", "TikTokenizer"]
        ```

        ```python
        this block is not Python, GPTTokenizer
        ```
        """,
        """\
        Load it with `GPTTokenizer`:

        ```python
        from megatron.core.tokenizers.text import MegatronTokenizerText
        argv = ["--tokenizer-library", "tiktoken"]
        ```

        ```python
        this block is not Python, GPTTokenizer
        ```
        """,
    )
    assert [(f.line, f.code, f.fixed) for f in findings] == [
        (1, "MTC001", False),
        (4, "MTC001", True),
        (5, "MTC201", True),
        (9, "MTC001", False),
    ]
    assert "names the old tokenizer API" in findings[0].message


def test_prose_report_can_be_suppressed():
    assert not run("Pass `--tokenizer-type X` <!-- megatron-compat: ignore -->\n").findings
