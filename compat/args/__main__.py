"""``python -m compat.args``: translate old tokenizer flags on a command line, run it, verify it.

    python -m compat.args translate [--target T] [--source VERSION] [--] <argv...>
    python -m compat.args exec [--target T] [--source VERSION] [--pass-untranslated] -- <command...>
    python -m compat.args verify [--release R] [--text FILE] [--script FILE] [-- <old argv...>]

Exit codes (docs/args.md): 0 success (verify: the same tokenizer); 1 verify: the tokenizers
differ; 2 a usage error, or flags that cannot be translated (nothing is printed or run); 126 exec:
the command exists but cannot be run; 127 exec: the command is not found. Once ``exec`` runs the
command, the command replaces this process, and the exit code is the command's.
"""

from __future__ import annotations

import errno
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

from compat.args.translate import TARGETS, Translation, translate_argv
from compat.args.verify import VERIFY_HELP, VERIFY_VALUE_OPTIONS, run_verify

PROGRAM = "python -m compat.args"
HELP_OPTIONS = ("-h", "--help")
SEPARATOR = "--"
PASS_UNTRANSLATED = "--pass-untranslated"
TARGET_OPTION = "--target"
SOURCE_OPTION = "--source"
TRANSLATION_OPTIONS = (TARGET_OPTION, SOURCE_OPTION)

EXIT_OK = 0
EXIT_DIFFERENT = 1
EXIT_USAGE = 2
EXIT_UNTRANSLATABLE = 2
EXIT_CANNOT_RUN = 126
EXIT_NOT_FOUND = 127
# What a shell reports for a program ended by Ctrl-C (128 + SIGINT) or by writing to a closed
# pipe (128 + SIGPIPE).
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141

USAGE = f"""\
usage: {PROGRAM} translate [--target T] [--source VERSION] [--] <argv...>
       {PROGRAM} exec [--target T] [--source VERSION] [--pass-untranslated] -- <command...>
       {PROGRAM} verify [--release R] [--text FILE] [--script FILE] [-- <old argv...>]

translate  print the argv with the old tokenizer flags (--tokenizer-type, ...) replaced by the
           new ones, shell-quoted
exec       translate a command line and run it in place of this process (for launch scripts
           nobody may edit: put `{PROGRAM} exec --` in front of the command)
verify     build the tokenizer the old flags gave and the one their translation gives, and
           report whether token ids, vocab size, eod, pad and padded vocab size match

`{PROGRAM} <command> --help` describes each command and its exit codes.
"""

TRANSLATION_OPTIONS_HELP = """\
  --target T          pr3889 (default: the new flags, which compat.args parses) or upstream
                      (Megatron-LM main's parser: --tokenizer-type stays, removed flags go)
  --source VERSION    the megatron-core release the command line ran on (0.16.1, ...): where
                      the target changed what the old flags did (the null tokenizer's sizes,
                      0.16's Hugging Face defaults), the translation keeps the old behaviour;
                      without it, what to check is printed as notes
"""

TRANSLATE_HELP = f"""\
usage: {PROGRAM} translate [--target T] [--source VERSION] [--] <argv...>

Print <argv...> with the old tokenizer flags (--tokenizer-type, ...) replaced by the new ones,
shell-quoted, on one line; everything else is left as it was. Put -- first when the argv itself
begins with -h or --help.

options:
{TRANSLATION_OPTIONS_HELP}
exit codes:
  0  printed (warnings that need no action go to stderr)
  2  a flag cannot be translated, or a usage error: every problem is printed on stderr
     (rule code, word index, message, suggestion) and nothing on stdout
"""

EXEC_HELP = f"""\
usage: {PROGRAM} exec [--target T] [--source VERSION] [--pass-untranslated] -- <command...>

Translate the old tokenizer flags of a command line and run it in place of this process, for
launch scripts nobody may edit: put `{PROGRAM} exec --` in front of the command. The command
is looked up on PATH like a shell does.

options:
  --pass-untranslated  run the command even when a flag cannot be translated, with those words
                       unchanged (a fork's own --tokenizer-type value, say)
{TRANSLATION_OPTIONS_HELP}
exit codes:
  the command's own, once it runs
  2    a flag cannot be translated (nothing is run), or a usage error (no command, an empty
       command name, a word with a NUL byte)
  126  the command exists but cannot be run: a directory, a file without execute permission,
       not a program (no #! line), a missing #! interpreter, an argument list too long
  127  the command is not found
"""


class UsageError(Exception):
    """A malformed command line of ours; the message names the fix."""


class HelpRequested(Exception):
    """``-h``/``--help`` among a command's own options."""


