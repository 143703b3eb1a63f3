"""The shell rewriter over every shell script of a real tree: no crash, no new syntax errors.

The tree is this interpreter's installation (site-packages and its scripts folder) and the
system's executable folders on PATH: every file that is a shell script by extension or shebang.
Real scripts rarely carry Megatron's flags, so each one is also run with old flags injected into
it in several ways; the results must be either a rewrite that parses and is stable, the text
unchanged (its sites are reported), or a clear ``UnparsableError``; a script with syntax errors
is rewritten only into one with exactly the same errors.
"""

from __future__ import annotations

import os
import re
import sysconfig
from pathlib import Path

import pytest

from codemods.core import Options, UnparsableError
from codemods.shell import KIND, matches
from codemods.shell.scan import first_error, parse

_MAX_SCRIPT_BYTES = 200_000


def _candidate_folders() -> list[Path]:
    paths = sysconfig.get_paths()
    folders = [Path(paths["purelib"]), Path(paths["scripts"])]
    folders += [Path(entry) for entry in os.environ.get("PATH", "").split(os.pathsep) if entry]
    return list(dict.fromkeys(folder for folder in folders if folder.is_dir()))


def _first_line(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return handle.readline(200).decode("utf-8", "replace")
    except OSError:
        return ""


def _shell_scripts() -> list[Path]:
    found: dict[Path, None] = {}
    for folder in _candidate_folders():
        recursive = folder.name == "site-packages"
        for path in folder.rglob("*") if recursive else folder.iterdir():
            try:
                if not path.is_file() or path.stat().st_size > _MAX_SCRIPT_BYTES:
                    continue
            except OSError:
                continue
            if recursive and path.suffix not in (".sh", ".bash"):
                continue
            if matches(path, _first_line(path)):
                found[path.resolve()] = None
    return sorted(found)


SCRIPTS = _shell_scripts()


def _read(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


_LINE_END_WORD = re.compile(r"(?m)(?<=[\w\"'])$")
_SHORT_OPTION = re.compile(r"(?<= )-[a-z](?= )")
_VARIABLE_ARGUMENT = re.compile(r'(?<= )"?\$\{?1\}?"?(?=[ \n;])')


def _variants(text: str) -> dict[str, str]:
    """The script itself and copies of it with old flags injected in different places."""
    return {
        "as-is": text,
        "flag-at-line-ends": _LINE_END_WORD.sub(" --tokenizer-type GPT2BPETokenizer", text),
        "removed-flag-for-short-options": _SHORT_OPTION.sub("--tokenizer-hf-use-fast", text),
        "dynamic-type": _VARIABLE_ARGUMENT.sub(lambda m: "--tokenizer-type=" + m.group(), text),
        "appended-statements": text + '\nTOKENIZER_TYPE=TikTokenizer\nARGS="--lr 1 '
        "--tokenizer-type ${TOKENIZER_TYPE}\"\nARGS+=' --legacy-tokenizer'\n",
    }


def test_the_tree_has_shell_scripts():
    assert len(SCRIPTS) >= 20, "expected the system and the venv to hold shell scripts"


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda path: path.name)
def test_rewriting_real_scripts_never_crashes_nor_breaks_them(path):
    text = _read(path)
    parses = first_error(parse(text)) is None
    for variant, source in _variants(text).items():
        try:
            result = KIND.rewrite(source, str(path), Options(add_todo=True))
        except UnparsableError as error:
            assert str(error), variant
            continue
        if variant == "appended-statements" and parses:
            assert result.new_text != source, "the appended old flags were not rewritten"
        if result.new_text == source:
            continue
        # a script is rewritten only into one with exactly its own syntax errors
        KIND.check_rewrite(source, result.new_text)
        again = KIND.rewrite(result.new_text, str(path), Options(add_todo=True))
        assert again.new_text == result.new_text, f"{variant}: a second run changed the text"
