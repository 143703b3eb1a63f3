"""Shared constants of the conversation tests."""

from __future__ import annotations

import tokenizer_files

TEXT_LIBRARIES = ("huggingface", "sentencepiece", "tiktoken", "megatron", "byte-level")
CHATML_TEMPLATE = tokenizer_files.HF_CHAT_TEMPLATE
