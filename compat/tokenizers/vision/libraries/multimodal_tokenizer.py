"""``library: "multimodal"``: an HF tokenizer with a prompt format, image tags and VLM tokens."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, cast

from compat.tokenizers.vision.special_tokens import (
    IMAGE_TAGS,
    IMAGE_TOKEN,
    ROLE_IMAGE,
    ROLE_IMAGE_END,
    ROLE_IMAGE_START,
    ROLE_PAD,
    SpecialTokenError,
    SpecialTokensReport,
    SpecialTokensSpec,
    check_collisions,
    check_embedding_fits,
    declare_special_tokens,
    default_special_tokens,
    image_tag,
    resolve_special_tokens,
)

__all__ = ["IMAGE_TAGS", "MegatronMultimodalTokenizer"]

Conversation = list[dict[str, Any]]

# Upstream loads the NVLM Yi-34B tokenizer from its slow (SentencePiece) files with a BOS.
_NVLM_YI_34B_LOAD_KWARGS = {"from_slow": True, "legacy": False, "add_bos_token": True}


class MegatronMultimodalTokenizer:
    """An HF ``AutoTokenizer`` tokenizing text and conversations for a vision-language model.

    ``special_tokens`` declares the model's special tokens: ``None`` for the defaults of the
    prompt format and image tag type, a list of token strings (upstream's form), or a mapping
    role → token. Tokens the tokenizer already has keep their ids; missing ones are added
    (see :mod:`compat.tokenizers.vision.special_tokens`). ``special_tokens_report`` says which.
    Other keyword arguments go to ``AutoTokenizer.from_pretrained``.
    """

    def __init__(
        self,
        path: str | None,
        prompt_format: str | None = None,
        special_tokens: SpecialTokensSpec = None,
        image_tag_type: str | None = "",
        force_system_message: bool = False,
        **kwargs: Any,
    ) -> None:
        if not path:
            raise ValueError(
                "the multimodal tokenizer needs the path of a Hugging Face tokenizer "
                "(--tokenizer-model, or tokenizer_path of from_pretrained)"
            )
        from compat.tokenizers.conversation import build_prompt_config

        self._image_tag = image_tag(image_tag_type)
        if prompt_format is None:
            raise ValueError(
                "the multimodal tokenizer needs a prompt format: pass prompt_format=... "
                "(--tokenizer-prompt-format)"
            )
        if prompt_format == "nvlm-yi-34b":
            kwargs = {**kwargs, **_NVLM_YI_34B_LOAD_KWARGS}
        self.tokenizer = _load_hf_tokenizer(path, kwargs)

        defaults = default_special_tokens(prompt_format, image_tag_type or "", self.tokenizer)
        declared = declare_special_tokens(special_tokens, defaults)
        self._special_tokens = resolve_special_tokens(self.tokenizer, declared)
        # Built after the tokens are added, as upstream: a format's pad token may be one of them.
        prompt_config = build_prompt_config(
            prompt_format, self.tokenizer, force_system_message=force_system_message
        )
        if ROLE_PAD in declared:
            prompt_config = dataclasses.replace(
                prompt_config, pad_token_id=self._special_tokens.ids[ROLE_PAD]
            )
        else:
            check_collisions(self._special_tokens, prompt_config.pad_token_id)
        self._prompt_config = prompt_config
        self._prompt_format = prompt_format
        self._image_token = declared.get(ROLE_IMAGE, IMAGE_TOKEN)
        if self._image_tag is not None and {ROLE_IMAGE_START, ROLE_IMAGE_END} <= set(declared):
            self._image_tag = (declared[ROLE_IMAGE_START], declared[ROLE_IMAGE_END])

    # --- text and conversations --------------------------------------------------------------

    def _image_replacement(self) -> str:
        """What the ``<image>`` placeholder of the data becomes: the declared image token, in
        its tag pair if one is configured."""
        if self._image_tag is None:
            return self._image_token
        return f"{self._image_tag[0]}{self._image_token}{self._image_tag[1]}"

    def _apply_image_tag(self, text: str | Conversation) -> str | Conversation:
        """Replace every ``<image>`` placeholder (see ``_image_replacement``); returns new
        objects."""
        replacement = self._image_replacement()
        if replacement == IMAGE_TOKEN:
            return text
        if isinstance(text, str):
            return text.replace(IMAGE_TOKEN, replacement)
        return [
            {**turn, "content": turn["content"].replace(IMAGE_TOKEN, replacement)}
            if isinstance(turn, Mapping) and isinstance(turn.get("content"), str)
            else turn
            for turn in text
        ]

    def tokenize(self, text: str | Conversation) -> list[int]:
        """A string → its ids; a conversation → its ids with the generation prompt (the form
        inference code uses)."""
        if isinstance(text, (list, tuple)):
            return cast("list[int]", self.tokenize_conversation(list(text), False, True).tolist())
        if not isinstance(text, str):
            raise TypeError(
                f"tokenize takes a string or a conversation (list of role/content dicts), "
                f"not {type(text).__name__}"
            )
        return list(self.tokenizer.encode(self._apply_image_tag(text)))

    def tokenize_conversation(
        self,
        conversation: Conversation,
        return_target: bool = True,
        add_generation_prompt: bool = False,
    ) -> Any:
        """Token ids (and targets with non-assistant spans masked) of a conversation; the
        caller's list is never modified."""
        from compat.tokenizers.conversation import tokenize_conversation

        if return_target and self._image_token != IMAGE_TOKEN:
            # the conversation module looks for "<image>", which the image token replaced
            _refuse_images_in_assistant_turns(conversation, self._prompt_config)
        return tokenize_conversation(
            self.tokenizer,
            conversation,
            self._prompt_config,
            return_target,
            add_generation_prompt,
            apply_image_tag_fn=self._apply_image_tag,
        )

    def detokenize(self, ids: Any) -> str:
        return cast(str, self.tokenizer.decode(_as_id_list(ids)))

    def convert_tokens_to_ids(self, tokens: str | list[str]) -> Any:
        """Ids of tokens; the ``<image>`` placeholder gives the declared image token's id (what
        LLaVA looks up as its image token index)."""
        if isinstance(tokens, str):
            return self.tokenizer.convert_tokens_to_ids(self._as_declared_token(tokens))
        return self.tokenizer.convert_tokens_to_ids([self._as_declared_token(t) for t in tokens])

    def _as_declared_token(self, token: str) -> str:
        return self._image_token if token == IMAGE_TOKEN else token

    # --- special tokens ----------------------------------------------------------------------

    def add_special_tokens(self, special_tokens: list[str] | Mapping[str, str]) -> None:
        """Declare more special tokens (list or role → token), reusing existing ones.

        A listed token already declared is skipped; a listed token whose role is taken keeps its
        string as role. Redeclaring a role of a mapping, or a collision, is an error and leaves
        the tokenizer unchanged.
        """
        declared = declare_special_tokens(special_tokens, {})
        taken_roles = self._special_tokens.ids
        if isinstance(special_tokens, Mapping):
            redeclared = sorted(set(declared) & set(taken_roles))
            if redeclared:
                raise SpecialTokenError(
                    f"special token role(s) {redeclared} are already declared; declare new roles"
                )
        else:
            known = {token.token for token in self._special_tokens.tokens}
            declared = {
                (token if role in taken_roles else role): token
                for role, token in declared.items()
                if token not in known
            }
        report = resolve_special_tokens(
            self.tokenizer, declared, self._prompt_config.pad_token_id, self._special_tokens
        )
        self._special_tokens = SpecialTokensReport(self._special_tokens.tokens + report.tokens)

    def get_special_tokens(self) -> dict[str, int]:
        return cast("dict[str, int]", self.tokenizer.get_added_vocab())

    @property
    def special_tokens_report(self) -> SpecialTokensReport:
        """Which declared special tokens were reused and which were added, with their ids."""
        return self._special_tokens

    @property
    def special_token_ids(self) -> dict[str, int]:
        """role → id of every declared special token."""
        return self._special_tokens.ids

    @property
    def required_embedding_rows(self) -> int:
        """Rows an embedding table needs for every id this tokenizer can produce."""
        return cast(int, max(self.tokenizer.get_vocab().values())) + 1

    def check_embedding_fits(self, padded_vocab_size: int) -> None:
        """Raise a clear error when ids exceed an embedding table of ``padded_vocab_size`` rows."""
        required_rows = self.required_embedding_rows
        overflow: list[tuple[str, int]] = []
        if isinstance(padded_vocab_size, int) and required_rows > padded_vocab_size:
            overflow = sorted(
                (
                    (token, token_id)
                    for token, token_id in self.tokenizer.get_vocab().items()
                    if token_id >= padded_vocab_size
                ),
                key=lambda item: item[1],
            )
        check_embedding_fits(required_rows, padded_vocab_size, overflow)

    def save_pretrained(self, directory: str) -> None:
        """Save the tokenizer with its added special tokens, to load it again for fine-tuning."""
        self.tokenizer.save_pretrained(str(directory))

    # --- properties --------------------------------------------------------------------------

    @property
    def prompt_format(self) -> str:
        return self._prompt_format

    @property
    def pad(self) -> int | None:
        return self._prompt_config.pad_token_id

    @property
    def eod(self) -> int | None:
        return cast("int | None", self.tokenizer.eos_token_id)

    @property
    def bos(self) -> int | None:
        return cast("int | None", self.tokenizer.bos_token_id)

    @property
    def vocab_size(self) -> int:
        """Number of ids, the added special tokens included.

        Upstream counts the vocabulary *before* adding them, so the padded vocab size computed
        from it can leave them outside the embedding table; counting them changes the padded
        size only in exactly those cases.
        """
        return len(self.tokenizer)

    @property
    def vocab(self) -> dict[str, int]:
        return cast("dict[str, int]", self.tokenizer.get_vocab())


def _load_hf_tokenizer(path: str, kwargs: dict[str, Any]) -> Any:
    try:
        import transformers
    except ImportError as error:
        raise ImportError(
            "the multimodal tokenizer needs transformers: "
            "pip install 'megatron-tokenizer-compat[huggingface]'"
        ) from error
    try:
        return transformers.AutoTokenizer.from_pretrained(path, **kwargs)
    except (OSError, ValueError) as error:
        raise ValueError(
            f"could not load a Hugging Face tokenizer from {path!r}: {error}. The multimodal "
            "library needs a Hugging Face tokenizer folder (tokenizer.json or the slow files plus "
            "tokenizer_config.json) as --tokenizer-model"
        ) from error


def _refuse_images_in_assistant_turns(conversation: Any, prompt_config: Any) -> None:
    if not prompt_config.validate_no_image_in_assistant:
        return
    for index, turn in enumerate(conversation):
        if not isinstance(turn, Mapping):
            continue  # the conversation module reports malformed turns
        role, content = turn.get("role"), turn.get("content")
        is_assistant = isinstance(role, str) and role.lower() == "assistant"
        if is_assistant and isinstance(content, str) and IMAGE_TOKEN in content:
            raise RuntimeError(
                f"assistant turn {index} contains {IMAGE_TOKEN}; images may only appear in "
                "user or system turns"
            )


def _as_id_list(ids: Any) -> list[int]:
    if hasattr(ids, "tolist"):
        ids = ids.tolist()
    if isinstance(ids, int):
        return [ids]
    return [int(token_id) for token_id in ids]


def __getattr__(name: str) -> Any:
    # G2 kept PromptConfig, IGNORE_INDEX and the multimodal templates here.
    from compat.legacy import legacy_attribute

    return legacy_attribute(__name__, name)
