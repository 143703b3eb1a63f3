"""``python -m compat doctor`` on fake megatron-core trees of every generation (reference §2.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compat.__main__ import Installation, served_paths
from compat.deprecations import LEGACY_MODULES, MEGATRON_ROOT

# Modules (relative to megatron.core.tokenizers) of each generation's tree, as far as the
# probes and the served paths care.
TREES = {
    "G1": [
        "text/models/gpt_tokenizer.py",
        "text/models/__init__.py",
        "text/libraries/chat_template.py",
        "text/utils/build_tokenizer.py",
    ],
    "G2": [
        "text/models/gpt_tokenizer.py",
        "text/models/__init__.py",
        "text/libraries/chat_template.py",
        "text/libraries/sft_tokenizer.py",
        "utils/build_tokenizer.py",
        "vision/models/default_tokenizer.py",
        "vision/models/__init__.py",
        "vision/__init__.py",
    ],
    "G3": [
        "conversation/__init__.py",
        "text/models/__init__.py",
        "vision/models/__init__.py",
        "vision/__init__.py",
        "utils/build_tokenizer.py",
    ],
    "MAIN": [
        "text/libraries/chat_template.py",
        "text/libraries/sft_tokenizer.py",
        "utils/build_tokenizer.py",
        "vision/__init__.py",
    ],
}


def fake_installation(root: Path, files: list[str]) -> Installation:
    tokenizers = root / "megatron" / "core" / "tokenizers"
    for relative in ["__init__.py", "text/__init__.py", "text/libraries/__init__.py", *files]:
        path = tokenizers / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch()
    return Installation("9.9", tokenizers)


@pytest.mark.parametrize("generation", list(TREES))
def test_generation_is_recognised(generation, tmp_path):
    assert fake_installation(tmp_path, TREES[generation]).generation == generation


def test_unknown_tree_and_no_installation():
    assert Installation(None, None).generation == "none"


def test_unrecognised_tree(tmp_path):
    assert fake_installation(tmp_path, []).generation == "unknown"


def _served(installation: Installation) -> set[str]:
    return {line.split()[0] for line in served_paths(installation)}


def test_g1_gets_only_what_it_lacks(tmp_path):
    served = _served(fake_installation(tmp_path, TREES["G1"]))
    assert served == {
        f"{MEGATRON_ROOT}.text.libraries.sft_tokenizer",
        *(
            m
            for m in LEGACY_MODULES
            if m.startswith(f"{MEGATRON_ROOT}.text.models.")
            and m != f"{MEGATRON_ROOT}.text.models.gpt_tokenizer"
        ),
    }


def test_main_gets_the_deleted_model_packages_but_not_below_missing_parents(tmp_path):
    served = _served(fake_installation(tmp_path, TREES["MAIN"]))
    assert f"{MEGATRON_ROOT}.text.models" in served
    assert f"{MEGATRON_ROOT}.text.models.gpt_tokenizer" in served
    assert f"{MEGATRON_ROOT}.vision.models" in served
    assert f"{MEGATRON_ROOT}.text.libraries.sft_tokenizer" not in served
    # MAIN has no text/utils package; the G1 module below it is served with its package
    assert f"{MEGATRON_ROOT}.text.utils.build_tokenizer" in served


def test_without_megatron_core_the_whole_tree_is_served():
    lines = served_paths(Installation(None, None))
    assert lines[0].startswith(f"{MEGATRON_ROOT} (the whole tree")
    assert {line.split()[0] for line in lines[1:]} == set(LEGACY_MODULES)
