"""MTC007: ``apply_chat_template(conversation, template)`` with the template passed positionally.

The old mixin required ``chat_template`` as the second positional argument; the new abstract base
makes it optional, and a Hugging Face tokenizer's second parameter is ``tools``. When the file
uses Megatron's tokenizers and not transformers, the arguments are passed by keyword; otherwise
the call is reported (the receiver's type is not known statically).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.python.syntax import call_name, code_of, cst, keyword_arg
from codemods.rules import Example, Rule
from compat.deprecations import POSITIONAL_CHAT_TEMPLATE

if TYPE_CHECKING:
    from codemods.core import Options
    from codemods.python.engine import Context
    from codemods.python.probe import RegionFacts

# the old mixin's signature after ``conversation``
_PARAMETERS = ("chat_template", "tokenize", "truncation", "max_length", "add_generation_prompt")

rule = Rule(
    id=POSITIONAL_CHAT_TEMPLATE,
    family="positional-chat-template",
    summary="`library.apply_chat_template(conversation, template, ...)` passes the template and "
    "the arguments after it by keyword, in files that use Megatron's tokenizers.",
    rationale="The template became optional in the new abstract base, and a Hugging Face "
    "tokenizer reads its second positional argument as `tools`: passed by keyword, the call "
    "means the same thing whatever object receives it.",
    manual="In files that also use `transformers`, the receiver may be a Hugging Face tokenizer, "
    "so the call is reported with the keyword form to write when it is a Megatron library.",
    examples=(
        Example(
            "from megatron.core.tokenizers import MegatronTokenizer\n"
            "\n"
            "def render(library, conversation, template):\n"
            "    return library.apply_chat_template(conversation, template, tokenize=False)\n",
            "from megatron.core.tokenizers import MegatronTokenizer\n"
            "\n"
            "def render(library, conversation, template):\n"
            "    return library.apply_chat_template(conversation, chat_template=template, "
            "tokenize=False)\n",
        ),
    ),
    needles=(("apply_chat_template", "megatron"),),
)


@rule.leave("Call")
def _keyword_chat_template(ctx: Context, original: cst.Call, updated: cst.Call) -> cst.Call:
    if call_name(original) != "apply_chat_template" or not isinstance(original.func, cst.Attribute):
        return updated
    if not ctx.facts.megatron or ctx.facts.foreign:
        return updated
    positional = [arg for arg in updated.args if arg.keyword is None]
    if len(positional) < 2 or any(arg.star for arg in updated.args):
        return updated
    leading = list(updated.args[: len(positional)])
    if len(positional) - 1 > len(_PARAMETERS) or leading != positional:
        ctx.report(original, "apply_chat_template called with an unexpected argument list")
        return updated
    args = (
        [positional[0]]
        + [keyword_arg(name, arg.value, like=arg) for name, arg in zip(_PARAMETERS, positional[1:])]
        + list(updated.args[len(positional) :])
    )
    keyworded = updated.with_changes(args=args)
    if ctx.facts.transformers:
        ctx.report(
            original,
            "chat_template passed positionally; a Hugging Face tokenizer reads "
            "the second argument as `tools`",
            code_of(keyworded),
        )
        return updated
    ctx.fixed(original, "chat_template passed positionally; passed by keyword now")
    return keyworded


@rule.probe
def _positional_call(facts: RegionFacts, options: Options) -> bool:
    return any(
        name == "apply_chat_template" and positional >= 2 for name, positional in facts.calls
    )
