"""Rewrite Megatron's old tokenizer flags in bash scripts (tree-sitter-bash, surgical edits).

Each argument list :mod:`codemods.shell.scan` finds goes through the translator; its edits become
text edits on the words as written. A ``--tokenizer-type $VAR`` whose variable has one literal
value in the file is rewritten together with the assignment (``TOKENIZER_TYPE=X`` →
``TOKENIZER_LIBRARY=<library>``); other run-time values are reported (MTC204) and left alone.
A commented-out command line is rewritten like a live one (the words inside the comment only);
a prose comment naming an old flag is reported.

A script tree-sitter cannot read is judged by ``bash -n`` (:mod:`codemods.shell.syntax`): the
commands read cleanly are rewritten as long as no edit touches an error region and the result
has exactly the errors the original had; otherwise nothing is written (the sites are still
reported).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from codemods.core import Options, RewriteResult
from codemods.shell.scan import (
    Nested,
    Scan,
    Sequence,
    Source,
    flag_positions,
    parse_masked,
    scan_script,
    unknowable_in,
)
from codemods.shell.syntax import (
    Syntax,
    first_error_position,
    read,
    same_errors,
    validate,
    validate_rewrite,
)
from codemods.text.command_line import NotRewritable, carry_out, report_leftovers
from codemods.text.comments import (
    PROSE_COMMENT,
    adopt_comment,
    continued_groups,
    is_command_line,
    is_todo,
    report_prose_mentions,
    uncommented,
)
from codemods.text.document import TextDocument
from codemods.text.words import (
    TextEdit,
    Word,
    is_legacy_flag_word,
    legacy_flag_code,
    mentions_legacy_flag,
    mentions_old_api,
    spell,
    text_edits_for,
)
from compat.args import ArgvEdit
from compat.deprecations import DYNAMIC_TOKENIZER_TYPE, TOKENIZER_TYPE_FLAG_NAME, TOKENIZER_TYPES

__all__ = ["record", "rewrite", "validate", "validate_rewrite"]

_VARIABLE_REFERENCE = re.compile(r"^(?P<prefix>[^$]*)\$(?:\{(?P<braced>\w+)\}|(?P<bare>\w+))$")


@dataclass(frozen=True)
class _Static:
    """A variable with one literal value in the whole file, and where it is set."""

    name: str
    value: str
    assignments: tuple[Any, ...]


def _static_value(name: str, scan: Scan) -> _Static | None:
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


def _mentions(text: str, name: str, comments: list[tuple[int, int]]) -> int:
    """How often ``name`` occurs as a whole word outside comments."""
    pattern = re.compile(r"(?<![\w])" + re.escape(name) + r"(?!\w)")
    return sum(
        1
        for match in pattern.finditer(text)
        if not any(start <= match.start() < end for start, end in comments)
    )


def clean_syntax(text: str) -> Syntax | None:
    """The syntax of a piece of text tree-sitter reads without error (None otherwise)."""
    masked, tree = parse_masked(text)
    return None if tree.root_node.has_error else Syntax(masked, tree, (), (), "valid")


class _Rewriter:
    def __init__(self, doc: TextDocument, syntax: Syntax) -> None:
        self.doc = doc
        self.syntax = syntax
        self.tree = syntax.tree
        self.source = Source(doc.text, parsed=syntax.text)
        self._variables: Scan | None = None

    def variables(self) -> Scan:
        """The full scan (every assignment, reference and comment), made on first need."""
        if self._variables is None:
            self._variables = scan_script(self.tree, self.source)
            for start, end in self.syntax.blanked:
                self._variables.unknowable |= unknowable_in(self.doc.text, start, end)
        return self._variables

    def run(self) -> None:
        scan = scan_script(self.tree, self.source, only_near=flag_positions(self.syntax.text))
        for start, end in sorted(set(scan.errors) | set(self.syntax.errors)):
            if mentions_legacy_flag(self.doc.text[start:end]):
                # no TODO line: the region's line start may lie inside a string
                self.doc.report(
                    start,
                    legacy_flag_code(self.doc.text[start:end]),
                    "old tokenizer flags in a part of the script that does not parse "
                    "as bash; rewrite them by hand",
                )
        for sequence in scan.sequences:
            if any(is_legacy_flag_word(word.value) for word in sequence.words):
                self.rewrite_sequence(sequence)
        for nested in scan.nested:
            self.rewrite_nested(nested)
        comments = self.variables().comments
        self.rewrite_comments(comments)
        report_leftovers(
            self.doc,
            "it is not a word of a command, array or assignment (a message, a "
            "pattern, or text built at run time?); check it by hand",
            skip=lambda offset: any(start <= offset < end for start, end in comments),
        )

    def rewrite_nested(self, nested: Nested) -> None:
        inner = self.doc.text[nested.start : nested.end]
        if not mentions_legacy_flag(inner):
            return
        syntax = clean_syntax(inner)
        if syntax is None:
            self.doc.report(
                nested.start,
                legacy_flag_code(inner),
                "old tokenizer flags inside embedded text (a here-document or "
                "`bash -c` string) that is not a bash script; rewrite them by hand",
                anchor=nested.statement_start,
            )
            return
        inner_doc = TextDocument(inner, self.doc.options)
        _Rewriter(inner_doc, syntax).run()
        self.doc.adopt(inner_doc, nested.start, anchor=nested.statement_start)

    def rewrite_comments(self, comments: list[tuple[int, int]]) -> None:
        """Commented-out command lines are rewritten like live ones; other comments naming an
        old flag are reported."""
        text = self.doc.text
        for start, end in continued_groups(comments, text):
            group = text[start:end]
            if not mentions_old_api(group) or is_todo(group):
                continue
            inner = uncommented(group)
            syntax = clean_syntax(inner) if is_command_line(inner) else None
            if syntax is None:
                why = (
                    PROSE_COMMENT
                    if not is_command_line(inner)
                    else (
                        "it is in a commented-out command that is not valid bash; update it by hand"
                    )
                )
                report_prose_mentions(self.doc, start, end, why)
                continue
            inner_doc = TextDocument(inner, self.doc.options)
            _Rewriter(inner_doc, syntax).run()
            adopt_comment(self.doc, inner_doc, start, end)

    def rewrite_sequence(self, sequence: Sequence) -> None:
        words = sequence.words
        if sequence.broken:
            flags = " ".join(w.value for w in words if is_legacy_flag_word(w.value))
            self.doc.report(
                words[0].start,
                legacy_flag_code(flags),
                "old tokenizer flags in a command that does not parse as bash; "
                "rewrite them by hand",
                anchor=sequence.statement_start,
            )
            return
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

        def text_edits(edit: ArgvEdit) -> list[TextEdit]:
            sites = [index for index in via_variable if edit.start <= index < edit.stop]
            if sites:
                edits = self.variable_edits(words, edit, via_variable[sites[0]], sites[0])
            else:
                edits = text_edits_for(self.doc.text, words, edit)
            if any(self.syntax.touches_error(e.start, e.end) for e in edits):
                raise NotRewritable(
                    edit.code,
                    f"{edit.message}; but the edit would touch a part "
                    "of the script that does not parse as bash: rewrite it by "
                    "hand",
                    " ".join(edit.words),
                )
            return edits

        carry_out(
            self.doc,
            argv,
            lambda index: words[index].start,
            text_edits,
            anchor=sequence.statement_start,
        )

    def variable_edits(
        self, words: list[Word], edit: ArgvEdit, site: tuple[_Static, str], index: int
    ) -> list[TextEdit]:
        """Rewrite ``--tokenizer-type $VAR`` and VAR's assignment to the library, consistently."""
        static, name = site
        scan = self.variables()
        row = TOKENIZER_TYPES.get(static.value)
        suggestion = " ".join(edit.words)
        if row is None:
            raise NotRewritable(
                DYNAMIC_TOKENIZER_TYPE.code,
                f"${name} is {static.value!r}, not a known tokenizer type",
                suggestion,
            )
        if _mentions(self.doc.text, name, scan.comments) != self._uses_as_type(name) + len(
            static.assignments
        ):
            raise NotRewritable(
                DYNAMIC_TOKENIZER_TYPE.code,
                f"${name} ({static.value}) is also used for something other than "
                f"{TOKENIZER_TYPE_FLAG_NAME} (exported, read by another command, or inside a "
                f"here-document), so it cannot be changed; replace {TOKENIZER_TYPE_FLAG_NAME} "
                f"${name} by hand",
                suggestion,
            )
        library_word = next(
            (
                i
                for i, word in enumerate(edit.words)
                if word == row.library or word.endswith("=" + row.library)
            ),
            None,
        )
        if library_word is None:
            raise NotRewritable(
                DYNAMIC_TOKENIZER_TYPE.code,
                f"${name}: no library word to carry the variable",
                suggestion,
            )
        new_name = self._library_variable_name(name)
        value_word = words[index]
        written = self.doc.text[value_word.start : value_word.end]
        renamed_reference = re.sub(
            r"\$(\{?)" + re.escape(name) + r"\b", lambda m: "$" + m.group(1) + new_name, written
        )
        flag_part = edit.words[library_word][: -len(row.library)]
        spelled_word = (
            renamed_reference.replace(TOKENIZER_TYPE_FLAG_NAME + "=", flag_part, 1)
            if flag_part
            else renamed_reference
        )
        edits = text_edits_for(self.doc.text, words, edit, spelled={library_word: spelled_word})
        for assignment in static.assignments:
            if new_name != name:
                start, end = assignment.name_span
                edits.append(TextEdit(start, end, new_name))
            value = assignment.value
            assert value is not None
            edits.append(
                TextEdit(
                    value.start,
                    value.end,
                    spell(row.library, value, self.doc.text[value.start : value.end]),
                )
            )
        return edits

    def _uses_as_type(self, name: str) -> int:
        """How many ``--tokenizer-type $name`` words the script has."""
        return sum(
            1
            for sequence in self.variables().sequences
            for index in _tokenizer_type_value_indexes(sequence.words)
            if (_variable_reference(sequence.words[index].value) or ("", ""))[1] == name
        )

    def _library_variable_name(self, name: str) -> str:
        """``TOKENIZER_TYPE`` → ``TOKENIZER_LIBRARY``, unless that name is taken."""
        scan = self.variables()
        new_name = name.replace("TYPE", "LIBRARY") if "TYPE" in name else name
        if new_name != name and (new_name in scan.assignments or new_name in scan.references):
            return name
        return new_name


def record(doc: TextDocument) -> None:
    """Record the rewrite of the bash script ``doc.text`` in ``doc``."""
    syntax = read(doc.text)
    _Rewriter(doc, syntax).run()
    if syntax.clean:
        return
    reason = _why_not_written(doc, syntax)
    if reason:
        doc.withdraw(f"not rewritten: {reason}")


def _why_not_written(doc: TextDocument, syntax: Syntax) -> str:
    """Why a script with syntax errors cannot be written ("" when it can)."""
    line, column = first_error_position(syntax)
    if syntax.verdict == "unknown":
        return (
            f"the script has a bash syntax error at line {line}, column {column} (by "
            "tree-sitter; bash is not installed to judge it); fix it and run the migration "
            "again"
        )
    if doc.edits and not same_errors(doc.text, doc.new_text()):
        return (
            f"the script has a bash syntax error at line {line}, column {column}, and the "
            "rewritten script would not have exactly the same errors; fix it and run the "
            "migration again"
        )
    return ""


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    """Rewrite the old tokenizer flags of a bash script (``path`` is only used in messages)."""
    if not mentions_old_api(text):
        return RewriteResult(text)
    doc = TextDocument(text, options, todo_comments=True)
    record(doc)
    return doc.result()
