"""``build_tokenizer(args)``: the tokenizer the command-line flags describe (G3 semantics).

Resolves the library, the tokenizer path, the library kwargs and the mode kwargs like upstream G3
(reference §7.2), without its defects:

* an explicit ``--tokenizer-model`` wins over an entry point's default ``tokenizer_type`` for the
  ``megatron`` library (``pretrain_t5.py`` no longer loads the lower-case BERT vocabulary);
* ``null-multimodal`` gets no mode kwargs (upstream: ``TypeError``), and multimodal mode does not
  forward the Hugging Face kwargs (upstream: they clobbered the tokenizer's special tokens);
* a Namespace with only the old ``tokenizer_type`` works (it is translated first), and every
  attribute the builder reads has a default.

It also reads what upstream main (megatron-core >= 0.18) added: its ``TokenizerConfig`` names
(``metadata_path``, ``special_tokens``), ``chat_template``,
``tokenizer_sentencepiece_ignore_extra_whitespaces``, ``null_tokenizer_eod_id`` /
``null_tokenizer_pad_id`` and ``pad_vocab_size``.
"""

from __future__ import annotations

import argparse
import logging
import math
from typing import TYPE_CHECKING, Any

from compat.args.namespace import TokenizerArgsError, validate_tokenizer_args
from compat.deprecations import DEFAULT_SFT_PROMPT_FORMAT, NEW_LIBRARIES, TOKENIZER_TYPES

if TYPE_CHECKING:
    from compat.tokenizers.base_tokenizer import MegatronTokenizerBase

logger = logging.getLogger(__name__)

# Megatron's BertWordPieceCase (T5) always carries these 100 sentinel tokens.
T5_SENTINEL_TOKENS = tuple(f"<extra_id_{i}>" for i in range(100))
_T5_TOKENIZER_NAME = "BertWordPieceCase"


def build_tokenizer(args: argparse.Namespace, **overrides: Any) -> MegatronTokenizerBase:
    """Build the tokenizer ``args`` describe; ``overrides`` win over the kwargs built from args.

    ``args`` may use the old flags (``tokenizer_type``, ...): they are translated on a copy,
    with the one deprecation warning of :func:`compat.args.validate_tokenizer_args` (scripts such
    as ``tools/preprocess_data.py`` never validate their args). Like upstream,
    ``args.padded_vocab_size`` is set when it is unset.
    """
    from compat.tokenizers import MegatronTokenizer

    translated = validate_tokenizer_args(argparse.Namespace(**vars(args)), stacklevel=3)
    library = resolve_library(translated)
    kwargs = {**library_kwargs(translated), **mode_kwargs(translated, library), **overrides}
    metadata = translated.tokenizer_metadata or {"library": library}
    tokenizer = MegatronTokenizer.from_pretrained(
        tokenizer_path=resolve_tokenizer_path(translated),
        metadata_path=metadata,
        **kwargs,
    )
    _set_padded_vocab_size(args, tokenizer)
    return tokenizer


def resolve_library(args: argparse.Namespace) -> str:
    """The ``from_pretrained`` library string of the (translated) flags."""
    library: str | None = args.tokenizer_library
    mode = args.tokenizer_mode or "text"
    if library is not None and library not in NEW_LIBRARIES:
        raise TokenizerArgsError(
            f"unknown --tokenizer-library {library!r}; choose one of: {', '.join(NEW_LIBRARIES)}"
        )
    if mode == "multimodal":
        return "null-multimodal" if library == "null" else "multimodal"
    if mode not in ("text", "sft"):
        raise TokenizerArgsError(
            f"unknown --tokenizer-mode {mode!r}; choose one of: text, sft, multimodal"
        )
    if library == "null":
        if mode == "sft":
            raise TokenizerArgsError(
                "--tokenizer-library null has no sft mode (it cannot render conversations); "
                "use --tokenizer-mode text, or a real tokenizer library"
            )
        return "null-text"
    if library is None:
        if mode == "sft":
            return "huggingface"
        raise TokenizerArgsError(
            "no tokenizer library given: pass --tokenizer-library "
            f"{{{','.join(NEW_LIBRARIES)}}} (or the deprecated --tokenizer-type)"
        )
    return library


def resolve_tokenizer_path(args: argparse.Namespace) -> str | None:
    """The tokenizer file, directory or (``megatron`` library) name."""
    if args.tokenizer_library == "megatron" and not args.tokenizer_model:
        # An explicit --tokenizer-model wins over an entry point's default tokenizer_type; the
        # type names the tokenizer only when it is one of the megatron library's own names.
        tokenizer_type = getattr(args, "tokenizer_type", None)
        row = TOKENIZER_TYPES.get(tokenizer_type) if isinstance(tokenizer_type, str) else None
        return row.name if row is not None and row.model_is_type else None
    model: str | None = args.tokenizer_model
    return model


def _megatron_name(args: argparse.Namespace) -> str | None:
    return resolve_tokenizer_path(args) if args.tokenizer_library == "megatron" else None


