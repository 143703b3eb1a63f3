"""The fast path of ``tokenize_conversation`` for Megatron text libraries: templates proven to
render turn by turn are rendered once, and the conversation and its turns are encoded as one
batch (``texts_to_ids``). Each shortcut must give exactly what the plain steps give."""

from __future__ import annotations

import numpy as np
import pytest
import tokenizer_files
from hypothesis import given
from test_g2_equivalence import EQUIVALENCE, conversations, g2_reference

from compat.tokenizers.conversation import build_prompt_config, tokenize_conversation
from compat.tokenizers.conversation import prompt_config as formats
from compat.tokenizers.conversation.turn_local import render_turns, renders_turn_by_turn
from compat.tokenizers.text.libraries.chat_rendering import ChatTemplateError, render_chat_template
from compat.tokenizers.text.libraries.sentencepiece_tokenizer import SentencePieceTokenizer
from compat.tokenizers.text.libraries.tiktoken_tokenizer import TikTokenTokenizer

TURN_BY_TURN_TEMPLATES = {
    "identity": formats.identity_template,
    "nemotron-h-aligned": formats.nemotron_h_aligned_custom_template,
    "nemotron-nano-v2": formats.nemotron_nano_v2_custom_template,
    "qwen2p0": formats.qwen2p0_custom_template,
    "chatml": tokenizer_files.HF_CHAT_TEMPLATE,
    "set inside the loop": "{% for m in messages %}{% set c = m['content'] %}[{{ c }}]{% endfor %}",
    "read before set": "{% for m in messages %}{{ c }}{% set c = m['role'] %}{{ c }}{% endfor %}",
    "continue": "{% for m in messages %}{% if m['role'] == 'tool' %}{% continue %}{% endif %}"
    "{{ m['content'] }}{% endfor %}",
}

# Each depends on more than its own turn, or on something other than the turns.
NOT_TURN_BY_TURN_TEMPLATES = {
    "bos before the loop": formats.nvlm_yi_34b_template,
    "llama 3.1": formats.llama3p1_chat_template,
    "mistral": formats.mistral_custom_template,
    "loop index": "{% for m in messages %}{{ loop.index }}{{ m['content'] }}{% endfor %}",
    "all messages": "{% for m in messages %}{{ messages | length }}{% endfor %}",
    "text after the loop": "{% for m in messages %}{{ m['content'] }}{% endfor %}END",
    "generation prompt else": "{% for m in messages %}{{ m['content'] }}{% endfor %}"
    "{% if add_generation_prompt %}A{% else %}B{% endif %}",
    "generation prompt in the loop": "{% for m in messages %}{{ add_generation_prompt }}"
    "{% endfor %}",
    "global function": "{% for m in messages %}{{ raise_exception('no') }}{% endfor %}",
    "random": "{% for m in messages %}{{ m['content'] | random }}{% endfor %}",
    "namespace state": "{% set ns = namespace(n=0) %}{% for m in messages %}{{ ns.n }}"
    "{% set ns.n = ns.n + 1 %}{% endfor %}",
    "break": "{% for m in messages %}{{ m['content'] }}{% break %}{% endfor %}",
    "nested loop": "{% for m in messages %}{% for c in m['content'] %}{{ c }}{% endfor %}"
    "{% endfor %}",
    "two loops": "{% for m in messages %}{{ m['role'] }}{% endfor %}"
    "{% for m in messages %}{{ m['content'] }}{% endfor %}",
    "filtered loop": "{% for m in messages if m['role'] != 'system' %}{{ m['content'] }}"
    "{% endfor %}",
    "macro": "{% for m in messages %}{% macro f() %}x{% endmacro %}{{ f() }}{% endfor %}",
    "invalid jinja": "{% for m in messages %}",
}


@pytest.mark.parametrize("name", TURN_BY_TURN_TEMPLATES)
def test_templates_that_render_turn_by_turn_are_recognised(name):
    assert renders_turn_by_turn(TURN_BY_TURN_TEMPLATES[name])


@pytest.mark.parametrize("name", NOT_TURN_BY_TURN_TEMPLATES)
def test_templates_that_depend_on_more_than_one_turn_are_not(name):
    assert not renders_turn_by_turn(NOT_TURN_BY_TURN_TEMPLATES[name])


@pytest.mark.parametrize("name", TURN_BY_TURN_TEMPLATES)
@given(conversation=conversations())
@EQUIVALENCE
def test_render_turns_gives_each_turn_rendered_alone(name, conversation):
    template = TURN_BY_TURN_TEMPLATES[name]
    turn_texts = render_turns(template, conversation)
    assert turn_texts == [render_chat_template(template, [turn]) for turn in conversation]
    # the claim the fast path rests on
    assert "".join(turn_texts) == render_chat_template(template, conversation)


def test_render_turns_reports_a_failing_turn_as_rendering_it_alone_does():
    template = "{% for m in messages %}{{ m['content'].missing.deeper }}{% endfor %}"
    assert renders_turn_by_turn(template)
    with pytest.raises(ChatTemplateError, match="raised an error"):
        render_turns(template, [{"role": "user", "content": "hi"}])


