"""MTC101: library strings the new API does not know (G1's ``null``, G2's ``sft``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from codemods.python.metadata import (
    dict_entries,
    is_write_metadata,
    metadata_call,
    metadata_probe,
    parameter_names,
    takes_prompt_format,
)
from codemods.python.syntax import call_name, cst, plus_one, string_like, string_value
from codemods.rules import Example, Rule
from compat.args.translate import NULL_SIZES_NOTE
from compat.deprecations import (
    G1_NULL_LIBRARY,
    LEGACY_LIBRARIES,
    LEGACY_LIBRARY,
    NULL_TEXT_LIBRARY,
    message_for,
)

if TYPE_CHECKING:
    from codemods.metadata.rewriter import MetadataFile
    from codemods.python.engine import Context

rule = Rule(
    id=LEGACY_LIBRARY,
    family="metadata",
    summary='`"sft"` becomes `"huggingface"` in literal `from_pretrained` metadata, '
    '`write_metadata` calls and `tokenizer_metadata.json` files; G1\'s `"null"` becomes '
    '`"null-text"` in `from_pretrained(..., vocab_size=N)` calls, with `vocab_size=N + 1`.',
    rationale="SFT is no longer a library: a `huggingface` tokenizer with `prompt_format` does "
    "it. G1's null library is called `null-text` since megatron-core 0.17, and since 0.18 "
    "(upstream #4057) it has N ids where G1's had N + 1: the size moves with the name so the "
    "ids and the padded vocabulary stay.",
    manual='`"sft"` in a `from_pretrained` call without `prompt_format=` is reported: add the '
    "prompt format the tokenizer was used with. G1's `null` in a `write_metadata` call or a "
    "metadata file is noted (the new API keeps its sizes; upstream main does not know it: "
    "reported there), since the vocab size it pairs with is passed where it is loaded. A "
    "rewritten `sft` metadata file is also reported, because the prompt format is not stored in "
    "metadata: pass it wherever the tokenizer is loaded (`prompt_format=...`, or "
    "`--tokenizer-mode sft --tokenizer-prompt-format ...`). So that the site is not forgotten "
    'once the library is rewritten, the file gets a `"TODO[megatron-tokenizer]"` entry '
    "(readers ignore unknown keys), reported by every run until you delete it.",
    examples=(
        Example(
            "from megatron.core.tokenizers import MegatronTokenizer\n"
            "\n"
            'tok = MegatronTokenizer.from_pretrained(metadata_path={"library": "null"}, '
            "vocab_size=32000)\n",
            "from megatron.core.tokenizers import MegatronTokenizer\n"
            "\n"
            'tok = MegatronTokenizer.from_pretrained(metadata_path={"library": "null-text"}, '
            "vocab_size=32001)\n",
        ),
        Example(
            '{"library": "sft", "chat_template": null}\n',
            '{"TODO[megatron-tokenizer]": ["MTC101 this was an SFT tokenizer; the prompt format '
            "is not stored in metadata, so pass it wherever the tokenizer is loaded, or it loads "
            "as a plain text tokenizer; MegatronTokenizer.from_pretrained(..., "
            "prompt_format=<format>), or --tokenizer-mode sft --tokenizer-prompt-format "
            '<format>"], "library": "huggingface", "chat_template": null}\n',
            kind="metadata",
        ),
    ),
    needles=("metadata_path", "write_metadata", ("from_pretrained", "prompt_format")),
    python_probe=metadata_probe("library", LEGACY_LIBRARIES),
)


def _sizes_message(target: str) -> tuple[str, bool]:
    """What is said of G1's ``null`` library that cannot be renamed here, and whether it is a
    note (the target still reads it, with its sizes) or a site for a person."""
    if target == "upstream":
        return (
            f"Megatron-LM main has no {G1_NULL_LIBRARY!r} library: write "
            f"{NULL_TEXT_LIBRARY!r} and pass vocab_size=N + 1 wherever the tokenizer is "
            f"loaded, to keep the sizes it had ({NULL_SIZES_NOTE})"
        ), False
    return (
        f"G1's {G1_NULL_LIBRARY!r} library keeps its sizes in the new API (vocab N + 1, eod "
        f"N); to move to {NULL_TEXT_LIBRARY!r}, pass vocab_size=N + 1 wherever it is "
        f"loaded ({NULL_SIZES_NOTE})"
    ), True


def _report_null(ctx: Context, node: cst.CSTNode) -> None:
    message, is_note = _sizes_message(ctx.file.options.target)
    if is_note:
        ctx.note(node, message)
    else:
        ctx.report(node, message)


def _replacement(
    ctx: Context, node: cst.BaseExpression, has_prompt_format: bool
) -> cst.BaseExpression:
    value = string_value(node)
    rename = LEGACY_LIBRARIES.get(value) if value is not None else None
    if rename is None or ctx.target_keeps(rename.on_main):
        return node
    if value == "sft" and not has_prompt_format:
        ctx.report(
            node,
            f"library {value!r} without prompt_format=: {rename.note}",
            f'metadata library "{rename.new}" and pass prompt_format="..." to from_pretrained',
        )
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
    assert isinstance(before, cst.DictElement)
    if string_value(before.value) == G1_NULL_LIBRARY:
        return updated  # with the call's vocab_size, below
    return _with_library(ctx, original, updated, position, takes_prompt_format(call))


def _with_library(
    ctx: Context, original: cst.Dict, updated: cst.Dict, position: int, has_prompt_format: bool
) -> cst.Dict:
    before, after = original.elements[position], updated.elements[position]
    assert isinstance(before, cst.DictElement) and isinstance(after, cst.DictElement)
    value = _replacement(ctx, before.value, has_prompt_format)
    if value is before.value:
        return updated
    elements = list(updated.elements)
    elements[position] = after.with_changes(value=value)
    return updated.with_changes(elements=elements)


@rule.leave("Call")
def _null_with_its_sizes(ctx: Context, original: cst.Call, updated: cst.Call) -> cst.Call:
    """``from_pretrained(metadata_path={"library": "null"}, vocab_size=N)``: G1's null had
    N + 1 ids, ``null-text`` has N; both change together so the sizes stay."""
    found = _null_metadata(original)
    if found is None:
        return updated
    arg_index, element_index = found
    arguments = {
        arg.keyword.value: index
        for index, arg in enumerate(original.args)
        if arg.keyword is not None
    }
    if "vocab_size" not in arguments:
        _report_null(ctx, original.args[arg_index].value)
        return updated
    metadata = updated.args[arg_index].value
    assert isinstance(metadata, cst.Dict)
    element = metadata.elements[element_index]
    assert isinstance(element, cst.DictElement)
    elements = list(metadata.elements)
    elements[element_index] = element.with_changes(
        value=string_like(element.value, NULL_TEXT_LIBRARY)
    )
    args = list(updated.args)
    args[arg_index] = args[arg_index].with_changes(value=metadata.with_changes(elements=elements))
    size_index = arguments["vocab_size"]
    args[size_index] = args[size_index].with_changes(value=plus_one(args[size_index].value))
    ctx.fixed(
        original.args[arg_index].value,
        message_for(
            LEGACY_LIBRARY,
            f"library {G1_NULL_LIBRARY!r} with vocab_size=N",
            f"{NULL_TEXT_LIBRARY!r} with vocab_size=N + 1 (the same sizes: {NULL_SIZES_NOTE})",
        ),
    )
    return updated.with_changes(args=args)


def _null_metadata(call: cst.Call) -> tuple[int, int] | None:
    """(argument, element) of a literal ``{"library": "null"}`` metadata of ``from_pretrained``."""
    if call_name(call) != "from_pretrained":
        return None
    for index, arg in enumerate(call.args):
        is_metadata = (
            arg.keyword is not None
            and arg.keyword.value == "metadata_path"
            or (arg.keyword is None and not arg.star and index == 1)
        )
        if is_metadata and isinstance(arg.value, cst.Dict):
            position = dict_entries(arg.value).get("library")
            if position is None:
                continue
            element = arg.value.elements[position]
            if (
                isinstance(element, cst.DictElement)
                and string_value(element.value) == G1_NULL_LIBRARY
            ):
                return index, position
    return None


@rule.leave("Call")
def _write_metadata(ctx: Context, original: cst.Call, updated: cst.Call) -> cst.Call:
    if not is_write_metadata(original):
        return updated
    names = parameter_names(original)
    if "tokenizer_library" not in names:
        return updated
    position = names.index("tokenizer_library")
    library = original.args[position].value
    if string_value(library) == G1_NULL_LIBRARY:
        # the file it writes is loaded elsewhere, with a vocab_size this call does not see
        _report_null(ctx, library)
        return updated
    value = _replacement(ctx, library, has_prompt_format=True)
    if value is library:
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
    if rename.on_main and doc.options.target == "upstream":
        return  # Megatron-LM main still reads it
    if rename.legacy == G1_NULL_LIBRARY:
        message, is_note = _sizes_message(doc.options.target)
        if is_note:
            doc.note(library.key_start, LEGACY_LIBRARY.code, message)
        else:
            doc.report(library.key_start, LEGACY_LIBRARY.code, message)
        return
    doc.fix(
        library.key_start,
        LEGACY_LIBRARY.code,
        message_for(LEGACY_LIBRARY, f'"library": "{rename.legacy}"', f'"library": "{rename.new}"'),
        rename.note,
        [metadata.set_value(library, rename.new)],
    )
    # a fixed finding may go unseen: the follow-up a person must do is its own
    doc.report(
        library.key_start,
        LEGACY_LIBRARY.code,
        "this was an SFT tokenizer; the prompt format is not stored in metadata, so "
        "pass it wherever the tokenizer is loaded, or it loads as a plain text "
        "tokenizer",
        "MegatronTokenizer.from_pretrained(..., prompt_format=<format>), or "
        "--tokenizer-mode sft --tokenizer-prompt-format <format>",
    )
