"""The one libcst pass every enabled Python rule plugs into.

The dispatch table is built once per set of enabled rules: for each libcst node type, the
handlers of the enabled rules in rule-code order, then those of the table-driven fixers
(:mod:`codemods.python.aliases`, :mod:`codemods.python.argv`) that carry out an enabled rule.
:class:`Migration` calls them when it leaves a node, with a :class:`Context` (the file, seen from
one rule or fixer), the original node (positions, the names it refers to) and the updated node (to
return a replacement). A rule's handler is not called for a node whose lines suppress the rule; a
fixer checks each site under its own code. One pass with one metadata resolution keeps the tool
fast; findings carry the positions of the original source. Imports are fixed up after the pass by
libcst's own Add/RemoveImportsVisitor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from codemods.core import (
    SUPPRESSION_MARKER,
    TODO_MARKER,
    Finding,
    Options,
    UnparsableError,
    is_suppressed,
)
from codemods.python import aliases, argv
from codemods.python.names import FileFacts, imported_names, resolve_legacy
from codemods.rules import Fixer, Rule, enabled_rules
from compat.deprecations import LegacyName, compat_path

LeaveResult = cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel[cst.CSTNode]
FIXERS: tuple[Fixer, ...] = (aliases.fixer, argv.fixer)
Owner = Rule | Fixer
HandlerTable = dict[type, tuple[tuple[Owner, Callable[..., Any]], ...]]


@dataclass(frozen=True)
class Dispatch:
    """The handlers of the enabled rules and fixers, by libcst node type."""

    leave: HandlerTable
    prescan: HandlerTable
    owners: tuple[Owner, ...]


@cache
def dispatch_for(codes: frozenset[str]) -> Dispatch:
    owners: tuple[Owner, ...] = (
        *enabled_rules(codes),
        *(fixer for fixer in FIXERS if fixer.codes & codes),
    )

    def table(attribute: str) -> HandlerTable:
        handlers: dict[type, list[tuple[Owner, Callable[..., Any]]]] = defaultdict(list)
        for owner in owners:
            for type_name, functions in getattr(owner, attribute).items():
                node_type = getattr(cst, type_name, None)
                if not (isinstance(node_type, type) and issubclass(node_type, cst.CSTNode)):
                    raise TypeError(
                        f"{owner} registers a handler for {type_name!r}, which is "
                        "not a libcst node type"
                    )
                handlers[node_type].extend((owner, function) for function in functions)
        return {node_type: tuple(pairs) for node_type, pairs in handlers.items()}

    return Dispatch(table("leave_handlers"), table("prescan_handlers"), owners)


@dataclass
class Prescan:
    """Facts about the original tree gathered before it is transformed."""

    # local names bound to a legacy name that must keep their import (some use stays legacy)
    blocked_bindings: dict[str, int] = field(default_factory=dict)
    # ids of original call nodes (and their ``func``) a rule will rewrite
    rewritten_calls: set[int] = field(default_factory=set)
    # (module, name, asname) imported by a top-level ``from`` import
    existing_imports: set[tuple[str, str, str | None]] = field(default_factory=set)
    # ids of Name nodes that are the ``attr`` of an Attribute or part of an import
    not_references: set[int] = field(default_factory=set)
    # references to each local name bound to a legacy name, and how many of them are class
    # bases a rule will drop (a binding whose every use is dropped loses its import)
    reference_counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    dropped_references: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    dropped_bases: set[int] = field(default_factory=set)
    # variables handed to subprocess/os.system/shlex.split: the strings they hold are commands
    command_variables: set[str] = field(default_factory=set)
    # names bound to Megatron's args (``args = get_args()``, ``margs = checkpoint["args"]``)
    megatron_args_names: set[str] = field(default_factory=set)
    # ids of the keys of dicts of flags (``{"--tokenizer-type": X}``), translated as one argv
    flag_dict_keys: set[int] = field(default_factory=set)


class Migration(cst.CSTTransformer):
    """Runs the enabled rules' handlers over ``module``, the tree of one file's ``text``,
    collecting findings."""

    def __init__(
        self,
        module: cst.Module,
        text: str,
        path: str,
        options: Options,
        facts: FileFacts,
        imported: dict[str, str],
    ) -> None:
        super().__init__()
        self.module = module
        self.lines = text.split("\n")
        self.has_suppressions = SUPPRESSION_MARKER in text
        self.path = path
        self.options = options
        self.facts = facts
        self.dispatch = dispatch_for(options.codes)
        self.contexts = {id(owner): Context(self, owner) for owner in self.dispatch.owners}
        # local name → what it is bound to by an absolute import anywhere in the file
        self.imported = imported
        self.findings: list[Finding] = []
        self.prescan = Prescan()
        # imports to add, and imports to remove when unused, applied after the pass by libcst's
        # Add/RemoveImportsVisitor (libcst.codemod is imported only for files that need them)
        self.imports_to_add: list[tuple[str, str]] = []
        self.imports_to_remove: list[tuple[str, str | None, str | None]] = []
        # legacy module imports, offered to RemoveImportsVisitor once a rule rewrote a module
        # attribute (``models.GPTTokenizer``): they may be unused now
        self.module_imports_to_prune: list[tuple[str, str | None, str | None]] = []
        self.pruning_requested = False
        self._stack: list[cst.CSTNode] = []
        # the node whose leave handlers are running (it is already off the stack)
        self._leaving: cst.CSTNode | None = None
        self._todos: dict[int, list[str]] = defaultdict(list)
        # blank lines and comments above a statement a handler removed, for the next statement
        self._orphaned_lines: dict[int, list[cst.EmptyLine]] = {}
        self._legacy_cache: dict[int, LegacyName | None] = {}

    # --- what handlers ask ------------------------------------------------------------------

    @cached_property
    def _positions(self) -> Mapping[cst.CSTNode, CodeRange]:
        # computed on the first finding or suppression comment: as costly as the parse, and
        # most files visited have neither
        return MetadataWrapper(self.module, unsafe_skip_copy=True).resolve(PositionProvider)

    def start(self, node: cst.CSTNode) -> tuple[int, int]:
        position = self._positions[node].start
        return position.line, position.column + 1

    def lines_of(self, node: cst.CSTNode) -> Iterable[str]:
        """The lines of ``node``; of a compound statement, its first line only (a comment in a
        function's body says nothing about its header)."""
        code_range = self._positions[node]
        end = (
            code_range.start.line
            if isinstance(node, cst.BaseCompoundStatement)
            else code_range.end.line
        )
        return self.lines[code_range.start.line - 1 : end]

    def allowed(self, node: cst.CSTNode, code: str) -> bool:
        """Whether rule ``code`` is enabled and not suppressed on the lines of ``node``."""
        if not self.options.enabled(code):
            return False
        if not self.has_suppressions:
            return True
        if any(is_suppressed(line, code) for line in self.lines_of(node)):
            return False
        above = self.start(node)[0] - 2
        return not (
            above >= 0
            and self.lines[above].lstrip().startswith("#")
            and is_suppressed(self.lines[above], code)
        )

    def legacy(self, node: cst.CSTNode) -> LegacyName | None:
        """The legacy name ``node`` refers to through the file's imports, if any."""
        key = id(node)
        if key not in self._legacy_cache:
            self._legacy_cache[key] = resolve_legacy(node, self.imported)
        return self._legacy_cache[key]

    def is_reference(self, node: cst.CSTNode) -> bool:
        """Not the ``attr`` of an attribute access, not a name inside an import."""
        return id(node) not in self.prescan.not_references

    def parent(self, depth: int = 1) -> cst.CSTNode | None:
        """The original ancestor ``depth`` levels up from the node being left."""
        return self._stack[-depth] if len(self._stack) >= depth else None

    def target(self, module: str) -> str:
        return compat_path(module) if self.options.target == "compat" else module

    def record(
        self,
        node: cst.CSTNode,
        code: str,
        message: str,
        suggestion: str,
        fixed: bool,
        informational: bool = False,
    ) -> None:
        line, col = self.start(node)
        self.findings.append(Finding(line, col, code, message, suggestion, fixed, informational))
        if not fixed and not informational and self.options.add_todo:
            self._mark_todo(node, code, message)

    def _mark_todo(self, node: cst.CSTNode, code: str, message: str) -> None:
        statement = self._enclosing_statement(node)
        if statement is None:
            return
        first_line = message.splitlines()[0] if message else code
        todo = f"# {TODO_MARKER}: {code} {first_line}"
        if todo not in self._comments_above(statement):
            self._todos[id(statement)].append(todo)

    def _comments_above(self, statement: cst.CSTNode) -> set[str]:
        """The comment lines right above ``statement`` (a module's first ones sit in its header)."""
        index = self.start(statement)[0] - 2
        comments = set()
        while index >= 0 and self.lines[index].lstrip().startswith("#"):
            comments.add(self.lines[index].strip())
            index -= 1
        return comments

    def _enclosing_statement(self, node: cst.CSTNode) -> cst.CSTNode | None:
        for candidate in (node, self._leaving, *reversed(self._stack)):
            if isinstance(candidate, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return candidate
        return None

    # --- traversal --------------------------------------------------------------------------

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.Module):
            self._run_prescan(node)
        self._stack.append(node)
        return True

    def on_leave(  # type: ignore[override]  # one signature for every node type
        self, original_node: cst.CSTNode, updated_node: cst.CSTNode
    ) -> LeaveResult:
        self._stack.pop()
        self._leaving = original_node
        result: LeaveResult = updated_node
        for owner, handler in self.dispatch.leave.get(type(original_node), ()):
            if isinstance(owner, Rule) and not self.allowed(original_node, owner.code):
                continue
            result = handler(self.contexts[id(owner)], original_node, result)
            if not isinstance(result, cst.CSTNode) or type(result) is not type(original_node):
                break
        todos = self._todos.get(id(original_node))
        if todos:
            result = _with_todo_comments(result, todos)
        return self._keep_orphaned_lines(original_node, result)

    def _keep_orphaned_lines(self, original: cst.CSTNode, result: LeaveResult) -> LeaveResult:
        """A removed statement's leading blank lines and comments move to the next statement."""
        if not isinstance(original, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return result
        container = id(self._stack[-1]) if self._stack else 0
        if isinstance(result, cst.RemovalSentinel):
            if original.leading_lines:
                self._orphaned_lines.setdefault(container, []).extend(original.leading_lines)
            return result
        orphaned = self._orphaned_lines.pop(container, None)
        if not orphaned:
            return result
        first = result.nodes[0] if isinstance(result, cst.FlattenSentinel) else result
        if not isinstance(first, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return result
        first = first.with_changes(leading_lines=[*orphaned, *first.leading_lines])
        if isinstance(result, cst.FlattenSentinel):
            return cst.FlattenSentinel([first, *result.nodes[1:]])
        return first

    def _run_prescan(self, module: cst.Module) -> None:
        migration = self

        class _Prescan(cst.CSTVisitor):
            def on_visit(self, node: cst.CSTNode) -> bool:
                if isinstance(node, cst.Attribute):
                    migration.prescan.not_references.add(id(node.attr))
                elif isinstance(node, (cst.Import, cst.ImportFrom)):
                    _mark_import_names(node, migration.prescan.not_references)
                for owner, handler in migration.dispatch.prescan.get(type(node), ()):
                    handler(migration.contexts[id(owner)], node)
                return True

        module.visit(_Prescan())


class Context:
    """One file, as the handlers of one rule (or fixer) see it.

    A rule's findings are recorded under its code; a fixer names the code of each site.
    """

    def __init__(self, migration: Migration, owner: Owner) -> None:
        self.file = migration
        self.owner = owner

    def _code(self, code: str | None) -> str:
        if code is not None:
            return code
        if isinstance(self.owner, Rule):
            return self.owner.code
        raise TypeError(f"{self.owner} must name the rule code of each site")

    @property
    def prescan(self) -> Prescan:
        return self.file.prescan

    @property
    def facts(self) -> FileFacts:
        return self.file.facts

    def allowed(self, node: cst.CSTNode, code: str | None = None) -> bool:
        return self.file.allowed(node, self._code(code))

    def legacy(self, node: cst.CSTNode) -> LegacyName | None:
        return self.file.legacy(node)

    def own_legacy(self, node: cst.CSTNode) -> LegacyName | None:
        """The legacy name ``node`` refers to, if it is this rule's."""
        entry = self.file.legacy(node)
        return entry if entry is not None and entry.rule.code == self._code(None) else None

    def is_reference(self, node: cst.CSTNode) -> bool:
        return self.file.is_reference(node)

    def parent(self, depth: int = 1) -> cst.CSTNode | None:
        return self.file.parent(depth)

    def target(self, module: str) -> str:
        return self.file.target(module)

    def target_keeps(self, on_main: bool) -> bool:
        """Whether the target still has a legacy name where it was (Megatron-LM main kept
        it): then it is valid code there, and left alone."""
        return on_main and self.file.options.target == "upstream"

    def start_line(self, node: cst.CSTNode) -> int:
        return self.file.start(node)[0]

    def fixed(
        self, node: cst.CSTNode, message: str, suggestion: str = "", code: str | None = None
    ) -> None:
        self.file.record(node, self._code(code), message, suggestion, fixed=True)

    def report(
        self, node: cst.CSTNode, message: str, suggestion: str = "", code: str | None = None
    ) -> None:
        self.file.record(node, self._code(code), message, suggestion, fixed=False)

    def note(self, node: cst.CSTNode, message: str, code: str | None = None) -> None:
        """Record text that needs no change to run (it only names an old flag or name)."""
        self.file.record(node, self._code(code), message, "", fixed=False, informational=True)

    def add_import(self, module: str, name: str) -> None:
        self.file.imports_to_add.append((module, name))

    def remove_unused_import(
        self, module: str, name: str | None = None, asname: str | None = None
    ) -> None:
        self.file.imports_to_remove.append((module, name, asname))

    def prune_legacy_module_imports(self) -> None:
        """A module attribute was rewritten: its module's import may be unused now."""
        self.file.pruning_requested = True


def _mark_import_names(node: cst.Import | cst.ImportFrom, marks: set[int]) -> None:
    class _Names(cst.CSTVisitor):
        def visit_Name(self, name: cst.Name) -> None:
            marks.add(id(name))

    node.visit(_Names())


def _with_todo_comments(node: LeaveResult, todos: list[str]) -> LeaveResult:
    target = node
    if isinstance(node, cst.FlattenSentinel):
        target = node.nodes[0]
    if not isinstance(target, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return node
    present = {line.comment.value for line in target.leading_lines if line.comment is not None}
    added = [
        cst.EmptyLine(comment=cst.Comment(todo))
        for todo in dict.fromkeys(todos)
        if todo not in present
    ]
    if not added:
        return node
    updated = target.with_changes(leading_lines=[*target.leading_lines, *added])
    if isinstance(node, cst.FlattenSentinel):
        return cst.FlattenSentinel([updated, *node.nodes[1:]])
    return updated


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


def rewrite_module(
    text: str,
    original: str,
    path: str,
    options: Options,
    imported: dict[str, str] | None = None,
) -> tuple[str, list[Finding]]:
    """Run the pass over ``text`` (``original``: the whole file, when ``text`` has parts
    elided; its imports still tell which project the file belongs to, and what its names are
    bound to: ``imported``, when the caller has read them already)."""
    module = parse(text)
    if imported is None:
        imported = imported_names(original)
    migration = Migration(module, text, path, options, FileFacts.of(original), imported)
    try:
        new_module = module.visit(migration)
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
