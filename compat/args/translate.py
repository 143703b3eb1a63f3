"""The pure translator from the old tokenizer flags to the new ones (argv in, argv out).

Shell, YAML and Python-argv codemods call :func:`translate_argv`, so this module imports only the
standard library and :mod:`compat.deprecations`, and never touches a file or the environment.
Edits are made in place (the ``--tokenizer-type X`` pair is replaced where it stands, ``=``-form
stays ``=``-form) so a codemod's diff stays minimal.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from compat.deprecations import (
    DEFAULT_SFT_PROMPT_FORMAT,
    DYNAMIC_TOKENIZER_TYPE,
    FOREIGN_FLAGS,
    G1_HF_SWITCH_FLAGS,
    LEGACY_FLAGS,
    LIBRARY_FLAG,
    MODE_FLAG,
    MODEL_FLAG,
    PROMPT_FORMAT_FLAG,
    SFT_PROMPT_FORMAT_FLAG,
    SPECIAL_TOKENS_FLAG,
    TOKENIZER_TYPE_FLAG,
    TOKENIZER_TYPE_FLAG_NAME,
    TOKENIZER_TYPES,
    LegacyFlag,
    TokenizerType,
    advice_for,
    message_for,
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


def _scan(argv: Sequence[str]) -> list[_Occurrence]:
    value_flags = {TOKENIZER_TYPE_FLAG_NAME, *_NEW_SINGLE_VALUE_FLAGS, *_NEW_MULTI_VALUE_FLAGS}
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
                _Occurrence(name, index, index + 1, (inline_value,), True,
                            missing_value=inline_value == "")
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
        values = tuple(argv[index + 1:stop])
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
    def __init__(self, argv: Sequence[str]) -> None:
        self.argv = tuple(argv)
        self.occurrences = _scan(self.argv)
        self.edits: list[ArgvEdit] = []
        self.warnings: list[str] = []
        self.errors: list[Problem] = []

    def problem(self, index: int, code: str, message: str, suggestion: str = "") -> None:
        self.errors.append(Problem(index, code, message, suggestion))

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
        tokenizer_type = self.translate_type_sites(type_sites)
        for occurrence in self.occurrences:
            legacy = LEGACY_FLAGS.get(occurrence.flag)
            if legacy is not None:
                self.translate_legacy_flag(occurrence, legacy, tokenizer_type)
        self.edits.sort(key=lambda edit: edit.start)
        return Translation(
            argv=self.apply(),
            edits=tuple(self.edits),
            warnings=tuple(self.warnings),
            errors=tuple(sorted(self.errors, key=lambda problem: problem.index)),
        )

    def apply(self) -> tuple[str, ...]:
        words: list[str] = []
        position = 0
        for edit in self.edits:
            words.extend(self.argv[position:edit.start])
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
                    site.start, TOKENIZER_TYPE_FLAG.code,
                    f"{TOKENIZER_TYPE_FLAG_NAME} is given twice with different values "
                    f"({resolved.name} at word {first_valid.start}, {row.name} at word "
                    f"{site.start}); keep the one you mean and run the migration again",
                )
                return None
        if not self.check_type_against_new_flags(first_valid, resolved):
            return None
        words = self.replacement_words(first_valid, resolved)
        prompt_format = self.new_value(PROMPT_FORMAT_FLAG) or self.new_value(SFT_PROMPT_FORMAT_FLAG)
        message = message_for(TOKENIZER_TYPE_FLAG, _shown(first_valid.flag, first_valid.values),
                              " ".join(type_flags(resolved, prompt_format)))
        g1_note = self.g1_hf_defaults_note(resolved)
        if g1_note:
            self.warnings.append(g1_note)
            message = f"{message}; {g1_note}"
        self.add_edit(
            ArgvEdit(first_valid.start, first_valid.stop, words, TOKENIZER_TYPE_FLAG.code, message)
        )
        for repeat, _ in valid[1:]:
            self.add_edit(
                ArgvEdit(repeat.start, repeat.stop, (), TOKENIZER_TYPE_FLAG.code,
                         f"removed a repeated {TOKENIZER_TYPE_FLAG_NAME} {resolved.name} "
                         "(translated once at its first occurrence)")
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

    def check_type_site(self, site: _Occurrence) -> TokenizerType | None:
        text = _shown(site.flag, site.values) if not site.equals_form else self.argv[site.start]
        if site.missing_value:
            self.problem(
                site.start, TOKENIZER_TYPE_FLAG.code,
                f"{TOKENIZER_TYPE_FLAG_NAME} has no value; give one of: {known_types_text()}",
            )
            return None
        value = site.values[0]
        if is_dynamic(value):
            self.problem(
                site.start, DYNAMIC_TOKENIZER_TYPE.code,
                f"{text}: the tokenizer type is only known when the script runs, so it cannot "
                "be translated statically",
                dynamic_type_suggestion(text),
            )
            return None
        row = TOKENIZER_TYPES.get(value)
        if row is None:
            self.problem(
                site.start, TOKENIZER_TYPE_FLAG.code,
                f"{text}: unknown tokenizer type {value!r} (a fork's type?); the known types "
                f"are: {known_types_text()}",
                "translate it by hand with --tokenizer-library/--tokenizer-mode/"
                "--tokenizer-model, or drop it",
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
                    site.start, DYNAMIC_TOKENIZER_TYPE.code,
                    f"{text} cannot be checked against {flag} {given}, whose value is only "
                    "known when the script runs",
                    f"if {given} is {wanted}, replace {text} with {' '.join(type_flags(row))}",
                )
                agrees = False
            elif given is not None and given != wanted:
                self.problem(
                    site.start, TOKENIZER_TYPE_FLAG.code,
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
            site.start, TOKENIZER_TYPE_FLAG.code,
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
                kept += flags[i:i + 2]
        return _flag_words(kept, site.equals_form)

    def g1_hf_defaults_note(self, row: TokenizerType) -> str | None:
        """The note that G1 defaults differ, unless the argv already says which it wants.

        megatron-core <= 0.16 ran these types with use_fast and include_special_tokens off
        unless asked; every later generation turns both on. The translator cannot tell which
        generation a script ran on, so it says how to keep G1's token ids instead of guessing.
        """
        if not row.reads_g1_hf_switches:
            return None
        given = {word.partition("=")[0] for word in self.argv}
        missing = [
            negative for positive, negative in G1_HF_SWITCH_FLAGS.items()
            if positive not in given and negative not in given
        ]
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

    # --- deprecated flags ---------------------------------------------------------------------

    def translate_legacy_flag(
        self, site: _Occurrence, legacy: LegacyFlag, tokenizer_type: TokenizerType | None
    ) -> None:
        original = list(self.argv[site.start:site.stop])
        text = " ".join(original)
        if legacy.replacement is None:
            if site.equals_form:
                self.problem(
                    site.start, legacy.rule.code,
                    f"{text}: {legacy.flag} takes no value; {legacy.message}",
                )
                return
            self.add_edit(
                ArgvEdit(site.start, site.stop, (), legacy.rule.code,
                         advice_for(legacy.rule, legacy.flag, legacy.message))
            )
            return
        if site.missing_value:
            self.problem(
                site.start, legacy.rule.code,
                f"{legacy.flag} has no value; {legacy.message} and give it a value",
            )
            return
        if not self.legacy_value_agrees(site, legacy, tokenizer_type):
            return
        if _last_values(self.occurrences, legacy.replacement) is not None:
            self.add_edit(
                ArgvEdit(site.start, site.stop, (), legacy.rule.code,
                         f"removed {text}: {legacy.replacement} already gives the same value")
            )
            return
        renamed = (
            (f"{legacy.replacement}={site.values[0]}",)
            if site.equals_form
            else (legacy.replacement, *site.values)
        )
        self.add_edit(
            ArgvEdit(site.start, site.stop, renamed, legacy.rule.code,
                     message_for(legacy.rule, legacy.flag, legacy.replacement))
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
                site.start, legacy.rule.code,
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
                    site.start, legacy.rule.code,
                    f"{_shown(legacy.flag, site.values)} had no effect on a multimodal "
                    f"tokenizer, but {legacy.replacement} would set its prompt format",
                    f"delete {legacy.flag}, or use {legacy.replacement} if you mean it",
                )
                return False
        return True


def translate_argv(argv: Sequence[str]) -> Translation:
    """Translate the old tokenizer flags of ``argv`` to the new ones.

    Pure and idempotent: an argv that has no old flags comes back unchanged, and so does every
    site listed in ``errors``.
    """
    if isinstance(argv, str):
        raise TypeError("translate_argv takes a list of words, not a string; split it first "
                        "(shlex.split for a shell command line)")
    for index, word in enumerate(argv):
        if not isinstance(word, str):
            raise TypeError(f"translate_argv takes a list of strings; word {index} is "
                            f"{type(word).__name__} {word!r}: convert it with str() first")
    return _Translator(argv).run()
