"""MTC204: a ``--tokenizer-type`` whose value is only known when the script runs."""

from codemods.python.argv import may_hand_over_a_command
from codemods.python.probe import holds_legacy_flag
from codemods.rules import Example, Rule
from compat.deprecations import DYNAMIC_TOKENIZER_TYPE, TOKENIZER_TYPE_FLAG_NAME

rule = Rule(
    id=DYNAMIC_TOKENIZER_TYPE,
    family="command-line",
    summary=f"`{TOKENIZER_TYPE_FLAG_NAME} $VAR` is rewritten together with the assignment when "
    "`VAR` has one literal value in the script (`TOKENIZER_TYPE=X` → `TOKENIZER_LIBRARY=...`).",
    rationale="A value known only at run time cannot be translated statically; guessing would "
    "change what the script runs.",
    manual="Every other run-time value (`$1`, a Python variable, a value read from a file) is "
    "reported with the translation of each of the twelve types: resolve it to a literal, or map "
    "it in the script (a shell `case`).",
    examples=(
        Example(
            'subprocess.run(["python", "train.py", "--tokenizer-type", tokenizer_type])\n',
            None,
        ),
    ),
    needles=(TOKENIZER_TYPE_FLAG_NAME.lstrip("-"),),
    carried_out_by="command-line",
    python_probe=holds_legacy_flag,
    python_context=may_hand_over_a_command,
)
