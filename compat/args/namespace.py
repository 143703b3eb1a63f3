"""Old tokenizer arguments in an ``argparse.Namespace`` → the new ones, and argparse helpers.

:func:`translate_namespace` is for args loaded from old checkpoints or built by hand (only
``tokenizer_type`` set); :func:`add_tokenizer_args` and :func:`validate_tokenizer_args` plug the
new flags, and the deprecated ones, into a training script's parser.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from compat.args.translate import (
    LIBRARY_FLAG,
    MODE_FLAG,
    MODEL_FLAG,
    NULL_SIZES_NOTE,
    PROMPT_FORMAT_FLAG,
    SPECIAL_TOKENS_FLAG,
    VOCAB_SIZE_FLAG,
    known_types_text,
    type_flags,
)
from compat.deprecations import (
    DEFAULT_SFT_PROMPT_FORMAT,
    G1_HF_SWITCHES,
    LEGACY_FLAGS,
    MAIN_ARG_ATTRIBUTES,
    NEW_LIBRARIES,
    NULL_EOD_ID_FLAG,
    NULL_PAD_ID_FLAG,
    NULL_TEXT_LIBRARY,
    SFT_PROMPT_FORMAT_FLAG,
    TIKTOKEN_SPECIAL_TOKENS_FLAG,
    TOKENIZER_MODES,
    TOKENIZER_TYPE_FLAG,
    TOKENIZER_TYPE_FLAG_NAME,
    TOKENIZER_TYPES,
    RuleCode,
    TokenizerType,
)


class TokenizerArgsError(ValueError):
    """Tokenizer arguments that cannot be translated or built; the message names the fix."""


# The attributes the new API reads, with the defaults of the new parser (reference §8.1, G3).
NEW_ATTRIBUTE_DEFAULTS: dict[str, Any] = {
    "tokenizer_library": None,
    "tokenizer_mode": "text",
    "tokenizer_model": None,
    "tokenizer_metadata": None,
    "tokenizer_prompt_format": None,
    "tokenizer_special_tokens": None,
}


def _dest(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


def _adopt_main_attribute_names(args: argparse.Namespace) -> None:
    """Args saved by upstream main name two attributes differently (its TokenizerConfig).

    Only a Namespace without the G1–G3 name is read this way: G1–G3 parsers always define
    ``tokenizer_special_tokens``, and there ``special_tokens`` is the multimodal example's flag.
    """
    for main_name, name in MAIN_ARG_ATTRIBUTES.items():
        if not hasattr(args, name) and getattr(args, main_name, None) is not None:
            value = getattr(args, main_name)
            setattr(args, name, list(value) if isinstance(value, list) else value)


def _removed_switches_given(args: argparse.Namespace) -> list[str]:
    """The removed no-op switches the user passed (read before any default is filled in).

    G2 parsers default both HF switches to True, so there a True proves nothing; G2 namespaces
    are the ones with the negative switches but without ``tokenizer_library``.
    """
    g2_defaults = not hasattr(args, "tokenizer_library") and all(
        hasattr(args, negative) for negative in G1_HF_SWITCHES.values()
    )
    given = []
    for flag, legacy in LEGACY_FLAGS.items():
        attribute = _dest(flag)
        if legacy.replacement is not None or getattr(args, attribute, None) is not True:
            continue
        if attribute in G1_HF_SWITCHES and g2_defaults:
            continue
        given.append(flag)
    return given


def _fill_new_attributes(args: argparse.Namespace) -> None:
    _adopt_main_attribute_names(args)
    for name, default in NEW_ATTRIBUTE_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    if args.tokenizer_mode is None:
        args.tokenizer_mode = "text"
    for positive, negative in G1_HF_SWITCHES.items():
        if hasattr(args, positive) and not hasattr(args, negative):
            setattr(args, negative, not getattr(args, positive))


def _map_tiktoken_special_tokens(args: argparse.Namespace) -> bool:
    """As upstream: the old flag fills the new one when that is unset. Whether it was given."""
    tiktoken_tokens = getattr(args, _dest(TIKTOKEN_SPECIAL_TOKENS_FLAG), None)
    if tiktoken_tokens and not args.tokenizer_special_tokens:
        args.tokenizer_special_tokens = list(tiktoken_tokens)
    return bool(tiktoken_tokens)


def _from_a_g1_or_g2_parser(args: argparse.Namespace) -> bool:
    """Whether ``args`` came from megatron-core <= 0.17's parser: it defines the positive HF
    switches that 0.18 removed, and not the new API's ``tokenizer_library``."""
    return not hasattr(args, "tokenizer_library") and all(
        hasattr(args, positive) for positive in G1_HF_SWITCHES
    )


