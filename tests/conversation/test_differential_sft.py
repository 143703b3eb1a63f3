"""Our SFT capability against the real ``SFTTokenizer`` of megatron-core 0.19.2 (``library:
"sft"``; 0.16.1 has none in core: those cases skip).

Same files, same conversations: same token ids, the same targets (0 where 0.19.2 differs on
purpose: ``identity``), the same pad and eod. 0.18 and 0.19 train the identity format on every
token; the new API follows Megatron-LM main, which masks system and user turns again (#6682),
as 0.17 did and as ``compat.releases`` records (``identity_masks_prompt``).
"""

from __future__ import annotations

import numpy as np
import pytest

from compat import releases
from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.conversation.conversation_tokenizer import IGNORE_INDEX

SFT_FORMATS = ["nemotron-nano-v2", "nemotron-h-aligned", "identity", "default"]
CONVERSATIONS = [
    [
        {"role": "system", "content": "be brief"},
        {"role": "user", "content": "hi there"},
        {"role": "assistant", "content": "hello world"},
    ],
    [
        {"role": "user", "content": "what is 2+2? /think"},
        {"role": "assistant", "content": "4"},
        {"role": "user", "content": "and 東京? /no_think"},
        {"role": "assistant", "content": "café"},
    ],
    [
        {"role": "user", "content": "call it"},
        {"role": "assistant", "content": "ok"},
        {"role": "tool", "content": '{"a": 1}'},
        {"role": "assistant", "content": "done 🙂"},
    ],
]


@pytest.fixture(scope="module")
def old_sft(reference):
    reference.module("text.libraries.sft_tokenizer")  # skips for a reference without it
    return reference


def pair(reference, directory, prompt_format):
    old = reference.MegatronTokenizer.from_pretrained(
        str(directory), metadata_path={"library": "sft"}, prompt_format=prompt_format
    )
    new = MegatronTokenizer.from_pretrained(
        str(directory), metadata_path={"library": "huggingface"}, prompt_format=prompt_format
    )
    return old, new


@pytest.mark.parametrize("prompt_format", SFT_FORMATS)
def test_ids_targets_pad_and_eod_match_0_19_2s_sft_tokenizer(
    old_sft, hf_role_words_dir, prompt_format
):
    old, new = pair(old_sft, hf_role_words_dir, prompt_format)
    assert (new.pad, new.eod, new.vocab_size) == (old.pad, old.eod, old.vocab_size)
    for conversation in CONVERSATIONS:
        old_ids, old_target = old.tokenize_conversation(conversation, True, False)
        ids, target = new.tokenize_conversation(conversation, True, False)
        assert list(ids) == list(old_ids)
        if prompt_format == "identity":
            continue  # test_identity_masks_turns_where_0_19_2_trained_on_them
        assert list(target) == list(old_target)
        assert list(new.tokenize(conversation)) == list(old.tokenize(conversation))


def test_identity_masks_turns_where_0_19_2_trained_on_them(old_sft, hf_role_words_dir):
    assert not releases.RELEASE_0_19.identity_masks_prompt and releases.PR3889.identity_masks_prompt
    old, new = pair(old_sft, hf_role_words_dir, "identity")
    for conversation in CONVERSATIONS:
        old_ids, old_target = old.tokenize_conversation(conversation, True, False)
        ids, target = new.tokenize_conversation(conversation, True, False)
        assert list(old_target) == list(old_ids)  # 0.19.2: every token is trained on
        masked = np.asarray(target) == IGNORE_INDEX
        assert masked.any() and not masked.all()
        assert list(np.asarray(target)[~masked]) == list(np.asarray(ids)[~masked])
        # the assistant turns' tokens are what is left unmasked
        assistant_text = "".join(
            turn["content"] for turn in conversation if turn["role"] == "assistant"
        )
        assert new.detokenize(list(np.asarray(ids)[~masked])) == assistant_text
