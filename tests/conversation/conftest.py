"""SFT facades over every text library, built from the shared real tokenizer files."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# the test modules import their shared constants from conversation_cases.py
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(scope="session")
def library_sources(hf_tokenizer_dir, sentencepiece_v3, tekken_json, gpt2_files) -> dict:
    """``library -> (tokenizer_path, extra from_pretrained kwargs)``; one real tokenizer each."""
    vocab, merges = gpt2_files
    return {
        "huggingface": (str(hf_tokenizer_dir), {}),
        "sentencepiece": (str(sentencepiece_v3), {}),
        "tiktoken": (str(tekken_json), {}),
        "megatron": ("GPT2BPETokenizer", {"vocab_file": str(vocab), "merges_file": str(merges)}),
        "byte-level": (None, {}),
    }


@pytest.fixture(scope="session")
def sft_tokenizer(library_sources) -> Callable[..., Any]:
    """``sft_tokenizer(library, prompt_format, chat_template=None)`` -> a cached SFT facade.

    ``chat_template`` goes into the metadata, as ``write_metadata(chat_template=...)`` stores it.
    """
    from compat.tokenizers import MegatronTokenizer

    cache: dict = {}

    def build(library: str, prompt_format: str, chat_template: Any = None) -> Any:
        key = (library, prompt_format, chat_template)
        if key not in cache:
            path, kwargs = library_sources[library]
            metadata = {"library": library}
            if chat_template is not None:
                metadata["chat_template"] = chat_template
            cache[key] = MegatronTokenizer.from_pretrained(
                path, metadata_path=metadata, prompt_format=prompt_format, **kwargs
            )
        return cache[key]

    return build


@pytest.fixture(scope="session")
def raw_hf_tokenizer(hf_tokenizer_dir) -> Any:
    """The fixture folder loaded the way G2's SFTTokenizer loaded it: plain AutoTokenizer."""
    transformers = pytest.importorskip("transformers")
    return transformers.AutoTokenizer.from_pretrained(str(hf_tokenizer_dir))


# Role words as single (non-special) tokens, so that a format's assistant header has the length
# the format declares (the fixture's small BPE splits "Assistant" into seven pieces).
ROLE_WORDS = ["Assistant", "User", "System", "assistant", "user", "system"]


@pytest.fixture(scope="session")
def hf_role_words_dir(hf_tokenizer_dir, tmp_path_factory) -> Path:
    transformers = pytest.importorskip("transformers")
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(hf_tokenizer_dir))
    tokenizer.add_tokens(ROLE_WORDS)
    directory = tmp_path_factory.mktemp("hf-role-words")
    tokenizer.save_pretrained(str(directory))
    return directory
