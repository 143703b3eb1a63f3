"""``tokenize_conversation``: masking rules, upstream defects fixed, result normalisation."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from compat.tokenizers.conversation import (
    IGNORE_INDEX,
    PromptConfig,
    build_prompt_config,
    tokenize_conversation,
)
from compat.tokenizers.text.libraries.chat_rendering import render_chat_template

# One character per token makes every expected array readable by hand.
TURN_TEMPLATE = (
    "{%- for m in messages -%}{{ '[' + m['role'][0] + ']' + m['content'] }}{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '[a]' }}{%- endif -%}"
)


class CharTokenizer:
    """Renders in the sandbox and maps each character to its code point; ``shape`` chooses
    what ``apply_chat_template`` returns, mimicking the transformers versions."""

    def __init__(self, shape=list, chat_template=None):
        self.shape = shape
        self.chat_template = chat_template
        self.calls = 0

    def apply_chat_template(
        self, conversation, tokenize=True, add_generation_prompt=False, chat_template=None
    ):
        self.calls += 1
        text = render_chat_template(
            chat_template or self.chat_template,
            conversation,
            add_generation_prompt=add_generation_prompt,
        )
        return self.shape([ord(c) for c in text])


def config(**changes) -> PromptConfig:
    fields = {
        "assistant_prefix_len": 3,
        "pad_token_id": 0,
        "custom_chat_template": TURN_TEMPLATE,
        "has_bos": False,
        "has_system_role": True,
        "allow_tool_role": True,
    }
    fields.update(changes)
    return PromptConfig(**fields)


def text(ids) -> str:
    return "".join(chr(i) for i in ids)


def trained(target) -> str:
    """The unmasked characters of a target, masked runs shown as '_'."""
    return "".join("_" if i == IGNORE_INDEX else chr(i) for i in target)


CONVERSATION = [
    {"role": "system", "content": "S"},
    {"role": "user", "content": "hi"},
    {"role": "assistant", "content": "yo"},
    {"role": "tool", "content": "T"},
    {"role": "assistant", "content": "ok"},
]


def test_masks_system_user_tool_turns_and_each_assistant_header():
    tokens, target = tokenize_conversation(CharTokenizer(), CONVERSATION, config(), True, False)
    assert text(tokens) == "[s]S[u]hi[a]yo[t]T[a]ok"
    # [s]S and [u]hi masked, [a] headers masked (prefix 3), [t]T masked
    assert trained(target) == "____" + "_____" + "___yo" + "____" + "___ok"
    assert tokens.dtype == np.int64 and target.dtype == np.int64
    assert tokens.ndim == 1 and target.shape == tokens.shape


def test_without_targets_only_the_tokens_come_back():
    tokens = tokenize_conversation(CharTokenizer(), CONVERSATION, config(), False, True)
    assert isinstance(tokens, np.ndarray)
    assert text(tokens).endswith("[a]ok[a]")


def test_skip_masking_trains_on_everything():
    tokens, target = tokenize_conversation(
        CharTokenizer(), CONVERSATION, config(skip_masking=True), True, False
    )
    assert np.array_equal(tokens, target)
    assert target is not tokens


def test_multimodal_rules_mask_only_system_and_user():
    conversation = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
    _, target = tokenize_conversation(
        CharTokenizer(), conversation, config(allow_tool_role=False), True, False
    )
    assert trained(target) == "_____" + "___yo"


@pytest.mark.parametrize(
    "shape",
    [
        list,
        tuple,
        np.array,
        lambda ids: np.array([ids]),  # 2-D, one row (return_tensors="np")
        lambda ids: {"input_ids": ids, "attention_mask": [1] * len(ids)},  # transformers 5
        lambda ids: {"input_ids": [ids]},
        lambda ids: type("Encoding", (), {"ids": ids})(),  # tokenizers.Encoding
    ],
    ids=["list", "tuple", "array", "2d-array", "dict", "dict-of-rows", "encoding"],
)
def test_every_result_shape_of_apply_chat_template_is_normalised(shape):
    tokens, target = tokenize_conversation(
        CharTokenizer(shape), CONVERSATION, config(), True, False
    )
    assert text(tokens) == "[s]S[u]hi[a]yo[t]T[a]ok"
    assert trained(target).endswith("___ok")


def test_batch_encoding_from_transformers_is_normalised():
    transformers = pytest.importorskip("transformers")

    def shape(ids):
        return transformers.BatchEncoding({"input_ids": ids})

    tokens, _ = tokenize_conversation(CharTokenizer(shape), CONVERSATION, config(), True, False)
    assert text(tokens) == "[s]S[u]hi[a]yo[t]T[a]ok"


@pytest.mark.parametrize(
    "result, message",
    [
        ("[s]S", "returned text"),
        ({"ids": [1]}, "without 'input_ids'"),
        ([[1, 2], [3, 4]], "shape"),
        ([1.5, 2.5], "non-integer"),
    ],
)
def test_results_that_are_not_one_id_sequence_are_clear_errors(result, message):
    with pytest.raises(TypeError, match=message):
        tokenize_conversation(
            CharTokenizer(lambda ids: result), CONVERSATION, config(), False, False
        )


# --- upstream defects, each fixed ---------------------------------------------------------------


def test_id_zero_tokens_are_kept_in_tokens_and_targets():
    zero_template = "{%- for m in messages -%}{{ m['content'] }}{%- endfor -%}"
    conversation = [{"role": "user", "content": "\x00a"}, {"role": "assistant", "content": "\x00b"}]
    tokens, target = tokenize_conversation(
        CharTokenizer(),
        conversation,
        config(custom_chat_template=zero_template, assistant_prefix_len=0),
        True,
        False,
    )
    assert tokens.tolist() == [0, 97, 0, 98]
    assert target.tolist() == [IGNORE_INDEX, IGNORE_INDEX, 0, 98]


def test_forced_system_message_and_capitalised_roles_never_touch_the_callers_data():
    seen = []

    class Recording(CharTokenizer):
        def apply_chat_template(self, conversation, **kwargs):
            seen.append(copy.deepcopy(conversation))
            return super().apply_chat_template(conversation, **kwargs)

    conversation = [
        {"role": "system", "content": "mine"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "yo"},
    ]
    snapshot = copy.deepcopy(conversation)
    identities = [id(turn) for turn in conversation]
    forced = config(
        force_system_message=True,
        system_default={"role": "system", "content": "D"},
        capitalize_roles=True,
        allow_tool_role=False,
    )
    tokens, target = tokenize_conversation(Recording(), conversation, forced, True, False)
    assert conversation == snapshot
    assert [id(turn) for turn in conversation] == identities
    assert seen[0][0] == {"role": "System", "content": "D"}
    assert text(tokens) == "[S]D[U]hi[A]yo"
    assert trained(target) == "____" + "_____" + "___yo"


def test_a_forced_system_message_is_inserted_when_there_is_none():
    conversation = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
    forced = config(force_system_message=True, system_default={"role": "system", "content": "D"})
    tokens = tokenize_conversation(CharTokenizer(), conversation, forced, False, False)
    assert text(tokens) == "[s]D[u]hi[a]yo"
    assert len(conversation) == 2


def test_forcing_a_system_message_without_a_default_is_a_clear_error():
    with pytest.raises(ValueError, match="system_default"):
        tokenize_conversation(
            CharTokenizer(), CONVERSATION, config(force_system_message=True), True, False
        )


def test_image_tag_hook_gets_copies_it_may_edit():
    conversation = [{"role": "user", "content": "<image>"}, {"role": "assistant", "content": "ok"}]
    snapshot = copy.deepcopy(conversation)

    def tag(turns):
        for turn in turns:
            turn["content"] = turn["content"].replace("<image>", "<I>")
        return turns

    tokens = tokenize_conversation(
        CharTokenizer(), conversation, config(), False, False, apply_image_tag_fn=tag
    )
    assert text(tokens) == "[u]<I>[a]ok"
    assert conversation == snapshot


def test_a_leading_system_turn_is_dropped_when_the_format_has_no_system_role():
    tokens = tokenize_conversation(
        CharTokenizer(), CONVERSATION[:3], config(has_system_role=False), False, False
    )
    assert text(tokens) == "[u]hi[a]yo"


@pytest.mark.parametrize("content", ["", None])
def test_an_empty_assistant_turn_names_its_index(content):
    conversation = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": content}]
    with pytest.raises(ValueError, match=r"turn 1 \(assistant\) has empty content"):
        tokenize_conversation(CharTokenizer(), conversation, config(), True, False)


def test_empty_user_turns_are_allowed_by_sft_rules_but_not_multimodal_rules():
    conversation = [{"role": "user", "content": ""}, {"role": "assistant", "content": "yo"}]
    _, target = tokenize_conversation(CharTokenizer(), conversation, config(), True, False)
    assert trained(target) == "______yo"
    with pytest.raises(ValueError, match=r"turn 0 \(user\) has empty content"):
        tokenize_conversation(
            CharTokenizer(), conversation, config(allow_tool_role=False), True, False
        )


def test_a_conversation_starting_with_an_assistant_turn_is_refused():
    """Upstream compared turn 0 with the *last* turn (index -1), so it sometimes passed."""
    conversation = [{"role": "assistant", "content": "yo"}, {"role": "user", "content": "hi"}]
    with pytest.raises(ValueError, match="turn 0 is an assistant turn"):
        tokenize_conversation(CharTokenizer(), conversation, config(), True, False)


def test_an_assistant_turn_after_an_assistant_turn_names_both():
    conversation = [
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "a"},
        {"role": "assistant", "content": "b"},
    ]
    with pytest.raises(ValueError, match="assistant turn 2 follows a assistant turn"):
        tokenize_conversation(CharTokenizer(), conversation, config(), True, False)


@pytest.mark.parametrize("allow_tool_role, role", [(True, "narrator"), (False, "tool")])
def test_an_unknown_role_names_the_turn_and_the_known_roles(allow_tool_role, role):
    conversation = [{"role": "user", "content": "hi"}, {"role": role, "content": "x"}]
    with pytest.raises(ValueError, match=rf"turn 1 has role '{role}'; .* knows the roles"):
        tokenize_conversation(
            CharTokenizer(), conversation, config(allow_tool_role=allow_tool_role), True, False
        )


def test_roles_are_compared_case_insensitively():
    conversation = [{"role": "User", "content": "hi"}, {"role": "ASSISTANT", "content": "yo"}]
    _, target = tokenize_conversation(CharTokenizer(), conversation, config(), True, False)
    assert trained(target) == "_____" + "___yo"


@pytest.mark.parametrize(
    "conversation, error, message",
    [
        ([], ValueError, "conversation is empty"),
        ("hello", TypeError, "list of turns"),
        ({"role": "user"}, TypeError, "list of turns"),
        ([["user", "hi"]], TypeError, "turn 0 .* is a list"),
        ([{"content": "hi"}], ValueError, "turn 0 .* no 'role'"),
        ([{"role": "system", "content": "S"}], ValueError, "only a system turn"),
    ],
)
def test_malformed_conversations_get_clear_errors(conversation, error, message):
    prompt = config(has_system_role=False)
    with pytest.raises(error, match=message):
        tokenize_conversation(CharTokenizer(), conversation, prompt, True, False)


def test_image_in_an_assistant_turn_is_refused_when_the_format_says_so():
    conversation = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "<image>"}]
    with pytest.raises(RuntimeError, match="assistant turn 1 contains <image>"):
        tokenize_conversation(
            CharTokenizer(), conversation, config(validate_no_image_in_assistant=True), True, False
        )


def test_generation_prompt_with_targets_explains_the_conflict():
    with pytest.raises(ValueError, match="add_generation_prompt=False when return_target=True"):
        tokenize_conversation(CharTokenizer(), CONVERSATION, config(), True, True)


def test_a_format_without_a_template_needs_the_tokenizers_own():
    with pytest.raises(ValueError, match="has none; give the tokenizer a chat template"):
        tokenize_conversation(
            CharTokenizer(), CONVERSATION, config(custom_chat_template=None), True, False
        )
    own = CharTokenizer(chat_template=TURN_TEMPLATE)
    tokens = tokenize_conversation(
        own, CONVERSATION, config(custom_chat_template=None), False, False
    )
    assert text(tokens).startswith("[s]S")


def test_a_turn_that_tokenizes_differently_in_context_is_measured_in_context():
    """A tokenizer whose first token of a text differs (SentencePiece's word-start marker):
    upstream's span assertion failed; the span is measured on the conversation prefix."""

    class MarksTheStart(CharTokenizer):
        def apply_chat_template(self, conversation, **kwargs):
            ids = list(super().apply_chat_template(conversation, **kwargs))
            return [ord("^")] + ids

    tokens, target = tokenize_conversation(
        MarksTheStart(), CONVERSATION[1:3], config(), True, False
    )
    assert text(tokens) == "^[u]hi[a]yo"
    assert trained(target) == "______" + "___yo"


def test_a_template_whose_turns_merge_is_refused_with_the_turn_index():
    class MergesTurns(CharTokenizer):
        def apply_chat_template(self, conversation, **kwargs):
            return [sum(super().apply_chat_template(conversation, **kwargs))]

    with pytest.raises(ValueError, match=r"turn 0 \(user\) does not tokenize the same way"):
        tokenize_conversation(MergesTurns(), CONVERSATION[1:3], config(), True, False)


def test_format_built_for_a_real_tokenizer_masks_the_same_as_by_hand(raw_hf_tokenizer):
    """Raw Hugging Face tokenizer (the multimodal path): one batched call, same result."""
    prompt = build_prompt_config("qwen2p0", raw_hf_tokenizer)
    conversation = [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "world"}]
    tokens, target = tokenize_conversation(raw_hf_tokenizer, conversation, prompt, True, False)

    def encode(text):
        return raw_hf_tokenizer.encode(text, add_special_tokens=False)

    user = encode("<|im_start|>user\nhello<|im_end|>\n")
    header = encode("<|im_start|>assistant\n")
    answer = encode("world<|im_end|>\n")
    assert tokens.tolist() == user + header + answer
    # the format masks 3 header tokens ("<|im_start|>", "assistant", "\n" in Qwen's vocabulary);
    # this small BPE splits "assistant", so the rest of the header is trained on, as upstream
    assistant = header + answer
    assert target.tolist() == [IGNORE_INDEX] * (len(user) + 3) + assistant[3:]


