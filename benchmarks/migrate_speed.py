"""Speed of ``python -m codemods.migrate --check`` against ``python -m libcst.tool codemod``.

Generates a Megatron-LM-like tree (~1,000 files: Python modules, launch scripts, functional-test
YAML configs, Markdown) in a temporary folder, then times, side by side in one run:

* ``python -m codemods.migrate --check TREE`` (all rules, all file kinds, default ``--jobs``);
* ``python -m libcst.tool codemod rename.RenameCommand -j N`` renaming one module over a copy of
  the same tree (one rule, Python files only).

Budget (DESIGN.md): the check is at least 50x faster and under 2 s wall on 2 cores; the script
exits 1 when either is missed. Both commands run as fresh processes (interpreter start and imports
included), one after the other; the load average is printed because other work on the machine
stretches the wall time.

    python benchmarks/migrate_speed.py [--files 1000] [--jobs 2] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RATIO_BUDGET = 50.0
WALL_BUDGET_SECONDS = 2.0
TYPES = ("HuggingFaceTokenizer", "TikTokenizer", "GPTSentencePieceTokenizer", "NullTokenizer",
         "BertWordPieceCase", "GPT2BPETokenizer", "MultimodalTokenizer", "Llama2Tokenizer")

PY_HEADER = '''# Copyright (c) 2025, NVIDIA CORPORATION. All rights reserved.
"""{doc}"""

import logging
import math
from dataclasses import dataclass
from typing import Optional

import torch
import torch.nn.functional as F

from megatron.core import parallel_state, tensor_parallel
from megatron.core.transformer.module import MegatronModule
from megatron.core.transformer.transformer_config import TransformerConfig

logger = logging.getLogger(__name__)
'''

PY_CLASS = '''

@dataclass
class {name}Config:
    """Configuration of {name}."""

    hidden_size: int = {size}
    num_attention_heads: int = 16
    dropout: float = 0.1
    use_bias: bool = False


class {name}(MegatronModule):
    """A {name} block."""

    def __init__(self, config: TransformerConfig, layer_number: int = 1) -> None:
        super().__init__(config=config)
        self.layer_number = layer_number
        self.linear_qkv = tensor_parallel.ColumnParallelLinear(
            config.hidden_size, 3 * config.hidden_size, config=config, bias=False,
        )
        self.dropout = torch.nn.Dropout(config.hidden_dropout)

    def forward(self, hidden_states: torch.Tensor, mask: Optional[torch.Tensor] = None):
        # project, split the heads, attend
        qkv, _ = self.linear_qkv(hidden_states)
        query, key, value = torch.chunk(qkv, 3, dim=-1)
        scores = torch.matmul(query, key.transpose(-2, -1)) / math.sqrt(query.size(-1))
        if mask is not None:
            scores = scores.masked_fill(mask, float("-inf"))
        probs = F.softmax(scores, dim=-1)
        return self.dropout(torch.matmul(probs, value))

    def sharded_state_dict(self, prefix: str = "", sharded_offsets=(), metadata=None):
        rank = parallel_state.get_tensor_model_parallel_rank()
        logger.debug("sharding %s on rank %d", prefix, rank)
        return super().sharded_state_dict(prefix, sharded_offsets, metadata)
'''

PY_FUNCTION = '''

def {name}(args, iteration: int, batch: dict) -> dict:
    """Step {name} of the training loop."""
    tokens = batch["tokens"].cuda(non_blocking=True)
    labels = batch["labels"].cuda(non_blocking=True)
    loss_mask = batch["loss_mask"].float()
    if iteration % args.log_interval == 0:
        logger.info("iteration %d: %d tokens", iteration, int(loss_mask.sum()))
    return {{"tokens": tokens, "labels": labels, "loss_mask": loss_mask}}
'''

PY_LEGACY = '''

from megatron.core.tokenizers import MegatronTokenizer
from megatron.core.tokenizers.text.models import GPTTokenizer


def build_tokenizer_for_{name}(args):
    if args.tokenizer_type == "{type}":
        return MegatronTokenizer.from_pretrained(args.tokenizer_model)
    tokenizer = MegatronTokenizer.from_pretrained(metadata_path={{"library": "null"}}, vocab_size=8)
    assert isinstance(tokenizer, GPTTokenizer)
    return tokenizer
'''

SHELL = '''#!/bin/bash
# Launches {name}.
set -euo pipefail

CHECKPOINT_PATH=${{1:-/checkpoints/{name}}}
DATA_PATH=${{2:-/data/{name}}}

GPT_ARGS="--num-layers {layers} --hidden-size 4096 --num-attention-heads 32 \\
    --seq-length 4096 --max-position-embeddings 4096 \\
    {tokenizer} --tokenizer-model /models/{name}"

torchrun --nproc-per-node 8 pretrain_gpt.py \\
    ${{GPT_ARGS}} \\
    --data-path ${{DATA_PATH}} \\
    --save ${{CHECKPOINT_PATH}} --load ${{CHECKPOINT_PATH}}
'''

YAML = '''ENV_VARS:
  CUDA_DEVICE_MAX_CONNECTIONS: 1
  NVTE_ALLOW_NONDETERMINISTIC_ALGO: 0
MODEL_ARGS:
  --num-layers: {layers}
  --hidden-size: 1024
  --num-attention-heads: 16
  --seq-length: 2048
  --micro-batch-size: 4
  --global-batch-size: 32
  --train-iters: 50
  {tokenizer}
  --data-path: ${{DATA_PATH}}/my-gpt3_00_text_document
  --vocab-file: ${{DATA_PATH}}/bpe/vocab.json
TEST_TYPE: regular
'''

MARKDOWN = '''# {name}

Run the example with:

```bash
bash examples/{name}/train.sh /checkpoints /data
```

The model uses {doc}.
'''


def _python(rng: random.Random, index: int) -> str:
    name = f"Block{index}"
    parts = [PY_HEADER.format(doc=f"Module {index} of the synthetic tree.")]
    for number in range(rng.randint(1, 5)):
        parts.append(PY_CLASS.format(name=f"{name}x{number}", size=rng.choice([1024, 4096])))
        parts.append(PY_FUNCTION.format(name=f"step_{index}_{number}"))
    if rng.random() < 0.04:
        parts.append(PY_LEGACY.format(name=index, type=rng.choice(TYPES)))
    return "".join(parts)


def generate(root: Path, files: int, seed: int = 0) -> dict[str, int]:
    """Write a tree of ``files`` files: 70% Python, 12% shell, 15% YAML, 3% Markdown."""
    rng = random.Random(seed)
    counts = {"python": 0, "shell": 0, "yaml": 0, "markdown": 0}
    for index in range(files):
        draw = rng.random()
        if draw < 0.70:
            path = root / "megatron" / f"pkg{index % 40}" / f"module_{index}.py"
            text, kind = _python(rng, index), "python"
        elif draw < 0.82:
            tokenizer = f"--tokenizer-type {rng.choice(TYPES)}" if rng.random() < 0.6 else \
                "--tokenizer-library huggingface"
            path = root / "examples" / f"ex{index % 30}" / f"train_{index}.sh"
            text = SHELL.format(name=f"model{index}", layers=rng.choice([12, 24]),
                                tokenizer=tokenizer)
            kind = "shell"
        elif draw < 0.97:
            tokenizer = f"--tokenizer-type: {rng.choice(TYPES)}" if rng.random() < 0.3 else \
                "--tokenizer-library: huggingface"
            path = root / "tests" / "functional_tests" / f"case_{index}" / "model_config.yaml"
            text = YAML.format(layers=rng.choice([2, 4]), tokenizer=tokenizer)
            kind = "yaml"
        else:
            path = root / "docs" / f"page_{index}.md"
            text, kind = MARKDOWN.format(name=f"model{index}", doc="a tokenizer"), "markdown"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        counts[kind] += 1
    return counts


def timed(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    return time.perf_counter() - start, completed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--keep", action="store_true", help="keep the generated tree")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="migrate-speed-"))
    try:
        tree = workdir / "tree"
        counts = generate(tree, args.files)
        lines = sum(p.read_text().count("\n") for p in tree.rglob("*") if p.is_file())
        print(f"tree: {args.files} files ({counts}), {lines} lines, in {tree}")
        ours, completed = timed([sys.executable, "-m", "codemods.migrate", "--check",
                                 "--jobs", str(args.jobs), "."], tree)
        summary = completed.stdout.strip().splitlines()[-1] if completed.stdout else ""
        print(f"codemods.migrate --check: {ours:.2f} s wall (exit {completed.returncode}; "
              f"{summary})")
        copy = workdir / "libcst-tree"
        shutil.copytree(tree, copy)
        theirs, completed = timed([
            sys.executable, "-m", "libcst.tool", "codemod", "rename.RenameCommand", "--no-format",
            "-j", str(args.jobs), "--hide-progress",
            "--old_name", "megatron.core.tokenizers.text.models.GPTTokenizer",
            "--new_name", "megatron.core.tokenizers.text.MegatronTokenizerText", ".",
        ], copy)
        if completed.returncode != 0:
            print(completed.stderr[-2000:])
        print(f"libcst.tool codemod rename (one rule, Python only): {theirs:.2f} s wall "
              f"(exit {completed.returncode})")
        ratio = theirs / ours
        within = ratio >= RATIO_BUDGET and ours < WALL_BUDGET_SECONDS
        print(f"ratio: {ratio:.1f}x faster (budget: >= {RATIO_BUDGET:.0f}x and < "
              f"{WALL_BUDGET_SECONDS:.0f} s wall): {'ok' if within else 'MISSED'}")
        print(f"load average while measuring: {os.getloadavg()[0]:.2f}")
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    sys.exit(0 if within else 1)


if __name__ == "__main__":
    main()
