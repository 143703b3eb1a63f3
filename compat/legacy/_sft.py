"""G2's ``SFTTokenizer(tokenizer_path, prompt_format)``, rebuilt on the new SFT capability.

In G2 ``SFTTokenizer`` was the ``sft`` library: a raw Hugging Face tokenizer plus a prompt format,
used directly (``SFTTokenizer(path, fmt).tokenize_conversation(...)``) or through the facade
(``library: "sft"``). The alias is a text facade over the ``huggingface`` library with
``prompt_format`` set (what ``MegatronTokenizer.from_pretrained(path, metadata_path={"library":
"huggingface"}, prompt_format=fmt)`` builds), presenting G2's surface on top (reference §5.1,
§11 item 3):

* ``library`` reads ``"sft"``; ``chat_template`` is ``None``; there is no ``eos_id``/``eos``;
* ``pad``/``pad_id`` come from the prompt format; ``tokenize(list)`` gives the conversation's ids
  with the generation prompt; ``tokenize_conversation(conversation, return_target,
  add_generation_prompt)``;
* the library methods ``text_to_ids`` (a string → Hugging Face ``encode``, a conversation → ids),
  ``ids_to_text`` (special tokens kept), ``tokens_to_ids``, ``get_special_tokens``;
* ``vocab_size`` is the length of the vocabulary at construction;
* ``unique_identifiers`` is G2's exactly (the ``DefaultTokenizerText`` class string, the path and
  ``prompt_format``), so dataset caches built with G2 are reused.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any, cast

from compat.deprecations import (
    LEGACY_LIBRARIES,
    LEGACY_NAMES,
    MEGATRON_ROOT,
    SFT_TOKENIZER,
    TEXT_MODEL_WRAPPERS,
)
from compat.legacy._facade_alias import present_as
from compat.tokenizers.text.text_tokenizer import MegatronTokenizerText

# The G2 class lived in ``text.libraries.sft_tokenizer`` (the deepest of its legacy homes).
_ENTRY = max((n for n in LEGACY_NAMES if n.rule is SFT_TOKENIZER), key=lambda n: n.legacy_module)
_SFT_LIBRARY = next(
    name for name, rename in LEGACY_LIBRARIES.items() if rename.new == "huggingface"
)
_BACKEND_LIBRARY = LEGACY_LIBRARIES[_SFT_LIBRARY].new
# G2's SFT facade was the default model wrapper; its class string is part of the cache key.
_G2_FACADE_CLASS = next(
    f"{MEGATRON_ROOT}.text.models.{submodule}.{name}"
    for name, submodule in TEXT_MODEL_WRAPPERS.items()
    if submodule == "default_tokenizer"
)


class _SFTTokenizer(MegatronTokenizerText):
    def __init__(self, tokenizer_path: str, prompt_format: str) -> None:
        super().__init__(
            tokenizer_path,
            {
                "library": _BACKEND_LIBRARY,
                "class_name": _ENTRY.legacy_name,
                "class_path": _ENTRY.legacy_module,
            },
            prompt_format=prompt_format,
        )
        self.library = _SFT_LIBRARY
        self.prompt_format = prompt_format
        # G2 kept no template: chat endpoints fell back to plain tokenization.
        self.chat_template = None
        self._initial_vocab_size = len(self._hf_tokenizer)

    @property
    def _hf_tokenizer(self) -> Any:
        return self._tokenizer.tokenizer

    # --- G2 library surface -------------------------------------------------------------------

    def text_to_ids(self, text: str | list[dict[str, Any]]) -> list[int]:
        if isinstance(text, list):
            return self.tokenize(text)
        return cast("list[int]", self._hf_tokenizer.encode(text))

    def ids_to_text(self, ids: list[int]) -> str:
        return cast(str, self._hf_tokenizer.decode(ids))

    def tokens_to_ids(self, tokens: str | list[str]) -> Any:
        return self._hf_tokenizer.convert_tokens_to_ids(tokens)

    def get_special_tokens(self) -> dict[str, int]:
        return cast("dict[str, int]", self._hf_tokenizer.get_added_vocab())

    @property
    def vocab_size(self) -> int:
        return self._initial_vocab_size

    @property
    def eos(self) -> Any:
        raise AttributeError(
            f"{_ENTRY.legacy_name} has no eos/eos_id (it never had); use eod, or build the "
            "tokenizer with MegatronTokenizer.from_pretrained(..., prompt_format=...), which has it"
        )

    @property
    def eos_id(self) -> Any:
        return self.eos

    @property
    def unique_identifiers(self) -> OrderedDict[str, str | None]:
        return OrderedDict(
            [
                ("class", _G2_FACADE_CLASS),
                ("tokenizer_path", self.path),
                ("prompt_format", str(self.prompt_format)),
            ]
        )


globals()[_ENTRY.legacy_name] = present_as(_SFTTokenizer, _ENTRY)
