"""Which Megatron a tree runs against, from the evidence in it, and what that lets a rewrite use.

The trees are small realistic layouts written here: a Megatron-DeepSpeed-like fork vendoring an
old parser, a Megatron-LM checkout of each era, a fork pinning Megatron-LM as a submodule,
projects pinning megatron-core in each kind of dependency file.
"""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

import pytest

from codemods import migrate
from codemods.context import (
    ContextFinder,
    VendoredMegatron,
    command_target,
    project_root,
    python_target,
    user_evidence,
)
from compat.releases import G1, G2, MAIN, PR3889, RELEASE_0_19, api_for_version

# the tokenizer part of each parser era, written as each era wrote it
G1_PARSER = """\
def _add_tokenizer_args(parser):
    group = parser.add_argument_group(title='tokenizer')
    group.add_argument('--tokenizer-type', type=str, default=None)
    group.add_argument('--tokenizer-model', type=str, default=None)
    group.add_argument('--tiktoken-special-tokens', type=str, nargs='+')
    group.add_argument('--tokenizer-hf-use-fast', action='store_true')
    group.add_argument('--tokenizer-hf-include-special-tokens', action='store_true')
    group.add_argument('--legacy-tokenizer', action='store_true')
    return parser
"""
G2_PARSER = G1_PARSER.replace(
    "    group.add_argument('--legacy-tokenizer', action='store_true')\n",
    "    group.add_argument('--tokenizer-hf-no-use-fast', action='store_true')\n"
    "    group.add_argument('--tokenizer-hf-no-include-special-tokens', action='store_true')\n",
)
FORK_PARSER = """\
def _add_data_args(parser):
    group = parser.add_argument_group(title='data and dataloader')
    group.add_argument('--tokenizer-type', type=str, default=None,
                       choices=['BertWordPieceLowerCase', 'GPT2BPETokenizer'])
    return parser
"""
CONFIG_ERA = """\
from dataclasses import dataclass


@dataclass(kw_only=True)
class TokenizerConfig:
    vocab_size: int | None = None
    tokenizer_type: str | None = None
    tokenizer_model: str | None = None
    metadata_path: str | None = None
    special_tokens: list[str] | None = None
    tokenizer_hf_no_use_fast: bool = False
    tokenizer_hf_no_include_special_tokens: bool = False
    null_tokenizer_eod_id: int | None = None
    null_tokenizer_pad_id: int = -1
"""
LAUNCH = "torchrun pretrain_gpt.py --tokenizer-type GPT2BPETokenizer --legacy-tokenizer\n"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def vendored(
    root: Path,
    parser: str | None = None,
    config: str | None = None,
    tokenizers: tuple[str, ...] = (),
) -> Path:
    files = {"megatron/__init__.py": ""}
    if parser is not None:
        files["megatron/training/arguments.py"] = parser
    if config is not None:
        files["megatron/training/config/training_config.py"] = config
    for module in tokenizers:
        files[f"megatron/core/tokenizers/{module}"] = ""
    return write(root, files)


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    code = migrate.main(list(argv), stdout=out, stderr=io.StringIO())
    return code, out.getvalue()


# --- reading a vendored Megatron ----------------------------------------------------------------


@pytest.mark.parametrize(
    "parser, config, tokenizers, like",
    [
        pytest.param(FORK_PARSER, None, (), G1, id="fork-older-than-G1"),
        pytest.param(G1_PARSER, None, ("text/utils/build_tokenizer.py",), G1, id="G1"),
        pytest.param(
            G2_PARSER, None, ("vision/__init__.py", "text/models/__init__.py"), G2, id="G2"
        ),
        pytest.param(
            None,
            CONFIG_ERA,
            ("vision/__init__.py", "text/models/__init__.py"),
            RELEASE_0_19,
            id="0.19-config-era",
        ),
        pytest.param(None, CONFIG_ERA, ("vision/__init__.py",), MAIN, id="main-wrappers-gone"),
        pytest.param(
            G2_PARSER + "    group.add_argument('--tokenizer-library')\n",
            None,
            ("conversation/__init__.py",),
            PR3889,
            id="pr3889",
        ),
    ],
)
def test_a_vendored_megatron_is_read_from_its_parser_and_tokenizer_tree(
    tmp_path, parser, config, tokenizers, like
):
    api = VendoredMegatron(vendored(tmp_path, parser, config, tokenizers) / "megatron").api()
    assert api is not None and api.key == like.key
    assert "vendored" in api.name


