"""megatron-tokenizer-compat's import hook, first on ``sys.meta_path`` (see compat/importhook.py).

``megatron_tokenizer_compat.pth`` imports this module, installed next to it, at every interpreter
start: hence so little here. The first ``megatron...`` or ``codemods.migrate`` lookup loads
``compat/importhook.py`` by file location, under a private name, and hands it that lookup and
every later one. When it cannot be loaded, the hook steps aside and ``failure`` says why.
"""

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.machinery import ModuleSpec
    from types import ModuleType

# The directory holding our ``compat`` package: None for this file's own directory (a regular
# install); an editable install's build step writes the project's directory here.
PACKAGE_ROOT = None
HOOK_MODULE = "_megatron_tokenizer_compat_hook"
failure = ""


def find_spec(
    name: "str", path: "Sequence[str] | None" = None, target: "object" = None
) -> "ModuleSpec | None":
    if name[:8] != "megatron" and name != "codemods.migrate":
        return None
    hook = load()
    return None if hook is None else hook.find_spec(name, path, target)


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


sys.meta_path.insert(0, sys.modules[__name__])
