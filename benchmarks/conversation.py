"""``tokenize_conversation`` throughput: ours against upstream's per-turn algorithm.

A few thousand generated multi-turn conversations (system, user, assistant and tool turns,
unicode) are tokenized with targets by two callables, measured side by side in interleaved
rounds (so machine load hits both alike), median per callable:

* **ours**: ``MegatronTokenizer.from_pretrained(path, metadata_path={"library": L},
  prompt_format=F).tokenize_conversation(conversation)``;
* **upstream**: the G2 ``SFTTokenizer`` / G3 ``conversation`` algorithm, the copy the tests
  compare ours with (``tests/conversation/g2_reference.py``), with upstream's own ``np.allclose``
  span check: render and tokenize the conversation, then every turn again on its own, one
  ``apply_chat_template`` call each, masking per role.

Libraries: ``huggingface`` (the fixture's byte-level BPE folder), ``tiktoken`` (Tekken's vocabulary)
and ``sentencepiece`` (Mistral's ``.model.v3``). Upstream's algorithm cannot measure the SFT
formats on SentencePiece: a turn encoded alone gains a word-start piece it lacks inside the
conversation, so its span check fails. SentencePiece therefore runs the multimodal ``chatml``
format with a ChatML template whose turns meet at special tokens (legacy special tokens
``<|im_start|>``/``<|im_end|>``), on the same conversations with tool turns asked as user turns
(that format knows no tool role).

Budget: ours ≥ 2× upstream with identical tokens and targets (checked on every conversation
before timing). Runs offline on the shared test tokenizer files::

    python benchmarks/conversation.py [--conversations 3000] [--rounds 5] [--libraries ...]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY / "tests"))
sys.path.insert(0, str(REPOSITORY / "tests" / "conversation"))

from g2_reference import g2_tokenize_conversation  # noqa: E402

BUDGET = 2.0
LIBRARIES = ("huggingface", "tiktoken", "sentencepiece")
SFT_PROMPT_FORMATS = ("nemotron-h-aligned", "nemotron-nano-v2")
# SentencePiece: turns delimited by special tokens only, so every turn encodes alone as it does
# inside the conversation (see the module docstring).
SENTENCEPIECE_CHATML_TEMPLATE = (
    "{%- for message in messages -%}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' }}"
    "{%- endfor -%}"
)
SENTENCEPIECE_SETUP = {
    "metadata": {"library": "sentencepiece", "chat_template": SENTENCEPIECE_CHATML_TEMPLATE},
    "legacy": True,
    "special_tokens": ["<|im_start|>", "<|im_end|>"],
}

Conversation = list[dict[str, str]]
Tokenize = Callable[[Conversation], tuple[np.ndarray, np.ndarray]]

_WORDS = [
    "the",
    "model",
    "was",
    "trained",
    "on",
    "a",
    "large",
    "corpus",
    "of",
    "text",
    "with",
    "tensor",
    "and",
    "pipeline",
    "parallel",
    "layers",
    "attention",
    "embedding",
    "vocabulary",
    "tokenizer",
    "hello",
    "world",
    "café",
    "naïve",
    "Straße",
    "東京",
    "日本語",
    "Привет",
    "🙂",
    "12:00",
    "3.14",
    '{"a":',
    "1}",
    "?!",
    ".",
]


def generated_conversations(count: int, seed: int = 7) -> list[Conversation]:
    rng = random.Random(seed)

    def sentence(low: int, high: int) -> str:
        return " ".join(rng.choice(_WORDS) for _ in range(rng.randint(low, high)))

    conversations = []
    for _ in range(count):
        turns = [{"role": "system", "content": sentence(5, 20)}] if rng.random() < 0.7 else []
        for round_ in range(rng.randint(1, 5)):
            asker = "tool" if round_ and rng.random() < 0.2 else "user"
            turns.append({"role": asker, "content": sentence(3, 40)})
            turns.append({"role": "assistant", "content": sentence(3, 80)})
        conversations.append(turns)
    return conversations


def prompt_formats(library: str) -> tuple[str, ...]:
    return ("chatml",) if library == "sentencepiece" else SFT_PROMPT_FORMATS


def without_tool_turns(conversations: list[Conversation]) -> list[Conversation]:
    """The conversations with tool turns asked as user turns, for formats without a tool role."""
    return [
        [{**turn, "role": "user"} if turn["role"] == "tool" else turn for turn in turns]
        for turns in conversations
    ]


def build_tokenizers(library: str, prompt_format: str, files: Path) -> tuple[Tokenize, Tokenize]:
    import tokenizer_files

    from compat.tokenizers import MegatronTokenizer

    options: dict[str, Any] = {"metadata": {"library": library}}
    if library == "huggingface":
        path = str(tokenizer_files.hf_tokenizer_dir(files / "hf"))
    elif library == "sentencepiece":
        path = str(tokenizer_files.sentencepiece_v3())
        options = SENTENCEPIECE_SETUP
    else:
        path = str(tokenizer_files.tekken_vocab_json(files))
    extra = {name: value for name, value in options.items() if name != "metadata"}
    tokenizer = MegatronTokenizer.from_pretrained(
        path, metadata_path=dict(options["metadata"]), prompt_format=prompt_format, **extra
    )
    prompt_config = tokenizer._prompt_config
    # G2 drove the raw transformers tokenizer; G3 the library object (tiktoken, sentencepiece)
    if library == "huggingface":
        backend, tensor_options = tokenizer._tokenizer.tokenizer, {"return_tensors": "np"}
    else:
        backend, tensor_options = tokenizer._tokenizer, {}

    def ours(conversation: Conversation) -> tuple[np.ndarray, np.ndarray]:
        return tokenizer.tokenize_conversation(conversation, True, False)

    def upstream(conversation: Conversation) -> tuple[np.ndarray, np.ndarray]:
        return g2_tokenize_conversation(
            backend,
            prompt_config.custom_chat_template,
            conversation,
            assistant_prefix_len=prompt_config.assistant_prefix_len,
            has_bos=prompt_config.has_bos,
            conversation_options=tensor_options,
            spans_match=np.allclose,
        )

    return ours, upstream


def check_identical(ours: Tokenize, upstream: Tokenize, conversations: list[Conversation]) -> None:
    for index, conversation in enumerate(conversations):
        (tokens, target), (expected_tokens, expected_target) = (
            ours(conversation),
            upstream(conversation),
        )
        if not (
            np.array_equal(tokens, expected_tokens) and np.array_equal(target, expected_target)
        ):
            raise SystemExit(f"conversation {index}: ours differs from upstream's algorithm")


def seconds(tokenize: Tokenize, conversations: list[Conversation]) -> float:
    start = time.perf_counter()
    for conversation in conversations:
        tokenize(conversation)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--libraries", nargs="+", choices=LIBRARIES, default=list(LIBRARIES))
    options = parser.parse_args()
    warnings.simplefilter("ignore")

    all_conversations = generated_conversations(options.conversations)
    turns = sum(len(conversation) for conversation in all_conversations)
    print(
        f"{len(all_conversations)} conversations, {turns} turns, {options.rounds} rounds "
        "(median), identical tokens and targets checked on every conversation",
        flush=True,
    )
    print(f"{'library':<15}{'format':<20}{'ours conv/s':>13}{'upstream conv/s':>17}{'ratio':>8}")
    failures = []
    with tempfile.TemporaryDirectory() as directory:
        for library in options.libraries:
            conversations = (
                without_tool_turns(all_conversations)
                if library == "sentencepiece"
                else all_conversations
            )
            for prompt_format in prompt_formats(library):
                ours, upstream = build_tokenizers(library, prompt_format, Path(directory))
                check_identical(ours, upstream, conversations)
                timings: dict[str, list[float]] = {"ours": [], "upstream": []}
                for _ in range(options.rounds):
                    timings["ours"].append(seconds(ours, conversations))
                    timings["upstream"].append(seconds(upstream, conversations))
                ours_rate = len(conversations) / statistics.median(timings["ours"])
                upstream_rate = len(conversations) / statistics.median(timings["upstream"])
                ratio = ours_rate / upstream_rate
                print(
                    f"{library:<15}{prompt_format:<20}{ours_rate:>13.0f}{upstream_rate:>17.0f}"
                    f"{ratio:>7.2f}x",
                    flush=True,
                )
                if ratio < BUDGET:
                    failures.append(f"{library}/{prompt_format}: {ratio:.2f}x < {BUDGET}x")
    print(
        f"budget ≥{BUDGET}x on every library: "
        + ("met" if not failures else "MISSED: " + "; ".join(failures))
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
