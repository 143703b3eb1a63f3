"""MTC101: library strings the new API does not know (G1's ``null``, G2's ``sft``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.python.metadata import (
    dict_entries,
    is_write_metadata,
    metadata_call,
    parameter_names,
    takes_prompt_format,
)
from codemods.python.syntax import cst, string_like, string_value
from codemods.rules import Example, Rule
from compat.deprecations import LEGACY_LIBRARIES, LEGACY_LIBRARY, message_for

if TYPE_CHECKING:
    from codemods.metadata.rewriter import MetadataFile
    from codemods.python.engine import Context

rule = Rule(
    id=LEGACY_LIBRARY,
    family="metadata",
    summary='`"null"` becomes `"null-text"` and `"sft"` becomes `"huggingface"` in literal '
    "`from_pretrained` metadata, `write_metadata` calls and `tokenizer_metadata.json` files.",
    rationale="G1's null library is called `null-text` since megatron-core 0.17, and SFT is no "
    "longer a library: a `huggingface` tokenizer with `prompt_format` does it.",
    manual='`"sft"` in a `from_pretrained` call without `prompt_format=` is reported: add the '
    "prompt format the tokenizer was used with. A rewritten `sft` metadata file is also "
    "reported, because the prompt format is not stored in metadata: pass it wherever the "
    "tokenizer is loaded (`prompt_format=...`, or `--tokenizer-mode sft "
    "--tokenizer-prompt-format ...`).",
    examples=(
        Example(
            "from megatron.core.tokenizers import MegatronTokenizer\n"
            "\n"
            'MegatronTokenizer.write_metadata("tok_dir", "null", "default")\n'
            'tok = MegatronTokenizer.from_pretrained(metadata_path={"library": "null"}, '
            "vocab_size=32000)\n",
            "from megatron.core.tokenizers import MegatronTokenizer\n"
            "\n"
            'MegatronTokenizer.write_metadata("tok_dir", "null-text")\n'
            'tok = MegatronTokenizer.from_pretrained(metadata_path={"library": "null-text"}, '
            "vocab_size=32000)\n",
        ),
        Example(
            '{"library": "null", "chat_template": null}\n',
            '{"library": "null-text", "chat_template": null}\n',
            kind="metadata",
        ),
    ),
    needles=("metadata_path", "write_metadata", ("from_pretrained", "prompt_format")),
)


def _replacement(ctx: Context, node: cst.BaseExpression, has_prompt_format: bool
                 ) -> cst.BaseExpression:
    value = string_value(node)
    rename = LEGACY_LIBRARIES.get(value) if value is not None else None
    if rename is None or ctx.target_keeps(rename.on_main):
        return node
    if value == "sft" and not has_prompt_format:
        ctx.report(node, f"library {value!r} without prompt_format=: {rename.note}",
                   f'metadata library "{rename.new}" and pass prompt_format="..." to '
                   "from_pretrained")
        return node
    ctx.fixed(node, message_for(LEGACY_LIBRARY, f"library {value!r}", repr(rename.new)))
    return string_like(node, rename.new)


@rule.leave("Dict")
def _metadata_dict(ctx: Context, original: cst.Dict, updated: cst.Dict) -> cst.Dict:
    call = metadata_call(ctx, original)
    position = dict_entries(original).get("library")
    if call is None or position is None:
        return updated
    before = original.elements[position]
    after = updated.elements[position]
    assert isinstance(before, cst.DictElement) and isinstance(after, cst.DictElement)
    value = _replacement(ctx, before.value, takes_prompt_format(call))
    if value is before.value:
        return updated
    elements = list(updated.elements)
    elements[position] = after.with_changes(value=value)
    return updated.with_changes(elements=elements)


@rule.leave("Call")
def _write_metadata(ctx: Context, original: cst.Call, updated: cst.Call) -> cst.Call:
    if not is_write_metadata(original):
        return updated
    names = parameter_names(original)
    if "tokenizer_library" not in names:
        return updated
    position = names.index("tokenizer_library")
    value = _replacement(ctx, original.args[position].value, has_prompt_format=True)
    if value is original.args[position].value:
        return updated
    args = list(updated.args)
    args[position] = args[position].with_changes(value=value)
    return updated.with_changes(args=args)


@rule.text("metadata")
def _metadata_file(metadata: MetadataFile) -> None:
    library = metadata.member("library")
    if library is None or not isinstance(library.value, str):
        return
    rename = LEGACY_LIBRARIES.get(library.value)
    if rename is None or not metadata.wanted(library, LEGACY_LIBRARY.code):
        return
    if rename.on_main and metadata.doc.options.target == "upstream":
        return  # Megatron-LM main still reads it
    doc = metadata.doc
    doc.fix(library.key_start, LEGACY_LIBRARY.code,
            message_for(LEGACY_LIBRARY, f'"library": "{rename.legacy}"',
                        f'"library": "{rename.new}"'),
            rename.note, [metadata.set_value(library, rename.new)])
    if rename.legacy == "sft":
        # a fixed finding may go unseen: the follow-up a person must do is its own
        doc.report(library.key_start, LEGACY_LIBRARY.code,
                   "this was an SFT tokenizer; the prompt format is not stored in metadata, so "
                   "pass it wherever the tokenizer is loaded, or it loads as a plain text "
                   "tokenizer",
                   "MegatronTokenizer.from_pretrained(..., prompt_format=<format>), or "
                   "--tokenizer-mode sft --tokenizer-prompt-format <format>")
