"""Render chat templates the way Hugging Face does, inside jinja2's immutable sandbox.

Chat templates come from metadata files and tokenizer configs, so they are untrusted: they are
compiled in ``ImmutableSandboxedEnvironment`` and only see the conversation plus plain variables;
reaching for an unsafe attribute (``__class__``, ``append``...) fails with ``ChatTemplateError``.
The environment mirrors the one transformers builds (``trim_blocks``/``lstrip_blocks``, loop
controls, a ``{% generation %}`` block, ``raise_exception``, ``strftime_now``, a non-escaping
``tojson``), so a template renders identically here and under transformers.

Rendering has explicit resource limits (:class:`ChatTemplateLimits`): the size of any string,
list or integer an operator, filter or method builds, the ``range`` items one rendering may
iterate, and the size of the rendered text. A template over a limit fails with
``ChatTemplateLimitError`` before the value is built, naming the limit and how to raise it
(:func:`set_chat_template_limits`): ``{{ 'a' * 10**10 }}`` is refused at once instead of
allocating 10 GB.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import string
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import lru_cache, wraps
from typing import Any

import jinja2
import jinja2.ext
import jinja2.filters
import jinja2.nodes
import jinja2.utils
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range


class ChatTemplateError(ValueError):
    """A chat template failed to compile or raised while rendering."""


@dataclasses.dataclass(frozen=True)
class ChatTemplateLimits:
    """What one chat template rendering may build (chat templates are untrusted input).

    ``max_value_size``: characters of a string, or items (counted through nested lists) of a
    list or tuple, that one operator (``*``, ``+``, ``%``), filter or string method builds.
    ``max_int_bits``: bits of an integer built by ``*`` or ``**``.
    ``max_range_items``: items all ``range()`` calls of one rendering produce together.
    ``max_output_size``: characters of the rendered text.
    """

    max_value_size: int = 50_000_000
    max_int_bits: int = 1_000_000
    max_range_items: int = 10_000_000
    max_output_size: int = 50_000_000


class ChatTemplateLimitError(ChatTemplateError):
    """A chat template went over one of the :class:`ChatTemplateLimits`."""


_limits = ChatTemplateLimits()


def chat_template_limits() -> ChatTemplateLimits:
    return _limits


def set_chat_template_limits(**limits: int) -> ChatTemplateLimits:
    """Change the limits of every later rendering (e.g. ``max_output_size=200_000_000`` for a
    trusted template that renders very long conversations); returns the previous limits."""
    global _limits
    previous = _limits
    _limits = dataclasses.replace(previous, **limits)
    return previous


class _Budget:
    """One rendering's limits and what it has used of them."""

    def __init__(self, limits: ChatTemplateLimits) -> None:
        self.limits = limits
        self.range_items = 0

    def refuse(self, limit: str, amount: int, what: str) -> ChatTemplateLimitError:
        allowed = getattr(self.limits, limit)
        return ChatTemplateLimitError(
            f"the chat template {what} {amount:,}, over the limit of {allowed:,} "
            f"(ChatTemplateLimits.{limit}); if the template is trusted, raise it with "
            "compat.tokenizers.text.libraries.chat_rendering.set_chat_template_limits("
            f"{limit}=...)"
        )

    def check_size(self, size: int, what: str) -> None:
        if size > self.limits.max_value_size:
            raise self.refuse("max_value_size", size, f"would build {what} of size")

    def check_int(self, bits: int, what: str) -> None:
        if bits > self.limits.max_int_bits:
            raise self.refuse("max_int_bits", bits, f"would build an integer with {what} of bits")

    def count_range(self, items: int) -> None:
        self.range_items += items
        if self.range_items > self.limits.max_range_items:
            raise self.refuse("max_range_items", self.range_items, "iterated range() items:")


_budget: ContextVar[_Budget | None] = ContextVar("chat_template_budget", default=None)


def _current_budget() -> _Budget:
    # Outside a rendering (jinja's constant folding at compile time): the current limits.
    return _budget.get() or _Budget(_limits)


def _size(value: Any, cap: int) -> int:
    """Characters of a string, items of a list or tuple counted through nested ones (a list of
    one big string repeated is as big as all its copies), 1 for anything else; stops past
    ``cap``."""
    if isinstance(value, str):
        return len(value)
    if not isinstance(value, (list, tuple)):
        return 1
    total = 0
    for item in value:
        total += _size(item, cap - total)
        if total > cap:
            break
    return max(total, len(value))


