"""``SFTTokenizer(path, fmt)`` → ``MegatronTokenizer.from_pretrained(...)`` (MTC003).

SFT became a capability of the text facade: ``library: "huggingface"`` plus ``prompt_format``.
The G2 constructor took exactly ``tokenizer_path`` and ``prompt_format``; both are kept (by
position or keyword, as written). Calls with other arguments, and uses that are not calls
(``isinstance``, subclassing), are reported: no drop-in replacement exists for them.
"""

from __future__ import annotations

import libcst as cst

from codemods.python.base import Migration, keyword_arg, on_leave, on_prescan, string_like
from compat.deprecations import LEGACY_LIBRARIES, LEGACY_NAMES, SFT_TOKENIZER, message_for

_PARAMETERS = ("tokenizer_path", "prompt_format")
_SFT_LIBRARY = LEGACY_LIBRARIES["sft"].new
_SFT_NOTE = next(entry.note for entry in LEGACY_NAMES if entry.rule is SFT_TOKENIZER)


def _split_arguments(call: cst.Call) -> dict[str, cst.Arg] | None:
    """The call's arguments by parameter name, or None when it is not a plain G2 call."""
    by_name: dict[str, cst.Arg] = {}
    for index, arg in enumerate(call.args):
        if arg.star:
            return None
        if arg.keyword is None:
            if index >= len(_PARAMETERS):
                return None
            by_name[_PARAMETERS[index]] = arg
        elif arg.keyword.value in _PARAMETERS and arg.keyword.value not in by_name:
            by_name[arg.keyword.value] = arg
        else:
            return None
    return by_name if set(by_name) == set(_PARAMETERS) else None


def _is_sft(state: Migration, func: cst.BaseExpression) -> bool:
    entry = state.legacy(func)
    return entry is not None and entry.rule is SFT_TOKENIZER


@on_prescan(cst.Call)
def _mark_rewritable(state: Migration, call: cst.Call) -> None:
    if not _is_sft(state, call.func) or not state.active(SFT_TOKENIZER.code, call):
        return
    if _split_arguments(call) is not None:
        state.prescan.rewritten_calls.update({id(call), id(call.func)})


@on_leave(cst.Call)
def _rewrite_construction(state: Migration, original: cst.Call, updated: cst.Call):
    if id(original) not in state.prescan.rewritten_calls:
        if _is_sft(state, original.func) and state.active(SFT_TOKENIZER.code, original):
            state.report(
                original, SFT_TOKENIZER.code,
                "SFTTokenizer call with arguments other than (tokenizer_path, prompt_format) "
                "cannot be rewritten",
                _SFT_NOTE,
            )
        return updated
    arguments = _split_arguments(updated)
    assert arguments is not None
    entry = state.legacy(original.func)
    assert entry is not None and entry.new_module is not None and entry.new_name is not None
    path_arg = arguments["tokenizer_path"]
    format_arg = arguments["prompt_format"]
    metadata = cst.Dict(
        [cst.DictElement(string_like(None, "library"), string_like(None, _SFT_LIBRARY))]
    )
    args = [
        path_arg,
        keyword_arg("metadata_path", metadata, like=path_arg),
        keyword_arg("prompt_format", format_arg.value, like=format_arg),
    ]
    if path_arg is updated.args[-1]:
        # the path came last (keywords swapped): keep the original closing layout on the last arg
        args[0] = path_arg.with_changes(comma=format_arg.comma)
        args[-1] = args[-1].with_changes(comma=path_arg.comma)
    func = cst.Attribute(value=cst.Name(entry.new_name), attr=cst.Name("from_pretrained"))
    if isinstance(original.func, cst.Attribute):
        # reached through a module attribute: the import of the class is added at the top
        state.add_import(state.target(entry.new_module), entry.new_name)
        state.pruning_requested = True
    state.report(
        original, SFT_TOKENIZER.code,
        message_for(SFT_TOKENIZER, "SFTTokenizer(path, prompt_format)", entry.note), fixed=True,
    )
    return updated.with_changes(func=func, args=args)

