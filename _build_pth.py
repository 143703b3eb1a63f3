"""Build step shipping the import hook's start-up files in every install.

``megatron_tokenizer_compat.pth`` and the module it imports, ``_megatron_tokenizer_compat_finder``,
must sit directly in site-packages. ``build_py`` copies them to the root of the build tree, which a
regular wheel installs into site-packages. An editable install (``pip install -e .``) builds no
such tree, so they go straight into the editable wheel (setuptools points ``install_lib`` at the
wheel's root while it builds one), the finder told where the project's ``compat`` package is: it
is not next to it in site-packages.
"""

from __future__ import annotations

import os

from setuptools.command.build_py import build_py  # type: ignore[import-untyped]

PTH_FILE = "megatron_tokenizer_compat.pth"
FINDER_FILE = "_megatron_tokenizer_compat_finder.py"
# The finder's line naming where ``compat`` lives (``None``: next to the finder).
PACKAGE_ROOT_LINE = "PACKAGE_ROOT = None\n"
PROJECT_DIR = os.path.dirname(os.path.abspath(__file__))


def finder_source(package_root: str | None) -> str:
    """The finder module, told that ``compat`` lives in ``package_root`` (``None``: next to it)."""
    with open(os.path.join(PROJECT_DIR, FINDER_FILE), encoding="utf-8") as file:
        source = file.read()
    if source.count(PACKAGE_ROOT_LINE) != 1:
        raise RuntimeError(f"{FINDER_FILE} must assign PACKAGE_ROOT = None on one line")
    if package_root is None:
        return source
    return source.replace(PACKAGE_ROOT_LINE, f"PACKAGE_ROOT = {package_root!r}\n")


class BuildPyWithPth(build_py):  # type: ignore[misc]
    def run(self) -> None:
        super().run()
        target_dir = self.build_lib
        package_root = None
        if self.editable_mode:
            target_dir = self.get_finalized_command("install").install_lib
            package_root = os.path.dirname(os.path.abspath(self.get_package_dir("compat")))
        self.mkpath(target_dir)
        self.copy_file(
            os.path.join(PROJECT_DIR, PTH_FILE),
            os.path.join(target_dir, PTH_FILE),
            preserve_mode=False,
        )
        with open(os.path.join(target_dir, FINDER_FILE), "w", encoding="utf-8") as file:
            file.write(finder_source(package_root))

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs: list[str] = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        return [*outputs, *(os.path.join(self.build_lib, name) for name in (PTH_FILE, FINDER_FILE))]
