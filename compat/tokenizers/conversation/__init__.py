"""Conversation tokenization shared by SFT (any text library plus ``prompt_format``) and the
multimodal tokenizer: prompt formats and target masking."""

from compat.tokenizers.conversation.conversation_tokenizer import (
    IGNORE_INDEX,
    tokenize_conversation,
)
from compat.tokenizers.conversation.prompt_config import (
    PROMPT_FORMAT_REGISTRY,
    PromptConfig,
    UnknownPromptFormatError,
    build_prompt_config,
)

__all__ = [
    "IGNORE_INDEX",
    "PROMPT_FORMAT_REGISTRY",
    "PromptConfig",
    "UnknownPromptFormatError",
    "build_prompt_config",
    "tokenize_conversation",
]
