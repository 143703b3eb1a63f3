"""Serve the old tokenizer import paths that nothing installed provides.

The ``megatron_tokenizer_compat.pth`` file installed next to the package appends a tiny finder to
the END of ``sys.meta_path`` at interpreter start; it imports this module only when a
``megatron...`` import reaches it, i.e. when no other finder could provide the module. So an
installed megatron-core always wins, and the hook costs nothing until it is needed. This module
serves:

* the deleted legacy modules (``compat.deprecations.LEGACY_MODULES``, e.g.
  ``megatron.core.tokenizers.text.models.gpt_tokenizer``) from ``compat.legacy``;
* when no megatron-core provides ``megatron.core.tokenizers``: the whole tree, as the very module
  objects of ``compat.tokenizers`` (``megatron.core.tokenizers.MegatronTokenizer is
  compat.tokenizers.MegatronTokenizer``), under a minimal ``megatron`` / ``megatron.core`` whose
  other submodules fail with a ``ModuleNotFoundError`` naming megatron-core.

``MEGATRON_COMPAT_DISABLE=1`` turns it off: the finder stays on ``sys.meta_path`` but serves
nothing (read at every lookup, so it can also be set after start-up).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
from collections.abc import Sequence
from typing import Any

DISABLE_VARIABLE = "MEGATRON_COMPAT_DISABLE"
# The .pth finder and ``install()``'s finder share this class name, so each recognises the other.
FINDER_NAME = "MegatronTokenizerCompatFinder"
# What the .pth file's finder (see ``pth_line``) looks for before importing this module.
TOP_LEVEL = "megatron"
MEGATRON_CORE = "megatron.core"
_MINIMAL_PACKAGES = (TOP_LEVEL, MEGATRON_CORE)
_FALSE_VALUES = frozenset({"", "0", "false", "no", "off"})


def disabled() -> bool:
    return os.environ.get(DISABLE_VARIABLE, "").strip().lower() not in _FALSE_VALUES


def _megatron_root() -> str:
    from compat.deprecations import MEGATRON_ROOT

    return MEGATRON_ROOT


def _compat_root() -> str:
    from compat.deprecations import COMPAT_ROOT

    return COMPAT_ROOT


def _legacy_modules() -> frozenset[str]:
    from compat.deprecations import LEGACY_MODULES

    return LEGACY_MODULES


def compat_module_for(name: str) -> str:
    """The module of ours that stands for ``megatron.core.tokenizers[.x]``."""
    root = _megatron_root()
    if name in _legacy_modules():
        from compat.legacy import LEGACY_PACKAGE

        return LEGACY_PACKAGE + name[len(root):]
    return _compat_root() + name[len(root):]


def _is_ours(finder: Any) -> bool:
    return type(finder).__name__ == FINDER_NAME


def _provided_elsewhere(name: str, path: Sequence[str] | None, target: Any) -> bool:
    """Whether a finder other than ours provides ``name``: one after ours on ``sys.meta_path``
    (e.g. an editable megatron-core install's finder) would be asked after us."""
    for finder in list(sys.meta_path):
        if _is_ours(finder):
            continue
        find_spec = getattr(finder, "find_spec", None)
        if find_spec is None:
            continue
        try:
            if find_spec(name, path, target) is not None:
                return True
        except (ImportError, ValueError):
            continue
    return False


class _AliasLoader(importlib.abc.Loader):
    """Binds an upstream module name to one of our modules: the very same module object."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._own_spec: Any = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = importlib.import_module(self.target)
        self._own_spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # The import system stamped the upstream spec on our module; give it its own back, so
        # ``compat`` modules keep reloading and pickling under their real name.
        module.__spec__ = self._own_spec


class _MissingMegatronCoreModule(importlib.abc.Loader):
    """Loader of the minimal ``megatron`` and ``megatron.core`` packages."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = types.ModuleType(spec.name)
        module.__doc__ = (
            f"Minimal {spec.name!r} package of megatron-tokenizer-compat: only "
            f"{_megatron_root()} is available without megatron-core."
        )
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # An empty search path: submodules can only come from this hook.
        module.__path__ = []
        module.__getattr__ = _submodule_getter(module.__name__)  # type: ignore[method-assign]


def _submodule_getter(package: str) -> Any:
    """The ``__getattr__`` of a minimal package: ``from megatron.core import parallel_state``
    must fail naming megatron-core, not with Python's bare "cannot import name"."""

    def __getattr__(name: str) -> Any:
        if name.startswith("_"):
            # Probes for dunders (``__file__``, ``__wrapped__``, ...) stay plain misses.
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return importlib.import_module(f"{package}.{name}")

    return __getattr__


def _served_tree() -> bool:
    """Whether ``megatron.core.tokenizers`` is our ``compat.tokenizers`` in this process."""
    served = sys.modules.get(_megatron_root())
    return served is not None and served is sys.modules.get(_compat_root())


def _missing_megatron_core(name: str) -> ModuleNotFoundError:
    return ModuleNotFoundError(
        f"No module named {name!r}: megatron-core is not installed; megatron-tokenizer-compat "
        f"provides only {_megatron_root()} (pip install megatron-core for the rest)",
        name=name,
    )


def _requested_module(import_system: types.FrameType | None) -> str | None:
    """The module the running import statement asked for. ``megatron`` and ``megatron.core``
    are served only as parents of a deeper module (``megatron.core.tokenizers...``, or
    ``megatron.core.models``, which then fails naming megatron-core): asked for themselves
    (``import megatron.core``, ``importlib.util.find_spec("megatron")``: feature detection),
    they keep failing without megatron-core."""
    from compat.warn import requested_module

    return requested_module(import_system)


def _forget_unused_minimal_packages() -> None:
    """After a failed ``import megatron.core.models``, ``megatron`` must not stay importable
    (feature detection), unless the tokenizers tree below it is in use."""
    if _megatron_root() in sys.modules:
        return
    for name in _MINIMAL_PACKAGES:
        if isinstance(getattr(sys.modules.get(name), "__loader__", None),
                      _MissingMegatronCoreModule):
            del sys.modules[name]


def _spec(name: str, loader: importlib.abc.Loader, package: bool) -> importlib.machinery.ModuleSpec:
    return importlib.machinery.ModuleSpec(name, loader, is_package=package)


def find_spec(
    name: str, path: Sequence[str] | None = None, target: Any = None
) -> importlib.machinery.ModuleSpec | None:
    """The spec of a module only we provide, or ``None``. Called for ``megatron`` names that
    every finder before ours failed to find."""
    if disabled() or not (name == TOP_LEVEL or name.startswith(TOP_LEVEL + ".")):
        return None
    root = _megatron_root()
    if name in _MINIMAL_PACKAGES:
        # The finder calling us (the .pth's lambda, or MegatronTokenizerCompatFinder) is called
        # by the import system: start looking for the import statement there.
        import_system = sys._getframe(1).f_back
        if _provided_elsewhere(name, path, target):
            return None
        requested = _requested_module(import_system)
        if requested is None:
            return None  # a probe (importlib.util.find_spec): megatron-core is not there
        if not requested.startswith(name + "."):
            # ``import megatron.core`` itself (also feature detection): fail, but say why
            _forget_unused_minimal_packages()
            raise _missing_megatron_core(name)
        return _spec(name, _MissingMegatronCoreModule(), package=True)
    if name == root or name in _legacy_modules():
        # (While we serve the tree, the mirror finder has claimed its submodules already.)
        if _provided_elsewhere(name, path, target):
            return None
        target_name = compat_module_for(name)
        own_spec = importlib.util.find_spec(target_name)
        if own_spec is None:
            return None
        if name == root:
            _MirrorFinder.install()
        is_package = own_spec.submodule_search_locations is not None
        return _spec(name, _AliasLoader(target_name), is_package)
    parent = sys.modules.get(name.rpartition(".")[0])
    if isinstance(getattr(parent, "__loader__", None), _MissingMegatronCoreModule):
        _forget_unused_minimal_packages()
        raise _missing_megatron_core(name)
    return None


class _MirrorFinder(importlib.abc.MetaPathFinder):
    """While we serve ``megatron.core.tokenizers``, its submodules must be our module objects,
    not second copies that the path finder would load from ``compat/tokenizers/`` (the alias
    package's ``__path__``): this finder runs first and claims them."""

    @classmethod
    def install(cls) -> None:
        if not any(isinstance(finder, cls) for finder in sys.meta_path):
            sys.meta_path.insert(0, cls())

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        root = _megatron_root()
        if not name.startswith(root + ".") or not _served_tree():
            return None
        if name in _legacy_modules() and disabled():
            # The served G3 tree stays whole; only the deprecated modules go.
            return None
        target_name = compat_module_for(name)
        spec = importlib.util.find_spec(target_name)
        if spec is None:
            return None
        return _spec(name, _AliasLoader(target_name), spec.submodule_search_locations is not None)


class MegatronTokenizerCompatFinder(importlib.abc.MetaPathFinder):
    """The hook as an object for ``sys.meta_path`` (what :func:`install` appends)."""

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        return find_spec(name, path, target)


assert MegatronTokenizerCompatFinder.__name__ == FINDER_NAME


def installed() -> bool:
    """Whether a finder of ours (the .pth file's or :func:`install`'s) is on ``sys.meta_path``."""
    return any(_is_ours(finder) for finder in sys.meta_path)


def install() -> None:
    """Append the hook to ``sys.meta_path`` when it is not there already (for interpreters that
    skip ``.pth`` files, e.g. ``python -S`` or an embedded interpreter)."""
    if not installed():
        sys.meta_path.append(MegatronTokenizerCompatFinder())


def pth_line() -> str:
    """The one line of ``megatron_tokenizer_compat.pth``: a finder defined inline, so interpreter
    start-up imports nothing; it imports this module on the first ``megatron`` import that no
    other finder satisfied. Kept short, because ``site`` compiles it at every start-up: the
    ``MEGATRON_COMPAT_DISABLE`` check happens in :func:`find_spec`, not here."""
    # Guarded: a site directory reachable twice (a venv's ``lib64 -> lib`` link) runs the line
    # twice, and ours is then still the last finder (others install themselves before ours).
    return (
        f"import sys; type(sys.meta_path[-1]).__name__ != {FINDER_NAME!r} and "
        "sys.meta_path.append(type("
        f"{FINDER_NAME!r}, (), {{'find_spec': staticmethod(lambda n, p=None, t=None: "
        "__import__('compat.importhook').importhook.find_spec(n, p, t) "
        f"if n[:{len(TOP_LEVEL)}] == {TOP_LEVEL!r} else None)}})())"
    )
