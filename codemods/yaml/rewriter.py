"""Rewrite Megatron's old tokenizer flags in YAML configs, surgically, and prove it by loading.

Three shapes carry flags: mapping keys in flag form (``--tokenizer-type: X`` in ``MODEL_ARGS:``
maps, Megatron's functional-test ``model_config.yaml``), sequences of argv words, and command
strings (literal blocks holding a shell script are rewritten by the shell rewriter). Positions come
from PyYAML's composer marks; the document is never re-dumped, so comments, key order, quoting and
indentation stay as they were. Every rewrite is checked: the loaded result must equal the loaded
input with exactly the intended change, or the file is left alone and the sites are reported.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml  # type: ignore[import-untyped]

from codemods.core import Finding, Options, RewriteResult, UnparsableError, is_suppressed
from codemods.shell.words import (
    TextEdit,
    UnspellableWord,
    apply_text_edits,
    is_legacy_flag_word,
    leftover_mentions,
    legacy_flag_code,
    line_and_column,
    line_at,
    mentions_legacy_flag,
    split_quoted_contents,
    text_edits_for,
    todo_comment_edits,
)
from compat.deprecations import TOKENIZER_TYPE_FLAG

LIBRARY_FLAG = "--tokenizer-library"
# upstream's hand edits wrote `--tokenizer-library: null`, which loads as a YAML null
_UNQUOTED_NULL_LIBRARY = re.compile(re.escape(LIBRARY_FLAG) + r"\s*:\s*(?:null|Null|NULL)\b")
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_NULL_TAG = "tag:yaml.org,2002:null"
# what a plain scalar may not start with, contain or end with (YAML 1.1 as PyYAML reads it)
_PLAIN_UNSAFE = re.compile(r"^[\s,\[\]{}#&*!|>'\"%@`]|^[-?:](\s|$)|: | #|[\s:]$")


def spell_scalar(word: str, quote: str = "") -> str:
    """``word`` as a YAML scalar that loads back as the string ``word`` (style kept if possible)."""
    if quote == "'":
        return "'" + word.replace("'", "''") + "'"
    if quote == '"':
        return json.dumps(word)
    plain_safe = bool(word) and not _PLAIN_UNSAFE.search(word) and "\n" not in word
    if plain_safe:
        try:
            plain_safe = yaml.safe_load(word) == word
        except yaml.YAMLError:
            plain_safe = False
    return word if plain_safe else json.dumps(word)


def _quote_of(node) -> str:
    return node.style if node.style in ("'", '"') else ""


@dataclass
class _Change:
    """The intended change of one node, applied to the loaded input to predict the output."""

    path: tuple
    kind: str  # "mapping" | "sequence" | "scalar"
    removed_keys: list = field(default_factory=list)
    added: list = field(default_factory=list)  # mapping: (key, value) pairs
    splice: tuple = ()  # sequence: (start, stop, new items)
    value: str = ""  # scalar: the new string (compared whitespace-normalised)


@dataclass(frozen=True)
class _Kept:
    """A list item the rewrite leaves as written (its loaded value is the input's)."""

    index: int


@dataclass
class _State:
    text: str
    options: Options
    constructor: Any
    edits: list[TextEdit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    changes: list[_Change] = field(default_factory=list)
    todos: dict[int, list[str]] = field(default_factory=dict)

    def line_start(self, offset: int) -> int:
        return self.text.rfind("\n", 0, offset) + 1

    def report(self, offset: int, code: str, message: str, suggestion: str, anchor: int | None,
               fixed: bool = False) -> None:
        line, column = line_and_column(self.text, offset)
        self.findings.append(Finding(line, column, code, message, suggestion, fixed))
        if not fixed and anchor is not None:
            self.todos.setdefault(anchor, []).append(f"{code} {message}")

    def suppressed(self, offset: int, code: str) -> bool:
        if is_suppressed(line_at(self.text, offset), code):
            return True
        start = self.line_start(offset)
        if start == 0:
            return False
        above = line_at(self.text, start - 1)
        return above.lstrip().startswith("#") and is_suppressed(above, code)

    def wanted(self, offset: int, code: str) -> bool:
        return self.options.enabled(code) and not self.suppressed(offset, code)


def _translate(argv: list[str]):
    from compat.args import translate_argv

    return translate_argv(argv)


# --- walking the composed document ---------------------------------------------------------


def _walk(node, path: tuple, state: _State, anchor: int | None, visited: set[int]) -> None:
    if id(node) in visited:  # aliases point at nodes already seen
        return
    visited.add(id(node))
    if isinstance(node, yaml.MappingNode):
        _mapping(node, path, state, anchor)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            if key_node.tag == _MERGE_TAG:
                _merged(value_node, state, anchor, visited)
                continue
            key = state.constructor.construct_object(key_node, deep=True)
            entry_anchor = (anchor if node.flow_style
                            else state.line_start(key_node.start_mark.index))
            _walk(value_node, path + (key,), state, entry_anchor, visited)
    elif isinstance(node, yaml.SequenceNode):
        if _sequence(node, path, state, anchor):
            return  # an argv list: its words are not command strings
        for index, item in enumerate(node.value):
            item_anchor = anchor if node.flow_style else state.line_start(item.start_mark.index)
            _walk(item, path + (index,), state, item_anchor, visited)
    elif (isinstance(node, yaml.ScalarNode) and node.tag == _STR_TAG
          and mentions_legacy_flag(node.value)
          and any(is_legacy_flag_word(word) for word in node.value.split())):
        _scalar(node, path, state, anchor)


def _merged(node, state: _State, anchor: int | None, visited: set[int]) -> None:
    """A ``<<:`` merge value written in place has no path of its own in the loaded document."""
    if id(node) in visited:
        return  # an alias of an anchored map: rewritten (and verified) where it is defined
    start, end = node.start_mark.index, node.end_mark.index
    if mentions_legacy_flag(state.text[start:end]):
        state.report(start, TOKENIZER_TYPE_FLAG.code,
                     "old tokenizer flags inside a `<<:` merge value written in place; move them "
                     "to the merging map (or an anchored map) and run the migration again", "",
                     anchor if anchor is not None else state.line_start(start))


# --- flag-form mapping keys ------------------------------------------------------------------


@dataclass
class _Entry:
    key: Any  # yaml.ScalarNode
    value: Any
    flag: str
    argument: str | None  # None: a bare flag (true), or a list value
    path: tuple = ()
    # a list value (``--flag: [a, b]``, for flags taking several values)
    items: tuple[str, ...] | None = None


def _mapping(node, path: tuple, state: _State, anchor: int | None) -> None:
    entries: list[_Entry] = []
    argv: list[str] = []
    owner: list[int] = []  # argv index → entry index
    for key_node, value_node in node.value:
        if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == _STR_TAG
                and key_node.value.startswith("--")):
            continue
        if isinstance(value_node, yaml.SequenceNode) and all(
                isinstance(item, yaml.ScalarNode) for item in value_node.value):
            items = tuple(item.value for item in value_node.value)
            entries.append(_Entry(key_node, value_node, key_node.value, None,
                                  path + (key_node.value,), items))
            argv.extend((key_node.value, *items))
            owner.extend([len(entries) - 1] * (1 + len(items)))
            continue
        if not isinstance(value_node, yaml.ScalarNode):
            continue
        if value_node.tag == _BOOL_TAG:
            if not state.constructor.construct_object(value_node):
                continue  # a false flag is not on the command line
            argument = None
        elif value_node.tag == _NULL_TAG and value_node.value in ("", "~"):
            argument = None
        else:
            argument = value_node.value
        entries.append(_Entry(key_node, value_node, key_node.value, argument,
                              path + (key_node.value,)))
        argv.append(key_node.value)
        owner.append(len(entries) - 1)
        if argument is not None:
            argv.append(argument)
            owner.append(len(entries) - 1)
    _quote_null_library(entries, state)
    if not any(is_legacy_flag_word(entry.flag) for entry in entries):
        return
    translation = _translate(argv)
    for problem in translation.errors:
        entry = entries[owner[problem.index]]
        offset = entry.key.start_mark.index
        if state.wanted(offset, problem.code):
            state.report(offset, problem.code, problem.message, problem.suggestion,
                         anchor if node.flow_style else state.line_start(offset))
    existing_keys = {entry.flag for entry in entries} | {
        k.value for k, _ in node.value if isinstance(k, yaml.ScalarNode)
    }
    for edit in translation.edits:
        first, last = owner[edit.start], owner[edit.stop - 1]
        offset = entries[first].key.start_mark.index
        if not state.wanted(offset, edit.code):
            continue
        full_start = owner.index(first)
        full_stop = len(owner) - owner[::-1].index(last)
        covered = entries[first:last + 1]
        if any(entry.items is not None for entry in covered):
            _list_entry_edit(state, node, path, covered, edit,
                             whole=(edit.start, edit.stop) == (full_start, full_stop))
            continue
        words = [*argv[full_start:edit.start], *edit.words, *argv[edit.stop:full_stop]]
        pairs = _pairs(words)
        new_keys = {key for key, _ in pairs} - {entry.flag for entry in covered}
        duplicate = new_keys & existing_keys
        if duplicate:
            state.report(offset, edit.code,
                         f"{edit.message}; but {', '.join(sorted(duplicate))} is already a key "
                         "of this mapping: merge them by hand", " ".join(edit.words),
                         state.line_start(offset))
            continue
        state.edits.extend(_mapping_edits(state.text, node, covered, pairs))
        added = []
        for index, (key, argument) in enumerate(pairs):
            if index < len(covered) and argument == covered[index].argument:
                # a value left as written loads as it did (an int stays an int)
                added.append((key, state.constructor.construct_object(covered[index].value)
                              if argument is not None else True))
            else:
                added.append((key, True if argument is None else argument))
        state.changes.append(_Change(path, "mapping",
                                     removed_keys=[entry.flag for entry in covered], added=added))
        state.report(offset, edit.code, edit.message, " ".join(edit.words), None, fixed=True)


def _list_entry_edit(state: _State, node, path: tuple, covered: list[_Entry], edit,
                     whole: bool) -> None:
    """A flag whose value is a list: renamed (values kept as written) or deleted, else reported."""
    entry = covered[0]
    offset = entry.key.start_mark.index
    renamed = (len(covered) == 1 and whole and len(edit.words) == 1 + len(entry.items or ())
               and tuple(edit.words[1:]) == entry.items)
    if renamed:
        new_key = edit.words[0]
        if any(isinstance(key, yaml.ScalarNode) and key.value == new_key for key, _ in node.value):
            state.report(offset, edit.code, f"{edit.message}; but {new_key} is already a key of "
                         "this mapping: merge them by hand", " ".join(edit.words),
                         state.line_start(offset))
            return
        state.edits.append(TextEdit(offset, entry.key.end_mark.index,
                                    spell_scalar(new_key, _quote_of(entry.key))))
        loaded = state.constructor.construct_object(entry.value, deep=True)
        state.changes.append(_Change(path, "mapping", removed_keys=[entry.flag],
                                     added=[(new_key, loaded)]))
    elif len(covered) == 1 and whole and not edit.words:
        state.edits.append(_delete_entry(state.text, node, offset, entry.value.end_mark.index))
        state.changes.append(_Change(path, "mapping", removed_keys=[entry.flag]))
    else:
        state.report(offset, edit.code, f"{edit.message}; the flag's value is a list here: edit "
                     "it by hand", " ".join(edit.words), state.line_start(offset))
        return
    state.report(offset, edit.code, edit.message, " ".join(edit.words), None, fixed=True)


def _quote_null_library(entries: list[_Entry], state: _State) -> None:
    """``--tokenizer-library: null`` (as upstream wrote it by hand) loads as None: quote it."""
    for entry in entries:
        value = entry.value
        if (entry.flag == LIBRARY_FLAG and value.tag == _NULL_TAG and value.value
                and value.value != "~" and state.wanted(entry.key.start_mark.index,
                                                        TOKENIZER_TYPE_FLAG.code)):
            state.edits.append(TextEdit(value.start_mark.index, value.end_mark.index, '"null"'))
            state.changes.append(_Change(entry.path, "scalar", value="null"))
            state.report(entry.key.start_mark.index, TOKENIZER_TYPE_FLAG.code,
                         f"{LIBRARY_FLAG}: {value.value} loads as no value at all (YAML null); "
                         'the null library is written "null"', '"null"', None, fixed=True)


def _pairs(words: list[str]) -> list[tuple[str, str | None]]:
    """argv words → (flag, argument) pairs; a flag followed by a flag is bare (None)."""
    pairs: list[tuple[str, str | None]] = []
    index = 0
    while index < len(words):
        flag, equals, inline = words[index].partition("=")
        if equals:
            pairs.append((flag, inline))
            index += 1
        elif index + 1 < len(words) and not words[index + 1].startswith("--"):
            pairs.append((flag, words[index + 1]))
            index += 2
        else:
            pairs.append((flag, None))
            index += 1
    return pairs


def _entry_text(key: str, argument: str | None, like: _Entry) -> str:
    value = "true" if argument is None else spell_scalar(argument, _quote_of(like.value))
    return f"{spell_scalar(key, _quote_of(like.key))}: {value}"


def _mapping_edits(text: str, node, covered: list[_Entry],
                   pairs: list[tuple[str, str | None]]) -> list[TextEdit]:
    edits: list[TextEdit] = []
    for entry, (key, argument) in zip(covered, pairs):
        if key != entry.flag:
            edits.append(TextEdit(entry.key.start_mark.index, entry.key.end_mark.index,
                                  spell_scalar(key, _quote_of(entry.key))))
        if argument != entry.argument:
            new_value = "true" if argument is None else spell_scalar(argument,
                                                                       _quote_of(entry.value))
            if entry.argument is None and entry.value.value == "":
                # "--flag:" with nothing after it: the value goes after the colon
                edits.append(TextEdit(entry.key.end_mark.index, entry.value.end_mark.index,
                                      ": " + new_value))
            else:
                edits.append(TextEdit(entry.value.start_mark.index, entry.value.end_mark.index,
                                      new_value))
    last = covered[-1]
    if len(pairs) > len(covered):
        extra = pairs[len(covered):]
        if node.flow_style:
            insertion = "".join(", " + _entry_text(k, v, last) for k, v in extra)
            edits.append(TextEdit(last.value.end_mark.index, last.value.end_mark.index, insertion))
        else:
            indent = " " * last.key.start_mark.column
            line_end = text.find("\n", last.value.end_mark.index)
            line_end = len(text) if line_end < 0 else line_end
            insertion = "".join("\n" + indent + _entry_text(k, v, last) for k, v in extra)
            edits.append(TextEdit(line_end, line_end, insertion))
    edits.extend(
        _delete_entry(text, node, entry.key.start_mark.index, entry.value.end_mark.index)
        for entry in covered[len(pairs):]
    )
    return edits


def _delete_entry(text: str, node, start: int, end: int) -> TextEdit:
    """Delete one mapping entry or sequence item spanning ``text[start:end]``."""
    if node.flow_style:
        before = text.rfind(",", node.start_mark.index, start)
        if before >= 0:
            return TextEdit(before, end, "")
        after = text.find(",", end, node.end_mark.index)
        if after >= 0:
            stop = after + 1
            while stop < len(text) and text[stop] in " \t":
                stop += 1
            return TextEdit(start, stop, "")
        return TextEdit(start, end, "")
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end + 1
    return TextEdit(line_start, line_end, "")


# --- argv sequences -------------------------------------------------------------------------


def _sequence(node, path: tuple, state: _State, anchor: int | None) -> bool:
    """Translate a list of scalars as an argv; False when it is not one with old flags."""
    items = node.value
    if not items or not all(isinstance(item, yaml.ScalarNode) for item in items):
        return False
    argv = [item.value for item in items]
    if not any(is_legacy_flag_word(word) for word in argv):
        return False  # not an argv with old flags; its items may be command strings
    translation = _translate(argv)
    for problem in translation.errors:
        offset = items[problem.index].start_mark.index
        if state.wanted(offset, problem.code):
            state.report(offset, problem.code, problem.message, problem.suggestion,
                         anchor if node.flow_style else state.line_start(offset))
    for edit in translation.edits:
        offset = items[edit.start].start_mark.index
        if not state.wanted(offset, edit.code):
            continue
        covered = items[edit.start:edit.stop]
        new = list(edit.words)
        edits: list[TextEdit] = []
        for item, word in zip(covered, new):
            if word != item.value:
                edits.append(TextEdit(item.start_mark.index, item.end_mark.index,
                                      spell_scalar(word, _quote_of(item))))
        last = covered[-1]
        if len(new) > len(covered):
            extra = [spell_scalar(word, _quote_of(last)) for word in new[len(covered):]]
            if node.flow_style:
                edits.append(TextEdit(last.end_mark.index, last.end_mark.index,
                                      "".join(", " + word for word in extra)))
            else:
                line_start = state.line_start(last.start_mark.index)
                prefix = state.text[line_start:last.start_mark.index]
                if prefix.strip() != "-":
                    state.report(offset, edit.code, f"{edit.message}; the new items cannot be "
                                 "placed in this layout: edit it by hand", " ".join(edit.words),
                                 line_start)
                    continue
                line_end = state.text.find("\n", last.end_mark.index)
                line_end = len(state.text) if line_end < 0 else line_end
                edits.append(TextEdit(line_end, line_end,
                                      "".join("\n" + prefix + word for word in extra)))
        edits.extend(
            _delete_entry(state.text, node, item.start_mark.index, item.end_mark.index)
            for item in covered[len(new):]
        )
        state.edits.extend(edits)
        kept = [_Kept(edit.start + i) if i < len(covered) and word == covered[i].value else word
                for i, word in enumerate(new)]
        state.changes.append(_Change(path, "sequence", splice=(edit.start, edit.stop, kept)))
        state.report(offset, edit.code, edit.message, " ".join(edit.words), None, fixed=True)
    return True


# --- command strings -------------------------------------------------------------------------


def _scalar(node, path: tuple, state: _State, anchor: int | None) -> None:
    if node.style == "|" and _literal_block_as_script(node, path, state, anchor):
        return
    start, end = node.start_mark.index, node.end_mark.index
    if node.style in ("'", '"'):
        start, end = start + 1, end - 1
    elif node.style in ("|", ">"):
        start = state.text.find("\n", start) + 1
    raw_words = split_quoted_contents(state.text, start, end, "single")
    if [w.value for w in raw_words] != node.value.split():
        state.report(node.start_mark.index, "MTC201",
                     "old tokenizer flags in a string whose escapes hide the words; edit it by "
                     "hand", "", anchor)
        return
    # the same words, located in the loaded value, to predict the loaded result
    value_words = split_quoted_contents(node.value, 0, len(node.value), "single")
    translation = _translate([w.value for w in raw_words])
    for problem in translation.errors:
        offset = raw_words[problem.index].start
        if state.wanted(offset, problem.code):
            state.report(offset, problem.code, problem.message, problem.suggestion, anchor)
    source_edits: list[TextEdit] = []
    value_edits: list[TextEdit] = []
    done: list = []
    for edit in translation.edits:
        offset = raw_words[edit.start].start
        if not state.wanted(offset, edit.code):
            continue
        try:
            source_edits += text_edits_for(state.text, raw_words, edit)
            value_edits += text_edits_for(node.value, value_words, edit)
        except UnspellableWord as word:
            state.report(offset, edit.code, f"{edit.message}; but {word} cannot be written "
                         "in place here", " ".join(edit.words), anchor)
            continue
        done.append((offset, edit))
    if not done:
        return
    state.edits.extend(source_edits)
    state.changes.append(_Change(path, "scalar", value=apply_text_edits(node.value, value_edits)))
    for offset, edit in done:
        state.report(offset, edit.code, edit.message, " ".join(edit.words), None, fixed=True)


def _literal_block_as_script(node, path: tuple, state: _State, anchor: int | None) -> bool:
    """Rewrite a ``|`` block holding a shell script with the shell rewriter; False: not one."""
    from codemods.shell.rewriter import rewrite as rewrite_shell
    from codemods.shell.rewriter import validate as validate_shell

    text = state.text
    value = node.value
    body = value.rstrip("\n")
    trailing = value[len(body):]
    lines = body.split("\n")
    first_line = text.find("\n", node.start_mark.index) + 1
    source_lines = text[first_line:].split("\n")[: len(lines)]
    indent = next((len(s) - len(s.lstrip(" ")) for s in source_lines if s.strip()), 0)
    if len(source_lines) != len(lines) or any(
        source != (" " * indent + line if line else source) or (not line and source.strip())
        for source, line in zip(source_lines, lines)
    ):
        return False
    try:
        validate_shell(value)  # a block that is not bash is rewritten word by word instead
        result = rewrite_shell(value, "<yaml block>", Options(
            target=state.options.target, select=state.options.select,
            ignore=state.options.ignore))
    except UnparsableError:
        return False
    new_value = result.new_text
    if not new_value.endswith(trailing) or new_value[: len(new_value) - len(trailing)].endswith(
            "\n") and trailing == "":
        return False
    for finding in result.findings:
        line_offset = first_line
        for _ in range(finding.line - 1):
            line_offset = text.find("\n", line_offset) + 1
        offset = line_offset + indent + finding.col - 1
        state.report(offset, finding.code, finding.message, finding.suggestion,
                     None if finding.fixed else anchor, fixed=finding.fixed)
    if new_value == value:
        return True
    new_body = new_value[: len(new_value) - len(trailing)] if trailing else new_value
    rendered = "\n".join(" " * indent + line if line else "" for line in new_body.split("\n"))
    region_end = first_line + len("\n".join(source_lines))
    state.edits.append(TextEdit(first_line, region_end, rendered))
    state.changes.append(_Change(path, "scalar", value=new_value))
    return True


# --- predicting and checking the loaded result -----------------------------------------------


def _normalised(value: str) -> str:
    return " ".join(value.split())


def _expected(before: list, changes: list[_Change]) -> list:
    expected = copy.deepcopy(before)
    # later sites first, so that splicing a list does not shift the sites before it
    for change in reversed(changes):
        *parents, last = change.path
        container = expected
        for step in parents:
            container = container[step]
        target = container[last]
        if change.kind == "mapping":
            for key in change.removed_keys:
                target.pop(key, None)
            for key, value in change.added:
                target[key] = value
        elif change.kind == "sequence":
            start, stop, items = change.splice
            target[start:stop] = [target[item.index] if isinstance(item, _Kept) else item
                                  for item in items]
        else:
            container[last] = change.value
    return expected


def _same(expected: Any, actual: Any, scalar_paths: set[tuple], path: tuple = ()) -> bool:
    if path in scalar_paths and isinstance(expected, str) and isinstance(actual, str):
        return _normalised(expected) == _normalised(actual)
    if isinstance(expected, dict) and isinstance(actual, dict):
        return expected.keys() == actual.keys() and all(
            _same(expected[k], actual[k], scalar_paths, path + (k,)) for k in expected
        )
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(
            _same(e, a, scalar_paths, path + (i,)) for i, (e, a) in enumerate(zip(expected,
                                                                                   actual))
        )
    return expected == actual


_COMMENT_START = re.compile(r"(?:^|\s)#")


def _report_leftovers(state: _State) -> None:
    """Old flags outside comments that no site above dealt with: never a silent miss."""
    handled = {finding.line for finding in state.findings}
    for start, flag in leftover_mentions(state.text, handled):
        line_start = state.line_start(start)
        if _COMMENT_START.search(state.text, line_start, start):
            continue  # (an approximation: a " #" inside a quoted string also counts)
        code = legacy_flag_code(flag)
        if state.wanted(start, code):
            state.report(start, code, f"{flag} left as it is: it is not a flag-form key, an "
                         "argv list item or a word of a command string here; check it by hand",
                         "", None)


def _loader_for(text: str) -> type:
    """libyaml's safe loader when available (about 8x faster), else PyYAML's.

    Both resolve tags alike and mark character offsets alike, except that libyaml does not
    count a leading BOM; a wrong offset could only make the verified result differ from the
    intended one, and then the file is left alone.
    """
    if getattr(yaml, "__with_libyaml__", False) and not text.startswith("\ufeff"):
        return yaml.CSafeLoader
    return yaml.SafeLoader


def validate(text: str) -> None:
    try:
        for _ in yaml.compose_all(text, Loader=_loader_for(text)):
            pass
    except yaml.YAMLError as error:
        raise UnparsableError(f"YAML does not load: {error}") from None


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    if not mentions_legacy_flag(text) and not _UNQUOTED_NULL_LIBRARY.search(text):
        return RewriteResult(text)
    try:
        loader = _loader_for(text)(text)
        documents = []
        try:
            while loader.check_node():
                documents.append(loader.get_node())
        finally:
            loader.dispose()
        before = list(yaml.load_all(text, Loader=_loader_for(text)))
    except yaml.YAMLError as error:
        raise UnparsableError(f"{path}: YAML does not load ({error}); fix it and run the "
                              "migration again") from None
    state = _State(text, options, yaml.SafeLoader(""))
    visited: set[int] = set()
    for index, document in enumerate(documents):
        _walk(document, (index,), state, None, visited)
    _report_leftovers(state)
    edits = list(state.edits)
    if options.add_todo:
        edits += todo_comment_edits(text, state.todos)
    findings = sorted(state.findings, key=lambda f: (f.line, f.col, f.code))
    if not edits:
        return RewriteResult(text, findings)
    new_text = apply_text_edits(text, edits)
    try:
        after = list(yaml.load_all(new_text, Loader=_loader_for(new_text)))
    except yaml.YAMLError:
        after = None
    scalar_paths = {change.path for change in state.changes if change.kind == "scalar"}
    try:
        expected = _expected(before, state.changes)
    except (LookupError, TypeError):
        expected = None
    if after is None or expected is None or not _same(expected, after, scalar_paths):
        unverified = [
            Finding(f.line, f.col, f.code, f"{f.message} [not rewritten: the edited file would "
                    "not load as exactly the intended change; rewrite it by hand]",
                    f.suggestion, fixed=False) if f.fixed else f
            for f in findings
        ]
        return RewriteResult(text, unverified)
    return RewriteResult(new_text, findings)
