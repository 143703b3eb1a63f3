"""Upstream's per-turn conversation algorithm (G2 ``SFTTokenizer.tokenize_conversation``), the
reference our ``tokenize_conversation`` is held to.

Reference §5.1: render and tokenize the whole conversation, tokenize every turn again on its
own, mask per role, assert every turn's span matches. G2 drove a raw ``AutoTokenizer``; G3's
``conversation`` module runs the same steps on the library object (§5.3, §5.6), so one copy
serves every library.

It lives beside ``test_g2_equivalence.py``, which checks ours against it on every library;
``benchmarks/conversation.py`` imports it by path, so the algorithm the benchmark times is the
one the tests compare with.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

IGNORE_INDEX = -100


def as_ids(result: Any) -> np.ndarray:
    """MAIN's normaliser of ``apply_chat_template`` results: dict/BatchEncoding (transformers 5;
    G2 indexed the result directly, which only worked with transformers 4), Encoding, list, 1-D
    or one-row 2-D arrays."""
    if hasattr(result, "keys") and "input_ids" in result:
        result = result["input_ids"]
    if hasattr(result, "ids"):
        result = result.ids
    array = np.asarray(result, dtype=np.int64)
    return array[0] if array.ndim == 2 else array


def g2_tokenize_conversation(
    library: Any,
    chat_template: str | None,
    conversation: list[dict],
    *,
    assistant_prefix_len: int,
    has_bos: bool,
    skip_masking: bool = False,
    return_target: bool = True,
    add_generation_prompt: bool = False,
    conversation_options: Mapping[str, Any] | None = None,
    spans_match: Callable[[np.ndarray, np.ndarray], Any] = np.array_equal,
) -> Any:
    """Tokens (and targets, with ``return_target``) of ``conversation``, G2's calls and checks.

    ``library`` is anything with ``apply_chat_template``. ``conversation_options`` go to the
    whole-conversation call only, as G2 passed ``return_tensors="np"`` there and not per turn.
    Upstream compared spans with ``np.allclose``, which raises on a length mismatch and
    tolerates ids that differ by a few parts in a million; ``np.array_equal`` (the default) is
    exact, and pass ``np.allclose`` to run upstream's own comparison.
    """
    tokens = as_ids(
        library.apply_chat_template(
            conversation,
            tokenize=True,
            add_generation_prompt=add_generation_prompt,
            chat_template=chat_template,
            **(conversation_options or {}),
        )
    )
    if not return_target:
        return tokens
    target = tokens.copy()
    if skip_masking:
        return tokens, target
    idx = 0
    for turn_idx, turn in enumerate(conversation):
        if turn["role"].lower() == "assistant" and len(turn["content"]) == 0:
            raise ValueError(f"empty assistant turn in conversation: {conversation}.")
        if turn["role"].lower() == "assistant":
            assert conversation[turn_idx - 1]["role"].lower() in ("user", "tool")
        turn_tokens = as_ids(
            library.apply_chat_template([turn], tokenize=True, chat_template=chat_template)
        )
        if has_bos and turn_idx > 0:
            turn_tokens = turn_tokens[1:]
        turn_len = len(turn_tokens)
        role = turn["role"].lower()
        if role in ("system", "user", "tool"):
            target[idx : idx + turn_len] = IGNORE_INDEX
        elif role == "assistant":
            target[idx : idx + assistant_prefix_len] = IGNORE_INDEX
        else:
            raise ValueError("Wrong role value.")
        assert spans_match(tokens[idx : idx + turn_len], turn_tokens)
        idx += turn_len
    assert idx == len(tokens)
    return tokens, target
