"""Properties of the YAML rewriter over generated functional-test configs.

A ``MODEL_ARGS`` map in flag form (as upstream's ``model_config.yaml``) with neutral keys and old
flags, plus neutral documents around it. Properties: the output loads, a second run changes
nothing, ``MODEL_ARGS`` loads as the translated argv, everything else loads as before, and
every line without an old flag is kept byte for byte.
"""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from codemods.core import Options
from codemods.text.words import is_legacy_flag_word
from codemods.yaml import KIND, validate
from compat.args import translate_argv
from compat.deprecations import TOKENIZER_TYPES

PROPERTY_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

_NEUTRAL_ENTRIES = st.sampled_from(
    [
        ("--num-layers", "12"),
        ("--lr", "0.0001"),
        ("--bf16", "true"),
        ("--no-bias", "true"),
        ("--tokenizer-model", "${DATA_PATH}/tokenizer.model"),
        ("--vocab-size", "128"),
        ("--data-path", "'${DATA_PATH}/my text'"),
        ("--seed", '"1234"'),
        ("--ckpt-format", "torch"),
    ]
)
_OLD_ENTRIES = st.one_of(
    st.sampled_from(sorted(TOKENIZER_TYPES)).map(lambda t: ("--tokenizer-type", t)),
    st.just(("--legacy-tokenizer", "true")),
    st.just(("--tokenizer-hf-use-fast", "true")),
    st.just(("--sft-tokenizer-prompt-format", "nemotron-nano-v2")),
)


@st.composite
def model_args(draw) -> list[tuple[str, str]]:
    entries = draw(st.lists(_NEUTRAL_ENTRIES, max_size=6, unique_by=lambda e: e[0]))
    for entry in draw(st.lists(_OLD_ENTRIES, min_size=1, max_size=2, unique_by=lambda e: e[0])):
        entries.insert(draw(st.integers(0, len(entries))), entry)
    return entries


def _document(entries: list[tuple[str, str]], comment: bool) -> str:
    lines = ["ENV_VARS:", "  CUDA_DEVICE_MAX_CONNECTIONS: 1", "TEST_TYPE: regular", "MODEL_ARGS:"]
    if comment:
        lines.append("  # model (--tokenizer-type: TikTokenizer in the old days)")
    lines += [f"  {key}: {value}" for key, value in entries]
    lines.append("METRICS: [lm loss, iteration-time]")
    return "\n".join(lines) + "\n"


def _argv(loaded_args: dict) -> list[str]:
    words: list[str] = []
    for key, value in loaded_args.items():
        if value is True:
            words.append(key)
        elif value is not False:
            words += [key, str(value)]
    return words


def _as_map(argv: tuple[str, ...]) -> dict:
    loaded: dict = {}
    index = 0
    while index < len(argv):
        if index + 1 < len(argv) and not argv[index + 1].startswith("--"):
            loaded[argv[index]] = argv[index + 1]
            index += 2
        else:
            loaded[argv[index]] = True
            index += 1
    return loaded


def _stringified(loaded_args: dict) -> dict:
    return {key: value if value is True else str(value) for key, value in loaded_args.items()}


@PROPERTY_SETTINGS
@given(model_args(), st.booleans())
def test_model_args_load_as_the_translated_argv_and_nothing_else_changes(entries, comment):
    source = _document(entries, comment)
    result = KIND.rewrite(source, "model_config.yaml", Options())
    new = result.new_text
    validate(new)
    assert KIND.rewrite(new, "model_config.yaml", Options()).new_text == new
    before, after = yaml.safe_load(source), yaml.safe_load(new)
    translation = translate_argv(_argv(before["MODEL_ARGS"]))
    # sites the translator refuses are in translation.argv as written
    if not translation.argv:
        # deleting every entry would turn the map into a null: refused, reported
        assert new == source and not any(f.fixed for f in result.findings)
        return
    assert _stringified(after["MODEL_ARGS"]) == _as_map(translation.argv)
    assert {k: v for k, v in after.items() if k != "MODEL_ARGS"} == {
        k: v for k, v in before.items() if k != "MODEL_ARGS"
    }
    kept = [
        line for line in source.splitlines() if not is_legacy_flag_word(line.strip().split(":")[0])
    ]
    new_lines = iter(new.splitlines())
    assert all(line in new_lines for line in kept), "a line without an old flag changed"
