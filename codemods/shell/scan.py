"""Read a bash script with tree-sitter-bash: its argument lists, embedded scripts and variables.

Argument lists are found where bash builds them: command arguments (across ``\\`` continuations),
array literals, the contents of quoted variable assignments (``GPT_ARGS="... --tokenizer-type X"``,
``+=`` appends), ``bash -c '...'`` strings and here-documents (returned as nested scripts). Offsets
are character offsets into the script (tree-sitter counts bytes; :class:`Source` converts).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from codemods.text.words import Context, Word, split_quoted_contents
from compat.deprecations import LEGACY_FLAG_NAMES

if TYPE_CHECKING:
    from tree_sitter import Node, Parser, Tree

# node types whose children are statements: a line starting one of their children is a
# statement boundary, where a TODO comment line may be inserted
_STATEMENT_LISTS = {
    "program",
    "compound_statement",
    "do_group",
    "if_statement",
    "elif_clause",
    "else_clause",
    "case_item",
    "subshell",
    "while_statement",
    "function_definition",
}
_COMPLETE_STATEMENTS = {
    "command",
    "variable_assignment",
    "declaration_command",
    "redirected_statement",
    "pipeline",
    "list",
    "if_statement",
    "for_statement",
    "c_style_for_statement",
    "while_statement",
    "function_definition",
    "compound_statement",
    "subshell",
    "case_statement",
    "comment",
    "negated_command",
    "test_command",
    "unset_command",
}
_ARGUMENT_NODES = {
    "word",
    "string",
    "raw_string",
    "concatenation",
    "simple_expansion",
    "expansion",
    "number",
    "command_substitution",
    "ansi_c_string",
    "translated_string",
    "arithmetic_expansion",
}
_SHELLS = {"bash", "sh", "zsh", "dash", "ksh"}
_SHELL_C_OPTION = re.compile(r"^-[a-z]*c$")


@lru_cache(maxsize=1)
def _parser() -> Parser:
    import tree_sitter
    import tree_sitter_bash

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


# documentation placeholders (`CKPT=<PATH_TO_CHECKPOINT>`, `--load <ckpt-dir>`, and a whole
# assignment value such as `CKPT=<Path to checkpoint (e.g. /345m)>`): bash reads them as broken
# redirections, which makes tree-sitter's recovery swallow the lines that follow
_PLACEHOLDER = re.compile(
    r"(?<![<\w$])<[A-Za-z_][\w.:/-]*>(?!>)"
    r"|(?<==)<[A-Za-z_][^<>\n]*>(?=[ \t]*(?:#[^\n]*)?$)",
    re.MULTILINE,
)


def parse(text: str, mask_placeholders: bool = True) -> Tree:
    """The syntax tree; placeholders are read as plain words when that removes errors."""
    return parse_masked(text)[1] if mask_placeholders else _parse(text)


@lru_cache(maxsize=2)  # the check of a rewrite reads the script again, beside the output
def parse_masked(text: str) -> tuple[str, Tree]:
    """The text tree-sitter read and its tree: placeholders are replaced by ``_`` characters
    (as many as they had, so every character offset still points into ``text``) when that
    removes errors."""
    tree = _parse(text)
    if not tree.root_node.has_error:
        return text, tree
    masked = mask_placeholders(text)
    if masked == text:
        return text, tree
    masked_tree = _parse(masked)
    if _error_count(masked_tree) < _error_count(tree):
        return masked, masked_tree
    return text, tree


def mask_placeholders(text: str) -> str:
    return _PLACEHOLDER.sub(lambda match: "_" * len(match.group()), text)


def _parse(text: str) -> Tree:
    return _parser().parse(text.encode("utf-8"))


def error_nodes(tree: Tree, text: str) -> list[tuple[int, int]]:
    """Character spans of the outermost ERROR nodes and of the MISSING ones."""
    if not tree.root_node.has_error:
        return []
    source = Source(text)
    spans = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            spans.append(source.span(node))
            continue
        stack.extend(child for child in node.children if child.has_error or child.is_missing)
    return sorted(spans)


def first_error(tree: Tree) -> tuple[int, int] | None:
    """(line, column), 1-based, of the first syntax error, or None."""
    if not tree.root_node.has_error:
        return None
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.is_missing:
            return node.start_point[0] + 1, node.start_point[1] + 1
        if node.type == "ERROR":
            # tree-sitter wraps complete statements before the fault into the ERROR node:
            # the fault is where the first piece that is not a whole statement starts
            inner = next(
                (
                    child
                    for child in node.children
                    if child.type not in _COMPLETE_STATEMENTS or child.has_error
                ),
                node,
            )
            if inner is not node and inner.has_error:
                stack.append(inner)
                continue
            return inner.start_point[0] + 1, inner.start_point[1] + 1
        stack.extend(child for child in reversed(node.children) if child.has_error)
    return 1, 1


def _error_count(tree: Tree) -> int:
    """ERROR and MISSING nodes of a syntax tree."""
    if not tree.root_node.has_error:
        return 0
    count = 0
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            count += 1
        stack.extend(child for child in node.children if child.has_error or child.is_missing)
    return count


# --- from the syntax tree to words ----------------------------------------------------------


class Source:
    """The script text with byte ↔ character offsets (tree-sitter counts bytes).

    ``parsed`` is the text tree-sitter read, when it differs from ``text`` (placeholders
    blanked): the same characters count, so only the byte offsets are its own.
    """

    def __init__(self, text: str, parsed: str | None = None) -> None:
        self.text = text
        parsed = text if parsed is None else parsed
        self.ascii = parsed.isascii()
        if not self.ascii:
            self._char_at_byte: dict[int, int] = {}
            position = 0
            for index, char in enumerate(parsed):
                self._char_at_byte[position] = index
                position += len(char.encode("utf-8"))
            self._char_at_byte[position] = len(text)

    def offset(self, byte: int) -> int:
        return byte if self.ascii else self._char_at_byte[byte]

    def span(self, node: Node) -> tuple[int, int]:
        if self.ascii:
            return node.start_byte, node.end_byte
        return self._char_at_byte[node.start_byte], self._char_at_byte[node.end_byte]

    def of(self, node: Node) -> str:
        start, end = self.span(node)
        return self.text[start:end]


_ESCAPED = re.compile(r"\\(.)", re.DOTALL)


def _unescape_word(text: str) -> str:
    return _ESCAPED.sub(r"\1", text) if "\\" in text else text


def _value(node: Node, source: Source, written: str | None = None) -> str:
    """What the program receives for an argument node (``written``: its text, when known;
    expansions kept as written)."""
    kind = node.type
    if kind == "word":
        return _unescape_word(source.of(node) if written is None else written)
    if kind == "raw_string":
        return source.of(node)[1:-1]
    if kind == "string":
        inner = source.of(node)[1:-1]
        if all(child.type in ('"', "string_content") for child in node.children):
            return re.sub(r'\\(["\\$`])', r"\1", inner).replace("\\\n", "")
        return inner
    if kind == "concatenation":
        return "".join(_value(child, source) for child in node.children)
    return source.of(node)


def _word(node: Node, source: Source) -> Word:
    start, end = source.span(node)
    quote = _QUOTES.get(node.type, "")
    return Word(start, end, _value(node, source, source.text[start:end]), "shell", quote)


_QUOTES = {"string": '"', "raw_string": "'"}


def _quoted_words(node: Node, source: Source) -> list[Word]:
    """The words bash's word splitting makes of a quoted string expanded unquoted."""
    start, end = source.span(node)
    context: Context = "double" if node.type == "string" else "single"
    return split_quoted_contents(source.text, start + 1, end - 1, context)


