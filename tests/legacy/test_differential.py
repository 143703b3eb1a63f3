"""The deprecated aliases against both references' own classes, on real tokenizer files.

megatron-core 0.16.1 and 0.19.2 still ship the model wrappers (``text.models``); 0.16.1 also G1's
``text.utils.build_tokenizer`` (0.19.2 has none: that test skips there). Same constructor
arguments, same files, same texts: same ids, text, vocabulary size, special ids and dataset-cache
key (``unique_identifiers``). Where a reference raises for a special id, ours may answer (a fixed
crash) but must not answer differently where it does answer.
"""

from __future__ import annotations

import warnings

import pytest
from references import G1_VERSION, g1_args

from compat.deprecations import TEXT_MODEL_WRAPPERS
from compat.legacy import _build_tokenizer, _chat_template, _text_wrappers

TEXT_SAMPLE = 200
SPECIAL_IDS = ("bos_id", "eos_id", "eod", "pad_id", "unk_id", "cls_id", "sep_id", "mask_id")


# The reference side is megatron-core's own code, whose legacy names now warn like ours.
pytestmark = pytest.mark.filterwarnings("ignore::compat.MegatronTokenizerDeprecationWarning")


@pytest.fixture(scope="module")
def old_models(reference):
    return reference.module("text.models")


@pytest.fixture(scope="module")
def library_cases(
    reference,
    offline_hub,
    files_dir,
    sentencepiece_v1,
    sentencepiece_v3,
    tekken_json,
    hf_tokenizer_dir,
):
    """library → (path, config, kwargs) as old code passed them to a model wrapper, in the
    reference's spelling of the null library. (0.16.1's tiktoken class rejects the cl100k/qwen
    JSON files outright: no differential there.)"""
    hub = files_dir / "hub-work" / "gpt2"
    null_library = "null" if reference.version == G1_VERSION else "null-text"
    return {
        "sentencepiece-v1": (str(sentencepiece_v1), {"library": "sentencepiece"}, {}),
        "sentencepiece-v3-legacy": (
            str(sentencepiece_v3),
            {"library": "sentencepiece"},
            {"legacy": True},
        ),
        # a third of the vocabulary: the same code paths, built three times faster
        "tiktoken-tekken": (
            str(tekken_json),
            {"library": "tiktoken"},
            {"pattern": "v2", "vocab_size": 50000, "num_special_tokens": 1000},
        ),
        "huggingface": (str(hf_tokenizer_dir), {"library": "huggingface"}, {}),
        "megatron-gpt2": (
            "GPT2BPETokenizer",
            {"library": "megatron"},
            {"vocab_file": str(hub / "vocab.json"), "merges_file": str(hub / "merges.txt")},
        ),
        "byte-level": (None, {"library": "byte-level"}, {}),
        "null": (None, {"library": null_library}, {"vocab_size": 500}),
    }


def _texts(case: str, varied_texts: list[str]) -> list[str]:
    if case == "null":
        return ["1 2 3", "0", "499 17 17 4"]
    return varied_texts[:TEXT_SAMPLE]


def _assert_same_text(case: str, text: str, old, ids: list[int], original: str) -> None:
    """Decoding matches the reference except for two documented generation differences of
    0.16.1 (reference §4.4, §4.7): Hugging Face keeps special tokens (G2+ default; G1 stripped
    them), and tiktoken decodes bytes across token boundaries (0.18+; G1-G3 broke multi-byte
    characters into U+FFFD)."""
    if case == "huggingface":
        assert text == old._tokenizer.ids_to_text(ids, remove_special_tokens=False)
        return
    old_text = old.detokenize(ids)
    if case.startswith("tiktoken") and "\ufffd" in old_text:
        assert text == original
        return
    assert text == old_text


def _special_id(tokenizer, name: str):
    try:
        return getattr(tokenizer, name)
    except Exception as error:  # noqa: BLE001 - 0.16.1 raises many kinds here
        return error


WRAPPER_CASES = [
    "sentencepiece-v1",
    "sentencepiece-v3-legacy",
    "tiktoken-tekken",
    "huggingface",
    "megatron-gpt2",
    "byte-level",
    "null",
]


@pytest.mark.parametrize("case", WRAPPER_CASES)
@pytest.mark.parametrize("name", list(TEXT_MODEL_WRAPPERS))
def test_wrapper_matches_the_reference(
    name, case, reference, old_models, library_cases, varied_texts, request
):
    path, config, kwargs = library_cases[case]
    old = getattr(old_models, name)(path, dict(config), **kwargs)
    ours_config = dict(config)
    ours = getattr(_text_wrappers, name)(path, ours_config, **kwargs)

    assert ours_config == config
    assert ours.vocab_size == old.vocab_size
    assert ours.unique_identifiers == old.unique_identifiers
    for text in _texts(case, varied_texts):
        ids = list(old.tokenize(text))
        assert list(ours.tokenize(text)) == ids, text
        _assert_same_text(case, ours.detokenize(ids), old, ids, text)
    for special in SPECIAL_IDS:
        expected = _special_id(old, special)
        if not isinstance(expected, Exception):
            assert _special_id(ours, special) == expected, special


