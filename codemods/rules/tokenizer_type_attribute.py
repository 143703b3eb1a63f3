"""MTC301: code that reads or sets the old ``tokenizer_type`` argument: reported, never rewritten.

``args.tokenizer_type`` may be ``None`` or an entry point's default under the new flags, so a
rewrite could change what a branch does; each site is reported with the code to write instead,
worked out from the literal type when there is one (``== "SFTTokenizer"`` →
``.tokenizer_mode == "sft"``). Files of NeMo (which has its own ``tokenizer_type``) are skipped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.python.syntax import code_of, cst, string_value
from codemods.rules import Example, Rule
from compat.deprecations import (
    TOKENIZER_MODES,
    TOKENIZER_TYPE_ATTRIBUTE,
    TOKENIZER_TYPE_ATTRIBUTE_NAME,
    TOKENIZER_TYPES,
)

if TYPE_CHECKING:
    from codemods.core import Options
    from codemods.python.engine import Context
    from codemods.python.probe import RegionFacts

ATTRIBUTE = TOKENIZER_TYPE_ATTRIBUTE_NAME
_GENERIC = (
    "use the new arguments: tokenizer_library ("
    + ", ".join(sorted({row.library for row in TOKENIZER_TYPES.values()}))
    + f"), tokenizer_mode ({', '.join(TOKENIZER_MODES)}) and tokenizer_model"
)

rule = Rule(
    id=TOKENIZER_TYPE_ATTRIBUTE,
    family="tokenizer-type-attribute",
    summary="Reports reads and writes of `args.tokenizer_type`, `tokenizer_type=` keywords, "
    '`{"tokenizer_type": ...}` keys and `getattr(args, "tokenizer_type")`, each with the code '
    'to write (`args.tokenizer_mode == "sft"`, `tokenizer_library="huggingface"`, ...).',
    rationale="Under the new flags `tokenizer_type` may be `None`, or an entry point's default "
    "that no longer says what tokenizer runs: code branching on it can take the wrong branch.",
    manual="Every site is left for a person (rewriting could change what a branch does): use the "
    "suggested `tokenizer_library`/`tokenizer_mode`/`tokenizer_model` instead.",
    examples=(
        Example('if args.tokenizer_type == "SFTTokenizer":\n    pass\n', None),
        Example('pretrain(args_defaults={"tokenizer_type": "GPT2BPETokenizer"})\n', None),
    ),
    needles=(ATTRIBUTE,),
)


def _comparison_suggestion(owner: str, comparison: cst.Comparison) -> str:
    if len(comparison.comparisons) != 1:
        return _GENERIC
    target = comparison.comparisons[0]
    value = string_value(target.comparator)
    row = TOKENIZER_TYPES.get(value) if value is not None else None
    if row is None:
        return _GENERIC
    new = row.new_arguments
    negated = isinstance(target.operator, (cst.NotEqual, cst.IsNot))
    # a mode check is what tells SFT and multimodal apart; the library decides the rest
    if "tokenizer_mode" in new:
        new = {"tokenizer_mode": new["tokenizer_mode"]}
    operator = "!=" if negated else "=="
    joiner = " or " if negated else " and "
    return joiner.join(f'{owner}.{name} {operator} "{value}"' for name, value in new.items())


def _keyword_suggestion(value: cst.BaseExpression, separator: str, quote_keys: bool) -> str:
    literal = string_value(value)
    row = TOKENIZER_TYPES.get(literal) if literal is not None else None
    if row is None:
        return _GENERIC
    key = '"{}"' if quote_keys else "{}"
    return ", ".join(f'{key.format(name)}{separator}"{value}"'
                     for name, value in row.new_arguments.items())


def _report(ctx: Context, node: cst.CSTNode, what: str, suggestion: str) -> None:
    # with the command lines on Megatron-LM main's flags (or kept), --tokenizer-type stays
    if not ctx.facts.foreign and ctx.file.options.command_target == "pr3889":
        ctx.report(node, f"{what}: tokenizer_type is deprecated and may be None under the new "
                   "flags; not rewritten automatically because that can change what the code "
                   "does", suggestion)


@rule.leave("Attribute")
def _attribute(ctx: Context, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
    if original.attr.value != ATTRIBUTE:
        return updated
    comparison = ctx.parent()
    owner = code_of(original.value)
    if isinstance(comparison, cst.Comparison) and comparison.left is original:
        suggestion = _comparison_suggestion(owner, comparison)
    else:
        suggestion = _GENERIC
    _report(ctx, original, f"{owner}.{ATTRIBUTE}", suggestion)
    return updated


@rule.leave("Arg")
def _keyword(ctx: Context, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
    if original.keyword is None or original.keyword.value != ATTRIBUTE:
        return updated
    _report(ctx, original, f"{ATTRIBUTE}=", _keyword_suggestion(original.value, "=", False))
    return updated


@rule.leave("DictElement")
def _dict_key(ctx: Context, original: cst.DictElement, updated: cst.DictElement
              ) -> cst.DictElement:
    if string_value(original.key) != ATTRIBUTE:
        return updated
    _report(ctx, original, f"{code_of(original.key)}: key",
            _keyword_suggestion(original.value, ": ", True))
    return updated


@rule.leave("Call")
def _getattr(ctx: Context, original: cst.Call, updated: cst.Call) -> cst.Call:
    if not (isinstance(original.func, cst.Name) and original.func.value in ("getattr", "setattr",
                                                                              "hasattr")):
        return updated
    if len(original.args) >= 2 and string_value(original.args[1].value) == ATTRIBUTE:
        _report(ctx, original, f"{original.func.value}(..., {ATTRIBUTE!r})", _GENERIC)
    return updated


@rule.probe
def _names_the_attribute(facts: RegionFacts, options: Options) -> bool:
    return options.command_target == "pr3889" and facts.names(ATTRIBUTE)
