"""``python -m compat.args verify``: do the old flags and their translation build one tokenizer?

The old side is what megatron-core's ``build_tokenizer`` of the old release built from the old
flags (compat's legacy build path, which reproduces 0.16's and, with 0.17's Hugging Face
defaults, 0.17's); the new side is ``build_tokenizer`` on the argv :func:`translate_argv` gives.
Both tokenize the same texts; token ids, vocab size, eod, pad and padded vocab size must match.

This module imports no tokenizer backend until it builds one (``python -m compat.args`` reads
its help text at every run).
"""

from __future__ import annotations

import argparse
import numbers
import os
import shlex
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, NoReturn, TextIO

from compat import MegatronTokenizerDeprecationWarning
from compat.args.launch_script import script_words
from compat.args.namespace import add_tokenizer_args
from compat.args.translate import (
    LIBRARY_FLAG,
    MODE_FLAG,
    Translation,
    is_dynamic,
    translate_argv,
)
from compat.deprecations import (
    G1_BUILD_TOKENIZER_MODULE,
    G1_HF_SWITCH_FLAGS,
    G1_HF_SWITCHES,
    LEGACY_NAMES,
    TOKENIZER_TYPE_FLAG_NAME,
    TOKENIZER_TYPES,
    TokenizerType,
)
from compat.warn import STRICT_VARIABLE

RELEASE_OPTION = "--release"
TEXT_OPTION = "--text"
SCRIPT_OPTION = "--script"
VERIFY_VALUE_OPTIONS = (RELEASE_OPTION, TEXT_OPTION, SCRIPT_OPTION)

EXIT_SAME = 0
EXIT_DIFFERENT = 1
EXIT_USAGE = 2


@dataclass(frozen=True)
class OldRelease:
    """What the old flags meant on one megatron-core release (reference §7.1, §8.1)."""

    name: str
    label: str
    # G1's parser defaulted --tokenizer-hf-use-fast/--tokenizer-hf-include-special-tokens to
    # off and had no negative switches; G2 defaulted both on and added the negatives.
    hf_switches_on: bool


OLD_RELEASES: dict[str, OldRelease] = {
    "0.16": OldRelease("0.16", "megatron-core 0.16 (G1)", hf_switches_on=False),
    "0.17": OldRelease("0.17", "megatron-core 0.17 (G2)", hf_switches_on=True),
}
DEFAULT_RELEASE = "0.16"
HF_SWITCHES_ON_RELEASE = "0.17"

VERIFY_HELP = f"""\
usage: python -m compat.args verify [--release R] [--text FILE] [--script FILE] \
[-- <old argv...>]

Build the tokenizer the old flags gave on an old megatron-core release and the one their
translation (`python -m compat.args translate`) gives, tokenize the same texts with both, and
report whether token ids, vocab size, eod, pad and padded vocab size match. The old argv is a
command line as it was before migration (torchrun, the script and other flags may stay in it;
only the tokenizer flags, --make-vocab-size-divisible-by and --tensor-model-parallel-size are
read). Tokenizer files are read from the paths the flags name; nothing is downloaded or written.

options:
  --release R    the megatron-core release the old flags ran on: {", ".join(OLD_RELEASES)}
                 (default {DEFAULT_RELEASE}); they differ in the Hugging Face switches' defaults
  --text FILE    sample texts, one per line (UTF-8), instead of the built-in varied texts
  --script FILE  take the flags from the lines of a bash launch script that mention a tokenizer
                 flag; words after `--` are added after them (later flags win). Nothing is
                 expanded: a flag whose value is a $VARIABLE must be given after `--`

exit codes:
  0  every sample text gives the same ids, and every size and special id matches
  1  something differs (the first differing text and its ids are shown), or only one side
     could be built
  2  a usage error: no --tokenizer-type, a flag that cannot be translated, a value only known
     when the script runs, an unreadable file, a type verify does not compare, or neither
     tokenizer could be built
"""

