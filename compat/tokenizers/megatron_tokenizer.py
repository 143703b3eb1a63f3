"""``MegatronTokenizer``: restore a tokenizer from ``tokenizer_metadata.json`` (G3 semantics).

Every metadata form older generations wrote is read too (G1 ``library: "null"``, G2 ``"sft"``,
``model_type`` values, ``class_path`` values of deleted modules), with one deprecation warning
naming the codemod rule that rewrites the file. A metadata ``class_path`` is never imported: only
the facades of this package can be named.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from compat import deprecations
from compat.tokenizers.base_tokenizer import MegatronTokenizerBase
from compat.tokenizers.library_names import (
    PATHLESS_LIBRARIES,
    TEXT_LIBRARIES,
    current_library,
    g1_null_kwargs,
    is_g1_null,
    known_libraries,
    replacement_text,
    require_known_library,
)
from compat.tokenizers.library_names import (  # upstream's public names of this module
    VISION_LIBRARIES as VISION_LIBRARIES,
)

# from_pretrained kwargs the multimodal library cannot work without.
MULTIMODAL_REQUIRED_KWARGS = ("prompt_format", "special_tokens", "image_tag_type")
METADATA_FILE_NAME = "tokenizer_metadata.json"
# model_type values this API itself still writes (G3 ``write_metadata`` default); reading them
# back is not a legacy form.
_CURRENT_MODEL_TYPES = frozenset({"default-text", "default-vision"})

logger = logging.getLogger(__name__)


class MegatronTokenizer:
    """Restores a tokenizer facade; use ``MegatronTokenizer.from_pretrained``."""

    def __init__(self) -> None:
        raise OSError(
            "MegatronTokenizer cannot be instantiated; call "
            "MegatronTokenizer.from_pretrained(tokenizer_path, metadata_path=...) instead."
        )

    # Upstream stores both as plain functions on the class; called on the class, as they must
    # be, static methods behave the same.
    @staticmethod
    def from_pretrained(
        tokenizer_path: str | None = None,
        metadata_path: str | os.PathLike[str] | Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> MegatronTokenizerBase:
        """Build the tokenizer facade a metadata file (or dict) describes.

        Args:
            tokenizer_path: the tokenizer file or directory (for ``megatron``: a tokenizer name
                such as ``GPT2BPETokenizer``). Not needed for ``byte-level``, ``null-text`` and
                ``null-multimodal``.
            metadata_path: path of ``tokenizer_metadata.json``, or the metadata as a dict (never
                modified). Default: ``tokenizer_metadata.json`` next to / inside
                ``tokenizer_path``.
            **kwargs: passed to the facade and its library (``prompt_format`` switches on SFT).
        """
        metadata, resolved_metadata_path = _load_metadata(tokenizer_path, metadata_path)
        if is_g1_null(metadata.get("library")):
            kwargs = g1_null_kwargs(kwargs)
        # The warning for an old metadata form lands on our caller's line: 2 frames up.
        metadata = _normalize_metadata(metadata, kwargs, stacklevel=2)
        library = metadata["library"]

        if library not in PATHLESS_LIBRARIES and not tokenizer_path:
            raise ValueError(
                f"library {library!r} needs a tokenizer: pass "
                "MegatronTokenizer.from_pretrained(tokenizer_path=<file, directory or name>, ...) "
                "(--tokenizer-model on the command line)."
            )
        if library == "multimodal":
            missing = [name for name in MULTIMODAL_REQUIRED_KWARGS if name not in kwargs]
            if missing:
                raise ValueError(
                    f"library 'multimodal' needs the keyword arguments {missing}: pass them to "
                    "MegatronTokenizer.from_pretrained (None is allowed)."
                )

        tokenizer_class = _get_tokenizer_model_class(library, metadata)
        metadata["metadata_path"] = resolved_metadata_path
        tokenizer: MegatronTokenizerBase = tokenizer_class(
            path=tokenizer_path, config=metadata, **kwargs
        )
        return tokenizer

    @staticmethod
    def write_metadata(
        tokenizer_path: str | os.PathLike[str],
        tokenizer_library: str,
        model_type: str | None = None,
        tokenizer_class: type | None = None,
        chat_template: str | None = None,
        overwrite: bool = False,
        metadata_path: str | os.PathLike[str] | None = None,
    ) -> None:
        """Write ``tokenizer_metadata.json`` for a tokenizer (G3 format).

        Args:
            tokenizer_path: an existing tokenizer file or directory.
            tokenizer_library: one of ``TEXT_LIBRARIES + VISION_LIBRARIES``.
            model_type: kept for readers of older generations; unused for loading.
                Default ``"default-text"`` / ``"default-vision"`` (none when ``tokenizer_class``
                is given).
            tokenizer_class: a facade class to record as ``class_name``/``class_path``.
            chat_template: jinja chat template stored with the tokenizer.
            overwrite: replace an existing metadata file.
            metadata_path: where to write; default next to / inside ``tokenizer_path``.
        """
        tokenizer_path = os.fspath(tokenizer_path)
        if not os.path.exists(tokenizer_path):
            raise FileNotFoundError(
                f"tokenizer path {tokenizer_path!r} does not exist; write_metadata needs the "
                "tokenizer file or directory the metadata describes."
            )
        library = current_library(tokenizer_library, stacklevel=2)
        require_known_library(library)
        if model_type is None and tokenizer_class is None:
            model_type = "default-text" if library in TEXT_LIBRARIES else "default-vision"
        class_name, class_path = _class_keys(tokenizer_class)

        target = os.fspath(metadata_path) if metadata_path else _get_metadata_path(tokenizer_path)
        if os.path.exists(target) and not overwrite:
            raise ValueError(
                f"metadata file {target!r} already exists; pass overwrite=True to replace it."
            )
        metadata = {
            # G1's "null" is kept as given: read back, it keeps G1's sizes ("null-text" would not).
            "library": tokenizer_library if is_g1_null(tokenizer_library) else library,
            "class_name": class_name,
            "class_path": class_path,
            "model_type": model_type,
            "chat_template": chat_template,
        }
        with open(target, "w", encoding="utf-8") as handle:
            json.dump(metadata, handle)
        logger.info("Tokenizer metadata written to %s", target)


def _get_metadata_path(tokenizer_path: str | os.PathLike[str]) -> str:
    """``tokenizer_metadata.json`` next to a tokenizer file, or inside a tokenizer directory.

    Joined, not formatted as upstream's ``f"{dir}/..."``: for a file named relative to the
    working directory (``tok.model``) the directory is ``""``, which made that ``/...``, the
    filesystem root."""
    tokenizer_path = os.fspath(tokenizer_path)
    is_file = os.path.isfile(tokenizer_path)
    directory = os.path.dirname(tokenizer_path) if is_file else tokenizer_path
    return os.path.join(directory, METADATA_FILE_NAME)


# --- loading ---------------------------------------------------------------------------------


def _load_metadata(
    tokenizer_path: str | None, metadata_path: Any
) -> tuple[dict[str, Any], str | None]:
    """The metadata as a fresh dict, and the file it came from (None for a dict)."""
    if not metadata_path:
        if not tokenizer_path:
            raise ValueError(
                "MegatronTokenizer.from_pretrained needs tokenizer_path, metadata_path, or both: "
                "pass the tokenizer file/directory, or metadata_path={'library': ...}."
            )
        metadata_path = _get_metadata_path(tokenizer_path)
    if isinstance(metadata_path, Mapping):
        return dict(metadata_path), None
    if not isinstance(metadata_path, (str, os.PathLike)):
        raise ValueError(
            "metadata_path must be a path to tokenizer_metadata.json or a dict, "
            f"got {type(metadata_path).__name__}."
        )
    metadata_path = os.fspath(metadata_path)
    if not os.path.isfile(metadata_path):
        raise FileNotFoundError(
            f"tokenizer metadata file {metadata_path!r} does not exist. Create it with "
            "MegatronTokenizer.write_metadata(tokenizer_path, tokenizer_library), or pass "
            "metadata_path={'library': ...}."
        )
    try:
        with open(metadata_path, encoding="utf-8") as handle:
            metadata = json.load(handle)
    except json.JSONDecodeError as error:
        raise ValueError(
            f"tokenizer metadata file {metadata_path!r} is not valid JSON (line {error.lineno}, "
            f"column {error.colno}: {error.msg}); fix it or rewrite it with "
            "MegatronTokenizer.write_metadata(..., overwrite=True)."
        ) from None
    except UnicodeDecodeError:
        raise ValueError(
            f"tokenizer metadata file {metadata_path!r} is not UTF-8 text; rewrite it with "
            "MegatronTokenizer.write_metadata(..., overwrite=True)."
        ) from None
    except RecursionError:
        raise ValueError(
            f"tokenizer metadata file {metadata_path!r} is nested too deeply to read (it is "
            "not a metadata file: those are one flat JSON object); rewrite it with "
            "MegatronTokenizer.write_metadata(..., overwrite=True)."
        ) from None
    if not isinstance(metadata, dict):
        raise ValueError(
            f"tokenizer metadata file {metadata_path!r} must hold a JSON object such as "
            f'{{"library": "huggingface"}}, not a {type(metadata).__name__}.'
        )
    return metadata, metadata_path


@dataclass
class _LegacyForm:
    """The old-generation parts found in one metadata dict (reported in one warning)."""

    rule: deprecations.RuleCode | None = None
    legacy: list[str] = field(default_factory=list)
    replacement: list[str] = field(default_factory=list)

    def add(self, rule: deprecations.RuleCode, legacy: str, replacement: str) -> None:
        self.rule = self.rule or rule
        self.legacy.append(legacy)
        self.replacement.append(replacement)

    def warn(self, stacklevel: int) -> None:
        if self.rule is None:
            return
        # Imported here: compat.warn is light, but only legacy metadata needs it.
        from compat.warn import warn_deprecated

        warn_deprecated(
            self.rule,
            "tokenizer metadata " + ", ".join(self.legacy),
            "; ".join(self.replacement),
            stacklevel=stacklevel + 1,
        )


def _normalize_metadata(
    metadata: dict[str, Any], kwargs: dict[str, Any], stacklevel: int
) -> dict[str, Any]:
    """Translate older metadata forms to G3 (warning once) and validate the library.

    ``stacklevel``: how many frames above this function the warning is attributed to.
    """
    _check_value_types(metadata)
    legacy_form = _LegacyForm()
    library = metadata.get("library")
    if library is None:
        raise ValueError(
            "tokenizer metadata has no 'library' key; add one, e.g. "
            f'{{"library": "huggingface"}}. Known libraries: {known_libraries()}.'
        )
    if not isinstance(library, str):
        raise ValueError(
            f"tokenizer metadata 'library' must be a string, got {library!r}. "
            f"Known libraries: {known_libraries()}."
        )
    rename = deprecations.LEGACY_LIBRARIES.get(library)
    if rename is not None:
        legacy_form.add(rename.rule, f"library {library!r}", replacement_text(rename))
        metadata["library"] = rename.new
        if library == "sft" and not kwargs.get("prompt_format"):
            raise ValueError(
                "tokenizer metadata with library 'sft' needs a prompt format: pass "
                "prompt_format=... to MegatronTokenizer.from_pretrained "
                "(--tokenizer-prompt-format on the command line)."
            )
    require_known_library(metadata["library"])

    class_path = metadata.get("class_path")
    if class_path in deprecations.LEGACY_CLASS_PATHS:
        class_name, new_path = deprecations.LEGACY_CLASS_PATHS[class_path]
        legacy_form.add(
            deprecations.DELETED_CLASS_PATH,
            f"class_path {class_path!r}",
            f"class_path {new_path!r} (class_name {class_name!r})",
        )
        metadata["class_name"], metadata["class_path"] = class_name, new_path

    model_type = metadata.get("model_type")
    if model_type in deprecations.LEGACY_MODEL_TYPES and model_type not in _CURRENT_MODEL_TYPES:
        legacy_form.add(
            deprecations.MODEL_TYPE, f"model_type {model_type!r}", "no model_type (it is ignored)"
        )

    legacy_form.warn(stacklevel + 1)
    return metadata


# Metadata keys the loader reads, besides ``library``: each is a string or null.
_STRING_KEYS = ("class_name", "class_path", "model_type", "chat_template")


def _check_value_types(metadata: Mapping[Any, Any]) -> None:
    """Refuse metadata whose keys or known values have a type no writer produces (a list as
    ``class_path`` would otherwise fail as ``unhashable type`` deep inside)."""
    for key in metadata:
        if not isinstance(key, str):
            raise ValueError(
                f"tokenizer metadata keys must be strings (they become tokenizer attributes); "
                f"got {key!r}. Use string keys, or write the file with "
                "MegatronTokenizer.write_metadata(...)."
            )
    for key in _STRING_KEYS:
        value = metadata.get(key)
        if value is not None and not isinstance(value, str):
            raise ValueError(
                f"tokenizer metadata {key!r} must be a string or null, got "
                f"{type(value).__name__} {_shorten(value)}; fix it in the metadata, or rewrite "
                "the file with MegatronTokenizer.write_metadata(..., overwrite=True)."
            )


def _shorten(value: Any, width: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 3] + "..."


def _facade_paths() -> dict[tuple[str, str], str]:
    """(class_name, class_path) a metadata file may name → which facade it means."""
    paths = {}
    for kind, (class_name, module) in (
        ("text", deprecations.TEXT_FACADE),
        ("vision", deprecations.VISION_FACADE),
    ):
        paths[(class_name, module)] = kind
        paths[(class_name, deprecations.compat_path(module))] = kind
    return paths


def _get_tokenizer_model_class(library: str, metadata: Mapping[str, Any]) -> type:
    """The facade class for a (normalized) metadata dict.

    A ``class_name``/``class_path`` pair is honoured only when it names one of this package's
    facades: importing a module named in a JSON file would run arbitrary code.
    """
    class_name, class_path = metadata.get("class_name"), metadata.get("class_path")
    if class_name and class_path:
        kind = _facade_paths().get((class_name, class_path))
        if kind is None:
            raise ValueError(
                f"tokenizer metadata names class {class_path}.{class_name}, which is not a "
                "Megatron tokenizer facade; metadata may only name "
                "megatron.core.tokenizers.text.text_tokenizer.MegatronTokenizerText or "
                "megatron.core.tokenizers.vision.vision_tokenizer.MegatronTokenizerVision "
                "(modules named in a JSON file are never imported). Set class_name and "
                "class_path to null to choose the facade from the library."
            )
    else:
        kind = "text" if library in TEXT_LIBRARIES else "vision"
    if kind == "text":
        from compat.tokenizers.text.text_tokenizer import MegatronTokenizerText

        return MegatronTokenizerText
    from compat.tokenizers.vision import MegatronTokenizerVision

    return MegatronTokenizerVision


def _class_keys(tokenizer_class: type | None) -> tuple[str | None, str | None]:
    """``class_name``/``class_path`` to write for a facade class, under its upstream path so the
    file loads in upstream G3/main too. A legacy model wrapper (``GPTTokenizer`` ...) is recorded
    as the facade it is now, as upstream G3 (where the wrappers were aliases) did."""
    if tokenizer_class is None:
        return None, None
    if not isinstance(tokenizer_class, type):
        raise TypeError(f"tokenizer_class must be a class, got {type(tokenizer_class).__name__}")
    keys = (tokenizer_class.__name__, deprecations.megatron_path(tokenizer_class.__module__))
    keys = deprecations.LEGACY_CLASS_PATHS.get(keys[1], keys)
    if keys not in _facade_paths():
        raise ValueError(
            f"tokenizer_class {tokenizer_class.__module__}.{tokenizer_class.__qualname__} cannot "
            "be recorded: from_pretrained only restores MegatronTokenizerText or "
            "MegatronTokenizerVision (a class named in a metadata file is never imported). "
            "Pass one of those, or leave tokenizer_class=None."
        )
    return keys


def __getattr__(name: str) -> Any:
    # Names upstream removed from this module (TOKENIZER_LIBRARIES, TOKENIZER_MAPPING_NAMES) are
    # served, with a deprecation warning, by compat.legacy; it raises AttributeError otherwise.
    from compat.legacy import legacy_attribute

    return legacy_attribute(__name__, name)
