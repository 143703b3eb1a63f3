"""The special tokens a vision-language model needs, resolved so that fine-tuning keeps them.

A multimodal tokenizer *declares* its special tokens as a mapping role → token string
(``{"image": "<image>", "image_start": "<img>", "pad": "<pad>"}``). Resolving the declaration
against an HF tokenizer:

* a token the tokenizer already defines (vocabulary, added tokens, named tokens of
  ``tokenizer_config.json``) keeps its id, so a fine-tuned checkpoint keeps its embedding rows;
* a missing token is added as a special token, in declaration order (the order upstream used);
* two roles on one id, or a role on the pad id, is an error naming both roles.

The result is a :class:`SpecialTokensReport` saying which tokens were reused and which added.
This module imports no backend; it works on any object with HF's tokenizer interface.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Megatron's LLaVA model (``megatron.core.models.multimodal.llava_model``) defines these; they are
# restated here because importing that module pulls in torch.
IMAGE_TOKEN = "<image>"
DEFAULT_IMAGE_TOKEN_INDEX = -200

IMAGE_TAGS: dict[str, tuple[str, str] | None] = {
    "nvlm": ("<Image>", "</Image>"),
    "internvl": ("<img>", "</img>"),
    "": None,  # no tag around the image token
}

ROLE_IMAGE = "image"
ROLE_IMAGE_START = "image_start"
ROLE_IMAGE_END = "image_end"
ROLE_PAD = "pad"

# NVLM's dynamic-tiling tags: one per tile plus the thumbnail. Not declared by default (upstream
# tokenizes them as text); merge them into ``special_tokens`` to give each its own id.
NVLM_TILE_TAGS: dict[str, str] = {
    **{f"tile_{index}": f"<tile_{index}>" for index in range(1, 7)},
    "tile_global_thumbnail": "<tile_global_thumbnail>",
}

# The pad token a prompt format names (reference §5.3). Formats not listed pad with the
# tokenizer's own pad token (``mistral``: its unk token; ``default``: pad, else eos).
FORMAT_PAD_TOKENS: dict[str, str] = {
    "nemotron-nano-v2": "<unk>",
    "nemotron-h-aligned": "<SPECIAL_233>",
    "identity": "<unk>",
    "llama3": "<|end_of_text|>",
    "llama3p1": "<|finetune_right_pad_id|>",
    "llama3p2": "<|finetune_right_pad_id|>",
    "nemotron5": "<SPECIAL_233>",
    "nemotron5-aligned": "<SPECIAL_233>",
}

# transformers' standard special-token attributes; every other ``<name>_token`` a tokenizer
# config defines (``image_token``, ``boi_token`` ...) names a role.
_STANDARD_TOKEN_ATTRIBUTES = frozenset(
    {
        "bos_token",
        "eos_token",
        "unk_token",
        "sep_token",
        "pad_token",
        "cls_token",
        "mask_token",
        "additional_special_tokens",
        "extra_special_tokens",
    }
)
# Gemma-style names for the image delimiters.
_ROLE_ALIASES = {"boi": ROLE_IMAGE_START, "eoi": ROLE_IMAGE_END}

# The role a listed token plays when the defaults do not say (any image tag style, tile tags).
_WELL_KNOWN_ROLES: dict[str, str] = {
    IMAGE_TOKEN: ROLE_IMAGE,
    **{pair[0]: ROLE_IMAGE_START for pair in IMAGE_TAGS.values() if pair},
    **{pair[1]: ROLE_IMAGE_END for pair in IMAGE_TAGS.values() if pair},
    **{token: role for role, token in NVLM_TILE_TAGS.items()},
}

SpecialTokensSpec = Sequence[str] | Mapping[str, str] | None


class SpecialTokenError(ValueError):
    """A special-token declaration that cannot be honoured."""


class SpecialTokenCollisionError(SpecialTokenError):
    """Two roles resolve to one token id."""


class EmbeddingTableTooSmallError(ValueError):
    """The tokenizer produces ids beyond the model's embedding table."""


@dataclass(frozen=True)
class ResolvedSpecialToken:
    role: str
    token: str
    id: int
    added: bool

    def __str__(self) -> str:
        return f"{self.role}={self.token!r} (id {self.id})"


@dataclass(frozen=True)
class SpecialTokensReport:
    """What resolving a declaration did: every role with its id, reused or newly added."""

    tokens: tuple[ResolvedSpecialToken, ...]

    @property
    def ids(self) -> dict[str, int]:
        return {token.role: token.id for token in self.tokens}

    @property
    def reused(self) -> tuple[ResolvedSpecialToken, ...]:
        return tuple(token for token in self.tokens if not token.added)

    @property
    def added(self) -> tuple[ResolvedSpecialToken, ...]:
        return tuple(token for token in self.tokens if token.added)

    def __str__(self) -> str:
        reused = ", ".join(map(str, self.reused)) or "none"
        added = ", ".join(map(str, self.added)) or "none"
        return f"special tokens reused: {reused}; added: {added}"


