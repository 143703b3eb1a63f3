"""Session-wide fixtures: real tokenizer files (see ``tests/tokenizer_files.py``)."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import references  # noqa: E402
import tokenizer_files  # noqa: E402

# Nothing in the suite may reach a model hub, nor read the user's own hub cache. The hub cache
# location is read when huggingface_hub is imported, so it is fixed here, before any test runs.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
HUB_CACHE = Path(tempfile.mkdtemp(prefix="megatron-compat-hub-"))
os.environ["HF_HUB_CACHE"] = str(HUB_CACHE)


@pytest.fixture(scope="session")
def files_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tokenizer-files")


@pytest.fixture(scope="session")
def sentencepiece_v1() -> Path:
    return tokenizer_files.sentencepiece_v1()


@pytest.fixture(scope="session")
def sentencepiece_v3() -> Path:
    return tokenizer_files.sentencepiece_v3()


@pytest.fixture(scope="session")
def tekken_json(files_dir) -> Path:
    return tokenizer_files.tekken_vocab_json(files_dir)


@pytest.fixture(scope="session")
def cl100k_json(files_dir) -> Path:
    return tokenizer_files.cl100k_json(files_dir)


@pytest.fixture(scope="session")
def qwen_json(files_dir) -> Path:
    return tokenizer_files.qwen_json(files_dir)


@pytest.fixture(scope="session")
def hf_tokenizer_dir(files_dir) -> Path:
    return tokenizer_files.hf_tokenizer_dir(files_dir / "hf")


@pytest.fixture(scope="session")
def gpt2_files(files_dir) -> tuple[Path, Path]:
    return tokenizer_files.gpt2_vocab_and_merges(files_dir / "gpt2")


@pytest.fixture(scope="session")
def bert_vocab_lower(files_dir) -> Path:
    return tokenizer_files.bert_vocab(files_dir / "bert-lower", lower_case=True)


@pytest.fixture(scope="session")
def bert_vocab_cased(files_dir) -> Path:
    return tokenizer_files.bert_vocab(files_dir / "bert-cased", lower_case=False)


@pytest.fixture(scope="session")
def varied_texts() -> list[str]:
    return tokenizer_files.varied_texts()


@pytest.fixture(scope="session")
def offline_hub(files_dir) -> Path:
    """Fill the (private, offline) hub cache with our own GPT-2/BERT files under the hub names
    megatron-core's ``megatron`` library asks for (``gpt2``, ``bert-large-*``)."""
    return tokenizer_files.offline_hub_cache(HUB_CACHE, files_dir / "hub-work")


def _reference(version: str) -> references.Reference:
    try:
        return references.get(version)
    except references.ReferenceUnavailable as error:
        pytest.skip(f"megatron-core {version} reference: {error.msg}")


@pytest.fixture(scope="session")
def megatron_core():
    """The real old implementation: megatron-core 0.16.1's ``megatron.core.tokenizers``, provably
    the installed distribution's (never the tree the import hook serves), or a clear skip."""
    _reference(references.G1_VERSION)
    import megatron.core.tokenizers

    return megatron.core.tokenizers


@pytest.fixture(scope="session", params=references.VERSIONS)
def reference(request) -> references.Reference:
    """Each upstream reference in turn: megatron-core 0.16.1 (the old code) and 0.19.2 (the
    latest release); see ``tests/references.py``."""
    return _reference(request.param)
