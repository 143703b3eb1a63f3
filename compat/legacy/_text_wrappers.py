"""The G1/G2 text model wrappers (``GPTTokenizer``, ``BertTokenizer``, ...), rebuilt on the facade.

Upstream's wrappers were empty subclasses of ``MegatronTokenizerText`` that recorded their own
class in the metadata. Ours are too (built from ``compat.deprecations.TEXT_MODEL_WRAPPERS``), with
the upstream module path as ``__module__``, so ``unique_identifiers`` (a dataset cache key) and
the ``class_name``/``class_path`` attributes read exactly as before.

``isinstance(tokenizer, GPTTokenizer)`` is true for every text facade, as in upstream G3 where the
five names were aliases of ``MegatronTokenizerText``: code that used the check to mean "a text
tokenizer" keeps working whatever built the tokenizer.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compat.deprecations import (
    LEGACY_BY_QUALNAME,
    LEGACY_LIBRARIES,
    MEGATRON_ROOT,
    TEXT_MODEL_WRAPPERS,
)
from compat.legacy._facade_alias import config_naming, facade_alias
from compat.tokenizers.library_names import is_g1_null
from compat.tokenizers.text.text_tokenizer import MegatronTokenizerText


def _init(
    self: MegatronTokenizerText,
    path: str | None = None,
    config: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> None:
    config = config_naming(self, config)
    # Old code passes the library strings of its generation (G2 "sft"); G1's "null" goes to
    # the facade as it is, which keeps G1's null sizes for it.
    library = config.get("library")
    rename = LEGACY_LIBRARIES.get(library) if isinstance(library, str) else None
    if rename is not None and not is_g1_null(library):
        config["library"] = rename.new
    MegatronTokenizerText.__init__(self, path, config, **kwargs)


for _name, _submodule in TEXT_MODEL_WRAPPERS.items():
    _module = f"{MEGATRON_ROOT}.text.models.{_submodule}"
    globals()[_name] = facade_alias(
        LEGACY_BY_QUALNAME[f"{_module}.{_name}"], MegatronTokenizerText, _init
    )
