"""NeMo's preprocessing has its own --tokenizer-type: not Megatron's, left alone."""

from nemo.collections.nlp.data.language_modeling.megatron import indexed_dataset

ARGS = ["--tokenizer-library", "megatron", "--tokenizer-type", "GPT2BPETokenizer"]
