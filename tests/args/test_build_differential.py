"""build_tokenizer(translate_namespace(old_args)) against megatron-core 0.16.1's builder.

Same real tokenizer files, same old args: same ids, vocab size, end-of-document id and padded
vocab size. The megatron-library types load their hub names (``gpt2``, ``bert-large-*``) from a
private offline hub cache filled with our own files (``offline_hub`` fixture). The three types
0.16.1 lacks (Multimodal, NullMultimodal, SFT) are checked against the reference's description.
"""

from __future__ import annotations

import argparse
import math

import pytest

from compat.args import translate_argv, translate_namespace
from compat.tokenizers.utils.build_tokenizer import build_tokenizer

# Building from old args warns (asserted in test_old_args_warn_once_at_the_callers_line).
pytestmark = pytest.mark.filterwarnings("ignore::compat.MegatronTokenizerDeprecationWarning")

TEXT_SAMPLE = 300
DIVISOR, TENSOR_PARALLEL = 128, 2


def g1_args(**attributes) -> argparse.Namespace:
    """The tokenizer attributes megatron-core 0.16.1's parser gives, with its defaults."""
    defaults = argparse.Namespace(
        tokenizer_type=None, tokenizer_model=None, tokenizer_special_tokens=None,
        vocab_file=None, merge_file=None, tokenizer_hf_use_fast=False, trust_remote_code=False,
        tokenizer_hf_include_special_tokens=False, tokenizer_sentencepiece_legacy=False,
        tiktoken_pattern=None, vocab_size=None, tiktoken_num_special_tokens=1000,
        tokenizer_metadata=None, make_vocab_size_divisible_by=DIVISOR,
        tensor_model_parallel_size=TENSOR_PARALLEL, rank=0,
    )
    return argparse.Namespace(**{**vars(defaults), **attributes})


@pytest.fixture(scope="module")
def old_build(megatron_core):
    from megatron.core.tokenizers.text.utils.build_tokenizer import build_tokenizer as old

    return old


@pytest.fixture(scope="module")
def old_args_by_type(offline_hub, files_dir, sentencepiece_v1, sentencepiece_v3, tekken_json,
                     hf_tokenizer_dir, gpt2_files, bert_vocab_lower, bert_vocab_cased):
    hub_files = files_dir / "hub-work"
    vocab, merges = hub_files / "gpt2" / "vocab.json", hub_files / "gpt2" / "merges.txt"
    return {
        "GPT2BPETokenizer": g1_args(tokenizer_type="GPT2BPETokenizer", vocab_file=str(vocab),
                                    merge_file=str(merges)),
        "BertWordPieceLowerCase": g1_args(
            tokenizer_type="BertWordPieceLowerCase",
            vocab_file=str(hub_files / "bert-large-uncased" / "vocab.txt")),
        "BertWordPieceCase": g1_args(
            tokenizer_type="BertWordPieceCase",
            vocab_file=str(hub_files / "bert-large-cased" / "vocab.txt")),
        "SentencePieceTokenizer": g1_args(tokenizer_type="SentencePieceTokenizer",
                                          tokenizer_model=str(sentencepiece_v1)),
        "GPTSentencePieceTokenizer": g1_args(tokenizer_type="GPTSentencePieceTokenizer",
                                             tokenizer_model=str(sentencepiece_v3)),
        "Llama2Tokenizer": g1_args(tokenizer_type="Llama2Tokenizer",
                                   tokenizer_model=str(sentencepiece_v1),
                                   tokenizer_sentencepiece_legacy=True),
        "TikTokenizer": g1_args(tokenizer_type="TikTokenizer", tokenizer_model=str(tekken_json),
                                tiktoken_pattern="v2", vocab_size=131072),
        "HuggingFaceTokenizer": g1_args(tokenizer_type="HuggingFaceTokenizer",
                                        tokenizer_model=str(hf_tokenizer_dir)),
        "NullTokenizer": g1_args(tokenizer_type="NullTokenizer", vocab_size=500),
    }


def sample_texts(type_name: str, varied_texts: list[str]) -> list[str]:
    if type_name == "NullTokenizer":
        return ["1 2 3", "0", "499 17 17 4"]
    return varied_texts[:TEXT_SAMPLE]


