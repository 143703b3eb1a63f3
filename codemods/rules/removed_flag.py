"""MTC203: tokenizer flags that were no-ops and are gone."""

from codemods.python.argv import may_hand_over_a_command
from codemods.python.probe import holds_legacy_flag
from codemods.rules import Example, Rule
from compat.deprecations import LEGACY_FLAGS, REMOVED_FLAG, attribute_for

_REMOVED = tuple(name for name, flag in LEGACY_FLAGS.items() if flag.rule is REMOVED_FLAG)

rule = Rule(
    id=REMOVED_FLAG,
    family="command-line",
    summary=", ".join(f"`{name}`" for name in _REMOVED) + " are deleted.",
    rationale="They switched on what is the default since megatron-core 0.17 (fast Hugging Face "
    "tokenizers, special tokens included) or a tokenizer system that was removed; upstream "
    "main's parser rejects them.",
    manual="A removed flag written with a value (`--legacy-tokenizer=1`) is reported.",
    examples=(
        Example(
            "python pretrain_gpt.py --legacy-tokenizer --seq-length 8\n",
            "python pretrain_gpt.py --seq-length 8\n",
            kind="shell",
        ),
    ),
    # the flag, and its attribute as YAML args configs spell it
    needles=tuple(
        needle for name in _REMOVED for needle in (name.lstrip("-"), attribute_for(name))
    ),
    carried_out_by="command-line",
    python_probe=holds_legacy_flag,
    python_context=may_hand_over_a_command,
)