def _keep_g1_null_sizes(args: argparse.Namespace, row: TokenizerType) -> int | None:
    """megatron-core <= 0.17's NullTokenizer(N) had N + 1 ids and eod N; the null library now
    has N and N - 1 (upstream #4057). Args saved by those releases keep their sizes: the new
    vocab_size is N + 1. Returns the old N when it changed it."""
    vocab_size = getattr(args, "vocab_size", None)
    if (
        row.resolved_library != NULL_TEXT_LIBRARY
        or not isinstance(vocab_size, int)
        or (isinstance(vocab_size, bool))
    ):
        return None
    args.vocab_size = vocab_size + 1
    return vocab_size


def _map_tokenizer_type(args: argparse.Namespace) -> TokenizerType | None:
    """Set library/mode (and model) from ``tokenizer_type``; the type's row, if it was used."""
    tokenizer_type = getattr(args, "tokenizer_type", None)
    # With --tokenizer-library given, the type is ignored as in upstream: entry points set a
    # default tokenizer_type (pretrain_gpt.py: GPT2BPETokenizer) that must not override it.
    if not tokenizer_type or args.tokenizer_library is not None:
        return None
    row = TOKENIZER_TYPES.get(tokenizer_type)
    if row is None:
        raise TokenizerArgsError(
            f"unknown tokenizer_type {tokenizer_type!r}; the known types are: "
            f"{known_types_text()}. Set tokenizer_library (and tokenizer_mode, "
            "tokenizer_model) instead."
        )
    if args.tokenizer_mode not in ("text", row.mode):
        raise TokenizerArgsError(
            f"{TOKENIZER_TYPE_FLAG_NAME} {tokenizer_type} conflicts with {MODE_FLAG} "
            f"{args.tokenizer_mode}: the type means {MODE_FLAG} {row.mode}; pass "
            f"{LIBRARY_FLAG} and {MODE_FLAG} instead of {TOKENIZER_TYPE_FLAG_NAME}."
        )
    args.tokenizer_library = row.library
    args.tokenizer_mode = row.mode
    if row.model_is_type:
        # The old builders loaded these by the type's name and ignored tokenizer_model.
        args.tokenizer_model = row.name
    return row


def _map_sft_prompt_format(args: argparse.Namespace) -> str | None:
    """SFT mode without a prompt format takes the old flag's (or its default); the old value."""
    if args.tokenizer_mode != "sft" or args.tokenizer_prompt_format:
        return None
    sft_format = getattr(args, _dest(SFT_PROMPT_FORMAT_FLAG), None)
    args.tokenizer_prompt_format = sft_format or DEFAULT_SFT_PROMPT_FORMAT
    return sft_format or None


