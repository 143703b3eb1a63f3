"""build_tokenizer from old args and old command lines, against both references' builders.

megatron-core 0.16.1 (``text.utils.build_tokenizer``, G1 args) and 0.19.2
(``utils.build_tokenizer``, args named as its ``TokenizerConfig``): same real tokenizer files,
same old args or argv, so same ids, vocab size, end-of-document id and padded vocab size. The
argv route translates with ``source=`` the reference's release, which keeps its behaviour where
the new API changed it (G1's Hugging Face defaults, the null tokenizer's sizes). The
megatron-library types load their hub names (``gpt2``, ``bert-large-*``) from a private offline
hub cache filled with our own files (``offline_hub`` fixture). The three types 0.16.1 lacks
(Multimodal, NullMultimodal, SFT) are checked against the reference's description.
"""

from __future__ import annotations

import argparse
import math

import pytest
from references import G1_VERSION, LATEST_VERSION
from references import g1_args as g1_parser_args

from compat import releases
from compat.args import translate_argv, translate_namespace
from compat.tokenizers.utils.build_tokenizer import build_tokenizer

# Building from old args warns (asserted in test_old_args_warn_once_at_the_callers_line).
pytestmark = pytest.mark.filterwarnings("ignore::compat.MegatronTokenizerDeprecationWarning")

TEXT_SAMPLE = 300
DIVISOR, TENSOR_PARALLEL = 128, 2
TYPES = [
    "GPT2BPETokenizer",
    "BertWordPieceLowerCase",
    "BertWordPieceCase",
    "SentencePieceTokenizer",
    "GPTSentencePieceTokenizer",
    "Llama2Tokenizer",
    "TikTokenizer",
    "HuggingFaceTokenizer",
    "NullTokenizer",
]
RELEASE_OF = {G1_VERSION: releases.G1, LATEST_VERSION: releases.RELEASE_0_19}
_PARALLEL = dict(
    make_vocab_size_divisible_by=DIVISOR, tensor_model_parallel_size=TENSOR_PARALLEL, rank=0
)


def g1_args(**attributes) -> argparse.Namespace:
    return g1_parser_args(**{**_PARALLEL, **attributes})


def latest_args(**attributes) -> argparse.Namespace:
    """The attributes megatron-core 0.19.2's TokenizerConfig gives (core_v0.19.0's
    ``megatron/training/config/training_config.py``), with its defaults."""
    defaults = dict(
        vocab_size=None,
        padded_vocab_size=None,
        pad_vocab_size=True,
        vocab_file=None,
        merge_file=None,
        vocab_extra_ids=0,
        tokenizer_type=None,
        tokenizer_model=None,
        metadata_path=None,
        special_tokens=None,
        tiktoken_pattern=None,
        tiktoken_num_special_tokens=1000,
        tokenizer_sentencepiece_legacy=False,
        tokenizer_sentencepiece_ignore_extra_whitespaces=True,
        tokenizer_hf_no_use_fast=False,
        tokenizer_hf_no_include_special_tokens=False,
        trust_remote_code=False,
        null_tokenizer_eod_id=None,
        null_tokenizer_pad_id=-1,
        chat_template=None,
        sft_tokenizer_prompt_format="nemotron-h-aligned",
        **_PARALLEL,
    )
    return argparse.Namespace(**{**defaults, **attributes})


def reference_args(reference, **attributes) -> argparse.Namespace:
    if reference.version == G1_VERSION:
        return g1_args(**attributes)
    renamed = {"tokenizer_special_tokens": "special_tokens", "tokenizer_metadata": "metadata_path"}
    return latest_args(**{renamed.get(name, name): value for name, value in attributes.items()})


@pytest.fixture(scope="module")
def old_build(reference):
    module = (
        "text.utils.build_tokenizer" if reference.version == G1_VERSION else "utils.build_tokenizer"
    )
    return reference.module(module).build_tokenizer


