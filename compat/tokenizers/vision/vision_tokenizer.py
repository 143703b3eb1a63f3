"""``MegatronTokenizerVision``: the facade over the vision libraries (G3)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, cast

from compat import deprecations
from compat.tokenizers.base_tokenizer import MegatronTokenizerBase
from compat.tokenizers.library_names import VISION_LIBRARY_CLASSES

# upstream's name for the table: library string → class name in ``vision.libraries``
TOKENIZER_MAPPING_LIBRARIES = VISION_LIBRARY_CLASSES

# What ``--tokenizer-mode multimodal`` adds to the library arguments, with the values that mean
# "not set". Upstream passes them to null-multimodal too, which crashes (reference §1 item 2).
_MODE_KWARGS_UNSET: dict[str, Any] = {
    "prompt_format": None,
    "special_tokens": [],
    "image_tag_type": "",
    "force_system_message": False,
}


class MegatronTokenizerVision(MegatronTokenizerBase):
    """Vision tokenizer facade; ``self._tokenizer`` is the library object."""

    def __init__(self, path: str | None, config: Mapping[str, Any], **kwargs: Any) -> None:
        """
        Args:
            path: the HF tokenizer folder (``multimodal``); unused by ``null-multimodal``.
            config: the metadata (``library`` ...); copied, never modified.
            **kwargs: library arguments: ``prompt_format``, ``special_tokens``,
                ``image_tag_type``, ``force_system_message`` and ``AutoTokenizer`` options for
                ``multimodal``; ``vocab_size``, ``image_token``, ``image_token_id`` for
                ``null-multimodal``.
        """
        config = dict(config)
        vision_name, vision_path = deprecations.VISION_FACADE
        config.setdefault("class_name", vision_name)
        config.setdefault("class_path", vision_path)
        super().__init__(path, config, **kwargs)
        self._tokenizer = self._restore_model(**kwargs)

    def _restore_model(self, **kwargs: Any) -> Any:
        """Build the library object named by ``self.library``."""
        library_class = self._library_class(TOKENIZER_MAPPING_LIBRARIES, "vision")
        if self.library == "null-multimodal":
            return library_class(**_without_mode_kwargs(kwargs))
        return library_class(self.path, **kwargs)

    # --- encoding ----------------------------------------------------------------------------

    def tokenize(self, text: str | list[dict[str, Any]]) -> list[int]:
        """Text → ids; with ``multimodal``, a conversation → ids with the generation prompt."""
        return cast("list[int]", self._tokenizer.tokenize(text))

    def detokenize(self, ids: list[int]) -> str:
        return cast(str, self._tokenizer.detokenize(ids))

    def tokenize_conversation(
        self,
        conversation: list[dict[str, Any]],
        return_target: bool = True,
        add_generation_prompt: bool = False,
    ) -> Any:
        """Ids (and targets: non-assistant spans and assistant prefixes ``-100``) of a
        conversation in the prompt format; the caller's conversation is never modified."""
        if not hasattr(self._tokenizer, "tokenize_conversation"):
            raise NotImplementedError(
                f"the {self.library!r} library cannot tokenize conversations; use library "
                "'multimodal' with a prompt_format (--tokenizer-prompt-format)"
            )
        return self._tokenizer.tokenize_conversation(
            conversation, return_target, add_generation_prompt
        )

    def apply_chat_template(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            "vision tokenizers do not apply chat templates; use "
            "tokenize_conversation(conversation, return_target, add_generation_prompt), which "
            "formats with the prompt format"
        )

    def convert_tokens_to_ids(self, tokens: str | list[str]) -> Any:
        return self._tokenizer.convert_tokens_to_ids(tokens)

    def offsets(self, ids: list[int], text: str) -> list[int]:
        return cast("list[int]", self._library_member("offsets")(ids, text))

    # --- special tokens ----------------------------------------------------------------------

    def add_special_tokens(self, special_tokens: list[str] | Mapping[str, str]) -> None:
        """Declare more special tokens (a list, or role → token); existing ones keep their ids."""
        self._library_member("add_special_tokens")(special_tokens)

    def get_special_tokens(self) -> dict[str, int]:
        """The tokenizer's added tokens, token → id."""
        return cast("dict[str, int]", self._library_member("get_special_tokens")())

    @property
    def special_tokens_report(self) -> Any:
        """Which declared special tokens were reused and which added, with their ids."""
        return self._library_member("special_tokens_report")

    @property
    def special_token_ids(self) -> dict[str, int]:
        """role → id of every declared special token (``image``, ``pad`` ...)."""
        return cast("dict[str, int]", self._library_member("special_token_ids"))

    @property
    def required_embedding_rows(self) -> int:
        return cast(int, self._library_member("required_embedding_rows"))

    def check_embedding_fits(self, padded_vocab_size: int) -> None:
        """Raise ``EmbeddingTableTooSmallError`` (a ValueError) saying how many rows are missing
        when this tokenizer's ids do not fit ``padded_vocab_size`` embedding rows."""
        self._tokenizer.check_embedding_fits(padded_vocab_size)

    def save_pretrained(self, directory: str) -> None:
        """Save the tokenizer, added special tokens included, with its
        ``tokenizer_metadata.json`` (``multimodal`` only): ``from_pretrained(directory, ...)``
        loads it again with the same ids."""
        from compat.tokenizers.megatron_tokenizer import MegatronTokenizer

        self._library_member("save_pretrained")(directory)
        MegatronTokenizer.write_metadata(directory, self.library, overwrite=True)

    # --- properties --------------------------------------------------------------------------

    @property
    def vocab_size(self) -> int:
        return cast(int, self._tokenizer.vocab_size)

    @property
    def vocab(self) -> Any:
        return self._tokenizer.vocab

    @property
    def pad(self) -> int | None:
        return self._library_id("pad")

    @property
    def eod(self) -> int | None:
        return cast("int | None", self._tokenizer.eod)

    @property
    def bos(self) -> int | None:
        return self._library_id("bos")


def _without_mode_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Drop the multimodal-mode arguments a null tokenizer has no use for (it formats no text),
    warning about any that was actually set."""
    ignored = [
        name
        for name, unset in _MODE_KWARGS_UNSET.items()
        if name in kwargs and kwargs[name] not in (unset, None)
    ]
    if ignored:
        warnings.warn(
            f"null-multimodal ignores {', '.join(ignored)}: its input is already token ids, so "
            "there is no prompt format, image tag or special token to apply",
            UserWarning,
            stacklevel=4,
        )
    return {name: value for name, value in kwargs.items() if name not in _MODE_KWARGS_UNSET}