def tokenizer_named_tokens(hf_tokenizer: Any) -> dict[str, str]:
    """Roles the tokenizer's own config names (``image_token`` → role ``image``)."""
    named: dict[str, str] = {}
    for attribute, token in (getattr(hf_tokenizer, "special_tokens_map", None) or {}).items():
        if attribute in _STANDARD_TOKEN_ATTRIBUTES or not attribute.endswith("_token"):
            continue
        if isinstance(token, str) and token:
            stem = attribute[: -len("_token")]
            named[_ROLE_ALIASES.get(stem, stem)] = token
    return named


def default_special_tokens(
    prompt_format: str | None, image_tag_type: str, hf_tokenizer: Any
) -> dict[str, str]:
    """The roles a VLM needs for this prompt format and image tag type.

    The tokenizer's own named tokens take precedence over the generic strings (its image token
    over ``<image>``), except that an explicit ``image_tag_type`` names the image delimiters. The
    pad role is the format's pad token when the tokenizer has it.
    """
    defaults = {ROLE_IMAGE: IMAGE_TOKEN, **tokenizer_named_tokens(hf_tokenizer)}
    tag = image_tag(image_tag_type)
    if tag is not None:
        defaults[ROLE_IMAGE_START], defaults[ROLE_IMAGE_END] = tag
    pad_token = _format_pad_token(prompt_format, hf_tokenizer)
    # A pad the tokenizer lacks is not added (padding needs no trained row): the prompt format
    # then pads with the tokenizer's pad or EOS id, as upstream.
    if pad_token is not None and pad_token in hf_tokenizer.get_vocab():
        defaults[ROLE_PAD] = pad_token
    return defaults


def _format_pad_token(prompt_format: str | None, hf_tokenizer: Any) -> str | None:
    if prompt_format in FORMAT_PAD_TOKENS:
        return FORMAT_PAD_TOKENS[prompt_format]
    if prompt_format == "mistral":
        return getattr(hf_tokenizer, "unk_token", None)
    pad = getattr(hf_tokenizer, "pad_token", None)
    if pad is None and prompt_format == "default":
        return getattr(hf_tokenizer, "eos_token", None)
    return pad


def image_tag(image_tag_type: str | None) -> tuple[str, str] | None:
    """The (open, close) pair around ``<image>`` for an image tag type; ``None``/``''`` → none."""
    key = image_tag_type or ""
    if key not in IMAGE_TAGS:
        known = ", ".join(repr(name) for name in IMAGE_TAGS)
        raise ValueError(
            f"unknown image_tag_type {image_tag_type!r}; use one of {known} (--image-tag-type)"
        )
    return IMAGE_TAGS[key]


def declare_special_tokens(
    special_tokens: SpecialTokensSpec, defaults: Mapping[str, str]
) -> dict[str, str]:
    """Normalise a declaration to role → token.

    ``None`` takes ``defaults``. A list (the upstream ``--special-tokens`` form) declares exactly
    those tokens; each gets the role its string has in ``defaults`` or a well-known one
    (``"<image>"`` → ``image``, ``"<img>"`` → ``image_start``), else the token string itself is
    the role. A mapping is taken as given.
    """
    if special_tokens is None:
        return dict(defaults)
    if isinstance(special_tokens, (str, bytes)):
        raise SpecialTokenError(
            f"special_tokens must be a list of token strings or a mapping role -> token, not the "
            f"single string {special_tokens!r}; write [{special_tokens!r}]"
        )
    if isinstance(special_tokens, Mapping):
        declared: dict[str, str] = {}
        for role, token in special_tokens.items():
            if not isinstance(role, str) or not role:
                raise SpecialTokenError(f"special token role {role!r} must be a non-empty string")
            declared[role] = _checked_token(token, f"role {role!r}")
        return declared
    role_of_token = {**_WELL_KNOWN_ROLES, **{token: role for role, token in defaults.items()}}
    declared = {}
    for position, token in enumerate(special_tokens):
        token = _checked_token(token, f"special_tokens[{position}]")
        if token in declared.values():
            raise SpecialTokenError(f"special token {token!r} is listed twice in special_tokens")
        role = role_of_token.get(token, token)
        declared[token if role in declared else role] = token
    return declared


def _checked_token(token: Any, where: str) -> str:
    if not isinstance(token, str) or not token:
        raise SpecialTokenError(
            f"{where}: a special token must be a non-empty string, not {token!r}"
        )
    return token