def test_isinstance_between_wrappers_is_wider_than_the_references(
    reference, old_models, sentencepiece_v1
):
    """The references: five unrelated subclasses. Ours (like upstream G3's aliases): any text
    facade passes every check, so ``isinstance(tok, GPTTokenizer)`` keeps working whichever path
    (wrapper, from_pretrained, build_tokenizer) built ``tok``."""
    old = old_models.GPTTokenizer(str(sentencepiece_v1), {"library": "sentencepiece"})
    ours = _text_wrappers.GPTTokenizer(str(sentencepiece_v1), {"library": "sentencepiece"})
    assert isinstance(old, reference.raw("text.models", "GPTTokenizer"))
    assert isinstance(ours, _text_wrappers.GPTTokenizer)
    assert not isinstance(old, reference.raw("text.models", "BertTokenizer"))
    assert isinstance(ours, _text_wrappers.BertTokenizer)


# --- MegatronTokenizerChatTemplate --------------------------------------------------------------

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
    "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def test_chat_template_mixin_matches_the_reference(reference, hf_tokenizer_dir):
    from transformers import AutoTokenizer

    OldMixin = reference.raw("text.libraries.chat_template", "MegatronTokenizerChatTemplate")

    backend = AutoTokenizer.from_pretrained(str(hf_tokenizer_dir))

    def library(mixin: type):
        return type("Library", (mixin,), {"text_to_ids": lambda self, text: backend.encode(text)})()

    conversation = [
        {"role": "user", "content": "Hello there"},
        {"role": "assistant", "content": "Hi! How can I help?"},
    ]
    for options in (
        {"tokenize": False},
        {"tokenize": True},
        {"add_generation_prompt": True, "tokenize": False},
        {"truncation": True, "max_length": 5},
    ):
        assert library(_chat_template.MegatronTokenizerChatTemplate).apply_chat_template(
            conversation, CHATML, **options
        ) == library(OldMixin).apply_chat_template(conversation, CHATML, **options), options


# --- G1 build_tokenizer(args) -------------------------------------------------------------------


@pytest.fixture(scope="module")
def g1_args_by_type(offline_hub, files_dir, sentencepiece_v1, tekken_json, hf_tokenizer_dir):
    hub = files_dir / "hub-work"
    return {
        "GPT2BPETokenizer": g1_args(
            tokenizer_type="GPT2BPETokenizer",
            vocab_file=str(hub / "gpt2" / "vocab.json"),
            merge_file=str(hub / "gpt2" / "merges.txt"),
        ),
        "BertWordPieceCase": g1_args(
            tokenizer_type="BertWordPieceCase",
            vocab_file=str(hub / "bert-large-cased" / "vocab.txt"),
        ),
        "Llama2Tokenizer": g1_args(
            tokenizer_type="Llama2Tokenizer", tokenizer_model=str(sentencepiece_v1)
        ),
        "TikTokenizer": g1_args(
            tokenizer_type="TikTokenizer",
            tokenizer_model=str(tekken_json),
            tiktoken_pattern="v2",
            vocab_size=131072,
        ),
        "HuggingFaceTokenizer": g1_args(
            tokenizer_type="HuggingFaceTokenizer",
            tokenizer_model=str(hf_tokenizer_dir),
            tokenizer_special_tokens=["<extra>"],
        ),
        "NullTokenizer": g1_args(tokenizer_type="NullTokenizer", vocab_size=500),
    }


@pytest.mark.parametrize(
    "type_name",
    [
        "GPT2BPETokenizer",
        "BertWordPieceCase",
        "Llama2Tokenizer",
        "TikTokenizer",
        "HuggingFaceTokenizer",
        "NullTokenizer",
    ],
)
def test_g1_build_tokenizer_matches_0_16_1(type_name, reference, g1_args_by_type, varied_texts):
    old_build = reference.module("text.utils.build_tokenizer").build_tokenizer

    args = g1_args_by_type[type_name]
    before = dict(vars(args))
    old = old_build(args)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = _build_tokenizer.build_tokenizer(args)

    assert vars(args) == before  # neither touches args (G1 set no padded_vocab_size)
    assert ours.vocab_size == old.vocab_size
    assert ours.eod == old.eod
    texts = ["1 2 3", "499 0"] if type_name == "NullTokenizer" else varied_texts[:TEXT_SAMPLE]
    for text in texts:
        assert list(ours.tokenize(text)) == list(old.tokenize(text)), text
