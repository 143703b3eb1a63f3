"""Where tokenizer metadata appears in Python, for the metadata rules (MTC101-MTC103).

Only literals are rewritten: the dict passed as ``from_pretrained(..., metadata_path={...})``
(matched only with that argument, which no other library's ``from_pretrained`` takes) and the
arguments of ``write_metadata(...)``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from codemods.python.syntax import call_name, cst, keyword_arg, string_value, with_final_comma

if TYPE_CHECKING:
    from codemods.core import Options
    from codemods.python.engine import Context
    from codemods.python.probe import RegionFacts
    from codemods.rules import Probe

# G1-G3 signature; MAIN dropped ``model_type`` so its third positional slot means something else
WRITE_METADATA_PARAMETERS = (
    "tokenizer_path",
    "tokenizer_library",
    "model_type",
    "tokenizer_class",
    "chat_template",
    "overwrite",
    "metadata_path",
)


def metadata_probe(key: str, values: Collection[str] | None = None) -> Probe:
    """The probe of a metadata rule acting on ``key`` (with a string literal among ``values``,
    when given): a ``write_metadata`` call, or a ``from_pretrained`` call beside a dict literal
    holding it (the words ``metadata_path`` and ``from_pretrained`` alone are everywhere in code
    that loads tokenizers)."""

    def holds_site(facts: RegionFacts, options: Options) -> bool:
        called = {name for name, _ in facts.calls}
        if "write_metadata" in called:
            return True
        if "from_pretrained" not in called:
            return False
        if values is None:
            return key in facts.dict_keys
        return any(name == key and value in values for name, value in facts.named_strings)

    return holds_site


def _keywords(call: cst.Call) -> set[str]:
    return {arg.keyword.value for arg in call.args if arg.keyword is not None}


def metadata_call(ctx: Context, node: cst.Dict) -> cst.Call | None:
    """The ``from_pretrained`` call whose metadata ``node`` is, if it is one."""
    arg, call = ctx.parent(), ctx.parent(2)
    if not (
        isinstance(arg, cst.Arg)
        and isinstance(call, cst.Call)
        and call_name(call) == "from_pretrained"
    ):
        return None
    if arg.keyword is not None:
        return call if arg.keyword.value == "metadata_path" else None
    positional = not arg.star and call.args.index(arg) == 1
    return call if positional and "prompt_format" in _keywords(call) else None


def takes_prompt_format(call: cst.Call) -> bool:
    return "prompt_format" in _keywords(call) or any(arg.star == "**" for arg in call.args)


def dict_entries(node: cst.Dict) -> dict[str, int]:
    """Index of each element of ``node`` by literal string key."""
    return {
        key: index
        for index, element in enumerate(node.elements)
        if isinstance(element, cst.DictElement) and (key := string_value(element.key)) is not None
    }


def is_write_metadata(call: cst.Call) -> bool:
    return call_name(call) == "write_metadata" and not any(arg.star for arg in call.args)


def parameter_names(call: cst.Call) -> list[str | None]:
    """The parameter each argument of a ``write_metadata`` call binds to (G1-G3 signature)."""
    names: list[str | None] = []
    positional = 0
    for arg in call.args:
        if arg.keyword is not None:
            names.append(arg.keyword.value)
            continue
        names.append(
            WRITE_METADATA_PARAMETERS[positional]
            if positional < len(WRITE_METADATA_PARAMETERS)
            else None
        )
        positional += 1
    return names


def without_argument(call: cst.Call, parameter: str) -> list[cst.Arg] | None:
    """The arguments without ``parameter``'s; positional ones after it become keywords (their
    slots moved). None when the call does not pass it."""
    names = parameter_names(call)
    if parameter not in names:
        return None
    dropped = names.index(parameter)
    args = [
        keyword_arg(name, arg.value, like=arg)
        if index > dropped
        and arg.keyword is None
        and name is not None
        and call.args[dropped].keyword is None
        else arg
        for index, (arg, name) in enumerate(zip(call.args, names))
        if index != dropped
    ]
    return with_final_comma(args, call.args)