@pytest.fixture(scope="module")
def old_args_by_type(
    reference,
    offline_hub,
    files_dir,
    sentencepiece_v1,
    sentencepiece_v3,
    tekken_json,
    hf_tokenizer_dir,
):
    hub_files = files_dir / "hub-work"
    vocab, merges = hub_files / "gpt2" / "vocab.json", hub_files / "gpt2" / "merges.txt"

    def args(**attributes):
        return reference_args(reference, **attributes)

    return {
        "GPT2BPETokenizer": args(
            tokenizer_type="GPT2BPETokenizer", vocab_file=str(vocab), merge_file=str(merges)
        ),
        "BertWordPieceLowerCase": args(
            tokenizer_type="BertWordPieceLowerCase",
            vocab_file=str(hub_files / "bert-large-uncased" / "vocab.txt"),
        ),
        "BertWordPieceCase": args(
            tokenizer_type="BertWordPieceCase",
            vocab_file=str(hub_files / "bert-large-cased" / "vocab.txt"),
        ),
        "SentencePieceTokenizer": args(
            tokenizer_type="SentencePieceTokenizer", tokenizer_model=str(sentencepiece_v1)
        ),
        "GPTSentencePieceTokenizer": args(
            tokenizer_type="GPTSentencePieceTokenizer", tokenizer_model=str(sentencepiece_v3)
        ),
        "Llama2Tokenizer": args(
            tokenizer_type="Llama2Tokenizer",
            tokenizer_model=str(sentencepiece_v1),
            tokenizer_sentencepiece_legacy=True,
        ),
        "TikTokenizer": args(
            tokenizer_type="TikTokenizer",
            tokenizer_model=str(tekken_json),
            tiktoken_pattern="v2",
            vocab_size=131072,
        ),
        "HuggingFaceTokenizer": args(
            tokenizer_type="HuggingFaceTokenizer", tokenizer_model=str(hf_tokenizer_dir)
        ),
        "NullTokenizer": args(tokenizer_type="NullTokenizer", vocab_size=500),
    }


def sample_texts(type_name: str, varied_texts: list[str]) -> list[str]:
    if type_name.startswith("NullTokenizer"):
        return ["1 2 3", "0", "499 17 17 4"]
    return varied_texts[:TEXT_SAMPLE]


def old_eod(old, old_args: argparse.Namespace) -> int:
    """The reference's eod; where it crashes, the id it was meant to return.

    With ``legacy=True``, the references' SentencePieceTokenizer looks up an ``eos_token``
    attribute that only ``add_special_tokens`` with a dict creates (AttributeError); the
    SentencePiece model's own eos id is what the non-legacy path returns.
    """
    try:
        return old.eod
    except AttributeError:
        assert old_args.tokenizer_sentencepiece_legacy
        return old._tokenizer.tokenizer.eos_id()


def assert_same_build(new, new_args, old, old_args, texts) -> None:
    assert new.vocab_size == old.vocab_size
    assert new.eod == old_eod(old, old_args)
    for text in texts:
        assert list(new.tokenize(text)) == list(old.tokenize(text)), text
    multiple = DIVISOR * TENSOR_PARALLEL
    assert new_args.padded_vocab_size == math.ceil(old.vocab_size / multiple) * multiple


@pytest.mark.parametrize("type_name", TYPES)
def test_same_tokenizer_as_the_references_builder(
    type_name, old_build, old_args_by_type, varied_texts
):
    old_args = old_args_by_type[type_name]
    before = dict(vars(old_args))
    old = old_build(argparse.Namespace(**before))
    new_args = translate_namespace(old_args)
    new = build_tokenizer(new_args)

    assert_same_build(new, new_args, old, old_args, sample_texts(type_name, varied_texts))
    assert vars(old_args) == before  # the old args were not touched


