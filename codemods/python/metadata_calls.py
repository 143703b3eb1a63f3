"""Metadata in ``from_pretrained`` / ``write_metadata`` calls (MTC101, MTC102, MTC103).

Only literal dicts and strings are rewritten: ``metadata_path={"library": "sft", ...}``,
``write_metadata(path, "null", "gpt")``, ``model_type=...``, ``class_path`` values naming deleted
modules. ``from_pretrained`` is matched only with a ``metadata_path`` argument, which no other
library's ``from_pretrained`` takes.
"""

from __future__ import annotations

import libcst as cst

from codemods.python.base import (
    Migration,
    call_name,
    keyword_arg,
    on_leave,
    string_like,
    string_value,
    with_final_comma,
)
from compat.deprecations import (
    DELETED_CLASS_PATH,
    LEGACY_CLASS_PATHS,
    LEGACY_LIBRARIES,
    LEGACY_LIBRARY,
    MODEL_TYPE,
    TEXT_MODEL_WRAPPERS,
    VISION_MODEL_WRAPPERS,
    advice_for,
    message_for,
)

# G1-G3 signature; MAIN dropped ``model_type`` so its third positional slot means something else
_WRITE_METADATA_PARAMETERS = (
    "tokenizer_path", "tokenizer_library", "model_type", "tokenizer_class", "chat_template",
    "overwrite", "metadata_path",
)
_LEGACY_CLASS_NAMES = frozenset({*TEXT_MODEL_WRAPPERS, *VISION_MODEL_WRAPPERS})


def _library_replacement(state: Migration, node: cst.BaseExpression, has_prompt_format: bool
                         ) -> cst.BaseExpression:
    value = string_value(node)
    rename = LEGACY_LIBRARIES.get(value) if value is not None else None
    if rename is None or not state.active(LEGACY_LIBRARY.code, node):
        return node
    if value == "sft" and not has_prompt_format:
        state.report(
            node, LEGACY_LIBRARY.code,
            f"library {value!r} without prompt_format=: {rename.note}",
            f'metadata library "{rename.new}" and pass prompt_format="..." to from_pretrained',
        )
        return node
    state.report(node, LEGACY_LIBRARY.code,
                 message_for(LEGACY_LIBRARY, f"library {value!r}", repr(rename.new)), fixed=True)
    return string_like(node, rename.new)


def _rewrite_metadata_dict(state: Migration, original: cst.Dict, updated: cst.Dict,
                           has_prompt_format: bool) -> cst.Dict:
    keys = {
        string_value(element.key): index
        for index, element in enumerate(original.elements)
        if isinstance(element, cst.DictElement)
    }
    class_path_index = keys.get("class_path")
    replacement_class: tuple[str, str] | None = None
    if class_path_index is not None:
        element = original.elements[class_path_index]
        legacy_path = string_value(element.value)
        if legacy_path in LEGACY_CLASS_PATHS and state.active(DELETED_CLASS_PATH.code, element):
            replacement_class = LEGACY_CLASS_PATHS[legacy_path]
    elements: list[cst.BaseDictElement] = []
    for before, after in zip(original.elements, updated.elements):
        if not isinstance(after, cst.DictElement):
            elements.append(after)
            continue
        key = string_value(before.key)
        if key == "library":
            after = after.with_changes(
                value=_library_replacement(state, before.value, has_prompt_format)
            )
        elif key == "model_type" and state.active(MODEL_TYPE.code, before):
            state.report(before, MODEL_TYPE.code,
                         advice_for(MODEL_TYPE, "metadata key 'model_type'", "delete it"),
                         fixed=True)
            continue
        elif key == "class_path" and replacement_class is not None:
            new_path = state.target(replacement_class[1])
            legacy_class_path = f"class_path {string_value(before.value)!r}"
            state.report(before, DELETED_CLASS_PATH.code,
                         message_for(DELETED_CLASS_PATH, legacy_class_path, repr(new_path)),
                         fixed=True)
            after = after.with_changes(value=string_like(before.value, new_path))
        elif key == "class_name" and replacement_class is not None \
                and string_value(before.value) in _LEGACY_CLASS_NAMES:
            after = after.with_changes(value=string_like(before.value, replacement_class[0]))
        elements.append(after)
    if len(elements) != len(updated.elements) and elements:
        elements[-1] = elements[-1].with_changes(comma=updated.elements[-1].comma)
    return updated.with_changes(elements=elements)


@on_leave(cst.Call)
def _from_pretrained(state: Migration, original: cst.Call, updated: cst.Call):
    if call_name(original) != "from_pretrained":
        return updated
    has_prompt_format = any(
        arg.keyword is not None and arg.keyword.value == "prompt_format" for arg in original.args
    ) or any(arg.star == "**" for arg in original.args)
    args = list(updated.args)
    for index, arg in enumerate(original.args):
        is_metadata = (arg.keyword is not None and arg.keyword.value == "metadata_path") or (
            arg.keyword is None and not arg.star and index == 1
            and any(a.keyword is not None and a.keyword.value == "prompt_format"
                    for a in original.args)
        )
        if is_metadata and isinstance(arg.value, cst.Dict):
            new_dict = _rewrite_metadata_dict(state, arg.value, args[index].value,
                                              has_prompt_format)
            args[index] = args[index].with_changes(value=new_dict)
    return updated.with_changes(args=args)


@on_leave(cst.Call)
def _write_metadata(state: Migration, original: cst.Call, updated: cst.Call):
    if call_name(original) != "write_metadata" or any(arg.star for arg in original.args):
        return updated
    args: list[cst.Arg] = []
    positional_index = 0
    keywordise_from: int | None = None
    for before, after in zip(original.args, updated.args):
        name = before.keyword.value if before.keyword is not None else None
        if name is None:
            if positional_index < len(_WRITE_METADATA_PARAMETERS):
                name = _WRITE_METADATA_PARAMETERS[positional_index]
            positional_index += 1
        if name == "tokenizer_library":
            after = after.with_changes(value=_library_replacement(state, before.value, True))
        if name == "model_type" and state.active(MODEL_TYPE.code, before):
            state.report(
                before, MODEL_TYPE.code,
                advice_for(MODEL_TYPE, "write_metadata(..., model_type)", "delete it"),
                fixed=True,
            )
            if before.keyword is None:
                keywordise_from = positional_index
            continue
        if before.keyword is None and keywordise_from is not None and name is not None:
            # the slots after a dropped positional model_type must be passed by keyword
            after = keyword_arg(name, after.value, like=after)
        args.append(after)
    if len(args) == len(updated.args):
        return updated
    return updated.with_changes(args=with_final_comma(args, updated.args))
