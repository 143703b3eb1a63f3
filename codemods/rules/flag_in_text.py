"""MTC205: an old flag named in text that is not a command line: a note, never an edit."""

from codemods.python.argv import may_hand_over_a_command
from codemods.python.probe import holds_legacy_flag
from codemods.rules import Example, Rule
from compat.deprecations import FLAG_IN_TEXT, LEGACY_FLAG_NAMES

rule = Rule(
    id=FLAG_IN_TEXT,
    family="command-line",
    summary="Notes old tokenizer flags named in messages, log and print text, `help=` strings "
    "and docstrings; such text is never edited.",
    rationale='Only command lines run: rewriting the flag inside `raise ValueError("--legacy-'
    'tokenizer is no longer supported")` would change the message, not what any program does. '
    "A note shows the text in the report so its wording can be updated, without failing "
    "`--check`.",
    manual="Update the wording by hand where the text tells users to pass the old flag.",
    examples=(Example('raise ValueError("--legacy-tokenizer is no longer supported")\n', None),),
    needles=tuple(flag.lstrip("-") for flag in LEGACY_FLAG_NAMES),
    carried_out_by="command-line",
    python_probe=holds_legacy_flag,
    python_context=may_hand_over_a_command,
)
