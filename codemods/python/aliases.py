"""The deprecated-alias fixer: legacy names of ``compat.deprecations.LEGACY_NAMES`` (Fixit's shape).

One table, one fixer, each site checked under its own rule's code: an import of a legacy name is
replaced in place by an import of its replacement (``as`` aliases kept), every reference resolved
to it is renamed, module-attribute accesses (``models.GPTTokenizer``) become the new name with
``AddImportsVisitor``, and module imports left unused go through ``RemoveImportsVisitor``. Names
whose uses a rule rewrites (``SFTTokenizer`` calls) have their import replaced once every use
was rewritten; names with no drop-in replacement are reported. A binding keeps its legacy import
while any of its uses stays legacy (suppressed, or not rewritable).
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING, Literal, TypeAlias

from codemods.python.syntax import cst, dedupe_by_name, full_name
from codemods.rules import Fixer
from compat.deprecations import (
    LEGACY_BY_QUALNAME,
    LEGACY_MODULES,
    LEGACY_NAMES,
    MOVED_MODULE,
    LegacyName,
    compat_path,
    legacy_names_in,
    message_for,
)

if TYPE_CHECKING:
    from codemods.python.engine import Context, Migration

ImportLine: TypeAlias = (
    "cst.SimpleStatementLine | cst.FlattenSentinel[cst.SimpleStatementLine] | cst.RemovalSentinel"
)
fixer = Fixer(name="deprecated-alias", codes=frozenset(entry.rule.code for entry in LEGACY_NAMES))


def _binding_stays_legacy(ctx: Context, node: cst.Name, entry: LegacyName) -> bool:
    """Whether this use keeps the legacy import of its local name."""
    if ctx.target_keeps(entry.on_main):
        return True
    if entry.migration == "rename":
        # an aliased use keeps its local name; a suppressed one keeps the legacy import
        return node.value == entry.legacy_name and not ctx.allowed(node, entry.rule.code)
    if entry.migration == "rewrite-uses":
        return id(node) not in ctx.prescan.rewritten_calls
    return True


@fixer.prescan("Name")
def _classify_use(ctx: Context, node: cst.Name) -> None:
    if not ctx.is_reference(node):
        return
    entry = ctx.legacy(node)
    if entry is None:
        return
    ctx.prescan.reference_counts[node.value] += 1
    if _binding_stays_legacy(ctx, node, entry):
        ctx.prescan.blocked_bindings.setdefault(node.value, ctx.start_line(node))


@fixer.prescan("ImportFrom")
def _existing_imports(ctx: Context, node: cst.ImportFrom) -> None:
    if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
        return
    module = full_name(node.module)
    assert module is not None
    for alias in node.names:
        if isinstance(alias.name, cst.Name):
            ctx.prescan.existing_imports.add((module, alias.name.value, _asname(alias)))


# --- references ------------------------------------------------------------------------------


@fixer.leave("Name")
def _rename_reference(ctx: Context, original: cst.Name, updated: cst.Name) -> cst.Name:
    entry = ctx.legacy(original) if ctx.is_reference(original) else None
    if (
        entry is None
        or entry.migration != "rename"
        or original.value != entry.legacy_name
        or ctx.target_keeps(entry.on_main)
    ):
        return updated
    code = entry.rule.code
    if not ctx.allowed(original, code):
        return updated
    blocked_at = ctx.prescan.blocked_bindings.get(original.value)
    if blocked_at is not None:
        assert entry.new_module is not None
        ctx.report(
            original,
            f"{entry.legacy_name} not rewritten: another use of it is suppressed or cannot be "
            "migrated, so the legacy import stays",
            f"use {entry.new_name} from {ctx.target(entry.new_module)} (the use that keeps the "
            f"import: line {blocked_at})",
            code=code,
        )
        return updated
    ctx.fixed(
        original, message_for(entry.rule, entry.legacy_name, _replacement(ctx, entry)), code=code
    )
    assert entry.new_name is not None
    return updated.with_changes(value=entry.new_name)


@fixer.leave("Attribute")
def _rename_module_attribute(
    ctx: Context, original: cst.Attribute, updated: cst.Attribute
) -> cst.BaseExpression:
    entry = ctx.legacy(original) if ctx.is_reference(original) else None
    if (
        entry is None
        or ctx.target_keeps(entry.on_main)
        or not ctx.allowed(original, entry.rule.code)
    ):
        return updated
    if entry.migration == "report":
        ctx.report(
            original,
            f"{entry.legacy_qualname} was removed",
            entry.note or entry.replacement,
            code=entry.rule.code,
        )
    if entry.migration != "rename":
        return updated
    assert entry.new_module is not None and entry.new_name is not None
    ctx.add_import(ctx.target(entry.new_module), entry.new_name)
    ctx.prune_legacy_module_imports()
    ctx.fixed(
        original,
        message_for(entry.rule, entry.legacy_qualname, _replacement(ctx, entry)),
        code=entry.rule.code,
    )
    return cst.Name(entry.new_name)


def _replacement(ctx: Context, entry: LegacyName) -> str:
    """The replacement, spelled for the file's target (``compat.tokenizers...``)."""
    if entry.new_module is None or entry.new_name is None:
        return entry.replacement
    return f"{ctx.target(entry.new_module)}.{entry.new_name}"


