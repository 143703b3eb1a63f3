"""``huggingface``: a Megatron wrapper around a transformers tokenizer (G2/G3 defaults)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, cast

from compat.tokenizers.text.libraries.abstract_tokenizer import (
    MegatronTokenizerTextAbstract,
    check_truncation,
    message_texts,
    reject_unencodable,
    resolve_chat_template,
)

logger = logging.getLogger(__name__)

# Named special-token attributes mirrored from the HF tokenizer onto the wrapper.
NAMED_SPECIAL_TOKENS = (
    "bos_token",
    "eos_token",
    "unk_token",
    "sep_token",
    "pad_token",
    "cls_token",
    "mask_token",
)


def _import_transformers() -> Any:
    try:
        import transformers
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "the 'huggingface' and 'megatron' tokenizer libraries need transformers: "
            "pip install 'megatron-tokenizer-compat[huggingface]'"
        ) from None
    return transformers


def extra_special_tokens(hf_tokenizer: Any) -> list[str]:
    """The HF tokenizer's unnamed special tokens (``additional_special_tokens`` in transformers 4,
    ``extra_special_tokens`` in 5)."""
    if "additional_special_tokens" in getattr(hf_tokenizer, "SPECIAL_TOKENS_ATTRIBUTES", ()):
        tokens = hf_tokenizer.additional_special_tokens
    else:
        tokens = hf_tokenizer.extra_special_tokens
    return [str(token) for token in tokens or ()]


def chat_template_ids(result: Any) -> list[int]:
    """Token ids from whatever ``apply_chat_template(tokenize=True)`` returned (transformers 5
    returns a ``BatchEncoding``; 4 a list; tensors and arrays when asked)."""
    if hasattr(result, "keys") and "input_ids" in result:
        result = result["input_ids"]
    if hasattr(result, "tolist"):
        result = result.tolist()
    if result and isinstance(result[0], list):
        if len(result) != 1:
            raise ValueError(
                "apply_chat_template got a batch of conversations; pass one conversation at a time"
            )
        result = result[0]
    return list(result)


class HuggingFaceTokenizer(MegatronTokenizerTextAbstract):
    """Wrapper of ``transformers.AutoTokenizer``.

    Defaults are the G2/G3 ones: fast tokenizer, special tokens included when encoding and kept
    when decoding (G1 used ``use_fast=False``, ``include_special_tokens=False``).
    """

    # mirrored from the transformers tokenizer by add_special_tokens (NAMED_SPECIAL_TOKENS)
    bos_token: str | None
    eos_token: str | None
    unk_token: str | None
    sep_token: str | None
    pad_token: str | None
    cls_token: str | None
    mask_token: str | None

    def __init__(
        self,
        tokenizer_path: str,
        vocab_file: str | None = None,
        merges_file: str | None = None,
        mask_token: str | None = None,
        bos_token: str | None = None,
        eos_token: str | None = None,
        pad_token: str | None = None,
        sep_token: str | None = None,
        cls_token: str | None = None,
        unk_token: str | None = None,
        additional_special_tokens: Sequence[str] | None = None,
        use_fast: bool = True,
        trust_remote_code: bool = False,
        include_special_tokens: bool = True,
        chat_template: str | None = None,
    ) -> None:
        """
        Args:
            tokenizer_path: a tokenizer directory (or a Hub id when the Hub is reachable).
            vocab_file, merges_file: override the vocabulary / BPE merges files.
            mask_token ... unk_token: override or add special tokens.
            additional_special_tokens: replace the tokenizer's extra special tokens.
            use_fast: load the Rust ("fast") tokenizer.
            trust_remote_code: allow tokenizer code shipped with the model (off by default).
            include_special_tokens: encode with the tokenizer's BOS/EOS post-processing, and keep
                special tokens when decoding.
            chat_template: overrides the tokenizer's own chat template.
        """
        self.vocab_file = vocab_file
        self.merges_file = merges_file
        self.tokenizer = self._load(
            tokenizer_path,
            vocab_file=vocab_file,
            merges_file=merges_file,
            use_fast=use_fast,
            trust_remote_code=trust_remote_code,
        )
        self.chat_template = self._own_chat_template(chat_template)
        self.include_special_tokens = include_special_tokens
        self.original_vocab_size = len(self.tokenizer)
        self._inv_vocab: dict[int, str] = {}
        explicit = {
            "unk_token": unk_token,
            "mask_token": mask_token,
            "pad_token": pad_token,
            "sep_token": sep_token,
            "eos_token": eos_token,
            "bos_token": bos_token,
            "cls_token": cls_token,
        }
        self._set_special_tokens(explicit, additional_special_tokens)
        self.space_sensitive = self.text_to_tokens("x y") != (
            self.text_to_tokens("x") + self.text_to_tokens("y")
        )

    def _own_chat_template(self, chat_template: str | None) -> str | None:
        """The given template (which also replaces the transformers tokenizer's own), else the
        tokenizer's own."""
        if chat_template is None:
            return getattr(self.tokenizer, "chat_template", None)
        self.tokenizer.chat_template = chat_template
        return chat_template

    def _set_special_tokens(
        self, explicit: dict[str, str | None], additional: Sequence[str] | None
    ) -> None:
        """Apply the named tokens given, their missing partners and the extra ones."""
        special_tokens: dict[str, Any] = {
            name: token for name, token in explicit.items() if token is not None
        }
        special_tokens.update(self._partner_tokens(explicit))
        if additional:
            special_tokens["additional_special_tokens"] = list(additional)
        vocabulary = self.tokenizer.get_vocab()
        new_tokens = [
            token
            for token in [*explicit.values(), *(additional or ())]
            if token is not None and token not in vocabulary
        ]
        if new_tokens:
            logger.warning(
                "%s will be added to the vocabulary; resize the model's embeddings accordingly.",
                new_tokens,
            )
        self.add_special_tokens(special_tokens)

    def _partner_tokens(self, explicit: dict[str, str | None]) -> dict[str, str]:
        """Models usually define one token of each pair (EOS/SEP, BOS/CLS); the missing one
        takes its partner's value. An explicit sep_token is kept (upstream replaced it with the
        EOS token here)."""
        hf = self.tokenizer
        partners: dict[str, str] = {}
        no_eos, no_sep = explicit["eos_token"] is None, explicit["sep_token"] is None
        if no_eos and no_sep and hf.sep_token is None and hf.eos_token:
            partners["sep_token"] = hf.eos_token
        elif no_eos and hf.eos_token is None and hf.sep_token:
            partners["eos_token"] = hf.sep_token
        if explicit["bos_token"] is None and hf.bos_token is None and hf.cls_token:
            partners["bos_token"] = hf.cls_token
        if explicit["cls_token"] is None and hf.cls_token is None and hf.bos_token:
            partners["cls_token"] = hf.bos_token
        return partners

    def _load(
        self,
        tokenizer_path: str,
        vocab_file: str | None,
        merges_file: str | None,
        use_fast: bool,
        trust_remote_code: bool,
    ) -> Any:
        """Load the transformers tokenizer (``MegatronHFTokenizer`` builds it from local files)."""
        transformers = _import_transformers()
        file_overrides = {}
        if vocab_file is not None:
            file_overrides["vocab_file"] = vocab_file
            # Upstream G1–G3 passed this as ``merge_files=`` (ignored by transformers).
            if merges_file is not None:
                file_overrides["merges_file"] = merges_file
        try:
            return transformers.AutoTokenizer.from_pretrained(
                tokenizer_path,
                use_fast=use_fast,
                trust_remote_code=trust_remote_code,
                **file_overrides,
            )
        except Exception as error:  # transformers raises many types; all mean "cannot load"
            raise ValueError(
                f"cannot load a Hugging Face tokenizer from {tokenizer_path!r}: {error}. Pass the "
                "directory that holds tokenizer.json / tokenizer_config.json (--tokenizer-model)."
            ) from None

    def add_special_tokens(self, special_tokens_dict: dict[str, Any]) -> int:
        """Set/add special tokens (HF keys: ``bos_token`` ... ``additional_special_tokens``);
        returns how many tokens were new to the vocabulary."""
        added: int = self.tokenizer.add_special_tokens(special_tokens_dict)
        if added > 0:
            logger.info(
                "%d special tokens added; resize the model's embeddings accordingly.", added
            )
        for name in NAMED_SPECIAL_TOKENS:
            value = getattr(self.tokenizer, name, None)
            setattr(self, name, None if value is None else str(value))
        self.additional_special_tokens = extra_special_tokens(self.tokenizer)
        self._inv_vocab = {}
        return added

    @property
    def additional_special_tokens_ids(self) -> list[int]:
        """Ids of the extra special tokens (e.g. T5 sentinels)."""
        return [self.token_to_id(token) for token in self.additional_special_tokens]

    def text_to_tokens(self, text: str) -> list[str]:
        return cast("list[str]", self.tokenizer.tokenize(text))

    def tokens_to_text(self, tokens: list[str]) -> str:
        return cast(str, self.tokenizer.convert_tokens_to_string(tokens))

    def token_to_id(self, token: str) -> int:
        return cast(int, self.tokenizer.convert_tokens_to_ids(token))

    def tokens_to_ids(self, tokens: list[str]) -> list[int]:
        return cast("list[int]", self.tokenizer.convert_tokens_to_ids(tokens))

    def ids_to_tokens(self, ids: list[int]) -> list[str]:
        return cast("list[str]", self.tokenizer.convert_ids_to_tokens(ids))

    def text_to_ids(self, text: str) -> list[int]:
        try:
            if self.include_special_tokens:
                return cast("list[int]", self.tokenizer(text).input_ids)
            return self.tokens_to_ids(self.text_to_tokens(text))
        except TypeError:
            reject_unencodable([text])
            raise

    def ids_to_text(self, ids: list[int], remove_special_tokens: bool | None = None) -> str:
        """Decode; special tokens are removed unless ``include_special_tokens`` (override with
        ``remove_special_tokens``)."""
        if remove_special_tokens is None:
            remove_special_tokens = not self.include_special_tokens
        if hasattr(ids, "tolist"):
            ids = ids.tolist()
        tokens = [token for token in self.ids_to_tokens(ids) if token is not None]
        if remove_special_tokens:
            special = set(self.tokenizer.all_special_tokens)
            tokens = [token for token in tokens if token not in special]
        return self.tokens_to_text(tokens)

    def apply_chat_template(
        self,
        conversation: list[dict[str, Any]],
        chat_template: str | None = None,
        tokenize: bool = True,
        truncation: bool = False,
        max_length: int | None = None,
        add_generation_prompt: bool = False,
        **kwargs: Any,
    ) -> str | list[int]:
        """Render with transformers (it supplies ``bos_token``, ``eos_token``, ``tools`` ...);
        token ids come back as a plain list whatever the transformers version.

        transformers' sandbox has no resource limits, so a template that could build huge
        values (``chat_rendering.may_amplify``) is first rendered once in ours, which enforces
        the ``ChatTemplateLimits``."""
        template = resolve_chat_template(chat_template, self.chat_template)
        check_truncation(truncation, max_length)
        self._check_limits(template, conversation, add_generation_prompt, kwargs)
        try:
            result = self.tokenizer.apply_chat_template(
                conversation,
                chat_template=template,
                tokenize=tokenize,
                truncation=truncation,
                max_length=max_length,
                add_generation_prompt=add_generation_prompt,
                **kwargs,
            )
        except TypeError:
            reject_unencodable(message_texts(conversation))
            raise
        return chat_template_ids(result) if tokenize else result

    def _check_limits(
        self,
        template: Any,
        conversation: Any,
        add_generation_prompt: bool,
        variables: dict[str, Any],
    ) -> None:
        from compat.tokenizers.text.libraries.chat_rendering import (
            may_amplify,
            render_chat_template,
        )

        if isinstance(template, str) and may_amplify(template):
            render_chat_template(
                template,
                conversation,
                add_generation_prompt,
                **{**self.tokenizer.special_tokens_map, **variables},
            )

    @property
    def vocab(self) -> list[str]:
        """Tokens ordered by id."""
        inverse = self.inv_vocab
        return [inverse[index] for index in range(len(inverse))]

    @property
    def inv_vocab(self) -> dict[int, str]:
        if not self._inv_vocab:
            self._inv_vocab = {id_: token for token, id_ in self.tokenizer.get_vocab().items()}
        return self._inv_vocab

    @property
    def vocab_size(self) -> int:
        return len(self.tokenizer)

    def _id_of(self, token: str | None) -> int | None:
        return None if token is None else self.token_to_id(token)

    @property
    def pad_id(self) -> int | None:
        return self._id_of(self.pad_token)

    @property
    def bos_id(self) -> int | None:
        return self._id_of(self.bos_token)

    @property
    def eos_id(self) -> int | None:
        return self._id_of(self.eos_token)

    @property
    def sep_id(self) -> int | None:
        return self._id_of(self.sep_token)

    @property
    def cls_id(self) -> int | None:
        return self._id_of(self.cls_token)

    @property
    def unk_id(self) -> int | None:
        return self._id_of(self.unk_token)

    @property
    def mask_id(self) -> int | None:
        return self._id_of(self.mask_token)

    def save_vocabulary(self, save_directory: str, filename_prefix: str | None = None) -> Any:
        return self.tokenizer.save_vocabulary(
            save_directory=save_directory, filename_prefix=filename_prefix
        )

    def save_pretrained(self, save_directory: str) -> Any:
        return self.tokenizer.save_pretrained(save_directory)
