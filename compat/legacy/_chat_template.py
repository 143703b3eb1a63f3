"""The G1/G2 ``MegatronTokenizerChatTemplate`` mixin, for custom library classes that mix it in.

The new API moved ``apply_chat_template`` onto the abstract library base (with the template
optional). The mixin keeps the old contract: the template is required, only ``messages`` and
``add_generation_prompt`` reach it, and rendering happens in the same jinja2 sandbox as the new
API's (the old mixin used transformers' unsandboxed compiler).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from compat.deprecations import CHAT_TEMPLATE_MIXIN, LEGACY_NAMES
from compat.legacy._facade_alias import present_as

_ENTRY = next(n for n in LEGACY_NAMES if n.rule is CHAT_TEMPLATE_MIXIN)


class _ChatTemplateMixin:
    # provided by the library class the mixin is mixed into
    text_to_ids: Callable[[str], list[int]]

    def apply_chat_template(
        self,
        conversation: list[dict[str, Any]],
        chat_template: str,
        tokenize: bool = True,
        truncation: bool = False,
        max_length: int | None = None,
        add_generation_prompt: bool = False,
    ) -> str | list[int]:
        from compat.tokenizers.text.libraries.chat_rendering import render_chat_template

        if not chat_template:
            raise ValueError(
                f"{type(self).__name__}.apply_chat_template needs a chat template (second "
                "argument); inherit MegatronTokenizerTextAbstract instead of "
                f"{_ENTRY.legacy_name} to fall back to the tokenizer's own template"
            )
        if truncation and not max_length:
            raise ValueError("apply_chat_template(truncation=True) needs max_length=<int>")
        text = render_chat_template(
            chat_template, conversation, add_generation_prompt=add_generation_prompt
        )
        if not tokenize:
            return text
        ids = self.text_to_ids(text)
        return ids[:max_length] if truncation else ids


globals()[_ENTRY.legacy_name] = present_as(_ChatTemplateMixin, _ENTRY)
