"""``megatron``: Megatron's classic GPT-2 BPE and BERT WordPiece tokenizers, from local files.

Upstream downloads the vocabulary (and loads the merges from the Hub ``gpt2`` repo because of a
typo); here the tokenizer is built directly from the ``vocab_file`` / ``merges_file`` given, with
the special tokens of the Hub configs of ``gpt2`` / ``bert-large-*``. Nothing is ever downloaded.
"""

from __future__ import annotations

import inspect
import os
from dataclasses import dataclass
from typing import Any

from compat.tokenizers.text.libraries.huggingface_tokenizer import (
    HuggingFaceTokenizer,
    _import_transformers,
)


@dataclass(frozen=True)
class MegatronTokenizerSpec:
    """What one Megatron tokenizer name means."""

    hf_name: str  # the Hub tokenizer upstream loads for this name
    family: str  # "gpt2" (vocab.json + merges.txt) or "bert" (vocab.txt)
    lower_case: bool = False


_GPT2 = MegatronTokenizerSpec("gpt2", "gpt2")
_BERT_UNCASED = MegatronTokenizerSpec("bert-large-uncased", "bert", lower_case=True)
_BERT_CASED = MegatronTokenizerSpec("bert-large-cased", "bert", lower_case=False)

MEGATRON_CONFIG_MAP: dict[str, MegatronTokenizerSpec] = {
    "BertWordPieceLowerCase": _BERT_UNCASED,
    "BertWordPieceCase": _BERT_CASED,
    "GPT2BPETokenizer": _GPT2,
    "megatron-gpt-345m": _GPT2,
    "megatron-bert-345m-uncased": _BERT_UNCASED,
    "megatron-bert-345m-cased": _BERT_CASED,
    "megatron-bert-uncased": _BERT_UNCASED,
    "megatron-bert-cased": _BERT_CASED,
    "biomegatron-bert-345m-uncased": _BERT_UNCASED,
    "biomegatron-bert-345m-cased": _BERT_CASED,
}

# Special tokens and lengths the Hub tokenizer configs of these models define.
_GPT2_SPECIAL_TOKENS = {
    "bos_token": "<|endoftext|>",
    "eos_token": "<|endoftext|>",
    "unk_token": "<|endoftext|>",
}
_GPT2_MAX_LENGTH = 1024
_BERT_MAX_LENGTH = 512


def _existing_file(path: str | None, name: str, flag: str, keyword: str, what: str) -> str:
    if not path:
        raise ValueError(
            f"the 'megatron' tokenizer {name!r} needs its {what}: pass {flag} "
            f"({keyword}=... in Python). Files are never downloaded."
        )
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"{what} {path!r} for the 'megatron' tokenizer {name!r} does not exist"
        )
    return path


def _files_keywords(tokenizer_class: type, **files: str | None) -> dict[str, str | None]:
    """transformers 5 names the constructor arguments ``vocab``/``merges``; 4 ``vocab_file``/
    ``merges_file``."""
    parameters = inspect.signature(tokenizer_class).parameters
    if "vocab" in parameters:
        return {name.removesuffix("_file"): path for name, path in files.items()}
    return files


class MegatronHFTokenizer(HuggingFaceTokenizer):
    """``GPT2BPETokenizer``, ``BertWordPieceLowerCase``, ``BertWordPieceCase`` and their aliases
    (the keys of ``MEGATRON_CONFIG_MAP``), built from local vocabulary files."""

    def __init__(
        self,
        tokenizer_path: str,
        vocab_file: str | None = None,
        merges_file: str | None = None,
        **kwargs: Any,
    ) -> None:
        """
        Args:
            tokenizer_path: a Megatron tokenizer name, e.g. ``GPT2BPETokenizer``.
            vocab_file: GPT-2 ``vocab.json`` or BERT ``vocab.txt`` (``--vocab-file``).
            merges_file: GPT-2 ``merges.txt`` (``--merge-file``); BERT needs none.
            **kwargs: as for ``HuggingFaceTokenizer``.
        """
        if tokenizer_path not in MEGATRON_CONFIG_MAP:
            raise ValueError(
                f"{tokenizer_path!r} is not a 'megatron' tokenizer name; known names: "
                f"{list(MEGATRON_CONFIG_MAP)}. For a tokenizer directory use the 'huggingface' "
                "library."
            )
        self.tokenizer_name = tokenizer_path
        self.spec = MEGATRON_CONFIG_MAP[tokenizer_path]
        vocab_file = _existing_file(
            vocab_file, tokenizer_path, "--vocab-file", "vocab_file", "vocabulary file"
        )
        if self.spec.family == "gpt2":
            merges_file = _existing_file(
                merges_file, tokenizer_path, "--merge-file", "merges_file", "merges file"
            )
        else:
            merges_file = None
        super().__init__(tokenizer_path, vocab_file=vocab_file, merges_file=merges_file, **kwargs)

    def _load(
        self,
        tokenizer_path: str,
        vocab_file: str | None,
        merges_file: str | None,
        use_fast: bool,
        trust_remote_code: bool,
    ) -> Any:
        transformers = _import_transformers()
        # transformers 5 has one tokenizer class per model; 4 a slow and a fast one.
        fast_suffix = "Fast" if use_fast else ""
        try:
            if self.spec.family == "gpt2":
                tokenizer_class = getattr(transformers, "GPT2Tokenizer" + fast_suffix)
                return tokenizer_class(
                    **_files_keywords(
                        tokenizer_class, vocab_file=vocab_file, merges_file=merges_file
                    ),
                    model_max_length=_GPT2_MAX_LENGTH,
                    **_GPT2_SPECIAL_TOKENS,
                )
            tokenizer_class = getattr(transformers, "BertTokenizer" + fast_suffix)
            return tokenizer_class(
                **_files_keywords(tokenizer_class, vocab_file=vocab_file),
                do_lower_case=self.spec.lower_case,
                model_max_length=_BERT_MAX_LENGTH,
            )
        except Exception as error:  # malformed files surface as many exception types
            raise ValueError(
                f"cannot build the 'megatron' tokenizer {tokenizer_path!r} from {vocab_file!r}"
                + (f" and {merges_file!r}" if merges_file else "")
                + f": {error}"
            ) from None


# The constructor forwards **kwargs to HuggingFaceTokenizer; advertising that full parameter list
# lets the facade reject a wrong keyword with the names this library really accepts.
MegatronHFTokenizer.__signature__ = inspect.signature(  # type: ignore[attr-defined]
    HuggingFaceTokenizer
)
