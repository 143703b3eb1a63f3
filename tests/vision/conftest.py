"""Variants of the HF fixture tokenizer for the multimodal tests (built offline, once)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Role words of the prompt formats as single tokens, so that each format's assistant prefix has
# the length the format declares (the fixture's BPE splits "assistant" into six pieces).
ROLE_WORDS = ["assistant", "Assistant", "user", "User", "system", "System", "\n\n"]


def _load(directory: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(directory))


@pytest.fixture(scope="session")
def vlm_tokenizer_dir(hf_tokenizer_dir, tmp_path_factory) -> Path:
    """The fixture tokenizer with role words as tokens: an LLM tokenizer before VLM training."""
    tokenizer = _load(hf_tokenizer_dir)
    tokenizer.add_tokens(ROLE_WORDS)
    target = tmp_path_factory.mktemp("vlm-llm")
    tokenizer.save_pretrained(str(target))
    return target


@pytest.fixture(scope="session")
def unk_zero_tokenizer_dir(vlm_tokenizer_dir, tmp_path_factory) -> Path:
    """Unknown token at id 0, so formats padding with UNK (mistral) pad with 0."""
    tokenizer = _load(vlm_tokenizer_dir)
    tokenizer.unk_token = "<|endoftext|>"
    assert tokenizer.unk_token_id == 0
    target = tmp_path_factory.mktemp("vlm-unk0")
    tokenizer.save_pretrained(str(target))
    return target


@pytest.fixture(scope="session")
def named_tokens_tokenizer_dir(vlm_tokenizer_dir, tmp_path_factory) -> Path:
    """A tokenizer whose tokenizer_config.json names its image tokens (transformers'
    ``extra_special_tokens`` mapping, as VLM tokenizers such as Gemma 3 ship)."""
    target = tmp_path_factory.mktemp("vlm-named")
    for source in vlm_tokenizer_dir.iterdir():
        (target / source.name).write_bytes(source.read_bytes())
    config_file = target / "tokenizer_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["extra_special_tokens"] = {
        "image_token": "<image_soft_token>",
        "boi_token": "<start_of_image>",
        "eoi_token": "<end_of_image>",
    }
    config_file.write_text(json.dumps(config), encoding="utf-8")
    return target


LLAMA3_CHAT_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|start_header_id|>{{ message['role'] }}"
    "<|end_header_id|>\n\n{{ message['content'] | trim }}<|eot_id|>{% endfor %}"
    "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n{% endif %}"
)


@pytest.fixture(scope="session")
def llama3_tokenizer_dir(vlm_tokenizer_dir, tmp_path_factory) -> Path:
    """The role-word tokenizer with a Llama-3 chat template (format ``llama3`` uses the
    tokenizer's own template)."""
    tokenizer = _load(vlm_tokenizer_dir)
    tokenizer.chat_template = LLAMA3_CHAT_TEMPLATE
    target = tmp_path_factory.mktemp("vlm-llama3")
    tokenizer.save_pretrained(str(target))
    return target


@pytest.fixture(scope="session")
def yi_tokenizer_dir(hf_tokenizer_dir, tmp_path_factory) -> Path:
    """Yi-like: "assistant" is two tokens, so "<|im_start|>assistant\\n" is the four tokens the
    ``nvlm-yi-34b`` format masks."""
    tokenizer = _load(hf_tokenizer_dir)
    tokenizer.add_tokens(["ass", "istant", "user", "system"])
    target = tmp_path_factory.mktemp("vlm-yi")
    tokenizer.save_pretrained(str(target))
    return target
