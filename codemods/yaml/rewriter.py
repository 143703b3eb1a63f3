"""Rewrite Megatron's old tokenizer flags in YAML configs, surgically, and prove it by loading.

Four shapes carry flags: mapping keys in flag form (:mod:`codemods.yaml.mapping`), args
attributes in snake_case (Megatron's ``--yaml-cfg`` configs, :mod:`codemods.yaml.args_config`),
sequences of argv words and command strings (:mod:`codemods.yaml.lists`). Positions come from
PyYAML's composer marks; the document is never re-dumped, so comments, key order, quoting and
indentation stay as they were. Every rewrite is checked: the loaded result must equal the loaded
input with exactly the intended change, or the file is left alone and the sites are reported.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

import yaml

from codemods.core import Options, RewriteResult, UnparsableError
from codemods.text.command_line import report_leftovers
from codemods.text.document import TextDocument
from codemods.text.words import (
    is_legacy_flag_word,
    legacy_flag_code,
    mentions_legacy_flag,
    mentions_old_api,
)
from codemods.yaml.args_config import LEGACY_ATTRIBUTES, rewrite_args_keys
from codemods.yaml.comments import rewrite_comments
from codemods.yaml.lists import rewrite_argv_list, rewrite_command_string
from codemods.yaml.mapping import rewrite_flag_keys
from codemods.yaml.state import MERGE_TAG, STR_TAG, YamlRewrite, expected, same, spell_scalar
from compat.deprecations import LIBRARY_FLAG

__all__ = ["rewrite", "spell_scalar", "validate"]

# upstream's hand edits wrote `--tokenizer-library: null`, which loads as a YAML null
_UNQUOTED_NULL_LIBRARY = re.compile(re.escape(LIBRARY_FLAG) + r"\s*:\s*(?:null|Null|NULL)\b")


def _walk(
    node: Any, path: tuple[Any, ...], rewrite: YamlRewrite, anchor: int | None, visited: set[int]
) -> None:
    if id(node) in visited:  # aliases point at nodes already seen
        return
    visited.add(id(node))
    if isinstance(node, yaml.MappingNode):
        rewrite_flag_keys(node, path, rewrite, anchor)
        rewrite_args_keys(node, path, rewrite, anchor, top_level=len(path) == 1)
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            if key_node.tag == MERGE_TAG:
                _merged(value_node, rewrite, anchor, visited)
                continue
            key = rewrite.load(key_node)
            entry_anchor = rewrite.anchor(node, key_node.start_mark.index, anchor)
            _walk(value_node, path + (key,), rewrite, entry_anchor, visited)
    elif isinstance(node, yaml.SequenceNode):
        if rewrite_argv_list(node, path, rewrite, anchor):
            return  # an argv list: its words are not command strings
        for index, item in enumerate(node.value):
            item_anchor = rewrite.anchor(node, item.start_mark.index, anchor)
            _walk(item, path + (index,), rewrite, item_anchor, visited)
    elif (
        isinstance(node, yaml.ScalarNode)
        and node.tag == STR_TAG
        and mentions_legacy_flag(node.value)
        and any(is_legacy_flag_word(word) for word in node.value.split())
    ):
        rewrite_command_string(node, path, rewrite, anchor)


def _merged(node: Any, rewrite: YamlRewrite, anchor: int | None, visited: set[int]) -> None:
    """A ``<<:`` merge value written in place has no path of its own in the loaded document."""
    if id(node) in visited:
        return  # an alias of an anchored map: rewritten (and verified) where it is defined
    start, end = node.start_mark.index, node.end_mark.index
    text = rewrite.doc.text
    if mentions_legacy_flag(text[start:end]):
        rewrite.doc.report(
            start,
            legacy_flag_code(text[start:end]),
            "old tokenizer flags inside a `<<:` merge value written in place; move them to the "
            "merging map (or an anchored map) and run the migration again",
            "",
            anchor if anchor is not None else rewrite.doc.lines.line_start(start),
        )


_RESOLVER = yaml.resolver.Resolver()
_RESOLVE: Callable[..., str] = yaml.resolver.Resolver.resolve


@functools.lru_cache(maxsize=1 << 16)
def _resolved_tag(kind: type, value: str | None, implicit: Any) -> str:
    return _RESOLVE(_RESOLVER, kind, value, implicit)


class _ResolveOnce:
    """PyYAML resolves every plain scalar's tag with a run of Python regular expressions, also
    under libyaml (a 5 MB config: a million calls); configs repeat their words, so each answer
    is kept (the safe loaders' resolution depends on the node alone: no path resolvers)."""

    def resolve(self, kind: type, value: str | None, implicit: Any) -> str:
        return _resolved_tag(kind, value, implicit)


class _PureLoader(_ResolveOnce, yaml.SafeLoader):
    pass


@functools.cache
def _libyaml_loader() -> type:
    return type("_LibyamlLoader", (_ResolveOnce, yaml.CSafeLoader), {})


def _loader_for(text: str) -> Any:
    """libyaml's safe loader when available (about 8x faster), else PyYAML's.

    Both resolve tags alike and mark character offsets alike, except that libyaml does not
    count a leading BOM; a wrong offset could only make the verified result differ from the
    intended one, and then the file is left alone.
    """
    if getattr(yaml, "__with_libyaml__", False) and not text.startswith("\ufeff"):
        return _libyaml_loader()
    return _PureLoader


def _compose(text: str) -> list[Any]:
    """The node trees of every document of ``text``."""
    loader = _loader_for(text)(text)
    documents = []
    try:
        while loader.check_node():
            documents.append(loader.get_node())
    finally:
        loader.dispose()
    return documents


def _construct(documents: list[Any]) -> list[Any]:
    """The data of composed documents, as loading the text gives it (without parsing again)."""
    constructor = _PureLoader("")
    return [constructor.construct_document(document) for document in documents]


# the last output rewrite() loaded and compared with its input's data: its check, which runs
# next, need not load it a second time
_last_verified = ""


def validate(text: str) -> None:
    if text == _last_verified:
        return
    try:
        for _ in yaml.compose_all(text, Loader=_loader_for(text)):
            pass
    except yaml.YAMLError as error:
        raise UnparsableError(f"YAML does not load: {error}") from None


def _loads_as_intended(new_text: str, before: list[Any], rewrite: YamlRewrite) -> bool:
    try:
        after = list(yaml.load_all(new_text, Loader=_loader_for(new_text)))
        intended = expected(before, rewrite.changes)
    except (yaml.YAMLError, LookupError, TypeError):
        return False
    scalar_paths = {change.path for change in rewrite.changes if change.kind == "scalar"}
    return same(intended, after, scalar_paths)


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    if (
        not mentions_old_api(text)
        and not _UNQUOTED_NULL_LIBRARY.search(text)
        and not any(attribute in text for attribute in LEGACY_ATTRIBUTES)
    ):
        return RewriteResult(text)
    try:
        documents = _compose(text)
    except yaml.YAMLError as error:
        raise UnparsableError(
            f"{path}: YAML does not load ({error}); fix it and run the migration again"
        ) from None
    doc = TextDocument(text, options, todo_comments=True)
    state = YamlRewrite(doc, yaml.SafeLoader(""))
    visited: set[int] = set()
    for index, document in enumerate(documents):
        _walk(document, (index,), state, None, visited)
    comments = rewrite_comments(doc, documents)
    report_leftovers(
        doc,
        "it is not a flag-form key, an argv list item or a word of a command string here; "
        "check it by hand",
        skip=lambda offset: any(start <= offset < end for start, end in comments),
    )
    new_text = doc.new_text()
    if new_text == text:
        return RewriteResult(text, doc.findings())
    # the walk reads the node trees and never changes them: they still load as the input did
    if not _loads_as_intended(new_text, _construct(documents), state):
        doc.withdraw(
            "not rewritten: the edited file would not load as exactly the intended "
            "change; rewrite it by hand"
        )
        return doc.result()
    global _last_verified
    _last_verified = new_text
    return RewriteResult(new_text, doc.findings())