def test_null_sizes_follow_the_release_that_saved_the_args(old_args_by_type, reference):
    """0.16.1's parser (positive HF switches, no tokenizer_library) saved N + 1 sizes; 0.19.2's
    TokenizerConfig saves N (upstream #4057)."""
    new = build_tokenizer(translate_namespace(old_args_by_type["NullTokenizer"]))
    expected = (501, 500) if reference.version == G1_VERSION else (500, 499)
    assert (new.vocab_size, new.eod) == expected


def test_null_eod_and_pad_ids_reach_the_tokenizer_as_in_0_19_2(reference, old_build):
    if reference.version == G1_VERSION:
        pytest.skip("megatron-core 0.16.1 has no --null-tokenizer-eod-id/--null-tokenizer-pad-id")
    old_args = latest_args(
        tokenizer_type="NullTokenizer",
        vocab_size=64,
        null_tokenizer_eod_id=0,
        null_tokenizer_pad_id=63,
    )
    old = old_build(argparse.Namespace(**vars(old_args)))
    new = build_tokenizer(translate_namespace(old_args))
    assert (new.vocab_size, new.eod, new.pad) == (old.vocab_size, old.eod, old.pad) == (64, 0, 63)


def test_chat_template_and_kept_whitespace_reach_the_tokenizer_as_in_0_19_2(
    reference, old_build, sentencepiece_v1, hf_tokenizer_dir
):
    if reference.version == G1_VERSION:
        pytest.skip("megatron-core 0.16.1's builder has no chat_template / whitespace switch")
    template = "{% for m in messages %}[{{ m['content'] }}]{% endfor %}"
    cases = [
        latest_args(
            tokenizer_type="HuggingFaceTokenizer",
            tokenizer_model=str(hf_tokenizer_dir),
            chat_template=template,
        ),
        latest_args(
            tokenizer_type="SentencePieceTokenizer",
            tokenizer_model=str(sentencepiece_v1),
            chat_template=template,
            tokenizer_sentencepiece_ignore_extra_whitespaces=False,
        ),
    ]
    conversation = [{"role": "user", "content": "a  b"}]
    for old_args in cases:
        old = old_build(argparse.Namespace(**vars(old_args)))
        new = build_tokenizer(translate_namespace(old_args))
        assert new.chat_template == old.chat_template == template
        assert new.apply_chat_template(conversation, tokenize=False) == "[a  b]"
        assert new.tokenize("a   b") == old.tokenize("a   b")


def test_padding_is_skipped_without_pad_vocab_size_as_in_main(sentencepiece_v1):
    args = latest_args(
        tokenizer_type="SentencePieceTokenizer",
        tokenizer_model=str(sentencepiece_v1),
        pad_vocab_size=False,
    )
    build_tokenizer(args)
    assert args.padded_vocab_size is None


def test_gigatoken_is_refused_with_the_fix(hf_tokenizer_dir):
    from compat.args import TokenizerArgsError

    args = latest_args(
        tokenizer_type="HuggingFaceTokenizer",
        tokenizer_model=str(hf_tokenizer_dir),
        use_gigatoken=True,
    )
    with pytest.raises(TokenizerArgsError, match="drop it"):
        build_tokenizer(args)


def test_old_args_work_without_translating_first(old_args_by_type):
    args = old_args_by_type["SentencePieceTokenizer"]
    tokenizer = build_tokenizer(argparse.Namespace(**vars(args)))
    assert tokenizer.tokenize("hello world") == build_tokenizer(translate_namespace(args)).tokenize(
        "hello world"
    )


def test_only_tokenizer_type_and_model(sentencepiece_v1):
    """A hand-built Namespace (tests/unit_tests/data/test_builder.py style, reference C13)."""
    args = argparse.Namespace(
        tokenizer_type="SentencePieceTokenizer", tokenizer_model=str(sentencepiece_v1)
    )
    tokenizer = build_tokenizer(args)
    assert tokenizer.vocab_size == 32000
    assert args.padded_vocab_size == 32000


