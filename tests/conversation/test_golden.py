"""Golden tests: every SFT format on a real tokenizer of every text library.

The expected rendering of each format is written out here from the format's description
(reference §5.2), independently of the templates; expected tokens come from encoding those
hand-written texts, and expected targets from the masking rules (system/user/tool masked, the
first ``assistant_prefix_len`` tokens of an assistant turn masked). A few ids are spelled out
literally where the vocabulary makes them known: bytes for ``byte-level``, ``<SPECIAL_n>`` = n
for ``tiktoken``.
"""

from __future__ import annotations

import pytest
from conversation_cases import CHATML_TEMPLATE, TEXT_LIBRARIES

from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.conversation import IGNORE_INDEX
from compat.tokenizers.conversation.prompt_config import SFT_PROMPT_FORMATS

SYSTEM = {"role": "system", "content": "You are terse. /no_think\n"}
USER = {"role": "user", "content": "Say hello /think\n"}
ANSWER = {"role": "assistant", "content": "Hello!\n"}
USER_UNICODE = {"role": "user", "content": "Und auf Japanisch? Straße → 東京\n"}
ANSWER_UNICODE = {"role": "assistant", "content": "こんにちは 🙂 naïve café\n"}
TOOL = {"role": "tool", "content": '{"time": "12:00"}\n'}
ANSWER_AFTER_TOOL = {"role": "assistant", "content": "It is noon.\n"}

CONVERSATIONS = {
    "system-multi-turn-unicode": [SYSTEM, USER, ANSWER, USER_UNICODE, ANSWER_UNICODE],
    "no-system": [USER, ANSWER],
    "tool-turn": [SYSTEM, USER, ANSWER, TOOL, ANSWER_AFTER_TOOL],
}
PREFIX_LEN = {"nemotron-nano-v2": 3, "nemotron-h-aligned": 0, "identity": 0, "default": 0}


def _cleaned(content: str) -> str:
    return content.replace("/think", "").replace("/no_think", "").strip()


def rendered_turns(prompt_format: str, conversation) -> list[tuple[str, str]]:
    """``(text, role)`` of every turn as the format's description says it renders."""
    turns = []
    for turn in conversation:
        role, content = turn["role"], turn["content"]
        if prompt_format == "nemotron-h-aligned":
            text = {
                "system": "<SPECIAL_10>System\n" + content.strip() + "\n",
                "user": "<SPECIAL_11>User\n" + content.strip() + "\n<SPECIAL_11>Assistant\n",
                "assistant": content.strip() + "\n",
            }.get(role, "")
        elif prompt_format == "nemotron-nano-v2":
            text = {
                "system": "<SPECIAL_10>System\n" + _cleaned(content) + "\n",
                "user": "<SPECIAL_11>User\n" + _cleaned(content) + "\n",
                "assistant": "<SPECIAL_11>Assistant\n" + content.strip() + "\n<SPECIAL_12>\n",
            }.get(role, "")
        elif prompt_format == "identity":
            text = content
        else:  # default: the tokenizer's own (ChatML) template
            text = "<|im_start|>" + role + "\n" + content + "<|im_end|>\n"
        turns.append((text, role))
    return turns


def trained_text(prompt_format: str, turn) -> str:
    """What an assistant turn trains on: its content plus the format's end markers."""
    if prompt_format == "nemotron-h-aligned":
        return turn["content"].strip() + "\n"
    if prompt_format == "nemotron-nano-v2":
        return turn["content"].strip() + "\n<SPECIAL_12>\n"
    return turn["content"]


@pytest.fixture(scope="module")
def golden_tokenizer(library_sources, hf_role_words_dir):
    cache = {}

    def build(library: str, prompt_format: str):
        if (library, prompt_format) not in cache:
            path, kwargs = library_sources[library]
            if library == "huggingface":
                path = str(hf_role_words_dir)
            metadata = {"library": library}
            if prompt_format == "default" and library != "huggingface":
                metadata["chat_template"] = CHATML_TEMPLATE
            cache[library, prompt_format] = MegatronTokenizer.from_pretrained(
                path, metadata_path=metadata, prompt_format=prompt_format, **kwargs
            )
        return cache[library, prompt_format]

    return build


