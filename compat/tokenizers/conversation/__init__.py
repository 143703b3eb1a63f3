"""Conversation tokenization shared by SFT (any text library plus ``prompt_format``) and the
multimodal tokenizer: prompt formats (yours too: :func:`register_prompt_format`) and target
masking."""

from compat.tokenizers.conversation.conversation_tokenizer import (
    IGNORE_INDEX,
    tokenize_conversation,
)
from compat.tokenizers.conversation.prompt_config import (
    PROMPT_FORMAT_ENTRY_POINTS,
    PROMPT_FORMAT_REGISTRY,
    PromptConfig,
    PromptFormatRegistrationError,
    UnknownPromptFormatError,
    build_prompt_config,
    prompt_format_names,
    register_prompt_format,
)

__all__ = [
    "IGNORE_INDEX",
    "PROMPT_FORMAT_ENTRY_POINTS",
    "PROMPT_FORMAT_REGISTRY",
    "PromptConfig",
    "PromptFormatRegistrationError",
    "UnknownPromptFormatError",
    "build_prompt_config",
    "prompt_format_names",
    "register_prompt_format",
    "tokenize_conversation",
]
