"""The contract every text library of the G3 facade implements."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any


def resolve_chat_template(chat_template: str | None, own_template: str | None) -> str:
    """``chat_template`` when given, else the tokenizer's own; an error naming both ways to
    supply one when there is neither."""
    template = chat_template or own_template
    if not template:
        raise ValueError(
            "this tokenizer has no chat template: pass chat_template=... or store one with "
            "MegatronTokenizer.write_metadata(..., chat_template=...)."
        )
    return template


def reject_unencodable(texts: Iterable[Any]) -> None:
    """Raise a clear ``ValueError`` when a text holds a lone surrogate (``"\\ud800"``: not valid
    Unicode, so no backend can encode it; they fail with a ``TypeError``, ``RuntimeError`` or
    ``UnicodeEncodeError`` of their own). Called where a backend has failed, so text that
    encodes pays nothing for the check."""
    for text in texts:
        if not isinstance(text, str):
            continue
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValueError(
                f"the text holds a lone surrogate {text[error.start]!r} at index {error.start}, "
                "which is not valid Unicode, so it cannot be tokenized; fix the data, or decode "
                "it with errors='replace' (U+FFFD) or errors='ignore'"
            ) from None


def message_texts(conversation: Iterable[Any]) -> Iterator[Any]:
    """The string contents of a conversation's messages (for :func:`reject_unencodable`)."""
    for message in conversation:
        if isinstance(message, Mapping):
            yield from message.values()


def check_truncation(truncation: bool, max_length: int | None) -> None:
    """``apply_chat_template(truncation=True)`` cuts the ids at ``max_length``: it needs one."""
    if truncation and not max_length:
        raise ValueError("apply_chat_template(truncation=True) needs max_length=<int>.")


def render_chat(
    text_to_ids: Callable[[str], list[int]],
    template: str,
    conversation: list[dict[str, Any]],
    /,
    *,
    tokenize: bool,
    truncation: bool,
    max_length: int | None,
    add_generation_prompt: bool,
    **template_variables: Any,
) -> str | list[int]:
    """``conversation`` rendered with ``template`` in the jinja2 sandbox; with ``tokenize`` its
    ids (``text_to_ids``), cut at ``max_length`` under ``truncation``."""
    # Imported here so that importing a library module stays free of jinja2.
    from compat.tokenizers.text.libraries.chat_rendering import render_chat_template

    check_truncation(truncation, max_length)
    text = render_chat_template(
        template, conversation, add_generation_prompt=add_generation_prompt, **template_variables
    )
    if not tokenize:
        return text
    try:
        ids = text_to_ids(text)
    except (TypeError, RuntimeError, UnicodeError):
        reject_unencodable([text])
        raise
    return ids[:max_length] if truncation else ids


def as_list(ids: Any) -> list[Any]:
    """numpy arrays and torch tensors become lists (without importing either library)."""
    if isinstance(ids, list):
        return ids
    tolist = getattr(ids, "tolist", None)
    return list(tolist() if tolist is not None else ids)


class MegatronTokenizerTextAbstract(ABC):
    """Abstract base of the text libraries (``huggingface``, ``sentencepiece``, ``tiktoken``, ...).

    Unlike upstream G1/G2 there are no self-referencing property aliases (``cls_id`` returning
    ``self.cls_id``): a library that has no CLS/SEP/MASK token simply lacks the attribute, and the
    facade turns that into a clear ``AttributeError`` instead of a ``RecursionError``.
    """

    # The template used by ``apply_chat_template`` when none is passed; libraries that read one
    # from their files or constructor kwargs overwrite it on the instance.
    chat_template: str | None = None

    # Tokens are what each library's vocabulary holds: str (sentencepiece, Hugging Face), bytes
    # (tiktoken's BPE tokens), int (byte-level).

    @abstractmethod
    def text_to_tokens(self, text: str) -> list[Any]:
        """Split ``text`` into tokens."""

    @abstractmethod
    def tokens_to_text(self, tokens: list[Any]) -> str:
        """Join tokens back into text."""

    @abstractmethod
    def tokens_to_ids(self, tokens: list[Any]) -> list[int]:
        """Map tokens to ids."""

    @abstractmethod
    def ids_to_tokens(self, ids: list[int]) -> list[Any]:
        """Map ids to tokens."""

    @abstractmethod
    def text_to_ids(self, text: str) -> list[int]:
        """Encode ``text`` to ids."""

    @abstractmethod
    def ids_to_text(self, ids: list[int]) -> str:
        """Decode ids to text."""

    @abstractmethod
    def add_special_tokens(self, special_tokens: Any) -> Any:
        """Register extra special tokens with the library."""

    def token_to_id(self, token: str) -> int:
        """Id of a single token string."""
        return self.tokens_to_ids([token])[0]

    @property
    @abstractmethod
    def eos_id(self) -> int | None:
        """The end-of-sentence id."""

    @property
    def eod(self) -> int | None:
        """End-of-document id: Megatron ends a document with the end-of-sentence token."""
        return self.eos_id

    def apply_chat_template(
        self,
        conversation: list[dict[str, Any]],
        chat_template: str | None = None,
        tokenize: bool = True,
        truncation: bool = False,
        max_length: int | None = None,
        add_generation_prompt: bool = False,
        **template_variables: Any,
    ) -> str | list[int]:
        """Render ``conversation`` with a jinja chat template in a sandbox, optionally tokenized.

        ``chat_template`` falls back to ``self.chat_template``. The template sees ``messages``,
        ``add_generation_prompt`` and every extra keyword argument (e.g. ``tools=...``,
        ``bos_token="<s>"``). Like the old mixin, no ``bos_token``/``eos_token`` is offered
        unasked: a SentencePiece model would encode the text ``<s>`` as three ordinary pieces,
        and tiktoken ids would differ from megatron-core's.
        """
        return render_chat(
            self.text_to_ids,
            resolve_chat_template(chat_template, self.chat_template),
            conversation,
            tokenize=tokenize,
            truncation=truncation,
            max_length=max_length,
            add_generation_prompt=add_generation_prompt,
            **template_variables,
        )
