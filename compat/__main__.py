"""``python -m compat doctor``: which megatron-core is installed, which API generation it has,
whether the import hook is active and which module paths compat serves.

The installation is inspected on disk, without importing megatron-core (its import is slow and
noisy) and without asking the import hook (which would answer for the paths it serves).
"""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.metadata
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from compat import __version__, importhook
from compat.deprecations import LEGACY_MODULES, MEGATRON_ROOT
from compat.warn import STRICT_VARIABLE, strict_mode

# Modules whose presence tells the generations apart (reference §2.1), relative to the root.
_GENERATION_PROBES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    # (generation, modules that must exist, modules that must not)
    ("G3", ("conversation",), ()),
    ("G1", ("text.utils.build_tokenizer",), ("vision",)),
    ("MAIN", ("vision", "text.libraries.sft_tokenizer"), ("text.models",)),
    ("G2", ("vision", "text.libraries.sft_tokenizer", "text.models"), ()),
)


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


def find_installation() -> Installation:
    try:
        version: str | None = importlib.metadata.version("megatron-core")
    except importlib.metadata.PackageNotFoundError:
        version = None
    spec = importlib.machinery.PathFinder.find_spec("megatron")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for location in locations:
        candidate = Path(location, "core", "tokenizers")
        if candidate.is_dir():
            return Installation(version, candidate)
    return Installation(version, None)


def _relative(module: str) -> str:
    return module[len(MEGATRON_ROOT) + 1:]


def served_paths(installation: Installation) -> list[str]:
    """Module paths the hook answers for with this installation."""
    if installation.tokenizers_dir is None:
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


def _hook_state() -> str:
    if importhook.disabled():
        return f"disabled ({importhook.DISABLE_VARIABLE}=1)"
    if importhook.installed():
        return "active"
    return (
        "not installed (no megatron_tokenizer_compat.pth in site-packages: reinstall with "
        "`pip install megatron-tokenizer-compat`, or call compat.importhook.install())"
    )


def doctor() -> int:
    installation = find_installation()
    lines = [f"megatron-tokenizer-compat {__version__}"]
    if installation.tokenizers_dir is None:
        lines.append("megatron-core: not installed (compat provides megatron.core.tokenizers)")
    else:
        lines.append(
            f"megatron-core: {installation.version or 'unknown version'} at "
            f"{installation.tokenizers_dir.parent.parent}"
        )
    lines.append(f"API generation: {installation.generation}")
    lines.append(f"import hook: {_hook_state()}")
    lines.append(f"strict mode ({STRICT_VARIABLE}): {'on' if strict_mode() else 'off'}")
    paths = served_paths(installation) if not importhook.disabled() else []
    lines.append("compat serves:" if paths else "compat serves: nothing")
    lines.extend(f"  {path}" for path in paths)
    print("\n".join(lines))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m compat", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("doctor", help="report megatron-core, its API generation and the hook")
    parser.parse_args(argv)
    return doctor()


if __name__ == "__main__":
    sys.exit(main())
