"""Tokenize a conversation, and mask the targets of supervised fine-tuning.

The algorithm is upstream's (G2 ``SFTTokenizer`` / G3 ``conversation``): the whole conversation is
tokenized with the prompt format's chat template, each turn is tokenized again on its own to find
its span, system/user(/tool) spans and the assistant header are set to ``IGNORE_INDEX`` in the
targets. Where upstream's algorithm produces output, ours produces the same ids and targets.

What differs:

* Speed. Most templates provably render a conversation as its turns' renderings joined
  (``turn_local.renders_turn_by_turn``); the conversation is then not rendered on its own. A
  Hugging Face tokenizer (raw, or inside our ``huggingface``/``megatron`` library) renders all
  turns in one batched ``apply_chat_template`` call instead of one call per turn, and a standard
  fast tokenizer's Rust backend encodes them without computing character offsets. Our other
  libraries render every turn in one pass of the template (``turn_local.render_turns``) and
  encode the conversation with its turns as one batch (``texts_to_ids``), which encodes the text
  they share once. Spans are compared as lists.
* Turns whose tokens depend on what precedes them (SentencePiece adds a word-start marker to the
  first piece of every text it encodes, so a turn encoded alone starts with a different token
  than the same turn inside the conversation) made upstream fail an assertion. Such a turn's span
  is found by tokenizing the conversation up to and including it instead: the span is what that
  prefix adds to the previous one, provided the prefix's tokens are the conversation's first
  tokens.
* The caller's conversation and its dicts are never modified (upstream modifies both for forced
  system messages and capitalised roles).
* Bad conversations get errors that name the turn and the fix instead of assertions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

import numpy as np

from compat.tokenizers.conversation.prompt_config import PromptConfig, _get_chat_template
from compat.tokenizers.text.libraries.abstract_tokenizer import message_texts, reject_unencodable

IGNORE_INDEX = -100
# The image placeholder of Megatron's LLaVA model; assistant turns may not contain it.
IMAGE_TOKEN = "<image>"

_SFT_MASKED_ROLES = frozenset({"system", "user", "tool"})
_MULTIMODAL_MASKED_ROLES = frozenset({"system", "user"})


def tokenize_conversation(
    tokenizer: Any,
    conversation: Sequence[Mapping[str, Any]],
    prompt_config: PromptConfig,
    return_target: bool,
    add_generation_prompt: bool,
    apply_image_tag_fn: Callable[..., Any] | None = None,
) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Token ids of ``conversation`` and, with ``return_target``, its training targets.

    Args:
        tokenizer: anything with ``apply_chat_template(conversation, tokenize=True,
            add_generation_prompt=..., chat_template=...)``: a Megatron text library object or a
            raw Hugging Face tokenizer.
        conversation: ``[{"role": "system" | "user" | "assistant" | "tool", "content": str}, ...]``.
        prompt_config: the prompt format (see ``build_prompt_config``).
        return_target: also return targets, with every token that is not trained on set to
            ``IGNORE_INDEX``.
        add_generation_prompt: append the template's assistant header (for generation).
        apply_image_tag_fn: multimodal hook that rewrites image placeholders in a list of turns;
            it receives copies, so it may edit them in place.

    Returns:
        ``tokens`` (1-D int64 array), or ``(tokens, target)`` of equal length.
    """
    turns = _prepared_turns(conversation, prompt_config, apply_image_tag_fn)
    template = prompt_config.custom_chat_template
    if template is None and _get_chat_template(tokenizer) is None:
        raise ValueError(
            "this prompt format renders with the tokenizer's own chat template, and "
            f"{type(tokenizer).__name__} has none; give the tokenizer a chat template "
            "(chat_template=... / tokenizer_config.json) or choose a prompt format with its own"
        )
    encoder = _encoder_for(tokenizer, template)

    if not return_target:
        return encoder.encode(turns, add_generation_prompt)
    if prompt_config.skip_masking:
        tokens = encoder.encode(turns, add_generation_prompt)
        return tokens, tokens.copy()

    roles = _checked_roles(turns, prompt_config)
    tokens, turn_ids = encoder.encode_with_turns(turns, add_generation_prompt)
    spans = _turn_spans(
        encoder, turns, roles, tokens, turn_ids, prompt_config.has_bos, add_generation_prompt
    )

    target = tokens.copy()
    masked_roles = _SFT_MASKED_ROLES if prompt_config.allow_tool_role else _MULTIMODAL_MASKED_ROLES
    prefix_len = prompt_config.assistant_prefix_len
    for role, (start, end) in zip(roles, spans):
        if role in masked_roles:
            target[start:end] = IGNORE_INDEX
        elif prefix_len > 0:
            # as upstream: the header length is counted from the turn start, not clipped to it
            target[start : start + prefix_len] = IGNORE_INDEX
    return tokens, target


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _prepared_turns(
    conversation: Any, config: PromptConfig, apply_image_tag_fn: Callable[..., Any] | None
) -> list[Mapping[str, Any]]:
    """The turns to render: a new list; turns that change are new dicts."""
    if isinstance(conversation, (str, bytes)) or not isinstance(conversation, Sequence):
        raise TypeError(
            "conversation must be a list of turns like [{'role': 'user', 'content': '...'}], "
            f"got {type(conversation).__name__}"
        )
    turns = list(conversation)
    for index, turn in enumerate(turns):
        if not isinstance(turn, Mapping):
            raise TypeError(
                f"turn {index} of the conversation is a {type(turn).__name__}; each turn must be "
                "a dict with 'role' and 'content'"
            )
        if not isinstance(turn.get("role"), str):
            # mostly a missing role: a value problem of the data, as upstream's KeyError was
            raise ValueError(  # noqa: TRY004
                f"turn {index} of the conversation has no 'role' string (got "
                f"{turn.get('role')!r}); use 'system', 'user', 'assistant' or 'tool'"
            )
    if not turns:
        raise ValueError("the conversation is empty; it needs at least one turn")

    if not config.has_system_role and turns[0]["role"] == "system":
        turns = turns[1:]
    if config.force_system_message:
        if config.system_default is None:
            raise ValueError(
                "the prompt format forces a system message but has no system_default; set "
                "PromptConfig.system_default or force_system_message=False"
            )
        if turns and turns[0]["role"] == "system":
            turns[0] = dict(config.system_default)
        else:
            turns.insert(0, dict(config.system_default))
    if not turns:
        raise ValueError(
            "the conversation has only a system turn, which this prompt format does not render; "
            "add a user turn"
        )
    if config.capitalize_roles:
        turns = [{**turn, "role": turn["role"][:1].upper() + turn["role"][1:]} for turn in turns]
    if apply_image_tag_fn is not None:
        turns = apply_image_tag_fn([dict(turn) for turn in turns])
    return turns