def old_eod(old, old_args: argparse.Namespace) -> int:
    """0.16.1's eod; where it crashes, the id it was meant to return.

    With ``legacy=True``, 0.16.1's SentencePieceTokenizer looks up an ``eos_token`` attribute
    that only ``add_special_tokens`` with a dict creates (AttributeError); the SentencePiece
    model's own eos id is what the non-legacy path returns.
    """
    try:
        return old.eod
    except AttributeError:
        assert old_args.tokenizer_sentencepiece_legacy
        return old._tokenizer.tokenizer.eos_id()


@pytest.mark.parametrize(
    "type_name",
    ["GPT2BPETokenizer", "BertWordPieceLowerCase", "BertWordPieceCase", "SentencePieceTokenizer",
     "GPTSentencePieceTokenizer", "Llama2Tokenizer", "TikTokenizer", "HuggingFaceTokenizer",
     "NullTokenizer"],
)
def test_same_tokenizer_as_megatron_core_0_16_1(type_name, old_build, old_args_by_type,
                                                varied_texts):
    old_args = old_args_by_type[type_name]
    old = old_build(old_args)
    new_args = translate_namespace(old_args)
    new = build_tokenizer(new_args)

    assert new.vocab_size == old.vocab_size
    assert new.eod == old_eod(old, old_args)
    for text in sample_texts(type_name, varied_texts):
        assert list(new.tokenize(text)) == list(old.tokenize(text)), text
    multiple = DIVISOR * TENSOR_PARALLEL
    assert new_args.padded_vocab_size == math.ceil(old.vocab_size / multiple) * multiple
    assert not hasattr(old_args, "padded_vocab_size")  # the old args were not touched


def test_old_args_work_without_translating_first(old_args_by_type):
    args = old_args_by_type["SentencePieceTokenizer"]
    tokenizer = build_tokenizer(argparse.Namespace(**vars(args)))
    assert tokenizer.tokenize("hello world") == build_tokenizer(
        translate_namespace(args)).tokenize("hello world")


def test_only_tokenizer_type_and_model(sentencepiece_v1):
    """A hand-built Namespace (tests/unit_tests/data/test_builder.py style, reference C13)."""
    args = argparse.Namespace(tokenizer_type="SentencePieceTokenizer",
                              tokenizer_model=str(sentencepiece_v1))
    tokenizer = build_tokenizer(args)
    assert tokenizer.vocab_size == 32000
    assert args.padded_vocab_size == 32000


def test_overrides_win(sentencepiece_v1):
    args = argparse.Namespace(tokenizer_library="null", vocab_size=10)
    assert build_tokenizer(args, vocab_size=20).vocab_size == 21


def test_t5_default_type_does_not_override_the_model(offline_hub, files_dir):
    """pretrain_t5.py's default tokenizer_type is BertWordPieceLowerCase (reference §1 item 5)."""
    vocab = files_dir / "hub-work" / "bert-large-cased" / "vocab.txt"
    args = argparse.Namespace(tokenizer_type="BertWordPieceLowerCase",
                              tokenizer_library="megatron", tokenizer_model="BertWordPieceCase",
                              vocab_file=str(vocab))
    tokenizer = build_tokenizer(args)
    # cased: "Hello" and "hello" differ; 2000 WordPiece entries + 100 <extra_id_*>
    assert tokenizer.tokenize("Hello") != tokenizer.tokenize("hello")
    assert tokenizer.vocab_size == 2100


# --- types megatron-core 0.16.1 lacks: the reference's description (§6, §7.2, §5) ---------------


def test_multimodal_type(hf_tokenizer_dir):
    from transformers import AutoTokenizer

    args = argparse.Namespace(tokenizer_type="MultimodalTokenizer",
                              tokenizer_model=str(hf_tokenizer_dir),
                              tokenizer_prompt_format="chatml", special_tokens=["<image>"],
                              image_tag_type="", force_system_message=False)
    tokenizer = build_tokenizer(args)
    backend = AutoTokenizer.from_pretrained(str(hf_tokenizer_dir))
    assert type(tokenizer._tokenizer).__name__ == "MegatronMultimodalTokenizer"
    # vocab_size counts the HF tokenizer before the special tokens are added
    assert tokenizer.vocab_size == len(backend)
    assert tokenizer.tokenize("hello world") == backend.encode("hello world")
    ids, target = tokenizer.tokenize_conversation(
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}],
        True, False)
    assert len(ids) == len(target)


