"""The one table of everything the old tokenizer API had and what replaces it.

The runtime aliases, the import hook, the argument translator, the warnings and every codemod read
this module; no other module spells a legacy name. Facts come from the API reference
(generations G1 = megatron-core 0.16.1, G2 = the refactor's base, G3 = the new design).

This module must stay import-light: the ``.pth`` import hook reads it at interpreter start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# Where the new (G3) API lives. Codemods emit these paths (``--target megatron``) or the
# ``compat`` mirror (``--target compat``); the runtime serves them from ``compat.tokenizers``.
MEGATRON_ROOT = "megatron.core.tokenizers"
COMPAT_ROOT = "compat.tokenizers"


@dataclass(frozen=True)
class RuleCode:
    """The identity of a codemod rule, shared with the runtime warnings that point at it."""

    code: str
    name: str
    title: str


RULES: dict[str, RuleCode] = {}


def _rule(code: str, name: str, title: str) -> RuleCode:
    rule = RuleCode(code, name, title)
    for known in RULES.values():
        if rule.code == known.code or rule.name == known.name:
            raise ValueError(f"rule {code} {name!r} repeats the code or name of {known}")
    RULES[code] = rule
    return rule


# Python API
MODEL_WRAPPER = _rule("MTC001", "model-wrapper", "removed model-wrapper class")
VISION_WRAPPER = _rule("MTC002", "vision-wrapper", "removed vision model-wrapper class")
SFT_TOKENIZER = _rule("MTC003", "sft-tokenizer", "SFTTokenizer became the prompt_format capability")
CHAT_TEMPLATE_MIXIN = _rule(
    "MTC004", "chat-template-mixin", "MegatronTokenizerChatTemplate merged into the abstract base"
)
MOVED_MODULE = _rule("MTC005", "moved-module", "name moved to another module")
REMOVED_CONSTANT = _rule("MTC006", "removed-constant", "module constant removed")
POSITIONAL_CHAT_TEMPLATE = _rule(
    "MTC007", "positional-chat-template", "chat_template passed positionally"
)
# metadata (files, dicts, from_pretrained / write_metadata calls)
LEGACY_LIBRARY = _rule("MTC101", "legacy-library", "library string unknown to the new API")
MODEL_TYPE = _rule("MTC102", "model-type", "model_type is no longer used")
DELETED_CLASS_PATH = _rule("MTC103", "deleted-class-path", "class_path names a deleted module")
# command line (shell, YAML, argv lists, .args files, Markdown)
TOKENIZER_TYPE_FLAG = _rule(
    "MTC201", "tokenizer-type-flag", "--tokenizer-type replaced by library/mode flags"
)
RENAMED_FLAG = _rule("MTC202", "renamed-flag", "flag renamed")
REMOVED_FLAG = _rule("MTC203", "removed-flag", "flag removed (it was a no-op)")
DYNAMIC_TOKENIZER_TYPE = _rule(
    "MTC204", "dynamic-tokenizer-type", "tokenizer type not known statically"
)
FLAG_IN_TEXT = _rule(
    "MTC205", "flag-in-text", "old flag named in text that is not a command line (a note)"
)
# reads of the old argument (report only: rewriting can change meaning)
TOKENIZER_TYPE_ATTRIBUTE = _rule(
    "MTC301", "tokenizer-type-attribute", "code reads or sets args.tokenizer_type"
)
# prompt formats (forks add their own to upstream's if-chain)
UNREGISTERED_PROMPT_FORMAT = _rule(
    "MTC401", "unregistered-prompt-format", "prompt format neither built in nor registered"
)


# How the uses of a legacy name are migrated: renamed to the new name where they stand; or
# rewritten by their rule (SFTTokenizer calls), the import following once every use is; or
# reported, for there is no drop-in replacement.
Migration = Literal["rename", "rewrite-uses", "report"]


@dataclass(frozen=True)
class LegacyName:
    """A public Python name of the old API and the name that replaces it."""

    legacy_module: str
    legacy_name: str
    new_module: str | None
    new_name: str | None
    rule: RuleCode
    note: str = ""
    migration: Migration = "rename"
    # Megatron-LM main (Aug 2026) still has it where it was: code for main keeps it
    on_main: bool = False

    @property
    def legacy_qualname(self) -> str:
        return f"{self.legacy_module}.{self.legacy_name}"

    @property
    def replacement(self) -> str:
        if self.new_module is None or self.new_name is None:
            return self.note
        return f"{self.new_module}.{self.new_name}"


_TEXT = f"{MEGATRON_ROOT}.text"
_VISION = f"{MEGATRON_ROOT}.vision"
_CONVERSATION = f"{MEGATRON_ROOT}.conversation"
# G1's home of build_tokenizer(args), whose semantics differ from G2+'s (no **kwargs, no
# padded_vocab_size side effect): compat.legacy serves it with G1 behaviour.
G1_BUILD_TOKENIZER_MODULE = f"{_TEXT}.utils.build_tokenizer"

# The G1/G2 model wrappers: (class, sub-module of text.models).
TEXT_MODEL_WRAPPERS: dict[str, str] = {
    "GPTTokenizer": "gpt_tokenizer",
    "BertTokenizer": "bert_tokenizer",
    "T5Tokenizer": "t5_tokenizer",
    "MambaTokenizer": "mamba_tokenizer",
    "DefaultTokenizerText": "default_tokenizer",
}
VISION_MODEL_WRAPPERS: dict[str, str] = {"DefaultTokenizerVision": "default_tokenizer"}

# Names moved into the conversation module (G2 homes: sft_tokenizer and multimodal_tokenizer).
CONVERSATION_TEMPLATES = (
    "nemotron_h_aligned_custom_template",
    "nemotron_nano_v2_custom_template",
    "identity_template",
)
MULTIMODAL_TEMPLATES = (
    "mistral_custom_template",
    "nvlm_yi_34b_template",
    "qwen2p0_custom_template",
    "llama3p1_chat_template",
    "nemotron_custom_template",
    "nemotron_aligned_custom_template",
)


def _legacy_names() -> list[LegacyName]:
    names = [
        LegacyName(module, cls, _TEXT, "MegatronTokenizerText", MODEL_WRAPPER)
        for cls, sub in TEXT_MODEL_WRAPPERS.items()
        for module in (f"{_TEXT}.models", f"{_TEXT}.models.{sub}")
    ]
    names.extend(
        LegacyName(module, cls, _VISION, "MegatronTokenizerVision", VISION_WRAPPER)
        for cls, sub in VISION_MODEL_WRAPPERS.items()
        for module in (f"{_VISION}.models", f"{_VISION}.models.{sub}")
    )
    names.extend(
        LegacyName(
            module,
            "SFTTokenizer",
            MEGATRON_ROOT,
            "MegatronTokenizer",
            SFT_TOKENIZER,
            'MegatronTokenizer.from_pretrained(path, metadata_path={"library": '
            '"huggingface"}, prompt_format=...)',
            migration="rewrite-uses",
            on_main=True,
        )
        for module in (f"{_TEXT}.libraries", f"{_TEXT}.libraries.sft_tokenizer")
    )
    for module in (f"{_TEXT}.libraries.sft_tokenizer", f"{_VISION}.libraries.multimodal_tokenizer"):
        names.append(
            LegacyName(
                module,
                "PromptConfig",
                f"{_CONVERSATION}.prompt_config",
                "PromptConfig",
                MOVED_MODULE,
                on_main=True,
            )
        )
        names.append(
            LegacyName(
                module,
                "IGNORE_INDEX",
                f"{_CONVERSATION}.conversation_tokenizer",
                "IGNORE_INDEX",
                MOVED_MODULE,
                on_main=True,
            )
        )
    names.extend(
        LegacyName(
            f"{_TEXT}.libraries.sft_tokenizer",
            template,
            f"{_CONVERSATION}.prompt_config",
            template,
            MOVED_MODULE,
            on_main=True,
        )
        for template in CONVERSATION_TEMPLATES
    )
    names.extend(
        LegacyName(
            f"{_VISION}.libraries.multimodal_tokenizer",
            template,
            f"{_CONVERSATION}.prompt_config",
            template,
            MOVED_MODULE,
            on_main=True,
        )
        for template in MULTIMODAL_TEMPLATES
    )
    names.append(
        LegacyName(
            f"{_TEXT}.libraries.chat_template",
            "MegatronTokenizerChatTemplate",
            f"{_TEXT}.libraries.abstract_tokenizer",
            "MegatronTokenizerTextAbstract",
            CHAT_TEMPLATE_MIXIN,
            on_main=True,
        )
    )
    names.append(
        LegacyName(
            G1_BUILD_TOKENIZER_MODULE,
            "build_tokenizer",
            f"{MEGATRON_ROOT}.utils.build_tokenizer",
            "build_tokenizer",
            MOVED_MODULE,
        )
    )
    names.append(
        LegacyName(
            f"{MEGATRON_ROOT}.megatron_tokenizer",
            "TOKENIZER_LIBRARIES",
            f"{MEGATRON_ROOT}.megatron_tokenizer",
            "TEXT_LIBRARIES",
            REMOVED_CONSTANT,
            "TEXT_LIBRARIES + VISION_LIBRARIES",
            migration="report",
        )
    )
    names.append(
        LegacyName(
            f"{MEGATRON_ROOT}.megatron_tokenizer",
            "TOKENIZER_MAPPING_NAMES",
            None,
            None,
            REMOVED_CONSTANT,
            "removed: model types no longer select a class",
            migration="report",
        )
    )
    return names


LEGACY_NAMES: tuple[LegacyName, ...] = tuple(_legacy_names())

# Modules the new API deleted; the import hook serves them (aliases only). Legacy names in
# modules that still exist (``text.libraries.SFTTokenizer``, ...) are served by those modules'
# ``__getattr__``.
LEGACY_MODULES: frozenset[str] = frozenset(
    {
        f"{_TEXT}.models",
        *(f"{_TEXT}.models.{sub}" for sub in TEXT_MODEL_WRAPPERS.values()),
        f"{_VISION}.models",
        *(f"{_VISION}.models.{sub}" for sub in VISION_MODEL_WRAPPERS.values()),
        f"{_TEXT}.libraries.sft_tokenizer",
        f"{_TEXT}.libraries.chat_template",
        f"{_TEXT}.utils",
        G1_BUILD_TOKENIZER_MODULE,
    }
)


def legacy_names_in(module: str) -> dict[str, LegacyName]:
    return {n.legacy_name: n for n in LEGACY_NAMES if n.legacy_module == module}


# --- metadata -------------------------------------------------------------------------------


@dataclass(frozen=True)
class LibraryRename:
    legacy: str
    new: str
    rule: RuleCode
    note: str
    # Megatron-LM main (Aug 2026) still knows the legacy string
    on_main: bool = False


# G1's null library: NullTokenizer(N) had vocab_size N + 1 and eod N there, which a G1 "null" in
# metadata keeps (upstream #4057 made "null-text" vocab_size N, eod N - 1).
G1_NULL_LIBRARY = "null"
NULL_TEXT_LIBRARY = "null-text"

LEGACY_LIBRARIES: dict[str, LibraryRename] = {
    G1_NULL_LIBRARY: LibraryRename(
        G1_NULL_LIBRARY, NULL_TEXT_LIBRARY, LEGACY_LIBRARY, "G1's null library is 'null-text'"
    ),
    "sft": LibraryRename(
        "sft",
        "huggingface",
        LEGACY_LIBRARY,
        "SFT is a capability now: library 'huggingface' plus prompt_format=...",
        on_main=True,
    ),
}

# model_type values G1/G2 wrote; the new API ignores the key.
LEGACY_MODEL_TYPES: frozenset[str] = frozenset(
    {"default", "default-text", "default-vision", "gpt", "mamba", "bert", "t5"}
)

TEXT_FACADE = ("MegatronTokenizerText", f"{_TEXT}.text_tokenizer")
VISION_FACADE = ("MegatronTokenizerVision", f"{_VISION}.vision_tokenizer")

# class_path values of deleted modules → the (class_name, class_path) that replaces them.
LEGACY_CLASS_PATHS: dict[str, tuple[str, str]] = {
    **{f"{_TEXT}.models.{sub}": TEXT_FACADE for sub in TEXT_MODEL_WRAPPERS.values()},
    f"{_TEXT}.models": TEXT_FACADE,
    **{f"{_VISION}.models.{sub}": VISION_FACADE for sub in VISION_MODEL_WRAPPERS.values()},
    f"{_VISION}.models": VISION_FACADE,
}

# --- command line ---------------------------------------------------------------------------


def flag_for(attribute: str) -> str:
    """The command-line flag of an ``args`` attribute (argparse's ``dest`` spelled back)."""
    return "--" + attribute.replace("_", "-")


def attribute_for(flag: str) -> str:
    """The ``args`` attribute of a command-line flag (argparse's ``dest``), as Megatron's YAML
    configs spell it."""
    return flag.lstrip("-").replace("-", "_")


DEFAULT_SFT_PROMPT_FORMAT = "nemotron-h-aligned"

# The new API's flags (PR #3889's parser; compat.args.add_tokenizer_args).
LIBRARY_FLAG = "--tokenizer-library"
MODE_FLAG = "--tokenizer-mode"
PROMPT_FORMAT_FLAG = "--tokenizer-prompt-format"
MODEL_FLAG = "--tokenizer-model"
SPECIAL_TOKENS_FLAG = "--tokenizer-special-tokens"
VOCAB_SIZE_FLAG = "--vocab-size"
# Upstream #4057 (megatron-core >= 0.18): the null tokenizer's end-of-document and pad ids.
NULL_EOD_ID_FLAG = "--null-tokenizer-eod-id"
NULL_PAD_ID_FLAG = "--null-tokenizer-pad-id"


@dataclass(frozen=True)
class TokenizerType:
    """What one ``--tokenizer-type`` value becomes in the library/mode flags."""

    name: str
    library: str
    mode: str = "text"
    # megatron-library types name their tokenizer by the type itself.
    model_is_type: bool = False
    # the library string ``from_pretrained`` resolves to (null splits by mode)
    resolved_library: str = ""

    @property
    def reads_g1_hf_switches(self) -> bool:
        """G1's build_tokenizer passed ``use_fast``/``include_special_tokens`` to these types."""
        return self.mode == "text" and self.library in ("huggingface", "megatron")

    @property
    def new_arguments(self) -> dict[str, str]:
        """The new ``args`` attributes that say what this type said (``text`` mode omitted)."""
        values = {"tokenizer_library": self.library}
        if self.mode != "text":
            values["tokenizer_mode"] = self.mode
        if self.model_is_type:
            values["tokenizer_model"] = self.name
        return values

    @property
    def new_flags(self) -> tuple[str, ...]:
        return tuple(
            word
            for attribute, value in self.new_arguments.items()
            for word in (flag_for(attribute), value)
        )


def _types() -> dict[str, TokenizerType]:
    rows = [
        TokenizerType("BertWordPieceLowerCase", "megatron", model_is_type=True),
        TokenizerType("BertWordPieceCase", "megatron", model_is_type=True),
        TokenizerType("GPT2BPETokenizer", "megatron", model_is_type=True),
        TokenizerType("SentencePieceTokenizer", "sentencepiece"),
        TokenizerType("GPTSentencePieceTokenizer", "sentencepiece"),
        TokenizerType("Llama2Tokenizer", "sentencepiece"),
        TokenizerType("HuggingFaceTokenizer", "huggingface"),
        TokenizerType("TikTokenizer", "tiktoken"),
        TokenizerType(
            "MultimodalTokenizer", "huggingface", "multimodal", resolved_library="multimodal"
        ),
        TokenizerType("SFTTokenizer", "huggingface", "sft"),
        TokenizerType("NullTokenizer", "null", resolved_library=NULL_TEXT_LIBRARY),
        TokenizerType(
            "NullMultimodalTokenizer", "null", "multimodal", resolved_library="null-multimodal"
        ),
    ]
    return {
        row.name: row
        if row.resolved_library
        else TokenizerType(row.name, row.library, row.mode, row.model_is_type, row.library)
        for row in rows
    }


TOKENIZER_TYPES: dict[str, TokenizerType] = _types()

NEW_LIBRARIES = ("huggingface", "sentencepiece", "tiktoken", "megatron", "byte-level", "null")
TOKENIZER_MODES = ("text", "sft", "multimodal")

TOKENIZER_TYPE_FLAG_NAME = "--tokenizer-type"


@dataclass(frozen=True)
class LegacyFlag:
    """A deprecated command-line flag. ``replacement`` None means: delete it."""

    flag: str
    replacement: str | None
    rule: RuleCode
    takes_value: bool
    message: str
    nargs_plus: bool = False


# The renamed flags whose values the translator also reads (the SFT prompt format, the tokens).
SFT_PROMPT_FORMAT_FLAG = "--sft-tokenizer-prompt-format"
TIKTOKEN_SPECIAL_TOKENS_FLAG = "--tiktoken-special-tokens"
LEGACY_TOKENIZER_FLAG = "--legacy-tokenizer"

LEGACY_FLAGS: dict[str, LegacyFlag] = {
    SFT_PROMPT_FORMAT_FLAG: LegacyFlag(
        SFT_PROMPT_FORMAT_FLAG,
        PROMPT_FORMAT_FLAG,
        RENAMED_FLAG,
        True,
        "use --tokenizer-prompt-format (with --tokenizer-mode sft)",
    ),
    TIKTOKEN_SPECIAL_TOKENS_FLAG: LegacyFlag(
        TIKTOKEN_SPECIAL_TOKENS_FLAG,
        SPECIAL_TOKENS_FLAG,
        RENAMED_FLAG,
        True,
        "use --tokenizer-special-tokens",
        nargs_plus=True,
    ),
    "--tokenizer-hf-use-fast": LegacyFlag(
        "--tokenizer-hf-use-fast",
        None,
        REMOVED_FLAG,
        False,
        "delete it: fast tokenizers are the default (opt out with --tokenizer-hf-no-use-fast)",
    ),
    "--tokenizer-hf-include-special-tokens": LegacyFlag(
        "--tokenizer-hf-include-special-tokens",
        None,
        REMOVED_FLAG,
        False,
        "delete it: special tokens are included by default "
        "(opt out with --tokenizer-hf-no-include-special-tokens)",
    ),
    LEGACY_TOKENIZER_FLAG: LegacyFlag(
        LEGACY_TOKENIZER_FLAG,
        None,
        REMOVED_FLAG,
        False,
        "delete it: the legacy training tokenizer was removed",
    ),
}

# Every old flag a command line may hold.
LEGACY_FLAG_NAMES: tuple[str, ...] = (TOKENIZER_TYPE_FLAG_NAME, *LEGACY_FLAGS)

# Look-alike flags of other projects: never touched.
FOREIGN_FLAGS: frozenset[str] = frozenset({"--patch-tokenizer-type"})


def message_for(rule: RuleCode, legacy: str, replacement: str) -> str:
    """The one wording of a deprecation, shared by warnings, errors and reports."""
    return advice_for(rule, legacy, f"use {replacement}")


def advice_for(rule: RuleCode, legacy: str, advice: str) -> str:
    """:func:`message_for` for a name with no replacement: ``advice`` says what to do instead."""
    return (
        f"{legacy} is deprecated; {advice} "
        f"(run `python -m codemods.migrate --select {rule.code}` to rewrite it)"
    )


def compat_path(module: str) -> str:
    """``megatron.core.tokenizers.x`` → ``compat.tokenizers.x`` (``--target compat``)."""
    if module == MEGATRON_ROOT or module.startswith(MEGATRON_ROOT + "."):
        return COMPAT_ROOT + module[len(MEGATRON_ROOT) :]
    return module


def megatron_path(module: str) -> str:
    """``compat.tokenizers.x`` → ``megatron.core.tokenizers.x``: the upstream name of one of our
    modules (what metadata files and dataset cache keys record)."""
    if module == COMPAT_ROOT or module.startswith(COMPAT_ROOT + "."):
        return MEGATRON_ROOT + module[len(COMPAT_ROOT) :]
    return module


LEGACY_BY_QUALNAME: dict[str, LegacyName] = {n.legacy_qualname: n for n in LEGACY_NAMES}

# Legacy class names that other libraries use too (transformers' ``BertTokenizer`` and
# ``T5Tokenizer``): mentioned without their module outside Python code, they are not the old API.
NAMES_SHARED_WITH_OTHER_LIBRARIES: frozenset[str] = frozenset({"BertTokenizer", "T5Tokenizer"})


# --- saved training args (checkpoints) ------------------------------------------------------

# G1 saved the positive HF switches (default False); G2 replaced them with negative ones.
G1_HF_SWITCHES: dict[str, str] = {
    "tokenizer_hf_use_fast": "tokenizer_hf_no_use_fast",
    "tokenizer_hf_include_special_tokens": "tokenizer_hf_no_include_special_tokens",
}


# The same switches as command-line flags, old positive flag → G2's negative flag.
G1_HF_SWITCH_FLAGS: dict[str, str] = {
    flag_for(positive): flag_for(negative) for positive, negative in G1_HF_SWITCHES.items()
}

# Upstream main (Aug 2026) renamed these args attributes (its TokenizerConfig field names).
MAIN_ARG_ATTRIBUTES: dict[str, str] = {
    "metadata_path": "tokenizer_metadata",
    "special_tokens": "tokenizer_special_tokens",
}

# The argparse destination of ``--tokenizer-type``; code reading it is reported (MTC301).
TOKENIZER_TYPE_ATTRIBUTE_NAME = "tokenizer_type"