def expected_tokens_and_target(tokenizer, prompt_format, conversation):
    """Hand-derived expectation. SentencePiece marks the start of every text it encodes, so
    there the whole text is encoded once and turn ends come from encoding growing prefixes;
    the other libraries encode turns separated by special tokens or line ends independently."""
    turns = rendered_turns(prompt_format, conversation)
    encode = tokenizer.text_to_ids
    if tokenizer.library == "sentencepiece":
        tokens = encode("".join(text for text, _ in turns))
        ends = [
            len(encode("".join(text for text, _ in turns[: i + 1]))) if turns[i][0] else None
            for i in range(len(turns))
        ]
        spans, start = [], 0
        for end in ends:
            end = start if end is None else end
            spans.append((start, end))
            start = end
    else:
        pieces = [encode(text) if text else [] for text, _ in turns]
        tokens = [token for piece in pieces for token in piece]
        spans, start = [], 0
        for piece in pieces:
            spans.append((start, start + len(piece)))
            start += len(piece)
    target = list(tokens)
    if prompt_format != "default":
        for (_, role), (start, end) in zip(turns, spans):
            masked_end = end if role != "assistant" else start + PREFIX_LEN[prompt_format]
            target[start:masked_end] = [IGNORE_INDEX] * (masked_end - start)
    return tokens, target


def trained_spans(target) -> list[list[int]]:
    spans, current = [], []
    for token in target:
        if token == IGNORE_INDEX:
            if current:
                spans.append(current)
            current = []
        else:
            current.append(token)
    return spans + ([current] if current else [])


@pytest.mark.parametrize("case", sorted(CONVERSATIONS))
@pytest.mark.parametrize("prompt_format", SFT_PROMPT_FORMATS)
@pytest.mark.parametrize("library", TEXT_LIBRARIES)
def test_tokens_and_targets_match_the_hand_derived_ones(
    golden_tokenizer, library, prompt_format, case
):
    tokenizer = golden_tokenizer(library, prompt_format)
    conversation = CONVERSATIONS[case]
    tokens, target = tokenizer.tokenize_conversation(conversation, True, False)
    expected_tokens, expected_target = expected_tokens_and_target(
        tokenizer, prompt_format, conversation
    )
    assert tokens.tolist() == expected_tokens
    assert target.tolist() == expected_target


@pytest.mark.parametrize("case", sorted(CONVERSATIONS))
@pytest.mark.parametrize("prompt_format", ["nemotron-nano-v2", "nemotron-h-aligned", "identity"])
@pytest.mark.parametrize("library", TEXT_LIBRARIES)
def test_decoded_trained_spans_are_the_assistant_contents_plus_end_markers(
    golden_tokenizer, library, prompt_format, case
):
    tokenizer = golden_tokenizer(library, prompt_format)
    conversation = CONVERSATIONS[case]
    _, target = tokenizer.tokenize_conversation(conversation, True, False)
    spans = trained_spans(target.tolist())
    if library == "byte-level":
        # its decode drops special ids and right-strips; compare the bytes themselves
        decoded = [bytes(span).decode("utf-8") for span in spans]
    else:
        decoded = [tokenizer.detokenize(span) for span in spans]
    assert decoded == expected_trained_texts(tokenizer, prompt_format, conversation)


