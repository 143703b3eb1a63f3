"""MTC401: prompt formats that are neither built in nor registered, in every form they are named.

A fork's own format is reported where ``compat.tokenizers`` builds the tokenizer (it would
raise), noted where Megatron's own tokenizers do (``--target upstream``), and left alone where
the old Megatron keeps running the command lines. A format an installed package registers
through the entry-point group is known, and not reported.
"""

from __future__ import annotations

import io
import json

import pytest
from prompt_format_plugins import forget_installed_formats, install_plugin
from rewrite_checks import PYTHON, RewriteChecks

from codemods import migrate
from codemods.kinds import kind_named

SHELL = RewriteChecks(kind_named("shell"), "train.sh")
HEADER = "from megatron.core.tokenizers import MegatronTokenizer\n"
SFT_LINE = (
    "python pretrain_gpt.py --tokenizer-type SFTTokenizer "
    "--sft-tokenizer-prompt-format {} --tokenizer-model ckpt\n"
)


@pytest.fixture(autouse=True)
def fresh_entry_points():
    forget_installed_formats()
    yield
    forget_installed_formats()


def codes(findings, code="MTC401"):
    return [(f.line, f.fixed, f.informational) for f in findings if f.code == code]


def test_a_fork_s_format_on_the_command_line_is_translated_and_reported():
    result = SHELL.run(SFT_LINE.format("gemma"))
    assert "--tokenizer-prompt-format gemma" in result.new_text
    (finding,) = [f for f in result.findings if f.code == "MTC401"]
    assert not finding.fixed and not finding.informational
    assert "'gemma' is neither built in nor registered" in finding.message
    assert "register_prompt_format" in finding.suggestion
    assert "megatron_tokenizer_compat.prompt_formats" in finding.suggestion


@pytest.mark.parametrize("name", ["identity", "nemotron-h-aligned", "chatml", "qwen2p5"])
def test_built_in_formats_are_not_reported(name):
    assert codes(SHELL.run(SFT_LINE.format(name)).findings) == []


@pytest.mark.parametrize("value", ["$PROMPT_FORMAT", '"${FORMAT}"'])
def test_a_format_known_only_at_run_time_is_not_judged(value):
    assert codes(SHELL.run(SFT_LINE.format(value)).findings) == []


def test_the_multimodal_examples_flag_is_read_too():
    findings = SHELL.run(
        "torchrun train.py --tokenizer-type MultimodalTokenizer "
        "--tokenizer-prompt-format=deepseek-v3.2 --tokenizer-model m\n"
    ).findings
    assert codes(findings) == [(1, False, False)]


def test_on_megatron_lm_main_it_is_a_note():
    findings = SHELL.run(
        SFT_LINE.format("gemma"), target="upstream", command_target="upstream"
    ).findings
    (finding,) = [f for f in findings if f.code == "MTC401"]
    assert finding.informational and "not one of Megatron's own" in finding.message


def test_command_lines_kept_for_an_old_megatron_are_not_judged():
    findings = SHELL.check_noop(
        SFT_LINE.format("gemma"),
        command_target="keep",
        kept_because="the vendored Megatron parses them",
    )
    assert codes(findings) == []


def test_a_suppression_comment_silences_a_format_registered_in_code():
    source = "# megatron-compat: ignore[MTC401]\n" + SFT_LINE.format("gemma")
    assert codes(SHELL.run(source).findings) == []


def test_python_keywords_and_dict_entries_are_read():
    findings = PYTHON.check_noop("""\
        from megatron.core.tokenizers import MegatronTokenizer
        tok = MegatronTokenizer.from_pretrained("ckpt", prompt_format="gemma")
        settings = {"tokenizer_prompt_format": "gemma3", "prompt_format": "chatml"}
        args = Namespace(sft_tokenizer_prompt_format="deepseek-v3.2")
        dynamic = MegatronTokenizer.from_pretrained("ckpt", prompt_format=name)
        """)
    assert codes(findings) == [(2, False, False), (3, False, False), (4, False, False)]
    assert "'gemma3'" in findings[1].message


def test_python_on_main_is_a_note():
    findings = PYTHON.check_noop(
        HEADER + 'tok = MegatronTokenizer.from_pretrained("ckpt", prompt_format="gemma")\n',
        target="upstream",
    )
    assert codes(findings) == [(2, False, True)]


@pytest.mark.parametrize("header", ["", "import nemo\n"])
def test_python_outside_megatron_is_not_judged(header):
    """NeMo and chat libraries have prompt formats of their own."""
    assert codes(PYTHON.check_noop(header + 'render(prompt_format="gemma")\n')) == []


def test_a_format_an_installed_package_registers_is_known(tmp_path, monkeypatch):
    site = install_plugin(
        tmp_path / "site", "fork-formats", "fork_formats", {"gemma": "fork_formats:gemma"}
    )
    monkeypatch.syspath_prepend(str(site))
    forget_installed_formats()
    findings = SHELL.run(SFT_LINE.format("gemma") + SFT_LINE.format("gemma3")).findings
    assert codes(findings) == [(2, False, False)]


def test_check_fails_until_the_format_is_registered(tmp_path, monkeypatch):
    project = tmp_path / "project"
    project.mkdir()
    (project / "train.sh").write_text(SFT_LINE.format("gemma"))

    def check() -> tuple[int, dict]:
        out = io.StringIO()
        code = migrate.main(
            ["--check", "--format", "json", "--target", "pr3889", str(project)],
            stdout=out,
            stderr=io.StringIO(),
        )
        return code, json.loads(out.getvalue())

    code, report = check()
    assert code != migrate.EXIT_OK
    assert any(f["code"] == "MTC401" for entry in report["files"] for f in entry["findings"])
    site = install_plugin(
        tmp_path / "site", "fork-formats", "fork_formats", {"gemma": "fork_formats:gemma"}
    )
    monkeypatch.syspath_prepend(str(site))
    forget_installed_formats()
    (project / "train.sh").write_text(
        SFT_LINE.format("gemma").replace(
            "--tokenizer-type SFTTokenizer --sft-tokenizer-prompt-format",
            "--tokenizer-library huggingface --tokenizer-mode sft --tokenizer-prompt-format",
        )
    )
    assert check()[0] == migrate.EXIT_OK
