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
from compat.tokenizers.text.libraries.abstract_tokenizer import render_chat

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
        if not chat_template:
            raise ValueError(
                f"{type(self).__name__}.apply_chat_template needs a chat template (second "
                "argument); inherit MegatronTokenizerTextAbstract instead of "
                f"{_ENTRY.legacy_name} to fall back to the tokenizer's own template"
            )
        return render_chat(
            self.text_to_ids,
            chat_template,
            conversation,
            tokenize=tokenize,
            truncation=truncation,
            max_length=max_length,
            add_generation_prompt=add_generation_prompt,
        )


globals()[_ENTRY.legacy_name] = present_as(_ChatTemplateMixin, _ENTRY)