def _element_words(node: Node, source: Source) -> list[Word]:
    """An array element: one word, or, for a quoted ``"--flag value"`` (a flag and its value
    in one string, for an array expanded unquoted), the words it splits into."""
    word = _word(node, source)
    if (
        node.type not in ("string", "raw_string")
        or not word.value.startswith("-")
        or not any(char.isspace() for char in word.value.strip())
    ):
        return [word]
    return [part._replace(enclosure=(word.start, word.end)) for part in _quoted_words(node, source)]


def _concatenation_words(node: Node, source: Source) -> list[Word]:
    """The words of ``A="--x "$B" --y"`` once expanded unquoted: each piece's words, a word
    glued across two pieces (it cannot be respelled in place) joined into one."""
    words: list[Word] = []
    glued = False  # the last word reaches the end of its piece
    for piece in node.children:
        start, end = source.span(piece)
        if piece.type in ("string", "raw_string"):
            inner = _quoted_words(piece, source)
            touches_start = bool(inner) and inner[0].start == start + 1
            touches_end = bool(inner) and inner[-1].end == end - 1
        else:
            inner = [_word(piece, source)]
            touches_start = touches_end = True
        if inner and words and glued and touches_start:
            left = words.pop()
            inner[0] = Word(left.start, inner[0].end, left.value + inner[0].value, "spanning")
        words.extend(inner)
        glued = touches_end if inner else glued and end - start == 2
    return words


