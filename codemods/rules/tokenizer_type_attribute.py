"""MTC301: code that reads or sets the old ``tokenizer_type`` argument: reported, never rewritten.

``args.tokenizer_type`` may be ``None`` or an entry point's default under the new flags, so a
rewrite could change what a branch does; each site is reported with the code to write instead,
worked out from the literal type when there is one (``== "SFTTokenizer"`` →
``.tokenizer_mode == "sft"``). Only Megatron's args are reported, decided per site: NeMo's
configs and other projects' ``tokenizer_type`` keywords are theirs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.python.syntax import call_name, code_of, cst, string_value
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

# Calls that return Megatron's args, and names Megatron code gives them.
_ARGS_SOURCES = frozenset({"get_args", "parse_args", "validate_args", "load_args_from_checkpoint"})
_ARGS_NAMES = frozenset({"args", "margs", "megatron_args"})
# Calls that build an args object (test doubles, converters) or set one argument by its name.
_ARGS_BUILDERS = frozenset({"Namespace", "SimpleNamespace"})
_ARGS_KEYWORDS = frozenset({"args_defaults"})

rule = Rule(
    id=TOKENIZER_TYPE_ATTRIBUTE,
    family="tokenizer-type-attribute",
    summary="Reports reads and writes of Megatron's `args.tokenizer_type` (args from "
    "`get_args()`, `parse_args()`, `validate_args()`, a checkpoint's `args`, or a parameter "
    "named `args` in Megatron code), `tokenizer_type=` when building an args object, "
    '`args_defaults={"tokenizer_type": ...}`, and string-keyed access (`vars(args)'
    '["tokenizer_type"]`, `getattr(args, "tokenizer_type")`, `_set_arg("tokenizer_type")`), '
    'each with the code to write (`args.tokenizer_mode == "sft"`, ...).',
    rationale="Under the new flags `tokenizer_type` may be `None`, or an entry point's default "
    "that no longer says what tokenizer runs: code branching on it can take the wrong branch. "
    "Other projects' `tokenizer_type` (NeMo's configs, a loss-mask generator's keyword) is "
    "not Megatron's argument and is left alone.",
    manual="Every site is left for a person (rewriting could change what a branch does): use the "
    "suggested `tokenizer_library`/`tokenizer_mode`/`tokenizer_model` instead. Sites are "
    "reported only where the command lines get the new flags (`--target pr3889`): Megatron-LM "
    "main and the old parsers still set `args.tokenizer_type`.",
    examples=(
        Example(
            "from megatron.training import get_args\n"
            "\n"
            'if get_args().tokenizer_type == "SFTTokenizer":\n'
            "    pass\n",
            None,
        ),
        Example(
            "from megatron.training import pretrain\n"
            "\n"
            'pretrain(args_defaults={"tokenizer_type": "GPT2BPETokenizer"})\n',
            None,
        ),
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
    return ", ".join(
        f'{key.format(name)}{separator}"{value}"' for name, value in row.new_arguments.items()
    )


def _report(ctx: Context, node: cst.CSTNode, what: str, suggestion: str) -> None:
    # with the command lines on Megatron-LM main's flags (or kept), --tokenizer-type stays
    if ctx.file.options.command_target == "pr3889":
        ctx.report(
            node,
            f"{what}: tokenizer_type is deprecated and may be None under the new "
            "flags; not rewritten automatically because that can change what the code "
            "does",
            suggestion,
        )


def _megatron_args(ctx: Context, node: cst.BaseExpression) -> bool:
    """Whether ``node`` is Megatron's args: from a call that returns them, a checkpoint's
    ``["args"]``, a name bound to either, or (in Megatron code) a name or attribute ``args``."""
    if isinstance(node, cst.Call):
        return call_name(node) in _ARGS_SOURCES
    if isinstance(node, cst.Subscript):
        return _subscript_key(node) == "args"
    if isinstance(node, cst.Name):
        return node.value in ctx.prescan.megatron_args_names or (
            ctx.facts.megatron and node.value in _ARGS_NAMES
        )
    if isinstance(node, cst.Attribute):
        return ctx.facts.megatron and node.attr.value in _ARGS_NAMES
    return False


def _subscript_key(node: cst.Subscript) -> str | None:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    return string_value(node.slice[0].slice.value)


@rule.prescan("Assign")
def _names_of_megatron_args(ctx: Context, assign: cst.Assign) -> None:
    if _megatron_args(ctx, assign.value):
        for target in assign.targets:
            if isinstance(target.target, cst.Name):
                ctx.prescan.megatron_args_names.add(target.target.value)


@rule.leave("Attribute")
def _attribute(ctx: Context, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
    if original.attr.value != ATTRIBUTE or not _megatron_args(ctx, original.value):
        return updated
    comparison = ctx.parent()
    owner = code_of(original.value)
    if isinstance(comparison, cst.Comparison) and comparison.left is original:
        suggestion = _comparison_suggestion(owner, comparison)
    else:
        suggestion = _GENERIC
    _report(ctx, original, f"{owner}.{ATTRIBUTE}", suggestion)
    return updated


@rule.leave("Call")
def _keyword_or_name(ctx: Context, original: cst.Call, updated: cst.Call) -> cst.Call:
    """``Namespace(tokenizer_type=...)``; ``getattr(args, "tokenizer_type")``; a call naming the
    argument in a string (``_set_arg("tokenizer_type")``) in Megatron code."""
    name = call_name(original)
    if name in _ARGS_BUILDERS:
        for arg in original.args:
            if arg.keyword is not None and arg.keyword.value == ATTRIBUTE:
                _report(ctx, arg, f"{ATTRIBUTE}=", _keyword_suggestion(arg.value, "=", False))
        return updated
    strings = [
        index
        for index, arg in enumerate(original.args)
        if arg.keyword is None and string_value(arg.value) == ATTRIBUTE
    ]
    if not strings:
        return updated
    if name in ("getattr", "setattr", "hasattr"):
        if strings == [1] and _megatron_args(ctx, original.args[0].value):
            _report(ctx, original, f"{name}(..., {ATTRIBUTE!r})", _GENERIC)
    elif ctx.facts.megatron:
        _report(ctx, original, f"{name}({ATTRIBUTE!r})", _GENERIC)
    return updated


@rule.leave("Subscript")
def _string_key(ctx: Context, original: cst.Subscript, updated: cst.Subscript) -> cst.Subscript:
    """``vars(args)["tokenizer_type"]``, a checkpoint's args dict, in Megatron code."""
    if _subscript_key(original) == ATTRIBUTE and ctx.facts.megatron:
        _report(ctx, original, f"[{ATTRIBUTE!r}]", _GENERIC)
    return updated


@rule.leave("DictElement")
def _dict_key(ctx: Context, original: cst.DictElement, updated: cst.DictElement) -> cst.DictElement:
    """``args_defaults={"tokenizer_type": ...}``: the defaults Megatron's parser starts from."""
    if string_value(original.key) != ATTRIBUTE:
        return updated
    argument = ctx.parent(2)
    if (
        isinstance(argument, cst.Arg)
        and argument.keyword is not None
        and (argument.keyword.value in _ARGS_KEYWORDS)
    ):
        _report(
            ctx,
            original,
            f"{code_of(original.key)}: key",
            _keyword_suggestion(original.value, ": ", True),
        )
    return updated


@rule.probe
def _names_the_attribute(facts: RegionFacts, options: Options) -> bool:
    return options.command_target == "pr3889" and facts.names(ATTRIBUTE)
