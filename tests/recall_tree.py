"""A generated repository that mixes every file kind and every form of old-API use the tool reads.

Written for these tests (the shapes follow what real Megatron-based repositories do: launch
scripts with placeholders, arrays of "--flag value" strings, commented-out command lines,
notebooks with shell magics, ``--yaml-cfg`` configs, untagged documentation blocks, VS Code
debug configurations). :func:`write_tree` writes it under a folder.
"""

from __future__ import annotations

import json
from pathlib import Path

_NOTEBOOK = {
    "cells": [
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": [
                "# Tokenizer checks\n",
                "The old runs used `--tokenizer-type GPT2BPETokenizer`; see below.\n",
                "```bash\n",
                "python tools/preprocess_data.py --tokenizer-type GPT2BPETokenizer \\\n",
                "    --vocab-file gpt2-vocab.json --merge-file gpt2-merges.txt\n",
                "```",
            ],
        },
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "outputs": [],
            "source": [
                "%load_ext autoreload\n",
                "from megatron.core.tokenizers.text.models import GPTTokenizer\n",
                "VOCAB = 'data/gpt2-vocab.json'\n",
                "!torchrun --nproc-per-node 1 pretrain_gpt.py \\\n",
                "    --tokenizer-type GPT2BPETokenizer \\\n",
                "    --vocab-file $VOCAB \\\n",
                "    --legacy-tokenizer\n",
                "tok = GPTTokenizer",
            ],
        },
        {
            "cell_type": "code",
            "execution_count": 2,
            "metadata": {},
            "outputs": [],
            "source": [
                "%%bash\n",
                "ARGS=(\n",
                '    "--tokenizer-type HuggingFaceTokenizer"\n',
                '    "--tokenizer-model $HF_DIR"\n',
                ")\n",
                "python pretrain_gpt.py ${ARGS[@]}\n",
            ],
        },
        {
            "cell_type": "code",
            "execution_count": 3,
            "metadata": {},
            "outputs": [],
            "source": [
                "def broken(:\n",
                "    return '--tokenizer-type TikTokenizer'\n",
            ],
        },
        {
            "cell_type": "code",
            "execution_count": 4,
            "metadata": {},
            "outputs": [],
            "source": [
                "%run tools/check_tokenizer.py --tokenizer-type NullTokenizer --vocab-size 128\n",
                "out = !python tools/count.py --tokenizer-type=TikTokenizer\n",
            ],
        },
        {
            "cell_type": "code",
            "execution_count": 5,
            "metadata": {},
            "outputs": [],
            "source": [
                "%%writefile configs/generated.yaml\n",
                "MODEL_ARGS:\n",
                "  --tokenizer-type: Llama2Tokenizer\n",
            ],
        },
    ],
    "metadata": {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    },
    "nbformat": 4,
    "nbformat_minor": 5,
}

