"""The abstract base every Megatron tokenizer facade derives from."""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any


class MegatronTokenizerBase(ABC):
    """Abstract facade: keeps the tokenizer path and exposes every metadata key as an attribute.

    ``tok.library``, ``tok.chat_template``, ``tok.metadata_path`` ... come from the metadata. The
    caller's ``config`` mapping is read, never modified. Subclasses keep the library object they
    build in ``self._tokenizer``.
    """

    # Set by the facades (``_tokenizer``) and by the metadata (``library``).
    _tokenizer: Any
    library: str

    def __init__(self, path: str | None, config: Mapping[str, Any], **kwargs: Any) -> None:
        self.path = path
        for key, value in config.items():
            if isinstance(getattr(type(self), key, None), property):
                raise ValueError(
                    f"tokenizer metadata key {key!r} clashes with the tokenizer property of the "
                    f"same name; remove {key!r} from tokenizer_metadata.json"
                )
            setattr(self, key, value)

    def _library_class(self, libraries: Mapping[str, str], kind: str) -> type:
        """The class of ``self.library``; ``libraries`` maps library names to class names in
        ``compat.tokenizers.<kind>.libraries``."""
        library = getattr(self, "library", None)
        class_name = libraries.get(library) if isinstance(library, str) else None
        if class_name is None:
            raise ValueError(
                f"{library!r} is not a {kind} tokenizer library; known {kind} libraries: "
                f"{list(libraries)}."
            )
        library_class: type = getattr(
            importlib.import_module(f"compat.tokenizers.{kind}.libraries"), class_name
        )
        return library_class

    def _library_id(self, name: str) -> int | None:
        """A special id of the library object (an ``AttributeError`` naming the library)."""
        value: int | None = self._library_member(name)
        return value

    def _library_member(self, name: str) -> Any:
        """An attribute of the library object, or an ``AttributeError`` naming the library."""
        try:
            return getattr(self._tokenizer, name)
        except AttributeError:
            raise AttributeError(
                f"the {self.library!r} tokenizer library has no {name!r}"
            ) from None

    @abstractmethod
    def tokenize(self, text: Any) -> Any:
        """Encode."""

    @abstractmethod
    def detokenize(self, ids: Any) -> Any:
        """Decode."""

    @property
    @abstractmethod
    def vocab(self) -> Any:
        """The vocabulary."""

    @property
    @abstractmethod
    def vocab_size(self) -> int:
        """Number of ids."""

    @abstractmethod
    def apply_chat_template(self, *args: Any, **kwargs: Any) -> Any:
        """Format a conversation with the tokenizer's chat template."""
