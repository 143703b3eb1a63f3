"""Deprecated aliases (MTC001, MTC002, MTC004, MTC005, MTC006), fed from ``LEGACY_NAMES``.

The Fixit ``deprecated_alias`` shape: an import of a legacy name is replaced in place by an import
of its replacement (``as`` aliases kept), every reference resolved to the legacy name through
``QualifiedNameProvider`` is renamed, module-attribute accesses (``models.GPTTokenizer``) become the
new name with ``AddImportsVisitor``, and module imports left unused go through
``RemoveImportsVisitor``. Removed constants have no drop-in replacement: they are reported.
``SFTTokenizer`` imports are swapped here too, once :mod:`codemods.python.sft` has rewritten
every use.
"""

from __future__ import annotations

import libcst as cst
from libcst.helpers import get_full_name_for_node

from codemods.python.base import Migration, on_leave, on_prescan
from compat.deprecations import (
    CHAT_TEMPLATE_MIXIN,
    LEGACY_BY_QUALNAME,
    LEGACY_MODULES,
    LEGACY_NAMES,
    MODEL_WRAPPER,
    MOVED_MODULE,
    REMOVED_CONSTANT,
    SFT_TOKENIZER,
    VISION_WRAPPER,
    LegacyName,
    legacy_names_in,
    message_for,
)

_MIXIN = next(entry for entry in LEGACY_NAMES if entry.rule is CHAT_TEMPLATE_MIXIN)

RENAMED_RULES = frozenset(
    {MODEL_WRAPPER.code, VISION_WRAPPER.code, CHAT_TEMPLATE_MIXIN.code, MOVED_MODULE.code}
)


def is_renamed(entry: LegacyName) -> bool:
    return entry.rule.code in RENAMED_RULES and entry.new_module is not None


def _is_reference(state: Migration, node: cst.CSTNode) -> bool:
    return id(node) not in state.prescan.not_references


# --- prescan: which bindings can be rewritten everywhere ------------------------------------

@on_prescan(cst.Name, cst.Attribute)
def _classify_use(state: Migration, node: cst.CSTNode) -> None:
    if not _is_reference(state, node):
        return
    entry = state.legacy(node)
    if entry is None or not isinstance(node, cst.Name):
        return
    state.prescan.reference_counts[node.value] += 1
    if is_renamed(entry):
        # an aliased use keeps its local name; a suppressed one keeps the legacy import
        if node.value == entry.legacy_name and not state.active(entry.rule.code, node):
            state.prescan.blocked_bindings.setdefault(node.value, state.start(node)[0])
    elif entry.rule is SFT_TOKENIZER:
        if id(node) not in state.prescan.rewritten_calls:
            state.prescan.blocked_bindings.setdefault(node.value, state.start(node)[0])
    else:
        state.prescan.blocked_bindings.setdefault(node.value, state.start(node)[0])


@on_prescan(cst.ImportFrom)
def _existing_imports(state: Migration, node: cst.ImportFrom) -> None:
    if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
        return
    module = get_full_name_for_node(node.module)
    for alias in node.names:
        asname = alias.asname.name.value if alias.asname is not None else None
        state.prescan.existing_imports.add((module, alias.name.value, asname))


# --- references ------------------------------------------------------------------------------

@on_leave(cst.Name)
def _rename_reference(state: Migration, original: cst.Name, updated: cst.Name):
    if not _is_reference(state, original):
        return updated
    entry = state.legacy(original)
    if entry is None or not is_renamed(entry) or original.value != entry.legacy_name:
        return updated
    if not state.active(entry.rule.code, original):
        return updated
    blocked_at = state.prescan.blocked_bindings.get(original.value)
    if blocked_at is not None:
        state.report(
            original, entry.rule.code,
            f"{entry.legacy_name} not rewritten: another use of it is suppressed or cannot be "
            "migrated, so the legacy import stays",
            f"use {entry.new_name} from {state.target(entry.new_module)} (the use that keeps the "
            f"import: line {blocked_at})",
        )
        return updated
    state.report(
        original, entry.rule.code,
        message_for(entry.rule, entry.legacy_name, entry.replacement), fixed=True,
    )
    return updated.with_changes(value=entry.new_name)


@on_leave(cst.Attribute)
def _rename_module_attribute(state: Migration, original: cst.Attribute, updated: cst.Attribute):
    if not _is_reference(state, original):
        return updated
    entry = state.legacy(original)
    if entry is None:
        return updated
    if not state.active(entry.rule.code, original):
        return updated
    if not is_renamed(entry):
        if entry.rule is not SFT_TOKENIZER or id(original) not in state.prescan.rewritten_calls:
            _report_unmigratable(state, original, entry)
        return updated
    module = state.target(entry.new_module)
    state.add_import(module, entry.new_name)
    state.pruning_requested = True
    state.report(
        original, entry.rule.code,
        message_for(entry.rule, entry.legacy_qualname, entry.replacement), fixed=True,
    )
    return cst.Name(entry.new_name)


