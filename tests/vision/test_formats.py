"""The exact text every multimodal prompt format renders, written out by hand from the format
descriptions (reference §5.2), and the exact trained span of each."""

from __future__ import annotations

import copy

import pytest

from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.conversation import IGNORE_INDEX

CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "<image>\nWhat is this?"},
    {"role": "assistant", "content": "A cat."},
]
USER = "<img><image></img>\nWhat is this?"  # image_tag_type "internvl"

CHATML = (
    "<|im_start|>system\nBe brief.<|im_end|>\n"
    f"<|im_start|>user\n{USER}<|im_end|>\n"
    "<|im_start|>assistant\nA cat.<|im_end|>\n"
)
LLAMA3 = (
    "<s><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|>"
    f"<|start_header_id|>user<|end_header_id|>\n\n{USER}<|eot_id|>"
    "<|start_header_id|>assistant<|end_header_id|>\n\nA cat.<|eot_id|>"
)

# format → (tokenizer fixture, whole conversation, the trained (unmasked) text)
EXPECTED = {
    # no system role: the system turn is dropped; BOS, [INST] ... [/INST], " answer" + EOS
    "mistral": ("vlm_tokenizer_dir", f"<s>[INST] {USER}[/INST] A cat.</s>", " A cat.</s>"),
    # the tokenizer's own (Llama-3) template; the 4-token header is masked
    "llama3": ("llama3_tokenizer_dir", LLAMA3, "A cat.<|eot_id|>"),
    "llama3p1": ("vlm_tokenizer_dir", LLAMA3, "A cat.<|eot_id|>"),
    "llama3p2": ("vlm_tokenizer_dir", LLAMA3, "A cat.<|eot_id|>"),
    "nvlm-yi-34b": ("yi_tokenizer_dir", "<s>" + CHATML, "A cat.<|im_end|>\n"),
    "chatml": ("vlm_tokenizer_dir", CHATML, "A cat.<|im_end|>\n"),
    "qwen2p0": ("vlm_tokenizer_dir", CHATML, "A cat.<|im_end|>\n"),
    "qwen2p5": ("vlm_tokenizer_dir", CHATML, "A cat.<|im_end|>\n"),
    "nemotron5": (
        "vlm_tokenizer_dir",
        (
            "<s><SPECIAL_14>system\nBe brief.<SPECIAL_15>\n"
            f"<SPECIAL_14>user\n{USER}<SPECIAL_15>\n"
            "<SPECIAL_14>assistant\nA cat.<SPECIAL_15>\n"
        ),
        "A cat.<SPECIAL_15>\n",
    ),
    # roles capitalised
    "nemotron5-aligned": (
        "vlm_tokenizer_dir",
        f"<s>System\nBe brief.\n[PREFIX]User\n{USER}\n[PREFIX]Assistant\nA cat.\n[PREFIX]",
        "A cat.\n[PREFIX]",
    ),
}


@pytest.mark.parametrize("prompt_format", sorted(EXPECTED))
def test_rendered_conversation_and_trained_span(request, prompt_format):
    fixture, rendered, trained = EXPECTED[prompt_format]
    tokenizer = MegatronTokenizer.from_pretrained(
        tokenizer_path=str(request.getfixturevalue(fixture)),
        metadata_path={"library": "multimodal"},
        prompt_format=prompt_format,
        special_tokens=None,
        image_tag_type="internvl",
    )
    hf = tokenizer._tokenizer.tokenizer
    conversation = copy.deepcopy(CONVERSATION)
    tokens, target = tokenizer.tokenize_conversation(conversation, True, False)

    assert conversation == CONVERSATION
    assert tokenizer.detokenize(tokens) == rendered
    # the ids are the tokenizer's own encoding of that text: each special token is one id
    assert tokens.tolist() == hf.encode(rendered, add_special_tokens=False)
    trained_positions = (target != IGNORE_INDEX).nonzero()[0]
    assert trained_positions.tolist() == list(
        range(trained_positions[0], trained_positions[0] + len(trained_positions))
    )
    assert trained_positions[-1] == len(tokens) - 1  # the answer ends the conversation
    assert tokenizer.detokenize(tokens[trained_positions]) == trained
    assert (target[trained_positions] == tokens[trained_positions]).all()


def test_an_sft_format_works_in_multimodal_mode_as_g3_allows(vlm_tokenizer_dir):
    tokenizer = MegatronTokenizer.from_pretrained(
        tokenizer_path=str(vlm_tokenizer_dir),
        metadata_path={"library": "multimodal"},
        prompt_format="identity",
        special_tokens=None,
        image_tag_type="nvlm",
    )
    tokens, target = tokenizer.tokenize_conversation(CONVERSATION[1:], True, False)
    assert tokenizer.detokenize(tokens) == "<Image><image></Image>\nWhat is this?A cat."
    trained = tokens[target != IGNORE_INDEX]
    assert tokenizer.detokenize(trained) == "A cat."
    assert tokenizer.pad == tokenizer.convert_tokens_to_ids("<unk>")