# Varied texts: plain words, capitals, digits, punctuation, whitespace runs, several scripts,
# emoji, combining marks, special-token look-alikes and the empty text.
SAMPLE_TEXTS = (
    "",
    " ",
    "hello world",
    "Hello World!",
    "  leading and trailing  ",
    "The quick brown fox jumps over the lazy dog.",
    "Megatron-LM trains large language models with tensor and pipeline parallelism.",
    "numbers: 0 1 12 123 1234 12345 3.14159 -42 1e-4 1,000,000",
    "code: def f(x):\n    return {'a': [1, 2, 3]}  # comment",
    "tabs\tand\nnewlines\r\nand   runs   of   spaces",
    "café naïve Straße résumé",
    "東京 日本語のテキスト",
    "Привет, мир!",
    "مرحبا بالعالم",
    "שלום עולם",
    "한국어 텍스트",
    "emoji 🙂👍🏽😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "x\u0301 zero\u200bwidth",
    "<s> </s> <unk> <pad> <|endoftext|> <|im_start|>user [INST] [CLS] [SEP] [MASK]",
    "URLs https://example.com/a?b=c#d and e-mail someone@example.com",
    "a" * 64,
    "UPPER lower MiXeD 'quoted' \"double\" (paren) [bracket] {brace}",
)
# The null tokenizer reads its ids from the text: integers separated by single spaces.
NULL_SAMPLE_TEXTS = ("0", "1 2 3", "42 7 7 0", "5 4 3 2 1 0", "17")

_SHOWN_IDS = 24
_SHOWN_TEXT = 160


class VerifyUsageError(Exception):
    """Nothing to compare; the message names the fix."""


class _ArgvError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    """An argparse parser that reports errors instead of exiting."""

    def error(self, message: str) -> NoReturn:
        raise _ArgvError(message)


def _parser() -> argparse.ArgumentParser:
    parser = add_tokenizer_args(_Parser(add_help=False, allow_abbrev=False))
    parser.add_argument("--tensor-model-parallel-size", type=int, default=1)
    return parser


def tokenizer_flags() -> tuple[str, ...]:
    """Every flag verify reads (the option strings of its parser)."""
    return tuple(_parser()._option_string_actions)


def _parse(argv: Sequence[str], side: str) -> argparse.Namespace:
    try:
        args, _ = _parser().parse_known_args(list(argv))
    except _ArgvError as error:
        raise VerifyUsageError(f"the {side} command line cannot be read: {error}") from None
    return args


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def _refuse_dynamic_values(args: argparse.Namespace) -> None:
    for dest, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        dynamic = [v for v in values if isinstance(v, str) and is_dynamic(v)]
        if dynamic:
            raise VerifyUsageError(
                f"{_flag(dest)} is {dynamic[0]!r}, a value only known when the script runs: "
                f"give the real value after `--` (e.g. `... -- {_flag(dest)} <value>`)"
            )


def release_for(name: str) -> OldRelease:
    """The row of ``--release NAME`` (``0.16`` or ``0.16.1``)."""
    major_minor = ".".join(name.split(".")[:2])
    if major_minor in OLD_RELEASES and all(p.isdigit() for p in name.split(".")):
        return OLD_RELEASES[major_minor]
    raise VerifyUsageError(
        f"{RELEASE_OPTION} {name!r}: verify reproduces megatron-core "
        f"{' and '.join(OLD_RELEASES)} (later releases changed the null tokenizer and dropped "
        "old flags, which compat's legacy build path does not reproduce)"
    )


def _old_type(args: argparse.Namespace) -> TokenizerType:
    if args.tokenizer_library is not None or args.tokenizer_mode != "text":
        raise VerifyUsageError(
            f"the old command line already has {LIBRARY_FLAG} or {MODE_FLAG}: give the command "
            "line as it was before the migration"
        )
    if args.tokenizer_type is None:
        raise VerifyUsageError(
            f"no {TOKENIZER_TYPE_FLAG_NAME} in the old command line: verify compares what it "
            "built with what its translation builds"
        )
    row = TOKENIZER_TYPES[args.tokenizer_type]
    if row.mode != "text":
        raise VerifyUsageError(
            f"{TOKENIZER_TYPE_FLAG_NAME} {row.name} builds a tokenizer in {row.mode} mode; verify "
            "compares text-mode tokenizers only (it tokenizes no conversations or images)"
        )
    return row


_NEW_API_ATTRIBUTES = ("tokenizer_library", "tokenizer_mode", "tokenizer_prompt_format")


