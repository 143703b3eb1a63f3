"""Prompt formats: how a conversation is rendered and which of its tokens are trained on.

One registry serves both SFT (any text library plus ``prompt_format``) and the multimodal
tokenizer. A factory receives the tokenizer it configures: a Megatron text library object
(``token_to_id``, ``pad_id``, ...) or a raw Hugging Face tokenizer (``convert_tokens_to_ids``,
``pad_token_id``, ...); the helpers below read either spelling.

Unlike upstream, an id of ``0`` is a real id: helpers test ``is None`` and never use ``or``.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypedDict, cast

# ---------------------------------------------------------------------------------------------
# Chat templates. Every literal is emitted by an expression and every tag trims the template's
# own whitespace, so the output does not depend on the renderer's trim_blocks/lstrip_blocks.
# ---------------------------------------------------------------------------------------------

# SFT formats (G2 homes: text/libraries/sft_tokenizer.py).
nemotron_h_aligned_custom_template = (
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'system' -%}"
    "{{ '<SPECIAL_10>System\n' + message['content'].strip() + '\n' }}"
    "{%- elif message['role'] == 'user' -%}"
    "{{ '<SPECIAL_11>User\n' + message['content'].strip() + '\n<SPECIAL_11>Assistant\n' }}"
    "{%- elif message['role'] == 'assistant' -%}"
    "{{ message['content'].strip() + '\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
)

# System and user turns lose their reasoning switches ("/think", "/no_think") before stripping.
nemotron_nano_v2_custom_template = (
    "{%- for message in messages -%}"
    "{%- if message['role'] in ('system', 'user') -%}"
    "{%- set cleaned = message['content'].replace('/think', '').replace('/no_think', '')"
    ".strip() -%}"
    "{%- set header = '<SPECIAL_10>System\n' if message['role'] == 'system'"
    " else '<SPECIAL_11>User\n' -%}"
    "{{ header + cleaned + '\n' }}"
    "{%- elif message['role'] == 'assistant' -%}"
    "{{ '<SPECIAL_11>Assistant\n' + message['content'].strip() + '\n<SPECIAL_12>\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
)

identity_template = "{%- for message in messages -%}{{ message['content'] }}{%- endfor -%}"

# Multimodal formats (G2 home: vision/libraries/multimodal_tokenizer.py).
# Mistral's own template rejects conversations the multimodal pipeline produces, hence this one.
mistral_custom_template = (
    "{{- bos_token -}}"
    "{%- for message in messages -%}"
    "{%- if message['role'] == 'user' -%}"
    "{{ '[INST] ' + message['content'] + '[/INST]' }}"
    "{%- elif message['role'] == 'assistant' -%}"
    "{{ ' ' + message['content'] + eos_token }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ ' ' }}{%- endif -%}"
)

qwen2p0_custom_template = (
    "{%- for message in messages -%}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\n' }}{%- endif -%}"
)

# ChatML with a leading BOS.
nvlm_yi_34b_template = "{{- bos_token -}}" + qwen2p0_custom_template

nemotron_custom_template = (
    "{{- bos_token -}}"
    "{%- for message in messages -%}"
    "{{ '<SPECIAL_14>' + message['role'] + '\n' + message['content'] + '<SPECIAL_15>\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<SPECIAL_14>assistant\n' }}{%- endif -%}"
)

# Roles arrive capitalised ("System", "User", "Assistant"): the format sets capitalize_roles.
nemotron_aligned_custom_template = (
    "{{- bos_token -}}"
    "{%- for message in messages -%}"
    "{{ message['role'] + '\n' + message['content'] + '\n[PREFIX]' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ 'Assistant\n' }}{%- endif -%}"
)

# Llama 3.1 Instruct's conversation layout without the system header that Meta's template forces
# on every conversation: an optional system turn, tool definitions (``tools`` / ``custom_tools``,
# in the system turn or the first user turn), single tool calls (``<|python_tag|>`` for
# ``builtin_tools``), and ``tool``/``ipython`` results.
_LLAMA3P1_TOOL_PREAMBLE = (
    '\'Respond in the format {"name": function name, "parameters": dictionary of argument '
    "name and its value}.' + 'Do not use variables.\n\n'"
)
llama3p1_chat_template = (
    "{{- bos_token -}}"
    "{%- if custom_tools is defined -%}{%- set tools = custom_tools -%}{%- endif -%}"
    "{%- if tools is not defined -%}{%- set tools = none -%}{%- endif -%}"
    "{%- set tools_in_user = tools_in_user_message if tools_in_user_message is defined "
    "else true -%}"
    "{%- set ns = namespace(turns=messages) -%}"
    # the system turn, carrying the tool environment when tools are offered
    "{%- if messages[0]['role'] == 'system' -%}"
    "{{ '<|start_header_id|>system<|end_header_id|>\n\n' }}"
    "{%- if builtin_tools is defined or tools is not none -%}"
    "{{ 'Environment: ipython\n' }}"
    "{%- endif -%}"
    "{%- if builtin_tools is defined -%}"
    "{{ 'Tools: ' + builtin_tools | reject('equalto', 'code_interpreter') | join(', ') + '\n\n' }}"
    "{%- endif -%}"
    "{%- if tools is not none and not tools_in_user -%}"
    "{{ 'You have access to the following functions. To call a function, please respond with "
    "JSON for a function call.' + " + _LLAMA3P1_TOOL_PREAMBLE + " }}"
    "{%- for tool in tools -%}{{ tool | tojson(indent=4) + '\n\n' }}{%- endfor -%}"
    "{%- endif -%}"
    "{{ messages[0]['content'] | trim + '<|eot_id|>' }}"
    "{%- set ns.turns = messages[1:] -%}"
    "{%- endif -%}"
    # tool definitions inside the first user turn
    "{%- if tools_in_user and tools is not none -%}"
    "{%- if ns.turns | length == 0 -%}"
    "{{ raise_exception(\"Cannot put tools in the first user message when there's no first user "
    'message!") }}'
    "{%- endif -%}"
    "{{ '<|start_header_id|>user<|end_header_id|>\n\n' + 'Given the following functions, please "
    "respond with a JSON for a function call with its proper arguments that best answers the "
    "given prompt.\n\n' + " + _LLAMA3P1_TOOL_PREAMBLE + " }}"
    "{%- for tool in tools -%}{{ tool | tojson(indent=4) + '\n\n' }}{%- endfor -%}"
    "{{ ns.turns[0]['content'] | trim + '<|eot_id|>' }}"
    "{%- set ns.turns = ns.turns[1:] -%}"
    "{%- endif -%}"
    "{%- for message in ns.turns -%}"
    "{%- if message['role'] in ('tool', 'ipython') and 'tool_calls' not in message -%}"
    "{{ '<|start_header_id|>ipython<|end_header_id|>\n\n' }}"
    "{%- if message['content'] is mapping or message['content'] is iterable -%}"
    "{{ message['content'] | tojson }}"
    "{%- else -%}{{ message['content'] }}{%- endif -%}"
    "{{ '<|eot_id|>' }}"
    "{%- elif 'tool_calls' in message -%}"
    "{%- if message['tool_calls'] | length != 1 -%}"
    "{{ raise_exception('This model only supports single tool-calls at once!') }}"
    "{%- endif -%}"
    "{%- set call = message['tool_calls'][0]['function'] -%}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
    "{%- if builtin_tools is defined and call['name'] in builtin_tools -%}"
    "{{ '<|python_tag|>' + call['name'] + '.call(' }}"
    "{%- for name, value in call['arguments'] | items -%}"
    "{{ name + '=\"' + value + '\"' }}{%- if not loop.last -%}{{ ', ' }}{%- endif -%}"
    "{%- endfor -%}"
    "{{ ')' }}"
    "{%- else -%}"
    "{{ '{\"name\": \"' + call['name'] + '\", \"parameters\": ' + call['arguments'] | tojson"
    " + '}' }}"
    "{%- endif -%}"
    "{{ '<|eom_id|>' if builtin_tools is defined else '<|eot_id|>' }}"
    "{%- else -%}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
    " + message['content'] | trim + '<|eot_id|>' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}"
    "{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
    "{%- endif -%}"
)

QWEN_SYSTEM_MESSAGE = {
    "role": "system",
    "content": "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.",
}


@dataclass
class PromptConfig:
    """How one prompt format renders a conversation and masks its targets."""

    # Leading tokens of an assistant turn that are masked (its header,
    # e.g. "<|im_start|>assistant\n").
    assistant_prefix_len: int
    # Padding id of the format (``None`` when the tokenizer has none).
    pad_token_id: int | None
    # Jinja chat template; ``None`` uses the tokenizer's own.
    custom_chat_template: str | None
    # The template starts every rendering with BOS, so turns after the first lose one token.
    has_bos: bool
    # Whether the format renders system turns; a leading system turn is dropped otherwise.
    has_system_role: bool
    # Replace (or insert) the system turn with ``system_default``.
    force_system_message: bool = False
    system_default: dict[str, Any] | None = None
    # Refuse "<image>" inside assistant content (multimodal formats).
    validate_no_image_in_assistant: bool = False
    # Upper-case the first letter of every role before rendering ("user" -> "User").
    capitalize_roles: bool = False
    # Train on every token: targets equal tokens.
    skip_masking: bool = False
    # SFT rules: "tool" turns are masked, only assistant turns must be non-empty and an assistant
    # turn must follow a user or tool turn. Without it (multimodal rules) every turn must be
    # non-empty and "tool" is not a known role.
    allow_tool_role: bool = False


# ---------------------------------------------------------------------------------------------
# Reading ids from either a Megatron library object or a raw Hugging Face tokenizer.
# ---------------------------------------------------------------------------------------------

# Errors a library property raises when it does not have that token (SentencePiece's sep_id raises
# NameError, some libraries raise NotImplementedError): treated as "no such id".
_MISSING_ID_ERRORS = (AttributeError, NotImplementedError, NameError)


def _first_id(tokenizer: Any, *attribute_names: str) -> int | None:
    """The first of ``attribute_names`` the tokenizer has with a value that is not ``None``."""
    for name in attribute_names:
        try:
            value = getattr(tokenizer, name)
        except _MISSING_ID_ERRORS:
            continue
        if value is not None:
            return cast(int, value)
    return None


def _get_pad_token_id(tokenizer: Any) -> int | None:
    return _first_id(tokenizer, "pad_token_id", "pad_id")


def _get_bos_token_id(tokenizer: Any) -> int | None:
    return _first_id(tokenizer, "bos_token_id", "bos_id")


def _get_eos_token_id(tokenizer: Any) -> int | None:
    return _first_id(tokenizer, "eos_token_id", "eos_id")


def _get_unk_token_id(tokenizer: Any) -> int | None:
    return _first_id(tokenizer, "unk_token_id", "unk_id")


def _get_chat_template(tokenizer: Any) -> str | None:
    return getattr(tokenizer, "chat_template", None)


def _token_to_id(tokenizer: Any, token: str) -> Any:
    """Id of ``token``: ``token_to_id`` (Megatron libraries) or ``convert_tokens_to_ids`` (raw
    Hugging Face tokenizers)."""
    if hasattr(tokenizer, "token_to_id"):
        return tokenizer.token_to_id(token)
    if hasattr(tokenizer, "convert_tokens_to_ids"):
        return tokenizer.convert_tokens_to_ids(token)
    raise TypeError(
        f"cannot look up token {token!r}: {type(tokenizer).__name__} has neither token_to_id nor "
        "convert_tokens_to_ids; pass a Megatron text library or a Hugging Face tokenizer"
    )


def _named_pad_id(tokenizer: Any, token: str) -> int:
    """Id of the pad token a format names, falling back to the tokenizer's pad, then EOS id.

    The fallback covers tokenizers that do not know the token at all (the byte-level library
    returns the string unchanged, a tiktoken vocabulary raises): upstream stored the string, or
    crashed.
    """
    try:
        token_id = _token_to_id(tokenizer, token)
    except (KeyError, ValueError, IndexError):
        token_id = None
    if isinstance(token_id, int) and not isinstance(token_id, bool):
        return token_id
    pad_id = _get_pad_token_id(tokenizer)
    if pad_id is not None:
        return pad_id
    eos_id = _get_eos_token_id(tokenizer)
    if eos_id is not None:
        return eos_id
    raise ValueError(
        f"the prompt format pads with {token!r}, which {type(tokenizer).__name__} does not "
        "have, and the tokenizer has neither a pad nor an EOS id to use instead; use a tokenizer "
        f"that defines {token!r}"
    )


# ---------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------


def _pad_named(token: str) -> Callable[[Any], int]:
    """Pad-id strategy: the id of ``token`` (see :func:`_named_pad_id` for the fallbacks)."""
    return functools.partial(_named_pad_id, token=token)


class _Rules(TypedDict, total=False):
    """The rule set of each family (see PromptConfig.allow_tool_role)."""

    allow_tool_role: bool
    validate_no_image_in_assistant: bool


_SFT_RULES: _Rules = {"allow_tool_role": True}
_MULTIMODAL_RULES: _Rules = {"validate_no_image_in_assistant": True}


@dataclass(frozen=True)
class _FixedPromptFormat:
    """A format whose PromptConfig fields are constant but for the pad id, read by ``pad_id``."""

    rules: _Rules
    assistant_prefix_len: int
    pad_id: Callable[[Any], int | None]
    custom_chat_template: str | None
    has_bos: bool
    has_system_role: bool = True
    capitalize_roles: bool = False

    def __call__(self, tokenizer: Any) -> PromptConfig:
        return PromptConfig(
            assistant_prefix_len=self.assistant_prefix_len,
            pad_token_id=self.pad_id(tokenizer),
            custom_chat_template=self.custom_chat_template,
            has_bos=self.has_bos,
            has_system_role=self.has_system_role,
            capitalize_roles=self.capitalize_roles,
            **self.rules,
        )


def _build_sft_default(tokenizer: Any) -> PromptConfig:
    """The tokenizer's own chat template, BOS and pad (else EOS), trained on every token."""
    pad_id = _get_pad_token_id(tokenizer)
    return PromptConfig(
        assistant_prefix_len=0,
        pad_token_id=pad_id if pad_id is not None else _get_eos_token_id(tokenizer),
        custom_chat_template=_get_chat_template(tokenizer),
        has_bos=_get_bos_token_id(tokenizer) is not None,
        has_system_role=True,
        skip_masking=True,
        **_SFT_RULES,
    )


