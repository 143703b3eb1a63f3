"""The import graph of compat.tokenizers has no cycle of our making: the library tables live in
a leaf module both ``MegatronTokenizer`` and the facades read (upstream's layout has no cycle
either)."""

from __future__ import annotations

import ast
from pathlib import Path

import compat.tokenizers

PACKAGE = Path(compat.tokenizers.__file__).parent


def module_level_imports(relative: str) -> set[str]:
    tree = ast.parse((PACKAGE / relative).read_text(encoding="utf-8"))
    imported = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
        elif isinstance(node, ast.Import):
            imported.update(alias.name for alias in node.names)
    return imported


def test_the_library_tables_are_a_leaf():
    ours = {name for name in module_level_imports("library_names.py") if name.startswith("compat")}
    assert ours == {"compat"}  # ``from compat import deprecations``


def test_the_facades_do_not_import_megatron_tokenizer_which_imports_them():
    for facade in ("text/text_tokenizer.py", "vision/vision_tokenizer.py"):
        imports = module_level_imports(facade)
        assert "compat.tokenizers.megatron_tokenizer" not in imports, facade
        assert "compat.tokenizers.library_names" in imports, facade
    assert not {
        name
        for name in module_level_imports("megatron_tokenizer.py")
        if name.startswith(("compat.tokenizers.text", "compat.tokenizers.vision"))
    }
