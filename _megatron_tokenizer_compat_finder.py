"""megatron-tokenizer-compat's import hook at interpreter start (see compat/importhook.py).

``megatron_tokenizer_compat.pth`` imports this module, installed next to it, at every start:
hence so little here, and next to nothing for the process's other imports. It registers
itself at the end of ``sys.meta_path`` (asked only about modules no other finder found) and a
path hook that takes only the directories of megatron's ``core/tokenizers`` package. The first
time either is needed, ``compat/importhook.py`` is loaded by file location under a private name
and does the work. When it cannot be loaded, the hook steps aside and ``failure`` says why.
"""

import sys
from os import sep

# (No module kept in this module's globals but sys, which lives to the end anyway: a module
# referenced from here stays alive into the interpreter's shutdown, which then costs more.)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.abc import PathEntryFinder
    from importlib.machinery import ModuleSpec
    from types import ModuleType

# The directory holding our ``compat`` package: None for this file's own directory (a regular
# install); an editable install's build step writes the project's directory here.
PACKAGE_ROOT = None
HOOK_MODULE = "_megatron_tokenizer_compat_hook"
TOKENIZERS_DIR = sep.join(("megatron", "core", "tokenizers"))
failure = ""


def find_spec(
    name: "str", path: "Sequence[str] | None" = None, target: "object" = None
) -> "ModuleSpec | None":
    if name[:8] != "megatron" and name != "codemods.migrate":
        return None
    hook = load()
    return None if hook is None else hook.find_spec(name, path, target)


def path_hook(path: "str") -> "PathEntryFinder":
    """Megatron's tokenizers directories go to the hook; the next path hook takes the rest."""
    if TOKENIZERS_DIR in path:
        hook = load()
        if hook is not None:
            return hook.path_hook(path)  # type: ignore[no-any-return]
    raise ImportError("not a directory of megatron's tokenizers package", path=path)


def load() -> "ModuleType | None":
    """The hook module, loaded on first use; None when it cannot be (``failure`` says why)."""
    global failure, find_spec
    hook = sys.modules.get(HOOK_MODULE)
    if hook is not None or failure:
        return hook
    location = "compat/importhook.py"
    try:
        # Modules the interpreter always has loaded: nothing on sys.path can stand in for them.
        import _frozen_importlib
        import _frozen_importlib_external
        import os

        root = PACKAGE_ROOT or os.path.dirname(os.path.abspath(__file__))
        location = os.path.join(root, "compat", "importhook.py")
        spec = _frozen_importlib_external.spec_from_file_location(HOOK_MODULE, location)
        if spec is None or spec.loader is None:
            raise ImportError("not a Python source file")
        hook = _frozen_importlib.module_from_spec(spec)
        sys.modules[HOOK_MODULE] = hook
        spec.loader.exec_module(hook)
        find_spec = hook.find_spec  # later lookups go straight to the hook
    except Exception as error:  # noqa: BLE001 - the hook steps aside; the doctor shows why
        sys.modules.pop(HOOK_MODULE, None)
        failure = f"cannot load the import hook from {location}: {type(error).__name__}: {error}"
        return None
    return hook


def _install() -> None:
    # Last on sys.meta_path, but before setuptools' editable-install finders: they would graft
    # our ``codemods.migrate`` onto a user's own ``codemods`` package.
    position = len(sys.meta_path)
    for index, finder in enumerate(sys.meta_path):
        if getattr(finder, "__module__", "").startswith("__editable__"):
            position = index
            break
    sys.meta_path.insert(position, sys.modules[__name__])
    # Before Python's own directory hook, which accepts every directory (not always the last
    # one: an editable install appends its own after it).
    position = len(sys.path_hooks)
    for index, hook in enumerate(sys.path_hooks):
        if getattr(hook, "__qualname__", "").startswith("FileFinder.path_hook"):
            position = index
            break
    sys.path_hooks.insert(position, path_hook)


_install()