_QWEN2 = _FixedPromptFormat(
    _MULTIMODAL_RULES, 3, _get_pad_token_id, qwen2p0_custom_template, has_bos=False
)


def _build_multimodal_qwen2(tokenizer: Any, force_system_message: bool = False) -> PromptConfig:
    """ChatML whose default system turn is Qwen's, optionally forced onto every conversation."""
    return dataclasses.replace(
        _QWEN2(tokenizer),
        force_system_message=force_system_message,
        system_default=dict(QWEN_SYSTEM_MESSAGE),
    )


_LLAMA3P1 = _FixedPromptFormat(
    _MULTIMODAL_RULES,
    4,
    _pad_named("<|finetune_right_pad_id|>"),
    llama3p1_chat_template,
    has_bos=True,
)

# Prompt format name -> factory(tokenizer, **options) -> PromptConfig. A fixed format reads
# (rules, assistant_prefix_len, pad id strategy, chat template or None for the tokenizer's own,
# has_bos).
PROMPT_FORMAT_REGISTRY: dict[str, Callable[..., PromptConfig]] = {
    # SFT formats
    "nemotron-nano-v2": _FixedPromptFormat(
        _SFT_RULES, 3, _pad_named("<unk>"), nemotron_nano_v2_custom_template, has_bos=False
    ),
    "nemotron-h-aligned": _FixedPromptFormat(
        _SFT_RULES,
        0,
        _pad_named("<SPECIAL_233>"),
        nemotron_h_aligned_custom_template,
        has_bos=False,
    ),
    "identity": _FixedPromptFormat(
        _SFT_RULES, 0, _pad_named("<unk>"), identity_template, has_bos=False
    ),
    "default": _build_sft_default,
    # multimodal formats (usable for SFT too)
    "mistral": _FixedPromptFormat(
        _MULTIMODAL_RULES,
        0,
        _get_unk_token_id,
        mistral_custom_template,
        has_bos=True,
        has_system_role=False,
    ),
    "llama3": _FixedPromptFormat(
        _MULTIMODAL_RULES, 4, _pad_named("<|end_of_text|>"), None, has_bos=True
    ),
    "llama3p1": _LLAMA3P1,
    "llama3p2": _LLAMA3P1,
    "nvlm-yi-34b": _FixedPromptFormat(
        _MULTIMODAL_RULES, 4, _get_pad_token_id, nvlm_yi_34b_template, has_bos=True
    ),
    "chatml": _FixedPromptFormat(_MULTIMODAL_RULES, 3, _get_pad_token_id, None, has_bos=False),
    "nemotron5": _FixedPromptFormat(
        _MULTIMODAL_RULES, 3, _pad_named("<SPECIAL_233>"), nemotron_custom_template, has_bos=True
    ),
    "nemotron5-aligned": _FixedPromptFormat(
        _MULTIMODAL_RULES,
        2,
        _pad_named("<SPECIAL_233>"),
        nemotron_aligned_custom_template,
        has_bos=True,
        capitalize_roles=True,
    ),
    "qwen2p0": _build_multimodal_qwen2,
    "qwen2p5": _build_multimodal_qwen2,
}

