"""Code that reads or sets the old ``tokenizer_type`` argument (MTC301): reported, never rewritten.

``args.tokenizer_type`` may be ``None`` or an entry point's default under the new flags, so a
rewrite could change what a branch does; each site is reported with the code to write instead,
worked out from the literal type when there is one (``== "SFTTokenizer"`` →
``.tokenizer_mode == "sft"``). Files of NeMo (which has its own ``tokenizer_type``) are skipped.
"""

from __future__ import annotations

import libcst as cst

from codemods.python.base import Migration, code_of, on_leave, string_value
from compat.deprecations import (
    TOKENIZER_TYPE_ATTRIBUTE,
    TOKENIZER_TYPE_ATTRIBUTE_NAME,
    TOKENIZER_TYPES,
)

ATTRIBUTE = TOKENIZER_TYPE_ATTRIBUTE_NAME
_GENERIC = (
    "use the new arguments: tokenizer_library ({libraries}), tokenizer_mode (text, sft, "
    "multimodal) and tokenizer_model"
)


def _new_arguments(type_name: str) -> dict[str, str] | None:
    row = TOKENIZER_TYPES.get(type_name)
    if row is None:
        return None
    values = {"tokenizer_library": row.library}
    if row.mode != "text":
        values["tokenizer_mode"] = row.mode
    if row.model_is_type:
        values["tokenizer_model"] = row.name
    return values


def _generic() -> str:
    libraries = ", ".join(sorted({row.library for row in TOKENIZER_TYPES.values()}))
    return _GENERIC.format(libraries=libraries)


def _comparison_suggestion(owner: str, comparison: cst.Comparison) -> str:
    if len(comparison.comparisons) != 1:
        return _generic()
    target = comparison.comparisons[0]
    value = string_value(target.comparator)
    new = _new_arguments(value) if value is not None else None
    if new is None:
        return _generic()
    negated = isinstance(target.operator, (cst.NotEqual, cst.IsNot))
    # a mode check is what tells SFT and multimodal apart; the library decides the rest
    if "tokenizer_mode" in new:
        new = {"tokenizer_mode": new["tokenizer_mode"]}
    operator = "!=" if negated else "=="
    joiner = " or " if negated else " and "
    return joiner.join(f'{owner}.{name} {operator} "{value}"' for name, value in new.items())


def _keyword_suggestion(value: cst.BaseExpression, separator: str, quote_keys: bool) -> str:
    literal = string_value(value)
    new = _new_arguments(literal) if literal is not None else None
    if new is None:
        return _generic()
    if quote_keys:
        return ", ".join(f'"{name}"{separator}"{value}"' for name, value in new.items())
    return ", ".join(f'{name}{separator}"{value}"' for name, value in new.items())


def _report(state: Migration, node: cst.CSTNode, what: str, suggestion: str) -> None:
    if state.facts.foreign or not state.active(TOKENIZER_TYPE_ATTRIBUTE.code, node):
        return
    state.report(
        node, TOKENIZER_TYPE_ATTRIBUTE.code,
        f"{what}: tokenizer_type is deprecated and may be None under the new flags; not "
        "rewritten automatically because that can change what the code does",
        suggestion,
    )


@on_leave(cst.Attribute)
def _attribute(state: Migration, original: cst.Attribute, updated: cst.Attribute):
    if original.attr.value != ATTRIBUTE:
        return updated
    comparison = state.parent()
    owner = code_of(original.value)
    if isinstance(comparison, cst.Comparison) and comparison.left is original:
        suggestion = _comparison_suggestion(owner, comparison)
    else:
        suggestion = _generic()
    _report(state, original, f"{owner}.{ATTRIBUTE}", suggestion)
    return updated


@on_leave(cst.Arg)
def _keyword(state: Migration, original: cst.Arg, updated: cst.Arg):
    if original.keyword is None or original.keyword.value != ATTRIBUTE:
        return updated
    _report(state, original, f"{ATTRIBUTE}=", _keyword_suggestion(original.value, "=", False))
    return updated


@on_leave(cst.DictElement)
def _dict_key(state: Migration, original: cst.DictElement, updated: cst.DictElement):
    if string_value(original.key) != ATTRIBUTE:
        return updated
    _report(state, original, f"{code_of(original.key)}: key",
            _keyword_suggestion(original.value, ": ", True))
    return updated


@on_leave(cst.Call)
def _getattr(state: Migration, original: cst.Call, updated: cst.Call):
    if not (isinstance(original.func, cst.Name) and original.func.value in ("getattr", "setattr",
                                                                              "hasattr")):
        return updated
    if len(original.args) >= 2 and string_value(original.args[1].value) == ATTRIBUTE:
        _report(state, original, f"{original.func.value}(..., {ATTRIBUTE!r})", _generic())
    return updated
