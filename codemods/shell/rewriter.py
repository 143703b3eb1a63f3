"""Rewrite Megatron's old tokenizer flags in bash scripts (tree-sitter-bash, surgical edits).

Argument lists are found where bash builds them: command arguments (across ``\\`` continuations),
array literals, the contents of quoted variable assignments (``GPT_ARGS="... --tokenizer-type X"``,
``+=`` appends), ``bash -c '...'`` strings and here-documents (parsed as nested scripts). Each list
goes through :func:`compat.args.translate_argv`; its edits become text edits on the words as
written. A ``--tokenizer-type $VAR`` whose variable has one literal value in the file is rewritten
together with the assignment (``TOKENIZER_TYPE=X`` → ``TOKENIZER_LIBRARY=<library>``); other
run-time values are reported (MTC204) and left alone. Comments are never touched.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from functools import lru_cache

from codemods.core import Finding, Options, RewriteResult, UnparsableError, is_suppressed
from codemods.shell.words import (
    LEGACY_FLAG_NAMES,
    Context,
    TextEdit,
    UnspellableWord,
    Word,
    apply_text_edits,
    is_legacy_flag_word,
    leftover_mentions,
    legacy_flag_code,
    line_and_column,
    line_at,
    mentions_legacy_flag,
    spell,
    split_quoted_contents,
    text_edits_for,
    todo_comment_edits,
)
from compat.deprecations import (
    DYNAMIC_TOKENIZER_TYPE,
    TOKENIZER_TYPE_FLAG_NAME,
    TOKENIZER_TYPES,
)

# node types whose children are statements: a line starting one of their children is a
# statement boundary, where a TODO comment line may be inserted
_STATEMENT_LISTS = {
    "program", "compound_statement", "do_group", "if_statement", "elif_clause", "else_clause",
    "case_item", "subshell", "while_statement", "function_definition",
}
_COMPLETE_STATEMENTS = {
    "command", "variable_assignment", "declaration_command", "redirected_statement", "pipeline",
    "list", "if_statement", "for_statement", "c_style_for_statement", "while_statement",
    "function_definition", "compound_statement", "subshell", "case_statement", "comment",
    "negated_command", "test_command", "unset_command",
}
_ARGUMENT_NODES = {
    "word", "string", "raw_string", "concatenation", "simple_expansion", "expansion", "number",
    "command_substitution", "ansi_c_string", "translated_string", "arithmetic_expansion",
}
_SHELLS = {"bash", "sh", "zsh", "dash", "ksh"}
_SHELL_C_OPTION = re.compile(r"^-[a-z]*c$")
_VARIABLE_REFERENCE = re.compile(r"^(?P<prefix>[^$]*)\$(?:\{(?P<braced>\w+)\}|(?P<bare>\w+))$")


@lru_cache(maxsize=1)
def _parser():
    import tree_sitter
    import tree_sitter_bash

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


# documentation placeholders (`CKPT=<PATH_TO_CHECKPOINT>`, `--load <ckpt-dir>`): bash reads them
# as broken redirections, which makes tree-sitter's recovery swallow the lines that follow
_PLACEHOLDER = re.compile(r"(?<![<\w$])<[A-Za-z_][\w.:/-]*>(?!>)")


def parse(text: str):
    """The syntax tree; placeholders are read as plain words when that removes errors.

    A placeholder is replaced by ``_`` characters of the same (ASCII) length, so every offset
    into the tree is still an offset into ``text``.
    """
    tree = _parser().parse(text.encode("utf-8"))
    if not tree.root_node.has_error:
        return tree
    masked = _PLACEHOLDER.sub(lambda match: "_" * len(match.group()), text)
    if masked == text:
        return tree
    masked_tree = _parser().parse(masked.encode("utf-8"))
    return masked_tree if _error_count(masked_tree) < _error_count(tree) else tree


def first_error(tree) -> tuple[int, int] | None:
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
            inner = next((child for child in node.children
                          if child.type not in _COMPLETE_STATEMENTS or child.has_error), node)
            if inner is not node and inner.has_error:
                stack.append(inner)
                continue
            return inner.start_point[0] + 1, inner.start_point[1] + 1
        stack.extend(child for child in reversed(node.children) if child.has_error)
    return 1, 1


def _error_count(tree) -> int:
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


def validate(text: str) -> None:
    """Raise unless ``text`` is bash without syntax errors (``<placeholder>`` words allowed)."""
    error = first_error(parse(text))
    if error is not None:
        raise UnparsableError(f"bash syntax error at line {error[0]}, column {error[1]}")


# --- from the syntax tree to words ----------------------------------------------------------


class _Source:
    """The script text with byte ↔ character offsets (tree-sitter counts bytes)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        if not self.ascii:
            self._char_at_byte: dict[int, int] = {}
            position = 0
            for index, char in enumerate(text):
                self._char_at_byte[position] = index
                position += len(char.encode("utf-8"))
            self._char_at_byte[position] = len(text)

    def offset(self, byte: int) -> int:
        return byte if self.ascii else self._char_at_byte[byte]

    def span(self, node) -> tuple[int, int]:
        return self.offset(node.start_byte), self.offset(node.end_byte)

    def of(self, node) -> str:
        start, end = self.span(node)
        return self.text[start:end]


