#!/bin/bash
# Pre-trains a small GPT on one node.
set -euo pipefail

TOKENIZER_MODEL=${TOKENIZER_MODEL:-checkpoints/gpt-tokenizer}

GPT_ARGS="--num-layers 12 --hidden-size 768 --num-attention-heads 12 \
    --tokenizer-type HuggingFaceTokenizer --tokenizer-model ${TOKENIZER_MODEL}"

torchrun --nproc-per-node 8 pretrain_gpt.py \
    ${GPT_ARGS} \
    --legacy-tokenizer \
    --micro-batch-size 4
