"""Build step shipping ``megatron_tokenizer_compat.pth`` (the import hook) in every install.

A ``.pth`` file must sit directly in site-packages. ``build_py`` copies it to the root of the
build tree, which a regular wheel installs into site-packages; an editable install
(``pip install -e .``) builds no such tree, so the file goes straight into the editable wheel
(setuptools points ``install_lib`` at the wheel's root while it builds one).
"""

from __future__ import annotations

import os

from setuptools.command.build_py import build_py

PTH_FILE = "megatron_tokenizer_compat.pth"


class BuildPyWithPth(build_py):
    def run(self) -> None:
        super().run()
        source = os.path.join(os.path.dirname(os.path.abspath(__file__)), PTH_FILE)
        target_dir = self.build_lib
        if self.editable_mode:
            target_dir = self.get_finalized_command("install").install_lib
        self.mkpath(target_dir)
        self.copy_file(source, os.path.join(target_dir, PTH_FILE), preserve_mode=False)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        outputs = super().get_outputs(include_bytecode)
        if self.editable_mode:
            return outputs
        return [*outputs, os.path.join(self.build_lib, PTH_FILE)]
