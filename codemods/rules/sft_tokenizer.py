"""MTC003: ``SFTTokenizer(path, fmt)`` becomes the text facade with ``prompt_format``.

SFT became a capability of the text facade: ``library: "huggingface"`` plus ``prompt_format``.
The G2 constructor took exactly ``tokenizer_path`` and ``prompt_format``; both are kept (by
position or keyword, as written). Calls with other arguments, and uses that are not calls
(``isinstance``, subclassing), are reported: no drop-in replacement exists for them. The import is
swapped by the deprecated-alias fixer once every use was rewritten.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.python.syntax import cst, keyword_arg, string_like
from codemods.rules import Example, Rule, legacy_name_needles
from compat.deprecations import LEGACY_LIBRARIES, LEGACY_NAMES, SFT_TOKENIZER, message_for

if TYPE_CHECKING:
    from codemods.python.engine import Context

_PARAMETERS = ("tokenizer_path", "prompt_format")
_SFT_LIBRARY = LEGACY_LIBRARIES["sft"].new
_ENTRY = next(entry for entry in LEGACY_NAMES if entry.rule is SFT_TOKENIZER)

rule = Rule(
    id=SFT_TOKENIZER,
    family="sft-tokenizer",
    summary="`SFTTokenizer(path, fmt)` becomes `MegatronTokenizer.from_pretrained(path, "
    'metadata_path={"library": "huggingface"}, prompt_format=fmt)`, each argument kept by '
    "position or keyword.",
    rationale="SFT is no longer a library but a capability of every text tokenizer, switched on "
    "by `prompt_format`; the `SFTTokenizer` class is gone from the new design.",
    manual="Subclasses, `isinstance` checks and calls with other arguments have no drop-in "
    "replacement and are reported: build the tokenizer with `from_pretrained(..., "
    "prompt_format=...)` and test `tokenizer._prompt_config is not None` for SFT mode.",
    examples=(
        Example(
            "from megatron.core.tokenizers.text.libraries.sft_tokenizer import SFTTokenizer\n"
            "\n"
            'tokenizer = SFTTokenizer("my_hf_dir", prompt_format="nemotron-nano-v2")\n',
            "from megatron.core.tokenizers import MegatronTokenizer\n"
            "\n"
            'tokenizer = MegatronTokenizer.from_pretrained("my_hf_dir", metadata_path={"library": '
            '"huggingface"}, prompt_format="nemotron-nano-v2")\n',
        ),
        Example(
            "from megatron.core.tokenizers.text.libraries import SFTTokenizer\n"
            "\n"
            "class MySFT(SFTTokenizer):\n"
            "    pass\n",
            None,
        ),
    ),
    needles=legacy_name_needles(SFT_TOKENIZER),
)


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


@rule.prescan("Call")
def _mark_rewritable(ctx: Context, call: cst.Call) -> None:
    if ctx.target_keeps(_ENTRY.on_main):
        return  # Megatron-LM main still has SFTTokenizer
    if ctx.own_legacy(call.func) and ctx.allowed(call) and _split_arguments(call) is not None:
        ctx.prescan.rewritten_calls.update({id(call), id(call.func)})


@rule.leave("Call")
def _rewrite_construction(ctx: Context, original: cst.Call, updated: cst.Call) -> cst.Call:
    if id(original) not in ctx.prescan.rewritten_calls:
        if ctx.own_legacy(original.func) and not ctx.target_keeps(_ENTRY.on_main):
            ctx.report(
                original,
                "SFTTokenizer call with arguments other than (tokenizer_path, "
                "prompt_format) cannot be rewritten",
                _ENTRY.note,
            )
        return updated
    arguments = _split_arguments(updated)
    assert arguments is not None and _ENTRY.new_module and _ENTRY.new_name
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
    func = cst.Attribute(value=cst.Name(_ENTRY.new_name), attr=cst.Name("from_pretrained"))
    # the legacy import becomes this one only when every use of it was rewritten
    ctx.add_import(ctx.target(_ENTRY.new_module), _ENTRY.new_name)
    if isinstance(original.func, cst.Attribute):
        ctx.prune_legacy_module_imports()
    ctx.fixed(
        original, message_for(SFT_TOKENIZER, "SFTTokenizer(path, prompt_format)", _ENTRY.note)
    )
    return updated.with_changes(func=func, args=args)


@rule.leave("Name", "Attribute")
def _report_other_uses(
    ctx: Context, original: cst.Name | cst.Attribute, updated: cst.Name | cst.Attribute
) -> cst.Name | cst.Attribute:
    """``isinstance(t, SFTTokenizer)``, ``class MySFT(SFTTokenizer)``: no drop-in replacement."""
    if (
        not ctx.is_reference(original)
        or id(original) in ctx.prescan.rewritten_calls
        or ctx.target_keeps(_ENTRY.on_main)
    ):
        return updated
    if ctx.own_legacy(original) is None:
        return updated
    call = ctx.parent()
    if isinstance(call, cst.Call) and call.func is original:
        return updated  # a call: reported above, with its arguments
    ctx.report(
        original,
        f"{_ENTRY.legacy_name} is gone (SFT is the prompt_format capability of "
        "the text facade); only SFTTokenizer(path, prompt_format) calls are rewritten",
        _ENTRY.note,
    )
    return updated
