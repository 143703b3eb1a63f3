"""The pure translator from the old tokenizer flags to the new ones (argv in, argv out).

Shell, YAML and Python-argv codemods call :func:`translate_argv`, so this module imports only the
standard library, :mod:`compat.deprecations` and :mod:`compat.releases`, and never touches a file
or the environment. Edits are made in place (the ``--tokenizer-type X`` pair is replaced where it
stands, ``=``-form stays ``=``-form) so a codemod's diff stays minimal.

Two targets: ``pr3889`` (the new flags, which ``compat.args.add_tokenizer_args`` parses) and
``upstream`` (Megatron-LM main, whose parser still takes ``--tokenizer-type`` and rejects the new
flags). A ``source`` (a row of :mod:`compat.releases`) says how the old flags behaved where the
script ran, so the output keeps that behaviour where the target changed it (the null tokenizer's
sizes, G1's Hugging Face defaults).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from compat import releases
from compat.deprecations import (
    DEFAULT_SFT_PROMPT_FORMAT,
    DYNAMIC_TOKENIZER_TYPE,
    FOREIGN_FLAGS,
    G1_HF_SWITCH_FLAGS,
    LEGACY_FLAGS,
    LIBRARY_FLAG,
    MODE_FLAG,
    MODEL_FLAG,
    NULL_EOD_ID_FLAG,
    NULL_TEXT_LIBRARY,
    PROMPT_FORMAT_FLAG,
    SFT_PROMPT_FORMAT_FLAG,
    SPECIAL_TOKENS_FLAG,
    TOKENIZER_TYPE_FLAG,
    TOKENIZER_TYPE_FLAG_NAME,
    TOKENIZER_TYPES,
    VOCAB_SIZE_FLAG,
    LegacyFlag,
    TokenizerType,
    advice_for,
    message_for,
)
from compat.releases import MegatronAPI

__all__ = [
    "LIBRARY_FLAG",
    "MODEL_FLAG",
    "MODE_FLAG",
    "NULL_SIZES_NOTE",
    "PROMPT_FORMAT_FLAG",
    "SPECIAL_TOKENS_FLAG",
    "TARGETS",
    "VOCAB_SIZE_FLAG",
    "ArgvEdit",
    "Problem",
    "Translation",
    "translate_argv",
]

# What ``target=`` accepts: the new flags (PR #3889's API) or Megatron-LM main's.
TARGETS = (releases.PR3889.key, "upstream")
_NEW_DESIGN_FLAGS = (LIBRARY_FLAG, MODE_FLAG, PROMPT_FORMAT_FLAG)
MULTIMODAL_TYPE = next(
    row.name
    for row in TOKENIZER_TYPES.values()
    if row.mode == "multimodal" and row.library != "null"
)
NULL_SIZES_NOTE = (
    "the null tokenizer has vocab_size N and eod N - 1 since megatron-core 0.18; megatron-core "
    "<= 0.17 gave N + 1 and N"
)

# New flags whose values the translator compares with what the old flags imply.
_NEW_SINGLE_VALUE_FLAGS = (LIBRARY_FLAG, MODE_FLAG, MODEL_FLAG, PROMPT_FORMAT_FLAG)
_NEW_MULTI_VALUE_FLAGS = (SPECIAL_TOKENS_FLAG,)

# argparse reads words like "-1" or "-.5" as values, not as flags.
_NEGATIVE_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")


@dataclass(frozen=True)
class ArgvEdit:
    """Replace ``argv[start:stop]`` of the input with ``words``."""

    start: int
    stop: int
    words: tuple[str, ...]
    code: str
    message: str


@dataclass(frozen=True)
class Problem:
    """A site that cannot be translated automatically; the input stays as it was there."""

    index: int
    code: str
    message: str
    suggestion: str = ""


@dataclass(frozen=True)
class Translation:
    argv: tuple[str, ...]
    edits: tuple[ArgvEdit, ...]
    warnings: tuple[str, ...]
    errors: tuple[Problem, ...]
    # follow-ups a person must do that do not block the edit (e.g. "if this ran on <= 0.17")
    notes: tuple[Problem, ...] = ()
    # (argv index, name) of each prompt format written out, for callers that check it is known
    prompt_formats: tuple[tuple[int, str], ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.edits)


def is_flag(word: str) -> bool:
    """Whether argparse would read ``word`` as an option rather than as a value."""
    return word.startswith("-") and word != "-" and not _NEGATIVE_NUMBER.match(word)


def is_dynamic(value: str) -> bool:
    """A shell or environment reference: its value is not known until the script runs."""
    return "$" in value or "`" in value


@dataclass(frozen=True)
class _Occurrence:
    """One flag of interest in the input: ``argv[start:stop]``."""

    flag: str
    start: int
    stop: int
    values: tuple[str, ...]
    equals_form: bool
    missing_value: bool = False


def _scan(argv: Sequence[str], extra_value_flags: Sequence[str] = ()) -> list[_Occurrence]:
    value_flags = {
        TOKENIZER_TYPE_FLAG_NAME,
        *_NEW_SINGLE_VALUE_FLAGS,
        *_NEW_MULTI_VALUE_FLAGS,
        *extra_value_flags,
    }
    value_flags |= {name for name, flag in LEGACY_FLAGS.items() if flag.takes_value}
    multi_value_flags = {*_NEW_MULTI_VALUE_FLAGS}
    multi_value_flags |= {name for name, flag in LEGACY_FLAGS.items() if flag.nargs_plus}
    known = value_flags | set(LEGACY_FLAGS)

    found: list[_Occurrence] = []
    index = 0
    while index < len(argv):
        word = argv[index]
        name, equals, inline_value = word.partition("=")
        if not is_flag(word) or name in FOREIGN_FLAGS or name not in known:
            index += 1
            continue
        if equals:
            # "--flag=v" carries exactly one value, also for nargs="+" flags.
            found.append(
                _Occurrence(
                    name, index, index + 1, (inline_value,), True, missing_value=inline_value == ""
                )
            )
            index += 1
            continue
        if name not in value_flags:
            found.append(_Occurrence(name, index, index + 1, (), False))
            index += 1
            continue
        stop = index + 1
        if name in multi_value_flags:
            while stop < len(argv) and not is_flag(argv[stop]):
                stop += 1
        elif stop < len(argv) and not is_flag(argv[stop]):
            stop += 1
        values = tuple(argv[index + 1 : stop])
        found.append(_Occurrence(name, index, stop, values, False, missing_value=not values))
        index = stop
    return found


def _flag_words(flags: Sequence[str], equals_form: bool) -> tuple[str, ...]:
    """``("--a", "x", "--b", "y")`` → itself, or ``("--a=x", "--b=y")`` in ``=``-form."""
    if not equals_form:
        return tuple(flags)
    return tuple(f"{flags[i]}={flags[i + 1]}" for i in range(0, len(flags), 2))


def type_flags(tokenizer_type: TokenizerType, prompt_format: str | None = None) -> tuple[str, ...]:
    """The new flags that say what ``--tokenizer-type <type>`` said."""
    flags = list(tokenizer_type.new_flags)
    if tokenizer_type.mode == "sft":
        flags += [PROMPT_FORMAT_FLAG, prompt_format or DEFAULT_SFT_PROMPT_FORMAT]
    return tuple(flags)


def dynamic_type_suggestion(flag_text: str) -> str:
    """What each possible value of a ``--tokenizer-type`` known only at run time becomes."""
    rows = [f"{name}: {' '.join(type_flags(row))}" for name, row in TOKENIZER_TYPES.items()]
    return (
        f"resolve {flag_text} to a literal type, or map it in the script "
        "(e.g. a shell `case`), one of:\n  " + "\n  ".join(rows)
    )


def known_types_text() -> str:
    return ", ".join(TOKENIZER_TYPES)


def _last_values(occurrences: list[_Occurrence], flag: str) -> tuple[str, ...] | None:
    given = [o for o in occurrences if o.flag == flag and not o.missing_value]
    return given[-1].values if given else None


def _shown(flag: str, values: Sequence[str]) -> str:
    return " ".join((flag, *values))


class _Translator:
    def __init__(
        self, argv: Sequence[str], target: MegatronAPI, source: MegatronAPI | None
    ) -> None:
        self.argv = tuple(argv)
        self.target = target
        self.source = source
        self.occurrences = _scan(self.argv)
        self.edits: list[ArgvEdit] = []
        self.warnings: list[str] = []
        self.errors: list[Problem] = []
        self.notes: list[Problem] = []

    @property
    def keeps_tokenizer_type(self) -> bool:
        """Whether the target's parser takes ``--tokenizer-type`` rather than the new flags."""
        return not self.target.has_tokenizer_library_flag

    def problem(self, index: int, code: str, message: str, suggestion: str = "") -> None:
        self.errors.append(Problem(index, code, message, suggestion))

    def note(self, index: int, code: str, message: str, suggestion: str = "") -> None:
        self.notes.append(Problem(index, code, message, suggestion))

    def add_edit(self, edit: ArgvEdit) -> None:
        deletes = not edit.words
        if deletes and any(o.stop == edit.start and o.missing_value for o in self.occurrences):
            # Deleting these words would hand the next word to the flag before them as its
            # value; that flag is reported as missing its value, so leave the site as it is.
            return
        self.edits.append(edit)

    def new_value(self, flag: str) -> str | None:
        values = _last_values(self.occurrences, flag)
        return values[0] if values else None

    def run(self) -> Translation:
        type_sites = [o for o in self.occurrences if o.flag == TOKENIZER_TYPE_FLAG_NAME]
        if self.keeps_tokenizer_type:
            tokenizer_type = self.keep_type_sites(type_sites)
            self.report_new_design_flags()
        else:
            tokenizer_type = self.translate_type_sites(type_sites)
        for occurrence in self.occurrences:
            legacy = LEGACY_FLAGS.get(occurrence.flag)
            # A target that keeps --tokenizer-type keeps the old flags its parser still takes.
            if legacy is not None and not (
                self.keeps_tokenizer_type and self.target.accepts(occurrence.flag)
            ):
                self.translate_legacy_flag(occurrence, legacy, tokenizer_type)
        if tokenizer_type is not None and tokenizer_type.mode == "sft":
            self.note_identity_masking(type_sites[0].start)
        self.edits.sort(key=lambda edit: edit.start)
        return Translation(
            argv=self.apply(),
            edits=tuple(self.edits),
            warnings=tuple(self.warnings),
            errors=tuple(sorted(self.errors, key=lambda problem: problem.index)),
            notes=tuple(sorted(self.notes, key=lambda problem: problem.index)),
            prompt_formats=tuple(
                (o.start, o.values[0])
                for o in self.occurrences
                if o.flag in (PROMPT_FORMAT_FLAG, SFT_PROMPT_FORMAT_FLAG)
                and o.values
                and not is_dynamic(o.values[0])
            ),
        )

    def apply(self) -> tuple[str, ...]:
        words: list[str] = []
        position = 0
        for edit in self.edits:
            words.extend(self.argv[position : edit.start])
            words.extend(edit.words)
            position = edit.stop
        words.extend(self.argv[position:])
        return tuple(words)

    # --- --tokenizer-type ---------------------------------------------------------------------

    def translate_type_sites(self, sites: list[_Occurrence]) -> TokenizerType | None:
        """Translate every ``--tokenizer-type`` site; return the type when it is known."""
        valid = [(site, row) for site in sites if (row := self.check_type_site(site)) is not None]
        if not valid:
            return None
        first_valid, resolved = valid[0]
        for site, row in valid[1:]:
            if row.name != resolved.name:
                self.problem(
                    site.start,
                    TOKENIZER_TYPE_FLAG.code,
                    f"{TOKENIZER_TYPE_FLAG_NAME} is given twice with different values "
                    f"({resolved.name} at word {first_valid.start}, {row.name} at word "
                    f"{site.start}); keep the one you mean and run the migration again",
                )
                return None
        if not self.check_type_against_new_flags(first_valid, resolved):
            return None
        if not self.keeps_null_sizes(resolved, first_valid.start):
            return None
        words = self.replacement_words(first_valid, resolved)
        prompt_format = self.new_value(PROMPT_FORMAT_FLAG) or self.new_value(SFT_PROMPT_FORMAT_FLAG)
        message = message_for(
            TOKENIZER_TYPE_FLAG,
            _shown(first_valid.flag, first_valid.values),
            " ".join(type_flags(resolved, prompt_format)),
        )
        added = self.g1_hf_opt_outs(resolved)
        if added:
            words += _flag_words(added, False)
            message = f"{message}; {self.kept_hf_defaults_text(added)}"
        else:
            g1_note = self.g1_hf_defaults_note(resolved)
            if g1_note:
                self.warnings.append(g1_note)
                message = f"{message}; {g1_note}"
                self.note(first_valid.start, TOKENIZER_TYPE_FLAG.code, g1_note)
        self.add_edit(
            ArgvEdit(first_valid.start, first_valid.stop, words, TOKENIZER_TYPE_FLAG.code, message)
        )
        for repeat, _ in valid[1:]:
            self.add_edit(
                ArgvEdit(
                    repeat.start,
                    repeat.stop,
                    (),
                    TOKENIZER_TYPE_FLAG.code,
                    f"removed a repeated {TOKENIZER_TYPE_FLAG_NAME} {resolved.name} "
                    "(translated once at its first occurrence)",
                )
            )
        if resolved.model_is_type:
            self.warnings.append(
                f"{TOKENIZER_TYPE_FLAG_NAME} {resolved.name} became {MODEL_FLAG} "
                f"{resolved.name}: upstream's unfixed build_tokenizer prefers an entry point's "
                "default tokenizer_type (pretrain_bert.py and pretrain_t5.py default to "
                "BertWordPieceLowerCase, pretrain_gpt.py to GPT2BPETokenizer) over "
                f"{MODEL_FLAG}; compat.tokenizers.utils.build_tokenizer does not"
            )
        return resolved

    def keep_type_sites(self, sites: list[_Occurrence]) -> TokenizerType | None:
        """For a target that still parses ``--tokenizer-type``: check its values (the parser
        has choices), keep them, and return the type argparse would use (the last one)."""
        rows = [self.check_type_site(site, dynamic_is_a_problem=False) for site in sites]
        if not rows or rows[-1] is None:
            if sites and not sites[-1].missing_value and is_dynamic(sites[-1].values[0]):
                self.note_dynamic_type(sites[-1])
            return None
        row, site = rows[-1], sites[-1]
        if not self.keeps_null_sizes(row, site.start):
            return None
        added = self.g1_hf_opt_outs(row)
        if added:
            self.add_edit(
                ArgvEdit(
                    site.start,
                    site.stop,
                    (*self.argv[site.start : site.stop], *added),
                    TOKENIZER_TYPE_FLAG.code,
                    self.kept_hf_defaults_text(added),
                )
            )
        else:
            g1_note = self.g1_hf_defaults_note(row)
            if g1_note:
                self.note(site.start, TOKENIZER_TYPE_FLAG.code, g1_note)
        return row

    def check_type_site(
        self, site: _Occurrence, dynamic_is_a_problem: bool = True
    ) -> TokenizerType | None:
        text = _shown(site.flag, site.values) if not site.equals_form else self.argv[site.start]
        if site.missing_value:
            self.problem(
                site.start,
                TOKENIZER_TYPE_FLAG.code,
                f"{TOKENIZER_TYPE_FLAG_NAME} has no value; give one of: {known_types_text()}",
            )
            return None
        value = site.values[0]
        if is_dynamic(value):
            if dynamic_is_a_problem:
                self.problem(
                    site.start,
                    DYNAMIC_TOKENIZER_TYPE.code,
                    f"{text}: the tokenizer type is only known when the script runs, so it "
                    "cannot be translated statically",
                    dynamic_type_suggestion(text),
                )
            return None
        row = TOKENIZER_TYPES.get(value)
        if row is None:
            self.problem(
                site.start,
                TOKENIZER_TYPE_FLAG.code,
                f"{text}: unknown tokenizer type {value!r} (a fork's type?); the known types "
                f"are: {known_types_text()}",
                "translate it by hand with --tokenizer-library/--tokenizer-mode/"
                "--tokenizer-model, or drop it"
                if dynamic_is_a_problem
                else f"the parser of {self.target.name} accepts only the known types",
            )
        return row

    def check_type_against_new_flags(self, site: _Occurrence, row: TokenizerType) -> bool:
        """Whether the type agrees with the new flags the argv already has (else: a Problem)."""
        text = _shown(site.flag, site.values)
        expected = {LIBRARY_FLAG: row.library, MODE_FLAG: row.mode}
        if row.model_is_type:
            expected[MODEL_FLAG] = row.name
        agrees = True
        for flag, wanted in expected.items():
            given = self.new_value(flag)
            if given is not None and is_dynamic(given):
                self.problem(
                    site.start,
                    DYNAMIC_TOKENIZER_TYPE.code,
                    f"{text} cannot be checked against {flag} {given}, whose value is only "
                    "known when the script runs",
                    f"if {given} is {wanted}, replace {text} with {' '.join(type_flags(row))}",
                )
                agrees = False
            elif given is not None and given != wanted:
                self.problem(
                    site.start,
                    TOKENIZER_TYPE_FLAG.code,
                    f"{text} conflicts with {flag} {given}: the type means {flag} {wanted}; "
                    "keep the one you mean and run the migration again",
                )
                agrees = False
        return agrees and self.mode_survives_library_flag(site, row)

    def mode_survives_library_flag(self, site: _Occurrence, row: TokenizerType) -> bool:
        """Upstream ignores the type when --tokenizer-library is given, so its mode is lost."""
        library = self.new_value(LIBRARY_FLAG)
        if library is None or row.mode == "text" or self.new_value(MODE_FLAG) is not None:
            return True
        text = _shown(site.flag, site.values)
        self.problem(
            site.start,
            TOKENIZER_TYPE_FLAG.code,
            f"{text} is ignored by upstream next to {LIBRARY_FLAG} {library} (the run used "
            f"{MODE_FLAG} text), but the type means {MODE_FLAG} {row.mode}; say which you mean",
            f"replace {text} with {MODE_FLAG} {row.mode} to keep what the type says, or delete "
            "it to keep what upstream ran",
        )
        return False

    def replacement_words(self, site: _Occurrence, row: TokenizerType) -> tuple[str, ...]:
        """The type's new flags, minus those the argv already gives with the same value."""
        flags = list(row.new_flags)
        if row.mode == "sft" and not self.has_prompt_format():
            flags += [PROMPT_FORMAT_FLAG, DEFAULT_SFT_PROMPT_FORMAT]
        kept: list[str] = []
        for i in range(0, len(flags), 2):
            if self.new_value(flags[i]) is None:
                kept += flags[i : i + 2]
        return _flag_words(kept, site.equals_form)

    def missing_hf_opt_outs(self, row: TokenizerType) -> list[str]:
        """G1's HF switches the argv sets neither way, as the negative flags of G2+."""
        if not row.reads_g1_hf_switches:
            return []
        given = {word.partition("=")[0] for word in self.argv}
        return [
            negative
            for positive, negative in G1_HF_SWITCH_FLAGS.items()
            if positive not in given and negative not in given
        ]

    def g1_hf_opt_outs(self, row: TokenizerType) -> list[str]:
        """The opt-outs that keep a known G1 source's Hugging Face defaults (use_fast and
        include_special_tokens off) on a target whose defaults are on."""
        source = self.source
        if (
            source is None
            or source.hf_fast_and_special_tokens_default
            or not (self.target.hf_fast_and_special_tokens_default)
        ):
            return []
        return self.missing_hf_opt_outs(row)

    def kept_hf_defaults_text(self, added: Sequence[str]) -> str:
        assert self.source is not None
        return (
            f"added {' '.join(added)} to keep {self.source.name}'s token ids (use_fast and "
            "include_special_tokens were off by default there)"
        )

    def g1_hf_defaults_note(self, row: TokenizerType) -> str | None:
        """The note that G1 defaults differ, unless the argv already says which it wants.

        megatron-core <= 0.16 ran these types with use_fast and include_special_tokens off
        unless asked; every later generation turns both on. Without a ``source`` the
        translator cannot tell which generation a script ran on, so it says how to keep G1's
        token ids instead of guessing.
        """
        if self.source is not None:
            return None
        missing = self.missing_hf_opt_outs(row)
        if not missing:
            return None
        return (
            f"if this ran on megatron-core <= 0.16, add {' '.join(missing)} to keep its token "
            "ids (later releases switch these on by default)"
        )

    def has_prompt_format(self) -> bool:
        return any(
            o.flag in (PROMPT_FORMAT_FLAG, SFT_PROMPT_FORMAT_FLAG) and not o.missing_value
            for o in self.occurrences
        )

    # --- behaviour the source had and the target changed --------------------------------------

    def keeps_null_sizes(self, row: TokenizerType, index: int) -> bool:
        """Keep the source's null tokenizer sizes (an edit of ``--vocab-size``, or a note
        without a source); False, with a Problem, when that cannot be done: then the type site
        is left as it is too, so the script is not half-migrated."""
        if row.resolved_library != NULL_TEXT_LIBRARY:
            return True
        if self.source is None:
            self.note(
                index,
                TOKENIZER_TYPE_FLAG.code,
                NULL_SIZES_NOTE,
                f"if this ran on megatron-core <= 0.17, add 1 to {VOCAB_SIZE_FLAG} to keep "
                "its vocab size, eod id and padded vocab size",
            )
            return True
        edit = self.null_vocab_edit(self.source, index)
        if isinstance(edit, ArgvEdit):
            self.add_edit(edit)
        return edit is not False

    def null_vocab_edit(self, source: MegatronAPI, index: int) -> ArgvEdit | Literal[False] | None:
        """``NullTokenizer(N)`` had N + 1 ids (eod N) up to megatron-core 0.17 and has N
        (eod N - 1) since; ``--vocab-size`` changes by the difference. None: nothing to change;
        False: it cannot change (a Problem says why)."""
        extra = source.null_vocab_extra - self.target.null_vocab_extra
        occurrences = _scan(self.argv, (VOCAB_SIZE_FLAG, NULL_EOD_ID_FLAG))
        if extra == 0 or any(o.flag == NULL_EOD_ID_FLAG for o in occurrences):
            # an explicit eod id exists since megatron-core 0.18: the sizes are the new ones
            return None
        sites = [o for o in occurrences if o.flag == VOCAB_SIZE_FLAG]
        why = (
            f"NullTokenizer(N) had {_null_sizes(source)} on {source.name} and has "
            f"{_null_sizes(self.target)} on {self.target.name}"
        )
        given = [site for site in sites if not site.missing_value]
        value = given[-1].values[0] if given else None
        if value is None or not re.fullmatch(r"\d+", value):
            self.problem(
                sites[-1].start if sites else index,
                TOKENIZER_TYPE_FLAG.code,
                f"{why}: {VOCAB_SIZE_FLAG} must grow by {extra} to keep the vocab size, eod id "
                "and padded vocab size, but "
                + ("it is not given" if value is None else f"its value {value!r} is not a number"),
                f"write {VOCAB_SIZE_FLAG} <N + {extra}>, N being what {source.name} was given"
                + (
                    f" (e.g. $(({value.strip('{}$')} + {extra})) in bash)"
                    if value is not None and is_dynamic(value)
                    else ""
                ),
            )
            return False
        site = given[-1]
        new_value = str(int(value) + extra)
        flags = [VOCAB_SIZE_FLAG, new_value]
        marked = ""
        if self.keeps_tokenizer_type and self.target.accepts(NULL_EOD_ID_FLAG):
            # The type flag stays, so the next run would see the same old type again: the eod id
            # it now has, written out, says the sizes are already the new API's.
            flags += [NULL_EOD_ID_FLAG, str(int(new_value) - 1)]
            marked = f" ({NULL_EOD_ID_FLAG}, the eod id it had, marks it as done)"
        words = _flag_words(flags, site.equals_form)
        return ArgvEdit(
            site.start,
            site.stop,
            words,
            TOKENIZER_TYPE_FLAG.code,
            f"{VOCAB_SIZE_FLAG} {value} became {new_value}: {why}, so this keeps the "
            f"vocab size, eod id and padded vocab size{marked}",
        )

    def note_dynamic_type(self, site: _Occurrence) -> None:
        """A type known only at run time keeps its site; say what a source-dependent type
        needs (the target still parses --tokenizer-type, so nothing blocks)."""
        text = _shown(site.flag, site.values)
        if self.source is None or self.source.null_vocab_extra != self.target.null_vocab_extra:
            null_types = [
                name
                for name, row in TOKENIZER_TYPES.items()
                if row.resolved_library == NULL_TEXT_LIBRARY
            ]
            ran = self.source.name if self.source is not None else "megatron-core <= 0.17"
            self.note(
                site.start,
                DYNAMIC_TOKENIZER_TYPE.code,
                f"{text}: if it is {' or '.join(null_types)} and this ran on {ran}, "
                f"{NULL_SIZES_NOTE}",
                f"then add 1 to {VOCAB_SIZE_FLAG}",
            )
        if self.source is None or (
            not self.source.hf_fast_and_special_tokens_default
            and self.target.hf_fast_and_special_tokens_default
        ):
            hf_types = [name for name, row in TOKENIZER_TYPES.items() if row.reads_g1_hf_switches]
            ran = self.source.name if self.source is not None else "megatron-core <= 0.16"
            self.note(
                site.start,
                DYNAMIC_TOKENIZER_TYPE.code,
                f"{text}: if it is one of {', '.join(hf_types)} and this ran on {ran}, "
                "Hugging Face's use_fast and include_special_tokens were off there",
                f"then add {' '.join(G1_HF_SWITCH_FLAGS.values())} to keep its token ids",
            )

    def note_identity_masking(self, index: int) -> None:
        """The identity format trained on every token on 0.18 and 0.19, and masks system and user
        turns elsewhere (#6682): same ids, different loss mask, no flag to choose."""
        prompt_format = self.new_value(PROMPT_FORMAT_FLAG) or self.new_value(SFT_PROMPT_FORMAT_FLAG)
        if prompt_format != "identity" or (
            self.source is not None
            and self.source.identity_masks_prompt == self.target.identity_masks_prompt
        ):
            return
        ran = self.source.name if self.source is not None else "megatron-core 0.18 or 0.19"
        self.note(
            index,
            TOKENIZER_TYPE_FLAG.code,
            f"{'if this ran on ' if self.source is None else 'on '}{ran}, the identity prompt "
            "format trained on every token; here system and user turns are masked (as on 0.17 "
            "and Megatron-LM main since #6682): the token ids are the same, the loss mask is not",
            "expect a different loss curve, or use a prompt format whose turns you mean to train",
        )

    # --- flags the target's parser does not have ----------------------------------------------

    def report_new_design_flags(self) -> None:
        """PR #3889's flags on a target that has none of them: say what to write instead.

        ``--tokenizer-prompt-format`` beside ``--tokenizer-type MultimodalTokenizer`` is the
        multimodal examples' own flag (``examples/multimodal/multimodal_args.py`` defines it in
        every release), not the new design's."""
        multimodal = any(
            o.flag == TOKENIZER_TYPE_FLAG_NAME and o.values[:1] == (MULTIMODAL_TYPE,)
            for o in self.occurrences
        )
        sites = [
            o
            for o in self.occurrences
            if o.flag in _NEW_DESIGN_FLAGS and not (multimodal and o.flag == PROMPT_FORMAT_FLAG)
        ]
        if not sites:
            return
        equivalent, reason = self.upstream_equivalent()
        shown = " ".join(" ".join(self.argv[o.start : o.stop]) for o in sites)
        suggestion = (
            f"replace {shown} with {' '.join(equivalent)}"
            if equivalent
            else f"no {TOKENIZER_TYPE_FLAG_NAME} of {self.target.name} does this: {reason}"
        )
        for site in sites:
            self.problem(
                site.start,
                TOKENIZER_TYPE_FLAG.code,
                f"the parser of {self.target.name} has no {site.flag} (PR #3889 never merged); "
                f"it takes {TOKENIZER_TYPE_FLAG_NAME}",
                suggestion,
            )

    def upstream_equivalent(self) -> tuple[tuple[str, ...], str]:
        """The ``--tokenizer-type`` flags meaning what the new flags say, or why there are none."""
        library, mode = self.new_value(LIBRARY_FLAG), self.new_value(MODE_FLAG) or "text"
        model, prompt_format = self.new_value(MODEL_FLAG), self.new_value(PROMPT_FORMAT_FLAG)
        values = [value for value in (library, mode, model, prompt_format) if value is not None]
        if any(is_dynamic(value) for value in values):
            return (), "some values are only known when the script runs"
        if mode == "multimodal" and library not in (None, "null"):
            library = "huggingface"  # every real library runs as the multimodal library
        rows = [
            row
            for row in TOKENIZER_TYPES.values()
            if (row.library, row.mode) == (library, mode)
            and (not row.model_is_type or row.name == model)
        ]
        if not rows:
            return (), f"{LIBRARY_FLAG} {library} with {MODE_FLAG} {mode} has no old type"
        # The sentencepiece types build the same tokenizer: the first one stands for all.
        flags = [TOKENIZER_TYPE_FLAG_NAME, rows[0].name]
        if mode == "sft" and prompt_format is not None:
            flags += [SFT_PROMPT_FORMAT_FLAG, prompt_format]
        elif mode == "multimodal" and prompt_format is not None:
            # examples/multimodal's parser defines this flag itself
            flags += [PROMPT_FORMAT_FLAG, prompt_format]
        return tuple(flags), ""

    # --- deprecated flags ---------------------------------------------------------------------

    def translate_legacy_flag(
        self, site: _Occurrence, legacy: LegacyFlag, tokenizer_type: TokenizerType | None
    ) -> None:
        original = list(self.argv[site.start : site.stop])
        text = " ".join(original)
        if legacy.replacement is None:
            if site.equals_form:
                self.problem(
                    site.start,
                    legacy.rule.code,
                    f"{text}: {legacy.flag} takes no value; {legacy.message}",
                )
                return
            self.add_edit(
                ArgvEdit(
                    site.start,
                    site.stop,
                    (),
                    legacy.rule.code,
                    advice_for(legacy.rule, legacy.flag, legacy.message),
                )
            )
            return
        if site.missing_value:
            self.problem(
                site.start,
                legacy.rule.code,
                f"{legacy.flag} has no value; {legacy.message} and give it a value",
            )
            return
        if not self.legacy_value_agrees(site, legacy, tokenizer_type):
            return
        if _last_values(self.occurrences, legacy.replacement) is not None:
            self.add_edit(
                ArgvEdit(
                    site.start,
                    site.stop,
                    (),
                    legacy.rule.code,
                    f"removed {text}: {legacy.replacement} already gives the same value",
                )
            )
            return
        renamed = (
            (f"{legacy.replacement}={site.values[0]}",)
            if site.equals_form
            else (legacy.replacement, *site.values)
        )
        self.add_edit(
            ArgvEdit(
                site.start,
                site.stop,
                renamed,
                legacy.rule.code,
                message_for(legacy.rule, legacy.flag, legacy.replacement),
            )
        )

    def legacy_value_agrees(
        self, site: _Occurrence, legacy: LegacyFlag, tokenizer_type: TokenizerType | None
    ) -> bool:
        """The renamed flag must not change what the old flags meant (else: a Problem)."""
        assert legacy.replacement is not None
        old_values = _last_values(self.occurrences, legacy.flag)
        new_values = _last_values(self.occurrences, legacy.replacement)
        if new_values is not None and old_values is not None and new_values != old_values:
            self.problem(
                site.start,
                legacy.rule.code,
                f"{_shown(legacy.flag, old_values)} conflicts with "
                f"{_shown(legacy.replacement, new_values)}; keep one of them (the new flag "
                "takes precedence) and run the migration again",
            )
            return False
        if new_values is not None:
            return True  # the site is deleted: the new flag already says the same
        if legacy.flag == SFT_PROMPT_FORMAT_FLAG:
            mode = self.new_value(MODE_FLAG) or (tokenizer_type.mode if tokenizer_type else None)
            if mode == "multimodal":
                self.problem(
                    site.start,
                    legacy.rule.code,
                    f"{_shown(legacy.flag, site.values)} had no effect on a multimodal "
                    f"tokenizer, but {legacy.replacement} would set its prompt format",
                    f"delete {legacy.flag}, or use {legacy.replacement} if you mean it",
                )
                return False
        return True