def resolve_special_tokens(
    hf_tokenizer: Any,
    declared: Mapping[str, str],
    pad_id: int | None = None,
    resolved_before: SpecialTokensReport = SpecialTokensReport(()),
) -> SpecialTokensReport:
    """Reuse the declared tokens the tokenizer defines, add the rest (in order), check collisions.

    Collisions are checked before the tokenizer is changed, against ``resolved_before`` (roles
    declared earlier) too, so a refused declaration leaves the tokenizer as it was. ``pad_id`` is
    the prompt format's pad id; it is ignored once a ``pad`` role is declared (that role *is*
    the pad). A token found in the vocabulary but not yet registered as special is registered
    with its existing id, so text containing it yields that one id. Returns the report of
    ``declared`` alone.
    """
    vocabulary = hf_tokenizer.get_vocab()
    tokens = list(dict.fromkeys(declared.values()))
    missing = [token for token in tokens if token not in vocabulary]
    # transformers numbers added tokens from len(tokenizer) on
    planned_ids = {token: vocabulary.get(token) for token in tokens}
    planned_ids.update({token: len(hf_tokenizer) + index for index, token in enumerate(missing)})
    planned = SpecialTokensReport(
        tuple(
            ResolvedSpecialToken(role, token, planned_ids[token], token in missing)
            for role, token in declared.items()
        )
    )
    combined = SpecialTokensReport(resolved_before.tokens + planned.tokens)
    check_collisions(combined, None if ROLE_PAD in combined.ids else pad_id)

    registered = set(hf_tokenizer.get_added_vocab())
    to_register = [token for token in tokens if token in vocabulary and token not in registered]
    if not (to_register or missing):
        return planned
    hf_tokenizer.add_tokens(to_register + missing, special_tokens=True)
    taken_ids = set(vocabulary.values())
    return SpecialTokensReport(
        tuple(
            ResolvedSpecialToken(
                token.role,
                token.token,
                _id_after_adding(hf_tokenizer, token, vocabulary, taken_ids),
                token.added,
            )
            for token in planned.tokens
        )
    )


def _id_after_adding(
    hf_tokenizer: Any,
    token: ResolvedSpecialToken,
    vocabulary: Mapping[str, int],
    taken_ids: set[int],
) -> int:
    """The token's id once added: its old id if it had one, else an id no token had."""
    token_id = hf_tokenizer.convert_tokens_to_ids(token.token)
    expected_existing = vocabulary.get(token.token)
    # A new token must not reuse a taken id; a token already in the vocabulary keeps its id.
    wrong = token_id in taken_ids if expected_existing is None else token_id != expected_existing
    if token_id is None or wrong:
        raise SpecialTokenError(
            f"could not add special token {token.token!r} (role {token.role!r}) to the "
            f"tokenizer: it resolves to {token_id!r}; check that the tokenizer accepts added tokens"
        )
    return int(token_id)


def check_collisions(report: SpecialTokensReport, pad_id: int | None) -> None:
    """Every role must own its id, and no role may sit on the pad id."""
    owner: dict[int, ResolvedSpecialToken] = {}
    if pad_id is not None:
        owner[pad_id] = ResolvedSpecialToken(ROLE_PAD, "<prompt-format pad>", pad_id, False)
    for token in report.tokens:
        first = owner.setdefault(token.id, token)
        if first is not token:
            raise SpecialTokenCollisionError(
                f"special token roles {first.role!r} and {token.role!r} both resolve to id "
                f"{token.id} ({first.token!r} / {token.token!r}); give each role its own token"
            )


def check_embedding_fits(
    required_rows: int, padded_vocab_size: Any, overflow: Sequence[tuple[str, int]] = ()
) -> None:
    """Raise :class:`EmbeddingTableTooSmallError` when ids ``0 .. required_rows - 1`` do not fit
    an embedding table of ``padded_vocab_size`` rows. ``overflow`` names tokens beyond it."""
    if isinstance(padded_vocab_size, bool) or not isinstance(padded_vocab_size, int):
        raise TypeError(f"padded_vocab_size must be an int, not {padded_vocab_size!r}")
    if padded_vocab_size <= 0:
        raise ValueError(f"padded_vocab_size must be positive, not {padded_vocab_size}")
    if required_rows <= padded_vocab_size:
        return
    missing = required_rows - padded_vocab_size
    shown = ", ".join(f"{token!r} (id {token_id})" for token, token_id in overflow[:5])
    more = f" and {len(overflow) - 5} more" if len(overflow) > 5 else ""
    beyond = f" Tokens beyond the table: {shown}{more}." if shown else ""
    raise EmbeddingTableTooSmallError(
        f"the tokenizer needs {required_rows} embedding rows but the model's embedding table has "
        f"{padded_vocab_size} (padded vocab size): {missing} row(s) missing.{beyond} For a new "
        "model, leave --padded-vocab-size unset so it is computed from the tokenizer; to fine-tune "
        "a checkpoint, use the tokenizer saved with it (its special tokens keep their ids) or "
        "resize the checkpoint's embedding and output layers first."
    )