def _checked_roles(turns: list[Mapping[str, Any]], config: PromptConfig) -> list[str]:
    """Lower-cased roles, after checking every turn can be masked."""
    sft_rules = config.allow_tool_role
    known_roles = (
        ("system", "user", "assistant", "tool") if sft_rules else ("system", "user", "assistant")
    )
    roles: list[str] = []
    for index, turn in enumerate(turns):
        role = turn["role"].lower()
        if role not in known_roles:
            raise ValueError(
                f"turn {index} has role {turn['role']!r}; this prompt format knows the roles "
                f"{', '.join(known_roles)}"
            )
        content = turn.get("content")
        if (role == "assistant" or not sft_rules) and (content is None or len(content) == 0):
            raise ValueError(
                f"turn {index} ({role}) has empty content; remove the turn or give it content"
            )
        if sft_rules and role == "assistant":
            if index == 0:
                raise ValueError(
                    "turn 0 is an assistant turn; a conversation must start with a system or "
                    "user turn"
                )
            previous = roles[-1]
            if previous not in ("user", "tool"):
                raise ValueError(
                    f"assistant turn {index} follows a {previous} turn; an assistant turn must "
                    "follow a user or tool turn"
                )
        if (
            config.validate_no_image_in_assistant
            and role == "assistant"
            and IMAGE_TOKEN in cast(str, content)
        ):
            raise RuntimeError(
                f"assistant turn {index} contains {IMAGE_TOKEN}; images may only appear in "
                "user or system turns"
            )
        roles.append(role)
    return roles


