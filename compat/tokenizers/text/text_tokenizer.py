"""``MegatronTokenizerText``: the one text facade over every text library (G3).

SFT is a capability of the facade: ``prompt_format=...`` builds a prompt config from the
``conversation`` module and enables ``tokenize_conversation``.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, cast

from compat import deprecations
from compat.tokenizers.base_tokenizer import MegatronTokenizerBase
from compat.tokenizers.library_names import (
    PATHLESS_LIBRARIES,
    TEXT_LIBRARY_CLASSES,
    current_library,
    g1_null_kwargs,
    is_g1_null,
)
from compat.tokenizers.text.libraries.abstract_tokenizer import resolve_chat_template

# upstream's name for the table: library string → class name in ``text.libraries``
TOKENIZER_MAPPING_LIBRARIES = TEXT_LIBRARY_CLASSES
# Libraries whose save_pretrained writes Hugging Face files.
_HF_LIBRARIES = frozenset({"huggingface", "megatron"})


def _accepts_keyword(callable_: Any, name: str) -> bool:
    parameters = inspect.signature(callable_).parameters.values()
    return any(
        parameter.name == name or parameter.kind is inspect.Parameter.VAR_KEYWORD
        for parameter in parameters
    )


def _check_arguments(
    library: str, library_class: type, arguments: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    """Reject keyword arguments the library does not take with a message listing the ones it
    does (instead of Python's bare ``unexpected keyword argument`` from deep inside)."""
    signature = inspect.signature(library_class)
    try:
        signature.bind(*arguments, **kwargs)
    except TypeError as error:
        accepted = [
            parameter.name
            for parameter in list(signature.parameters.values())[len(arguments) :]
            if parameter.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        raise TypeError(
            f"the {library!r} tokenizer library cannot be built with "
            f"{sorted(kwargs)}: {error}. It accepts the keyword arguments {accepted}; "
            "pass only those to MegatronTokenizer.from_pretrained."
        ) from None


class MegatronTokenizerText(MegatronTokenizerBase):
    """Text tokenizer facade; ``self._tokenizer`` is the library object."""

    def __init__(self, path: str | None, config: Mapping[str, Any], **kwargs: Any) -> None:
        """
        Args:
            path: tokenizer file, directory or (``megatron``) name; unused by ``byte-level`` and
                ``null-text``.
            config: the metadata (``library``, ``chat_template``, ...); copied, never modified.
            **kwargs: library arguments, plus ``prompt_format`` (SFT) and ``chat_template``.
        """
        config = dict(config)
        # unique_identifiers (a dataset cache key) records the arguments as the caller gave them
        given_kwargs = kwargs
        if is_g1_null(config.get("library")):
            kwargs = g1_null_kwargs(kwargs)
        if isinstance(config.get("library"), str):
            # A G1/G2 config built by hand ({"library": "null"}) still works, with a warning.
            config["library"] = current_library(config["library"], stacklevel=2)
        text_name, text_path = deprecations.TEXT_FACADE
        config.setdefault("class_name", text_name)
        config.setdefault("class_path", text_path)
        super().__init__(path, config, **kwargs)

        library_kwargs = dict(kwargs)
        # Upstream G3 forwarded prompt_format to the library, which rejects it (reference §5.5).
        prompt_format = library_kwargs.pop("prompt_format", None)
        self._tokenizer = self._restore_model(**library_kwargs)
        self.additional_args = given_kwargs

        # Upstream's precedence since 0.18: metadata, then the chat_template keyword, then the
        # library's own template (0.17 asked the library before the keyword).
        for template in (
            config.get("chat_template"),
            kwargs.get("chat_template"),
            getattr(self._tokenizer, "chat_template", None),
        ):
            if template is not None:
                break
        self.chat_template = template

        self._prompt_config = None
        if prompt_format is not None:
            self._prompt_config = self._build_sft_prompt_config(prompt_format)

    def _build_sft_prompt_config(self, prompt_format: str) -> Any:
        """The prompt config of ``prompt_format`` for the library (SFT mode)."""
        from compat.tokenizers.conversation import build_prompt_config

        if not hasattr(self._tokenizer, "apply_chat_template"):
            able = [name for name in TOKENIZER_MAPPING_LIBRARIES if name != self.library]
            raise ValueError(
                f"the {self.library!r} library cannot tokenize conversations, so "
                f"prompt_format={prompt_format!r} cannot be used with it; use one of {able}"
            )
        prompt_config = build_prompt_config(prompt_format, self._tokenizer)
        if prompt_config.custom_chat_template is None and self.chat_template:
            # Formats rendering with "the tokenizer's own template" also find one stored in the
            # metadata; upstream looked only at the library, which sentencepiece/tiktoken
            # libraries never give one.
            prompt_config = dataclasses.replace(
                prompt_config, custom_chat_template=self.chat_template
            )
        return prompt_config

    def _restore_model(self, **kwargs: Any) -> Any:
        """Build the library object named by ``self.library``."""
        library_class = self._library_class(TOKENIZER_MAPPING_LIBRARIES, "text")
        # The facade consumes chat_template itself; only libraries that take it receive it.
        if "chat_template" in kwargs and not _accepts_keyword(library_class, "chat_template"):
            kwargs.pop("chat_template")
        arguments = () if self.library in PATHLESS_LIBRARIES else (self.path,)
        _check_arguments(self.library, library_class, arguments, kwargs)
        return library_class(*arguments, **kwargs)

    # --- encoding ----------------------------------------------------------------------------

    def tokenize(self, text: str | list[dict[str, Any]]) -> list[int]:
        """Text → ids. In SFT mode a conversation (list of messages) → ids with the generation
        prompt."""
        if isinstance(text, list):
            ids: list[int] = self.tokenize_conversation(
                text, return_target=False, add_generation_prompt=True
            ).tolist()
            return ids
        return self.text_to_ids(text)

    def detokenize(self, ids: list[int], skip_special_tokens: bool | None = None) -> str:
        """Ids → text. ``skip_special_tokens`` (as upstream since 0.18) overrides the library's
        default where its ``ids_to_text`` can drop special tokens; None keeps the default."""
        if skip_special_tokens is not None and _accepts_keyword(
            self._tokenizer.ids_to_text, "remove_special_tokens"
        ):
            text: str = self._tokenizer.ids_to_text(ids, remove_special_tokens=skip_special_tokens)
            return text
        return self.ids_to_text(ids)

    def text_to_ids(self, text: str) -> list[int]:
        return cast("list[int]", self._tokenizer.text_to_ids(text))

    def ids_to_text(self, ids: list[int]) -> str:
        return cast(str, self._tokenizer.ids_to_text(ids))

    def tokens_to_ids(self, tokens: list[str]) -> list[int]:
        return cast("list[int]", self._tokenizer.tokens_to_ids(tokens))

    def ids_to_tokens(self, ids: list[int]) -> list[str]:
        return cast("list[str]", self._tokenizer.ids_to_tokens(ids))

    def token_to_id(self, token: str) -> int:
        return cast(int, self._library_member("token_to_id")(token))

    def offsets(self, ids: list[int], text: str) -> list[int]:
        """Character offset where each id's text starts in ``text``."""
        return cast("list[int]", self._library_member("offsets")(ids=ids, text=text))

    def tokenize_conversation(
        self,
        conversation: list[dict[str, Any]],
        return_target: bool = True,
        add_generation_prompt: bool = False,
    ) -> Any:
        """Tokenize a conversation with the prompt format given as ``prompt_format``."""
        if self._prompt_config is None:
            raise RuntimeError(
                "tokenize_conversation needs a prompt format: pass prompt_format=... to "
                "MegatronTokenizer.from_pretrained (--tokenizer-prompt-format on the command "
                "line, with --tokenizer-mode sft)."
            )
        from compat.tokenizers.conversation import tokenize_conversation

        return tokenize_conversation(
            self._tokenizer,
            conversation,
            self._prompt_config,
            return_target,
            add_generation_prompt,
        )

    def apply_chat_template(
        self,
        conversation: list[dict[str, Any]],
        chat_template: str | None = None,
        tokenize: bool = True,
        add_generation_prompt: bool = False,
        **kwargs: Any,
    ) -> str | list[int]:
        """Format ``conversation`` with ``chat_template`` (default: the tokenizer's own).

        Hugging Face libraries render with transformers; every other library renders in the
        jinja2 sandbox of ``chat_rendering``.
        """
        template = resolve_chat_template(chat_template, self.chat_template)
        if not hasattr(self._tokenizer, "apply_chat_template"):
            raise AttributeError(
                f"library {self.library!r} cannot apply chat templates; use a text library "
                f"other than {self.library!r}."
            )
        rendered: str | list[int] = self._tokenizer.apply_chat_template(
            conversation=conversation,
            chat_template=template,
            tokenize=tokenize,
            add_generation_prompt=add_generation_prompt,
            **kwargs,
        )
        return rendered

    def save_pretrained(self, path: str) -> None:
        """Write Hugging Face tokenizer files (``huggingface``/``megatron`` libraries only)."""
        if self.library not in _HF_LIBRARIES:
            raise ValueError(
                f"save_pretrained is not supported with the {self.library!r} library (only "
                f"{sorted(_HF_LIBRARIES)}); copy the tokenizer file instead."
            )
        self._tokenizer.save_pretrained(path)

    def add_special_tokens(self, special_tokens: list[str] | dict[str, Any]) -> Any:
        """Register special tokens with the library (libraries that support it)."""
        return self._tokenizer.add_special_tokens(special_tokens)

    # --- vocabulary --------------------------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        return cast(int, self._tokenizer.vocab_size)

    @property
    def vocab(self) -> Any:
        return self._library_member("vocab")

    @property
    def inv_vocab(self) -> Any:
        return self._library_member("inv_vocab")

    @property
    def additional_special_tokens_ids(self) -> Any:
        return self._library_member("additional_special_tokens_ids")

    @property
    def space_sensitive(self) -> bool:
        value = getattr(self._tokenizer, "space_sensitive", None)
        if value is None:
            raise NotImplementedError(
                f"space_sensitive is not known for the {self.library!r} library "
                "(only sentencepiece and huggingface-based libraries report it)."
            )
        return bool(value)

    @property
    def unique_identifiers(self) -> OrderedDict[str, Any]:
        """Identifies the tokenizer in dataset cache keys (same format as upstream)."""
        identifiers: OrderedDict[str, Any] = OrderedDict()
        # The upstream module path, so a dataset cache built by upstream G3/main is reused.
        module = deprecations.megatron_path(type(self).__module__)
        identifiers["class"] = f"{module}.{type(self).__qualname__}"
        identifiers["tokenizer_path"] = self.path
        for name, value in self.additional_args.items():
            identifiers[name] = str(value)
        return identifiers

    @property
    def vocab_file(self) -> str | None:
        return cast("str | None", self.additional_args.get("vocab_file"))

    @property
    def merges_file(self) -> str | None:
        return cast("str | None", self.additional_args.get("merges_file"))

    # --- special ids -------------------------------------------------------------------------

    def _special_id(self, name: str) -> int | None:
        """``<name>_id`` of the library, or its bare ``<name>`` (the null library's form)."""
        missing = object()
        for attribute in (f"{name}_id", name):
            value = getattr(self._tokenizer, attribute, missing)
            if value is not missing:
                return cast("int | None", value)
        raise AttributeError(
            f"the {self.library!r} tokenizer library has no {name} token ({name} / {name}_id)"
        )

    @property
    def pad(self) -> int | None:
        if self._prompt_config is not None:
            return cast("int | None", self._prompt_config.pad_token_id)
        return self._library_id("pad_id")

    @property
    def pad_id(self) -> int | None:
        return self.pad

    @property
    def eod(self) -> int | None:
        try:
            return cast("int | None", self._tokenizer.eod)
        except AttributeError:
            return self._library_id("eos_id")

    @property
    def bos(self) -> int | None:
        return self._library_id("bos_id")

    @property
    def bos_id(self) -> int | None:
        return self.bos

    @property
    def eos(self) -> int | None:
        return self._library_id("eos_id")

    @property
    def eos_id(self) -> int | None:
        return self.eos

    @property
    def unk(self) -> int | None:
        return self._library_id("unk_id")

    @property
    def unk_id(self) -> int | None:
        return self.unk

    @property
    def cls(self) -> int | None:
        return self._special_id("cls")

    @property
    def cls_id(self) -> int | None:
        return self.cls

    @property
    def sep(self) -> int | None:
        return self._special_id("sep")

    @property
    def sep_id(self) -> int | None:
        return self.sep

    @property
    def mask(self) -> int | None:
        return self._special_id("mask")

    @property
    def mask_id(self) -> int | None:
        return self.mask