def _unescape_word(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text, flags=re.DOTALL)


def _value(node, source: _Source) -> str:
    """What the program receives for an argument node (expansions kept as written)."""
    kind = node.type
    if kind == "word":
        return _unescape_word(source.of(node))
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


def _word(node, source: _Source) -> Word:
    start, end = source.span(node)
    quote = {"string": '"', "raw_string": "'"}.get(node.type, "")
    return Word(start, end, _value(node, source), "shell", quote)


@dataclass
class _Sequence:
    """One argument list, and the statement it belongs to (for TODO comments)."""

    words: list[Word]
    statement_start: int
    # the statement holds a syntax error: its words may be grouped wrongly, so it is reported
    broken: bool = False


@dataclass
class _Nested:
    """A literal piece of text that is itself a script (``bash -c '...'``, a here-document)."""

    start: int
    end: int
    statement_start: int


@dataclass
class _Assignment:
    name_span: tuple[int, int]
    value: Word | None
    # a plain ``NAME=literal`` statement (not ``export``, not a command's environment prefix)
    plain: bool


@dataclass
class _Scan:
    sequences: list[_Sequence] = field(default_factory=list)
    nested: list[_Nested] = field(default_factory=list)
    assignments: dict[str, list[_Assignment]] = field(default_factory=dict)
    # variables set some other way (for loops, read, declare without value, ...)
    unknowable: set[str] = field(default_factory=set)
    references: dict[str, int] = field(default_factory=dict)
    comments: list[tuple[int, int]] = field(default_factory=list)
    # parts of the script tree-sitter could not parse (the input's own syntax errors)
    errors: list[tuple[int, int]] = field(default_factory=list)


def _statement_start(node, source: _Source) -> int:
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


def _flag_positions(text: str) -> list[int]:
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


def _scan(tree, source: _Source, only_near: list[int] | None = None) -> _Scan:
    """Argument lists, embedded scripts, variables and comments of the script.

    With ``only_near`` (sorted byte offsets), subtrees that contain none of those offsets are
    skipped: the quick pass that finds the sites to rewrite. Variable facts need the full pass.
    """
    scan = _Scan()
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
            words = [_word(child, source) for child in node.children
                     if child.type in _ARGUMENT_NODES]
            scan.sequences.append(_Sequence(words, _statement_start(node, source),
                                            node.has_error))
        elif kind == "heredoc_body":
            start, end = source.span(node)
            scan.nested.append(_Nested(start, end, _statement_start(node, source)))
        elif kind == "for_statement":
            variable = node.child_by_field_name("variable")
            if variable is not None:
                scan.unknowable.add(source.of(variable))
        stack.extend(reversed(node.children))
    return scan


