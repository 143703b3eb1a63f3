"""The import hook: legacy tokenizer import paths keep working, and warn, whoever provides them.

How it runs: ``megatron_tokenizer_compat.pth`` imports ``_megatron_tokenizer_compat_finder``, a
tiny module shipped next to it in site-packages, which registers two things the rest of the
process's imports barely notice: itself, at the end of ``sys.meta_path`` (asked only about
modules no other finder found), and a path hook that takes only the directories of megatron's
``core/tokenizers`` packages. The first time either is needed, it loads this file by location,
under the private name ``_megatron_tokenizer_compat_hook``, and hands it the work. Our ``compat``
package is found by location as well, never by name: a user's own ``compat.py`` or ``compat/``
stays theirs and cannot stand in for ours.

For ``megatron...`` names:

* A real megatron-core always wins: the hook serves only what no finder provides. What it adds
  to megatron-core's own modules: its legacy modules (``LEGACY_MODULES``, and those holding
  ``LEGACY_NAMES``) get a loader that makes their legacy names warn when user code uses them
  (``compat.warn``'s rules; the objects are megatron-core's, unchanged; Megatron's own code never
  warns), and serves the legacy names they lack (0.19.2's
  ``megatron_tokenizer.TOKENIZER_LIBRARIES``) from ``compat.legacy``.
* Deleted legacy modules megatron-core lacks come from ``compat.legacy``.
* Without megatron-core, the whole ``megatron.core.tokenizers`` tree *is* ``compat.tokenizers``
  (the same module objects), under minimal ``megatron`` and ``megatron.core`` packages whose
  other submodules fail naming megatron-core.
* A ``megatron`` package that is not megatron-core (a vendored fork without ``core`` or without
  ``core/tokenizers``) is never given modules: an import that would need them fails naming that
  package and the fix.

Any failure of its own makes the hook step aside (the import proceeds as without it), warns once
and is listed in :data:`failures`; ``python -m compat doctor`` explains the usual causes.
``MEGATRON_COMPAT_DISABLE=1`` turns the hook off (read at every lookup).

Only the standard library is imported at the top: this module must load whatever ``compat``
names in the importing program.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import types
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeAlias, TypeVar

DISABLE_VARIABLE = "MEGATRON_COMPAT_DISABLE"
FINDER_MODULE = "_megatron_tokenizer_compat_finder"
HOOK_MODULE = "_megatron_tokenizer_compat_hook"
TOP_LEVEL = "megatron"
MEGATRON_CORE = "megatron.core"
CODEMODS_MIGRATE = "codemods.migrate"
MIGRATE_SCRIPT = "megatron-migrate"
COMPAT_PACKAGE = "compat"
MEGATRON_CORE_DISTRIBUTION = "megatron-core"
_MINIMAL_PACKAGES = (TOP_LEVEL, MEGATRON_CORE)
# A directory of megatron's tokenizers package (of any megatron tree), as the path hook sees it.
TOKENIZERS_DIR = os.sep.join(("megatron", "core", "tokenizers"))
_MINIMAL_MARKER = "__megatron_tokenizer_compat_minimal__"
_FALSE_VALUES = frozenset({"", "0", "false", "no", "off"})
# Our compat package, and the directory holding it (site-packages, or an editable checkout).
PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
INSTALL_ROOT = os.path.dirname(PACKAGE_DIR)
_REAL_PACKAGE_DIR = os.path.realpath(PACKAGE_DIR)
# The subpackages of ours that our code may import on first use, long after the hook served
# something (only their parent is looked up as ``compat``): loaded while our package is in
# place, so a user's ``compat`` never has to answer for them.
LAZILY_IMPORTED = (
    "compat.deprecations",
    "compat.releases",
    "compat.warn",
    "compat.legacy",
    "compat.args",
    "compat.tokenizers",
)

# What a lookup gets: a spec, nothing (other finders' turn), or an error naming the fix.
Answer: TypeAlias = "importlib.machinery.ModuleSpec | ModuleNotFoundError | None"

# Why the hook stepped aside in this process (``python -m compat doctor`` lists them).
failures: list[str] = []
# Names being looked up right now: a finder we ask may ask the meta path again.
_in_progress: set[str] = set()
_our_package: types.ModuleType | None = None
_tables_cache: _Tables | None = None


class _Deferred(Exception):
    """Another finder failed while we asked it: let the import system ask it itself."""


def disabled() -> bool:
    return os.environ.get(DISABLE_VARIABLE, "").strip().lower() not in _FALSE_VALUES


# --- entry point ------------------------------------------------------------------------------


def find_spec(
    name: str, path: Sequence[str] | None = None, target: Any = None
) -> importlib.machinery.ModuleSpec | None:
    """The ``sys.meta_path`` entry point (at its end: asked about modules no other finder
    found). Raises only the deliberate ``ModuleNotFoundError``s naming a fix."""
    ours = name in (TOP_LEVEL, CODEMODS_MIGRATE) or name.startswith(TOP_LEVEL + ".")
    if not ours or name in _in_progress:
        return None
    _in_progress.add(name)
    try:
        answer = _answer(name, path, target)
    except _Deferred:
        return None
    except Exception as error:  # noqa: BLE001 - a bug of ours must never break an import
        _step_aside(name, error)
        return None
    finally:
        _in_progress.discard(name)
    if isinstance(answer, ModuleNotFoundError):
        raise answer
    return answer


def _step_aside(name: str, error: Exception) -> None:
    failures.append(f"{name}: {type(error).__name__}: {error}")
    if len(failures) > 1:
        return
    try:
        import warnings

        warnings.warn(
            f"megatron-tokenizer-compat's import hook stepped aside for {name!r} "
            f"({type(error).__name__}: {error}); imports proceed as without it. "
            "`python -m compat doctor` explains the usual causes.",
            RuntimeWarning,
            stacklevel=2,
        )
    except Exception:  # noqa: BLE001, S110 - under ``-W error`` the warning itself raises
        pass


def _answer(name: str, path: Sequence[str] | None, target: Any) -> Answer:
    if name == CODEMODS_MIGRATE:
        return _codemods_migrate(path, target)
    parent = sys.modules.get(name.rpartition(".")[0])
    if parent is not None and _served_by_us(parent):
        return _child_of_ours(name)  # (normally the mirror finder answered already)
    if disabled():
        return None
    if name in _MINIMAL_PACKAGES:
        return _top_package(name, path, target)
    tables = _tables()
    if name == tables.root:
        return _tokenizers_root(path, target)
    if name.startswith(tables.root + "."):
        return _tokenizers_module(name, path, target)
    if parent is not None and _is_minimal(parent):
        _forget_unused_minimal_packages()
        return _missing_megatron_core(name)
    return None


# --- what to answer ---------------------------------------------------------------------------


def _top_package(name: str, path: Sequence[str] | None, target: Any) -> Answer:
    """``megatron`` and ``megatron.core``: whoever provides them, else (no megatron-core) minimal
    packages, but only as parents of a deeper module; asked for themselves (``import
    megatron.core``, ``importlib.util.find_spec("megatron")``: feature detection) they keep
    failing as without compat."""
    found = _provided_elsewhere(name, path, target)
    if found is not None:
        return found
    requested = _compat_warn().requested_module()
    top = sys.modules.get(TOP_LEVEL)
    if name == MEGATRON_CORE and top is not None and not _is_minimal(top):
        # A ``megatron`` without ``core``: a vendored fork, not megatron-core.
        return _not_megatron_core(name, top) if requested is not None else None
    if requested is None:
        return None
    if not requested.startswith(name + "."):
        _forget_unused_minimal_packages()
        return _missing_megatron_core(name)
    return importlib.machinery.ModuleSpec(name, _MinimalPackageLoader(), is_package=True)


def _tokenizers_root(path: Sequence[str] | None, target: Any) -> Answer:
    root = _tables().root
    found = _provided_elsewhere(root, path, target)
    if found is not None:
        return found
    core = sys.modules.get(MEGATRON_CORE)
    if core is None:
        return None
    # Ours under our minimal package, or under a megatron-core release older than its tokenizers.
    if _is_minimal(core) or _megatron_is_the_installed_distribution():
        return _alias_spec(root)
    # A ``megatron.core`` without tokenizers that is not megatron-core's: a vendored fork.
    return _not_megatron_core(root, core) if _compat_warn().requested_module() else None


def _tokenizers_module(name: str, path: Sequence[str] | None, target: Any) -> Answer:
    """Below megatron-core's (or a Megatron tree's) own ``megatron.core.tokenizers``."""
    tables = _tables()
    if name not in tables.watched:
        return None
    found = _provided_elsewhere(name, path, target)
    if found is not None:  # by a finder after ours (an editable megatron-core's)
        return _with_legacy_warnings(found)
    if name in tables.legacy_modules:
        return _alias_spec(name)
    return None


def _child_of_ours(name: str) -> Answer:
    """A submodule of a module we serve is ours too: the very module object of ``compat``, never
    a second copy loaded from our package's directory under the upstream name."""
    if disabled() and name in _tables().legacy_modules:
        return None  # a tree already served stays whole; only the deprecated modules go
    return _alias_spec(name)


