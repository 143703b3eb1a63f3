"""MTC002: the removed vision model wrapper (``DefaultTokenizerVision``)."""

from codemods.rules import Example, Rule, legacy_name_needles
from compat.deprecations import VISION_WRAPPER

rule = Rule(
    id=VISION_WRAPPER,
    family="deprecated-names",
    summary="Imports and uses of `DefaultTokenizerVision` become `MegatronTokenizerVision`.",
    rationale="Like the text wrappers, `DefaultTokenizerVision` was an empty subclass of the "
    "vision facade, and the new API has the facade only.",
    manual="A use next to one that is suppressed keeps the legacy import and is reported: use "
    "`MegatronTokenizerVision` there by hand.",
    examples=(
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
    ),
    needles=legacy_name_needles(VISION_WRAPPER),
    carried_out_by="deprecated-alias",
)
