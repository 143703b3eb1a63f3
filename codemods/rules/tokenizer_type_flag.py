"""MTC201: ``--tokenizer-type X`` on command lines, in every file kind that holds one."""

from codemods.python.argv import may_hand_over_a_command
from codemods.python.probe import holds_legacy_flag
from codemods.rules import Example, Rule
from compat.deprecations import (
    LIBRARY_FLAG,
    TOKENIZER_TYPE_FLAG,
    TOKENIZER_TYPE_FLAG_NAME,
    attribute_for,
)

rule = Rule(
    id=TOKENIZER_TYPE_FLAG,
    family="command-line",
    summary=f"`{TOKENIZER_TYPE_FLAG_NAME} X` becomes the new library/mode flags "
    f"(`{LIBRARY_FLAG} megatron --tokenizer-model X` for the `megatron` types, "
    "`--tokenizer-mode sft --tokenizer-prompt-format F` for `SFTTokenizer`, ...) in argv lists, "
    "command strings, shell scripts, YAML configs, argv files and Markdown shell blocks.",
    rationale="The new design names the library and the mode instead of one of twelve type names; "
    f"`{TOKENIZER_TYPE_FLAG_NAME}` is deprecated there. Every file kind goes through the same "
    "translator (`compat.args.translate_argv`), so a script and its config get the same answer.",
    manual="Unknown types (a fork's), a type that conflicts with a new flag already given, and "
    "flags in f-strings are reported with the flags to write.",
    examples=(
        Example(
            'cmd = ["--tokenizer-type", "NullMultimodalTokenizer", "--vocab-size", "127"]\n',
            'cmd = ["--tokenizer-library", "null", "--tokenizer-mode", "multimodal", '
            '"--vocab-size", "127"]\n',
        ),
        Example(
            "torchrun pretrain_gpt.py --tokenizer-type SFTTokenizer --tokenizer-model my_hf_dir "
            "--sft-tokenizer-prompt-format nemotron-nano-v2\n",
            "torchrun pretrain_gpt.py --tokenizer-library huggingface --tokenizer-mode sft "
            "--tokenizer-model my_hf_dir --tokenizer-prompt-format nemotron-nano-v2\n",
            kind="shell",
        ),
        Example(
            "model:\n  --tokenizer-type: BertWordPieceCase\n",
            "model:\n  --tokenizer-library: megatron\n  --tokenizer-model: BertWordPieceCase\n",
            kind="yaml",
        ),
    ),
    # the YAML null library upstream wrote by hand (`--tokenizer-library: null`) is quoted too;
    # YAML args configs spell the flag as its attribute
    needles=(
        TOKENIZER_TYPE_FLAG_NAME.lstrip("-"),
        f"{LIBRARY_FLAG.lstrip('-')}: null",
        attribute_for(TOKENIZER_TYPE_FLAG_NAME),
    ),
    carried_out_by="command-line",
    python_probe=holds_legacy_flag,
    python_context=may_hand_over_a_command,
)