def test_overrides_win(sentencepiece_v1):
    args = argparse.Namespace(tokenizer_library="null", vocab_size=10)
    assert build_tokenizer(args, vocab_size=20).vocab_size == 20


def test_t5_default_type_does_not_override_the_model(offline_hub, files_dir):
    """pretrain_t5.py's default tokenizer_type is BertWordPieceLowerCase (reference §1 item 5)."""
    vocab = files_dir / "hub-work" / "bert-large-cased" / "vocab.txt"
    args = argparse.Namespace(
        tokenizer_type="BertWordPieceLowerCase",
        tokenizer_library="megatron",
        tokenizer_model="BertWordPieceCase",
        vocab_file=str(vocab),
    )
    tokenizer = build_tokenizer(args)
    # cased: "Hello" and "hello" differ; 2000 WordPiece entries + 100 <extra_id_*>
    assert tokenizer.tokenize("Hello") != tokenizer.tokenize("hello")
    assert tokenizer.vocab_size == 2100


# --- types megatron-core 0.16.1 lacks: the reference's description (§6, §7.2, §5) ---------------


def test_multimodal_type(hf_tokenizer_dir):
    from transformers import AutoTokenizer

    args = argparse.Namespace(
        tokenizer_type="MultimodalTokenizer",
        tokenizer_model=str(hf_tokenizer_dir),
        tokenizer_prompt_format="chatml",
        special_tokens=["<image>"],
        image_tag_type="",
        force_system_message=False,
    )
    tokenizer = build_tokenizer(args)
    backend = AutoTokenizer.from_pretrained(str(hf_tokenizer_dir))
    assert type(tokenizer._tokenizer).__name__ == "MegatronMultimodalTokenizer"
    # vocab_size counts the HF tokenizer before the special tokens are added
    assert tokenizer.vocab_size == len(backend)
    assert tokenizer.tokenize("hello world") == backend.encode("hello world")
    ids, target = tokenizer.tokenize_conversation(
        [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}], True, False
    )
    assert len(ids) == len(target)


def test_null_multimodal_type_builds():
    """Upstream G3 raises TypeError here (mode kwargs passed to a library that takes none)."""
    args = argparse.Namespace(
        tokenizer_type="NullMultimodalTokenizer", vocab_size=127, tokenizer_prompt_format="chatml"
    )
    tokenizer = build_tokenizer(args)
    assert tokenizer.vocab_size == 128
    assert tokenizer.eod == 127
    assert list(tokenizer.tokenize("1 2 3")) == [1, 2, 3]


def test_null_multimodal_ignores_the_text_null_tokenizers_ids():
    """upstream's --null-tokenizer-eod-id/--pad-id are NullTokenizer's (#4057) only."""
    args = latest_args(
        tokenizer_type="NullMultimodalTokenizer",
        vocab_size=127,
        null_tokenizer_eod_id=3,
        image_tag_type="",
        force_system_message=False,
    )
    tokenizer = build_tokenizer(args)
    assert (tokenizer.vocab_size, tokenizer.eod) == (128, 127)


def test_sft_type(hf_tokenizer_dir):
    from transformers import AutoTokenizer

    args = argparse.Namespace(
        tokenizer_type="SFTTokenizer",
        tokenizer_model=str(hf_tokenizer_dir),
        sft_tokenizer_prompt_format="nemotron-h-aligned",
    )
    tokenizer = build_tokenizer(args)
    backend = AutoTokenizer.from_pretrained(str(hf_tokenizer_dir))
    assert tokenizer.vocab_size == len(backend)
    conversation = [
        {"role": "system", "content": "be nice"},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
    ]
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