def test_null_multimodal_type_builds():
    """Upstream G3 raises TypeError here (mode kwargs passed to a library that takes none)."""
    args = argparse.Namespace(tokenizer_type="NullMultimodalTokenizer", vocab_size=127,
                              tokenizer_prompt_format="chatml")
    tokenizer = build_tokenizer(args)
    assert tokenizer.vocab_size == 128
    assert tokenizer.eod == 127
    assert list(tokenizer.tokenize("1 2 3")) == [1, 2, 3]


def test_sft_type(hf_tokenizer_dir):
    from transformers import AutoTokenizer

    args = argparse.Namespace(tokenizer_type="SFTTokenizer", tokenizer_model=str(hf_tokenizer_dir),
                              sft_tokenizer_prompt_format="nemotron-h-aligned")
    tokenizer = build_tokenizer(args)
    backend = AutoTokenizer.from_pretrained(str(hf_tokenizer_dir))
    assert tokenizer.vocab_size == len(backend)
    conversation = [{"role": "system", "content": "be nice"},
                    {"role": "user", "content": "hi"},
                    {"role": "assistant", "content": "hello"}]
    ids, target = tokenizer.tokenize_conversation(conversation, True, False)
    assert len(ids) == len(target)
    # the system and user turns are masked, the assistant's answer is not
    assert any(int(t) == -100 for t in target) and any(int(t) != -100 for t in target)


def test_sft_type_without_prompt_format_uses_the_old_default(hf_tokenizer_dir):
    args = argparse.Namespace(tokenizer_type="SFTTokenizer", tokenizer_model=str(hf_tokenizer_dir))
    tokenizer = build_tokenizer(args)
    ids = tokenizer.tokenize_conversation([{"role": "user", "content": "hi"}], False, True)
    assert len(ids) > 0


# --- the argv route: old command line → translate_argv → new parser → build_tokenizer ----------


def g1_parser() -> argparse.ArgumentParser:
    """The tokenizer flags of Megatron-LM core_v0.16.1's parser (reference §8.1, G1 column)."""
    parser = argparse.ArgumentParser(allow_abbrev=False)
    add = parser.add_argument
    add("--tokenizer-type", type=str, default=None)
    add("--tokenizer-model", type=str, default=None)
    add("--tokenizer-metadata", type=str, default=None)
    add("--tokenizer-special-tokens", type=str, nargs="+", default=None)
    add("--tiktoken-special-tokens", type=str, nargs="+", default=None)
    add("--tiktoken-pattern", type=str, default=None)
    add("--tiktoken-num-special-tokens", type=int, default=1000)
    add("--tokenizer-sentencepiece-legacy", action="store_true")
    add("--tokenizer-hf-use-fast", action="store_true")
    add("--tokenizer-hf-include-special-tokens", action="store_true")
    add("--trust-remote-code", action="store_true")
    add("--legacy-tokenizer", action="store_true")
    add("--vocab-size", type=int, default=None)
    add("--vocab-file", type=str, default=None)
    add("--merge-file", type=str, default=None)
    add("--sft-tokenizer-prompt-format", type=str, default="nemotron-h-aligned")
    return parser


def g1_parse(argv: list[str]) -> argparse.Namespace:
    args = g1_parser().parse_args(argv)
    # G1's validate_args: the deprecated tiktoken flag fills the unset new one (reference §8.2)
    if args.tiktoken_special_tokens and not args.tokenizer_special_tokens:
        args.tokenizer_special_tokens = args.tiktoken_special_tokens
    return args


def new_parse(argv: tuple[str, ...]) -> argparse.Namespace:
    from compat.args import add_tokenizer_args, validate_tokenizer_args

    parser = add_tokenizer_args(argparse.ArgumentParser(allow_abbrev=False))
    args = parser.parse_args(list(argv))
    args.tensor_model_parallel_size, args.rank = TENSOR_PARALLEL, 0
    return validate_tokenizer_args(args)


