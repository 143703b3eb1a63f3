"""Old tokenizer flags → new ones: the pure argv translator, argparse helpers and a CLI.

``python -m compat.args translate -- <argv...>`` prints the translated argv;
``python -m compat.args exec -- <command...>`` runs a command with its argv translated;
``python -m compat.args verify -- <old argv...>`` compares the tokenizers both argvs build.
"""

from compat.args.namespace import (
    TokenizerArgsError,
    add_tokenizer_args,
    translate_namespace,
    validate_tokenizer_args,
)
from compat.args.translate import (
    ArgvEdit,
    Problem,
    Translation,
    translate_argv,
)

__all__ = [
    "ArgvEdit",
    "Problem",
    "TokenizerArgsError",
    "Translation",
    "add_tokenizer_args",
    "translate_argv",
    "translate_namespace",
    "validate_tokenizer_args",
]
