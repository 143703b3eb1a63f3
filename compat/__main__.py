"""``python -m compat doctor``: which megatron-core is installed and which ``megatron`` imports
here, which API generation its tokenizers are, whether the import hook is active (and if not,
why), which module paths compat serves, and which local packages shadow ours.

Everything is inspected on disk, without importing megatron-core (its import is slow and noisy)
and without asking the import hook (which would answer for the paths it serves). "Here" is the
working directory, as for a script run from it. Where a local ``compat.py`` or ``compat/`` would
run instead of this module, run ``python -P -m compat doctor`` (Python 3.11+) or from another
directory with ``--here DIR``.
"""

from __future__ import annotations

import argparse
import importlib.machinery
import os
import sys
import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from compat import __version__, importhook
from compat.deprecations import LEGACY_MODULES, LEGACY_NAMES, MEGATRON_ROOT
from compat.warn import STRICT_VARIABLE, strict_mode

# Modules whose presence tells the generations apart (reference §2.1), relative to the root.
_GENERATION_PROBES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # (generation, modules that must exist, modules that must not)
    ("G3", ("conversation",), ()),
    ("G1", ("text.utils.build_tokenizer",), ("vision",)),
    ("MAIN", ("vision", "text.libraries.sft_tokenizer"), ("text.models",)),
    ("G2", ("vision", "text.libraries.sft_tokenizer", "text.models"), ()),
)
_PACKAGE_DIR = Path(importhook.PACKAGE_DIR)


@dataclass(frozen=True)
class Installation:
    version: str | None
    tokenizers_dir: Path | None

    def has(self, relative_module: str) -> bool:
        """Whether ``megatron.core.tokenizers.<relative_module>`` exists on disk."""
        if self.tokenizers_dir is None:
            return False
        path = self.tokenizers_dir.joinpath(*relative_module.split("."))
        return path.is_dir() or path.with_suffix(".py").is_file()

    @property
    def generation(self) -> str:
        if self.tokenizers_dir is None:
            return "none"
        for generation, present, absent in _GENERATION_PROBES:
            if all(self.has(m) for m in present) and not any(self.has(m) for m in absent):
                return generation
        return "unknown"


@dataclass(frozen=True)
class MegatronHere:
    """The ``megatron`` package a script run here imports, next to the installed megatron-core."""

    installed: tuple[str, str] | None  # (version, its ``megatron`` directory)
    megatron_dir: Path | None  # what ``import megatron`` finds here

    @property
    def shadowing(self) -> bool:
        """Whether the ``megatron`` found here is not the installed megatron-core's."""
        if self.megatron_dir is None:
            return False
        return self.installed is None or not _same(self.megatron_dir, Path(self.installed[1]))

    @property
    def installation(self) -> Installation:
        """The tokenizers tree that imports here."""
        version = self.installed[0] if self.installed and not self.shadowing else None
        if self.megatron_dir is None:
            return Installation(version, None)
        tokenizers = self.megatron_dir / "core" / "tokenizers"
        return Installation(version, tokenizers if tokenizers.is_dir() else None)

    def describe_local(self) -> str:
        """What the ``megatron`` found here is, and what to do about it."""
        assert self.megatron_dir is not None
        here = str(self.megatron_dir)
        if self.installation.tokenizers_dir is not None:
            # A Megatron tree (a checkout or a fork): the hook treats it like megatron-core.
            text = f"{here}, a Megatron tree whose tokenizers are {self.installation.generation}"
            if self.installed is None:
                return text
            version, location = self.installed
            return (
                f"{text}; it shadows megatron-core {version} installed at {location} (take "
                f"{self.megatron_dir.parent} off sys.path to use that one)"
            )
        lacking = "'core'" if not (self.megatron_dir / "core").is_dir() else "'core/tokenizers'"
        return (
            f"{here}, not megatron-core: it has no {lacking} package; "
            + importhook.shadowing_advice(here)
        )


def search_path(here: Path) -> list[str]:
    """sys.path as a script run from ``here`` sees it: ``here`` first."""
    rest = [entry for entry in sys.path if entry and not _same(Path(entry), here)]
    return [str(here), *rest]


def find_megatron(here: Path) -> MegatronHere:
    spec = importlib.machinery.PathFinder.find_spec(importhook.TOP_LEVEL, search_path(here))
    locations = list(spec.submodule_search_locations or []) if spec else []
    # A namespace ``megatron`` spread over several directories: ``core`` comes from the first
    # that has one.
    candidates = sorted(map(Path, locations), key=lambda location: not (location / "core").is_dir())
    return MegatronHere(importhook.installed_megatron_core(), next(iter(candidates), None))


def find_installation(here: Path | None = None) -> Installation:
    return find_megatron(here or Path.cwd()).installation


def _relative(module: str) -> str:
    return module[len(MEGATRON_ROOT) + 1 :]


