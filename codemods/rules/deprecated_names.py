"""Removed model wrappers, the chat-template mixin, moved names and removed constants.

Handled by :mod:`codemods.python.aliases` (Fixit's deprecated-alias shape, fed from
``compat.deprecations.LEGACY_NAMES``).
"""

from codemods.rules import Example, Family
from compat.deprecations import (
    CHAT_TEMPLATE_MIXIN,
    MODEL_WRAPPER,
    MOVED_MODULE,
    REMOVED_CONSTANT,
    VISION_WRAPPER,
)

FAMILY = Family(
    name="deprecated-names",
    rules=(MODEL_WRAPPER, VISION_WRAPPER, CHAT_TEMPLATE_MIXIN, MOVED_MODULE, REMOVED_CONSTANT),
    summary="imports and uses of classes, modules and constants the new API removed or moved",
    examples=(
        Example(
            "from megatron.core.tokenizers.text.models.gpt_tokenizer import GPTTokenizer\n"
            "\n"
            "def is_text(tokenizer):\n"
            "    return isinstance(tokenizer, GPTTokenizer)\n",
            "from megatron.core.tokenizers.text import MegatronTokenizerText\n"
            "\n"
            "def is_text(tokenizer):\n"
            "    return isinstance(tokenizer, MegatronTokenizerText)\n",
        ),
        Example(
            "import megatron.core.tokenizers.vision.models as models\n"
            "\n"
            "class MyVision(models.DefaultTokenizerVision):\n"
            "    pass\n",
            "from megatron.core.tokenizers.vision import MegatronTokenizerVision\n"
            "\n"
            "class MyVision(MegatronTokenizerVision):\n"
            "    pass\n",
        ),
        Example(
            "from megatron.core.tokenizers.text.libraries.chat_template import "
            "MegatronTokenizerChatTemplate\n"
            "\n"
            "class MyLibrary(MegatronTokenizerChatTemplate):\n"
            "    pass\n",
            "from megatron.core.tokenizers.text.libraries.abstract_tokenizer import "
            "MegatronTokenizerTextAbstract\n"
            "\n"
            "class MyLibrary(MegatronTokenizerTextAbstract):\n"
            "    pass\n",
        ),
        Example(
            "from megatron.core.tokenizers.text.libraries.sft_tokenizer import IGNORE_INDEX\n",
            "from megatron.core.tokenizers.conversation.conversation_tokenizer import "
            "IGNORE_INDEX\n",
        ),
        Example(
            "from megatron.core.tokenizers.megatron_tokenizer import TOKENIZER_MAPPING_NAMES\n",
            None,
        ),
    ),
)