def _translate_in_place(args: argparse.Namespace) -> list[tuple[RuleCode, str, str]]:
    """Map the old attributes of ``args`` onto the new ones; return (rule, legacy, new) used."""
    removed_switches = _removed_switches_given(args)
    from_old_parser = _from_a_g1_or_g2_parser(args)
    _fill_new_attributes(args)
    used: list[tuple[RuleCode, str, str]] = []
    if _map_tiktoken_special_tokens(args):
        legacy = LEGACY_FLAGS[TIKTOKEN_SPECIAL_TOKENS_FLAG]
        used.append((legacy.rule, TIKTOKEN_SPECIAL_TOKENS_FLAG, SPECIAL_TOKENS_FLAG))
    row = _map_tokenizer_type(args)
    sft_format = _map_sft_prompt_format(args)
    if row is not None:
        legacy_text = f"{TOKENIZER_TYPE_FLAG_NAME} {row.name}"
        replacement = " ".join(type_flags(row, args.tokenizer_prompt_format))
        if sft_format:
            legacy_text += f" {SFT_PROMPT_FORMAT_FLAG} {sft_format}"
        old_vocab_size = _keep_g1_null_sizes(args, row) if from_old_parser else None
        if old_vocab_size is not None:
            legacy_text += f" {VOCAB_SIZE_FLAG} {old_vocab_size}"
            replacement += f" {VOCAB_SIZE_FLAG} {args.vocab_size}"
        elif row.resolved_library == NULL_TEXT_LIBRARY:
            replacement += f" ({NULL_SIZES_NOTE})"
        used.append((TOKENIZER_TYPE_FLAG, legacy_text, replacement))
    elif sft_format:
        legacy = LEGACY_FLAGS[SFT_PROMPT_FORMAT_FLAG]
        used.append(
            (
                legacy.rule,
                f"{SFT_PROMPT_FORMAT_FLAG} {sft_format}",
                f"{PROMPT_FORMAT_FLAG} {sft_format}",
            )
        )
    for flag in removed_switches:
        legacy = LEGACY_FLAGS[flag]
        used.append((legacy.rule, flag, legacy.message))
    return used


def translate_namespace(args: argparse.Namespace) -> argparse.Namespace:
    """A new Namespace with the old tokenizer attributes mapped onto the new ones.

    ``args`` is not modified. Old attributes stay (other code may read them); missing new ones
    get the new parser's defaults, so a Namespace with only ``tokenizer_type`` works.
    """
    translated = argparse.Namespace(**vars(args))
    _translate_in_place(translated)
    return translated


def validate_tokenizer_args(args: argparse.Namespace, *, stacklevel: int = 2) -> argparse.Namespace:
    """Map the deprecated tokenizer arguments of a parsed ``args`` onto the new ones.

    Like Megatron's ``validate_args``, this completes ``args`` in place (and returns it), and
    emits ONE deprecation warning listing every deprecated flag used, or none; ``stacklevel``
    counts as ``warnings.warn``'s does (2: the caller's line).
    """
    used = _translate_in_place(args)
    if used:
        from compat.warn import warn_deprecated

        rule = used[0][0] if len({u[0] for u in used}) == 1 else TOKENIZER_TYPE_FLAG
        legacy = ", ".join(u[1] for u in used)
        replacement = "; ".join(u[2] for u in used)
        warn_deprecated(rule, legacy, replacement, stacklevel=stacklevel)
    return args


def _deprecated_help(flag: str) -> str:
    return f"Deprecated: {LEGACY_FLAGS[flag].message}."


