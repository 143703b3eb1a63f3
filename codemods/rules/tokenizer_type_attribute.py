"""Code reading or setting ``args.tokenizer_type`` (MTC301): reported with the code to write.

Handled by :mod:`codemods.python.tokenizer_type`.
"""

from codemods.rules import Example, Family
from compat.deprecations import TOKENIZER_TYPE_ATTRIBUTE

FAMILY = Family(
    name="tokenizer-type-attribute",
    rules=(TOKENIZER_TYPE_ATTRIBUTE,),
    summary="reads of args.tokenizer_type and tokenizer_type= keywords (report only)",
    examples=(
        Example('if args.tokenizer_type == "SFTTokenizer":\n    pass\n', None),
        Example('pretrain(args_defaults={"tokenizer_type": "GPT2BPETokenizer"})\n', None),
    ),
)