# ---------------------------------------------------------------------------------------------
# Spans
# ---------------------------------------------------------------------------------------------


def _turn_spans(
    encoder: _ChatTemplateEncoder,
    turns: list[Mapping[str, Any]],
    roles: list[str],
    tokens: np.ndarray,
    turn_ids: Iterable[list[int]],
    has_bos: bool,
    add_generation_prompt: bool,
) -> list[tuple[int, int]]:
    """``(start, end)`` of every turn in ``tokens``."""
    token_list = tokens.tolist()
    spans = []
    start = 0
    turn_ids = iter(turn_ids)
    in_context = False  # once a turn needed its context, later turns are measured the same way
    for index in range(len(turns)):
        end = None
        if not in_context:
            ids = next(turn_ids)
            if has_bos and index > 0:
                ids = ids[1:]
            if token_list[start : start + len(ids)] == ids:
                end = start + len(ids)
            else:
                in_context = True
        if end is None:
            end = _end_in_context(encoder, turns, index, token_list, start, roles[index])
        spans.append((start, end))
        start = end

    if start != len(token_list):
        extra = len(token_list) - start
        if add_generation_prompt:
            raise ValueError(
                f"add_generation_prompt=True appended {extra} token(s) after the last turn; "
                "targets are for training, so call with add_generation_prompt=False when "
                "return_target=True"
            )
        raise ValueError(
            f"the chat template renders {extra} token(s) after the last turn that belong to no "
            "turn, so the targets cannot be masked; use a template that renders each turn on "
            "its own"
        )
    return spans


def _end_in_context(
    encoder: _ChatTemplateEncoder,
    turns: list[Mapping[str, Any]],
    index: int,
    token_list: list[int],
    start: int,
    role: str,
) -> int:
    """End of turn ``index`` measured by tokenizing the conversation up to and including it."""
    prefix = encoder.encode_prefix(turns, index + 1).tolist()
    if len(prefix) < start or token_list[: len(prefix)] != prefix:
        raise ValueError(
            f"turn {index} ({role}) does not tokenize the same way inside the conversation as on "
            "its own or after the turns before it, so its target span cannot be found; use a "
            "prompt format whose template separates turns (e.g. with special tokens), or "
            "return_target=False"
        )
    return len(prefix)


# ---------------------------------------------------------------------------------------------
# Calling the tokenizer
# ---------------------------------------------------------------------------------------------


def _token_array(result: Any) -> np.ndarray:
    """A 1-D int64 array from whatever ``apply_chat_template`` returned.

    Handles lists, nested single-row lists, dicts/``BatchEncoding`` (``input_ids``),
    ``tokenizers.Encoding`` (``ids``), and 1-D or single-row 2-D arrays/tensors.
    """
    if isinstance(result, Mapping):
        if "input_ids" not in result:
            raise TypeError(
                "apply_chat_template returned a mapping without 'input_ids' (keys: "
                f"{', '.join(map(str, result))})"
            )
        result = result["input_ids"]
    elif hasattr(result, "ids") and not isinstance(result, (list, tuple, np.ndarray)):
        result = result.ids
    if isinstance(result, str):
        raise TypeError(
            "apply_chat_template returned text, not token ids; the tokenizer ignored tokenize=True"
        )
    array = np.asarray(result)
    if array.ndim == 2 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 1:
        raise TypeError(
            f"apply_chat_template returned ids of shape {array.shape}; expected one sequence"
        )
    if array.size == 0:
        return np.zeros(0, dtype=np.int64)
    if array.dtype.kind not in "iu":
        raise TypeError(
            f"apply_chat_template returned non-integer ids (dtype {array.dtype}); check the "
            "tokenizer's apply_chat_template"
        )
    return array.astype(np.int64, copy=False)