def latest_parser() -> argparse.ArgumentParser:
    """The tokenizer flags core_v0.19.0's ``TokenizerConfig`` generates (``ArgumentGroupFactory``:
    a True-default bool becomes ``--no-...``/``--disable-...``), plus ``--sft-tokenizer-prompt-
    format``. ``--tokenizer-metadata``/``--tokenizer-special-tokens`` keep their flag names but
    fill ``metadata_path``/``special_tokens``."""
    parser = argparse.ArgumentParser(allow_abbrev=False)
    add = parser.add_argument
    add("--vocab-size", type=int, default=None)
    add("--padded-vocab-size", type=int, default=None)
    add(
        "--no-pad-vocab-size",
        "--disable-pad-vocab-size",
        dest="pad_vocab_size",
        action="store_false",
    )
    add("--vocab-file", type=str, default=None)
    add("--merge-file", type=str, default=None)
    add(
        "--tokenizer-type",
        type=str,
        default=None,
        choices=[
            "BertWordPieceLowerCase",
            "BertWordPieceCase",
            "GPT2BPETokenizer",
            "SentencePieceTokenizer",
            "GPTSentencePieceTokenizer",
            "HuggingFaceTokenizer",
            "Llama2Tokenizer",
            "TikTokenizer",
            "MultimodalTokenizer",
            "NullTokenizer",
            "NullMultimodalTokenizer",
            "SFTTokenizer",
        ],
    )
    add("--tokenizer-model", type=str, default=None)
    add("--tokenizer-metadata", dest="metadata_path", type=str, default=None)
    add("--tokenizer-special-tokens", dest="special_tokens", type=str, nargs="+", default=None)
    add("--tiktoken-pattern", type=str, default=None, choices=["v1", "v2"])
    add("--tiktoken-num-special-tokens", type=int, default=1000)
    add("--tokenizer-sentencepiece-legacy", action="store_true")
    add(
        "--no-tokenizer-sentencepiece-ignore-extra-whitespaces",
        "--disable-tokenizer-sentencepiece-ignore-extra-whitespaces",
        dest="tokenizer_sentencepiece_ignore_extra_whitespaces",
        action="store_false",
    )
    add("--tokenizer-hf-no-use-fast", action="store_true")
    add("--tokenizer-hf-no-include-special-tokens", action="store_true")
    add("--trust-remote-code", action="store_true")
    add("--null-tokenizer-eod-id", type=int, default=None)
    add("--null-tokenizer-pad-id", type=int, default=-1)
    add("--chat-template", type=str, default=None)
    add("--sft-tokenizer-prompt-format", type=str, default="nemotron-h-aligned")
    return parser


def reference_parse(reference, argv: list[str]) -> argparse.Namespace:
    if reference.version == G1_VERSION:
        args = g1_parser().parse_args(argv)
        # G1's validate_args: the deprecated tiktoken flag fills the unset new one (§8.2)
        if args.tiktoken_special_tokens and not args.tokenizer_special_tokens:
            args.tokenizer_special_tokens = args.tiktoken_special_tokens
    else:
        args = latest_parser().parse_args(argv)
    for name, value in _PARALLEL.items():
        setattr(args, name, value)
    return args


def new_parse(argv: tuple[str, ...]) -> argparse.Namespace:
    from compat.args import add_tokenizer_args, validate_tokenizer_args

    parser = add_tokenizer_args(argparse.ArgumentParser(allow_abbrev=False))
    args = parser.parse_args(list(argv))
    args.tensor_model_parallel_size, args.rank = TENSOR_PARALLEL, 0
    return validate_tokenizer_args(args)


# G2 made the two HF switches the default (G1: off). A G1 argv that passes them runs the same on
# every release, so the translator needs no source for it; one that does not (the "-g1-defaults"
# cases) needs source=G1.
HF_ON = ["--tokenizer-hf-use-fast", "--tokenizer-hf-include-special-tokens"]
G1_ONLY_CASES = ("GPT2BPETokenizer-g1-defaults", "HuggingFaceTokenizer-g1-defaults")
LATEST_ONLY_CASES = ("NullTokenizer-ids", "SentencePieceTokenizer-kept-whitespace")
ARGV_CASES = [
    "GPT2BPETokenizer",
    "BertWordPieceLowerCase",
    "BertWordPieceCase",
    "SentencePieceTokenizer",
    "GPTSentencePieceTokenizer",
    "Llama2Tokenizer",
    "TikTokenizer",
    "TikTokenizer-few-specials",
    "HuggingFaceTokenizer",
    "NullTokenizer",
    *G1_ONLY_CASES,
    *LATEST_ONLY_CASES,
]


