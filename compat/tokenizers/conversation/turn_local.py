"""Chat templates that render a conversation turn by turn, and their turns in one pass.

Upstream's algorithm renders the conversation once and then every turn on its own. For most
templates (every SFT format's, ChatML) the first rendering is exactly the turns' renderings
joined, so it need not be rendered at all, and the turns' renderings all come out of one pass
of the template (``render_turns``). Which templates qualify is decided from the syntax tree,
never guessed from output: the template must be one ``{% for message in messages %}`` loop
(optionally followed by an ``{% if add_generation_prompt %}`` block) whose body reads nothing but
the loop variable and names the body itself sets. jinja scopes a name set inside a loop to one
iteration, so each iteration's output depends on its own message only.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from typing import Any

from jinja2 import nodes

from compat.tokenizers.text.libraries.chat_rendering import (
    ChatTemplateError,
    compile_chat_template,
    generate_chat_template,
    render_chat_template,
)

# Expression and statement nodes whose value depends only on their children.
_LOCAL_NODES = (
    nodes.Output,
    nodes.TemplateData,
    nodes.If,
    nodes.Assign,
    nodes.Name,
    nodes.Const,
    nodes.Getitem,
    nodes.Getattr,
    nodes.Call,
    nodes.Keyword,
    nodes.Filter,
    nodes.Test,
    nodes.Concat,
    nodes.CondExpr,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Compare,
    nodes.Operand,
    nodes.BinExpr,
    nodes.UnaryExpr,
    nodes.Tuple,
    nodes.List,
    nodes.Dict,
    nodes.Pair,
    nodes.Slice,
    nodes.ExprStmt,
    nodes.Continue,
)
# Built-in filters whose output is not a function of their input.
_IMPURE_FILTERS = frozenset({"random"})
# Names with a different value in the conversation's rendering than in a turn's.
_CONVERSATION_NAMES = frozenset({"messages", "loop", "add_generation_prompt"})


@lru_cache(maxsize=64)
def renders_turn_by_turn(template: str) -> bool:
    """True when, with ``add_generation_prompt`` false, rendering any conversation gives its
    turns' single-turn renderings joined in order. False when that cannot be shown."""
    try:
        tree = compile_chat_template(template).environment.parse(template)
    except ChatTemplateError:
        return False  # rendering reports the error
    loops = [node for node in tree.body if isinstance(node, nodes.For)]
    return (
        len(loops) == 1
        and _is_turn_loop(loops[0])
        and all(
            node is loops[0] or _renders_nothing_without_generation_prompt(node)
            for node in tree.body
        )
    )


def render_turns(template: str, turns: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each turn's rendering on its own, for a template that ``renders_turn_by_turn``.

    One rendering of the conversation gives them all: jinja yields the loop's output piece by
    piece as it goes, so every piece between taking one turn from ``messages`` and taking the
    next is that turn's. (Rendering each turn alone would cost a template context per turn.)
    """
    pieces: list[str] = []
    starts: list[int] = []

    def turns_noting_where_each_starts() -> Iterator[Mapping[str, Any]]:
        for turn in turns:
            starts.append(len(pieces))
            yield turn

    rendering = generate_chat_template(
        template, messages=turns_noting_where_each_starts(), add_generation_prompt=False
    )
    try:
        # one piece at a time: the next turn's start is read from len(pieces) meanwhile
        for piece in rendering:
            pieces.append(piece)  # noqa: PERF402
    except ChatTemplateError:  # re-rendered below, which raises the user-facing error
        return [render_chat_template(template, [turn]) for turn in turns]
    ends = starts[1:] + [len(pieces)]
    return ["".join(pieces[start:end]) for start, end in zip(starts, ends)]


def _is_turn_loop(loop: nodes.For) -> bool:
    if not (
        isinstance(loop.target, nodes.Name)
        and isinstance(loop.iter, nodes.Name)
        and loop.iter.name == "messages"
        and not loop.else_
        and loop.test is None
        and not loop.recursive
    ):
        return False
    body = [node for statement in loop.body for node in _walk(statement)]
    if not all(isinstance(node, _LOCAL_NODES) for node in body):
        return False
    if any(isinstance(node, nodes.Filter) and node.name in _IMPURE_FILTERS for node in body):
        return False
    assigned = {
        node.name for node in body if isinstance(node, nodes.Name) and node.ctx == "store"
    } - _CONVERSATION_NAMES
    readable = assigned | {loop.target.name}
    loaded = (node.name for node in body if isinstance(node, nodes.Name) and node.ctx != "store")
    return all(name in readable for name in loaded)


def _renders_nothing_without_generation_prompt(node: nodes.Node) -> bool:
    if isinstance(node, nodes.Output):
        return all(isinstance(part, nodes.TemplateData) and not part.data for part in node.nodes)
    return (
        isinstance(node, nodes.If)
        and isinstance(node.test, nodes.Name)
        and node.test.name == "add_generation_prompt"
        and not node.elif_
        and not node.else_
    )


def _walk(node: nodes.Node) -> Iterator[nodes.Node]:
    yield node
    for child in node.iter_child_nodes():
        yield from _walk(child)