@dataclass
class Sequence:
    """One argument list, and the statement it belongs to (for TODO comments)."""

    words: list[Word]
    statement_start: int
    # the statement holds a syntax error: its words may be grouped wrongly, so it is reported
    broken: bool = False


@dataclass
class Nested:
    """A literal piece of text that is itself a script (``bash -c '...'``, a here-document)."""

    start: int
    end: int
    statement_start: int


@dataclass
class Assignment:
    name_span: tuple[int, int]
    value: Word | None
    # a plain ``NAME=literal`` statement (not ``export``, not a command's environment prefix)
    plain: bool


@dataclass
class Scan:
    sequences: list[Sequence] = field(default_factory=list)
    nested: list[Nested] = field(default_factory=list)
    assignments: dict[str, list[Assignment]] = field(default_factory=dict)
    # variables set some other way (for loops, read, declare without value, ...)
    unknowable: set[str] = field(default_factory=set)
    references: dict[str, int] = field(default_factory=dict)
    comments: list[tuple[int, int]] = field(default_factory=list)
    # parts of the script tree-sitter could not parse (the input's own syntax errors)
    errors: list[tuple[int, int]] = field(default_factory=list)


def statement_start(node: Node, source: Source) -> int:
    """Offset of the line start of the statement around ``node`` (where a comment may go)."""
    candidate = None
    current = node
    while current.parent is not None:
        parent = current.parent
        if parent.type in _STATEMENT_LISTS:
            start = source.offset(current.start_byte)
            line_start = source.text.rfind("\n", 0, start) + 1
            if not source.text[line_start:start].strip():
                candidate = line_start
                if parent.type == "program":
                    return candidate
            elif candidate is None and parent.type == "program":
                return line_start
        current = parent
    return candidate if candidate is not None else 0


def flag_positions(text: str) -> list[int]:
    """Byte offsets of every old flag named in ``text``, sorted."""
    data = text.encode("utf-8")
    positions = []
    for flag in LEGACY_FLAG_NAMES:
        needle = flag.encode("ascii")
        at = data.find(needle)
        while at >= 0:
            positions.append(at)
            at = data.find(needle, at + 1)
    return sorted(positions)


def scan_script(tree: Tree, source: Source, only_near: list[int] | None = None) -> Scan:
    """Argument lists, embedded scripts, variables and comments of the script.

    With ``only_near`` (sorted byte offsets), subtrees that contain none of those offsets are
    skipped: the quick pass that finds the sites to rewrite. Variable facts need the full pass.
    """
    scan = Scan()
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if only_near is not None:
            index = bisect_left(only_near, node.start_byte)
            if index == len(only_near) or only_near[index] >= node.end_byte:
                continue
        kind = node.type
        if kind == "comment":
            scan.comments.append(source.span(node))
            continue
        if kind == "ERROR":
            _scan_error(node, source, scan)
            continue
        if kind in ("simple_expansion", "expansion"):
            for child in node.children:
                if child.type == "variable_name":
                    name = source.of(child)
                    scan.references[name] = scan.references.get(name, 0) + 1
        if kind == "command":
            _scan_command(node, source, scan)
        elif kind == "variable_assignment":
            _scan_assignment(node, source, scan)
        elif kind == "array":
            words = [
                word
                for child in node.children
                if child.type in _ARGUMENT_NODES
                for word in _element_words(child, source)
            ]
            scan.sequences.append(Sequence(words, statement_start(node, source), node.has_error))
        elif kind == "heredoc_body":
            start, end = source.span(node)
            scan.nested.append(Nested(start, end, statement_start(node, source)))
        elif kind == "for_statement":
            variable = node.child_by_field_name("variable")
            if variable is not None:
                scan.unknowable.add(source.of(variable))
        stack.extend(reversed(node.children))
    return scan