FILES: dict[str, str] = {
    # --- shell ------------------------------------------------------------------------------
    "scripts/train_llama3_8b.sh": """\
#!/bin/bash
# Llama-3 8B with real or mock data; TOKENIZER_ARG=MOCK for a dry run
TOKENIZER_ARG=${1:-MOCK}
DATA_ARG=${2:-MOCK}

DATA_ARGS_LIST=()
if [[ "$TOKENIZER_ARG" == "MOCK" ]]; then
    DATA_ARGS_LIST+=(
        "--mock-data"
        "--tokenizer-type NullTokenizer"
        "--vocab-size 128256"
    )
else
    DATA_ARGS_LIST+=(
        "--data-path $DATA_ARG"
        "--tokenizer-type HuggingFaceTokenizer"
        "--tokenizer-model $TOKENIZER_ARG"
        # "--tokenizer-hf-include-special-tokens"
    )
fi

MODEL_OPTIONS="\\
  --num-layers 32 \\
  --tokenizer-model "meta-llama/Meta-Llama-3-8B" \\
  --tokenizer-hf-use-fast \\
  --lr 3e-4 "

torchrun --nproc-per-node 8 pretrain_gpt.py ${DATA_ARGS_LIST[@]} ${MODEL_OPTIONS}
""",
    "scripts/serve_345m.sh": """\
#!/bin/bash
# This example will start serving the 345M model.
CHECKPOINT=<Path to checkpoint (e.g /345m)>
VOCAB_FILE=<Path to vocab.json (e.g. /gpt2-vocab.json)>
MERGE_FILE=<PATH_OF_MERGE_FILE> (e.g., /gpt2-merges.txt)

pip install flask-restful

torchrun tools/run_text_generation_server.py \\
       --load ${CHECKPOINT} \\
       --tokenizer-type GPT2BPETokenizer \\
       --vocab-file $VOCAB_FILE \\
       --merge-file $MERGE_FILE
""",
    "scripts/train_t5.sh": """\
#!/bin/bash
OFFSET=1
RUN_NAME="t5-base"
echo "short name: ${RUN_NAME:$OFFSET+1}"

DATA_ARGS="
    --vocab-file $VOCAB_FILE \\
    --tokenizer-type BertWordPieceCase \\
"

# torchrun pretrain_t5.py --tokenizer-type BertWordPieceLowerCase --legacy-tokenizer
# The cased vocabulary needs --tokenizer-type BertWordPieceCase.
torchrun pretrain_t5.py \\
    $DATA_ARGS \\
    --save $CHECKPOINT_PATH \\
""",
    "slurm/sft.sbatch": """\
#!/bin/bash
#SBATCH --nodes=2
TOKENIZER_TYPE=SFTTokenizer
srun bash -c "python pretrain_gpt.py --tokenizer-type ${TOKENIZER_TYPE} \\
    --sft-tokenizer-prompt-format nemotron-h-aligned --tokenizer-model /models/nemotron"
python - <<'EOF'
from megatron.core.tokenizers.text.libraries.sft_tokenizer import SFTTokenizer
EOF
""",
    # --- YAML -------------------------------------------------------------------------------
    "configs/gpt_config.yaml": """\
# WARNING: Yaml configs is currently an experimental feature
language_model:
  num_layers: 24
  hidden_size: 1024
model_parallel:
  tensor_model_parallel_size: 1
micro_batch_size: 2
vocab_file: null
tokenizer_type: GPTSentencePieceTokenizer
tokenizer_model: /data/tokenizer.model
legacy_tokenizer: false
# tokenizer_type: GPT2BPETokenizer
""",
    "configs/functional_test.yaml": """\
ENV_VARS:
  CUDA_DEVICE_MAX_CONNECTIONS: 1
MODEL_ARGS:
  --num-layers: 12
  --tokenizer-type: TikTokenizer
  --tiktoken-special-tokens: ["<s>", "</s>"]
  # --tokenizer-hf-use-fast: true
TEST_TYPE: regular
script: |-
  torchrun pretrain_gpt.py \\
    --tokenizer-type NullTokenizer --vocab-size 128
""",
    "configs/bridge_recipe.yaml": """\
model:
  num_layers: 2
tokenizer:
  tokenizer_type: HuggingFaceTokenizer
  tokenizer_model: meta-llama/Llama-3.1-8B
target: megatron.core.tokenizers.text.models.GPTTokenizer
""",
    # --- argv files, VS Code ----------------------------------------------------------------
    "launch/pretrain.args": """\
--num-layers 2
# --tokenizer-type GPT2BPETokenizer
--tokenizer-type TikTokenizer
--tokenizer-hf-include-special-tokens
# keep --legacy-tokenizer off
""",
    ".vscode/launch.json": """\
{
    // debug one step of pre-training
    "version": "0.2.0",
    "configurations": [
        {
            "name": "Pretrain GPT (1 GPU)",
            "type": "debugpy",
            "request": "launch",
            "program": "${workspaceFolder}/pretrain_gpt.py",
            "args": [
                "--num-layers", "2",
                "--tokenizer-type", "GPT2BPETokenizer",
                "--legacy-tokenizer",
            ],
            "env": {"EXTRA_ARGS": "--tokenizer-type HuggingFaceTokenizer"},
        },
    ]
}
""",
    # --- documentation ----------------------------------------------------------------------
    "docs/training.md": """\
# Training

Pass `--tokenizer-type` with one of the types below.

```
--tensor-model-parallel-size ${TP} \\
--tokenizer-type Llama2Tokenizer \\
--tokenizer-model ${TOKENIZER_MODEL} \\
```

```python
from megatron.core.tokenizers.text.models import GPTTokenizer
```

```yaml
--tokenizer-type: GPT2BPETokenizer
```

| Argument | Description |
|---|---|
| `--tokenizer-type` | the tokenizer (`GPTTokenizer` in Python) |
""",
    "docs/quickstart.mdx": """\
import Tabs from '@theme/Tabs';

```bash
torchrun pretrain_gpt.py --tokenizer-type TikTokenizer --tokenizer-model cl100k.tiktoken
```
""",
    "docs/guide.rst": """\
Guide
=====

.. code-block:: bash
   :caption: pretrain.sh

   torchrun pretrain_gpt.py \\
       --tokenizer-type GPT2BPETokenizer \\
       --legacy-tokenizer

Arguments::

    --tokenizer-type SentencePieceTokenizer --tokenizer-model /tok.model

.. note::

   ``--tokenizer-type`` is deprecated; ``SFTTokenizer`` too.
""",
    # --- metadata ---------------------------------------------------------------------------
    "checkpoints/tok/tokenizer_metadata.json": json.dumps(
        {
            "library": "sft",
            "class_path": "megatron.core.tokenizers.text.models.gpt_tokenizer",
            "class_name": "GPTTokenizer",
            "model_type": "gpt",
        },
        indent=4,
    )
    + "\n",
    "notebooks/tokenizer_checks.ipynb": json.dumps(_NOTEBOOK, indent=1) + "\n",
}


def write_tree(root: Path) -> list[Path]:
    """Write the tree under ``root``; return the files written."""
    written = []
    for relative, content in FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written