@dataclass(frozen=True)
class Options:
    """A command's own options (before ``--``) and the words it works on."""

    values: dict[str, str]
    switches: frozenset[str]
    words: list[str]


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    value_options: tuple[str, ...]
    switch_options: tuple[str, ...]
    # Without ``--``: "argv" takes the first word that is not our option as the start of the
    # argv; "command" also refuses unknown options there (they would be read as the command);
    # "separator" takes nothing but options.
    bare_words: str

    def parse(self, arguments: Sequence[str]) -> Options:
        values: dict[str, str] = {}
        switches: set[str] = set()
        index = 0
        while index < len(arguments):
            word = arguments[index]
            name, equals, value = word.partition("=")
            if word == SEPARATOR:
                return Options(values, frozenset(switches), list(arguments[index + 1 :]))
            if word in HELP_OPTIONS:
                raise HelpRequested
            if name in self.value_options:
                if not equals:
                    if index + 1 == len(arguments) or arguments[index + 1] == SEPARATOR:
                        raise UsageError(f"{name} needs a value")
                    index += 1
                    value = arguments[index]
                values[name] = value
            elif word in self.switch_options:
                switches.add(word)
            elif self.bare_words == "argv" or (
                self.bare_words == "command" and not word.startswith("-")
            ):
                return Options(values, frozenset(switches), list(arguments[index:]))
            else:
                raise UsageError(self._unknown(word))
            index += 1
        return Options(values, frozenset(switches), [])

    def _unknown(self, word: str) -> str:
        where = "the command" if self.bare_words == "command" else "the old command line"
        return (
            f"unknown option {word!r} for {self.name}; put {where} after `--`, e.g. "
            f"`{PROGRAM} {self.name} -- {shlex.quote(word)} ...`"
        )


def _translated(options: Options, stderr: TextIO) -> Translation | None:
    """The translation of ``options.words`` for ``--target``/``--source``, its warnings, notes
    and problems printed; None (after a message) when those options are wrong."""
    target = options.values.get(TARGET_OPTION, TARGETS[0])
    if target not in TARGETS:
        print(
            f"compat.args: {TARGET_OPTION} is {' or '.join(TARGETS)} (Megatron-LM main's "
            f"parser), not {target!r}",
            file=stderr,
        )
        return None
    try:
        translation = translate_argv(
            options.words, target=target, source=options.values.get(SOURCE_OPTION)
        )
    except ValueError as error:
        print(f"compat.args: {SOURCE_OPTION}: {error}", file=stderr)
        return None
    _report(translation, stderr)
    return translation


def _report(translation: Translation, stderr: TextIO) -> None:
    for warning in translation.warnings:
        print(f"compat.args: warning: {warning}", file=stderr)
    for note in translation.notes:
        print(f"compat.args: note at word {note.index}: {note.message}", file=stderr)
        if note.suggestion:
            print(f"  suggestion: {note.suggestion}", file=stderr)
    for problem in translation.errors:
        print(
            f"compat.args: error [{problem.code}] at word {problem.index}: {problem.message}",
            file=stderr,
        )
        if problem.suggestion:
            print(f"  suggestion: {problem.suggestion}", file=stderr)


def _nul_byte_problem(words: Sequence[str]) -> str | None:
    for index, word in enumerate(words):
        if "\0" in word:
            return (
                f"word {index} ({word!r}) contains a NUL byte, which no command line can "
                "carry; remove it"
            )
    return None


def _write_line(stream: TextIO, text: str) -> None:
    """Words from the command line may hold undecodable bytes (as surrogates, PEP 383): they
    are written back as the same bytes."""
    try:
        print(text, file=stream)
    except UnicodeEncodeError:
        stream.flush()
        stream.buffer.write(os.fsencode(text) + b"\n")
        stream.buffer.flush()


def _translate(options: Options, stdout: TextIO, stderr: TextIO) -> int:
    translation = _translated(options, stderr)
    if translation is None:
        return EXIT_USAGE
    if translation.errors:
        print("compat.args: nothing printed; fix the flags above", file=stderr)
        return EXIT_UNTRANSLATABLE
    _write_line(stdout, shlex.join(translation.argv))
    return EXIT_OK


