"""MTC004: the ``MegatronTokenizerChatTemplate`` mixin, merged into the abstract base.

The deprecated-alias fixer renames the mixin to ``MegatronTokenizerTextAbstract``; this rule
keeps the class hierarchy valid: beside a tokenizer library base (which already inherits the
abstract base) the mixin is dropped, otherwise the abstract base goes last (MRO-safe).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.python.syntax import cst, full_name
from codemods.rules import Example, Rule, legacy_name_needles
from compat.deprecations import CHAT_TEMPLATE_MIXIN, LEGACY_NAMES

if TYPE_CHECKING:
    from codemods.python.engine import Context

_MIXIN = next(entry for entry in LEGACY_NAMES if entry.rule is CHAT_TEMPLATE_MIXIN)

rule = Rule(
    id=CHAT_TEMPLATE_MIXIN,
    family="deprecated-names",
    summary="A `MegatronTokenizerChatTemplate` base is dropped beside a tokenizer library base, "
    "else replaced by `MegatronTokenizerTextAbstract` placed last; its imports follow.",
    rationale="The mixin's `apply_chat_template` moved into the abstract base every library "
    "inherits, and the mixin's module is gone.",
    manual="Nothing is left by hand.",
    examples=(
        Example(
            "from megatron.core.tokenizers.text.libraries.chat_template import "
            "MegatronTokenizerChatTemplate\n"
            "\n"
            "class MyLibrary(MegatronTokenizerChatTemplate):\n"
            "    pass\n",
            "from megatron.core.tokenizers.text.libraries.abstract_tokenizer import "
            "MegatronTokenizerTextAbstract\n"
            "\n"
            "class MyLibrary(MegatronTokenizerTextAbstract):\n"
            "    pass\n",
        ),
    ),
    needles=legacy_name_needles(CHAT_TEMPLATE_MIXIN),
    carried_out_by="deprecated-alias",
)


def _mixin_bases(ctx: Context, classdef: cst.ClassDef) -> tuple[list[int], bool]:
    """Positions of the mixin among the bases, and whether it is dropped (redundant)."""
    if ctx.target_keeps(_MIXIN.on_main):
        return [], False
    positions = [
        index
        for index, base in enumerate(classdef.bases)
        if base.keyword is None
        and ctx.own_legacy(base.value) is not None
        and ctx.allowed(base)
        and _MIXIN.legacy_name not in ctx.prescan.blocked_bindings
    ]
    if not positions or len(classdef.bases) < 2:
        return positions, False
    mixin_name = full_name(classdef.bases[positions[0]].value)
    others = [base for index, base in enumerate(classdef.bases) if index not in positions]
    redundant = any(
        (name := full_name(base.value) or "").rsplit(".", 1)[-1].endswith("Tokenizer")
        or name == mixin_name
        for base in others
    )
    return positions, redundant


@rule.prescan("ClassDef")
def _mark_dropped_mixins(ctx: Context, node: cst.ClassDef) -> None:
    positions, redundant = _mixin_bases(ctx, node)
    if not redundant:
        return
    for index in positions:
        base = node.bases[index].value
        ctx.prescan.dropped_bases.add(id(node.bases[index]))
        if isinstance(base, cst.Name):
            ctx.prescan.dropped_references[base.value] += 1


@rule.leave("ClassDef")
def _place_mixin(ctx: Context, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
    positions, redundant = _mixin_bases(ctx, original)
    if not positions or len(updated.bases) < 2:
        return updated
    bases = list(updated.bases)
    others = [base for index, base in enumerate(bases) if index not in positions]
    bases = others if redundant else [*others, bases[positions[0]]]
    if bases == list(updated.bases):
        return updated
    if redundant and isinstance(original.bases[positions[0]].value, cst.Attribute):
        # reached through a module attribute: the import added for it is not needed
        assert _MIXIN.new_module is not None and _MIXIN.new_name is not None
        ctx.remove_unused_import(ctx.target(_MIXIN.new_module), _MIXIN.new_name)
    bases[-1] = bases[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return updated.with_changes(bases=bases)