def test_render_turns_leaves_the_conversation_unchanged():
    conversation = [{"role": "user", "content": " hi "}, {"role": "assistant", "content": "yo"}]
    snapshot = [dict(turn) for turn in conversation]
    render_turns(formats.nemotron_h_aligned_custom_template, conversation)
    assert conversation == snapshot


# ---------------------------------------------------------------------------------------------
# texts_to_ids: the batch a conversation and its turns are encoded in
# ---------------------------------------------------------------------------------------------

BATCH = [
    "<SPECIAL_10>System\nbe brief\n<SPECIAL_11>User\nhello 東京\n",
    "<SPECIAL_10>System\nbe brief\n",
    "<SPECIAL_11>User\nhello 東京\n",
    "",
    "no special tokens at all",
    "<s><s>",
    "hello 東京\n<SPECIAL_11>User\nhello 東京\n",
]


@pytest.fixture(scope="module")
def tiktoken_library(tekken_json):
    return TikTokenTokenizer(str(tekken_json), vocab_size=131072)


@pytest.fixture(scope="module")
def sentencepiece_libraries(sentencepiece_v3):
    return {
        "plain": SentencePieceTokenizer(str(sentencepiece_v3)),
        "legacy": SentencePieceTokenizer(
            str(sentencepiece_v3), legacy=True, special_tokens=["<SPECIAL_10>", "<SPECIAL_11>"]
        ),
    }


def test_tiktoken_texts_to_ids_is_text_to_ids_of_each(tiktoken_library):
    assert tiktoken_library.texts_to_ids(BATCH) == [
        tiktoken_library.text_to_ids(text) for text in BATCH
    ]
    # the shared parts are handed out, not shared: changing one result changes no other
    first, second = tiktoken_library.texts_to_ids(["hello", "hello"])
    first.append(0)
    assert second == tiktoken_library.text_to_ids("hello")


@pytest.mark.parametrize("mode", ["plain", "legacy"])
def test_sentencepiece_texts_to_ids_is_text_to_ids_of_each(sentencepiece_libraries, mode):
    library = sentencepiece_libraries[mode]
    assert library.texts_to_ids(BATCH) == [library.text_to_ids(text) for text in BATCH]
    first, second = library.texts_to_ids(["<SPECIAL_10> hi", "<SPECIAL_10> hi"])
    first.append(0)
    assert second == library.text_to_ids("<SPECIAL_10> hi")


@pytest.mark.parametrize("library_name", ["tiktoken", "sentencepiece"])
def test_texts_to_ids_refuses_a_text_that_is_not_a_string(
    tiktoken_library, sentencepiece_libraries, library_name
):
    library = tiktoken_library if library_name == "tiktoken" else sentencepiece_libraries["legacy"]
    with pytest.raises(ValueError, match="list of str"):
        library.texts_to_ids(["fine", b"bytes"])


# ---------------------------------------------------------------------------------------------
# tokenize_conversation end to end
# ---------------------------------------------------------------------------------------------

SPECIAL_TOKEN_CHATML = (
    "{%- for message in messages -%}"
    "{{ '<SPECIAL_10>' + message['role'] + '\\n' + message['content'] + '<SPECIAL_11>' }}"
    "{%- endfor -%}"
)


@given(conversation=conversations())
@EQUIVALENCE
def test_legacy_sentencepiece_with_turns_between_special_tokens_matches_upstream(
    sentencepiece_libraries, conversation
):
    """Upstream's algorithm works on SentencePiece when turns meet at special tokens (the
    benchmark's setting); ours must give its output through the batched path."""
    library = sentencepiece_libraries["legacy"]
    prompt = build_prompt_config("nemotron-nano-v2", library)
    prompt.custom_chat_template = SPECIAL_TOKEN_CHATML
    tokens, target = tokenize_conversation(library, conversation, prompt, True, False)
    # nemotron-nano-v2's rules (tool role, a three-token assistant header) with this template
    upstream = g2_reference(library, SPECIAL_TOKEN_CHATML, "nemotron-nano-v2", False)
    expected_tokens, expected_target = upstream(conversation, True, False)
    assert np.array_equal(tokens, expected_tokens)
    assert np.array_equal(target, expected_target)


def test_a_library_overriding_apply_chat_template_is_still_called(tekken_json):
    """The fast path replaces only the base class's ``apply_chat_template``."""
    calls = []

    class Recording(TikTokenTokenizer):
        def apply_chat_template(self, conversation, **kwargs):
            calls.append(len(conversation))
            return super().apply_chat_template(conversation, **kwargs)

    library = Recording(str(tekken_json), vocab_size=131072)
    prompt = build_prompt_config("nemotron-nano-v2", library)
    conversation = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
    tokens, _ = tokenize_conversation(library, conversation, prompt, True, False)
    assert calls == [2, 1, 1]
    assert tokens.tolist() == library.text_to_ids(
        render_chat_template(prompt.custom_chat_template, conversation)
    )
