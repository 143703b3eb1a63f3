"""The multimodal library against megatron-core 0.19.2's ``MegatronMultimodalTokenizer`` and
``MegatronNullMultimodalTokenizer`` (0.16.1 has no vision package: those cases skip).

Same tokenizer folder, same formats, same conversations: same ids, targets, pad, eod and vocab
size. 0.19.2 edits the caller's conversation (image tags, capitalised roles); it gets a copy.
"""

from __future__ import annotations

import copy

import pytest

from compat.tokenizers import MegatronTokenizer

CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "<image>\nWhat is this?"},
    {"role": "assistant", "content": "A cat."},
    {"role": "user", "content": "And this <image>?"},
    {"role": "assistant", "content": "A dog, 東京 🙂"},
]
# formats the fixture tokenizer (vlm_tokenizer_dir) has every token of
FORMATS = [
    "mistral",
    "llama3p1",
    "llama3p2",
    "chatml",
    "qwen2p0",
    "qwen2p5",
    "nemotron5",
    "nemotron5-aligned",
]
TEXTS = [
    "hello world",
    "<image> and <image>",
    "",
    "東京 café 🙂",
    "<|im_start|>user",
    "<video><tile> x",
]


@pytest.fixture(scope="module")
def old_vision(reference):
    reference.module("vision.libraries.multimodal_tokenizer")  # skips without a vision package
    return reference


def settings(prompt_format: str, image_tag_type: str) -> dict:
    # The fixture tokenizer has <image> already; 0.19.2 asserts that special tokens are new.
    return dict(
        prompt_format=prompt_format,
        special_tokens=["<video>", "<tile>"],
        image_tag_type=image_tag_type,
    )


@pytest.mark.parametrize("image_tag_type", ["", "internvl", "nvlm"])
@pytest.mark.parametrize("prompt_format", FORMATS)
def test_same_ids_and_targets_as_0_19_2(
    old_vision, vlm_tokenizer_dir, prompt_format, image_tag_type
):
    kwargs = settings(prompt_format, image_tag_type)
    old = old_vision.MegatronTokenizer.from_pretrained(
        str(vlm_tokenizer_dir), metadata_path={"library": "multimodal"}, **kwargs
    )
    new = MegatronTokenizer.from_pretrained(
        str(vlm_tokenizer_dir), metadata_path={"library": "multimodal"}, **kwargs
    )
    assert (new.pad, new.eod) == (old.pad, old.eod)
    # pinned (docs/vision.md): ours counts the added special tokens, so every id fits the
    # embedding table; 0.19.2 counts the tokenizer before adding them
    assert new.vocab_size == old.vocab_size + len(kwargs["special_tokens"])
    for text in TEXTS:
        assert list(new.tokenize(text)) == list(old.tokenize(text)), text
    for add_generation_prompt in (False, True):
        if add_generation_prompt:
            old_ids = old.tokenize_conversation(copy.deepcopy(CONVERSATION), False, True)
            ids = new.tokenize_conversation(CONVERSATION, False, True)
            assert list(ids) == list(old_ids)
            continue
        old_ids, old_target = old.tokenize_conversation(copy.deepcopy(CONVERSATION), True, False)
        ids, target = new.tokenize_conversation(CONVERSATION, True, False)
        assert list(ids) == list(old_ids)
        assert list(target) == list(old_target)


def test_null_multimodal_matches_0_19_2(old_vision):
    old = old_vision.MegatronTokenizer.from_pretrained(
        metadata_path={"library": "null-multimodal"}, vocab_size=127
    )
    new = MegatronTokenizer.from_pretrained(
        metadata_path={"library": "null-multimodal"}, vocab_size=127
    )
    assert (new.vocab_size, new.eod) == (old.vocab_size, old.eod) == (128, 127)
    for text in ("1 2 3", "0", "126 5"):
        assert new.tokenize(text) == old.tokenize(text)
        assert new.detokenize(old.tokenize(text)) == old.detokenize(old.tokenize(text))
    assert new.convert_tokens_to_ids("<image>") == old._tokenizer.convert_tokens_to_ids("<image>")