SFT_PROMPT_FORMATS = ("nemotron-nano-v2", "nemotron-h-aligned", "identity", "default")

# Options some factories take; a caller may pass them for any format.
PROMPT_FORMAT_OPTIONS = ("force_system_message",)


class UnknownPromptFormatError(ValueError, NotImplementedError):
    """A prompt format name that is not in the registry.

    Also a ``NotImplementedError``, which is what upstream raised, so existing handlers still
    catch it.
    """


class PromptFormatRegistrationError(ValueError):
    """A prompt format that cannot be registered or loaded as asked."""


# The entry-point group through which an installed package adds prompt formats: the entry
# point's name is the format's, its object the factory. A tokenizer built anywhere (deep inside
# Megatron's training loop too) finds them without an import of the package that defines them.
PROMPT_FORMAT_ENTRY_POINTS = "megatron_tokenizer_compat.prompt_formats"
BUILT_IN_PROMPT_FORMATS = frozenset(PROMPT_FORMAT_REGISTRY)

PromptFormatFactory = Callable[..., PromptConfig]


def register_prompt_format(
    name: str, factory: PromptFormatFactory | None = None, *, replace: bool = False
) -> Any:
    """Add the prompt format ``name``: ``factory(tokenizer, **options)`` returns its
    :class:`PromptConfig`. Usable as a decorator, ``@register_prompt_format("gemma")``.

    A name already registered (a built-in format too) is refused unless ``replace=True``:
    replacing a format changes the token ids and loss masks of every dataset built with it.
    """
    if factory is None:
        return functools.partial(register_prompt_format, name, replace=replace)
    if not isinstance(name, str) or not name or name != name.strip() or " " in name:
        raise PromptFormatRegistrationError(
            f"a prompt format name is a non-empty word as written on the command line "
            f"(--tokenizer-prompt-format NAME), not {name!r}"
        )
    if not callable(factory):
        raise PromptFormatRegistrationError(
            f"prompt format {name!r}: the factory must be callable as factory(tokenizer) and "
            f"return a PromptConfig, not {type(factory).__name__} {factory!r}"
        )
    if name in PROMPT_FORMAT_REGISTRY and not replace:
        kind = "a built-in" if name in BUILT_IN_PROMPT_FORMATS else "an already registered"
        raise PromptFormatRegistrationError(
            f"{name!r} is {kind} prompt format; register yours under another name, or pass "
            "replace=True if you mean to change the ids of every conversation tokenized with it"
        )
    PROMPT_FORMAT_REGISTRY[name] = factory
    return factory