_ASSIGNED_OR_EXPANDED = re.compile(r"\$\{?(\w+)|(\w+)\+?=")


def _scan_error(node, source: _Source, scan: _Scan) -> None:
    """Words in a region that does not parse are not rewritten; its variables are unknowable."""
    start, end = source.span(node)
    scan.errors.append((start, end))
    for match in _ASSIGNED_OR_EXPANDED.finditer(source.text, start, end):
        scan.unknowable.add(match.group(1) or match.group(2))


# Programs whose arguments are text (messages, search patterns), not a Megatron command line.
_PATTERN_COMMANDS = {"grep", "egrep", "fgrep", "rg", "sed", "awk", "gawk", "mawk"}
_MESSAGE_COMMANDS = {"echo", "printf"}


def _is_text_command(node, name: str) -> bool:
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


def _scan_command(node, source: _Source, scan: _Scan) -> None:
    name_node = node.child_by_field_name("name")
    arguments = [child for child in node.children
                 if child.type in _ARGUMENT_NODES and child != name_node
                 and child.start_byte >= (name_node.end_byte if name_node else 0)]
    name = source.of(name_node).rsplit("/", 1)[-1] if name_node is not None else ""
    if _is_text_command(node, name):
        return  # old flags in its words are reported as leftovers, never rewritten
    if name == "read":
        scan.unknowable.update(source.of(a) for a in arguments if not source.of(a).startswith("-"))
    # `bash -c '<script>'`, also behind launchers (`srun bash -lc "..."`)
    words = [name] + [source.of(a).rsplit("/", 1)[-1] for a in arguments]
    scripts = set()
    for index, script in enumerate(arguments):
        if index < 1 or script.type not in ("raw_string", "string"):
            continue
        if _SHELL_C_OPTION.match(words[index]) and words[index - 1] in _SHELLS:
            start, end = source.span(script)
            scan.nested.append(_Nested(start + 1, end - 1, _statement_start(node, source)))
            scripts.add(index)
    # a `-c` script is rewritten as a script of its own, not as one word of this command
    argv = [_word(a, source) for index, a in enumerate(arguments) if index not in scripts]
    if name_node is not None and source.of(name_node).startswith("-"):
        # a line of flags on its own (a here-document fed to a program, a lost continuation)
        argv.insert(0, _word(name_node.children[0] if name_node.children else name_node, source))
    scan.sequences.append(_Sequence(argv, _statement_start(node, source), node.has_error))


def _scan_assignment(node, source: _Source, scan: _Scan) -> None:
    name_node = node.child_by_field_name("name")
    value_node = node.child_by_field_name("value")
    if name_node is None:
        return
    name = source.of(name_node)
    operator = next((c.type for c in node.children if c.type in ("=", "+=")), "=")
    parent = node.parent.type if node.parent is not None else ""
    plain = operator == "=" and parent not in ("command", "declaration_command")
    statement_start = _statement_start(node, source)
    value_word = None
    if value_node is not None and value_node.type in ("string", "raw_string"):
        start, end = source.span(value_node)
        context: Context = "double" if value_node.type == "string" else "single"
        words = split_quoted_contents(source.text, start + 1, end - 1, context)
        scan.sequences.append(_Sequence(words, statement_start, node.has_error))
    if value_node is not None and value_node.type in _ARGUMENT_NODES:
        value_word = _word(value_node, source)
        if value_node.type == "word":
            scan.sequences.append(_Sequence([value_word], statement_start, node.has_error))
    if operator == "+=":
        plain = False
    scan.assignments.setdefault(name, []).append(
        _Assignment(source.span(name_node), value_word, plain)
    )


# --- variable indirection ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Static:
    """A variable with one literal value in the whole file."""

    name: str
    value: str
    assignments: tuple[_Assignment, ...]