class _ChatTemplateEncoder:
    """Renders through the tokenizer's ``apply_chat_template``, one call per rendering."""

    def __init__(self, tokenizer: Any, template: str | None) -> None:
        self.tokenizer = tokenizer
        self.template = template

    def encode(self, turns: list[Mapping[str, Any]], add_generation_prompt: bool) -> np.ndarray:
        return _token_array(
            self.tokenizer.apply_chat_template(
                turns,
                tokenize=True,
                add_generation_prompt=add_generation_prompt,
                chat_template=self.template,
            )
        )

    def encode_with_turns(
        self, turns: list[Mapping[str, Any]], add_generation_prompt: bool
    ) -> tuple[np.ndarray, Iterable[list[int]]]:
        """The conversation's ids, and each turn's ids when rendered alone (lazily)."""
        return self.encode(turns, add_generation_prompt), self._single_turn_ids(turns)

    def encode_prefix(self, turns: list[Mapping[str, Any]], count: int) -> np.ndarray:
        """Ids of the conversation's first ``count`` turns (no generation prompt)."""
        return self.encode(turns[:count], False)

    def _single_turn_ids(self, turns: list[Mapping[str, Any]]) -> Iterator[list[int]]:
        for turn in turns:
            yield _token_array(
                self.tokenizer.apply_chat_template(
                    [turn], tokenize=True, chat_template=self.template
                )
            ).tolist()


class _TextLibraryEncoder(_ChatTemplateEncoder):
    """A Megatron text library whose ``apply_chat_template`` is the base class's: render in the
    sandbox, then ``text_to_ids``. Taking those two steps here lets a template that renders turn
    by turn (``renders_turn_by_turn``) render all turns in one pass: the conversation's text is
    then the turns' texts joined, and so is the text of any prefix of it."""

    def __init__(self, tokenizer: Any, template: str | None) -> None:
        from compat.tokenizers.text.libraries.abstract_tokenizer import resolve_chat_template

        super().__init__(tokenizer, resolve_chat_template(template, tokenizer.chat_template))
        self._turn_texts: list[str] | None = None
        self._prefix_ids: dict[int, list[int]] = {}

    def encode_with_turns(
        self, turns: list[Mapping[str, Any]], add_generation_prompt: bool
    ) -> tuple[np.ndarray, Iterable[list[int]]]:
        from compat.tokenizers.conversation.turn_local import render_turns, renders_turn_by_turn

        template = self.template
        if add_generation_prompt or template is None or not renders_turn_by_turn(template):
            return super().encode_with_turns(turns, add_generation_prompt)
        self._turn_texts = render_turns(template, turns)
        # one batch: the turns' texts are encoded with what the conversation's text shares
        conversation_ids, *turn_ids = self._encode_texts(
            ["".join(self._turn_texts), *self._turn_texts]
        )
        return np.asarray(conversation_ids, dtype=np.int64), turn_ids

    def encode_prefix(self, turns: list[Mapping[str, Any]], count: int) -> np.ndarray:
        if self._turn_texts is None:
            return super().encode_prefix(turns, count)
        if count not in self._prefix_ids:
            # every later turn is measured in context too: encode all those prefixes at once
            counts = range(count, len(self._turn_texts) + 1)
            prefixes = ["".join(self._turn_texts[:end]) for end in counts]
            self._prefix_ids.update(zip(counts, self._encode_texts(prefixes)))
        return np.asarray(self._prefix_ids[count], dtype=np.int64)

    def _encode_texts(self, texts: list[str]) -> list[list[int]]:
        texts_to_ids = getattr(self.tokenizer, "texts_to_ids", None)
        if texts_to_ids is not None:
            return cast("list[list[int]]", texts_to_ids(texts))
        return [self.tokenizer.text_to_ids(text) for text in texts]


