"""``compat.tokenizers``: Megatron's G3 tokenizer API, complete and working.

Same public names and module layout as upstream ``megatron.core.tokenizers`` (G3). Importing it
loads no backend (transformers, sentencepiece, tiktoken, torch): libraries load on first use.
"""

from compat.tokenizers.base_tokenizer import MegatronTokenizerBase
from compat.tokenizers.megatron_tokenizer import MegatronTokenizer

__all__ = ["MegatronTokenizer", "MegatronTokenizerBase"]
