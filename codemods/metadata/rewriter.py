"""Rewrite ``tokenizer_metadata.json`` files written by the old API (surgical JSON edits).

``library`` ``"null"``/``"sft"``, legacy ``model_type`` values and ``class_path``/``class_name``
of deleted model-wrapper modules become what the new API writes (G3 ``write_metadata``). A
``model_type`` is rewritten, not dropped: the new API ignores it, and ``default-text`` /
``default-vision`` are also what an older reader (G2) needs, so a migrated file loads everywhere.
Only the changed values are touched: indentation, key order, spacing and the other keys stay as
written, and the result must load as exactly the intended dictionary.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from codemods.core import Finding, Options, RewriteResult, UnparsableError, is_suppressed
from codemods.shell.words import TextEdit, apply_text_edits, line_and_column, line_at
from compat.deprecations import (
    DELETED_CLASS_PATH,
    LEGACY_CLASS_PATHS,
    LEGACY_LIBRARIES,
    LEGACY_MODEL_TYPES,
    MODEL_TYPE,
    message_for,
)

_DECODER = json.JSONDecoder()
# json's own string scanner (typeshed does not declare it): (decoded string, offset after it)
_scan_string = json.decoder.scanstring  # type: ignore[attr-defined]
_WHITESPACE = " \t\n\r"


@dataclass(frozen=True)
class _Member:
    key: str
    key_start: int
    value_start: int
    value_end: int
    value: Any


def _skip(text: str, index: int) -> int:
    while index < len(text) and text[index] in _WHITESPACE:
        index += 1
    return index


def members(text: str) -> list[_Member]:
    """The members of the top-level JSON object with their exact spans.

    Raises ``ValueError`` when the text is not one JSON object.
    """
    index = _skip(text, 0)
    if not text.startswith("{", index):
        raise ValueError("the file is not a JSON object")
    found: list[_Member] = []
    index = _skip(text, index + 1)
    if text.startswith("}", index):
        return found
    while True:
        if not text.startswith('"', index):
            raise ValueError(f"expected a key at offset {index}")
        key, after_key = _scan_string(text, index + 1)
        colon = _skip(text, after_key)
        if not text.startswith(":", colon):
            raise ValueError(f"expected ':' at offset {colon}")
        value_start = _skip(text, colon + 1)
        value, value_end = _DECODER.raw_decode(text, value_start)
        found.append(_Member(key, index, value_start, value_end, value))
        index = _skip(text, value_end)
        if text.startswith(",", index):
            index = _skip(text, index + 1)
            continue
        if text.startswith("}", index):
            return found
        raise ValueError(f"expected ',' or '}}' at offset {index}")


def _delete(text: str, found: list[_Member], position: int) -> TextEdit:
    member = found[position]
    if position + 1 < len(found):
        return TextEdit(member.key_start, found[position + 1].key_start, "")
    if position > 0:
        return TextEdit(found[position - 1].value_end, member.value_end, "")
    return TextEdit(member.key_start, member.value_end, "")


def _current_model_type(library: Any) -> str:
    """The model_type the new ``write_metadata`` writes for ``library``."""
    from compat.tokenizers.megatron_tokenizer import VISION_LIBRARIES

    return "default-vision" if library in VISION_LIBRARIES else "default-text"


def validate(text: str) -> None:
    try:
        json.loads(text)
    except ValueError as error:
        raise UnparsableError(f"not valid JSON: {error}") from None


def rewrite(text: str, path: str, options: Options) -> RewriteResult:
    try:
        data = json.loads(text)
        found = members(text)
    except ValueError as error:
        raise UnparsableError(
            f"{path}: not a valid tokenizer metadata file ({error}); fix the JSON and run the "
            "migration again"
        ) from None
    edits: list[TextEdit] = []
    findings: list[Finding] = []
    expected = dict(data)
    by_key = {member.key: position for position, member in enumerate(found)}

    def wanted(member: _Member, code: str) -> bool:
        return options.enabled(code) and not is_suppressed(line_at(text, member.key_start), code)

    def report(member: _Member, code: str, message: str, suggestion: str, fixed: bool) -> None:
        line, column = line_and_column(text, member.key_start)
        findings.append(Finding(line, column, code, message, suggestion, fixed))

    library = found[by_key["library"]] if "library" in by_key else None
    if library is not None and isinstance(library.value, str):
        rename = LEGACY_LIBRARIES.get(library.value)
        if rename is not None and wanted(library, rename.rule.code):
            edits.append(TextEdit(library.value_start, library.value_end, json.dumps(rename.new)))
            expected["library"] = rename.new
            message = message_for(rename.rule, f'"library": "{rename.legacy}"',
                                  f'"library": "{rename.new}"')
            report(library, rename.rule.code, message, rename.note, fixed=True)
            if rename.legacy == "sft":
                # a fixed finding may go unseen: the follow-up a person must do is its own
                report(library, rename.rule.code,
                       "this was an SFT tokenizer; the prompt format is not stored in metadata, "
                       "so pass it wherever the tokenizer is loaded, or it loads as a plain "
                       "text tokenizer",
                       "MegatronTokenizer.from_pretrained(..., prompt_format=<format>), or "
                       "--tokenizer-mode sft --tokenizer-prompt-format <format>", fixed=False)

    model_type = found[by_key["model_type"]] if "model_type" in by_key else None
    if model_type is not None and wanted(model_type, MODEL_TYPE.code):
        current = _current_model_type(expected.get("library"))
        if model_type.value in LEGACY_MODEL_TYPES and model_type.value != current:
            edits.append(TextEdit(model_type.value_start, model_type.value_end,
                                  json.dumps(current)))
            expected["model_type"] = current
            report(model_type, MODEL_TYPE.code,
                   message_for(MODEL_TYPE, f'"model_type": {json.dumps(model_type.value)}',
                               f'"model_type": "{current}" (what the new write_metadata writes; '
                               "the new API ignores it, older readers still accept it)"),
                   "", fixed=True)

    class_path = found[by_key["class_path"]] if "class_path" in by_key else None
    if (class_path is not None and isinstance(class_path.value, str)
            and class_path.value in LEGACY_CLASS_PATHS
            and wanted(class_path, DELETED_CLASS_PATH.code)):
        new_name, new_path = LEGACY_CLASS_PATHS[class_path.value]
        edits.append(TextEdit(class_path.value_start, class_path.value_end, json.dumps(new_path)))
        expected["class_path"] = new_path
        class_name = found[by_key["class_name"]] if "class_name" in by_key else None
        if class_name is not None:
            if class_name.value != new_name:
                edits.append(TextEdit(class_name.value_start, class_name.value_end,
                                      json.dumps(new_name)))
        else:
            # class_path is only read together with class_name: add it, laid out like the
            # separator between two existing members
            position = by_key["class_path"]
            if position + 1 < len(found):
                separator = text[class_path.value_end:found[position + 1].key_start]
            elif position > 0:
                separator = text[found[position - 1].value_end:class_path.key_start]
            else:
                separator = ", "
            if not separator.lstrip().startswith(","):
                separator = ", "
            edits.append(TextEdit(class_path.value_end, class_path.value_end,
                                  f'{separator}"class_name": {json.dumps(new_name)}'))
        expected["class_name"] = new_name
        report(class_path, DELETED_CLASS_PATH.code,
               message_for(DELETED_CLASS_PATH, f'"class_path": "{class_path.value}"',
                           f'"class_path": "{new_path}", "class_name": "{new_name}"'),
               "", fixed=True)

    if not edits:
        return RewriteResult(text, findings)
    new_text = apply_text_edits(text, edits)
    if json.loads(new_text) != expected:
        raise UnparsableError(f"{path}: the rewrite did not produce the intended metadata; the "
                              "file was left unchanged (please report this)")
    return RewriteResult(new_text, sorted(findings, key=lambda f: (f.line, f.col)))
