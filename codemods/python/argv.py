"""The command-line fixer in Python: argv lists and command strings (MTC201-MTC205).

``["--tokenizer-type", "GPT2BPETokenizer", ...]`` (``sys.argv`` builders, ``subprocess`` lists)
and ``"... --tokenizer-type X ..."`` command strings go through the one translator
(:func:`codemods.text.command_line.translate`), so Python, shell and YAML get the same answer.
A list element that is not a literal is a value the translator treats as unknown until run
time. f-strings are reported, not rewritten.

Only command lines are rewritten: argv lists, the arguments of ``subprocess``/``os.system``/
``os.exec*``/``shlex.split`` (directly or through a variable), and strings that are a command
as a whole. Messages, log and print text, ``help=`` strings and docstrings are never edited;
an old flag they name gets one note (MTC205). Dicts of flags (``{"--tokenizer-type": "X"}``)
are translated as the argv they stand for and reported with the entries to write. Look-alikes
are decided per site: in a file that imports NeMo, a command line whose ``--tokenizer-type`` is
not a Megatron type is NeMo's own; anywhere, an argv in NeMo's style (``--tokenizer-library``
beside a non-Megatron type).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from codemods.python.syntax import code_of, cst, full_name, string_like, string_value
from codemods.rules import Fixer
from codemods.text.command_line import kept_flag_message, translate
from codemods.text.words import is_legacy_flag_word, legacy_flag_code
from compat.deprecations import (
    DYNAMIC_TOKENIZER_TYPE,
    FLAG_IN_TEXT,
    LEGACY_FLAG_NAMES,
    LEGACY_FLAGS,
    LIBRARY_FLAG,
    TOKENIZER_TYPE_FLAG,
    TOKENIZER_TYPE_FLAG_NAME,
    TOKENIZER_TYPES,
)

if TYPE_CHECKING:
    from codemods.python.engine import Context
    from codemods.python.probe import RegionFacts
    from compat.args import Translation

fixer = Fixer(
    name="command-line",
    codes=frozenset(
        {
            TOKENIZER_TYPE_FLAG.code,
            DYNAMIC_TOKENIZER_TYPE.code,
            FLAG_IN_TEXT.code,
            *(flag.rule.code for flag in LEGACY_FLAGS.values()),
        }
    ),
)
_TOKEN = re.compile(r"\S+")


def _type_values(words: list[str]) -> list[str | None]:
    """The value given to each ``--tokenizer-type`` (None when it has none)."""
    values: list[str | None] = []
    for index, word in enumerate(words):
        if word == TOKENIZER_TYPE_FLAG_NAME:
            values.append(words[index + 1] if index + 1 < len(words) else None)
        elif word.startswith(TOKENIZER_TYPE_FLAG_NAME + "="):
            values.append(word.split("=", 1)[1])
    return values


def _is_megatron_type(value: str | None) -> bool:
    return value is not None and (value in TOKENIZER_TYPES or "$" in value)


# --- argv lists -------------------------------------------------------------------------------


def _element_word(element: cst.BaseElement) -> str:
    if isinstance(element, cst.StarredElement):
        return f"$*{code_of(element.value)}"
    value = string_value(element.value)
    return value if value is not None else f"${code_of(element.value)}"


def _looks_like_nemo(ctx: Context, words: list[str]) -> bool:
    """NeMo's preprocessing takes ``--tokenizer-library`` *and* its own ``--tokenizer-type``
    (whose values include Megatron's type names); in a file that imports NeMo, a command line
    with ``--tokenizer-type`` is NeMo's. Other sites of such a file are migrated."""
    types = _type_values(words)
    if ctx.facts.foreign and types:
        return True
    return LIBRARY_FLAG in words and not all(map(_is_megatron_type, types))


def _follow_ups(
    ctx: Context, translation: Translation, node_at: Callable[[int], cst.CSTNode]
) -> None:
    """What the translation asks of a person besides its edits and errors: its notes, and
    every prompt format the registry lacks (MTC401)."""
    from codemods.rules.unregistered_prompt_format import rule, verdict

    for note in translation.notes:
        node = node_at(note.index)
        if ctx.allowed(node, note.code):
            ctx.note(
                node,
                f"{note.message}: {note.suggestion}" if note.suggestion else note.message,
                code=note.code,
            )
    for index, name in translation.prompt_formats:
        node = node_at(index)
        found = verdict(name, built_by_compat=ctx.file.options.command_target != "upstream")
        if found is None or not ctx.allowed(node, rule.code):
            continue
        if found.informational:
            ctx.note(node, found.message, code=rule.code)
        else:
            ctx.report(node, found.message, found.suggestion, code=rule.code)


def _new_elements(replaced: list[cst.Element], words: tuple[str, ...]) -> list[cst.Element]:
    """String elements for ``words``, laid out (commas, line breaks) like the ones they replace."""
    separator = next(
        (element.comma for element in replaced if isinstance(element.comma, cst.Comma)),
        cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
    )
    if not words:
        return []
    template = replaced[0].value
    elements = []
    for index, word in enumerate(words):
        if index == len(words) - 1:
            comma = replaced[-1].comma
        elif index < len(replaced) - 1:
            comma = replaced[index].comma
        else:
            comma = separator
        elements.append(cst.Element(value=string_like(template, word), comma=comma))
    return elements


@fixer.leave("List", "Tuple")
def _rewrite_argv_list(
    ctx: Context, original: cst.List | cst.Tuple, updated: cst.List | cst.Tuple
) -> cst.List | cst.Tuple:
    if not original.elements:
        return updated
    words = [_element_word(element) for element in original.elements]
    if not any(map(is_legacy_flag_word, words)) or _looks_like_nemo(ctx, words):
        return updated
    if _kept(ctx, zip(original.elements, words)):
        return updated
    translation = translate(words, ctx.file.options)
    for problem in translation.errors:
        node = original.elements[problem.index]
        if ctx.allowed(node, problem.code):
            ctx.report(node, problem.message, problem.suggestion, code=problem.code)
    _follow_ups(ctx, translation, lambda index: original.elements[index])
    elements = list(updated.elements)
    for edit in sorted(translation.edits, key=lambda edit: edit.start, reverse=True):
        replaced = elements[edit.start : edit.stop]
        if not ctx.allowed(original.elements[edit.start], edit.code):
            continue
        replaced_elements = [element for element in replaced if isinstance(element, cst.Element)]
        if len(replaced_elements) != len(replaced):
            continue
        ctx.fixed(original.elements[edit.start], edit.message, " ".join(edit.words), code=edit.code)
        removes_the_tail = not edit.words and edit.stop == len(elements) and edit.start > 0
        elements[edit.start : edit.stop] = _new_elements(replaced_elements, edit.words)
        if removes_the_tail:
            # the new last element takes the old last one's comma (none, or a trailing one)
            elements[-1] = elements[-1].with_changes(comma=replaced[-1].comma)
    if elements == list(updated.elements):
        return updated
    if isinstance(updated, cst.Tuple):
        return _still_a_tuple(updated, elements)
    return updated.with_changes(elements=elements)


def _still_a_tuple(node: cst.Tuple, elements: list[cst.BaseElement]) -> cst.Tuple:
    """Deleting flags must not turn ``("--legacy-tokenizer", x)`` into the plain ``(x)``."""
    if len(elements) == 1 and not isinstance(elements[0].comma, cst.Comma):
        elements = [elements[0].with_changes(comma=cst.Comma())]
    if not elements and not node.lpar:
        return node.with_changes(elements=[], lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node.with_changes(elements=elements)


# --- command strings --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    word: str


def _tokens(body: str) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(body):
        written = match.group()
        if written == "\\":  # a shell line continuation inside the string
            continue
        quoted = len(written) > 1 and written[0] in "'\"" and written[-1] == written[0]
        tokens.append(_Token(match.start(), match.end(), written[1:-1] if quoted else written))
    return tokens


# Programs that run a command line they are given (qualified names as imported).
_RUNNERS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.system",
        "os.popen",
        "shlex.split",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
    }
)
_RUNNER_PREFIXES = ("os.exec", "os.spawn")
# the names a runner is called by, without its module (``subprocess.run(cmd)``, ``run(cmd)``)
_RUNNER_CALL_NAMES = frozenset(name.rsplit(".", 1)[-1] for name in _RUNNERS)
_RUNNER_CALL_PREFIXES = tuple(prefix.rsplit(".", 1)[-1] for prefix in _RUNNER_PREFIXES)


