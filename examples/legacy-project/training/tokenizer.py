"""Builds the tokenizers used for pre-training and for supervised fine-tuning."""

import os

from megatron.core.tokenizers import MegatronTokenizer
from megatron.core.tokenizers.text.libraries.sft_tokenizer import SFTTokenizer, IGNORE_INDEX
from megatron.core.tokenizers.text.models import BertTokenizer, GPTTokenizer
from megatron.core.tokenizers.megatron_tokenizer import TOKENIZER_MAPPING_NAMES

TOKENIZER_DIR = os.environ.get("TOKENIZER_DIR", "checkpoints/gpt-tokenizer")


def build_pretraining_tokenizer(path: str = TOKENIZER_DIR) -> GPTTokenizer:
    tokenizer = MegatronTokenizer.from_pretrained(path)
    if not isinstance(tokenizer, (GPTTokenizer, BertTokenizer)):
        raise TypeError(f"unexpected tokenizer {type(tokenizer).__name__}")
    return tokenizer


def build_sft_tokenizer(path: str, prompt_format: str = "nemotron-nano-v2"):
    return SFTTokenizer(path, prompt_format)


def build_null_tokenizer(vocab_size: int):
    # placeholder tokenizer for throughput tests
    MegatronTokenizer.write_metadata("null-tokenizer", "null", "default", overwrite=True)
    return MegatronTokenizer.from_pretrained(
        metadata_path={"library": "null", "model_type": "default"},
        vocab_size=vocab_size,
    )


def label_mask(labels):
    return [label != IGNORE_INDEX for label in labels]


def known_model_types():
    return sorted(TOKENIZER_MAPPING_NAMES)
