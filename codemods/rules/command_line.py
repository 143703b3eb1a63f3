"""Old tokenizer flags on command lines: shell scripts, YAML, argv files, Markdown and Python
argv lists or command strings, all through :func:`compat.args.translate_argv`.
"""

from codemods.rules import Example, Family
from compat.deprecations import (
    DYNAMIC_TOKENIZER_TYPE,
    REMOVED_FLAG,
    RENAMED_FLAG,
    TOKENIZER_TYPE_FLAG,
)

FAMILY = Family(
    name="command-line",
    rules=(TOKENIZER_TYPE_FLAG, RENAMED_FLAG, REMOVED_FLAG, DYNAMIC_TOKENIZER_TYPE),
    summary="--tokenizer-type and the renamed or removed tokenizer flags, in every file kind",
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
        Example(
            'subprocess.run(["python", "train.py", "--tokenizer-type", tokenizer_type])\n',
            None,
        ),
    ),
)