def expected_trained_texts(tokenizer, prompt_format, conversation) -> list[str]:
    """One text per run of trained tokens: assistant turns with nothing rendered between them
    (a tool turn renders nothing in the Nemotron formats) form one run."""
    texts, previous_rendered_masked = [], True
    for (text, role), turn in zip(rendered_turns(prompt_format, conversation), conversation):
        if role != "assistant":
            previous_rendered_masked = previous_rendered_masked or bool(text)
            continue
        trained = header_tail(tokenizer, prompt_format) + trained_text(prompt_format, turn)
        if previous_rendered_masked or not texts:
            texts.append(trained)
        else:
            texts[-1] += trained
        previous_rendered_masked = PREFIX_LEN[prompt_format] > 0
    return texts


def header_tail(tokenizer, prompt_format) -> str:
    """The part of the assistant header that is trained on: none when the library encodes the
    header in exactly the tokens the format masks (Nemotron's own vocabulary); otherwise, as
    upstream, what follows the first 3 tokens of "<SPECIAL_11>Assistant\n"."""
    if prompt_format != "nemotron-nano-v2":
        return ""
    header = tokenizer.text_to_ids("<SPECIAL_11>Assistant\n")
    if tokenizer.library == "byte-level":
        return bytes(header[3:]).decode()
    return tokenizer.detokenize(header[3:]) if len(header) > 3 else ""


def test_byte_level_ids_are_the_utf8_bytes(golden_tokenizer):
    tokenizer = golden_tokenizer("byte-level", "nemotron-h-aligned")
    tokens, target = tokenizer.tokenize_conversation([USER, ANSWER], True, False)
    prompt = b"<SPECIAL_11>User\nSay hello /think\n<SPECIAL_11>Assistant\n"
    answer = list(b"Hello!\n")
    assert tokens.tolist() == list(prompt) + answer
    assert target.tolist() == [-100] * len(prompt) + [72, 101, 108, 108, 111, 33, 10]


def test_byte_level_nano_v2_masks_three_bytes_of_the_header(golden_tokenizer):
    tokenizer = golden_tokenizer("byte-level", "nemotron-nano-v2")
    _, target = tokenizer.tokenize_conversation([USER, ANSWER], True, False)
    prompt = len(b"<SPECIAL_11>User\nSay hello\n")
    trained = target.tolist()[prompt:]
    assert trained[:3] == [-100] * 3
    assert bytes(trained[3:]) == b"ECIAL_11>Assistant\nHello!\n<SPECIAL_12>\n"


def test_tiktoken_special_markers_have_their_slot_ids(golden_tokenizer):
    tokenizer = golden_tokenizer("tiktoken", "nemotron-nano-v2")
    tokens, target = tokenizer.tokenize_conversation([SYSTEM, USER, ANSWER], True, False)
    tokens, target = tokens.tolist(), target.tolist()
    assert tokens[0] == 10  # <SPECIAL_10>
    assert tokens.count(11) == 2 and tokens.count(12) == 1  # <SPECIAL_11> x2, <SPECIAL_12>
    assert tokens[tokens.index(11) : tokens.index(11) + 3] == [11, 4019, 1010]  # "User" "\n"
    header = tokens.index(11, tokens.index(11) + 1)
    assert tokens[header : header + 3] == [11, 102897, 1010]  # <SPECIAL_11> "Assistant" "\n"
    assert target[: header + 3] == [IGNORE_INDEX] * (header + 3)
    assert target[header + 3 :] == tokens[header + 3 :]
    assert target[-2:] == [12, 1010]  # <SPECIAL_12> "\n" are trained on
    assert tokenizer.pad == 0  # nano-v2 pads with <unk>


def test_nano_v2_removes_reasoning_switches_only_from_system_and_user(golden_tokenizer):
    tokenizer = golden_tokenizer("tiktoken", "nemotron-nano-v2")
    answer = {"role": "assistant", "content": "I /think so\n"}
    tokens = tokenizer.tokenize_conversation([SYSTEM, USER, answer], False, False)
    text = tokenizer.detokenize(tokens.tolist())
    assert "/no_think" not in text and text.count("/think") == 1
    assert text.endswith("<SPECIAL_11>Assistant\nI /think so\n<SPECIAL_12>\n")