# The two HF switches are given because G2 made them the default (G1 defaulted to off): an old
# argv that relies on the G2 default is what the translator is for.
HF_ON = ["--tokenizer-hf-use-fast", "--tokenizer-hf-include-special-tokens"]


@pytest.fixture(scope="module")
def old_argvs(offline_hub, files_dir, sentencepiece_v1, sentencepiece_v3, tekken_json,
              hf_tokenizer_dir) -> dict[str, list[str]]:
    hub_files = files_dir / "hub-work"
    return {
        "GPT2BPETokenizer": ["--tokenizer-type", "GPT2BPETokenizer", "--vocab-file",
                             str(hub_files / "gpt2" / "vocab.json"), "--merge-file",
                             str(hub_files / "gpt2" / "merges.txt"), *HF_ON],
        "BertWordPieceLowerCase": ["--tokenizer-type=BertWordPieceLowerCase", "--vocab-file",
                                   str(hub_files / "bert-large-uncased" / "vocab.txt"), *HF_ON],
        "BertWordPieceCase": ["--tokenizer-type", "BertWordPieceCase", "--vocab-file",
                              str(hub_files / "bert-large-cased" / "vocab.txt"), *HF_ON,
                              "--tokenizer-special-tokens", "<dropped_by_t5>"],
        "SentencePieceTokenizer": ["--tokenizer-type", "SentencePieceTokenizer",
                                   "--tokenizer-model", str(sentencepiece_v1)],
        "GPTSentencePieceTokenizer": ["--tokenizer-model", str(sentencepiece_v3),
                                      "--tokenizer-type=GPTSentencePieceTokenizer"],
        "Llama2Tokenizer": ["--tokenizer-type", "Llama2Tokenizer", "--tokenizer-model",
                            str(sentencepiece_v1), "--tokenizer-sentencepiece-legacy",
                            "--tiktoken-special-tokens", "<eod>", "<mask>"],
        "TikTokenizer": ["--tokenizer-type", "TikTokenizer", "--tokenizer-model",
                         str(tekken_json), "--tiktoken-pattern", "v2", "--vocab-size", "131072",
                         "--tiktoken-special-tokens", "<unk>", "<s>", "</s>", "<mask>", "<pad>",
                         "<cls>", "<sep>", "<tool_call>"],
        "TikTokenizer-few-specials": ["--tokenizer-type", "TikTokenizer", "--tokenizer-model",
                                      str(tekken_json), "--tiktoken-pattern", "v1",
                                      "--tiktoken-num-special-tokens", "100"],
        "HuggingFaceTokenizer": ["--tokenizer-type", "HuggingFaceTokenizer", "--tokenizer-model",
                                 str(hf_tokenizer_dir), *HF_ON, "--tokenizer-special-tokens",
                                 "<my_tool>", "--legacy-tokenizer"],
        "NullTokenizer": ["--tokenizer-type", "NullTokenizer", "--vocab-size", "777"],
    }


@pytest.mark.parametrize(
    "case",
    ["GPT2BPETokenizer", "BertWordPieceLowerCase", "BertWordPieceCase", "SentencePieceTokenizer",
     "GPTSentencePieceTokenizer", "Llama2Tokenizer", "TikTokenizer", "TikTokenizer-few-specials",
     "HuggingFaceTokenizer", "NullTokenizer"],
)
def test_translated_argv_builds_the_old_tokenizer(case, old_build, old_argvs, varied_texts):
    old_argv = old_argvs[case]
    old_args = g1_parse(old_argv)
    old = old_build(old_args)

    translation = translate_argv(old_argv)
    assert translation.errors == ()
    assert not any(word.startswith(("--tokenizer-type", "--tiktoken-special", "--tokenizer-hf-use",
                                    "--tokenizer-hf-include", "--legacy-tokenizer"))
                   for word in translation.argv)
    new_args = new_parse(translation.argv)
    new = build_tokenizer(new_args)

    assert new.vocab_size == old.vocab_size
    assert new.eod == old_eod(old, old_args)
    texts = sample_texts(case, varied_texts)
    special = old_args.tokenizer_special_tokens or []
    texts += [f"a{token}b {token} c" for token in special]
    for text in texts:
        assert list(new.tokenize(text)) == list(old.tokenize(text)), text
    multiple = DIVISOR * TENSOR_PARALLEL
    assert new_args.padded_vocab_size == math.ceil(old.vocab_size / multiple) * multiple