_ASSIGNED_OR_EXPANDED = re.compile(r"\$\{?(\w+)|(\w+)\+?=")


def _scan_error(node: Node, source: Source, scan: Scan) -> None:
    """Words in a region that does not parse are not rewritten; its variables are unknowable."""
    start, end = source.span(node)
    scan.errors.append((start, end))
    scan.unknowable |= unknowable_in(source.text, start, end)


def unknowable_in(text: str, start: int, end: int) -> set[str]:
    """The variables set or expanded in ``text[start:end]``, a part that does not parse."""
    return {
        match.group(1) or match.group(2)
        for match in _ASSIGNED_OR_EXPANDED.finditer(text, start, end)
    }


# Programs whose arguments are text (messages, search patterns), not a Megatron command line.
_PATTERN_COMMANDS = {"grep", "egrep", "fgrep", "rg", "sed", "awk", "gawk", "mawk"}
_MESSAGE_COMMANDS = {"echo", "printf"}


def _is_text_command(node: Node, name: str) -> bool:
    if name in _PATTERN_COMMANDS:
        return True
    if name not in _MESSAGE_COMMANDS:
        return False
    # `$(echo --flag X)` builds an argument list; a bare `echo` prints a message
    parent = node.parent
    while parent is not None:
        if parent.type == "command_substitution":
            return False
        parent = parent.parent
    return True


def _scan_command(node: Node, source: Source, scan: Scan) -> None:
    name_node = node.child_by_field_name("name")
    arguments = [
        child
        for child in node.children
        if child.type in _ARGUMENT_NODES
        and child != name_node
        and child.start_byte >= (name_node.end_byte if name_node else 0)
    ]
    name = source.of(name_node).rsplit("/", 1)[-1] if name_node is not None else ""
    if _is_text_command(node, name):
        return  # old flags in its words are reported as leftovers, never rewritten
    if name == "read":
        scan.unknowable.update(source.of(a) for a in arguments if not source.of(a).startswith("-"))

    # `bash -c '<script>'`, also behind launchers (`srun bash -lc "..."`)
    def program(index: int) -> str:  # the command's words, arguments from 1
        return name if index == 0 else source.of(arguments[index - 1]).rsplit("/", 1)[-1]

    scripts = set()
    for index, script in enumerate(arguments):
        if index < 1 or script.type not in ("raw_string", "string"):
            continue
        if _SHELL_C_OPTION.match(program(index)) and program(index - 1) in _SHELLS:
            start, end = source.span(script)
            scan.nested.append(Nested(start + 1, end - 1, statement_start(node, source)))
            scripts.add(index)
    # a `-c` script is rewritten as a script of its own, not as one word of this command
    argv = [_word(a, source) for index, a in enumerate(arguments) if index not in scripts]
    if name_node is not None and source.of(name_node).lstrip("\"'").startswith("-"):
        # a line of flags on its own (a here-document fed to a program, a lost continuation, a
        # commented-out array element)
        argv.insert(0, _word(name_node.children[0] if name_node.children else name_node, source))
    scan.sequences.append(Sequence(argv, statement_start(node, source), node.has_error))


def _scan_assignment(node: Node, source: Source, scan: Scan) -> None:
    name_node = node.child_by_field_name("name")
    value_node = node.child_by_field_name("value")
    if name_node is None:
        return
    name = source.of(name_node)
    operator = next((c.type for c in node.children if c.type in ("=", "+=")), "=")
    parent = node.parent.type if node.parent is not None else ""
    plain = operator == "=" and parent not in ("command", "declaration_command")
    statement = statement_start(node, source)
    value_word = None
    if value_node is not None and value_node.type in ("string", "raw_string"):
        scan.sequences.append(
            Sequence(_quoted_words(value_node, source), statement, node.has_error)
        )
    elif value_node is not None and value_node.type == "concatenation":
        scan.sequences.append(
            Sequence(_concatenation_words(value_node, source), statement, node.has_error)
        )
    if value_node is not None and value_node.type in _ARGUMENT_NODES:
        value_word = _word(value_node, source)
        if value_node.type == "word":
            scan.sequences.append(Sequence([value_word], statement, node.has_error))
    if operator == "+=":
        plain = False
    scan.assignments.setdefault(name, []).append(
        Assignment(source.span(name_node), value_word, plain)
    )
