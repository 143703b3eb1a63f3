"""The one libcst pass every Python rule family plugs into.

A family module registers handlers with :func:`on_leave` (django-upgrade style): the
:class:`Migration` transformer calls them, in registration order, when it leaves a node of that
type, with the original node (for metadata: positions, qualified names) and the updated node (to
return a replacement). One pass with one metadata resolution keeps the tool fast; findings carry
the positions of the *original* source.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import libcst as cst
from libcst.helpers import get_full_name_for_node
from libcst.metadata import PositionProvider

from codemods.core import TODO_MARKER, Finding, Options, is_suppressed
from compat.deprecations import LEGACY_BY_QUALNAME, LegacyName, compat_path

LeaveResult = cst.CSTNode | cst.RemovalSentinel | cst.FlattenSentinel
LeaveHandler = Callable[["Migration", cst.CSTNode, cst.CSTNode], LeaveResult]
VisitHandler = Callable[["Migration", cst.CSTNode], None]

LEAVE_HANDLERS: dict[type, list[LeaveHandler]] = defaultdict(list)
# run over the whole original tree before the transformation (to decide, e.g., whether every use
# of an imported legacy name can be rewritten before touching the import)
PRESCAN_HANDLERS: dict[type, list[VisitHandler]] = defaultdict(list)


def on_leave(*node_types: type) -> Callable[[LeaveHandler], LeaveHandler]:
    def register(handler: LeaveHandler) -> LeaveHandler:
        for node_type in node_types:
            LEAVE_HANDLERS[node_type].append(handler)
        return handler

    return register


def on_prescan(*node_types: type) -> Callable[[VisitHandler], VisitHandler]:
    def register(handler: VisitHandler) -> VisitHandler:
        for node_type in node_types:
            PRESCAN_HANDLERS[node_type].append(handler)
        return handler

    return register


_IMPORTS = re.compile(r"^[ \t]*(?:from|import)[ \t]+(\w+)", re.MULTILINE)


@dataclass(frozen=True)
class FileFacts:
    """What the file imports, read cheaply from its text (heuristics for look-alike APIs)."""

    top_level_imports: frozenset[str]

    @classmethod
    def of(cls, text: str) -> FileFacts:
        return cls(frozenset(_IMPORTS.findall(text)))

    @property
    def megatron(self) -> bool:
        return "megatron" in self.top_level_imports

    @property
    def foreign(self) -> bool:
        """NeMo has its own ``--tokenizer-type``/``tokenizer_type``: its files are left alone."""
        return "nemo" in self.top_level_imports

    @property
    def transformers(self) -> bool:
        return "transformers" in self.top_level_imports


def imported_names(text: str) -> dict[str, str]:
    """Local names bound by the absolute imports of ``text`` (``ast``: a fraction of libcst)."""
    if "import" not in text:
        return {}
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    names: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    names[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    names[head] = head
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if alias.name != "*":
                    names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


@dataclass
class Prescan:
    """Facts about the original tree gathered before it is transformed."""

    # local names bound to a legacy name that must keep their import (some use stays legacy)
    blocked_bindings: dict[str, int] = field(default_factory=dict)
    # ids of original call nodes (and their ``func``) a family will rewrite
    rewritten_calls: set[int] = field(default_factory=set)
    # (module, name, asname) imported by a top-level ``from`` import
    existing_imports: set[tuple[str, str, str | None]] = field(default_factory=set)
    # ids of Name nodes that are the ``attr`` of an Attribute or part of an import
    not_references: set[int] = field(default_factory=set)
    # references to each local name bound to a legacy name, and how many of them are class
    # bases a family will drop (a binding whose every use is dropped loses its import)
    reference_counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    dropped_references: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    dropped_bases: set[int] = field(default_factory=set)


class Migration(cst.CSTTransformer):
    """Runs every registered handler over the tree, collecting findings."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, text: str, path: str, options: Options) -> None:
        super().__init__()
        self.lines = text.split("\n")
        self.path = path
        self.options = options
        # imports to add, and imports to remove when unused, applied after the pass by libcst's
        # Add/RemoveImportsVisitor (libcst.codemod is imported only for files that need them)
        self.imports_to_add: list[tuple[str, str]] = []
        self.imports_to_remove: list[tuple[str, str | None, str | None]] = []
        self.facts = FileFacts.of(text)
        # local name → what it is bound to by an absolute import anywhere in the file
        self.imported: dict[str, str] = imported_names(text)
        self.findings: list[Finding] = []
        self.prescan = Prescan()
        self._stack: list[cst.CSTNode] = []
        # the node whose leave handlers are running (it is already off the stack)
        self._leaving: cst.CSTNode | None = None
        self._todos: dict[int, list[str]] = defaultdict(list)
        # set by a handler that rewrote a module attribute: the legacy module imports may now be
        # unused and are offered to RemoveImportsVisitor
        self.module_imports_to_prune: list[tuple[str, str | None, str | None]] = []
        self.pruning_requested = False
        # blank lines and comments above a statement a handler removed, for the next statement
        self._orphaned_lines: dict[int, list[cst.EmptyLine]] = {}

    # --- metadata helpers -------------------------------------------------------------------

    def start(self, node: cst.CSTNode) -> tuple[int, int]:
        position = self.get_metadata(PositionProvider, node).start
        return position.line, position.column + 1

    def lines_of(self, node: cst.CSTNode) -> Iterable[str]:
        code_range = self.get_metadata(PositionProvider, node)
        return self.lines[code_range.start.line - 1:code_range.end.line]

    def legacy(self, node: cst.CSTNode) -> LegacyName | None:
        """The legacy name ``node`` refers to (through the file's imports), if any.

        Resolved through the absolute imports alone, not libcst's scope analysis (which costs
        ten times the parse): legacy names are distinctive enough that a local variable
        shadowing one is not worth the price.
        """
        if not self.imported or not isinstance(node, (cst.Name, cst.Attribute)):
            return None
        name = get_full_name_for_node(node)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        base = self.imported.get(head)
        if base is None:
            return None
        return LEGACY_BY_QUALNAME.get(f"{base}.{rest}" if rest else base)

    def add_import(self, module: str, name: str) -> None:
        self.imports_to_add.append((module, name))

    def remove_unused_import(self, module: str, name: str | None = None,
                             asname: str | None = None) -> None:
        self.imports_to_remove.append((module, name, asname))

    def target(self, module: str) -> str:
        return compat_path(module) if self.options.target == "compat" else module

    def parent(self, depth: int = 1) -> cst.CSTNode | None:
        """The original ancestor ``depth`` levels up from the node being left."""
        return self._stack[-depth] if len(self._stack) >= depth else None

    # --- rules and findings -----------------------------------------------------------------

    def active(self, code: str, node: cst.CSTNode) -> bool:
        """Whether rule ``code`` is selected and not suppressed on the lines of ``node``."""
        if not self.options.enabled(code):
            return False
        return not any(is_suppressed(line, code) for line in self.lines_of(node))

    def report(
        self,
        node: cst.CSTNode,
        code: str,
        message: str,
        suggestion: str = "",
        fixed: bool = False,
    ) -> None:
        line, col = self.start(node)
        self.findings.append(Finding(line, col, code, message, suggestion, fixed))
        if not fixed and self.options.add_todo:
            statement = self._enclosing_statement(node)
            if statement is not None:
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

    def on_leave(self, original_node: cst.CSTNode, updated_node: cst.CSTNode) -> LeaveResult:
        self._stack.pop()
        self._leaving = original_node
        result: LeaveResult = updated_node
        for handler in LEAVE_HANDLERS.get(type(original_node), ()):
            result = handler(self, original_node, result)
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
                for handler in PRESCAN_HANDLERS.get(type(node), ()):
                    handler(migration, node)
                return True

        module.visit(_Prescan())


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


# --- small CST builders shared by the families ----------------------------------------------

def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain (non-f, non-bytes) string literal, else None."""
    if isinstance(node, cst.SimpleString) and "b" not in node.prefix.lower():
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
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


def no_space_equal() -> cst.AssignEqual:
    return cst.AssignEqual(
        whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
    )


def keyword_arg(name: str, value: cst.BaseExpression, like: cst.Arg | None = None) -> cst.Arg:
    comma = like.comma if like is not None else cst.MaybeSentinel.DEFAULT
    return cst.Arg(value=value, keyword=cst.Name(name), equal=no_space_equal(), comma=comma)


def with_final_comma(args: list[cst.Arg], original: tuple[cst.Arg, ...]) -> list[cst.Arg]:
    """Give the new last argument the original last argument's comma (trailing comma, layout)."""
    if not args or not original:
        return args
    last_comma = original[-1].comma
    return [*args[:-1], args[-1].with_changes(comma=last_comma)]


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