class _BatchedHuggingFaceEncoder(_ChatTemplateEncoder):
    """Hugging Face renders a batch of conversations, and tokenizes it, in one call.

    transformers renders without resource limits and fails on text that is not valid Unicode
    with a bare ``TypeError``: templates that could build huge values are first rendered in
    our sandbox (``ChatTemplateLimits``), and a failure on a lone surrogate is explained."""

    def encode(self, turns: list[Mapping[str, Any]], add_generation_prompt: bool) -> np.ndarray:
        self._check_limits([turns], add_generation_prompt)
        try:
            return super().encode(turns, add_generation_prompt)
        except TypeError:
            reject_unencodable(message_texts(turns))
            raise

    def encode_with_turns(
        self, turns: list[Mapping[str, Any]], add_generation_prompt: bool
    ) -> tuple[np.ndarray, Iterable[list[int]]]:
        self._check_limits([turns, *([turn] for turn in turns)], add_generation_prompt)
        try:
            return self._encode_with_turns(turns, add_generation_prompt)
        except TypeError:
            reject_unencodable(message_texts(turns))
            raise

    def _check_limits(
        self, conversations: Iterable[list[Mapping[str, Any]]], add_generation_prompt: bool
    ) -> None:
        from compat.tokenizers.text.libraries.chat_rendering import (
            may_amplify,
            render_chat_template,
        )

        template = self.template or getattr(self.tokenizer, "chat_template", None)
        if not (isinstance(template, str) and may_amplify(template)):
            return
        variables = dict(getattr(self.tokenizer, "special_tokens_map", {}))
        for conversation in conversations:
            render_chat_template(template, conversation, add_generation_prompt, **variables)

    def _encode_with_turns(
        self, turns: list[Mapping[str, Any]], add_generation_prompt: bool
    ) -> tuple[np.ndarray, Iterable[list[int]]]:
        singles = [[turn] for turn in turns]
        if add_generation_prompt:
            return self.encode(turns, True), self._encode_batch(singles)
        backend = _plain_rust_backend(self.tokenizer)
        if backend is not None and self._renders_turn_by_turn():
            # the conversation's text is its turns' texts joined: no need to render it
            texts = self._render_batch(singles)
            rows = self._encode_with_backend(backend, ["".join(texts), *texts])
        else:
            rows = self._encode_batch([turns, *singles])
        return np.asarray(rows[0], dtype=np.int64), rows[1:]

    def _renders_turn_by_turn(self) -> bool:
        from compat.tokenizers.conversation.turn_local import renders_turn_by_turn

        template = self.template or getattr(self.tokenizer, "chat_template", None)
        return isinstance(template, str) and renders_turn_by_turn(template)

    def _render_batch(self, conversations: list[list[Mapping[str, Any]]]) -> list[str]:
        return cast(
            "list[str]",
            self.tokenizer.apply_chat_template(
                conversations,
                tokenize=False,
                add_generation_prompt=False,
                chat_template=self.template,
            ),
        )

    @staticmethod
    def _encode_with_backend(backend: Any, texts: list[str]) -> list[list[int]]:
        # what transformers would do after rendering, minus the character offsets it computes
        # and we never read
        return [
            encoding.ids for encoding in backend.encode_batch_fast(texts, add_special_tokens=False)
        ]

    def _encode_batch(self, conversations: list[list[Mapping[str, Any]]]) -> list[list[int]]:
        backend = _plain_rust_backend(self.tokenizer)
        if backend is not None:
            return self._encode_with_backend(backend, self._render_batch(conversations))
        result = self.tokenizer.apply_chat_template(
            conversations, tokenize=True, add_generation_prompt=False, chat_template=self.template
        )
        rows = result["input_ids"] if isinstance(result, Mapping) else result
        rows = [row.tolist() if isinstance(row, np.ndarray) else list(row) for row in rows]
        if len(rows) != len(conversations):
            raise TypeError(
                f"apply_chat_template returned {len(rows)} sequences for a batch of "
                f"{len(conversations)}"
            )
        return rows