_PERCENT_FIELD = re.compile(r"%[#0 +-]*(\*|\d+)?(?:\.(\*|\d+))?")


def _percent_widths(template: str, args: Any) -> list[int]:
    """The widths and precisions a ``%`` format asks for (``*`` ones from ``args``)."""
    star_values = [
        arg for arg in (args if isinstance(args, tuple) else (args,)) if isinstance(arg, int)
    ]
    widths: list[int] = []
    for match in _PERCENT_FIELD.finditer(template):
        for part in match.groups():
            if part == "*":
                widths.extend(star_values)
            elif part:
                widths.append(int(part))
    return widths


def _format_widths(template: str, args: Any, kwargs: Any) -> list[int]:
    """The widths ``str.format`` specs ask for (nested ``{}`` ones from the arguments)."""
    widths: list[int] = []
    try:
        fields = list(string.Formatter().parse(template))
    except ValueError:
        return []
    for _, _, spec, _ in fields:
        if not spec:
            continue
        widths.extend(int(number) for number in re.findall(r"\d+", spec))
        if "{" in spec:
            widths.extend(value for value in (*args, *kwargs.values()) if isinstance(value, int))
    return widths


def _check_widths(widths: list[int], what: str) -> None:
    if widths:
        _current_budget().check_size(max(widths), what)