def _as_old_release(args: argparse.Namespace, release: OldRelease) -> argparse.Namespace:
    """``args`` as the old release's parser gave them: its Hugging Face switch defaults, and
    none of the new API's attributes (which tell the builder the args are not an old run's)."""
    for attribute in _NEW_API_ATTRIBUTES:
        if getattr(args, attribute, None) not in (None, "text"):
            raise VerifyUsageError(
                f"{release.label} had no {_flag(attribute)}: give the old flags the script ran with"
            )
        if hasattr(args, attribute):
            delattr(args, attribute)
    for positive, negative in G1_HF_SWITCHES.items():
        if release.hf_switches_on:
            setattr(args, positive, True)
            continue
        if getattr(args, negative):
            raise VerifyUsageError(
                f"{release.label} had no {_flag(negative)}; pass {RELEASE_OPTION} "
                f"{HF_SWITCHES_ON_RELEASE} if the script ran on {HF_SWITCHES_ON_RELEASE}"
            )
        setattr(args, positive, bool(getattr(args, positive)))
        delattr(args, negative)
    return args


@dataclass(frozen=True)
class Built:
    """One side: the tokenizer (or why it could not be built) and its padded vocab size."""

    tokenizer: Any
    padded_vocab_size: int | None
    failure: str = ""


@contextmanager
def _old_api_allowed() -> Iterator[None]:
    """verify builds from the old flags on purpose: no deprecation warning, no strict-mode
    error (the command exists to check old flags, also in CI)."""
    strict = os.environ.pop(STRICT_VARIABLE, None)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MegatronTokenizerDeprecationWarning)
            yield
    finally:
        if strict is not None:
            os.environ[STRICT_VARIABLE] = strict


def _padded(args: argparse.Namespace, tokenizer: Any) -> int:
    from compat.tokenizers.utils.build_tokenizer import vocab_size_with_padding

    if args.padded_vocab_size is not None:
        return int(args.padded_vocab_size)
    return vocab_size_with_padding(tokenizer.vocab_size, args, logging_enabled=False)


def _built(build: Callable[[], Built]) -> Built:
    try:
        with _old_api_allowed():
            return build()
    except Exception as error:  # noqa: BLE001 - any failure of a tokenizer build is reported
        return Built(None, None, f"{type(error).__name__}: {error}")


def build_old(args: argparse.Namespace) -> Built:
    """The tokenizer the old release's ``build_tokenizer`` built from ``args``."""
    from compat.legacy import resolve

    (entry,) = [n for n in LEGACY_NAMES if n.legacy_module == G1_BUILD_TOKENIZER_MODULE]
    build_g1 = resolve(entry)

    def build() -> Built:
        tokenizer = build_g1(args)
        return Built(tokenizer, _padded(args, tokenizer))

    return _built(build)


def build_new(argv: Sequence[str]) -> Built:
    """The tokenizer ``build_tokenizer`` builds from the (translated) ``argv``."""
    from compat.tokenizers.utils.build_tokenizer import build_tokenizer

    args = _parse(argv, "translated")

    def build() -> Built:
        tokenizer = build_tokenizer(args)
        return Built(tokenizer, args.padded_vocab_size)

    return _built(build)


def _measured(read: Callable[[], Any]) -> Any:
    """A property's value, or what it raised: both sides must agree on either."""
    try:
        value = read()
    except Exception as error:  # noqa: BLE001 - the old code raised on some properties
        return f"raises {type(error).__name__}"
    return int(value) if isinstance(value, numbers.Integral) else value


def _ids(tokenizer: Any, text: str) -> Any:
    return _measured(lambda: [int(i) for i in tokenizer.tokenize(text)])


@dataclass(frozen=True)
class Comparison:
    properties: tuple[tuple[str, Any, Any], ...]
    texts: tuple[str, ...]
    differing: tuple[tuple[int, Any, Any], ...]

    @property
    def same(self) -> bool:
        return not self.differing and all(old == new for _, old, new in self.properties)


_PROPERTIES: tuple[tuple[str, Callable[[Built], Any]], ...] = (
    ("vocab size", lambda built: built.tokenizer.vocab_size),
    ("eod", lambda built: built.tokenizer.eod),
    ("pad", lambda built: built.tokenizer.pad),
    ("padded vocab size", lambda built: built.padded_vocab_size),
)