@pytest.fixture(scope="module")
def argv_files(
    offline_hub, files_dir, sentencepiece_v1, sentencepiece_v3, tekken_json, hf_tokenizer_dir
) -> dict:
    return dict(
        files_dir=files_dir,
        sentencepiece_v1=sentencepiece_v1,
        sentencepiece_v3=sentencepiece_v3,
        tekken_json=tekken_json,
        hf_tokenizer_dir=hf_tokenizer_dir,
    )


@pytest.fixture(scope="module")
def old_argvs(reference, argv_files) -> dict[str, list[str]]:
    return argvs_for(reference.version == G1_VERSION, **argv_files)


def argvs_for(
    g1: bool, files_dir, sentencepiece_v1, sentencepiece_v3, tekken_json, hf_tokenizer_dir
) -> dict[str, list[str]]:
    """Each case's argv as the reference's parser takes it (0.19.2 has neither the positive HF
    switches, --tiktoken-special-tokens nor --legacy-tokenizer)."""
    hf_on = HF_ON if g1 else []
    hub_files = files_dir / "hub-work"
    tiktoken_tokens = "--tiktoken-special-tokens" if g1 else "--tokenizer-special-tokens"
    gpt2 = [
        "--tokenizer-type",
        "GPT2BPETokenizer",
        "--vocab-file",
        str(hub_files / "gpt2" / "vocab.json"),
        "--merge-file",
        str(hub_files / "gpt2" / "merges.txt"),
    ]
    hf = [
        "--tokenizer-type",
        "HuggingFaceTokenizer",
        "--tokenizer-model",
        str(hf_tokenizer_dir),
        "--tokenizer-special-tokens",
        "<my_tool>",
    ]
    argvs = {
        "GPT2BPETokenizer": [*gpt2, *hf_on],
        "BertWordPieceLowerCase": [
            "--tokenizer-type=BertWordPieceLowerCase",
            "--vocab-file",
            str(hub_files / "bert-large-uncased" / "vocab.txt"),
            *hf_on,
        ],
        "BertWordPieceCase": [
            "--tokenizer-type",
            "BertWordPieceCase",
            "--vocab-file",
            str(hub_files / "bert-large-cased" / "vocab.txt"),
            *hf_on,
            "--tokenizer-special-tokens",
            "<dropped_by_t5>",
        ],
        "SentencePieceTokenizer": [
            "--tokenizer-type",
            "SentencePieceTokenizer",
            "--tokenizer-model",
            str(sentencepiece_v1),
        ],
        "GPTSentencePieceTokenizer": [
            "--tokenizer-model",
            str(sentencepiece_v3),
            "--tokenizer-type=GPTSentencePieceTokenizer",
        ],
        "Llama2Tokenizer": [
            "--tokenizer-type",
            "Llama2Tokenizer",
            "--tokenizer-model",
            str(sentencepiece_v1),
            "--tokenizer-sentencepiece-legacy",
            tiktoken_tokens,
            "<eod>",
            "<mask>",
        ],
        "TikTokenizer": [
            "--tokenizer-type",
            "TikTokenizer",
            "--tokenizer-model",
            str(tekken_json),
            "--tiktoken-pattern",
            "v2",
            "--vocab-size",
            "131072",
            tiktoken_tokens,
            "<unk>",
            "<s>",
            "</s>",
            "<mask>",
            "<pad>",
            "<cls>",
            "<sep>",
            "<tool_call>",
        ],
        "TikTokenizer-few-specials": [
            "--tokenizer-type",
            "TikTokenizer",
            "--tokenizer-model",
            str(tekken_json),
            "--tiktoken-pattern",
            "v1",
            "--tiktoken-num-special-tokens",
            "100",
        ],
        "HuggingFaceTokenizer": [*hf, *hf_on, *(["--legacy-tokenizer"] if g1 else [])],
        "NullTokenizer": ["--tokenizer-type", "NullTokenizer", "--vocab-size", "777"],
        "GPT2BPETokenizer-g1-defaults": gpt2,
        "HuggingFaceTokenizer-g1-defaults": hf,
        "NullTokenizer-ids": [
            "--tokenizer-type",
            "NullTokenizer",
            "--vocab-size",
            "777",
            "--null-tokenizer-eod-id",
            "0",
            "--null-tokenizer-pad-id",
            "776",
        ],
        "SentencePieceTokenizer-kept-whitespace": [
            "--tokenizer-type",
            "SentencePieceTokenizer",
            "--tokenizer-model",
            str(sentencepiece_v1),
            "--no-tokenizer-sentencepiece-ignore-extra-whitespaces",
        ],
    }
    return argvs