def _is_runner_name(name: str) -> bool:
    return name in _RUNNERS or name.startswith(_RUNNER_PREFIXES)


def may_hand_over_a_command(facts: RegionFacts, imported: Mapping[str, str]) -> bool:
    """The statements the command-line rules read beside their sites: a call that may hand a
    variable to a runner (the strings assigned to it are command lines)."""
    return any(
        positional
        and (
            name in _RUNNER_CALL_NAMES
            or name.startswith(_RUNNER_CALL_PREFIXES)
            or _is_runner_name(imported.get(name, ""))
        )
        for name, positional in facts.calls
    )


# Calls whose string arguments are messages, and keywords whose values are.
_MESSAGE_CALLS = frozenset(
    {
        "print",
        "print_rank_0",
        "print_rank_last",
        "log_single_rank",
        "warn",
        "warning",
        "info",
        "debug",
        "error",
        "exception",
        "critical",
        "log",
        "echo",
        "add_argument",
        "exit",
        "fail",
        "skip",
        "xfail",
    }
)
_MESSAGE_KEYWORDS = frozenset(
    {"help", "description", "epilog", "usage", "msg", "message", "reason", "match"}
)
# Words that start a command line.
_LAUNCHERS = frozenset(
    {
        "python",
        "python3",
        "torchrun",
        "deepspeed",
        "srun",
        "mpirun",
        "accelerate",
        "bash",
        "sh",
        "uv",
        "exec",
        "env",
    }
)
# How a string's role is decided from what encloses it.
Role = Literal["argv", "text", "unknown"]


