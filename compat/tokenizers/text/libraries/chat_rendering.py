"""Render chat templates the way Hugging Face does, inside jinja2's immutable sandbox.

Chat templates come from metadata files and tokenizer configs, so they are untrusted: they are
compiled in ``ImmutableSandboxedEnvironment`` and only see the conversation plus plain variables;
reaching for an unsafe attribute (``__class__``, ``append``...) fails with ``ChatTemplateError``.
The environment mirrors the one transformers builds (``trim_blocks``/``lstrip_blocks``, loop
controls, a ``{% generation %}`` block, ``raise_exception``, ``strftime_now``, a non-escaping
``tojson``), so a template renders identically here and under transformers.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any

import jinja2
import jinja2.ext
import jinja2.nodes
import jinja2.utils
from jinja2.sandbox import ImmutableSandboxedEnvironment


class ChatTemplateError(ValueError):
    """A chat template failed to compile or raised while rendering."""


class _StrictSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, except that an unsafe attribute fails at once.

    jinja's sandbox turns ``x.__class__`` into an undefined value that prints as an empty string,
    so a probing template renders silently; here it raises ``SecurityError`` (reported as a
    ``ChatTemplateError``). Undefined *safe* names still render empty, as templates expect.
    """

    def unsafe_undefined(self, obj: Any, attribute: str) -> jinja2.Undefined:
        raise jinja2.exceptions.SecurityError(
            f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe"
        )


class _GenerationBlock(jinja2.ext.Extension):
    """``{% generation %}...{% endgeneration %}`` marks assistant text; rendering keeps its body."""

    tags = {"generation"}

    def parse(self, parser: jinja2.parser.Parser) -> jinja2.nodes.CallBlock:
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_render_body"), [], [], body).set_lineno(
            lineno
        )

    def _render_body(self, caller: Any) -> str:
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

    def __call__(self, *args: Any, **kwargs: Any) -> dict:
        return dict(*args, **kwargs)

    def fromkeys(self, *args: Any, **kwargs: Any) -> dict:
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


def _build_environment() -> ImmutableSandboxedEnvironment:
    environment = _StrictSandbox(
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[_GenerationBlock, jinja2.ext.loopcontrols],
    )
    environment.filters["tojson"] = _tojson
    environment.globals["raise_exception"] = _raise_exception
    environment.globals["strftime_now"] = _strftime_now
    environment.globals["dict"] = _DictFactory()
    environment.globals["namespace"] = _GuardedNamespace
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


def render_chat_template(
    chat_template: str,
    messages: list[dict[str, Any]],
    add_generation_prompt: bool = False,
    **variables: Any,
) -> str:
    """Render ``messages`` with ``chat_template``; extra ``variables`` become template globals."""
    if not isinstance(chat_template, str):
        raise TypeError(f"chat_template must be a string, got {type(chat_template).__name__}")
    template = compile_chat_template(chat_template)
    try:
        return template.render(
            messages=messages, add_generation_prompt=add_generation_prompt, **variables
        )
    except jinja2.exceptions.SecurityError as error:
        raise ChatTemplateError(f"the chat template tried an unsafe operation: {error}") from None
    except jinja2.exceptions.TemplateError as error:
        raise ChatTemplateError(f"the chat template raised an error: {error}") from None