def argv_case(reference, old_argvs, case: str) -> list[str]:
    only = G1_ONLY_CASES if reference.version == LATEST_VERSION else LATEST_ONLY_CASES
    if case in only:
        pytest.skip(f"{case} uses flags megatron-core {reference.version}'s parser lacks")
    return old_argvs[case]


def texts_for(case: str, argv: list[str], varied_texts: list[str]) -> list[str]:
    texts = sample_texts(case, varied_texts)
    if "--tokenizer-special-tokens" in argv or "--tiktoken-special-tokens" in argv:
        start = (
            max(
                i
                for i, w in enumerate(argv)
                if w in ("--tokenizer-special-tokens", "--tiktoken-special-tokens")
            )
            + 1
        )
        texts = texts + [
            f"a{token}b {token} c"
            for token in argv[start : start + 8]
            if not token.startswith("--")
        ]
    return texts


@pytest.mark.parametrize("case", ARGV_CASES)
def test_translated_argv_builds_the_references_tokenizer(
    case, reference, old_build, old_argvs, varied_texts
):
    """translate_argv(source=<the reference's release>) keeps its ids, sizes and padding."""
    old_argv = argv_case(reference, old_argvs, case)
    old_args = reference_parse(reference, old_argv)
    old = old_build(old_args)

    translation = translate_argv(old_argv, source=RELEASE_OF[reference.version])
    assert translation.errors == ()
    assert not any(
        word.startswith(
            (
                "--tokenizer-type",
                "--tiktoken-special",
                "--tokenizer-hf-use",
                "--tokenizer-hf-include",
                "--legacy-tokenizer",
            )
        )
        for word in translation.argv
    )
    new_args = new_parse(translation.argv)
    new = build_tokenizer(new_args)
    assert_same_build(new, new_args, old, old_args, texts_for(case, old_argv, varied_texts))


@pytest.mark.parametrize("case", ["GPT2BPETokenizer", "BertWordPieceCase", "HuggingFaceTokenizer"])
def test_an_unknown_source_needs_nothing_when_the_argv_says_it_all(
    case, reference, old_build, old_argvs, varied_texts
):
    """Without ``source``, an argv that spells out the HF switches builds the same tokenizer."""
    old_argv = argv_case(reference, old_argvs, case)
    old_args = reference_parse(reference, old_argv)
    translation = translate_argv(old_argv)
    assert translation.errors == ()
    # 0.19.2's argv has no HF switches (they are its defaults): the note about G1 is right there
    assert translation.notes == () or reference.version != G1_VERSION
    new_args = new_parse(translation.argv)
    assert_same_build(
        build_tokenizer(new_args),
        new_args,
        old_build(old_args),
        old_args,
        texts_for(case, old_argv, varied_texts),
    )


