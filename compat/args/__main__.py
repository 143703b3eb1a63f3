"""``python -m compat.args``: translate old tokenizer flags on a command line.

    python -m compat.args translate -- <argv...>   print the new argv, shell-quoted
    python -m compat.args exec [--pass-untranslated] -- <command...>
                                                   run the command with its argv translated
"""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from typing import TextIO

from compat.args.translate import Translation, translate_argv

USAGE = """\
usage: python -m compat.args translate -- <argv...>
       python -m compat.args exec [--pass-untranslated] -- <command...>

translate  print the argv with the old tokenizer flags (--tokenizer-type, ...) replaced by the
           new ones, shell-quoted; exit 2 if a flag cannot be translated
exec       translate a command line and run it in place of this process (for launch scripts
           nobody may edit: put `python -m compat.args exec --` in front of the command);
           exit 2 without running anything if a flag cannot be translated, unless
           --pass-untranslated is given: then those flags are passed on unchanged
"""

PASS_UNTRANSLATED = "--pass-untranslated"

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_UNTRANSLATABLE = 2
EXIT_NOT_EXECUTABLE = 126
EXIT_NOT_FOUND = 127


def _report(translation: Translation, stderr: TextIO) -> None:
    for warning in translation.warnings:
        print(f"compat.args: warning: {warning}", file=stderr)
    for problem in translation.errors:
        print(f"compat.args: error [{problem.code}] at word {problem.index}: {problem.message}",
              file=stderr)
        if problem.suggestion:
            print(f"  suggestion: {problem.suggestion}", file=stderr)


def main(arguments: Sequence[str] | None = None, stdout: TextIO | None = None,
         stderr: TextIO | None = None) -> int:
    arguments = list(sys.argv[1:] if arguments is None else arguments)
    stdout = stdout or sys.stdout
    stderr = stderr or sys.stderr
    if not arguments or arguments[0] in ("-h", "--help"):
        print(USAGE, file=stdout if arguments else stderr, end="")
        return EXIT_OK if arguments else EXIT_USAGE
    command, words = arguments[0], arguments[1:]
    pass_untranslated = command == "exec" and words[:1] == [PASS_UNTRANSLATED]
    if pass_untranslated:
        words = words[1:]
    if words[:1] == ["--"]:
        words = words[1:]
    if command not in ("translate", "exec"):
        print(f"compat.args: unknown command {command!r}; use 'translate' or 'exec'\n{USAGE}",
              file=stderr, end="")
        return EXIT_USAGE

    translation = translate_argv(words)
    _report(translation, stderr)
    if command == "translate":
        if translation.errors:
            print("compat.args: nothing printed; fix the flags above", file=stderr)
            return EXIT_UNTRANSLATABLE
        print(shlex.join(translation.argv), file=stdout)
        return EXIT_OK

    if translation.errors and not pass_untranslated:
        print("compat.args: nothing run; fix the flags above, or add "
              f"{PASS_UNTRANSLATED} to run with them unchanged", file=stderr)
        return EXIT_UNTRANSLATABLE
    if translation.errors:
        # A fork's own --tokenizer-type value, say, means something to the fork's parser.
        print("compat.args: the flags above are passed on unchanged", file=stderr)

    if not translation.argv:
        print(f"compat.args: exec needs a command to run\n{USAGE}", file=stderr, end="")
        return EXIT_USAGE
    if translation.changed:
        print(f"compat.args: running {shlex.join(translation.argv)}", file=stderr)
    stdout.flush()
    stderr.flush()
    try:
        os.execvp(translation.argv[0], list(translation.argv))
    except FileNotFoundError:
        print(f"compat.args: command not found: {translation.argv[0]!r}", file=stderr)
        return EXIT_NOT_FOUND
    except PermissionError:
        print(f"compat.args: permission denied: {translation.argv[0]!r} is not executable",
              file=stderr)
        return EXIT_NOT_EXECUTABLE
    raise AssertionError("os.execvp returned")  # pragma: no cover - execvp never returns


if __name__ == "__main__":
    sys.exit(main())
