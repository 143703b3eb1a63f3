"""MTC103: ``class_path``/``class_name`` naming the deleted model-wrapper modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.python.metadata import dict_entries, metadata_call, metadata_probe
from codemods.python.syntax import cst, string_like, string_value
from codemods.rules import Example, Rule
from compat.deprecations import (
    DELETED_CLASS_PATH,
    LEGACY_CLASS_PATHS,
    TEXT_MODEL_WRAPPERS,
    VISION_MODEL_WRAPPERS,
    message_for,
)

if TYPE_CHECKING:
    from codemods.metadata.rewriter import MetadataFile
    from codemods.python.engine import Context

_LEGACY_CLASS_NAMES = frozenset({*TEXT_MODEL_WRAPPERS, *VISION_MODEL_WRAPPERS})

rule = Rule(
    id=DELETED_CLASS_PATH,
    family="metadata",
    summary="A `class_path` of a deleted wrapper module (and the wrapper's `class_name`) "
    "becomes the facade's, in literal metadata and `tokenizer_metadata.json` files.",
    rationale="G1/G2 wrote the wrapper's module into metadata; the new API imports "
    "`class_path` to build the tokenizer, and those modules no longer exist.",
    manual="Nothing is left by hand.",
    examples=(
        Example(
            '{"library": "huggingface", "class_name": "GPTTokenizer", "class_path": '
            '"megatron.core.tokenizers.text.models.gpt_tokenizer"}\n',
            '{"library": "huggingface", "class_name": "MegatronTokenizerText", "class_path": '
            '"megatron.core.tokenizers.text.text_tokenizer"}\n',
            kind="metadata",
        ),
    ),
    needles=("metadata_path", "write_metadata", ("from_pretrained", "prompt_format")),
    python_probe=metadata_probe("class_path", LEGACY_CLASS_PATHS),
)


@rule.leave("Dict")
def _metadata_dict(ctx: Context, original: cst.Dict, updated: cst.Dict) -> cst.Dict:
    entries = dict_entries(original)
    if "class_path" not in entries or metadata_call(ctx, original) is None:
        return updated
    element = original.elements[entries["class_path"]]
    assert isinstance(element, cst.DictElement)
    legacy_path = string_value(element.value)
    if legacy_path not in LEGACY_CLASS_PATHS:
        return updated
    new_name, new_path = LEGACY_CLASS_PATHS[legacy_path]
    new_path = ctx.target(new_path)
    ctx.fixed(
        element, message_for(DELETED_CLASS_PATH, f"class_path {legacy_path!r}", repr(new_path))
    )
    elements = list(updated.elements)
    elements[entries["class_path"]] = _with_value(elements[entries["class_path"]], new_path)
    if "class_name" in entries:
        name_element = original.elements[entries["class_name"]]
        assert isinstance(name_element, cst.DictElement)
        if string_value(name_element.value) in _LEGACY_CLASS_NAMES:
            elements[entries["class_name"]] = _with_value(elements[entries["class_name"]], new_name)
    return updated.with_changes(elements=elements)


def _with_value(element: cst.BaseDictElement, value: str) -> cst.BaseDictElement:
    assert isinstance(element, cst.DictElement)
    return element.with_changes(value=string_like(element.value, value))


@rule.text("metadata")
def _metadata_file(metadata: MetadataFile) -> None:
    class_path = metadata.member("class_path")
    if (
        class_path is None
        or not isinstance(class_path.value, str)
        or class_path.value not in LEGACY_CLASS_PATHS
        or not metadata.wanted(class_path, DELETED_CLASS_PATH.code)
    ):
        return
    new_name, new_path = LEGACY_CLASS_PATHS[class_path.value]
    edits = [metadata.set_value(class_path, new_path)]
    class_name = metadata.member("class_name")
    if class_name is None:
        # class_path is only read together with class_name
        edits.append(metadata.add_after(class_path, "class_name", new_name))
    elif class_name.value != new_name:
        edits.append(metadata.set_value(class_name, new_name))
    metadata.doc.fix(
        class_path.key_start,
        DELETED_CLASS_PATH.code,
        message_for(
            DELETED_CLASS_PATH,
            f'"class_path": "{class_path.value}"',
            f'"class_path": "{new_path}", "class_name": "{new_name}"',
        ),
        "",
        edits,
    )