def library_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The kwargs of ``--tokenizer-library`` (keyed on the flag, as upstream)."""
    library = args.tokenizer_library
    special_tokens = getattr(args, "tokenizer_special_tokens", None)
    if args.tokenizer_mode == "multimodal" and library != "null":
        # The multimodal library takes its own kwargs (mode_kwargs); only the remote-code
        # opt-in carries over.
        return {"trust_remote_code": True} if getattr(args, "trust_remote_code", False) else {}
    if library in ("huggingface", "megatron"):
        return {**_hf_kwargs(args, special_tokens), **_chat_template_kwargs(args, library)}
    if library == "sentencepiece":
        return {
            "legacy": getattr(args, "tokenizer_sentencepiece_legacy", False),
            "special_tokens": special_tokens,
            "ignore_extra_whitespaces": getattr(
                args, "tokenizer_sentencepiece_ignore_extra_whitespaces", True
            ),
            **_chat_template_kwargs(args, library),
        }
    if library == "tiktoken":
        kwargs: dict[str, Any] = {}
        if getattr(args, "tiktoken_pattern", None):
            kwargs["pattern"] = args.tiktoken_pattern
        if getattr(args, "vocab_size", None):
            kwargs["vocab_size"] = args.vocab_size
        kwargs["num_special_tokens"] = getattr(args, "tiktoken_num_special_tokens", 1000)
        kwargs["special_tokens"] = special_tokens
        return {**kwargs, **_chat_template_kwargs(args, library)}
    if library == "null":
        return _null_kwargs(args)
    return {}


def _hf_kwargs(args: argparse.Namespace, special_tokens: Any) -> dict[str, Any]:
    if getattr(args, "use_gigatoken", False):
        raise TokenizerArgsError(
            "--use-gigatoken (upstream main's gigatoken backend) is not available here; drop "
            "it: the Hugging Face tokenizer gives the same ids"
        )
    if _megatron_name(args) == _T5_TOKENIZER_NAME:
        additional_special_tokens = list(T5_SENTINEL_TOKENS)
    else:
        additional_special_tokens = list(special_tokens or [])
    return {
        "additional_special_tokens": additional_special_tokens,
        "vocab_file": getattr(args, "vocab_file", None),
        "merges_file": getattr(args, "merge_file", None),
        "use_fast": not getattr(args, "tokenizer_hf_no_use_fast", False),
        "trust_remote_code": getattr(args, "trust_remote_code", False),
        "include_special_tokens": not getattr(
            args, "tokenizer_hf_no_include_special_tokens", False
        ),
    }


def _chat_template_kwargs(args: argparse.Namespace, library: str) -> dict[str, Any]:
    """Upstream main's ``--chat-template``, for the libraries its builder gives it to."""
    template = getattr(args, "chat_template", None)
    if template is None or library == "megatron":
        return {}
    return {"chat_template": template}


def _null_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    kwargs = {}
    if getattr(args, "vocab_size", None):
        kwargs["vocab_size"] = args.vocab_size
    if args.tokenizer_mode == "multimodal":
        return kwargs  # upstream's null ids (#4057) are the text null tokenizer's only
    for attribute, keyword in (
        ("null_tokenizer_eod_id", "eod_id"),
        ("null_tokenizer_pad_id", "pad_id"),
    ):
        if getattr(args, attribute, None) is not None:
            kwargs[keyword] = getattr(args, attribute)
    return kwargs


def mode_kwargs(args: argparse.Namespace, library: str) -> dict[str, Any]:
    """The kwargs of ``--tokenizer-mode`` (none for ``null-multimodal``: it takes none)."""
    mode = args.tokenizer_mode or "text"
    if mode == "sft":
        return {
            "prompt_format": args.tokenizer_prompt_format
            or getattr(args, "sft_tokenizer_prompt_format", None)
            or DEFAULT_SFT_PROMPT_FORMAT
        }
    if mode == "multimodal" and library != "null-multimodal":
        return {
            "prompt_format": args.tokenizer_prompt_format,
            # The multimodal example's --special-tokens; upstream main also reads
            # --tokenizer-special-tokens here, which G3 would otherwise have dropped.
            "special_tokens": list(
                getattr(args, "special_tokens", None)
                or getattr(args, "tokenizer_special_tokens", None)
                or []
            ),
            "image_tag_type": getattr(args, "image_tag_type", None) or "",
            "force_system_message": getattr(args, "force_system_message", False),
        }
    return {}


def vocab_size_with_padding(
    orig_vocab_size: int, args: argparse.Namespace, logging_enabled: bool = True
) -> int:
    """``orig_vocab_size`` rounded up to a multiple of the divisor times the TP size."""
    divisor = getattr(args, "make_vocab_size_divisible_by", 128) or 1
    multiple = divisor * (getattr(args, "tensor_model_parallel_size", 1) or 1)
    padded = int(math.ceil(orig_vocab_size / multiple) * multiple)
    if logging_enabled and (getattr(args, "rank", 0) or 0) == 0:
        logger.info(
            " > padded vocab (size: %d) with %d dummy tokens (new size: %d)",
            orig_vocab_size,
            padded - orig_vocab_size,
            padded,
        )
    return padded


def _set_padded_vocab_size(args: argparse.Namespace, tokenizer: Any) -> None:
    """Set ``args.padded_vocab_size`` from the tokenizer when it is unset (as upstream; main
    only with ``pad_vocab_size``, its default); when it is given (a checkpoint's size), check
    that the tokenizer's ids fit it."""
    if getattr(args, "padded_vocab_size", None) is None:
        if not getattr(args, "pad_vocab_size", True):
            return
        args.padded_vocab_size = vocab_size_with_padding(tokenizer.vocab_size, args)
    elif hasattr(tokenizer, "check_embedding_fits"):
        tokenizer.check_embedding_fits(args.padded_vocab_size)


__all__ = ["build_tokenizer", "vocab_size_with_padding"]
