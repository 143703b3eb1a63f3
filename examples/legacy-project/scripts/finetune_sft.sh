#!/bin/bash
torchrun pretrain_gpt.py --tokenizer-type SFTTokenizer --tokenizer-model checkpoints/gpt-tokenizer \
    --sft-tokenizer-prompt-format nemotron-nano-v2 --micro-batch-size 1