@functools.cache
def _entry_points() -> dict[str, list[Any]]:
    from importlib.metadata import entry_points

    found: dict[str, list[Any]] = {}
    for entry_point in entry_points(group=PROMPT_FORMAT_ENTRY_POINTS):
        found.setdefault(entry_point.name, []).append(entry_point)
    return found


def prompt_format_names() -> frozenset[str]:
    """Every prompt format :func:`build_prompt_config` accepts: built in, registered in this
    process, or offered by an installed package's entry point (not imported to list it)."""
    return frozenset(PROMPT_FORMAT_REGISTRY) | frozenset(_entry_points())


def _entry_point_factory(name: str) -> PromptFormatFactory | None:
    offered = _entry_points().get(name, [])
    if not offered:
        return None
    if len(offered) > 1:
        sources = ", ".join(f"{_distribution(point)} ({point.value})" for point in offered)
        raise PromptFormatRegistrationError(
            f"prompt format {name!r} is offered by several installed packages: {sources}; "
            "uninstall all but one, or call register_prompt_format(..., replace=True) with the "
            "one you mean before building the tokenizer"
        )
    (point,) = offered
    try:
        factory = point.load()
    except Exception as error:
        raise PromptFormatRegistrationError(
            f"prompt format {name!r}: loading {point.value} (entry point of "
            f"{_distribution(point)}) failed with {type(error).__name__}: {error}; fix or "
            "reinstall that package"
        ) from error
    return cast(PromptFormatFactory, register_prompt_format(name, factory))