def compare(old: Built, new: Built, texts: Sequence[str]) -> Comparison:
    """Compare two built tokenizers on ``texts``."""
    properties = tuple(
        (name, _measured(partial(read, old)), _measured(partial(read, new)))
        for name, read in _PROPERTIES
    )
    differing = []
    for index, text in enumerate(texts):
        old_ids, new_ids = _ids(old.tokenizer, text), _ids(new.tokenizer, text)
        if old_ids != new_ids:
            differing.append((index, old_ids, new_ids))
    return Comparison(properties, tuple(texts), tuple(differing))


def _excerpt(ids: Any, start: int) -> str:
    if not isinstance(ids, list):
        return str(ids)
    first = max(0, start - 4)
    shown = ", ".join(str(i) for i in ids[first : first + _SHOWN_IDS])
    before = "..., " if first else ""
    after = ", ..." if first + _SHOWN_IDS < len(ids) else ""
    return f"[{before}{shown}{after}] ({len(ids)} ids)"


def _first_position(old_ids: Any, new_ids: Any) -> int:
    if not (isinstance(old_ids, list) and isinstance(new_ids, list)):
        return 0
    pairs = zip(old_ids, new_ids)
    return next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(old_ids), len(new_ids)))


def format_comparison(comparison: Comparison) -> str:
    width = 2 + max(len(str(v)) for _, *values in comparison.properties for v in values)
    lines = [f"{'':18}{'old':>{width}}{'new':>{width}}"]
    for name, old, new in comparison.properties:
        verdict = "same" if old == new else "DIFFERENT"
        lines.append(f"{name:18}{old!s:>{width}}{new!s:>{width}}  {verdict}")
    total, differing = len(comparison.texts), len(comparison.differing)
    verdict = "same" if not differing else "DIFFERENT"
    lines.append(f"{'token ids':18}same on {total - differing} of {total} texts  {verdict}")
    if comparison.differing:
        index, old_ids, new_ids = comparison.differing[0]
        text = comparison.texts[index]
        shown = repr(text) if len(text) <= _SHOWN_TEXT else repr(text[:_SHOWN_TEXT]) + "..."
        position = _first_position(old_ids, new_ids)
        lines += [
            "",
            f"first differing text (text {index + 1}): {shown}",
            f"  ids differ from position {position}",
            f"  old: {_excerpt(old_ids, position)}",
            f"  new: {_excerpt(new_ids, position)}",
        ]
    return "\n".join(lines)


def _hf_defaults_hint(
    row: TokenizerType, args: argparse.Namespace, release: OldRelease
) -> str | None:
    """Why HF/megatron ids may differ: G1 ran them with both switches off unless given."""
    if release.hf_switches_on or not row.reads_g1_hf_switches:
        return None
    off = [G1_HF_SWITCH_FLAGS[_flag(p)] for p in G1_HF_SWITCHES if not getattr(args, p)]
    if not off:
        return None
    given = " / ".join(_flag(p) for p in G1_HF_SWITCHES)
    return (
        f"{release.label} ran Hugging Face and megatron tokenizers with use_fast and "
        f"include_special_tokens off unless {given} were given; the new flags turn both on. "
        f"Add `{' '.join(off)}` to the new command line to keep the old ids (or pass "
        f"{RELEASE_OPTION} {HF_SWITCHES_ON_RELEASE} if the script ran on "
        f"{HF_SWITCHES_ON_RELEASE})."
    )


def _read_text_file(path: str) -> tuple[str, ...]:
    try:
        texts = Path(path).read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as error:
        raise VerifyUsageError(f"{TEXT_OPTION} {path}: not UTF-8 text ({error})") from None
    except OSError as error:
        raise VerifyUsageError(f"{TEXT_OPTION} {path}: {error.strerror or error}") from None
    if not texts:
        raise VerifyUsageError(f"{TEXT_OPTION} {path} is empty: give one sample text per line")
    return tuple(texts)


@dataclass(frozen=True)
class OldArgv:
    """The old command line: the script's words (with the line of each), then those given
    after ``--``."""

    words: tuple[str, ...]
    line_numbers: tuple[int, ...] = ()

    def where(self, index: int) -> str:
        if index < len(self.line_numbers):
            return f"script line {self.line_numbers[index]}"
        return f"word {index - len(self.line_numbers)} after `--`"


