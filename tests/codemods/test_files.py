"""Discovery and byte-faithful reading/writing (codemods.files)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from codemods.files import DecodeError, WriteError, decode, discover, write_atomic


def names(found, root: Path) -> list[str]:
    return sorted(path.resolve().relative_to(root.resolve()).as_posix() for path in found.files)


def test_gitignore_default_excludes_and_exclude_patterns(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("ignored/\n*.log\n")
    for relative in (
        "a.py",
        "ignored/b.py",
        "x.log",
        "build/c.py",
        ".venv/d.py",
        "pkg.egg-info/e.py",
        "sub/f.py",
        "sub/skip_me.py",
        "sub/deep/g.sh",
    ):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x\n")
    (tmp_path / "sub" / ".gitignore").write_text("deep/\n")
    found, _ = discover([tmp_path], excludes=["skip_me.py"])
    assert names(found, tmp_path) == [".gitignore", "a.py", "sub/.gitignore", "sub/f.py"]


def test_gitignore_above_the_given_folder_applies(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / ".gitignore").write_text("generated.py\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "generated.py").write_text("x\n")
    (tmp_path / "src" / "kept.py").write_text("x\n")
    found, _ = discover([tmp_path / "src"])
    assert [path.name for path in found.files] == ["kept.py"]


def test_explicit_files_are_always_taken_and_missing_ones_reported(tmp_path):
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "x.py").write_text("x\n")
    found, _ = discover([tmp_path / "build" / "x.py", tmp_path / "missing.py"])
    assert [path.name for path in found.files] == ["x.py"]
    assert [item.reason for item in found.skipped] == ["no such file or directory"]


def test_symlinks(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "o.py").write_text("x\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "real.py").write_text("x\n")
    (root / "inside_link.py").symlink_to(root / "real.py")
    (root / "outside_link.py").symlink_to(outside / "o.py")
    (root / "outside_dir").symlink_to(outside, target_is_directory=True)
    found, _ = discover([root])
    assert names(found, root) == ["real.py"]
    assert [item.path.name for item in found.skipped] == ["outside_link.py"]


def test_files_are_listed_once(tmp_path):
    (tmp_path / "a.py").write_text("x\n")
    found, _ = discover([tmp_path, tmp_path / "a.py"])
    assert len(found.files) == 1


@pytest.mark.parametrize(
    "data",
    [
        b"a\nb\n",
        b"a\r\nb\r\n",
        b"a\rb\r",
        b"a\r\nb\nc\r\n",
        b"no newline",
        b"",
        b"\xef\xbb\xbfbom\r\n",
        "ünïcode\n".encode(),
    ],
)
def test_decode_encode_round_trip(data):
    source = decode(data)
    assert "\r" not in source.text
    assert source.encode(source.text) == data


def test_changed_text_keeps_line_endings():
    source = decode(b"\xef\xbb\xbfa\r\nb\r\n")
    assert source.encode("A\nB\nC\n") == b"\xef\xbb\xbfA\r\nB\r\nC\r\n"


@given(
    st.lists(
        st.tuples(st.text(alphabet="ab ", max_size=5), st.sampled_from(["\n", "\r\n", "\r"])),
        max_size=8,
    )
)
def test_decode_round_trip_property(lines):
    data = "".join(text + ending for text, ending in lines).encode()
    assert decode(data).encode(decode(data).text) == data


def test_undecodable():
    with pytest.raises(DecodeError, match="not UTF-8"):
        decode(b"caf\xe9\n")


def test_write_atomic_keeps_mode_and_refuses_outside(tmp_path):
    path = tmp_path / "a.sh"
    path.write_text("old\n")
    path.chmod(0o751)
    write_atomic(path, b"new\n", [tmp_path])
    assert path.read_bytes() == b"new\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    assert [p.name for p in tmp_path.iterdir()] == ["a.sh"]  # no temp file left behind
    other = tmp_path.parent / f"{tmp_path.name}-other.txt"
    other.write_text("x")
    try:
        with pytest.raises(WriteError, match="outside"):
            write_atomic(other, b"y", [tmp_path])
    finally:
        other.unlink()


def test_write_through_a_symlink_keeps_the_link(tmp_path):
    (tmp_path / "real.py").write_text("old\n")
    (tmp_path / "link.py").symlink_to(tmp_path / "real.py")
    write_atomic(tmp_path / "link.py", b"new\n", [tmp_path])
    assert (tmp_path / "link.py").is_symlink()
    assert (tmp_path / "real.py").read_text() == "new\n"


_PATTERN = st.sampled_from(
    [
        "build",
        "*.log",
        "local/",
        "/top.py",
        "docs/_build",
        "**/dist/",
        "a/**/b",
        "*.py[cod]",
        "x?y",
        "[ab]c",
        "logs",
        "\\#hash",
    ]
)
_PATH = st.lists(
    st.sampled_from(
        [
            "build",
            "a",
            "b",
            "x.log",
            "local",
            "top.py",
            "docs",
            "_build",
            "dist",
            "m.pyc",
            "xzy",
            "ac",
            "#hash",
            "logs",
        ]
    ),
    min_size=1,
    max_size=4,
).map("/".join)


@given(st.lists(_PATTERN, min_size=1, max_size=5), _PATH, st.booleans())
def test_patterns_without_negation_match_as_gitignore_does(patterns, path, is_dir):
    from codemods.files import _Patterns

    compiled = _Patterns(["# a comment", "", *patterns])
    assert compiled.regex is not None  # the one-search path is what is checked
    candidate = path + ("/" if is_dir else "")
    assert compiled.match_file(candidate) == compiled.spec.match_file(candidate)


def test_patterns_with_a_negation_keep_gitignore_order():
    from codemods.files import _Patterns

    compiled = _Patterns(["*.py", "!keep.py"])
    assert compiled.regex is None
    assert compiled.match_file("drop.py") and not compiled.match_file("keep.py")