def _distribution(entry_point: Any) -> str:
    distribution = getattr(entry_point, "dist", None)
    return distribution.name if distribution is not None else "an unnamed package"


def _factory_options(factory: Callable[..., PromptConfig]) -> frozenset[str]:
    parameters = list(inspect.signature(factory).parameters)
    return frozenset(parameters[1:])


def build_prompt_config(prompt_format: str, tokenizer: Any, **options: Any) -> PromptConfig:
    """The :class:`PromptConfig` of ``prompt_format`` for ``tokenizer``.

    ``options`` are per-format settings (``force_system_message`` for ``qwen2p0``/``qwen2p5``).
    Passing an option the format does not use is allowed, as upstream's multimodal tokenizer
    allowed it; setting it to a true value warns, because it has no effect.
    """
    factory = PROMPT_FORMAT_REGISTRY.get(prompt_format) or _entry_point_factory(prompt_format)
    if factory is None:
        known = ", ".join(sorted(prompt_format_names()))
        raise UnknownPromptFormatError(
            f"unknown prompt format {prompt_format!r}; known formats: {known} "
            "(--tokenizer-prompt-format / prompt_format=...); a format of your own is added "
            f"with register_prompt_format() or the {PROMPT_FORMAT_ENTRY_POINTS!r} entry point"
        )
    unknown = sorted(set(options) - set(PROMPT_FORMAT_OPTIONS))
    if unknown:
        raise TypeError(
            f"unknown prompt format option(s) {', '.join(unknown)}; the options are: "
            f"{', '.join(PROMPT_FORMAT_OPTIONS)}"
        )
    accepted = _factory_options(factory)
    for name, value in options.items():
        if name not in accepted and value:
            warnings.warn(
                f"{name}={value!r} has no effect with prompt format {prompt_format!r}",
                UserWarning,
                stacklevel=2,
            )
    kwargs = {name: value for name, value in options.items() if name in accepted}
    config = factory(tokenizer, **kwargs)
    if not isinstance(config, PromptConfig):
        raise TypeError(
            f"prompt format {prompt_format!r}: its factory returned {type(config).__name__}, "
            "not a PromptConfig"
        )
    return config