def test_the_vendored_parser_s_own_flags_are_what_it_accepts(tmp_path):
    api = VendoredMegatron(vendored(tmp_path, FORK_PARSER) / "megatron").api()
    assert api is not None
    assert api.accepts("--tokenizer-type") and not api.accepts("--legacy-tokenizer")
    assert command_target(api) == "keep"  # old flags, old meaning: left as they are
    assert python_target(api) == "compat"  # no megatron.core.tokenizers of the new API


def test_a_megatron_folder_without_parser_or_tokenizers_says_nothing(tmp_path):
    assert VendoredMegatron(vendored(tmp_path) / "megatron").api() is None


@pytest.mark.parametrize(
    "api, python, command",
    [
        (G1, "compat", "keep"),
        (G2, "compat", "upstream"),
        (RELEASE_0_19, "compat", "upstream"),
        (MAIN, "upstream", "upstream"),
        (PR3889, "pr3889", "pr3889"),
        (None, "pr3889", "pr3889"),
    ],
)
def test_targets_are_the_newest_the_api_can_run(api, python, command):
    assert (python_target(api), command_target(api)) == (python, command)


# --- evidence and its strength ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, text",
    [
        ("requirements.txt", "torch\nmegatron-core==0.17.1\n"),
        ("requirements-train.txt", "megatron_core == 0.17.1  # pinned for the cluster\n"),
        ("pyproject.toml", '[project]\ndependencies = ["megatron-core==0.17.1", "numpy"]\n'),
        ("setup.cfg", "[options]\ninstall_requires =\n    megatron-core==0.17.1\n"),
        ("setup.py", 'setup(install_requires=["megatron-core==0.17.1"])\n'),
        ("environment.yml", "dependencies:\n  - pip:\n    - megatron-core==0.17.1\n"),
    ],
)
def test_a_pin_in_any_dependency_file(tmp_path, name, text):
    write(tmp_path, {name: text, "train.py": ""})
    context = ContextFinder().for_file(tmp_path / "train.py")
    assert context.chosen is not None and context.chosen.kind == "pin"
    assert context.api == G2 and context.command_target == "upstream"


def test_a_lower_bound_is_said_to_be_one(tmp_path):
    write(tmp_path, {"requirements.txt": "megatron-core>=0.18\n"})
    context = ContextFinder().for_root(tmp_path)
    assert context.chosen is not None and "at least" in context.chosen.note


def test_vendored_megatron_wins_over_a_pin_and_the_report_says_why(tmp_path):
    vendored(tmp_path, FORK_PARSER)
    write(tmp_path, {"requirements.txt": "megatron-core==0.19.2\n", "run.sh": LAUNCH})
    context = ContextFinder().for_root(tmp_path)
    assert context.chosen is not None and context.chosen.kind == "vendored"
    summary = context.summary()
    assert "which the tree's code imports" in summary and "also found" in summary
    assert "megatron-core==0.19.2" in summary


def test_the_user_s_word_wins(tmp_path):
    vendored(tmp_path, FORK_PARSER)
    finder = ContextFinder(user=user_evidence("0.19.2", tmp_path))
    context = finder.for_root(tmp_path)
    assert context.chosen is not None and context.chosen.kind == "user"
    assert context.command_target == "upstream"