def _qualified_name(ctx: Context, call: cst.Call) -> str:
    name = full_name(call.func) or ""
    head, _, rest = name.partition(".")
    base = ctx.file.imported.get(head, head)
    return f"{base}.{rest}" if rest else base


def _is_runner(ctx: Context, call: cst.Call) -> bool:
    return _is_runner_name(_qualified_name(ctx, call))


def _is_message_call(call: cst.Call) -> bool:
    name = (full_name(call.func) or "").rsplit(".", 1)[-1]
    return (
        name in _MESSAGE_CALLS
        or name.startswith(("print", "warn", "log"))
        or name.endswith(("Error", "Exception", "Warning"))
    )


@fixer.prescan("Call")
def _variables_run_as_commands(ctx: Context, call: cst.Call) -> None:
    """Names of variables handed to a runner: strings assigned to them are command lines."""
    if call.args and isinstance(call.args[0].value, cst.Name) and _is_runner(ctx, call):
        ctx.prescan.command_variables.add(call.args[0].value.value)


def _role(ctx: Context) -> Role:
    """What the string being left is, from the nodes around it."""
    depth = 1
    child: cst.CSTNode | None = None
    while (parent := ctx.parent(depth)) is not None:
        if isinstance(parent, cst.Element) and isinstance(
            ctx.parent(depth + 1), (cst.List, cst.Tuple)
        ):
            return "argv"
        if isinstance(parent, cst.Arg):
            if parent.keyword is not None and parent.keyword.value in _MESSAGE_KEYWORDS:
                return "text"
            call = ctx.parent(depth + 1)
            if isinstance(call, cst.Call) and _is_runner(ctx, call):
                return "argv"
            if isinstance(call, cst.Call) and _is_message_call(call):
                return "text"
            return "unknown"
        if isinstance(parent, (cst.Expr, cst.Raise, cst.Assert, cst.Comparison)):
            return "text"
        if isinstance(parent, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
            return "argv" if _assigns_command_variable(ctx, parent) else "unknown"
        if not isinstance(
            parent,
            (
                cst.BinaryOperation,
                cst.ConcatenatedString,
                cst.FormattedString,
                cst.Attribute,
                cst.Call,
                cst.FormattedStringExpression,
            ),
        ):
            return "unknown"
        if isinstance(parent, cst.Call) and parent.func is not child:
            return "unknown"
        child = parent
        depth += 1
    return "unknown"


def _assigns_command_variable(ctx: Context, statement: cst.CSTNode) -> bool:
    targets: list[cst.BaseExpression] = []
    if isinstance(statement, cst.Assign):
        targets = [target.target for target in statement.targets]
    elif isinstance(statement, (cst.AugAssign, cst.AnnAssign)):
        targets = [statement.target]
    return any(
        isinstance(target, cst.Name) and target.value in ctx.prescan.command_variables
        for target in targets
    )


def _kept(ctx: Context, sites: Iterable[tuple[cst.CSTNode, str]]) -> bool:
    """When the parser these command lines run keeps the old flags, note each, rewrite none."""
    options = ctx.file.options
    if options.command_target != "keep":
        return False
    for node, word in sites:
        if is_legacy_flag_word(word) and ctx.allowed(node, legacy_flag_code(word)):
            ctx.note(node, kept_flag_message(word, options), code=legacy_flag_code(word))
    return True


def _is_command(words: list[str]) -> bool:
    """The words form a command line as a whole: a program or script path followed by
    arguments, or an argv fragment (flags first) in which every ``--tokenizer-type`` has a
    Megatron type after it and a flag that takes no value is not followed by text."""
    if not words or not any(map(is_legacy_flag_word, words)):
        return False
    first = words[0]
    program = first.rsplit("/", 1)[-1]
    if not (
        first.startswith(("-", "$", "./", "/"))
        or program in _LAUNCHERS
        or program.endswith((".py", ".sh"))
    ):
        return False
    if len(words) == 1 and "=" not in first:
        return False  # the flag alone: a membership test, a flag definition
    return all(map(_is_megatron_type, _type_values(words))) and not _text_after_switch(words)


def _text_after_switch(words: list[str]) -> bool:
    """``--legacy-tokenizer is gone``: a flag that takes no value, followed by a word that is
    not a flag, reads as prose."""
    switches = {name for name, flag in LEGACY_FLAGS.items() if not flag.takes_value}
    return any(
        word in switches and index + 1 < len(words) and not words[index + 1].startswith("-")
        for index, word in enumerate(words)
    )


def _mentions_flag(value: str) -> bool:
    return any(flag in value for flag in LEGACY_FLAG_NAMES)


def _note_text(ctx: Context, node: cst.CSTNode) -> None:
    # NeMo's messages and docstrings speak of its own --tokenizer-type
    if not ctx.facts.foreign and ctx.allowed(node, FLAG_IN_TEXT.code):
        ctx.note(
            node,
            "an old tokenizer flag is named in text that is not a command line (a "
            "message, a help text, a docstring); it was left as it is: update the wording "
            "if it tells users to pass the flag",
            code=FLAG_IN_TEXT.code,
        )


@fixer.leave("SimpleString")
def _rewrite_command_string(
    ctx: Context, original: cst.SimpleString, updated: cst.SimpleString
) -> cst.SimpleString:
    if "b" in original.prefix.lower() or not _mentions_flag(original.value):
        return updated
    if id(original) in ctx.prescan.flag_dict_keys:
        return updated  # a key of a dict of flags: translated with its dict
    body = original.raw_value
    tokens = _tokens(body)
    words = [token.word for token in tokens]
    if _looks_like_nemo(ctx, words):
        return updated
    role = _role(ctx)
    if role == "argv" and len(tokens) == 1 and isinstance(ctx.parent(), cst.Element):
        return updated  # one word of an argv list: rewritten with its list
    if role == "text" or (role == "unknown" and not _is_command(words)):
        _note_text(ctx, original)
        return updated
    if _kept(ctx, ((original, word) for word in words)):
        return updated
    translation = translate(words, ctx.file.options)
    for problem in translation.errors:
        if ctx.allowed(original, problem.code):
            ctx.report(original, problem.message, problem.suggestion, code=problem.code)
    _follow_ups(ctx, translation, lambda index: original)
    new_body = body
    for edit in sorted(translation.edits, key=lambda edit: edit.start, reverse=True):
        if not ctx.allowed(original, edit.code):
            continue
        start, end = tokens[edit.start].start, tokens[edit.stop - 1].end
        if "\\" in body[start:end] or any(
            token.word != body[token.start : token.end] for token in tokens[edit.start : edit.stop]
        ):
            ctx.report(
                original,
                f"{edit.message}; the words are quoted or escaped in the "
                "string, so rewrite them by hand",
                " ".join(edit.words),
                code=edit.code,
            )
            continue
        ctx.fixed(original, edit.message, " ".join(edit.words), code=edit.code)
        new_body = new_body[:start] + " ".join(edit.words) + new_body[end:]
    if new_body == body:
        return updated
    prefix_and_quote = original.value[: len(original.value) - len(body) - len(original.quote)]
    return updated.with_changes(value=f"{prefix_and_quote}{new_body}{original.quote}")


@fixer.leave("FormattedString")
def _report_command_fstring(
    ctx: Context, original: cst.FormattedString, updated: cst.FormattedString
) -> cst.FormattedString:
    text = "".join(
        part.value
        if isinstance(part, cst.FormattedStringText)
        else f"${{{code_of(part.expression)}}}"
        if isinstance(part, cst.FormattedStringExpression)
        else ""
        for part in original.parts
    )
    if not _mentions_flag(text):
        return updated
    words = [token.word for token in _tokens(text)]
    if _looks_like_nemo(ctx, words):
        return updated
    role = _role(ctx)
    if role == "text" or (role == "unknown" and not _is_command(words)):
        _note_text(ctx, original)
        return updated
    if _kept(ctx, ((original, word) for word in words)):
        return updated
    translation = translate(words, ctx.file.options)
    _follow_ups(ctx, translation, lambda index: original)
    problems = [(p.code, p.message, p.suggestion) for p in translation.errors]
    if translation.edits:
        problems.append(
            (
                TOKENIZER_TYPE_FLAG.code,
                "old tokenizer flags in an f-string are not rewritten automatically",
                " ".join(translation.argv),
            )
        )
    for code, message, suggestion in problems:
        if ctx.allowed(original, code):
            ctx.report(original, message, suggestion, code=code)
    return updated


# --- dicts of flags ---------------------------------------------------------------------------


def _flag_dict_words(node: cst.Dict) -> list[str] | None:
    """The argv a dict of flags stands for (``{"--flag": value}``; ``True``/``None`` for a
    switch), or None when it is not one: every key a literal flag, one of them an old one."""
    words: list[str] = []
    for element in node.elements:
        if not isinstance(element, cst.DictElement):
            return None
        key = string_value(element.key)
        if key is None or not key.startswith("-"):
            return None
        words.append(key)
        value = element.value
        if isinstance(value, cst.Name) and value.value in ("True", "None"):
            continue
        literal = string_value(value)
        if literal is None and isinstance(value, (cst.Integer, cst.Float)):
            literal = value.value
        words.append(literal if literal is not None else f"${code_of(value)}")
    return words if any(map(is_legacy_flag_word, words)) else None


@fixer.prescan("Dict")
def _keys_of_flag_dicts(ctx: Context, node: cst.Dict) -> None:
    if _flag_dict_words(node) is not None:
        ctx.prescan.flag_dict_keys.update(
            id(element.key) for element in node.elements if isinstance(element, cst.DictElement)
        )


@fixer.leave("Dict")
def _report_flag_dict(ctx: Context, original: cst.Dict, updated: cst.Dict) -> cst.Dict:
    """A dict of flags is reported with the entries to write: its values may be computed, and
    a translation can split one entry into two (``--tokenizer-library``, ``--tokenizer-model``)."""
    words = _flag_dict_words(original)
    if words is None or _looks_like_nemo(ctx, words):
        return updated
    elements = [element for element in original.elements if isinstance(element, cst.DictElement)]
    starts = [index for index, word in enumerate(words) if word.startswith("-")]

    def element_at(index: int) -> cst.CSTNode:
        return elements[max(position for position, start in enumerate(starts) if start <= index)]

    if _kept(ctx, ((element_at(index), word) for index, word in enumerate(words))):
        return updated
    translation = translate(words, ctx.file.options)
    for problem in translation.errors:
        node = element_at(problem.index)
        if ctx.allowed(node, problem.code):
            ctx.report(node, problem.message, problem.suggestion, code=problem.code)
    for edit in translation.edits:
        node = element_at(edit.start)
        if ctx.allowed(node, edit.code):
            ctx.report(
                node,
                f"{edit.message}; a dict of flags is not rewritten automatically",
                _as_entries(edit.words),
                code=edit.code,
            )
    _follow_ups(ctx, translation, element_at)
    return updated


def _as_entries(words: tuple[str, ...]) -> str:
    """``--a x --b`` as dict entries: ``"--a": "x", "--b": True``."""
    entries = []
    for index, word in enumerate(words):
        if not word.startswith("-"):
            continue
        value = (
            words[index + 1]
            if index + 1 < len(words) and not words[index + 1].startswith("-")
            else None
        )
        entries.append(f'"{word}": ' + (f'"{value}"' if value is not None else "True"))
    return ", ".join(entries) if entries else "(delete the entry)"
