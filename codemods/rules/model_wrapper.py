"""MTC001: the removed text model wrappers (``GPTTokenizer``, ``BertTokenizer``, ...)."""

from codemods.rules import Example, Rule, legacy_name_needles
from compat.deprecations import MODEL_WRAPPER

rule = Rule(
    id=MODEL_WRAPPER,
    family="deprecated-names",
    summary="Imports and uses of `GPTTokenizer`, `BertTokenizer`, `T5Tokenizer`, "
    "`MambaTokenizer` and `DefaultTokenizerText` (`as` aliases, module attributes, `isinstance`, "
    "base classes) become `MegatronTokenizerText`.",
    rationale="The wrappers were empty subclasses of the text facade; the new API has the facade "
    "only (Megatron-LM main deleted `text.models` without aliases), and `from_pretrained` "
    "returns a `MegatronTokenizerText` whatever the metadata says.",
    manual="A use next to one that is suppressed or cannot be migrated keeps the legacy import, "
    "so it is reported instead of rewritten: use `MegatronTokenizerText` there by hand.",
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
    ),
    needles=legacy_name_needles(MODEL_WRAPPER),
    carried_out_by="deprecated-alias",
)