def test_the_user_can_name_a_checkout(tmp_path):
    checkout = vendored(tmp_path / "Megatron-LM", G2_PARSER)
    evidence = user_evidence(str(checkout), tmp_path)
    assert evidence.api is not None and evidence.api.key == G2.key
    with pytest.raises(ValueError, match="no Megatron there"):
        user_evidence(str(tmp_path), tmp_path / "nowhere-else")
    with pytest.raises(ValueError, match="not a megatron-core version"):
        user_evidence("banana", tmp_path)


def test_no_evidence_in_the_tree_falls_back_to_the_installed_megatron_core(tmp_path):
    write(tmp_path, {"train.py": ""})
    finder = ContextFinder()
    context = finder.for_file(tmp_path / "train.py")
    installed = finder.installed
    if installed is None:
        assert context.chosen is None and context.python_target == "pr3889"
        assert "assuming the new API" in context.summary()
    else:
        assert context.chosen is installed


def test_a_monorepo_s_projects_each_have_their_own(tmp_path):
    write(tmp_path / "old", {"requirements.txt": "megatron-core==0.16.1\n", "run.sh": LAUNCH})
    write(tmp_path / "new", {"requirements.txt": "megatron-core==0.19.2\n", "run.sh": LAUNCH})
    finder = ContextFinder()
    assert finder.for_file(tmp_path / "old" / "run.sh").command_target == "keep"
    assert finder.for_file(tmp_path / "new" / "run.sh").command_target == "upstream"
    assert project_root(tmp_path / "new") == tmp_path / "new"


def test_a_sub_project_that_names_no_megatron_runs_what_the_project_around_it_runs(tmp_path):
    write(tmp_path, {"requirements.txt": "megatron-core==0.16.1\n"})
    write(tmp_path / "examples" / "sft", {"requirements.txt": "datasets\n", "run.sh": LAUNCH})
    context = ContextFinder().for_file(tmp_path / "examples" / "sft" / "run.sh")
    assert context.root == tmp_path / "examples" / "sft"
    assert context.command_target == "keep"
    assert context.python_target == "compat"


def test_a_project_with_nothing_around_it_does_not_look_outside(tmp_path):
    write(tmp_path / "outer", {"requirements.txt": "megatron-core==0.16.1\n"})
    inner = tmp_path / "outer" / "checkout"
    write(inner, {"run.sh": LAUNCH})
    (inner / ".git").mkdir()
    context = ContextFinder().for_file(inner / "run.sh")
    assert context.root == inner
    assert context.chosen is None or context.chosen.kind == "installed"


def _git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(root), *args],
        check=True,
        capture_output=True,
        env={
            "GIT_AUTHOR_NAME": "t",
            "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t",
            "GIT_COMMITTER_EMAIL": "t@t",
            "HOME": str(root),
            "PATH": "/usr/bin:/bin",
        },
    )


def test_a_submodule_not_checked_out_is_known_by_its_pinned_commit(tmp_path):
    release_commit = "266f1c97dca477ca8b92c16087506da2000b0b84"  # core_v0.17.1
    write(
        tmp_path,
        {
            ".gitmodules": '[submodule "Megatron-LM"]\n\tpath = third_party/Megatron-LM'
            "\n\turl = https://github.com/NVIDIA/Megatron-LM.git\n",
            "run.sh": LAUNCH,
        },
    )
    _git(tmp_path, "init", "-q")
    _git(
        tmp_path,
        "update-index",
        "--add",
        "--cacheinfo",
        f"160000,{release_commit},third_party/Megatron-LM",
    )
    _git(tmp_path, "add", ".gitmodules", "run.sh")
    _git(tmp_path, "commit", "-q", "-m", "pin")
    context = ContextFinder().for_root(tmp_path)
    assert context.chosen is not None and context.chosen.kind == "submodule"
    assert context.api == G2 and "pinned at 266f1c97dc" in context.chosen.note
    assert (tmp_path / "third_party" / "Megatron-LM").resolve() in context.megatron_dirs


