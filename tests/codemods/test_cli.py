"""``python -m codemods.migrate`` end to end: the example project, modes, formats, exit codes."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from rewrite_checks import assert_names_still_bound

from codemods import migrate
from codemods.core import RewriteResult
from codemods.kinds import kind_named

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "legacy-project"
EXPECTED = EXAMPLE / "expected"
LEGACY_PY = "from megatron.core.tokenizers.text.models import GPTTokenizer\nx = GPTTokenizer\n"
MIGRATED_PY = "from megatron.core.tokenizers.text import MegatronTokenizerText\n" \
    "x = MegatronTokenizerText\n"
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


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file()}


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
    assert code == migrate.EXIT_OK
    assert "7 rewritten" in out
    assert (metadata.parent / "tokenizer_metadata.json.bak").read_bytes() == original_metadata
    assert stat.S_IMODE(script.stat().st_mode) == 0o755
    # the project pins megatron-core 0.19.2: its scripts keep --tokenizer-type (main has it)
    assert "--legacy-tokenizer" not in script.read_text()
    assert "--tokenizer-type HuggingFaceTokenizer" in script.read_text()
    after_first = tree_bytes(project)
    code, out, _ = run("--check", ".")
    # what is left needs a human: reported, never rewritten
    assert code == migrate.EXIT_PENDING
    assert "0 would be rewritten" in out and "1 needs manual changes" in out
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
    assert code == migrate.EXIT_OK
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
        capture_output=True, text=True, check=False,
    )
    assert completed.returncode == migrate.EXIT_PENDING
    assert "1 would be rewritten" in completed.stdout
    assert "\x1b[" not in completed.stderr + completed.stdout  # no progress bar off a terminal


# --- options, exit codes --------------------------------------------------------------------------

def test_unknown_rule_code_is_a_usage_error(tmp_path):
    code, out, err = run("--select", "MTC001,NOPE", str(tmp_path))
    assert code == migrate.EXIT_USAGE
    assert "unknown rule code 'NOPE'" in err and "--list-rules" in err
    assert out == ""


def test_rule_names_are_accepted_and_select_restricts(tmp_path):
    (tmp_path / "a.py").write_text(LEGACY_PY + "y = args.tokenizer_type\n")
    code, out, _ = run(*NEW_DESIGN, "--check", "--select", "tokenizer-type-attribute",
                       str(tmp_path))
    assert code == migrate.EXIT_PENDING
    assert "MTC301" in out and "MTC001" not in out and "0 would be rewritten" in out
    code, out, _ = run(*NEW_DESIGN, "--check", "--ignore", "MTC301", "--ignore", "MTC001",
                       str(tmp_path))
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
    assert (tmp_path / "a.py").read_text().startswith(
        "from compat.tokenizers.text import MegatronTokenizerText")


def test_missing_path_is_reported(tmp_path):
    code, out, _ = run("--check", str(tmp_path / "nope"))
    assert code == migrate.EXIT_FAILED
    assert "no such file or directory" in out


# --- safety ---------------------------------------------------------------------------------------

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


def test_invalid_rewriter_output_is_never_written(tmp_path, monkeypatch):
    replace_python_rewriter(
        monkeypatch, lambda text, path, options: RewriteResult(text + "def (:\n"))
    (tmp_path / "a.py").write_text(LEGACY_PY)
    code, out, _ = run("--write", "-j", "1", str(tmp_path))
    assert code == migrate.EXIT_FAILED
    assert "does not parse" in out
    assert (tmp_path / "a.py").read_text() == LEGACY_PY


def test_suppression_in_every_kind(tmp_path):
    (tmp_path / "a.py").write_text(
        'argv = ["--tokenizer-type", "NullTokenizer"]  # megatron-compat: ignore[MTC201]\n')
    (tmp_path / "run.sh").write_text(
        "train --tokenizer-type NullTokenizer  # megatron-compat: ignore[MTC201]\n")
    assert run("--check", str(tmp_path))[0] == migrate.EXIT_OK


# --- parallel, formats ----------------------------------------------------------------------------

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
        ("MTC001", True), ("MTC301", False)}
    _, out, _ = run(*NEW_DESIGN, "--format", "sarif", "--check", ".")
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    results = sarif["runs"][0]["results"]
    manual = next(r for r in results if r["ruleId"] == "MTC301")
    assert manual["level"] == "warning"
    assert manual["locations"][0]["physicalLocation"]["region"] == {"startLine": 3,
                                                                    "startColumn": 5}
    _, out, _ = run(*NEW_DESIGN, "--format", "github", "--check", ".")
    assert "::warning file=a.py,line=3,col=5,title=MTC301::" in out
    assert "::notice file=a.py,line=1," in out


def test_pre_commit_hook_definition():
    import yaml

    hooks = yaml.safe_load((EXAMPLE.parents[1] / ".pre-commit-hooks.yaml").read_text())
    ids = {hook["id"]: hook for hook in hooks}
    assert ids["megatron-compat-migrate"]["entry"].startswith("megatron-migrate")
    assert "--check" in ids["megatron-compat-check"]["args"]


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


def test_libcst_is_not_imported_when_no_python_needs_parsing(tmp_path):
    for index in range(migrate.MIN_FILES_FOR_POOL + 2):
        (tmp_path / f"run{index}.sh").write_text("train --tokenizer-type NullTokenizer\n")
    (tmp_path / "plain.py").write_text("import torch\n")
    script = (
        "import io, sys\n"
        "from codemods.migrate import main\n"
        f"main(['--check', '-j', '2', {str(tmp_path)!r}], stdout=io.StringIO())\n"
        # the rule modules hold libcst behind a lazy loader: its code must not have run
        "print('libcst._nodes' in sys.modules)\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                               check=True)
    assert completed.stdout.strip() == "False", "libcst was loaded"


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