def _codemods_migrate(path: Sequence[str] | None, target: Any) -> Answer:
    """``python -m codemods.migrate`` where a local ``codemods`` package (common in LibCST users'
    repositories) shadows ours and has no ``migrate``: say what to run instead."""
    package = sys.modules.get(CODEMODS_MIGRATE.partition(".")[0])
    ours = os.path.join(INSTALL_ROOT, *CODEMODS_MIGRATE.split(".")) + ".py"
    if package is None or _same_dir(_package_dir(package), os.path.dirname(ours)):
        return None
    # Its own ``migrate`` runs; ours is never grafted onto it (as an editable install's finder,
    # which maps ``codemods.*`` names to our files, would).
    own = importlib.machinery.PathFinder.find_spec(CODEMODS_MIGRATE, path, target)
    if own is not None or not os.path.isfile(ours):
        return own
    return ModuleNotFoundError(
        f"No module named {CODEMODS_MIGRATE!r}: the 'codemods' package imported here is "
        f"{_package_dir(package)}, not megatron-tokenizer-compat's (it shadows ours). Run the "
        f"`{MIGRATE_SCRIPT}` console script instead (same options), or run from a directory "
        "without a 'codemods' package.",
        name=CODEMODS_MIGRATE,
    )


def _provided_elsewhere(
    name: str, path: Sequence[str] | None, target: Any
) -> importlib.machinery.ModuleSpec | None:
    """What the other finders on ``sys.meta_path`` provide for ``name``: those after ours (an
    editable megatron-core's) would be asked after us."""
    for finder in list(sys.meta_path):
        find = getattr(finder, "find_spec", None)
        if find is None or _is_hook_finder(finder):
            continue
        try:
            spec = find(name, path, target)
        except Exception as error:
            raise _Deferred from error
        if spec is not None:
            return spec  # type: ignore[no-any-return]
    return None


