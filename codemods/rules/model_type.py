"""MTC102: ``model_type`` in tokenizer metadata, which no longer selects a class."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from codemods.python.metadata import (
    dict_entries,
    is_write_metadata,
    metadata_call,
    metadata_probe,
    parameter_names,
    without_argument,
)
from codemods.python.syntax import cst
from codemods.rules import Example, Rule
from compat.deprecations import LEGACY_MODEL_TYPES, MODEL_TYPE, advice_for, message_for

if TYPE_CHECKING:
    from codemods.metadata.rewriter import MetadataFile
    from codemods.python.engine import Context

rule = Rule(
    id=MODEL_TYPE,
    family="metadata",
    summary="`model_type` is dropped from literal `from_pretrained` metadata and from "
    "`write_metadata` calls (later positional arguments become keywords); in "
    "`tokenizer_metadata.json` it becomes what the new `write_metadata` writes "
    "(`default-text` / `default-vision`).",
    rationale="Model types selected the removed wrapper classes. The new API ignores the key, "
    "and upstream main's `write_metadata` has `tokenizer_class` in its third positional slot. A "
    "file keeps the key, with a value G2 readers also accept, so it loads everywhere.",
    manual="Nothing is left by hand.",
    examples=(
        Example(
            'tok = MegatronTokenizer.from_pretrained("dir", metadata_path={"library": '
            '"huggingface", "model_type": "gpt"})\n',
            'tok = MegatronTokenizer.from_pretrained("dir", metadata_path={"library": '
            '"huggingface"})\n',
        ),
        Example(
            '{"library": "sentencepiece", "model_type": "gpt"}\n',
            '{"library": "sentencepiece", "model_type": "default-text"}\n',
            kind="metadata",
        ),
    ),
    needles=("metadata_path", "write_metadata", ("from_pretrained", "prompt_format")),
    python_probe=metadata_probe("model_type"),
)


@rule.leave("Dict")
def _metadata_dict(ctx: Context, original: cst.Dict, updated: cst.Dict) -> cst.Dict:
    position = dict_entries(original).get("model_type")
    if position is None or metadata_call(ctx, original) is None:
        return updated
    ctx.fixed(
        original.elements[position],
        advice_for(MODEL_TYPE, "metadata key 'model_type'", "delete it"),
    )
    elements = [element for index, element in enumerate(updated.elements) if index != position]
    if elements:
        elements[-1] = elements[-1].with_changes(comma=updated.elements[-1].comma)
    return updated.with_changes(elements=elements)


@rule.leave("Call")
def _write_metadata(ctx: Context, original: cst.Call, updated: cst.Call) -> cst.Call:
    if not is_write_metadata(original):
        return updated
    args = without_argument(updated, "model_type")
    if args is None:
        return updated
    position = parameter_names(original).index("model_type")
    ctx.fixed(
        original.args[position],
        advice_for(MODEL_TYPE, "write_metadata(..., model_type)", "delete it"),
    )
    return updated.with_changes(args=args)


def _current_model_type(library: object) -> str:
    """The model_type the new ``write_metadata`` writes for ``library``."""
    from compat.tokenizers.megatron_tokenizer import VISION_LIBRARIES

    return "default-vision" if library in VISION_LIBRARIES else "default-text"


@rule.text("metadata")
def _metadata_file(metadata: MetadataFile) -> None:
    model_type = metadata.member("model_type")
    if model_type is None or not metadata.wanted(model_type, MODEL_TYPE.code):
        return
    current = _current_model_type(metadata.expected.get("library"))
    if model_type.value not in LEGACY_MODEL_TYPES or model_type.value == current:
        return
    old = f'"model_type": {json.dumps(model_type.value)}'
    metadata.doc.fix(
        model_type.key_start,
        MODEL_TYPE.code,
        message_for(
            MODEL_TYPE,
            old,
            f'"model_type": "{current}" (what the new write_metadata '
            "writes; the new API ignores it, older readers still accept it)",
        ),
        "",
        [metadata.set_value(model_type, current)],
    )