def _exec_failure(name: str, error: OSError) -> tuple[int, str]:
    """The exit code and message for a command ``os.execvp`` could not start (as a shell)."""
    shown = repr(name)
    if isinstance(error, FileNotFoundError | NotADirectoryError):
        if os.sep in name and os.path.isfile(name):
            return EXIT_CANNOT_RUN, (
                f"cannot run {shown}: the interpreter named on its #! line is not installed"
            )
        where = "" if os.sep in name else " (searched PATH)"
        return EXIT_NOT_FOUND, f"command not found: {shown}{where}"
    if isinstance(error, PermissionError):
        if os.path.isdir(name):
            return EXIT_CANNOT_RUN, f"cannot run {shown}: it is a directory"
        return EXIT_CANNOT_RUN, (
            f"permission denied: {shown} is not executable; make it "
            f"executable (chmod +x) or name its interpreter first "
            f"(e.g. bash {shlex.quote(name)})"
        )
    if error.errno == errno.ENOEXEC:
        return EXIT_CANNOT_RUN, (
            f"cannot run {shown}: it is not a program this system can run "
            "(exec format error); give it a #! line or name its "
            "interpreter first"
        )
    if error.errno == errno.E2BIG:
        return EXIT_CANNOT_RUN, (
            f"cannot run {shown}: the argument list is too long for this "
            "system; pass the long values through a file instead"
        )
    return EXIT_CANNOT_RUN, f"cannot run {shown}: {error.strerror or error}"


def _exec(options: Options, stdout: TextIO, stderr: TextIO) -> int:
    pass_untranslated = PASS_UNTRANSLATED in options.switches
    if not options.words:
        print(f"compat.args: exec needs a command to run\n{EXEC_HELP}", file=stderr, end="")
        return EXIT_USAGE
    translation = _translated(options, stderr)
    if translation is None:
        return EXIT_USAGE
    if translation.errors and not pass_untranslated:
        print(
            "compat.args: nothing run; fix the flags above, or add "
            f"{PASS_UNTRANSLATED} to run with them unchanged",
            file=stderr,
        )
        return EXIT_UNTRANSLATABLE
    if translation.errors:
        # A fork's own --tokenizer-type value, say, means something to the fork's parser.
        print("compat.args: the flags above are passed on unchanged", file=stderr)

    argv = list(translation.argv)
    if argv[0] == "":
        print(
            "compat.args: the command name is empty (the first word after `--` is '')", file=stderr
        )
        return EXIT_USAGE
    if translation.changed:
        print(f"compat.args: running {shlex.join(argv)}", file=stderr)
    stdout.flush()
    stderr.flush()
    try:
        os.execvp(argv[0], argv)
    except OSError as error:
        code, message = _exec_failure(argv[0], error)
        print(f"compat.args: {message}", file=stderr)
        return code
    raise AssertionError("os.execvp returned")  # pragma: no cover - execvp never returns


def _verify(options: Options, stdout: TextIO, stderr: TextIO) -> int:
    return run_verify(options.values, options.words, stdout, stderr)


COMMANDS: dict[str, Command] = {
    "translate": Command("translate", TRANSLATE_HELP, TRANSLATION_OPTIONS, (), "argv"),
    "exec": Command("exec", EXEC_HELP, TRANSLATION_OPTIONS, (PASS_UNTRANSLATED,), "command"),
    "verify": Command("verify", VERIFY_HELP, VERIFY_VALUE_OPTIONS, (), "separator"),
}
RUNNERS: dict[str, Callable[[Options, TextIO, TextIO], int]] = {
    "translate": _translate,
    "exec": _exec,
    "verify": _verify,
}


def main(
    arguments: Sequence[str] | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    arguments = list(sys.argv[1:] if arguments is None else arguments)
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if not arguments:
        print(USAGE, file=stderr, end="")
        return EXIT_USAGE
    if arguments[0] in HELP_OPTIONS:
        print(USAGE, file=stdout, end="")
        return EXIT_OK
    command = COMMANDS.get(arguments[0])
    if command is None:
        print(
            f"compat.args: unknown command {arguments[0]!r}; use translate, exec or verify\n"
            f"{USAGE}",
            file=stderr,
            end="",
        )
        return EXIT_USAGE
    try:
        options = command.parse(arguments[1:])
    except HelpRequested:
        print(command.help, file=stdout, end="")
        return EXIT_OK
    except UsageError as error:
        print(
            f"compat.args {command.name}: {error}\n(see `{PROGRAM} {command.name} --help`)",
            file=stderr,
        )
        return EXIT_USAGE
    nul_byte = _nul_byte_problem(options.words)
    if nul_byte is not None:
        print(f"compat.args {command.name}: {nul_byte}", file=stderr)
        return EXIT_USAGE
    return RUNNERS[command.name](options, stdout, stderr)


def _run_as_program() -> int:
    try:
        return main()
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # Whoever read our output went away (`... | head`): stop quietly, as cat does, and keep
        # the interpreter from reporting the same error again when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE


if __name__ == "__main__":
    sys.exit(_run_as_program())