def _report_unmigratable(state: Migration, node: cst.CSTNode, entry: LegacyName) -> None:
    call = state.parent()
    if entry.rule is SFT_TOKENIZER and isinstance(call, cst.Call) and call.func is node:
        return  # an SFTTokenizer(...) call: codemods.python.sft reports it, with its arguments
    if entry.rule is REMOVED_CONSTANT:
        state.report(
            node, entry.rule.code,
            f"{entry.legacy_qualname} was removed",
            entry.note or entry.replacement,
        )
    elif entry.rule is SFT_TOKENIZER:
        state.report(
            node, entry.rule.code,
            f"{entry.legacy_name} is gone (SFT is the prompt_format capability of the text "
            "facade); only SFTTokenizer(path, prompt_format) calls are rewritten",
            entry.note,
        )


@on_leave(cst.Name)
def _report_unmigratable_name(state: Migration, original: cst.Name, updated: cst.Name):
    if not _is_reference(state, original):
        return updated
    entry = state.legacy(original)
    if entry is None or is_renamed(entry) or not state.active(entry.rule.code, original):
        return updated
    if entry.rule is SFT_TOKENIZER and id(original) in state.prescan.rewritten_calls:
        return updated
    if entry.rule is REMOVED_CONSTANT:
        # reported once, at its import
        return updated
    _report_unmigratable(state, original, entry)
    return updated


# --- imports ---------------------------------------------------------------------------------

def _alias_import_line(module: str, names: list[tuple[str, str | None]]) -> cst.SimpleStatementLine:
    aliases = [
        cst.ImportAlias(
            name=cst.Name(name),
            asname=cst.AsName(name=cst.Name(asname)) if asname else None,
        )
        for name, asname in names
    ]
    module_node = cst.parse_expression(module)
    assert isinstance(module_node, (cst.Name, cst.Attribute))
    return cst.SimpleStatementLine(body=[cst.ImportFrom(module=module_node, names=aliases)])


@on_leave(cst.SimpleStatementLine)
def _rewrite_import_line(
    state: Migration, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
):
    if len(updated.body) != 1:
        return updated
    statement = updated.body[0]
    original_statement = original.body[0]
    if isinstance(statement, cst.Import):
        _offer_module_imports_for_pruning(state, statement)
        return updated
    if not isinstance(statement, cst.ImportFrom) or statement.relative or statement.module is None:
        return updated
    module = get_full_name_for_node(statement.module)
    if isinstance(statement.names, cst.ImportStar):
        entries = legacy_names_in(module)
        if entries:
            rule = next(iter(entries.values())).rule
            if state.active(rule.code, original):
                state.report(
                    original, rule.code,
                    f"`from {module} import *` brings in legacy names; import the names you use "
                    "explicitly and run the migration again",
                )
        return updated

    kept: list[cst.ImportAlias] = []
    moved: dict[str, list[tuple[str, str | None]]] = {}
    original_aliases = {alias.name.value: alias for alias in original_statement.names}
    for alias in statement.names:
        name = alias.name.value if isinstance(alias.name, cst.Name) else None
        entry = LEGACY_BY_QUALNAME.get(f"{module}.{name}") if name else None
        asname = alias.asname.name.value if alias.asname is not None else None
        if f"{module}.{name}" in LEGACY_MODULES:
            state.module_imports_to_prune.append((module, name, asname))
        if entry is None or not state.active(entry.rule.code, original_aliases[name]):
            kept.append(alias)
            continue
        local = asname or name
        if not is_renamed(entry) and entry.rule is not SFT_TOKENIZER:
            kept.append(alias)
            _report_unmigratable(state, original_aliases[name], entry)
            continue
        if local in state.prescan.blocked_bindings:
            kept.append(alias)
            continue
        dropped = state.prescan.dropped_references.get(local, 0)
        if dropped and dropped == state.prescan.reference_counts.get(local):
            # every use was a redundant base class: the import goes too
            state.report(original_aliases[name], entry.rule.code,
                         message_for(entry.rule, entry.legacy_qualname, entry.replacement),
                         fixed=True)
            continue
        if is_renamed(entry):
            new_asname = asname if asname and asname != entry.new_name else None
            moved.setdefault(state.target(entry.new_module), []).append(
                (entry.new_name, new_asname)
            )
        else:
            moved.setdefault(state.target(entry.new_module), []).append((entry.new_name, None))
        state.report(
            original_aliases[name], entry.rule.code,
            message_for(entry.rule, entry.legacy_qualname,
                        f"{state.target(entry.new_module)}.{entry.new_name}"),
            fixed=True,
        )
    if not moved and len(kept) == len(statement.names):
        return updated

    lines: list[cst.SimpleStatementLine] = []
    if kept:
        last = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        names = [*kept[:-1], last]
        lines.append(updated.with_changes(body=[statement.with_changes(names=names)]))
    for new_module, names in moved.items():
        unique = [
            pair for pair in dict.fromkeys(names)
            if (new_module, pair[0], pair[1]) not in state.prescan.existing_imports
        ]
        if unique:
            lines.append(_alias_import_line(new_module, unique))
    if not lines:
        if isinstance(state.parent(), cst.Module) or not moved:
            return cst.RemoveFromParent()
        lines.append(_alias_import_line(*next(iter(moved.items()))))
    first = lines[0].with_changes(leading_lines=original.leading_lines)
    lines[0] = first
    if kept:
        return cst.FlattenSentinel(lines)
    # the replacement import keeps the original line's trailing comment
    lines[0] = first.with_changes(trailing_whitespace=original.trailing_whitespace)
    return cst.FlattenSentinel(lines) if len(lines) > 1 else lines[0]


