"""reStructuredText: shell, console, prompt and literal blocks; prose reported."""

from __future__ import annotations

from pathlib import PurePath

import pytest
from rewrite_checks import RewriteChecks

from codemods.rst import KIND, matches
from codemods.rst.rewriter import code_blocks

_CHECKS = RewriteChecks(KIND, "docs/training.rst")
run, check = _CHECKS.run, _CHECKS.check_transformed


def sites(findings):
    """The findings that are sites (rewritten or left for a person), not the translator's notes."""
    return [finding for finding in findings if not finding.informational]


def test_code_block_directive_with_options_and_continuations():
    findings = check(
        """\
        Training
        ========

        Run the script:

        .. code-block:: bash
           :linenos:
           :caption: train.sh

           torchrun pretrain_gpt.py \\
               --tokenizer-type GPT2BPETokenizer \\
               --legacy-tokenizer \\
               --lr 1e-4

        Then evaluate.
        """,
        """\
        Training
        ========

        Run the script:

        .. code-block:: bash
           :linenos:
           :caption: train.sh

           torchrun pretrain_gpt.py \\
               --tokenizer-library megatron --tokenizer-model GPT2BPETokenizer \\
               --lr 1e-4

        Then evaluate.
        """,
    )
    assert [(f.line, f.col, f.code) for f in sites(findings)] == [
        (11, 8, "MTC201"),
        (12, 8, "MTC203"),
    ]


@pytest.mark.parametrize(
    "before, after",
    [
        pytest.param(
            ".. code:: console\n\n   $ python t.py --tokenizer-type TikTokenizer\n   done\n",
            ".. code:: console\n\n   $ python t.py --tokenizer-library tiktoken\n   done\n",
            id="console",
        ),
        pytest.param(
            ".. prompt:: bash $\n\n   python t.py --tokenizer-type NullTokenizer\n",
            ".. prompt:: bash $\n\n   python t.py --tokenizer-library null\n",
            id="sphinx-prompt",
        ),
        pytest.param(
            "Pass these arguments::\n\n    --tokenizer-type Llama2Tokenizer \\\n"
            "    --tokenizer-model /tok.model\n",
            "Pass these arguments::\n\n    --tokenizer-library sentencepiece \\\n"
            "    --tokenizer-model /tok.model\n",
            id="literal-block",
        ),
        pytest.param(
            "- Step one:\n\n  .. code-block:: shell\n\n     ARGS=(--tokenizer-type TikTokenizer)\n",
            "- Step one:\n\n  .. code-block:: shell\n\n     ARGS=(--tokenizer-library tiktoken)\n",
            id="nested-in-a-list",
        ),
    ],
)
def test_rewrites(before, after):
    check(before, after)


@pytest.mark.parametrize(
    "text",
    [
        "Use ``--tokenizer-type TikTokenizer`` no more.\n",
        ".. code-block:: python\n\n   argv = ['--tokenizer-type', 'TikTokenizer']\n",
        ".. note::\n\n   --tokenizer-type is deprecated.\n",
    ],
)
def test_prose_and_other_languages_are_reported_not_edited(text):
    result = run(text)
    assert result.new_text == text
    assert [f.fixed for f in result.findings] == [False]
    assert "update it by hand" in result.findings[0].message


def test_blocks_end_where_the_indentation_does():
    text = ".. code-block:: bash\n\n   a\n\n   b\nprose\n\nx::\n\n  c\n"
    assert [(lang, text[start:end]) for lang, start, end in code_blocks(text)] == [
        ("bash", "   a\n\n   b"),
        ("", "  c"),
    ]


def test_a_double_colon_inside_a_code_block_opens_no_block():
    text = ".. code-block:: bash\n\n   echo note::\n       indented\n"
    assert [lang for lang, _, _ in code_blocks(text)] == ["bash"]


@pytest.mark.parametrize("path, expected", [("docs/a.rst", True), ("a.md", False)])
def test_matches(path, expected):
    assert matches(PurePath(path), "") is expected
