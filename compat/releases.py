"""What each Megatron tokenizer API offers: the facts migration tools and ``compat doctor`` need.

One frozen :class:`MegatronAPI` per API: the megatron-core releases 0.16 to 0.19 (patch releases
of one minor version share their tokenizer API), Megatron-LM main (Aug 2026, d98e8a64dd) and
``pr3889``, the design ``compat.tokenizers`` implements (PR #3889's API with upstream's latest
behaviour). Checked against the released wheels and the Megatron-LM tags ``core_v0.16.1`` to
``core_v0.19.0`` (``megatron/training/arguments.py``, ``megatron/training/config``).

Import-light (the standard library and :mod:`compat.deprecations`): codemods and the doctor read
it without loading any tokenizer. Flag names come from :mod:`compat.deprecations`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Literal

from compat.deprecations import (
    G1_BUILD_TOKENIZER_MODULE,
    G1_HF_SWITCH_FLAGS,
    G1_NULL_LIBRARY,
    LEGACY_FLAGS,
    LEGACY_TOKENIZER_FLAG,
    LIBRARY_FLAG,
    MEGATRON_ROOT,
    MODE_FLAG,
    NULL_EOD_ID_FLAG,
    NULL_PAD_ID_FLAG,
    NULL_TEXT_LIBRARY,
    PROMPT_FORMAT_FLAG,
    SFT_PROMPT_FORMAT_FLAG,
    TOKENIZER_TYPE_FLAG_NAME,
)

# Whether the G1/G2 model wrappers (GPTTokenizer, ..., DefaultTokenizerVision) exist: as classes
# in their own sub-modules, as aliases of the facades (PR #3889), or not at all (main).
Wrappers = Literal["classes", "aliases", "absent"]

_NEGATIVE_HF_SWITCHES = frozenset(G1_HF_SWITCH_FLAGS.values())
_NULL_FLAGS = frozenset({NULL_EOD_ID_FLAG, NULL_PAD_ID_FLAG})
_NEW_DESIGN_FLAGS = frozenset({LIBRARY_FLAG, MODE_FLAG, PROMPT_FORMAT_FLAG})
_UTILS_BUILD_TOKENIZER = f"{MEGATRON_ROOT}.utils.build_tokenizer"


@dataclass(frozen=True)
class MegatronAPI:
    """One Megatron tokenizer API.

    ``parser_flags`` lists which of the flags whose support differs between APIs (the new
    design's, ``--tokenizer-type``, every deprecated flag of ``compat.deprecations``, the HF
    opt-outs and the null tokenizer's ids) Megatron-LM's argument parser of that API accepts.
    """

    key: str
    name: str
    generation: str
    model_wrappers: Wrappers
    # megatron.core.tokenizers.vision (MegatronTokenizerVision, multimodal libraries)
    vision_facade: bool
    # megatron.core.tokenizers.conversation and from_pretrained(..., prompt_format=...)
    conversation_module: bool
    # "sft" is a library (SFTTokenizer); otherwise SFT is the prompt_format capability
    sft_library: bool
    null_library: str
    build_tokenizer_module: str
    parser_flags: frozenset[str]
    # NullTokenizer(N): vocab_size N + 1 and eod N (1), or vocab_size N and eod N - 1 (0; #4057)
    null_vocab_extra: int
    # HuggingFaceTokenizer's use_fast / include_special_tokens default on (G2's #3422/#3440)
    hf_fast_and_special_tokens_default: bool
    # the identity prompt format masks system and user turns (0.18 and 0.19 did not; #6682)
    identity_masks_prompt: bool
    # args attribute of --tokenizer-metadata / --tokenizer-special-tokens (main: #4406)
    metadata_attribute: str = "tokenizer_metadata"
    special_tokens_attribute: str = "tokenizer_special_tokens"

    def accepts(self, flag: str) -> bool:
        """Whether this API's parser accepts ``flag`` (one of the flags this table tracks)."""
        return flag in self.parser_flags

    @property
    def has_tokenizer_library_flag(self) -> bool:
        return LIBRARY_FLAG in self.parser_flags

    def __str__(self) -> str:
        return self.name


def _g1_flags() -> frozenset[str]:
    return frozenset({TOKENIZER_TYPE_FLAG_NAME, *LEGACY_FLAGS})


def _g2_flags() -> frozenset[str]:
    return (_g1_flags() - {LEGACY_TOKENIZER_FLAG}) | _NEGATIVE_HF_SWITCHES


def _config_flags() -> frozenset[str]:
    """0.18+ generate the tokenizer flags from TokenizerConfig (#4406), which dropped the
    deprecated ones and added the null tokenizer's ids (#4057)."""
    return frozenset({TOKENIZER_TYPE_FLAG_NAME, SFT_PROMPT_FORMAT_FLAG}) | (
        _NEGATIVE_HF_SWITCHES | _NULL_FLAGS
    )


# Each row is the one before it plus what changed.
G1 = MegatronAPI(
    key="0.16",
    name="megatron-core 0.16",
    generation="G1",
    model_wrappers="classes",
    vision_facade=False,
    conversation_module=False,
    sft_library=False,
    null_library=G1_NULL_LIBRARY,
    build_tokenizer_module=G1_BUILD_TOKENIZER_MODULE,
    parser_flags=_g1_flags(),
    null_vocab_extra=1,
    hf_fast_and_special_tokens_default=False,
    # 0.16's core has no SFT (megatron.training's has two formats, identity not among them)
    identity_masks_prompt=True,
)
G2 = replace(
    G1,
    key="0.17",
    name="megatron-core 0.17",
    generation="G2",
    vision_facade=True,
    sft_library=True,
    null_library=NULL_TEXT_LIBRARY,
    build_tokenizer_module=_UTILS_BUILD_TOKENIZER,
    parser_flags=_g2_flags(),
    hf_fast_and_special_tokens_default=True,
)
RELEASE_0_18 = replace(
    G2,
    key="0.18",
    name="megatron-core 0.18",
    generation="G2 + #4057, #4406",
    parser_flags=_config_flags(),
    null_vocab_extra=0,
    identity_masks_prompt=False,
    metadata_attribute="metadata_path",
    special_tokens_attribute="special_tokens",
)
RELEASE_0_19 = replace(RELEASE_0_18, key="0.19", name="megatron-core 0.19")
MAIN = replace(
    RELEASE_0_19,
    key="main",
    name="Megatron-LM main (Aug 2026)",
    generation="MAIN",
    model_wrappers="absent",
    identity_masks_prompt=True,
)
PR3889 = replace(
    MAIN,
    key="pr3889",
    name="the new API (PR #3889's design, as compat.tokenizers ships it)",
    generation="G3",
    model_wrappers="aliases",
    conversation_module=True,
    sft_library=False,
    # compat.args.add_tokenizer_args: the new flags, and every old one (deprecated)
    parser_flags=_g2_flags() | _NEW_DESIGN_FLAGS | _NULL_FLAGS | {LEGACY_TOKENIZER_FLAG},
    metadata_attribute="tokenizer_metadata",
    special_tokens_attribute="tokenizer_special_tokens",
)

APIS: dict[str, MegatronAPI] = {
    api.key: api for api in (G1, G2, RELEASE_0_18, RELEASE_0_19, MAIN, PR3889)
}
RELEASES: tuple[MegatronAPI, ...] = (G1, G2, RELEASE_0_18, RELEASE_0_19)
# Other names callers use for the two non-release rows.
ALIASES = {"upstream": MAIN.key, "megatron": PR3889.key}

_VERSION = re.compile(
    r"^\s*v?(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?P<patch>\d+))?"
    r"(?:[.-]?(?:a|b|rc|dev|post)\d*)*(?:\+[\w.]+)?\s*$"
)


@dataclass(frozen=True)
class VersionMatch:
    """The API of a version string; ``note`` says why the match is not exact, when it is not."""

    version: str
    api: MegatronAPI
    note: str | None = None


def api_for_version(version: str) -> VersionMatch:
    """The API of a megatron-core version (``"0.18.2"``: patch versions share their minor
    version's API), or of ``"main"`` / ``"upstream"`` / ``"pr3889"``.

    A version newer than every known release gets the newest known release, and ``note`` says
    so. A version before 0.16, or text that is not a version, raises ``ValueError``.
    """
    if not isinstance(version, str):
        raise ValueError(f"a megatron-core version is a string such as '0.18.2', not {version!r}")
    key = ALIASES.get(version.strip(), version.strip())
    if key in APIS and not key[0].isdigit():
        return VersionMatch(version, APIS[key])
    match = _VERSION.match(version)
    if match is None:
        raise ValueError(
            f"{version!r} is not a megatron-core version: write MAJOR.MINOR[.PATCH] such as "
            f"'0.18.2', or one of {', '.join(sorted([*ALIASES, MAIN.key, PR3889.key]))}"
        )
    minor = (int(match["major"]), int(match["minor"]))
    known = {_minor(api): api for api in RELEASES}
    if minor in known:
        return VersionMatch(version, known[minor])
    oldest, newest = RELEASES[0], RELEASES[-1]
    if minor < _minor(oldest):
        raise ValueError(
            f"megatron-core {version} is older than every release whose tokenizer API is known "
            f"here ({oldest.key} to {newest.key}); upgrade to megatron-core {oldest.key} or later"
        )
    return VersionMatch(
        version,
        newest,
        note=f"megatron-core {version} is newer than every release known here; assuming "
        f"{newest.name}'s tokenizer API (check its release notes for changes)",
    )


def _minor(api: MegatronAPI) -> tuple[int, int]:
    major, minor = api.key.split(".")
    return int(major), int(minor)


__all__ = [
    "ALIASES",
    "APIS",
    "G1",
    "G2",
    "MAIN",
    "PR3889",
    "RELEASES",
    "RELEASE_COMMITS",
    "MegatronAPI",
    "VersionMatch",
    "Wrappers",
    "api_for_version",
]


# Megatron-LM commits whose tokenizer API is a row above: the release tags, main (Aug 2026) and
# PR #3889's head (a submodule pinned at one of them tells its API without being checked out).
RELEASE_COMMITS: dict[str, str] = {
    "3bec9aa97dda898d16ff5a89bac0ed2b6682b172": G1.key,  # core_v0.16.0
    "55ac7082517c3878ae653c07c09c534b8aed49f6": G1.key,  # core_v0.16.1
    "9539a12e1b04a68423f57b3eb41d6125161dca24": G2.key,  # core_v0.17.0
    "266f1c97dca477ca8b92c16087506da2000b0b84": G2.key,  # core_v0.17.1
    "ba7b5ebce12af60627a80985792a1449ce45f46c": RELEASE_0_18.key,  # core_v0.18.0
    "571370c829ca768fe37244f4e2e7f28d8accc4ab": RELEASE_0_18.key,  # core_v0.18.2
    "5be9626709af2722333bf54797c954c09edeada3": RELEASE_0_19.key,  # core_v0.19.0
    "d98e8a64ddf34856e74b24714e3bedb2f5a39553": MAIN.key,
    "648bb3a49264d0758857a8114c4ff05abc898751": PR3889.key,
}
