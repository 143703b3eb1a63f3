"""``apply_chat_template(conversation, template)`` with the template passed positionally (MTC007).

The old mixin required ``chat_template`` as the second positional argument; the new abstract base
makes it optional, and a Hugging Face tokenizer's second parameter is ``tools``. When the file
uses Megatron's tokenizers and not transformers, the arguments are passed by keyword; otherwise
the call is reported (the receiver's type is not known statically).
"""

from __future__ import annotations

import libcst as cst

from codemods.python.base import Migration, call_name, code_of, keyword_arg, on_leave
from compat.deprecations import POSITIONAL_CHAT_TEMPLATE

# the old mixin's signature after ``conversation``
_PARAMETERS = ("chat_template", "tokenize", "truncation", "max_length", "add_generation_prompt")


@on_leave(cst.Call)
def _keyword_chat_template(state: Migration, original: cst.Call, updated: cst.Call):
    if call_name(original) != "apply_chat_template" or not isinstance(original.func, cst.Attribute):
        return updated
    if not state.facts.megatron or state.facts.foreign:
        return updated
    positional = [arg for arg in updated.args if arg.keyword is None]
    if len(positional) < 2 or any(arg.star for arg in updated.args):
        return updated
    if not state.active(POSITIONAL_CHAT_TEMPLATE.code, original):
        return updated
    leading = list(updated.args[: len(positional)])
    if len(positional) - 1 > len(_PARAMETERS) or leading != positional:
        state.report(original, POSITIONAL_CHAT_TEMPLATE.code,
                     "apply_chat_template called with an unexpected argument list")
        return updated
    args = [positional[0]] + [
        keyword_arg(name, arg.value, like=arg)
        for name, arg in zip(_PARAMETERS, positional[1:])
    ] + list(updated.args[len(positional):])
    keyworded = updated.with_changes(args=args)
    if state.facts.transformers:
        state.report(
            original, POSITIONAL_CHAT_TEMPLATE.code,
            "chat_template passed positionally; a Hugging Face tokenizer reads the second "
            "argument as `tools`",
            code_of(keyworded),
        )
        return updated
    state.report(
        original, POSITIONAL_CHAT_TEMPLATE.code,
        "chat_template passed positionally; passed by keyword now", fixed=True,
    )
    return keyworded