CONVERSATION = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi there"},
                {"role": "assistant", "content": "hello world"}]


@pytest.mark.parametrize("prompt_format", ["nemotron-h-aligned", "nemotron-nano-v2", "identity",
                                           None])
def test_sft_argv_builds_what_g3_describes(prompt_format, hf_tokenizer_dir):
    """§5.4: SFT is the huggingface library with ``prompt_format`` (default nemotron-h-aligned)."""
    from compat.tokenizers import MegatronTokenizer

    old_argv = ["--tokenizer-type", "SFTTokenizer", "--tokenizer-model", str(hf_tokenizer_dir)]
    if prompt_format is not None:
        old_argv += ["--sft-tokenizer-prompt-format", prompt_format]
    translation = translate_argv(old_argv)
    assert translation.errors == ()
    built = build_tokenizer(new_parse(translation.argv))
    described = MegatronTokenizer.from_pretrained(
        str(hf_tokenizer_dir), metadata_path={"library": "huggingface"},
        prompt_format=prompt_format or "nemotron-h-aligned")
    ids, target = built.tokenize_conversation(CONVERSATION, True, False)
    expected_ids, expected_target = described.tokenize_conversation(CONVERSATION, True, False)
    assert list(ids) == list(expected_ids)
    assert list(target) == list(expected_target)
    assert built.pad == described.pad


def test_the_sft_prompt_format_reaches_the_tokenizer(hf_tokenizer_dir):
    def conversation_ids(prompt_format: str) -> list[int]:
        argv = ["--tokenizer-type", "SFTTokenizer", "--tokenizer-model", str(hf_tokenizer_dir),
                "--sft-tokenizer-prompt-format", prompt_format]
        tokenizer = build_tokenizer(new_parse(translate_argv(argv).argv))
        return list(tokenizer.tokenize_conversation(CONVERSATION, False, False))

    assert conversation_ids("identity") != conversation_ids("nemotron-h-aligned")


def test_old_args_warn_once_at_the_callers_line(monkeypatch):
    """tools/preprocess_data.py builds from unvalidated args: the warning must still come."""
    import warnings

    from compat import MegatronTokenizerDeprecationWarning

    monkeypatch.delenv("MEGATRON_COMPAT_STRICT", raising=False)
    old = argparse.Namespace(tokenizer_type="NullTokenizer", vocab_size=10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_tokenizer(old)
    (warning,) = [w for w in caught if issubclass(w.category, MegatronTokenizerDeprecationWarning)]
    assert "--tokenizer-type NullTokenizer" in str(warning.message)
    assert "--tokenizer-library null" in str(warning.message)
    assert warning.filename == __file__
    assert old.tokenizer_type == "NullTokenizer" and not hasattr(old, "tokenizer_library")

    new = argparse.Namespace(tokenizer_library="null", vocab_size=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_tokenizer(new)


def test_a_g1_argv_without_the_hf_switches_keeps_g1_ids_with_the_opt_outs(old_build, old_argvs):
    """G1 defaulted both HF switches to off, G2 on (docs/args.md): the documented opt-outs."""
    g1_argv = [word for word in old_argvs["BertWordPieceLowerCase"] if word not in HF_ON]
    old = old_build(g1_parse(g1_argv))
    translated = list(translate_argv(g1_argv).argv)
    with_g2_defaults = build_tokenizer(new_parse(tuple(translated)))
    opted_out = build_tokenizer(new_parse((*translated, "--tokenizer-hf-no-use-fast",
                                           "--tokenizer-hf-no-include-special-tokens")))
    text = "hello world"
    assert opted_out.tokenize(text) == old.tokenize(text)
    # G2's default adds [CLS] ... [SEP] around the same ids
    assert with_g2_defaults.tokenize(text)[1:-1] == old.tokenize(text)