class _StrictSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, except that an unsafe attribute fails at once, and with the
    :class:`ChatTemplateLimits` on the operators and string methods that build big values.

    jinja's sandbox turns ``x.__class__`` into an undefined value that prints as an empty string,
    so a probing template renders silently; here it raises ``SecurityError`` (reported as a
    ``ChatTemplateError``). Undefined *safe* names still render empty, as templates expect.
    """

    # Intercepted operators are also never folded at compile time.
    intercepted_binops = frozenset({"*", "+", "**", "%"})

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        raise jinja2.exceptions.SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe"
        )

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        # Joining two strings is what templates do most: checked inline.
        if operator == "+" and type(left) is str and type(right) is str:
            size = len(left) + len(right)
            if size > _current_budget().limits.max_value_size:
                _current_budget().check_size(size, "a str with '+'")
            return left + right
        _check_binop(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        _check_method_call(__obj, args, kwargs)
        return super().call(__context, __obj, *args, **kwargs)


_SEQUENCES = (str, list, tuple)


def _check_binop(operator: str, left: Any, right: Any) -> None:
    budget = _current_budget()
    cap = budget.limits.max_value_size
    if operator == "*":
        for sequence, count in ((left, right), (right, left)):
            if isinstance(sequence, _SEQUENCES) and isinstance(count, int):
                budget.check_size(
                    _size(sequence, cap) * max(count, 0), f"a {type(sequence).__name__} with '*'"
                )
        if isinstance(left, int) and isinstance(right, int):
            budget.check_int(left.bit_length() + right.bit_length(), "'*'")
    elif operator == "+" and isinstance(left, _SEQUENCES) and type(left) is type(right):
        budget.check_size(_size(left, cap) + _size(right, cap), f"a {type(left).__name__} with '+'")
    elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
        if abs(left) > 1:
            budget.check_int(math.ceil(right * math.log2(abs(left))), "'**'")
    elif operator == "%" and isinstance(left, str):
        _check_widths(_percent_widths(left, right), "a string with '%' (a field width)")


# str methods whose result can be much bigger than their inputs → its predicted size
_METHOD_SIZES: dict[str, Callable[..., int]] = {
    "center": lambda s, width, *_: max(len(s), width),
    "ljust": lambda s, width, *_: max(len(s), width),
    "rjust": lambda s, width, *_: max(len(s), width),
    "zfill": lambda s, width: max(len(s), width),
    "expandtabs": lambda s, tabsize=8: len(s) + s.count("\t") * max(tabsize, 0),
}


def _check_method_call(function: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    # jinja's sandbox hands templates a wrapper of str.format that keeps the method as
    # __wrapped__
    method = getattr(function, "__wrapped__", function)
    owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
    if not isinstance(owner, str):
        return
    budget = _current_budget()
    if name in ("format", "format_map"):
        values = args[0] if name == "format_map" and args else kwargs
        arguments = () if name == "format_map" else args
        if isinstance(values, dict):
            _check_widths(_format_widths(owner, arguments, values), "a string with format()")
    elif name in _METHOD_SIZES and all(isinstance(a, int) for a in args[:1]):
        budget.check_size(_METHOD_SIZES[name](owner, *args), f"a string with .{name}()")
    elif name == "replace" and len(args) >= 2:
        budget.check_size(_replaced_size(owner, *args[:3]), "a string with .replace()")
    elif name == "join" and args:
        items = args[0]
        if isinstance(items, (list, tuple)):
            budget.check_size(
                _joined_size(owner, items, budget.limits.max_value_size), "a string with .join()"
            )


def _replaced_size(text: str, old: Any, new: Any, count: Any = -1) -> int:
    if not isinstance(old, str) or not isinstance(new, str):
        return len(text)
    hits = len(text) + 1 if old == "" else text.count(old)
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    return len(text) + hits * (len(new) - len(old))


def _joined_size(separator: str, items: Any, cap: int) -> int:
    total = len(separator) * max(len(items) - 1, 0)
    for item in items:
        total += _size(item, cap) if isinstance(item, _SEQUENCES) else len(str(item))
        if total > cap:
            break
    return total


class _GenerationBlock(jinja2.ext.Extension):
    """``{% generation %}...{% endgeneration %}`` marks assistant text; rendering keeps its body."""

    tags = {"generation"}

    def parse(self, parser: jinja2.parser.Parser) -> jinja2.nodes.Node:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render_body"), [], [], body).set_lineno(
            lineno
        )

    def _render_body(self, caller: Callable[[], str]) -> str:
        return caller()


class _GuardedNamespace(jinja2.utils.Namespace):
    """``namespace()`` refusing underscore names, so templates cannot reach interpreter state."""

    def __init__(*args: Any, **kwargs: Any) -> None:  # noqa: N805 - jinja's own signature trick
        self, args = args[0], args[1:]
        attributes = dict(*args, **kwargs)
        for name in attributes:
            _GuardedNamespace._refuse_private(name)
        jinja2.utils.Namespace.__init__(self, attributes)

    def __setitem__(self, name: str, value: Any) -> None:
        _GuardedNamespace._refuse_private(name)
        jinja2.utils.Namespace.__setitem__(self, name, value)

    @staticmethod
    def _refuse_private(name: Any) -> None:
        if isinstance(name, str) and name.startswith("_"):
            raise jinja2.exceptions.SecurityError(
                f"chat templates may not set underscore attributes on a namespace (got {name!r})"
            )


class _DictFactory:
    """``dict(...)`` for templates without exposing the ``dict`` type itself."""

    def __call__(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        return dict(*args, **kwargs)

    def fromkeys(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
        return dict.fromkeys(*args, **kwargs)


def _raise_exception(message: str) -> None:
    raise jinja2.exceptions.TemplateError(message)


def _tojson(
    value: Any,
    ensure_ascii: bool = False,
    indent: Any = None,
    separators: Any = None,
    sort_keys: bool = False,
) -> str:
    # jinja's built-in tojson HTML-escapes; chat templates expect plain JSON.
    return json.dumps(
        value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
    )


def _strftime_now(format_string: str) -> str:
    return datetime.now().strftime(format_string)


def _limited_range(*args: int) -> range:
    """jinja's sandboxed range (at most 100,000 items each), counted against the rendering's
    ``max_range_items``: nested loops cannot multiply their way around the per-range cap."""
    numbers = safe_range(*args)
    _current_budget().count_range(len(numbers))
    return numbers


def _limited_lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002
    _current_budget().check_size(n * max * 12, "lorem ipsum text")
    return jinja2.utils.generate_lorem_ipsum(n=n, html=html, min=min, max=max)


def _filter_size_checks() -> dict[str, Callable[..., None]]:
    """Built-in filters whose result can be much bigger than their inputs: a check of the size
    each would build, called with the filter's own arguments (without the context argument)."""
    budget = _current_budget

    def center(value: Any, width: int = 80) -> None:
        if isinstance(width, int):
            budget().check_size(max(len(str(value)), width), "a string with |center")

    def indent(value: Any, width: Any = 4, *_: Any, **__: Any) -> None:
        step = width if isinstance(width, int) else len(str(width))
        text = str(value)
        budget().check_size(len(text) + (text.count("\n") + 1) * step, "a string with |indent")

    def format_(value: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(value, str):
            _check_widths(_percent_widths(value, args or kwargs), "a string with |format")

    def replace(value: Any, old: Any, new: Any, count: Any = None) -> None:
        budget().check_size(
            _replaced_size(str(value), old, new, -1 if count is None else count),
            "a string with |replace",
        )

    def join(value: Any, d: str = "", attribute: Any = None) -> None:
        if isinstance(value, (list, tuple)) and attribute is None:
            budget().check_size(
                _joined_size(str(d), value, budget().limits.max_value_size), "a string with |join"
            )

    def wordwrap(
        value: Any, width: int = 79, break_long_words: bool = True, wrapstring: Any = None, *_: Any
    ) -> None:
        text, wrap = str(value), str(wrapstring or "\n")
        lines = len(text) // max(width, 1) + text.count("\n") + 1 if isinstance(width, int) else 1
        budget().check_size(len(text) + lines * len(wrap), "a string with |wordwrap")

    def batch(value: Any, linecount: int, fill_with: Any = None) -> None:
        if fill_with is not None and isinstance(linecount, int):
            budget().check_size(linecount, "a list with |batch")

    def slice_(value: Any, slices: int, fill_with: Any = None) -> None:
        if isinstance(slices, int):
            budget().check_size(slices, "a list of lists with |slice")

    def tojson(
        value: Any, ensure_ascii: bool = False, indent: Any = None, *_: Any, **__: Any
    ) -> None:
        if indent is not None:
            step = indent if isinstance(indent, int) else len(str(indent))
            compact = len(json.dumps(value, ensure_ascii=ensure_ascii, default=str))
            budget().check_size(compact * (1 + step), "JSON with |tojson(indent=...)")

    return {
        "center": center,
        "indent": indent,
        "format": format_,
        "replace": replace,
        "join": join,
        "wordwrap": wordwrap,
        "batch": batch,
        "slice": slice_,
        "tojson": tojson,
    }


def _checked_filter(function: Callable[..., Any], check: Callable[..., None]) -> Callable[..., Any]:
    passes_context = getattr(function, "jinja_pass_arg", None) is not None

    @wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        check(*(args[1:] if passes_context else args), **kwargs)
        return function(*args, **kwargs)

    return checked


def _build_environment() -> ImmutableSandboxedEnvironment:
    environment = _StrictSandbox(
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[_GenerationBlock, jinja2.ext.loopcontrols],
    )
    environment.filters["tojson"] = _tojson
    for name, check in _filter_size_checks().items():
        environment.filters[name] = _checked_filter(environment.filters[name], check)
    environment.globals["raise_exception"] = _raise_exception
    environment.globals["strftime_now"] = _strftime_now
    environment.globals["dict"] = _DictFactory()
    environment.globals["namespace"] = _GuardedNamespace
    environment.globals["range"] = _limited_range
    environment.globals["lipsum"] = _limited_lipsum
    return environment


@lru_cache(maxsize=64)
def compile_chat_template(chat_template: str) -> jinja2.Template:
    """Compile (and cache) a chat template in the sandbox."""
    try:
        return _build_environment().from_string(chat_template)
    except jinja2.exceptions.TemplateSyntaxError as error:
        raise ChatTemplateError(
            f"the chat template is not valid jinja (line {error.lineno}: {error.message}); "
            "fix the template in tokenizer_metadata.json or pass a corrected chat_template=..."
        ) from None
    except ChatTemplateLimitError:
        raise
    except Exception as error:  # noqa: BLE001 - constant folding ran the template's code
        raise ChatTemplateError(f"the chat template cannot be compiled: {error}") from None


@contextmanager
def _rendering_errors() -> Iterator[None]:
    """Every failure of a rendering as one ``ChatTemplateError`` (the template is the user's
    input, so a ZeroDivisionError or RecursionError inside it is a template error)."""
    try:
        yield
    except ChatTemplateError:
        raise
    except jinja2.exceptions.SecurityError as error:
        raise ChatTemplateError(f"the chat template tried an unsafe operation: {error}") from None
    except jinja2.exceptions.TemplateError as error:
        raise ChatTemplateError(f"the chat template raised an error: {error}") from None
    except RecursionError:
        raise ChatTemplateError(
            "the chat template recursed too deeply (a macro or recursive loop calling itself "
            "without end); fix the template"
        ) from None
    except (ArithmeticError, TypeError, ValueError, LookupError, UnicodeError) as error:
        raise ChatTemplateError(
            f"the chat template failed: {type(error).__name__}: {error}"
        ) from None


def generate_chat_template(chat_template: str, **variables: Any) -> Iterator[str]:
    """The rendered pieces of ``chat_template``, in order, within the current limits (each
    rendering gets a fresh budget)."""
    template = compile_chat_template(chat_template)
    budget = _Budget(_limits)
    limit, size = budget.limits.max_output_size, 0
    token = _budget.set(budget)
    try:
        with _rendering_errors():
            for piece in template.generate(**variables):
                size += len(piece)
                if size > limit:
                    raise budget.refuse(
                        "max_output_size", size, "rendered more characters than allowed:"
                    )
                yield piece
    finally:
        _budget.reset(token)


def render_chat_template(
    chat_template: str,
    messages: Sequence[Mapping[str, Any]],
    add_generation_prompt: bool = False,
    **variables: Any,
) -> str:
    """Render ``messages`` with ``chat_template``; extra ``variables`` become template globals."""
    if not isinstance(chat_template, str):
        raise TypeError(f"chat_template must be a string, got {type(chat_template).__name__}")
    return "".join(
        generate_chat_template(
            chat_template,
            messages=messages,
            add_generation_prompt=add_generation_prompt,
            **variables,
        )
    )


# A constant argument up to this size keeps an operation within a constant factor of its input.
_SMALL_CONSTANT = 10_000


def _small_constant(node: jinja2.nodes.Node) -> bool:
    if not isinstance(node, jinja2.nodes.Const):
        return False
    value = node.value
    if isinstance(value, str):
        return len(value) <= _SMALL_CONSTANT and all(
            width <= _SMALL_CONSTANT for width in _percent_widths(value, ())
        )
    return (
        value is None
        or isinstance(value, bool)
        or (isinstance(value, (int, float)) and abs(value) <= _SMALL_CONSTANT)
    )


def _small_count(node: jinja2.nodes.Node) -> bool:
    return (
        isinstance(node, jinja2.nodes.Const)
        and isinstance(node.value, int)
        and abs(node.value) <= _SMALL_CONSTANT
    )


def _bounded_replace(arguments: Sequence[jinja2.nodes.Node]) -> bool:
    old, new = ([*arguments] + [None, None])[:2]
    return (
        isinstance(old, jinja2.nodes.Const)
        and isinstance(old.value, str)
        and old.value != ""
        and isinstance(new, jinja2.nodes.Const)
        and isinstance(new.value, str)
        and len(new.value) <= max(len(old.value), _SMALL_CONSTANT)
    )


def _amplifies(node: jinja2.nodes.Node, checked_filters: set[str], methods: set[str]) -> bool:
    """Whether one node can build a value much bigger than its inputs: an amplifying operator,
    filter, string method or global unless its size arguments are small constants."""
    if isinstance(node, jinja2.nodes.Mul):
        return not (_small_count(node.left) or _small_count(node.right))
    if isinstance(node, jinja2.nodes.Pow):
        return not _small_constant(node.right)
    if isinstance(node, jinja2.nodes.Mod):
        return not _small_constant(node.left)
    if isinstance(node, jinja2.nodes.Filter) and node.name in checked_filters:
        arguments = [*node.args, *(keyword.value for keyword in node.kwargs)]
        if node.name == "replace":
            return not _bounded_replace(node.args)
        if node.name == "format":
            return node.node is None or not _small_constant(node.node)
        return not all(_small_constant(argument) for argument in arguments)
    if isinstance(node, jinja2.nodes.Call) and isinstance(node.node, jinja2.nodes.Getattr):
        name, arguments = node.node.attr, list(node.args)
        if name not in methods:
            return False
        if name == "replace":
            return not _bounded_replace(arguments)
        if name in ("join", "format", "format_map"):
            return not _small_constant(node.node.node)
        return not all(_small_constant(argument) for argument in arguments)
    if isinstance(node, jinja2.nodes.Call) and isinstance(node.node, jinja2.nodes.Name):
        if node.node.name == "lipsum":
            return True
        if node.node.name == "range":
            return not all(_small_constant(argument) for argument in node.args)
    return False


@lru_cache(maxsize=64)
def may_amplify(chat_template: str) -> bool:
    """Whether the template can build values much bigger than its input: ``*``, ``**``, ``%``,
    the size-checked filters and string methods, ``range`` and ``lipsum``, unless their size
    arguments are small constants (``'-' * 80``, ``.replace('/think', '')``). A template that
    does not renders at most a polynomial of the conversation."""
    try:
        tree = compile_chat_template(chat_template).environment.parse(chat_template)
    except ChatTemplateError:
        return True
    checked_filters = set(_filter_size_checks())
    methods = {*_METHOD_SIZES, "replace", "join", "format", "format_map"}
    return any(
        _amplifies(node, checked_filters, methods) for node in tree.find_all(jinja2.nodes.Node)
    )
