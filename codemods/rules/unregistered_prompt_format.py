"""MTC401: a prompt format that is neither built in nor registered: reported with the recipe.

Forks add their own SFT formats to upstream's if-chain (``--sft-tokenizer-prompt-format
gemma``). ``compat.tokenizers`` has no if-chain to patch: such a format is registered, with
:func:`compat.tokenizers.conversation.register_prompt_format` or an entry point, and this rule
finds every literal format name the registry would refuse. Formats registered through an
installed package's entry point are known to the run; a ``register_prompt_format`` call in the
user's own code is not, so its sites are silenced with a suppression comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from codemods.python.syntax import cst, string_value
from codemods.rules import Example, Rule
from compat.deprecations import (
    PROMPT_FORMAT_FLAG,
    SFT_PROMPT_FORMAT_FLAG,
    UNREGISTERED_PROMPT_FORMAT,
    attribute_for,
)

if TYPE_CHECKING:
    from codemods.core import Options
    from codemods.python.engine import Context
    from codemods.python.probe import RegionFacts

# the keywords and dict keys under which Python code names a prompt format
_PYTHON_NAMES = frozenset(
    {
        "prompt_format",
        *(attribute_for(flag) for flag in (PROMPT_FORMAT_FLAG, SFT_PROMPT_FORMAT_FLAG)),
    }
)

rule = Rule(
    id=UNREGISTERED_PROMPT_FORMAT,
    family="prompt-format",
    summary="Reports every prompt format named literally (`--tokenizer-prompt-format`, "
    "`--sft-tokenizer-prompt-format`, `prompt_format=` and the like) that is neither one of the "
    "14 built-in formats nor registered by an installed package.",
    rationale="Forks patch their own formats into upstream's if-chain; a tokenizer built by "
    "`compat.tokenizers` knows only the registry, and raises `UnknownPromptFormatError` for a "
    "name it lacks. On Megatron-LM main's own tokenizers (`--target upstream`) the fork's patch "
    "must move with it; that case is a note.",
    manual="Register the format: a factory `(tokenizer) -> PromptConfig` with the fields of the "
    'fork\'s if-chain branch, decorated with `@register_prompt_format("gemma")` from '
    "`compat.tokenizers.conversation`, and listed under the "
    "`megatron_tokenizer_compat.prompt_formats` entry-point group of the package that defines "
    'it, so that a tokenizer built anywhere finds it (see docs/conversation.md, "Prompt formats '
    'of your own"). Once that package is installed, this rule stops reporting the name; a '
    "format registered only by a call in your own code is silenced with "
    "`# megatron-compat: ignore[MTC401]`.",
    examples=(
        Example(
            "from megatron.core.tokenizers import MegatronTokenizer\n"
            "\n"
            'tok = MegatronTokenizer.from_pretrained("ckpt", prompt_format="gemma")\n',
            None,
        ),
    ),
    needles=("prompt-format", "prompt_format"),
)


@dataclass(frozen=True)
class Verdict:
    message: str
    suggestion: str
    informational: bool  # a note: the tokenizer is not built by compat.tokenizers


@cache
def _known() -> frozenset[str]:
    from compat.tokenizers.conversation.prompt_config import prompt_format_names

    return prompt_format_names()


def verdict(name: str, built_by_compat: bool) -> Verdict | None:
    """What to say of prompt format ``name``: nothing when the registry knows it."""
    if name in _known():
        return None
    if built_by_compat:
        return Verdict(
            f"prompt format {name!r} is neither built in nor registered: building this "
            "tokenizer raises UnknownPromptFormatError",
            f"register {name!r} with compat.tokenizers.conversation.register_prompt_format "
            "and the megatron_tokenizer_compat.prompt_formats entry point (--explain MTC401)",
            informational=False,
        )
    return Verdict(
        f"prompt format {name!r} is not one of Megatron's own: the Megatron this runs on must "
        "still define it (a fork's patch), or build the tokenizer with compat.tokenizers and "
        "register it (--explain MTC401)",
        "",
        informational=True,
    )


@rule.leave("Arg")
def _keyword(ctx: Context, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
    if original.keyword is not None and original.keyword.value in _PYTHON_NAMES:
        _judge(ctx, original.value)
    return updated


@rule.leave("DictElement")
def _dict_entry(
    ctx: Context, original: cst.DictElement, updated: cst.DictElement
) -> cst.DictElement:
    if string_value(original.key) in _PYTHON_NAMES:
        _judge(ctx, original.value)
    return updated


def _judge(ctx: Context, value: cst.BaseExpression) -> None:
    name = string_value(value)
    if name is None or not ctx.facts.megatron or ctx.facts.foreign:
        return
    found = verdict(name, built_by_compat=ctx.file.options.target != "upstream")
    if found is None:
        return
    if found.informational:
        ctx.note(value, found.message)
    else:
        ctx.report(value, found.message, found.suggestion)


@rule.probe
def _named_format(facts: RegionFacts, options: Options) -> bool:
    return any(name in _PYTHON_NAMES for name, _ in facts.named_strings)