def add_tokenizer_args(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the new tokenizer flags and the deprecated ones to ``parser``; return it.

    Flags the parser already defines are left alone (Megatron's multimodal example defines
    ``--tokenizer-prompt-format`` itself), so this never raises ``conflicting option string``.
    """
    existing = set(parser._option_string_actions)
    group = parser.add_argument_group(title="tokenizer")

    def add(*flags: str, **kwargs: Any) -> None:
        if existing.isdisjoint(flags):
            group.add_argument(*flags, **kwargs)

    _add_new_flags(add)
    _add_upstream_main_flags(add)
    _add_deprecated_flags(add)
    return parser


def _add_new_flags(add: Callable[..., None]) -> None:
    add(LIBRARY_FLAG, type=str, default=None, choices=NEW_LIBRARIES, help="Tokenizer library.")
    add(
        MODE_FLAG,
        type=str,
        default="text",
        choices=TOKENIZER_MODES,
        help="text, sft (conversations with --tokenizer-prompt-format) or multimodal.",
    )
    add(
        PROMPT_FORMAT_FLAG,
        type=str,
        default=None,
        help="Prompt format of the sft and multimodal modes.",
    )
    add(
        MODEL_FLAG,
        type=str,
        default=None,
        help="Tokenizer file or directory (for --tokenizer-library megatron: the tokenizer's "
        "name, e.g. GPT2BPETokenizer).",
    )
    add(
        "--tokenizer-metadata",
        type=str,
        default=None,
        help="Path of a tokenizer_metadata.json (default: the one next to the tokenizer).",
    )
    add(
        SPECIAL_TOKENS_FLAG,
        type=str,
        nargs="+",
        default=None,
        help="Special tokens to add to the vocabulary.",
    )
    add(VOCAB_SIZE_FLAG, type=int, default=None, help="Vocabulary size (tiktoken, null).")
    add(
        "--padded-vocab-size",
        type=int,
        default=None,
        help="Vocabulary size after padding (default: computed).",
    )
    add(
        "--make-vocab-size-divisible-by",
        type=int,
        default=128,
        help="Pad the vocabulary to a multiple of this (times the tensor parallel size).",
    )
    add("--vocab-file", type=str, default=None, help="Vocabulary file.")
    add("--merge-file", type=str, default=None, help="BPE merges file.")
    add("--vocab-extra-ids", type=int, default=0, help="Number of extra ids (T5).")
    add("--tiktoken-pattern", type=str, default=None, help="tiktoken split pattern (v1, v2).")
    add(
        "--tiktoken-num-special-tokens",
        type=int,
        default=1000,
        help="Number of special tokens reserved by tiktoken.",
    )
    add(
        "--tokenizer-sentencepiece-legacy",
        action="store_true",
        default=False,
        help="SentencePiece legacy behaviour.",
    )
    add(
        "--tokenizer-hf-no-use-fast",
        action="store_true",
        default=False,
        help="Use the slow Hugging Face tokenizer.",
    )
    add(
        "--tokenizer-hf-no-include-special-tokens",
        action="store_true",
        default=False,
        help="Do not add special tokens (BOS/EOS) when tokenizing with Hugging Face.",
    )
    add(
        "--trust-remote-code",
        action="store_true",
        default=False,
        help="Allow Hugging Face tokenizers to run code from their folder.",
    )


def _add_upstream_main_flags(add: Callable[..., None]) -> None:
    """The tokenizer flags upstream added after PR #3889's base (megatron-core 0.18, #4057)."""
    add(
        NULL_EOD_ID_FLAG,
        type=int,
        default=None,
        help="End-of-document id of the null tokenizer (default: --vocab-size - 1).",
    )
    add(
        NULL_PAD_ID_FLAG,
        type=int,
        default=-1,
        help="Pad id of the null tokenizer (default -1: no pad token).",
    )
    add(
        "--no-tokenizer-sentencepiece-ignore-extra-whitespaces",
        "--disable-tokenizer-sentencepiece-ignore-extra-whitespaces",
        action="store_false",
        dest="tokenizer_sentencepiece_ignore_extra_whitespaces",
        default=True,
        help="Keep runs of whitespace a whitespace-collapsing SentencePiece model would drop.",
    )
    add(
        "--chat-template",
        type=str,
        default=None,
        help="Jinja chat template (instead of the tokenizer's own).",
    )


def _add_deprecated_flags(add: Callable[..., None]) -> None:
    add(
        TOKENIZER_TYPE_FLAG_NAME,
        type=str,
        default=None,
        choices=tuple(TOKENIZER_TYPES),
        help=f"Deprecated: use {LIBRARY_FLAG} and {MODE_FLAG} "
        f"(`python -m compat.args translate -- ...` shows the new flags).",
    )
    for flag, legacy in LEGACY_FLAGS.items():
        if legacy.nargs_plus:
            add(flag, type=str, nargs="+", default=None, help=_deprecated_help(flag))
        elif legacy.takes_value:
            add(flag, type=str, default=None, help=_deprecated_help(flag))
        else:
            add(flag, action="store_true", default=None, help=_deprecated_help(flag))