def test_an_unknown_source_gets_a_note_for_what_only_a_person_can_tell(reference, old_argvs):
    """NullTokenizer's sizes and G1's HF defaults depend on the release the script ran on."""
    for case, expected in (
        ("NullTokenizer", "add 1 to --vocab-size"),
        ("HuggingFaceTokenizer-g1-defaults", "--tokenizer-hf-no-use-fast"),
    ):
        if case in G1_ONLY_CASES and reference.version != G1_VERSION:
            continue
        translation = translate_argv(old_argvs[case])
        assert any(expected in note.message + note.suggestion for note in translation.notes)


def test_upstream_target_runs_the_g1_argv_on_0_19_2_with_g1_ids(argv_files, varied_texts):
    """A G1 command line, translated for Megatron-LM main (source=0.16), parsed and built by
    megatron-core 0.19.2, gives what 0.16.1 gave."""
    import references

    try:
        g1, latest = references.get(G1_VERSION), references.get(LATEST_VERSION)
    except references.ReferenceUnavailable as error:
        pytest.skip(f"needs both references: {error}")
    g1_build = g1.module("text.utils.build_tokenizer").build_tokenizer
    latest_build = latest.module("utils.build_tokenizer").build_tokenizer
    g1_argvs = argvs_for(True, **argv_files)
    for case in (
        "GPT2BPETokenizer-g1-defaults",
        "HuggingFaceTokenizer-g1-defaults",
        "HuggingFaceTokenizer",
        "TikTokenizer",
        "Llama2Tokenizer",
        "NullTokenizer",
    ):
        old_args = reference_parse(g1, g1_argvs[case])
        old = g1_build(old_args)
        translation = translate_argv(g1_argvs[case], target="upstream", source=releases.G1)
        assert translation.errors == (), case
        on_main = reference_parse(latest, list(translation.argv))
        new = latest_build(on_main)
        assert (new.vocab_size, old_eod(new, on_main)) == (old.vocab_size, old_eod(old, old_args))
        for text in texts_for(case, g1_argvs[case], varied_texts)[:100]:
            assert list(new.tokenize(text)) == list(old.tokenize(text)), (case, text)
        multiple = DIVISOR * TENSOR_PARALLEL
        assert on_main.padded_vocab_size == math.ceil(old.vocab_size / multiple) * multiple


CONVERSATION = [
    {"role": "system", "content": "be brief"},
    {"role": "user", "content": "hi there"},
    {"role": "assistant", "content": "hello world"},
]


@pytest.mark.parametrize(
    "prompt_format", ["nemotron-h-aligned", "nemotron-nano-v2", "identity", None]
)
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
        str(hf_tokenizer_dir),
        metadata_path={"library": "huggingface"},
        prompt_format=prompt_format or "nemotron-h-aligned",
    )
    ids, target = built.tokenize_conversation(CONVERSATION, True, False)
    expected_ids, expected_target = described.tokenize_conversation(CONVERSATION, True, False)
    assert list(ids) == list(expected_ids)
    assert list(target) == list(expected_target)
    assert built.pad == described.pad


def test_the_sft_prompt_format_reaches_the_tokenizer(hf_tokenizer_dir):
    def conversation_ids(prompt_format: str) -> list[int]:
        argv = [
            "--tokenizer-type",
            "SFTTokenizer",
            "--tokenizer-model",
            str(hf_tokenizer_dir),
            "--sft-tokenizer-prompt-format",
            prompt_format,
        ]
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
    assert "vocab_size N and eod N - 1 since megatron-core 0.18" in str(warning.message)
    assert warning.filename == __file__
    assert old.tokenizer_type == "NullTokenizer" and not hasattr(old, "tokenizer_library")

    new = argparse.Namespace(tokenizer_library="null", vocab_size=10)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_tokenizer(new)
