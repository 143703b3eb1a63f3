"""The G2 vision model wrapper (``DefaultTokenizerVision``), rebuilt on the vision facade.

Same shape as the text wrappers (:mod:`compat.legacy._text_wrappers`): an empty subclass that
records its own class, and ``isinstance`` true for every vision facade.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from compat.deprecations import LEGACY_BY_QUALNAME, MEGATRON_ROOT, VISION_MODEL_WRAPPERS
from compat.legacy._facade_alias import config_naming, facade_alias
from compat.tokenizers.vision import MegatronTokenizerVision


def _init(
    self: MegatronTokenizerVision,
    path: str | None = None,
    config: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> None:
    config = config_naming(self, config)
    MegatronTokenizerVision.__init__(self, path, config, **kwargs)


for _name, _submodule in VISION_MODEL_WRAPPERS.items():
    _module = f"{MEGATRON_ROOT}.vision.models.{_submodule}"
    globals()[_name] = facade_alias(
        LEGACY_BY_QUALNAME[f"{_module}.{_name}"], MegatronTokenizerVision, _init
    )