# --- serving our modules ----------------------------------------------------------------------


def _alias_spec(name: str) -> importlib.machinery.ModuleSpec | None:
    target = compat_module_for(name)
    with _our_compat_in_place():
        own = importlib.util.find_spec(target)
    if own is None:
        return None
    is_package = own.submodule_search_locations is not None
    if is_package:
        _MirrorFinder.install()
    return importlib.machinery.ModuleSpec(name, _AliasLoader(target), is_package=is_package)


class _MirrorFinder(importlib.abc.MetaPathFinder):
    """Once we serve a package, its submodules must be our module objects too, not second
    copies the path finder would load from our package's directory (the alias package's
    ``__path__``) under the upstream name: this finder, first on ``sys.meta_path`` from then on
    (only in such processes), claims them."""

    @classmethod
    def install(cls) -> None:
        if not any(isinstance(finder, cls) for finder in sys.meta_path):
            sys.meta_path.insert(0, cls())

    def find_spec(
        self, name: str, path: Sequence[str] | None = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        parent = sys.modules.get(name.rpartition(".")[0])
        if parent is None or not _served_by_us(parent) or not name.startswith(TOP_LEVEL + "."):
            return None
        try:
            answer = _child_of_ours(name)
        except Exception as error:  # noqa: BLE001 - never break an import
            _step_aside(name, error)
            return None
        return answer if isinstance(answer, importlib.machinery.ModuleSpec) else None


def compat_module_for(name: str) -> str:
    """The module of ours that stands for ``megatron.core.tokenizers[.x]``."""
    tables = _tables()
    home = tables.legacy_package if name in tables.legacy_modules else tables.compat_root
    return home + name[len(tables.root) :]


class _AliasLoader(importlib.abc.Loader):
    """Binds an upstream module name to one of our modules: the very same module object."""

    def __init__(self, target: str) -> None:
        self.target = target
        self._own_spec: Any = None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _import_ours(self.target)
        self._own_spec = module.__spec__
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # The import system stamped the upstream spec on our module; give it its own back, so
        # ``compat`` modules keep reloading and pickling under their real name.
        module.__spec__ = self._own_spec


def _import_ours(name: str) -> types.ModuleType:
    """One of our modules, from our package even where a user's ``compat`` shadows it."""
    loaded = sys.modules.get(name)
    if loaded is not None and _served_by_us(loaded):
        return loaded
    with _our_compat_in_place():
        return importlib.import_module(name)


@contextmanager
def _our_compat_in_place() -> Iterator[None]:
    """``sys.modules["compat"]`` is our package inside the block. Where ``import compat`` would
    find a user's module, ours is loaded by location and put back out of the way afterwards;
    its submodules stay in ``sys.modules`` under their own names, so our code keeps finding
    them (``from compat.warn import ...`` does not look at ``compat`` when ``compat.warn`` is
    loaded)."""
    current = sys.modules.get(COMPAT_PACKAGE)
    if current is not None and _served_by_us(current):
        yield
        return
    if current is None and not _compat_shadowed():
        yield  # ``import compat`` finds ours: it is imported the usual way
        return
    _refuse_foreign_submodules()
    sys.modules[COMPAT_PACKAGE] = _our_compat_package()
    try:
        for name in LAZILY_IMPORTED:
            importlib.import_module(name)
        yield
    finally:
        if current is None:
            sys.modules.pop(COMPAT_PACKAGE, None)
        else:
            sys.modules[COMPAT_PACKAGE] = current


def _compat_shadowed() -> bool:
    found = importlib.util.find_spec(COMPAT_PACKAGE)
    return found is None or not _in_our_package(found.origin)


def _our_compat_package() -> types.ModuleType:
    global _our_package
    if _our_package is None:
        spec = importlib.util.spec_from_file_location(
            COMPAT_PACKAGE,
            os.path.join(PACKAGE_DIR, "__init__.py"),
            submodule_search_locations=[PACKAGE_DIR],
        )
        assert spec is not None and spec.loader is not None
        package = importlib.util.module_from_spec(spec)
        sys.modules[COMPAT_PACKAGE] = package  # its __init__ imports compat.warn
        spec.loader.exec_module(package)
        _our_package = package
    return _our_package


def _refuse_foreign_submodules() -> None:
    """A local ``compat`` package's module already imported under one of our modules' names
    would stand in for ours: the hook cannot work in this process."""
    for name in LAZILY_IMPORTED:
        loaded = sys.modules.get(name)
        if loaded is not None and not _served_by_us(loaded):
            raise ImportError(
                f"{name} is already imported from {getattr(loaded, '__file__', loaded)!r}, a "
                "module of a local 'compat' package named like one of megatron-tokenizer-compat's"
            )


def _served_by_us(module: types.ModuleType) -> bool:
    return _in_our_package(getattr(module, "__file__", None))


def _in_our_package(filename: str | None) -> bool:
    if not filename:
        return False
    if filename.startswith(PACKAGE_DIR + os.sep):
        return True
    return os.path.realpath(filename).startswith(_REAL_PACKAGE_DIR + os.sep)


class _Tables:
    """What the hook reads from ``compat.deprecations`` (the one table of legacy names)."""

    def __init__(self) -> None:
        deprecations = _import_ours("compat.deprecations")
        legacy = _import_ours("compat.legacy")
        _compat_warn()
        self.root: str = deprecations.MEGATRON_ROOT
        self.compat_root: str = deprecations.COMPAT_ROOT
        self.legacy_package: str = legacy.LEGACY_PACKAGE
        self.legacy_modules: frozenset[str] = deprecations.LEGACY_MODULES
        names: dict[str, set[str]] = {}
        for entry in deprecations.LEGACY_NAMES:
            names.setdefault(entry.legacy_module, set()).add(entry.legacy_name)
        self.names_by_module = {module: frozenset(held) for module, held in names.items()}
        self.all_names = frozenset().union(*self.names_by_module.values())
        self.watched = self.legacy_modules | self.names_by_module.keys()


def _tables() -> _Tables:
    global _tables_cache
    if _tables_cache is None:
        _tables_cache = _Tables()
    return _tables_cache


def _compat_warn() -> types.ModuleType:
    warn = _import_ours("compat.warn")
    finder_file = getattr(sys.modules.get(FINDER_MODULE), "__file__", None)
    if finder_file:
        # The finder's frame is on the stack while it loads this module: never the user's line.
        warn.skip_frames_of(finder_file)
    return warn


# --- megatron-core's own legacy modules -------------------------------------------------------


# Where the path entry finders look, as ``importlib.machinery.FileFinder``'s default hook does.
_LOADER_DETAILS = (
    (importlib.machinery.ExtensionFileLoader, importlib.machinery.EXTENSION_SUFFIXES),
    (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES),
    (importlib.machinery.SourcelessFileLoader, importlib.machinery.BYTECODE_SUFFIXES),
)


def path_hook(path: str) -> importlib.abc.PathEntryFinder:
    """The path entry finder of a directory of megatron's ``core/tokenizers`` package (the
    finder module sends only those here): finds what Python's own would, and gives megatron's
    legacy modules the warning loader."""
    return _LegacyFileFinder(path)


class _LegacyFileFinder(importlib.machinery.FileFinder):
    def __init__(self, path: str) -> None:
        super().__init__(path, *_LOADER_DETAILS)

    def find_spec(
        self, fullname: str, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        spec = super().find_spec(fullname, target)
        if spec is None or disabled():
            return spec
        try:
            watched = fullname in _tables().watched
        except Exception as error:  # noqa: BLE001 - never break an import
            _step_aside(fullname, error)
            return spec
        return _with_legacy_warnings(spec) if watched else spec


def _with_legacy_warnings(spec: importlib.machinery.ModuleSpec) -> importlib.machinery.ModuleSpec:
    if spec.loader is not None:
        spec.loader = _LegacyWarningLoader(spec.loader)
    return spec


class _LegacyWarningLoader(importlib.abc.Loader):
    """Runs megatron-core's loader unchanged, then makes the module's legacy names warn. The
    module keeps megatron-core's loader (``__loader__``, ``__spec__.loader``)."""

    def __init__(self, loader: importlib.abc.Loader) -> None:
        self._loader = loader

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        module.__loader__ = self._loader
        self._loader.exec_module(module)
        _guarded(module.__name__, lambda: _watch_legacy_names(module), None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)


def _watch_legacy_names(module: types.ModuleType) -> None:
    tables = _tables()
    if module.__name__ in tables.names_by_module and type(module) is types.ModuleType:
        module.__class__ = _LegacyNamesModule
    if module.__name__ in tables.legacy_modules and not _used_by_megatron():
        _import_ours("compat.legacy").warn_module_imported(module.__name__)


class _LegacyNamesModule(types.ModuleType):
    """The class of a megatron-core module holding legacy names. Using one warns (the value is
    megatron-core's own); one megatron-core dropped is served by ``compat.legacy``."""

    def __getattribute__(self, name: str) -> Any:
        value = super().__getattribute__(name)
        if name in _tables().all_names:
            _guarded(self.__name__, lambda: _warn_name_used(self.__name__, name), None)
        return value

    def __getattr__(self, name: str) -> Any:
        missing = AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        served = _guarded(self.__name__, lambda: _dropped_name(self.__name__, name), missing)
        if served is missing:
            raise missing
        return served


def _warn_name_used(module_name: str, name: str) -> None:
    if not _used_by_megatron():
        _import_ours("compat.legacy").warn_name_used(module_name, name)


def _dropped_name(module_name: str, name: str) -> Any:
    """Our alias for a legacy name megatron-core's module lacks (``AttributeError`` for any
    other name, and for Megatron's own code, which must see the module as it is)."""
    if name not in _tables().names_by_module.get(module_name, ()) or _used_by_megatron():
        raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
    return _import_ours("compat.legacy").legacy_attribute(module_name, name)


_T = TypeVar("_T")


def _guarded(name: str, action: Callable[[], _T], fallback: _T) -> _T:
    """``action()``, or ``fallback`` when it fails by a bug of ours (the hook steps aside). What
    it raises on purpose goes through: strict mode's error, a warning under ``-W error``, the
    ``AttributeError`` of a name that does not exist."""
    try:
        return action()
    except (Warning, AttributeError):
        raise
    except Exception as error:
        if type(error).__module__ == "compat.warn":  # MegatronTokenizerDeprecationError
            raise
        _step_aside(name, error)
        return fallback


def _used_by_megatron() -> bool:
    """Whether the code using a legacy name is Megatron's own (megatron-core's
    ``from_pretrained`` resolves ``text.models``): never the user's to fix, so never warned."""
    frame = _compat_warn().user_frame(0)
    top = sys.modules.get(TOP_LEVEL)
    if frame is None or top is None:
        return False
    locations = tuple(os.path.join(location, "") for location in getattr(top, "__path__", ()))
    return bool(locations) and frame.f_code.co_filename.startswith(locations)


# --- megatron-core missing, or shadowed ---------------------------------------------------------


class _MinimalPackageLoader(importlib.abc.Loader):
    """Loader of the minimal ``megatron`` and ``megatron.core`` packages."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = types.ModuleType(spec.name)
        module.__doc__ = (
            f"Minimal {spec.name!r} package of megatron-tokenizer-compat: only "
            f"{_tables().root} is available without megatron-core."
        )
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        # An empty search path: submodules can only come from this hook.
        module.__path__ = []
        setattr(module, _MINIMAL_MARKER, True)
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


def _is_minimal(module: types.ModuleType) -> bool:
    return getattr(module, _MINIMAL_MARKER, False) is True


def _forget_unused_minimal_packages() -> None:
    """After a failed ``import megatron.core.models``, ``megatron`` must not stay importable
    (feature detection), unless the tokenizers tree below it is in use."""
    if _tables().root in sys.modules:
        return
    for name in _MINIMAL_PACKAGES:
        module = sys.modules.get(name)
        if module is not None and _is_minimal(module):
            del sys.modules[name]


def _missing_megatron_core(name: str) -> ModuleNotFoundError:
    return ModuleNotFoundError(
        f"No module named {name!r}: megatron-core is not installed; megatron-tokenizer-compat "
        f"provides only {_tables().root} (pip install megatron-core for the rest)",
        name=name,
    )


def installed_megatron_core() -> tuple[str, str] | None:
    """(version, ``megatron`` directory) of the installed megatron-core distribution, read from
    its metadata without importing it; ``None`` when it is not installed."""
    import importlib.metadata

    try:
        distribution = importlib.metadata.distribution(MEGATRON_CORE_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    return distribution.version, str(distribution.locate_file(TOP_LEVEL))


def _package_dir(package: types.ModuleType) -> str:
    locations = list(getattr(package, "__path__", None) or [])
    if locations:
        return str(locations[0])
    return os.path.dirname(str(getattr(package, "__file__", "") or ""))


def shadowing_advice(megatron_dir: str) -> str:
    """What to do about a ``megatron`` package (at ``megatron_dir``) that is not megatron-core."""
    installed = installed_megatron_core()
    if installed is not None and not _same_dir(installed[1], megatron_dir):
        version, location = installed
        return (
            f"it shadows megatron-core {version} installed at {location}. Fix: take "
            f"{os.path.dirname(megatron_dir)} off sys.path (the script's directory, the working "
            "directory or a PYTHONPATH entry) or rename the local package"
        )
    return (
        "megatron-tokenizer-compat adds no modules to it. Fix: import the tokenizers from "
        "compat.tokenizers (`python -m codemods.migrate --target compat` rewrites the imports), "
        "or install megatron-core and take the local package off sys.path"
    )


def _not_megatron_core(name: str, package: types.ModuleType) -> ModuleNotFoundError:
    lacking = name.rpartition(".")[2]
    top = sys.modules.get(TOP_LEVEL)
    megatron_dir = _package_dir(top) if top is not None else _package_dir(package)
    return ModuleNotFoundError(
        f"No module named {name!r}: the {package.__name__!r} package imported here "
        f"({_package_dir(package)}) has no {lacking!r}, so it is not megatron-core; "
        f"{shadowing_advice(megatron_dir)}",
        name=name,
    )


def _megatron_is_the_installed_distribution() -> bool:
    installed = installed_megatron_core()
    top = sys.modules.get(TOP_LEVEL)
    return installed is not None and top is not None and _same_dir(installed[1], _package_dir(top))


def _same_dir(first: str, second: str) -> bool:
    return os.path.realpath(first) == os.path.realpath(second)


# --- installing -------------------------------------------------------------------------------


def _is_hook_finder(finder: object) -> bool:
    return isinstance(finder, _MirrorFinder) or getattr(finder, "__name__", None) in (
        FINDER_MODULE,
        HOOK_MODULE,
        __name__,
    )


def installed() -> bool:
    """Whether the hook (the .pth file's finder or :func:`install`'s) is on ``sys.meta_path``."""
    return any(_is_hook_finder(finder) for finder in sys.meta_path)


def install() -> None:
    """Install the hook when the .pth file did not (for interpreters that skip ``.pth`` files,
    e.g. ``python -S`` or an embedded interpreter), as the finder module does."""
    if installed():
        return
    sys.meta_path.append(sys.modules[__name__])
    sys.path_hooks.insert(max(len(sys.path_hooks) - 1, 0), _tokenizers_path_hook)
    for seen in [entry for entry in sys.path_importer_cache if TOKENIZERS_DIR in entry]:
        del sys.path_importer_cache[seen]  # (megatron imported before: its finders are redone)


def _tokenizers_path_hook(path: str) -> importlib.abc.PathEntryFinder:
    if TOKENIZERS_DIR in path:
        return path_hook(path)
    raise ImportError("not a directory of megatron's tokenizers package", path=path)


def pth_line() -> str:
    """The one line of ``megatron_tokenizer_compat.pth``. ``site`` compiles it at every start-up
    (twice in a Linux virtual environment, whose ``lib64`` links to ``lib``), so it only imports
    the finder module, which comes with compiled bytecode: loading a module costs less than
    compiling a line defining a finder. The ``try`` keeps a missing or unreadable finder from
    ever failing the interpreter's start; the second time, the finder is there and nothing more
    is compiled."""
    return (
        f'import sys; "{FINDER_MODULE}" in sys.modules or '
        f'exec("try: import {FINDER_MODULE}\\nexcept Exception: pass")'
    )
