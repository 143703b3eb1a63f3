"""MTC202: tokenizer flags the new design renamed."""

from codemods.python.argv import may_hand_over_a_command
from codemods.python.probe import holds_legacy_flag
from codemods.rules import Example, Rule
from compat.deprecations import LEGACY_FLAGS, RENAMED_FLAG, attribute_for

_RENAMED = {name: flag for name, flag in LEGACY_FLAGS.items() if flag.rule is RENAMED_FLAG}

rule = Rule(
    id=RENAMED_FLAG,
    family="command-line",
    summary="; ".join(f"`{name}` becomes `{flag.replacement}`" for name, flag in _RENAMED.items())
    + ", values kept.",
    rationale="One flag per concept: the SFT prompt format is the prompt format of any mode, and "
    "the tiktoken special tokens are the special tokens of any library.",
    manual="A renamed flag whose value conflicts with the new flag already given, or that had no "
    "effect where it stood (an SFT prompt format on a multimodal tokenizer), is reported.",
    examples=(
        Example(
            "--tokenizer-type TikTokenizer\n--tiktoken-special-tokens <s> </s>\n",
            "--tokenizer-library tiktoken\n--tokenizer-special-tokens <s> </s>\n",
            kind="argvfile",
        ),
    ),
    # the flag, and its attribute as YAML args configs spell it
    needles=tuple(
        needle for name in _RENAMED for needle in (name.lstrip("-"), attribute_for(name))
    ),
    carried_out_by="command-line",
    python_probe=holds_legacy_flag,
    python_context=may_hand_over_a_command,
)