# transformers' fast-tokenizer base classes (5.x, 4.x) and the methods through which
# ``tokenizer(text, add_special_tokens=False)`` reaches the Rust backend.
_FAST_BASE_MODULES = (
    "transformers.tokenization_utils_tokenizers",
    "transformers.tokenization_utils_fast",
)
_ENCODING_METHODS = (
    "__call__",
    "_call_one",
    "encode_plus",
    "batch_encode_plus",
    "_encode_plus",
    "_batch_encode_plus",
)


def _plain_rust_backend(tokenizer: Any) -> Any:
    """The ``tokenizers.Tokenizer`` of a transformers fast tokenizer when encoding with it
    directly gives exactly what the transformers tokenizer gives: the class does not override
    the encoding path, and no truncation, padding or special-token splitting is configured.
    ``None`` otherwise (the transformers call is used then)."""
    backend = (
        getattr(tokenizer, "backend_tokenizer", None)
        if getattr(tokenizer, "is_fast", False)
        else None
    )
    if backend is None or not hasattr(backend, "encode_batch_fast"):
        return None
    cls = type(tokenizer)
    base = next((c for c in cls.__mro__ if c.__module__ in _FAST_BASE_MODULES), None)
    if base is None or any(
        getattr(cls, name, None) is not getattr(base, name, None) for name in _ENCODING_METHODS
    ):
        return None
    if backend.truncation is not None or backend.padding is not None:
        return None
    if bool(getattr(backend, "encode_special_tokens", False)) != bool(
        getattr(tokenizer, "split_special_tokens", False)
    ):
        return None
    return backend


_HF_BASE_CLASS = "PreTrainedTokenizerBase"
_is_hugging_face_type: dict[type, bool] = {}


def _is_hugging_face_tokenizer(tokenizer: Any) -> bool:
    """Whether ``tokenizer`` is a transformers tokenizer, without importing transformers."""
    cls = type(tokenizer)
    known = _is_hugging_face_type.get(cls)
    if known is None:
        known = any(
            base.__name__ == _HF_BASE_CLASS and base.__module__.startswith("transformers.")
            for base in cls.__mro__
        )
        _is_hugging_face_type[cls] = known
    return known


def _wrapped_hugging_face_tokenizer(tokenizer: Any) -> Any:
    """The transformers tokenizer inside our ``huggingface``/``megatron`` library wrapper, or
    ``None``. The wrapper's ``apply_chat_template`` only forwards to it, one conversation per
    call; talking to it directly lets the turns go in one batch."""
    from compat.tokenizers.text.libraries.huggingface_tokenizer import HuggingFaceTokenizer

    if isinstance(tokenizer, HuggingFaceTokenizer) and _is_hugging_face_tokenizer(
        tokenizer.tokenizer
    ):
        return tokenizer.tokenizer
    return None


def _encoder_for(tokenizer: Any, template: str | None) -> _ChatTemplateEncoder:
    if _is_hugging_face_tokenizer(tokenizer):
        return _BatchedHuggingFaceEncoder(tokenizer, template)
    hugging_face = _wrapped_hugging_face_tokenizer(tokenizer)
    if hugging_face is not None:
        # the wrapper's own template is its fallback, which may differ from the inner one's
        return _BatchedHuggingFaceEncoder(hugging_face, template or tokenizer.chat_template)
    if _renders_with_base_apply_chat_template(tokenizer):
        return _TextLibraryEncoder(tokenizer, template)
    return _ChatTemplateEncoder(tokenizer, template)


def _renders_with_base_apply_chat_template(tokenizer: Any) -> bool:
    from compat.tokenizers.text.libraries.abstract_tokenizer import MegatronTokenizerTextAbstract

    return (
        isinstance(tokenizer, MegatronTokenizerTextAbstract)
        and type(tokenizer).apply_chat_template is MegatronTokenizerTextAbstract.apply_chat_template
    )