def test_the_direct_rust_path_gives_what_transformers_gives(raw_hf_tokenizer, hf_tokenizer_dir):
    """Raw HF tokenizers are encoded by their Rust backend directly when nothing (truncation,
    padding, an overriding class) could make transformers encode differently."""
    from transformers import AutoTokenizer

    from compat.tokenizers.conversation.conversation_tokenizer import _plain_rust_backend

    conversation = [
        {"role": "system", "content": "Be brief. 東京"},
        {"role": "user", "content": "hello /think"},
        {"role": "assistant", "content": "world 🙂"},
    ]
    assert _plain_rust_backend(raw_hf_tokenizer) is raw_hf_tokenizer.backend_tokenizer
    prompt = build_prompt_config("nemotron-nano-v2", raw_hf_tokenizer)
    fast = tokenize_conversation(raw_hf_tokenizer, conversation, prompt, True, False)

    truncating = AutoTokenizer.from_pretrained(str(hf_tokenizer_dir))
    truncating.backend_tokenizer.enable_truncation(max_length=100_000)
    assert _plain_rust_backend(truncating) is None
    slow = tokenize_conversation(truncating, conversation, prompt, True, False)
    assert np.array_equal(fast[0], slow[0]) and np.array_equal(fast[1], slow[1])

    class Overriding(type(raw_hf_tokenizer)):
        def _encode_plus(self, *args, **kwargs):
            return super()._encode_plus(*args, **kwargs)

    overriding = Overriding.from_pretrained(str(hf_tokenizer_dir))
    assert _plain_rust_backend(overriding) is None


def test_a_metadata_template_renders_in_the_sandbox(library_sources):
    """Templates from metadata files are untrusted: no attribute walking to Python internals."""
    from compat.tokenizers import MegatronTokenizer

    path, _ = library_sources["sentencepiece"]
    tokenizer = MegatronTokenizer.from_pretrained(
        path,
        prompt_format="default",
        metadata_path={
            "library": "sentencepiece",
            "chat_template": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        },
    )
    with pytest.raises(ValueError, match="unsafe"):
        tokenizer.tokenize_conversation([{"role": "user", "content": "hi"}])