def _old_argv(options: dict[str, str], words: Sequence[str]) -> OldArgv:
    script = options.get(SCRIPT_OPTION)
    if script is None:
        if not words:
            raise VerifyUsageError("give the old command line after `--`, or --script FILE")
        return OldArgv(tuple(words))
    try:
        text = Path(script).read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as error:
        raise VerifyUsageError(f"{SCRIPT_OPTION} {script}: {error.strerror or error}") from None
    found = script_words(text, tokenizer_flags())
    if found.problems:
        raise VerifyUsageError(
            "; ".join(f"{script} {problem}" for problem in found.problems)
            + "; give the tokenizer flags after `--` instead"
        )
    if not found.words:
        raise VerifyUsageError(f"{script}: no line mentions a tokenizer flag")
    return OldArgv(found.words + tuple(words), found.line_numbers)


def _translation_problems(translation: Translation, old: OldArgv) -> str:
    lines = []
    for problem in translation.errors:
        lines.append(f"[{problem.code}] at {old.where(problem.index)}: {problem.message}")
        if problem.suggestion:
            lines.append(f"  suggestion: {problem.suggestion}")
    return "the old flags cannot be translated:\n" + "\n".join(lines)


@dataclass(frozen=True)
class Plan:
    """What verify compares, read from its options before anything is built."""

    release: OldRelease
    row: TokenizerType
    old_args: argparse.Namespace
    old_argv: tuple[str, ...]
    new_argv: tuple[str, ...]
    texts: tuple[str, ...]
    warnings: tuple[str, ...]


def plan(options: dict[str, str], words: Sequence[str]) -> Plan:
    """Read the options and the old command line; :class:`VerifyUsageError` if unusable."""
    release = release_for(options.get(RELEASE_OPTION, DEFAULT_RELEASE))
    old = _old_argv(options, words)
    translation = translate_argv(old.words)
    if translation.errors:
        raise VerifyUsageError(_translation_problems(translation, old))
    old_args = _parse(old.words, "old")
    _refuse_dynamic_values(old_args)
    row = _old_type(old_args)
    old_args = _as_old_release(old_args, release)
    text_file = options.get(TEXT_OPTION)
    if text_file is not None:
        texts = _read_text_file(text_file)
    else:
        texts = NULL_SAMPLE_TEXTS if row.library == "null" else SAMPLE_TEXTS
    return Plan(release, row, old_args, old.words, translation.argv, texts, translation.warnings)


def run_verify(
    options: dict[str, str], words: Sequence[str], stdout: TextIO, stderr: TextIO
) -> int:
    """``python -m compat.args verify``; the exit code."""
    try:
        checked = plan(options, words)
    except VerifyUsageError as error:
        print(f"compat.args verify: {error}", file=stderr)
        return EXIT_USAGE
    print(f"old ({checked.release.label}): {shlex.join(checked.old_argv)}", file=stdout)
    print(f"new: {shlex.join(checked.new_argv)}", file=stdout)
    for warning in checked.warnings:
        print(f"note: {warning}", file=stdout)
    old, new = build_old(checked.old_args), build_new(checked.new_argv)
    if old.failure and new.failure:
        print(
            f"compat.args verify: neither tokenizer could be built\n  old: {old.failure}\n"
            f"  new: {new.failure}",
            file=stderr,
        )
        return EXIT_USAGE
    if old.failure or new.failure:
        side, failure = ("old", old.failure) if old.failure else ("new", new.failure)
        print(
            f"\nDIFFERENT: only one side builds; the {side} tokenizer fails with {failure}",
            file=stdout,
        )
        return EXIT_DIFFERENT
    comparison = compare(old, new, checked.texts)
    print("\n" + format_comparison(comparison), file=stdout)
    if comparison.same:
        print("\nSAME: the translated flags build the tokenizer the old flags built.", file=stdout)
        return EXIT_SAME
    print(
        "\nDIFFERENT: the translated flags do not build the tokenizer the old flags built.",
        file=stdout,
    )
    hint = _hf_defaults_hint(checked.row, checked.old_args, checked.release)
    if hint:
        print(f"hint: {hint}", file=stdout)
    return EXIT_DIFFERENT
