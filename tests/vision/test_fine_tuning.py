"""Pre-train a VLM on an LLM tokenizer, save the extended tokenizer, load it to fine-tune: the
special tokens keep their ids, and a tokenizer that outgrows the embedding table is an error."""

from __future__ import annotations

import argparse

import pytest

from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.utils.build_tokenizer import build_tokenizer
from compat.tokenizers.vision.special_tokens import EmbeddingTableTooSmallError

CONVERSATION = [
    {"role": "user", "content": "<image>\nWhat is this?"},
    {"role": "assistant", "content": "A cat."},
]


def multimodal(directory, **kwargs):
    arguments = {
        "prompt_format": "chatml",
        "special_tokens": None,
        "image_tag_type": "internvl",
        **kwargs,
    }
    return MegatronTokenizer.from_pretrained(
        tokenizer_path=str(directory), metadata_path={"library": "multimodal"}, **arguments
    )


@pytest.fixture()
def pretraining(vlm_tokenizer_dir, tmp_path):
    """(the LLM's token count, the VLM tokenizer built on it, where that tokenizer was saved)."""
    from transformers import AutoTokenizer

    llm_size = len(AutoTokenizer.from_pretrained(str(vlm_tokenizer_dir)))
    tokenizer = multimodal(vlm_tokenizer_dir)
    saved = tmp_path / "vlm-tokenizer"
    tokenizer.save_pretrained(str(saved))  # writes tokenizer_metadata.json too
    return llm_size, tokenizer, saved


def test_pretraining_reuses_the_llm_tokens_and_adds_the_missing_ones(pretraining):
    llm_size, tokenizer, _ = pretraining
    hf = tokenizer._tokenizer.tokenizer
    report = tokenizer.special_tokens_report
    # the fixture LLM tokenizer has <image> and <pad>, not the InternVL delimiters
    assert {t.role: t.token for t in report.reused} == {"image": "<image>", "pad": "<pad>"}
    assert [(t.role, t.token, t.id) for t in report.added] == [
        ("image_start", "<img>", llm_size),
        ("image_end", "</img>", llm_size + 1),
    ]
    assert report.ids["image"] == hf.convert_tokens_to_ids("<image>") < llm_size
    assert tokenizer.vocab_size == llm_size + 2


def test_fine_tuning_loads_the_saved_tokenizer_with_the_same_ids(pretraining):
    _, pretrained, saved = pretraining
    # the saved folder carries its metadata: no library needs to be given
    fine_tuning = MegatronTokenizer.from_pretrained(
        tokenizer_path=str(saved),
        prompt_format="chatml",
        special_tokens=None,
        image_tag_type="internvl",
    )
    assert fine_tuning.library == "multimodal"
    assert fine_tuning.special_token_ids == pretrained.special_token_ids
    assert fine_tuning.special_tokens_report.added == ()
    assert fine_tuning.vocab_size == pretrained.vocab_size
    assert fine_tuning.pad == pretrained.pad
    before = pretrained.tokenize_conversation(CONVERSATION, True, False)
    after = fine_tuning.tokenize_conversation(CONVERSATION, True, False)
    assert [array.tolist() for array in before] == [array.tolist() for array in after]
    assert fine_tuning.tokenize("x <image> y") == pretrained.tokenize("x <image> y")


def test_upstreams_list_form_reuses_on_the_saved_tokenizer(pretraining):
    # upstream asserted that every listed token was new, so this load failed
    _, pretrained, saved = pretraining
    listed = multimodal(saved, special_tokens=["<image>", "<img>", "</img>"])
    assert listed.special_tokens_report.added == ()
    for role in ("image", "image_start", "image_end"):
        assert listed.special_token_ids[role] == pretrained.special_token_ids[role]


def test_declaring_a_new_token_for_fine_tuning_adds_it_after_the_saved_ones(pretraining):
    _, pretrained, saved = pretraining
    extended = multimodal(saved, special_tokens={"image": "<image>", "box": "<box>"})
    assert [t.role for t in extended.special_tokens_report.reused] == ["image"]
    assert extended.special_token_ids["box"] == pretrained.vocab_size


def test_the_embedding_table_of_the_llm_is_too_small_for_the_vlm(pretraining):
    llm_size, tokenizer, _ = pretraining
    with pytest.raises(EmbeddingTableTooSmallError) as error:
        tokenizer.check_embedding_fits(llm_size)
    message = str(error.value)
    assert f"needs {llm_size + 2} embedding rows" in message
    assert f"has {llm_size} (padded vocab size): 2 row(s) missing" in message
    assert f"'<img>' (id {llm_size}), '</img>' (id {llm_size + 1})" in message
    tokenizer.check_embedding_fits(llm_size + 2)
    tokenizer.check_embedding_fits(llm_size + 128)


def _multimodal_args(directory, **overrides) -> argparse.Namespace:
    values = {
        "tokenizer_library": "huggingface",
        "tokenizer_mode": "multimodal",
        "tokenizer_model": str(directory),
        "tokenizer_prompt_format": "chatml",
        "special_tokens": ["<image>", "<img>", "</img>"],
        "image_tag_type": "internvl",
        "make_vocab_size_divisible_by": 1,
        "tensor_model_parallel_size": 1,
        "padded_vocab_size": None,
    }
    return argparse.Namespace(**{**values, **overrides})


def test_build_tokenizer_checks_a_given_padded_vocab_size(pretraining, vlm_tokenizer_dir):
    llm_size, _, saved = pretraining
    # pre-training from the LLM tokenizer: the padded size is computed, so it fits
    args = _multimodal_args(vlm_tokenizer_dir)
    build_tokenizer(args)
    assert args.padded_vocab_size == llm_size + 2
    # fine-tuning with the checkpoint's size and the saved tokenizer: fits
    build_tokenizer(_multimodal_args(saved, padded_vocab_size=llm_size + 2))
    # a checkpoint of the LLM (no rows for the image delimiters): clear error
    with pytest.raises(EmbeddingTableTooSmallError, match="2 row\\(s\\) missing"):
        build_tokenizer(_multimodal_args(saved, padded_vocab_size=llm_size))


def test_build_tokenizer_checks_the_null_multimodal_tokenizer_too():
    args = argparse.Namespace(
        tokenizer_library="null",
        tokenizer_mode="multimodal",
        vocab_size=100,
        tokenizer_model=None,
        padded_vocab_size=100,
    )
    with pytest.raises(EmbeddingTableTooSmallError, match="needs 101 embedding rows.*1 row"):
        build_tokenizer(args)
