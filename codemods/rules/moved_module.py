"""MTC005: names that moved to another module (``PromptConfig``, ``IGNORE_INDEX``, the chat
templates, the G1 ``build_tokenizer``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.rules import Example, Rule
from compat.deprecations import LEGACY_NAMES, MOVED_MODULE

if TYPE_CHECKING:
    from codemods.core import Options
    from codemods.python.probe import RegionFacts

# the old homes of the moved names
_OLD_HOMES = frozenset(entry.legacy_module for entry in LEGACY_NAMES if entry.rule is MOVED_MODULE)


def _module_needle(legacy_module: str, legacy_name: str) -> str:
    """What an import of a moved name must spell: its old module (names like ``PromptConfig``
    or ``build_tokenizer`` are everywhere; only their old homes are legacy)."""
    parts = legacy_module.split(".")
    return parts[-1] if parts[-1] != legacy_name else ".".join(parts[-2:])


rule = Rule(
    id=MOVED_MODULE,
    family="deprecated-names",
    summary="`PromptConfig`, `IGNORE_INDEX` and the chat templates are imported from the "
    "`conversation` module, and G1's `build_tokenizer` from `megatron.core.tokenizers.utils`.",
    rationale="Conversation tokenization moved into one library-agnostic module shared by SFT "
    "and multimodal; their old homes (`sft_tokenizer`, `multimodal_tokenizer`) are gone, and "
    "`build_tokenizer` left `text.utils` after megatron-core 0.16.",
    manual="Nothing is left by hand: every import of a moved name is rewritten.",
    examples=(
        Example(
            "from megatron.core.tokenizers.text.libraries.sft_tokenizer import IGNORE_INDEX\n",
            "from megatron.core.tokenizers.conversation.conversation_tokenizer import "
            "IGNORE_INDEX\n",
        ),
    ),
    needles=tuple(
        sorted(
            {
                _module_needle(entry.legacy_module, entry.legacy_name)
                for entry in LEGACY_NAMES
                if entry.rule is MOVED_MODULE
            }
        )
    ),
    carried_out_by="deprecated-alias",
)


@rule.probe
def _mentions_an_old_home(facts: RegionFacts, options: Options) -> bool:
    """``utils.build_tokenizer`` is also the path of the new ``build_tokenizer``: only an
    import or a path of the old module is a site."""
    return facts.mentions_module(_OLD_HOMES)
