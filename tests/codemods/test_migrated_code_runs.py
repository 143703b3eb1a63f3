"""Migrate a small project, then run it: imports resolve, the tokenizer builds, the ids are the
ones the code produced before migration.

Each run is a fresh interpreter, so what the code imports is what the migrated files ask for:

* the default ``--target auto`` with megatron-core 0.16.1 installed (the test environment), a
  release without the new API: the code moves to ``compat.tokenizers``;
* ``--target upstream`` against Megatron-LM main's API: 0.19.2's tokenizer tree with the model
  wrappers deleted, as main deleted them (#6622), on the path ahead of the installed 0.16.1.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import references

from codemods import migrate

SAMPLE = "Hello world, the tokenizer moved."
TRAIN = textwrap.dedent("""\
    from megatron.core.tokenizers import MegatronTokenizer
    from megatron.core.tokenizers.text.models import GPTTokenizer


    def build(path: str) -> GPTTokenizer:
        return MegatronTokenizer.from_pretrained(path, metadata_path={"library": "sentencepiece"})
    """)
LAUNCH = (
    "torchrun pretrain_gpt.py --tokenizer-type GPTSentencePieceTokenizer "
    "--tokenizer-model tok.model\n"
)
PROBE = textwrap.dedent("""\
    import json, sys
    import train
    import megatron.core.tokenizers as upstream
    tokenizer = train.build(sys.argv[1])
    print(json.dumps({"ids": list(tokenizer.tokenize(sys.argv[2])),
                      "facade": type(tokenizer).__module__,
                      "megatron": upstream.__file__}))
    """)


@pytest.fixture
def project(tmp_path, sentencepiece_v1) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "train.py").write_text(TRAIN)
    (root / "probe.py").write_text(PROBE)
    (root / "launch.sh").write_text(LAUNCH)
    shutil.copy(sentencepiece_v1, root / "tok.model")
    return root


def run_project(root: Path, extra_path: Path | None = None) -> dict:
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(str(path) for path in (extra_path, root) if path is not None),
    }
    completed = subprocess.run(
        [sys.executable, "probe.py", str(root / "tok.model"), SAMPLE],
        cwd=root,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.splitlines()[-1])


def migrate_project(root: Path, *argv: str) -> dict:
    out = io.StringIO()
    code = migrate.main(
        ["--write", "--format", "json", *argv, str(root)], stdout=out, stderr=io.StringIO()
    )
    assert code == migrate.EXIT_OK
    return json.loads(out.getvalue())


def test_auto_on_megatron_core_0_16_moves_the_code_to_compat_and_keeps_the_ids(
    project, megatron_core
):
    before = run_project(project)
    # the reference run really used megatron-core's files, not what the import hook serves
    assert references.installed_g1().tree == Path(before["megatron"]).resolve().parent
    report = migrate_project(project)
    (context,) = report["contexts"]
    assert (context["python_target"], context["command_target"]) == ("compat", "keep")
    assert "from compat.tokenizers" in (project / "train.py").read_text()
    assert (project / "launch.sh").read_text() == LAUNCH  # 0.16's parser has no new flags
    after = run_project(project)
    assert after["facade"].startswith("compat.tokenizers")
    assert after["ids"] == before["ids"]


@pytest.fixture
def main_shaped_megatron(tmp_path) -> Path:
    """Megatron-LM main's tokenizer API: 0.19.2's tree without the wrappers, with stand-ins for
    the two helpers and the LLaVA constants it takes from the rest of megatron-core."""
    tree = references.latest_tree()
    site = tmp_path / "main-site"
    shutil.copytree(tree / "megatron", site / "megatron")
    for wrappers in ("text/models", "vision/models"):
        shutil.rmtree(site / "megatron/core/tokenizers" / wrappers)
    stand_ins = {
        "megatron/__init__.py": "",
        "megatron/core/__init__.py": "",
        "megatron/core/utils.py": textwrap.dedent("""\
            import inspect

            def log_single_rank(logger, *args, rank=0, **kwargs):
                logger.log(*args, **kwargs)

            def accepts_parameter(function, name):
                parameters = inspect.signature(function).parameters.values()
                return any(p.name == name or p.kind is p.VAR_KEYWORD for p in parameters)
            """),
        "megatron/core/models/__init__.py": "",
        "megatron/core/models/multimodal/__init__.py": "",
        "megatron/core/models/multimodal/llava_model.py": (
            'IGNORE_INDEX = -100\nIMAGE_TOKEN = "<image>"\nDEFAULT_IMAGE_TOKEN_INDEX = -200\n'
        ),
    }
    for name, text in stand_ins.items():
        path = site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            path.write_text(text)
    return site


def test_target_upstream_runs_on_megatron_lm_main_s_api(
    project, main_shaped_megatron, megatron_core
):
    before = run_project(project)
    report = migrate_project(project, "--target", "upstream")
    (context,) = report["contexts"]
    assert (context["python_target"], context["command_target"]) == ("upstream", "upstream")
    train = (project / "train.py").read_text()
    assert "from megatron.core.tokenizers.text import MegatronTokenizerText" in train
    after = run_project(project, extra_path=main_shaped_megatron)
    assert Path(after["megatron"]).is_relative_to(main_shaped_megatron)
    assert after["ids"] == before["ids"]
    # --tokenizer-type stays on main's parser; nothing else in the script was old
    assert (project / "launch.sh").read_text() == LAUNCH