# --- renames that meet: the same class named twice ------------------------------------------


@fixer.leave("ClassDef")
def _dedupe_bases(ctx: Context, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
    """``class A(GPTTokenizer, BertTokenizer)`` names one class twice after renaming."""
    bases = dedupe_by_name(list(updated.bases))
    return updated if len(bases) == len(updated.bases) else updated.with_changes(bases=bases)


@fixer.leave("Call")
def _dedupe_isinstance_tuple(ctx: Context, original: cst.Call, updated: cst.Call) -> cst.Call:
    """``isinstance(t, (GPTTokenizer, BertTokenizer))`` names one class twice after renaming."""
    if not isinstance(updated.func, cst.Name) or updated.func.value not in (
        "isinstance",
        "issubclass",
    ):
        return updated
    if len(updated.args) != 2 or not isinstance(updated.args[1].value, cst.Tuple):
        return updated
    tuple_node = updated.args[1].value
    elements = dedupe_by_name(list(tuple_node.elements))  # type: ignore[arg-type]
    if len(elements) == len(tuple_node.elements):
        return updated
    new_value = (
        elements[0].value if len(elements) == 1 else tuple_node.with_changes(elements=elements)
    )
    return updated.with_changes(
        args=[updated.args[0], updated.args[1].with_changes(value=new_value)]
    )


# --- imports ---------------------------------------------------------------------------------


def _import_line(module: str, names: list[tuple[str, str | None]]) -> cst.SimpleStatementLine:
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


@fixer.leave("SimpleStatementLine")
def _rewrite_import_line(
    ctx: Context, original: cst.SimpleStatementLine, updated: cst.SimpleStatementLine
) -> ImportLine:
    if len(updated.body) != 1:
        return updated
    statement = updated.body[0]
    if isinstance(statement, cst.Import):
        _offer_module_imports_for_pruning(ctx.file, statement)
        return updated
    if not isinstance(statement, cst.ImportFrom) or statement.relative or statement.module is None:
        return updated
    module = full_name(statement.module)
    assert module is not None
    if isinstance(statement.names, cst.ImportStar):
        _report_star_import(ctx, original, module)
        return updated
    original_statement = original.body[0]
    assert isinstance(original_statement, cst.ImportFrom)
    assert not isinstance(original_statement.names, cst.ImportStar)
    originals = {_alias_name(alias): alias for alias in original_statement.names}
    kept: list[cst.ImportAlias] = []
    moved: dict[str, list[tuple[str, str | None]]] = {}
    for alias in statement.names:
        name = _alias_name(alias)
        asname = _asname(alias)
        if f"{module}.{name}" in LEGACY_MODULES:
            ctx.file.module_imports_to_prune.append((module, name, asname))
        entry = LEGACY_BY_QUALNAME.get(f"{module}.{name}")
        if entry is not None:
            replacement = _replacement_import(ctx, entry, originals[name], asname)
        else:
            replacement = _compat_twin(ctx, module, name, asname, originals[name])
        if replacement == "keep":
            kept.append(alias)
        elif replacement != "drop":
            new_module, new_name, new_asname = replacement
            moved.setdefault(new_module, []).append((new_name, new_asname))
    if not moved and len(kept) == len(statement.names):
        return updated
    return _rebuilt_import(ctx, original, updated, statement, kept, moved)


def _asname(alias: cst.ImportAlias) -> str | None:
    if alias.asname is None or not isinstance(alias.asname.name, cst.Name):
        return None
    return alias.asname.name.value


def _alias_name(alias: cst.ImportAlias) -> str:
    return alias.name.value if isinstance(alias.name, cst.Name) else full_name(alias.name) or ""


def _replacement_import(
    ctx: Context, entry: LegacyName, alias: cst.ImportAlias, asname: str | None
) -> tuple[str, str, str | None] | Literal["keep", "drop"]:
    """What the import of ``entry`` becomes: (module, name, asname), or kept, or dropped."""
    code = entry.rule.code
    if ctx.target_keeps(entry.on_main) or not ctx.allowed(alias, code):
        return "keep"
    if entry.migration == "report":
        ctx.report(
            alias,
            f"{entry.legacy_qualname} was removed",
            entry.note or entry.replacement,
            code=code,
        )
        return "keep"
    local = asname or entry.legacy_name
    if local in ctx.prescan.blocked_bindings:
        return "keep"
    assert entry.new_module is not None and entry.new_name is not None
    dropped = ctx.prescan.dropped_references.get(local, 0)
    if dropped and dropped == ctx.prescan.reference_counts.get(local):
        # every use was a redundant base class: the import goes too
        ctx.fixed(
            alias,
            message_for(entry.rule, entry.legacy_qualname, _replacement(ctx, entry)),
            code=code,
        )
        return "drop"
    new_module = ctx.target(entry.new_module)
    ctx.fixed(
        alias,
        message_for(entry.rule, entry.legacy_qualname, f"{new_module}.{entry.new_name}"),
        code=code,
    )
    if entry.migration == "rename":
        return new_module, entry.new_name, asname if asname != entry.new_name else None
    return new_module, entry.new_name, None


def _compat_twin(
    ctx: Context, module: str, name: str, asname: str | None, alias: cst.ImportAlias
) -> tuple[str, str, str | None] | Literal["keep"]:
    """Under ``--target compat``, a file migrated to ``compat.tokenizers`` imports the rest of
    the tokenizer API from there too: one facade, not two (objects megatron-core builds are not
    instances of compat's classes)."""
    twin = compat_path(module)
    if twin == module or not _migrates_to_compat(ctx) or not _provides(twin, name):
        return "keep"
    if not ctx.allowed(alias, MOVED_MODULE.code):
        return "keep"
    ctx.fixed(
        alias,
        f"{module}.{name} is imported from {twin}, like the rest of this migrated "
        "file: the Megatron it runs against lacks the new API",
        code=MOVED_MODULE.code,
    )
    return twin, name, asname


def _migrates_to_compat(ctx: Context) -> bool:
    """Whether the file moves to compat.tokenizers: the target, and some legacy name in it."""
    return ctx.file.options.target == "compat" and any(
        bound in LEGACY_BY_QUALNAME or bound in LEGACY_MODULES
        for bound in ctx.file.imported.values()
    )


@cache
def _provides(module: str, name: str) -> bool:
    try:
        return hasattr(importlib.import_module(module), name)
    except ImportError:
        return False


def _report_star_import(ctx: Context, original: cst.SimpleStatementLine, module: str) -> None:
    entries = legacy_names_in(module)
    if not entries:
        return
    code = next(iter(entries.values())).rule.code
    if ctx.allowed(original, code):
        ctx.report(
            original,
            f"`from {module} import *` brings in legacy names; import the names "
            "you use explicitly and run the migration again",
            code=code,
        )


def _rebuilt_import(
    ctx: Context,
    original: cst.SimpleStatementLine,
    updated: cst.SimpleStatementLine,
    statement: cst.ImportFrom,
    kept: list[cst.ImportAlias],
    moved: dict[str, list[tuple[str, str | None]]],
) -> ImportLine:
    lines: list[cst.SimpleStatementLine] = []
    if kept:
        aliases = [*kept[:-1], kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)]
        lines.append(updated.with_changes(body=[statement.with_changes(names=aliases)]))
    for new_module, names in moved.items():
        unique = [
            pair
            for pair in dict.fromkeys(names)
            if (new_module, pair[0], pair[1]) not in ctx.prescan.existing_imports
        ]
        # an import written here exists for the import lines below
        ctx.prescan.existing_imports.update((new_module, *pair) for pair in unique)
        if unique:
            lines.append(_import_line(new_module, unique))
    if not lines:
        if isinstance(ctx.parent(), cst.Module) or not moved:
            return cst.RemoveFromParent()
        lines.append(_import_line(*next(iter(moved.items()))))
    first = lines[0].with_changes(leading_lines=original.leading_lines)
    lines[0] = first
    if kept:
        return cst.FlattenSentinel(lines)
    # the replacement import keeps the original line's trailing comment
    lines[0] = first.with_changes(trailing_whitespace=original.trailing_whitespace)
    return cst.FlattenSentinel(lines) if len(lines) > 1 else lines[0]


def _offer_module_imports_for_pruning(migration: Migration, statement: cst.Import) -> None:
    for alias in statement.names:
        name = full_name(alias.name)
        if name in LEGACY_MODULES:
            migration.module_imports_to_prune.append((name, None, _asname(alias)))


def schedule_pruning(migration: Migration) -> None:
    """Offer the legacy module imports to RemoveImportsVisitor (it removes only unused ones)."""
    if not migration.pruning_requested:
        return
    for module, obj, asname in migration.module_imports_to_prune:
        migration.imports_to_remove.append((module, obj, asname))
