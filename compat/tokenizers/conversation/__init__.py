"""Conversation tokenization shared by SFT (any text library plus ``prompt_format``) and the
multimodal tokenizer: prompt formats (yours too: :func:`register_prompt_format`) and target
masking."""

from typing import TYPE_CHECKING

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

if TYPE_CHECKING:
    from compat.tokenizers.conversation.conversation_tokenizer import (
        IGNORE_INDEX,
        tokenize_conversation,
    )


def __getattr__(name: str) -> object:
    # tokenizing imports numpy (0.1 s); the migration tool reads only the prompt formats
    if name in ("IGNORE_INDEX", "tokenize_conversation"):
        from compat.tokenizers.conversation import conversation_tokenizer

        return getattr(conversation_tokenizer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
