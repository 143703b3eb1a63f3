"""Parse, run every Python rule family in one libcst pass, fix up the imports, print.

Cost is kept to what the rules need: a sharper per-kind prefilter (:data:`PYTHON_NEEDLES`), the
irrelevant top-level definitions left out of the parse (:mod:`codemods.python.elide`), names
resolved through the file's imports instead of libcst's scope analysis, and ``libcst.codemod``
imported only for files whose imports must change.
"""

from __future__ import annotations

import importlib

import libcst as cst
from libcst.metadata import MetadataWrapper

from codemods.core import Finding, Options, RewriteResult, UnparsableError
from codemods.python import aliases
from codemods.python.argv import ARGV_FLAGS
from codemods.python.base import FileFacts, Migration
from codemods.python.elide import elide
from compat.deprecations import (
    COMPAT_ROOT,
    LEGACY_MODULES,
    LEGACY_NAMES,
    MEGATRON_ROOT,
    MOVED_MODULE,
    TOKENIZER_TYPE_ATTRIBUTE_NAME,
    LegacyName,
)

# Importing a family registers its handlers with the pass; handlers of one node type run in this
# order (bump-pydantic's explicit ordering). Each handler matches the *original* node, so a call
# the SFT family turned into ``from_pretrained`` is not rewritten again by the metadata family.
FAMILIES = ("aliases", "sft", "chat_template", "metadata_calls", "argv", "tokenizer_type")
for _family in FAMILIES:
    importlib.import_module(f"codemods.python.{_family}")



def _module_needle(entry: LegacyName) -> str:
    """What an import of a moved name must spell: its old module (names like ``PromptConfig``
    or ``build_tokenizer`` are everywhere; only their old homes are legacy)."""
    parts = entry.legacy_module.split(".")
    return parts[-1] if parts[-1] != entry.legacy_name else ".".join(parts[-2:])


# The Python families' own, sharper prefilter: a substring each of them needs to find anything.
PYTHON_NEEDLES: tuple[str, ...] = tuple(sorted({
    *(_module_needle(entry) if entry.rule is MOVED_MODULE else entry.legacy_name
      for entry in LEGACY_NAMES),
    *LEGACY_MODULES,
    *ARGV_FLAGS,
    TOKENIZER_TYPE_ATTRIBUTE_NAME,
    "write_metadata",
    "metadata_path",
}))
# needles that matter only together with a second one (the family checks the same)
PAIRED_NEEDLES: tuple[tuple[str, str], ...] = (
    ("apply_chat_template", "megatron"),
    ("from_pretrained", "prompt_format"),
)


def parse(text: str) -> cst.Module:
    """Parse ``text`` or raise :class:`UnparsableError` with the position of the problem."""
    try:
        return cst.parse_module(text)
    except cst.ParserSyntaxError as error:
        raise UnparsableError(
            f"Python syntax error at line {error.raw_line}, column {error.raw_column + 1}: "
            f"{error.message.splitlines()[0] if error.message else 'invalid syntax'}"
        ) from None
    except (RecursionError, MemoryError):
        raise UnparsableError("too deeply nested for the Python parser") from None


def needs_parsing(text: str) -> bool:
    return any(needle in text for needle in PYTHON_NEEDLES) or any(
        first in text and second in text for first, second in PAIRED_NEEDLES
    )


def _chunk_is_relevant(chunk: str) -> bool:
    """Whether a top-level definition may hold something a rule rewrites or reports."""
    return any(needle in chunk for needle in PYTHON_NEEDLES) or any(
        first in chunk for first, _ in PAIRED_NEEDLES
    )


def rewrite_source(text: str, path: str, options: Options) -> RewriteResult:
    if not needs_parsing(text):
        return RewriteResult(text)
    elided = elide(text, _chunk_is_relevant, (MEGATRON_ROOT, COMPAT_ROOT))
    new_text, findings = _rewrite_module(elided.text, text, path, options)
    restored = elided.restore(new_text)
    if restored is None:  # a rewrite moved a placeholder away: do the whole file instead
        new_text, findings = _rewrite_module(text, text, path, options)
        return RewriteResult(new_text, _unique_sorted(findings))
    return RewriteResult(restored, _unique_sorted(elided.map_findings(findings)))


def _rewrite_module(text: str, original: str, path: str, options: Options
                    ) -> tuple[str, list[Finding]]:
    module = parse(text)
    migration = Migration(text, path, options)
    # imports inside elided definitions still tell a NeMo file from a Megatron one
    migration.facts = FileFacts.of(original)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    try:
        new_module = wrapper.visit(migration)
        aliases.schedule_pruning(migration)
        new_module = _fix_imports(new_module, migration, path)
    except RecursionError:
        raise UnparsableError("too deeply nested for the Python rewriter") from None
    return new_module.code, migration.findings


def _fix_imports(module: cst.Module, migration: Migration, path: str) -> cst.Module:
    if not migration.imports_to_add and not migration.imports_to_remove:
        return module
    from libcst.codemod import CodemodContext
    from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

    context = CodemodContext(filename=path)
    if migration.imports_to_remove:
        for module_name, name, asname in migration.imports_to_remove:
            RemoveImportsVisitor.remove_unused_import(context, module_name, name, asname)
        module = RemoveImportsVisitor(context).transform_module(module)
    if migration.imports_to_add:
        for module_name, name in migration.imports_to_add:
            AddImportsVisitor.add_needed_import(context, module_name, name)
        module = AddImportsVisitor(context).transform_module(module)
    return module


def _unique_sorted(findings: list[Finding]) -> list[Finding]:
    return sorted(dict.fromkeys(findings), key=lambda f: (f.line, f.col, f.code, f.message))