def _offer_module_imports_for_pruning(state: Migration, statement: cst.Import) -> None:
    for alias in statement.names:
        name = get_full_name_for_node(alias.name)
        if name in LEGACY_MODULES:
            asname = alias.asname.name.value if alias.asname is not None else None
            state.module_imports_to_prune.append((name, None, asname))


def schedule_pruning(state: Migration) -> None:
    """Offer the legacy module imports to RemoveImportsVisitor (it removes only unused ones)."""
    if not state.pruning_requested:
        return
    for module, obj, asname in state.module_imports_to_prune:
        state.remove_unused_import(module, obj, asname)


# --- class bases -----------------------------------------------------------------------------

def _redundant_mixin_bases(state: Migration, classdef: cst.ClassDef) -> tuple[list[int], bool]:
    """Positions of the chat-template mixin among the bases, and whether it is dropped.

    The mixin's methods live in the abstract base now; a tokenizer library base already inherits
    it, so the mixin is dropped; otherwise the abstract base goes last (MRO-safe).
    """
    positions = [
        index for index, base in enumerate(classdef.bases)
        if base.keyword is None
        and (entry := state.legacy(base.value)) is not None
        and entry.rule is CHAT_TEMPLATE_MIXIN
        and state.active(entry.rule.code, base)
        and entry.legacy_name not in state.prescan.blocked_bindings
    ]
    if not positions or len(classdef.bases) < 2:
        return positions, False
    mixin_name = get_full_name_for_node(classdef.bases[positions[0]].value)
    others = [base for index, base in enumerate(classdef.bases) if index not in positions]
    redundant = any(
        (name := get_full_name_for_node(base.value) or "").rsplit(".", 1)[-1].endswith("Tokenizer")
        or name == mixin_name
        for base in others
    )
    return positions, redundant


@on_prescan(cst.ClassDef)
def _mark_dropped_mixins(state: Migration, node: cst.ClassDef) -> None:
    positions, redundant = _redundant_mixin_bases(state, node)
    if not redundant:
        return
    for index in positions:
        base = node.bases[index].value
        state.prescan.dropped_bases.add(id(node.bases[index]))
        if isinstance(base, cst.Name):
            state.prescan.dropped_references[base.value] += 1


@on_leave(cst.ClassDef)
def _fix_bases(state: Migration, original: cst.ClassDef, updated: cst.ClassDef):
    """Renamed bases may repeat (``GPTTokenizer, BertTokenizer``) or break the MRO (the mixin)."""
    positions, redundant = _redundant_mixin_bases(state, original)
    bases = list(updated.bases)
    if positions and len(bases) > 1:
        others = [base for index, base in enumerate(bases) if index not in positions]
        bases = others if redundant else [*others, bases[positions[0]]]
        if redundant and isinstance(original.bases[positions[0]].value, cst.Attribute):
            # reached through a module attribute: the import added for it is not needed
            state.remove_unused_import(state.target(_MIXIN.new_module), _MIXIN.new_name)
    seen: set[str] = set()
    unique = []
    for base in bases:
        name = get_full_name_for_node(base.value) if base.keyword is None else None
        if name is not None and name in seen:
            continue
        if name is not None:
            seen.add(name)
        unique.append(base)
    if unique == list(updated.bases):
        return updated
    unique[-1] = unique[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return updated.with_changes(bases=unique)


@on_leave(cst.Call)
def _dedupe_isinstance_tuple(state: Migration, original: cst.Call, updated: cst.Call):
    """``isinstance(t, (GPTTokenizer, BertTokenizer))`` names one class twice after renaming."""
    if not isinstance(updated.func, cst.Name) or updated.func.value not in ("isinstance",
                                                                             "issubclass"):
        return updated
    if len(updated.args) != 2 or not isinstance(updated.args[1].value, cst.Tuple):
        return updated
    tuple_node = updated.args[1].value
    seen: set[str] = set()
    elements = []
    for element in tuple_node.elements:
        name = get_full_name_for_node(element.value)
        if name is not None and name in seen:
            continue
        if name is not None:
            seen.add(name)
        elements.append(element)
    if len(elements) == len(tuple_node.elements):
        return updated
    if len(elements) == 1:
        new_value = elements[0].value
    else:
        elements[-1] = elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        new_value = tuple_node.with_changes(elements=elements)
    args = [updated.args[0], updated.args[1].with_changes(value=new_value)]
    return updated.with_changes(args=args)
