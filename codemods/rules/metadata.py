"""Tokenizer metadata: legacy library strings, ``model_type``, deleted ``class_path`` modules.

Handled in Python calls by :mod:`codemods.python.metadata_calls` and in
``tokenizer_metadata.json`` files by :mod:`codemods.metadata`.
"""

from codemods.rules import Example, Family
from compat.deprecations import DELETED_CLASS_PATH, LEGACY_LIBRARY, MODEL_TYPE

FAMILY = Family(
    name="metadata",
    rules=(LEGACY_LIBRARY, MODEL_TYPE, DELETED_CLASS_PATH),
    summary="from_pretrained / write_metadata metadata and tokenizer_metadata.json files",
    examples=(
        Example(
            "from megatron.core.tokenizers import MegatronTokenizer\n"
            "\n"
            'MegatronTokenizer.write_metadata("tok_dir", "null", "default")\n'
            'tok = MegatronTokenizer.from_pretrained(metadata_path={"library": "null"}, '
            "vocab_size=32000)\n",
            "from megatron.core.tokenizers import MegatronTokenizer\n"
            "\n"
            'MegatronTokenizer.write_metadata("tok_dir", "null-text")\n'
            'tok = MegatronTokenizer.from_pretrained(metadata_path={"library": "null-text"}, '
            "vocab_size=32000)\n",
        ),
        Example(
            'tok = MegatronTokenizer.from_pretrained("dir", metadata_path={"library": "sft", '
            '"model_type": "gpt"}, prompt_format="nemotron-nano-v2")\n',
            'tok = MegatronTokenizer.from_pretrained("dir", metadata_path={"library": '
            '"huggingface"}, prompt_format="nemotron-nano-v2")\n',
        ),
    ),
)