def served_paths(installation: Installation, megatron_core: bool = True) -> list[str]:
    """Module paths the hook answers for with this installation; ``megatron_core=False`` for a
    ``megatron`` package that is not megatron-core, which the hook gives nothing."""
    if installation.tokenizers_dir is None:
        if not megatron_core:
            return []
        return [f"{MEGATRON_ROOT} (the whole tree, from compat.tokenizers)"] + [
            f"{module} (deprecated aliases)" for module in sorted(LEGACY_MODULES)
        ]

    def served(relative: str) -> bool:
        if installation.has(relative) or MEGATRON_ROOT + "." + relative not in LEGACY_MODULES:
            return False
        parent = relative.rpartition(".")[0]
        return not parent or installation.has(parent) or served(parent)

    return [
        f"{module} (deprecated aliases)"
        for module in sorted(LEGACY_MODULES)
        if served(_relative(module))
    ]


def warned_modules(installation: Installation) -> list[str]:
    """Modules of this tree whose legacy names warn when used (the hook wraps them)."""
    watched = LEGACY_MODULES | {entry.legacy_module for entry in LEGACY_NAMES}
    return [module for module in sorted(watched) if installation.has(_relative(module))]


def _finder() -> types.ModuleType | None:
    for finder in sys.meta_path:
        if getattr(finder, "__name__", None) == importhook.FINDER_MODULE:
            return finder  # type: ignore[return-value]
    return None


def hook_state() -> str:
    if importhook.disabled():
        return f"disabled ({importhook.DISABLE_VARIABLE}=1)"
    finder = _finder()
    if finder is None:
        if importhook.installed():
            return "active (installed by compat.importhook.install())"
        return (
            "not installed (no megatron_tokenizer_compat.pth in site-packages, or Python runs "
            "with -S: reinstall with `pip install megatron-tokenizer-compat`, or call "
            "compat.importhook.install())"
        )
    hook = finder.load()
    if hook is None:
        return f"stepped aside: {finder.failure}"
    stepped_aside = list(getattr(hook, "failures", []))
    if stepped_aside:
        return "active, but stepped aside for: " + "; ".join(stepped_aside)
    return "active"


def _shadowed_packages(here: Path) -> list[str]:
    """Our packages that a local module or package shadows for code run here."""
    advice = {
        "compat": "your code's `import compat` gets it; the import hook is unaffected (it loads "
        "ours by location); `python -m codemods.migrate` refuses to run: run "
        f"`{importhook.MIGRATE_SCRIPT}` instead",
        "codemods": f"`python -m codemods.migrate` cannot run: run `{importhook.MIGRATE_SCRIPT}` "
        "instead (same options)",
    }
    lines = []
    for name, consequence in advice.items():
        spec = importlib.machinery.PathFinder.find_spec(name, search_path(here))
        origin = spec.origin if spec is not None and spec.origin else None
        ours = _PACKAGE_DIR.parent / name
        if origin is not None and not _same(Path(origin).parent, ours):
            lines.append(f"{name} here: {origin} shadows ours; {consequence}")
    return lines


def _same(first: Path, second: Path) -> bool:
    return os.path.realpath(first) == os.path.realpath(second)


def doctor(here: Path | None = None) -> int:
    here = here or Path.cwd()
    megatron = find_megatron(here)
    installation = megatron.installation
    lines = [f"megatron-tokenizer-compat {__version__}"]
    if megatron.installed is None:
        lines.append("megatron-core: not installed (compat provides megatron.core.tokenizers)")
    else:
        lines.append(f"megatron-core: {megatron.installed[0]} at {megatron.installed[1]}")
    if megatron.shadowing:
        lines.append(f"megatron here: {megatron.describe_local()}")
    lines.append(f"API generation: {installation.generation}")
    lines.append(f"import hook: {hook_state()}")
    lines.append(f"strict mode ({STRICT_VARIABLE}): {'on' if strict_mode() else 'off'}")
    paths = [] if importhook.disabled() else served_paths(installation, not megatron.shadowing)
    lines.append("compat serves:" if paths else "compat serves: nothing")
    lines.extend(f"  {path}" for path in paths)
    warned = [] if importhook.disabled() else warned_modules(installation)
    if warned:
        lines.append("legacy names warn in megatron's own modules:")
        lines.extend(f"  {module}" for module in warned)
    lines.extend(_shadowed_packages(here))
    lines.extend(migration_context(here))
    print("\n".join(lines))
    return 0


def migration_context(here: Path) -> list[str]:
    """What ``python -m codemods.migrate`` finds for the project holding ``here``: the Megatron
    its code runs against, the evidence, and the targets it migrates to."""
    from codemods.context import ContextFinder, project_root

    context = ContextFinder().for_root(project_root(here.resolve()))
    lines = [f"migration context of {context.root}: {context.summary()}"]
    lines.extend(f"  evidence: {evidence.describe()}" for evidence in context.evidence)
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compat", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    doctor_parser = commands.add_parser(
        "doctor", help="report megatron-core, its API generation, the hook and what shadows what"
    )
    doctor_parser.add_argument(
        "--here",
        type=Path,
        default=None,
        metavar="DIR",
        help="the directory scripts are run from (default: the working directory)",
    )
    options = parser.parse_args(argv)
    return doctor(options.here)


if __name__ == "__main__":
    sys.exit(main())
