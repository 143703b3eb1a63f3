"""MTC006: module constants the new API removed (``TOKENIZER_LIBRARIES``,
``TOKENIZER_MAPPING_NAMES``)."""

from codemods.rules import Example, Rule, legacy_name_needles
from compat.deprecations import REMOVED_CONSTANT

rule = Rule(
    id=REMOVED_CONSTANT,
    family="deprecated-names",
    summary="Reports imports of `TOKENIZER_LIBRARIES` and `TOKENIZER_MAPPING_NAMES`.",
    rationale="G1's single list of libraries was split by modality, and model types no longer "
    "select a class, so neither constant has a drop-in replacement.",
    manual="Use `TEXT_LIBRARIES + VISION_LIBRARIES` for the libraries; drop code that maps model "
    "types to classes (every text tokenizer is a `MegatronTokenizerText`).",
    examples=(
        Example(
            "from megatron.core.tokenizers.megatron_tokenizer import TOKENIZER_MAPPING_NAMES\n",
            None,
        ),
    ),
    needles=legacy_name_needles(REMOVED_CONSTANT),
    carried_out_by="deprecated-alias",
)
