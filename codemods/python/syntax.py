"""libcst, loaded on first use, and the small CST builders the Python rules share.

The rule modules define their handlers at import time, and the registry is read for every run
(``--list-rules``, the prefilter), most of which parse no Python: ``cst`` here is libcst behind
importlib's lazy loader, so it costs nothing until a handler runs.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING


def _lazy(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None, f"{name} is a dependency"
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


if TYPE_CHECKING:
    import libcst as cst
else:
    cst = _lazy("libcst")

__all__ = [
    "call_name",
    "code_of",
    "cst",
    "dedupe_by_name",
    "full_name",
    "keyword_arg",
    "plus_one",
    "string_like",
    "string_value",
    "with_final_comma",
]


def full_name(node: cst.CSTNode) -> str | None:
    """``a.b.c`` for a Name/Attribute chain (libcst's helper), else None."""
    return cst.helpers.get_full_name_for_node(node)


def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain (non-f, non-bytes) string literal, else None."""
    if (
        isinstance(node, cst.SimpleString)
        and "b" not in node.prefix.lower()
        or isinstance(node, cst.ConcatenatedString)
    ):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def string_like(template: cst.BaseExpression | None, value: str) -> cst.SimpleString:
    """A string literal for ``value`` in the quote style of ``template``."""
    quote = '"'
    if isinstance(template, cst.SimpleString) and len(template.quote) == 1:
        quote = template.quote
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return cst.SimpleString(f"{quote}{escaped}{quote}")


def keyword_arg(name: str, value: cst.BaseExpression, like: cst.Arg | None = None) -> cst.Arg:
    """``name=value``, with the comma of ``like`` (the argument it replaces)."""
    comma = like.comma if like is not None else cst.MaybeSentinel.DEFAULT
    equal = cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    )
    return cst.Arg(value=value, keyword=cst.Name(name), equal=equal, comma=comma)


def with_final_comma(args: list[cst.Arg], original: Sequence[cst.Arg]) -> list[cst.Arg]:
    """Give the new last argument the original last argument's comma (trailing comma, layout)."""
    if not args or not original:
        return args
    return [*args[:-1], args[-1].with_changes(comma=original[-1].comma)]


def plus_one(value: cst.BaseExpression) -> cst.BaseExpression:
    """``value + 1``: an integer literal counted up, anything else added to."""
    if isinstance(value, cst.Integer) and value.value.isdigit():
        return value.with_changes(value=str(int(value.value) + 1))
    atomic = isinstance(value, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer))
    left = value if atomic else value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.BinaryOperation(left=left, operator=cst.Add(), right=cst.Integer("1"))


def call_name(call: cst.Call) -> str | None:
    """``f`` for ``f(...)`` and ``x.y.f(...)``."""
    func = call.func
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def code_of(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def dedupe_by_name(items: list[cst.Arg] | list[cst.Element]) -> list[cst.Arg] | list[cst.Element]:
    """Drop the later of two items naming the same class (renames can make ``A, B`` into
    ``C, C``), giving the new last item the comma the old last one had."""
    seen: set[str] = set()
    unique = []
    for item in items:
        keyword = getattr(item, "keyword", None)
        name = full_name(item.value) if keyword is None else None
        if name is not None and name in seen:
            continue
        if name is not None:
            seen.add(name)
        unique.append(item)
    if len(unique) != len(items):
        unique[-1] = unique[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return unique  # type: ignore[return-value]