def test_a_submodule_at_an_unknown_commit_keeps_the_command_lines(tmp_path):
    # no Megatron-LM commit but PR #3889's head has the new flags
    write(
        tmp_path,
        {
            ".gitmodules": '[submodule "mlm"]\n\tpath = mlm\n'
            "\turl = git@github.com:someone/megatron-lm.git\n"
        },
    )
    context = ContextFinder().for_root(tmp_path)
    assert context.chosen is not None and context.chosen.kind == "submodule"
    assert context.api is None and "git cannot tell its commit" in context.chosen.note
    assert (context.python_target, context.command_target) == ("compat", "keep")


# --- end to end: what --write does to a tree that vendors an old Megatron ------------------------


def test_a_fork_vendoring_an_old_megatron_keeps_its_scripts_and_its_megatron(tmp_path, monkeypatch):
    vendored(tmp_path, FORK_PARSER)
    write(
        tmp_path,
        {
            "megatron/tokenizer/tokenizer.py": "if args.tokenizer_type == 'GPT2BPETokenizer':\n"
            "    pass\n",
            "examples/pretrain_gpt.sh": LAUNCH,
        },
    )
    before = {path: path.read_bytes() for path in tmp_path.rglob("*") if path.is_file()}
    monkeypatch.chdir(tmp_path)
    code, out = run("--write", "--format", "json", ".")
    report = json.loads(out)
    assert code == migrate.EXIT_OK
    assert all(path.read_bytes() == data for path, data in before.items())
    (context,) = report["contexts"]
    assert context["command_target"] == "keep" and "vendored" in context["megatron"]
    megatron_itself = [f for f in report["files"] if f["path"] == "megatron/"]
    assert megatron_itself and megatron_itself[0]["status"] == "skipped"
    assert "--include-megatron" in megatron_itself[0]["reason"]
    (script,) = [f for f in report["files"] if f["path"] == "examples/pretrain_gpt.sh"]
    assert {(f["code"], f["informational"]) for f in script["findings"]} == {
        ("MTC201", True),
        ("MTC203", True),
    }
    assert "upgrade that Megatron" in script["findings"][0]["message"]


def test_include_megatron_rewrites_megatron_itself_too(tmp_path, monkeypatch):
    vendored(tmp_path, G2_PARSER)
    write(
        tmp_path,
        {
            "megatron/core/tokenizers/text/models/__init__.py": (
                "from megatron.core.tokenizers.text.models.gpt_tokenizer import GPTTokenizer\n"
            )
        },
    )
    monkeypatch.chdir(tmp_path)
    assert run("--check", "--target", "pr3889", ".")[0] == migrate.EXIT_OK
    code, out = run("--check", "--show-fixed", "--target", "pr3889", "--include-megatron", ".")
    assert code == migrate.EXIT_PENDING and "MTC001" in out


def test_an_explicit_target_wins_over_the_context(tmp_path, monkeypatch):
    vendored(tmp_path, G1_PARSER)
    write(tmp_path, {"run.sh": LAUNCH})
    monkeypatch.chdir(tmp_path)
    run("--write", "--target", "pr3889", ".")
    assert (tmp_path / "run.sh").read_text() == (
        "torchrun pretrain_gpt.py --tokenizer-library megatron --tokenizer-model "
        "GPT2BPETokenizer --tokenizer-hf-no-use-fast --tokenizer-hf-no-include-special-tokens\n"
    )


def test_a_bad_megatron_option_is_a_usage_error(tmp_path):
    err = io.StringIO()
    code = migrate.main(
        ["--megatron", "not-a-version", str(tmp_path)], stdout=io.StringIO(), stderr=err
    )
    assert code == migrate.EXIT_USAGE and "not a megatron-core version" in err.getvalue()


def test_version_table_reads_patch_versions():
    assert api_for_version("0.17.1").api == G2