def _static_value(name: str, scan: _Scan) -> _Static | None:
    assignments = scan.assignments.get(name, [])
    if not assignments or name in scan.unknowable:
        return None
    values = set()
    for assignment in assignments:
        value = assignment.value
        if not assignment.plain or value is None or "$" in value.value or "`" in value.value:
            return None
        values.add(value.value)
    if len(values) != 1:
        return None
    return _Static(name, values.pop(), tuple(assignments))


def _variable_reference(value: str) -> tuple[str, str] | None:
    """(prefix, name) when ``value`` is ``prefix$NAME`` or ``prefix${NAME}``."""
    match = _VARIABLE_REFERENCE.match(value)
    if match is None:
        return None
    return match.group("prefix"), match.group("braced") or match.group("bare")


def _tokenizer_type_value_indexes(words: list[Word]) -> Iterator[int]:
    for index, word in enumerate(words):
        if word.value == TOKENIZER_TYPE_FLAG_NAME and index + 1 < len(words):
            yield index + 1
        elif word.value.startswith(TOKENIZER_TYPE_FLAG_NAME + "="):
            yield index


# --- the rewrite -------------------------------------------------------------------------------


@dataclass
class _Outcome:
    edits: list[TextEdit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # statement start offset → TODO comment texts
    todos: dict[int, list[str]] = field(default_factory=dict)


def _translate(argv: list[str]):
    from compat.args import translate_argv

    return translate_argv(argv)


class _Rewriter:
    def __init__(self, text: str, options: Options) -> None:
        self.text = text
        self.options = options
        self.outcome = _Outcome()
        self._variables: _Scan | None = None
        self._tree = None
        self._source: _Source | None = None

    def variables(self) -> _Scan:
        """The full scan (every assignment, reference and comment), made on first need."""
        if self._variables is None:
            assert self._source is not None, "run() sets the tree and source first"
            self._variables = _scan(self._tree, self._source)
        return self._variables

    def finding(self, offset: int, code: str, message: str, suggestion: str = "",
                fixed: bool = False, statement_start: int | None = None) -> None:
        line, column = line_and_column(self.text, offset)
        self.outcome.findings.append(Finding(line, column, code, message, suggestion, fixed))
        if not fixed and statement_start is not None:
            self.outcome.todos.setdefault(statement_start, []).append(f"{code} {message}")

    def suppressed(self, offset: int, code: str) -> bool:
        if is_suppressed(line_at(self.text, offset), code):
            return True
        line_start = self.text.rfind("\n", 0, offset) + 1
        if line_start > 0:
            previous = line_at(self.text, line_start - 1)
            return previous.lstrip().startswith("#") and is_suppressed(previous, code)
        return False

    def run(self, tree, source: _Source) -> _Outcome:
        self._tree, self._source = tree, source
        scan = _scan(tree, source, only_near=_flag_positions(self.text))
        for start, end in scan.errors:
            if mentions_legacy_flag(self.text[start:end]):
                # no TODO line: the region's line start may lie inside a string
                self.finding(start, legacy_flag_code(self.text[start:end]),
                             "old tokenizer flags in a part of the script that does not parse "
                             "as bash; rewrite them by hand")
        for sequence in scan.sequences:
            if not any(is_legacy_flag_word(word.value) for word in sequence.words):
                continue
            if sequence.broken:
                start = sequence.words[0].start
                flags = " ".join(w.value for w in sequence.words if is_legacy_flag_word(w.value))
                self.finding(start, legacy_flag_code(flags),
                             "old tokenizer flags in a command that does not parse as bash; "
                             "rewrite them by hand", statement_start=sequence.statement_start)
                continue
            self.rewrite_sequence(sequence)
        for nested in scan.nested:
            self.rewrite_nested(nested)
        self.report_leftovers(scan.comments)
        return self.outcome

    def report_leftovers(self, comments: list[tuple[int, int]]) -> None:
        """Old flags outside comments that no site above dealt with: never a silent miss."""
        handled = {finding.line for finding in self.outcome.findings}
        for start, flag in leftover_mentions(self.text, handled, comments):
            code = legacy_flag_code(flag)
            if self.options.enabled(code) and not self.suppressed(start, code):
                self.finding(start, code, f"{flag} left as it is: it is not a word of a "
                             "command, array or assignment (a message, a pattern, or text built "
                             "at run time?); check it by hand")

    def rewrite_nested(self, nested: _Nested) -> None:
        inner = self.text[nested.start:nested.end]
        if not mentions_legacy_flag(inner):
            return
        tree = parse(inner)
        if tree.root_node.has_error:
            self.finding(nested.start, legacy_flag_code(inner),
                         "old tokenizer flags inside embedded text (a here-document or "
                         "`bash -c` string) that is not a bash script; rewrite them by hand",
                         statement_start=nested.statement_start)
            return
        inner_rewriter = _Rewriter(inner, self.options)
        outcome = inner_rewriter.run(tree, _Source(inner))
        base_line, base_column = line_and_column(self.text, nested.start)
        for edit in outcome.edits:
            self.outcome.edits.append(
                TextEdit(edit.start + nested.start, edit.end + nested.start, edit.replacement)
            )
        for finding in outcome.findings:
            column = finding.col + (base_column - 1 if finding.line == 1 else 0)
            self.outcome.findings.append(
                Finding(finding.line + base_line - 1, column, finding.code, finding.message,
                        finding.suggestion, finding.fixed)
            )
            if not finding.fixed:
                self.outcome.todos.setdefault(nested.statement_start, []).append(
                    f"{finding.code} {finding.message}"
                )

    def rewrite_sequence(self, sequence: _Sequence) -> None:
        words = sequence.words
        argv = [word.value for word in words]
        # --tokenizer-type $VAR with VAR known: translate the literal, remember the variable
        via_variable: dict[int, tuple[_Static, str]] = {}
        for index in _tokenizer_type_value_indexes(words):
            reference = _variable_reference(words[index].value)
            if reference is None:
                continue
            prefix, name = reference
            static = _static_value(name, self.variables())
            if static is not None:
                argv[index] = prefix + static.value
                via_variable[index] = (static, name)
        translation = _translate(argv)
        for problem in translation.errors:
            offset = words[problem.index].start
            if not self.options.enabled(problem.code) or self.suppressed(offset, problem.code):
                continue
            self.finding(offset, problem.code, problem.message, problem.suggestion,
                         statement_start=sequence.statement_start)
        for edit in translation.edits:
            offset = words[edit.start].start
            if not self.options.enabled(edit.code) or self.suppressed(offset, edit.code):
                continue
            variable_sites = [i for i in via_variable if edit.start <= i < edit.stop]
            try:
                if variable_sites:
                    edits = self.variable_edits(words, edit, via_variable[variable_sites[0]],
                                                variable_sites[0], self.variables())
                else:
                    edits = text_edits_for(self.text, words, edit)
            except _NotRewritable as reason:
                self.finding(offset, DYNAMIC_TOKENIZER_TYPE.code, str(reason), reason.suggestion,
                             statement_start=sequence.statement_start)
                continue
            except UnspellableWord as word:
                self.finding(offset, edit.code,
                             f"{edit.message}; but {word} cannot be written in place here",
                             " ".join(edit.words), statement_start=sequence.statement_start)
                continue
            self.outcome.edits.extend(edits)
            self.finding(offset, edit.code, edit.message, " ".join(edit.words), fixed=True)

    def variable_edits(self, words: list[Word], edit, site: tuple[_Static, str], index: int,
                       scan: _Scan) -> list[TextEdit]:
        """Rewrite ``--tokenizer-type $VAR`` and VAR's assignment to the library, consistently."""
        static, name = site
        row = TOKENIZER_TYPES.get(static.value)
        suggestion = " ".join(edit.words)
        if row is None:
            raise _NotRewritable(f"${name} is {static.value!r}, not a known tokenizer type",
                                 suggestion)
        uses = sum(1 for sequence in scan.sequences for i in
                   _tokenizer_type_value_indexes(sequence.words)
                   if (_variable_reference(sequence.words[i].value) or ("", ""))[1] == name)
        if _mentions(self.text, name, scan.comments) != uses + len(static.assignments):
            raise _NotRewritable(
                f"${name} ({static.value}) is also used for something other than "
                f"{TOKENIZER_TYPE_FLAG_NAME} (exported, read by another command, or inside a "
                f"here-document), so it cannot be changed; replace {TOKENIZER_TYPE_FLAG_NAME} "
                f"${name} by hand",
                suggestion,
            )
        new_name = name.replace("TYPE", "LIBRARY") if "TYPE" in name else name
        if new_name != name and (new_name in scan.assignments or new_name in scan.references):
            new_name = name
        library_word = next(
            (i for i, word in enumerate(edit.words)
             if word == row.library or word.endswith("=" + row.library)), None
        )
        if library_word is None:
            raise _NotRewritable(f"${name}: no library word to carry the variable", suggestion)
        value_word = words[index]
        written = self.text[value_word.start:value_word.end]
        renamed_reference = re.sub(r"\$(\{?)" + re.escape(name) + r"\b",
                                   lambda m: "$" + m.group(1) + new_name, written)
        flag_part = edit.words[library_word][: -len(row.library)]
        spelled_word = (renamed_reference.replace(TOKENIZER_TYPE_FLAG_NAME + "=", flag_part, 1)
                        if flag_part else renamed_reference)
        edits = text_edits_for(self.text, words, edit, spelled={library_word: spelled_word})
        for assignment in static.assignments:
            if new_name != name:
                start, end = assignment.name_span
                edits.append(TextEdit(start, end, new_name))
            value = assignment.value
            assert value is not None
            edits.append(TextEdit(value.start, value.end,
                                  spell(row.library, value, self.text[value.start:value.end])))
        return edits


def _mentions(text: str, name: str, comments: list[tuple[int, int]]) -> int:
    """How often ``name`` occurs as a whole word outside comments."""
    pattern = re.compile(r"(?<![\w])" + re.escape(name) + r"(?!\w)")
    return sum(
        1 for match in pattern.finditer(text)
        if not any(start <= match.start() < end for start, end in comments)
    )


class _NotRewritable(Exception):
    def __init__(self, message: str, suggestion: str) -> None:
        super().__init__(message)
        self.suggestion = suggestion


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    """Rewrite the old tokenizer flags of a bash script (``path`` is only used in messages)."""
    if not mentions_legacy_flag(text):
        return RewriteResult(text)
    tree = parse(text)
    outcome = _Rewriter(text, options).run(tree, _Source(text))
    findings = sorted(outcome.findings, key=lambda f: (f.line, f.col, f.code))
    error = first_error(tree)
    if error is not None:
        # the sites are still found (and those in the broken part told apart), but a script
        # that does not parse is not written: the result could not be checked
        reason = (f" [not rewritten: the script has a bash syntax error at line {error[0]}, "
                  f"column {error[1]}; fix it and run the migration again]")
        return RewriteResult(text, [
            replace(finding, message=finding.message + reason, fixed=False)
            if finding.fixed else finding for finding in findings
        ])
    edits = list(outcome.edits)
    if options.add_todo:
        edits += todo_comment_edits(text, outcome.todos)
    try:
        new_text = apply_text_edits(text, edits)
    except ValueError as overlap:
        raise UnparsableError(
            f"{path}: conflicting rewrites ({overlap}); please report this"
        ) from overlap
    if new_text != text:
        error = first_error(parse(new_text))
        if error is not None:
            raise UnparsableError(
                f"{path}: the rewrite would break bash syntax at line {error[0]}; the file was "
                "left unchanged (please report this)"
            )
    findings = sorted(outcome.findings, key=lambda f: (f.line, f.col, f.code))
    return RewriteResult(new_text, findings)