def translate_argv(
    argv: Sequence[str],
    *,
    target: str | MegatronAPI = releases.PR3889.key,
    source: MegatronAPI | str | None = None,
) -> Translation:
    """Translate the old tokenizer flags of ``argv`` for ``target``.

    ``target``: ``"pr3889"`` (the new flags) or ``"upstream"`` (Megatron-LM main: keeps
    ``--tokenizer-type``, drops the flags main removed, reports the new flags it lacks).
    ``source``: the API the script ran on (a :mod:`compat.releases` row or a version such as
    ``"0.16.1"``), or None when unknown; with a source, the output keeps that release's
    behaviour where the target changed it, and without one ``notes`` lists what to check.

    Pure and idempotent for a target: an argv that has no old flags comes back unchanged, and so
    does every site listed in ``errors``. (With a source the output no longer ran on the source:
    translate it again with ``source=None``.)
    """
    if isinstance(argv, str):
        raise TypeError(
            "translate_argv takes a list of words, not a string; split it first "
            "(shlex.split for a shell command line)"
        )
    for index, word in enumerate(argv):
        if not isinstance(word, str):
            raise TypeError(
                f"translate_argv takes a list of strings; word {index} is "
                f"{type(word).__name__} {word!r}: convert it with str() first"
            )
    return _Translator(argv, _target_api(target), _source_api(source)).run()


def _null_sizes(api: MegatronAPI) -> str:
    return "N + 1 ids (eod N)" if api.null_vocab_extra else "N ids (eod N - 1)"


def _target_api(target: str | MegatronAPI) -> MegatronAPI:
    if isinstance(target, MegatronAPI):
        api: MegatronAPI | None = target
    elif isinstance(target, str):
        api = releases.APIS.get(releases.ALIASES.get(target, target))
    else:
        raise TypeError(f"target must be one of {TARGETS}, not {target!r}")
    if api is None or api not in (releases.PR3889, releases.MAIN):
        raise ValueError(
            f"translate_argv targets {' or '.join(repr(t) for t in TARGETS)} (Megatron-LM main), "
            f"not {target!r}"
        )
    return api


def _source_api(source: MegatronAPI | str | None) -> MegatronAPI | None:
    if source is None or isinstance(source, MegatronAPI):
        return source
    if isinstance(source, str):
        return releases.api_for_version(source).api
    raise TypeError(
        f"source must be a compat.releases row, a version string such as '0.16.1', or None; "
        f"got {type(source).__name__}"
    )
