"""``apply_chat_template(conversation, template)`` → the template by keyword (MTC007).

Handled by :mod:`codemods.python.chat_template`.
"""

from codemods.rules import Example, Family
from compat.deprecations import POSITIONAL_CHAT_TEMPLATE

FAMILY = Family(
    name="positional-chat-template",
    rules=(POSITIONAL_CHAT_TEMPLATE,),
    summary="chat_template passed positionally to a Megatron library's apply_chat_template",
    examples=(
        Example(
            "from megatron.core.tokenizers import MegatronTokenizer\n"
            "\n"
            "def render(library, conversation, template):\n"
            "    return library.apply_chat_template(conversation, template, tokenize=False)\n",
            "from megatron.core.tokenizers import MegatronTokenizer\n"
            "\n"
            "def render(library, conversation, template):\n"
            "    return library.apply_chat_template(conversation, chat_template=template, "
            "tokenize=False)\n",
        ),
    ),
)
