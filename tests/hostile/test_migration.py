"""Hostile trees and hostile timing for ``python -m codemods.migrate`` (issue 14, migration part).

Each test reproduces a reported failure: symlink loops, a run killed while writing, concurrent
runs, read-only metadata, mixed line endings, very long lines, input the running Python cannot
parse. The migration must never crash, never write a wrong byte, never leave debris behind, and
always say what it did not do.
"""

from __future__ import annotations

import fcntl
import io
import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codemods import migrate

LEGACY_SH = "train --tokenizer-type SentencePieceTokenizer --seq-length 8\n"
MIGRATED_SH = "train --tokenizer-library sentencepiece --seq-length 8\n"
LEGACY_PY = "from megatron.core.tokenizers.text.models import GPTTokenizer\nx = GPTTokenizer\n"
MIGRATED_PY = (
    "from megatron.core.tokenizers.text import MegatronTokenizerText\nx = MegatronTokenizerText\n"
)
LEGACY_METADATA = '{\n    "library": "sentencepiece",\n    "model_type": "gpt"\n}\n'
MIGRATED_METADATA = '{\n    "library": "sentencepiece",\n    "model_type": "default-text"\n}\n'
REPOSITORY = Path(__file__).resolve().parents[2]


# these trees name no Megatron: they are migrated to the new design, whatever is installed
NEW_DESIGN = ["--target", "pr3889"]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = migrate.main([*NEW_DESIGN, *argv], stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def python_with_the_package(*args: str, **kwargs: object) -> subprocess.Popen[str]:
    """A fresh interpreter that imports this checkout's ``codemods``."""
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    return subprocess.Popen([sys.executable, *args], env=environment, text=True, **kwargs)  # type: ignore[call-overload]


@pytest.fixture
def tree(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    monkeypatch.chdir(root)
    return root


# --- 8: symlink loops ----------------------------------------------------------------------------


def test_symlink_loops_anywhere_are_reported_and_the_rest_is_migrated(tree):
    (tree / "run.sh").write_text(LEGACY_SH)
    (tree / "me.sh").symlink_to("me.sh")
    (tree / "sub").mkdir()
    (tree / "sub" / "a.sh").symlink_to("b.sh")
    (tree / "sub" / "b.sh").symlink_to("a.sh")
    (tree / "sub" / "again").symlink_to("..", target_is_directory=True)
    (tree / "sub" / "legacy.py").write_text(LEGACY_PY)
    code, out, err = run("--write", ".")
    assert err == ""
    assert code == migrate.EXIT_OK, out
    assert (tree / "run.sh").read_text() == MIGRATED_SH
    assert (tree / "sub" / "legacy.py").read_text() == MIGRATED_PY
    for name in ("me.sh", "sub/a.sh", "sub/b.sh"):
        assert f"{name}: skipped: symlink loop" in out
    assert all((tree / name).is_symlink() for name in ("me.sh", "sub/a.sh", "sub/b.sh"))


def test_a_symlink_loop_named_on_the_command_line_is_reported(tree):
    (tree / "me.sh").symlink_to("me.sh")
    (tree / "run.sh").write_text(LEGACY_SH)
    code, out, _ = run("--check", "me.sh", "run.sh")
    assert code == migrate.EXIT_PENDING
    assert "me.sh: skipped: symlink loop" in out
    assert "1 would be rewritten" in out


def test_a_fifo_never_blocks_the_run(tree):
    os.mkfifo(tree / "pipe.sh")
    (tree / "run.sh").write_text(LEGACY_SH)
    code, out, _ = run("--check", ".")
    assert code == migrate.EXIT_PENDING and "1 would be rewritten" in out
    code, out, _ = run("--check", "pipe.sh", "run.sh")
    assert "pipe.sh: skipped: not a regular file" in out


# --- 9: a run killed while writing ---------------------------------------------------------------

DEBRIS = ".big.sh.1v58o701.migrate"


def test_debris_of_an_interrupted_run_is_reported_then_removed_by_write(tree):
    (tree / "big.sh").write_text(LEGACY_SH)
    debris = tree / DEBRIS
    debris.write_text(MIGRATED_SH[:10])
    debris.chmod(0o600)
    # look-alikes that are not ours: no original beside it, or another suffix
    (tree / ".gone.sh.abcd1234.migrate").write_text("x")
    (tree / ".big.sh.abcd1234.migrated").write_text("x")
    code, out, _ = run("--check", ".")
    assert code == migrate.EXIT_PENDING
    assert (
        f"{DEBRIS}: skipped: temporary file left by an interrupted run; --write removes it" in out
    )
    assert debris.exists()
    code, out, _ = run("--write", ".")
    assert code == migrate.EXIT_OK
    assert f"{DEBRIS}: removed: temporary file left by an interrupted run" in out
    assert "1 leftover temporary file removed" in out
    assert not debris.exists()
    assert (tree / ".gone.sh.abcd1234.migrate").exists()
    assert (tree / ".big.sh.abcd1234.migrated").exists()
    assert (tree / "big.sh").read_text() == MIGRATED_SH
    code, out, _ = run("--write", ".")
    assert "temporary file" not in out


def test_a_temporary_file_another_run_is_writing_is_left_alone(tree):
    (tree / "big.sh").write_text(MIGRATED_SH)
    (tree / DEBRIS).write_text("half")
    # the writer of the other run holds a lock on the original while its temporary file exists
    with open(tree / "big.sh", "rb") as original:
        fcntl.flock(original, fcntl.LOCK_EX)
        code, out, _ = run("--write", "-j", "1", ".")
    assert (tree / DEBRIS).exists()
    assert "another run" in out


def test_explicitly_named_files_get_their_debris_removed(tree):
    (tree / "big.sh").write_text(LEGACY_SH)
    (tree / DEBRIS).write_text("half")
    code, out, _ = run("--write", "big.sh")
    assert code == migrate.EXIT_OK
    assert not (tree / DEBRIS).exists()


KILLED_WRITER = """
import os, sys, time
from codemods import files, migrate

def write_half_and_hang(handle, data):
    handle.write(data[: len(data) // 2])
    handle.flush()
    print("half written", flush=True)
    time.sleep(600)

files._write_all = write_half_and_hang
sys.exit(migrate.main(["--target", "pr3889", "--write", "-j", "1", "."]))
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_kill_9_during_a_write_then_the_next_run_cleans_up(tree):
    big = tree / "big.args"
    original = ("--tokenizer-type SentencePieceTokenizer\n" + "--seq-length 8\n" * 200_000).encode()
    big.write_bytes(original)
    writer = python_with_the_package(
        "-c", KILLED_WRITER, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline() == "half written\n", writer.stderr and writer.stderr.read()
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.communicate()
    debris = [path for path in tree.iterdir() if path.name.endswith(".migrate")]
    assert len(debris) == 1 and 0 < debris[0].stat().st_size < len(original)
    assert big.read_bytes() == original  # the original is intact
    code, out, _ = run("--write", ".")
    assert code == migrate.EXIT_OK
    assert f"{debris[0].name}: removed: temporary file left by an interrupted run" in out
    assert sorted(path.name for path in tree.iterdir()) == ["big.args"]
    assert big.read_bytes().startswith(b"--tokenizer-library sentencepiece\n")


# --- 10: concurrent runs, read-only metadata -----------------------------------------------------


def make_metadata_tree(root: Path, count: int) -> None:
    for index in range(count):
        folder = root / f"tok{index:02}"
        folder.mkdir()
        (folder / "tokenizer_metadata.json").write_text(LEGACY_METADATA)
        (folder / "run.sh").write_text(LEGACY_SH)


def test_concurrent_write_runs_do_not_race(tree):
    make_metadata_tree(tree, 30)
    runs = [
        python_with_the_package(
            "-m",
            "codemods.migrate",
            *NEW_DESIGN,
            "--write",
            "-j",
            "1",
            ".",
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    outputs = [process.communicate() for process in runs]
    assert [process.returncode for process in runs] == [0] * 4, outputs
    for folder in tree.iterdir():
        assert (folder / "tokenizer_metadata.json").read_text() == MIGRATED_METADATA
        assert (folder / "run.sh").read_text() == MIGRATED_SH
        # one backup of the original, whichever run wrote it; no .bak.1, no debris
        assert sorted(path.name for path in folder.iterdir()) == [
            "run.sh",
            "tokenizer_metadata.json",
            "tokenizer_metadata.json.bak",
        ]
        assert (folder / "tokenizer_metadata.json.bak").read_text() == LEGACY_METADATA


def test_a_file_another_run_rewrote_meanwhile_is_not_written_twice(tree, monkeypatch):
    make_metadata_tree(tree, 1)
    run_all = migrate.run_all

    def another_run_writes_first(*args, **kwargs):
        results = run_all(*args, **kwargs)
        monkeypatch.setattr(migrate, "run_all", run_all)
        assert run("--write", ".")[0] == migrate.EXIT_OK
        return results

    monkeypatch.setattr(migrate, "run_all", another_run_writes_first)
    code, out, _ = run("--write", ".")
    assert code == migrate.EXIT_OK, out
    folder = tree / "tok00"
    assert sorted(path.name for path in folder.iterdir()) == [
        "run.sh",
        "tokenizer_metadata.json",
        "tokenizer_metadata.json.bak",
    ]
    assert (folder / "tokenizer_metadata.json.bak").read_text() == LEGACY_METADATA


def test_a_file_edited_meanwhile_keeps_the_edit(tree, monkeypatch):
    (tree / "run.sh").write_text(LEGACY_SH)
    edited = "# saved by an editor while the migration ran\n" + LEGACY_SH
    run_all = migrate.run_all

    def someone_edits(*args, **kwargs):
        results = run_all(*args, **kwargs)
        (tree / "run.sh").write_text(edited)
        return results

    monkeypatch.setattr(migrate, "run_all", someone_edits)
    code, out, _ = run("--write", ".")
    assert code == migrate.EXIT_FAILED
    assert "run.sh: skipped: changed on disk while the migration ran" in out
    assert (tree / "run.sh").read_text() == edited


def test_read_only_metadata_is_never_backed_up_nor_counted(tree):
    make_metadata_tree(tree, 1)
    metadata = tree / "tok00" / "tokenizer_metadata.json"
    (tree / "tok00" / "run.sh").unlink()
    metadata.chmod(0o444)
    for _ in range(3):
        code, out, _ = run("--write", ".")
        assert code == migrate.EXIT_FAILED
        assert "tok00/tokenizer_metadata.json: skipped: read-only" in out
        assert "0 rewritten, 0 sites rewritten" in out
        assert sorted(path.name for path in metadata.parent.iterdir()) == [
            "tokenizer_metadata.json"
        ]
    assert metadata.read_text() == LEGACY_METADATA


def test_an_identical_backup_is_reused(tree):
    make_metadata_tree(tree, 1)
    folder = tree / "tok00"
    metadata = folder / "tokenizer_metadata.json"
    run("--write", ".")
    metadata.write_text(LEGACY_METADATA)  # the user put the original back
    run("--write", ".")
    assert sorted(path.name for path in folder.iterdir()) == [
        "run.sh",
        "tokenizer_metadata.json",
        "tokenizer_metadata.json.bak",
    ]


# --- 11: mixed line endings ----------------------------------------------------------------------


def endings(data: bytes) -> list[bytes]:
    return [b"\r\n" if line.endswith(b"\r\n") else b"\n" for line in data.splitlines(True)]


def test_mixed_line_endings_stay_on_their_lines_below_inserted_lines(tree):
    yaml_lines = [
        "model:",
        "  args:",
        "    - --tokenizer-type",
        "    - SFTTokenizer",
        "    - --tokenizer-model",
        "    - x",
        "other: 1",
        "last: 2",
    ]
    yaml_endings = ["\r\n", "\n", "\r\n", "\n", "\r\n", "\n", "\r\n", "\n"]
    (tree / "c.yaml").write_bytes(
        "".join(line + ending for line, ending in zip(yaml_lines, yaml_endings)).encode()
    )
    metadata_lines = [
        "{",
        '    "library": "null",',
        '    "class_path": "megatron.core.tokenizers.text.models.gpt_tokenizer",',
        '    "chat_template": null',
        "}",
    ]
    metadata_endings = ["\n", "\r\n", "\n", "\r\n", "\n"]
    (tree / "tokenizer_metadata.json").write_bytes(
        "".join(line + ending for line, ending in zip(metadata_lines, metadata_endings)).encode()
    )
    assert run("--write", "--no-backup", ".")[0] == migrate.EXIT_OK
    yaml_after = (tree / "c.yaml").read_bytes().splitlines(True)
    # 2 lines became 6: the lines below keep their own endings
    assert yaml_after[-4:] == [
        b"    - --tokenizer-model\r\n",
        b"    - x\n",
        b"other: 1\r\n",
        b"last: 2\n",
    ]
    assert yaml_after[:2] == [b"model:\r\n", b"  args:\n"]
    metadata_after = (tree / "tokenizer_metadata.json").read_bytes().splitlines(True)
    assert len(metadata_after) == 6
    assert metadata_after[0] == b"{\n" and metadata_after[-2:] == [
        b'    "chat_template": null\r\n',
        b"}\n",
    ]


# --- 12: very long lines -------------------------------------------------------------------------


def test_a_one_line_argv_file_of_two_hundred_thousand_words_is_rewritten(tree):
    words = ["--tokenizer-type", "SentencePieceTokenizer"] + ["--seq-length", "8"] * 100_000
    (tree / "long.args").write_text(" ".join(words) + "\n")
    (tree / "long.sh").write_text("train \\\n  " + " ".join(words) + "\n")
    code, out, _ = run("--write", "-j", "1", ".")
    assert code == migrate.EXIT_OK, out
    assert (
        (tree / "long.args")
        .read_text()
        .startswith("--tokenizer-library sentencepiece --seq-length 8")
    )
    assert (
        (tree / "long.sh").read_text().startswith("train \\\n  --tokenizer-library sentencepiece ")
    )


# --- 13: input the running Python cannot parse ---------------------------------------------------

NESTED = (
    "from megatron.core.tokenizers.text.models import GPTTokenizer\n"
    f"x = {'(' * 500}GPTTokenizer{')' * 500}\n"
)
PEP_695 = textwrap.dedent("""\
    from megatron.core.tokenizers.text.models import GPTTokenizer
    type Alias = GPTTokenizer
    def identity[T](value: T) -> T:
        return value
""")


def test_too_deeply_nested_input_is_not_called_a_bug(tree):
    (tree / "nested.py").write_text(NESTED)
    code, out, _ = run("--check", ".")
    assert code == migrate.EXIT_FAILED
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert f"nested.py: skipped: does not parse on this Python ({version})" in out
    assert "bug" not in out
    assert "0 sites to rewrite" in out


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="PEP 695 parses on 3.12+")
def test_newer_syntax_than_the_running_python_is_not_called_a_bug(tree):
    (tree / "pep695.py").write_text(PEP_695)
    code, out, _ = run("--write", ".")
    assert code == migrate.EXIT_FAILED
    assert "pep695.py: skipped: does not parse on this Python (3." in out
    assert "run the migration with the Python version your code is written for" in out
    assert "bug" not in out
    assert (tree / "pep695.py").read_text() == PEP_695


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 695 needs Python 3.12")
def test_newer_syntax_is_migrated_where_it_parses(tree):
    (tree / "pep695.py").write_text(PEP_695)
    assert run("--write", ".")[0] == migrate.EXIT_OK
    assert "type Alias = MegatronTokenizerText" in (tree / "pep695.py").read_text()


def test_the_json_report_of_a_hostile_tree_is_complete(tree):
    (tree / "me.sh").symlink_to("me.sh")
    (tree / "nested.py").write_text(NESTED)
    (tree / "run.sh").write_text(LEGACY_SH)
    (tree / DEBRIS.replace("big", "run")).write_text("half")
    _, out, _ = run("--check", "--format", "json", ".")
    report = json.loads(out)
    statuses = {entry["path"]: entry["status"] for entry in report["files"]}
    assert statuses == {
        "me.sh": "skipped",
        "nested.py": "failed",
        "run.sh": "changed",
        ".run.sh.1v58o701.migrate": "debris",
    }


def test_an_unreadable_folder_is_reported_not_crashed(tree, monkeypatch):
    (tree / "locked").mkdir()
    (tree / "locked" / "run.sh").write_text(LEGACY_SH)
    (tree / "run.sh").write_text(LEGACY_SH)
    scandir = os.scandir

    # chmod 0 would not stop the tests when they run as root
    def permission_denied(path):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return scandir(path)

    monkeypatch.setattr("codemods.files.os.scandir", permission_denied)
    code, out, _ = run("--check", ".")
    assert code == migrate.EXIT_FAILED
    assert "locked: skipped: cannot list the folder: Permission denied" in out
    assert "1 would be rewritten" in out
