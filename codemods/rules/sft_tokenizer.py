"""``SFTTokenizer(path, prompt_format)`` → the text facade with ``prompt_format`` (MTC003).

Handled by :mod:`codemods.python.sft`; the import is swapped by :mod:`codemods.python.aliases`.
"""

from codemods.rules import Example, Family
from compat.deprecations import SFT_TOKENIZER

FAMILY = Family(
    name="sft-tokenizer",
    rules=(SFT_TOKENIZER,),
    summary="SFTTokenizer construction becomes MegatronTokenizer.from_pretrained(..., "
    "prompt_format=...), keeping every argument",
    examples=(
        Example(
            "from megatron.core.tokenizers.text.libraries.sft_tokenizer import SFTTokenizer\n"
            "\n"
            'tokenizer = SFTTokenizer("my_hf_dir", prompt_format="nemotron-nano-v2")\n',
            "from megatron.core.tokenizers import MegatronTokenizer\n"
            "\n"
            'tokenizer = MegatronTokenizer.from_pretrained("my_hf_dir", metadata_path={"library": '
            '"huggingface"}, prompt_format="nemotron-nano-v2")\n',
        ),
        Example(
            "from megatron.core.tokenizers.text.libraries import SFTTokenizer\n"
            "\n"
            "class MySFT(SFTTokenizer):\n"
            "    pass\n",
            None,
        ),
    ),
)
