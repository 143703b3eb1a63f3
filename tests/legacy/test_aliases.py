"""The deprecated aliases in-process: old constructor signatures, old behaviour, isinstance,
PEP 702 markers, warnings on attribute access, and no mutation of the caller's data."""

from __future__ import annotations

import argparse
import copy
import importlib
import warnings

import pytest

from compat import importhook, legacy
from compat.deprecations import (
    LEGACY_MODULES,
    LEGACY_NAMES,
    MEGATRON_ROOT,
    TEXT_MODEL_WRAPPERS,
    VISION_MODEL_WRAPPERS,
)
from compat.legacy import _build_tokenizer, _chat_template, _sft, _text_wrappers, _vision_wrappers
from compat.tokenizers.megatron_tokenizer import TEXT_LIBRARIES, VISION_LIBRARIES
from compat.tokenizers.text import MegatronTokenizerText
from compat.tokenizers.vision import MegatronTokenizerVision
from compat.warn import MegatronTokenizerDeprecationWarning

pytestmark = pytest.mark.usefixtures("fresh_warnings")

SFTTokenizer = _sft.SFTTokenizer
MegatronTokenizerChatTemplate = _chat_template.MegatronTokenizerChatTemplate
G2_SFT_FORMATS = ("nemotron-h-aligned", "nemotron-nano-v2", "identity", "default")
CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "What is 2+2?"},
    {"role": "assistant", "content": "4."},
    {"role": "user", "content": "And 3+3?"},
    {"role": "assistant", "content": "Six, of course."},
]


def text_wrapper(name: str) -> type:
    return getattr(_text_wrappers, name)


# --- resolution and warnings ----------------------------------------------------------------


@pytest.mark.parametrize("entry", LEGACY_NAMES, ids=lambda e: e.legacy_qualname)
def test_every_legacy_name_resolves_or_explains_its_removal(entry):
    if entry.new_module is None:
        with pytest.raises(AttributeError, match=f"removed.*{entry.rule.code}"):
            legacy.legacy_attribute(entry.legacy_module, entry.legacy_name)
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore")
        module = importlib.import_module(importhook.compat_module_for(entry.legacy_module))
        warnings.simplefilter("always")
        value = getattr(module, entry.legacy_name)
    assert value is not None
    assert [w.category for w in caught] == [MegatronTokenizerDeprecationWarning]
    message = str(caught[0].message)
    assert entry.legacy_qualname in message and entry.rule.code in message
    assert caught[0].filename == __file__


def test_an_unknown_name_of_a_legacy_module_is_a_plain_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'Nope'"):
        legacy.legacy_attribute(f"{MEGATRON_ROOT}.text.models", "Nope")


def test_model_wrappers_are_the_same_objects_at_package_and_submodule_paths():
    for name, submodule in TEXT_MODEL_WRAPPERS.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from_package = legacy.legacy_attribute(f"{MEGATRON_ROOT}.text.models", name)
            from_module = legacy.legacy_attribute(f"{MEGATRON_ROOT}.text.models.{submodule}", name)
        assert from_package is from_module is text_wrapper(name)


def test_tokenizer_libraries_is_a_fresh_list_of_every_library():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        first = legacy.legacy_attribute(
            f"{MEGATRON_ROOT}.megatron_tokenizer", "TOKENIZER_LIBRARIES"
        )
        first.append("mine")
        second = legacy.legacy_attribute(
            f"{MEGATRON_ROOT}.megatron_tokenizer", "TOKENIZER_LIBRARIES"
        )
    assert second == [*TEXT_LIBRARIES, *VISION_LIBRARIES]
    assert "mine" not in TEXT_LIBRARIES


def test_compat_modules_that_lost_names_serve_them_through_getattr():
    from compat.tokenizers.text import libraries

    with pytest.warns(MegatronTokenizerDeprecationWarning, match="MTC003"):
        assert libraries.SFTTokenizer is SFTTokenizer
    with pytest.raises(AttributeError):
        libraries.NotAThing  # noqa: B018


def test_every_legacy_module_has_a_module_in_compat_legacy():
    import importlib.util

    for module in LEGACY_MODULES:
        target = legacy.LEGACY_PACKAGE + module[len(MEGATRON_ROOT) :]
        assert importlib.util.find_spec(target) is not None, module


# --- model wrappers -------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(TEXT_MODEL_WRAPPERS))
def test_text_wrapper_records_its_class_and_leaves_the_callers_config_alone(name, sentencepiece_v1):
    cls = text_wrapper(name)
    config = {"library": "sentencepiece"}
    tokenizer = cls(str(sentencepiece_v1), config)
    assert config == {"library": "sentencepiece"}
    module = f"{MEGATRON_ROOT}.text.models.{TEXT_MODEL_WRAPPERS[name]}"
    assert (type(tokenizer).__name__, type(tokenizer).__module__) == (name, module)
    assert tokenizer.unique_identifiers["class"] == f"{module}.{name}"
    assert tokenizer.detokenize(tokenizer.tokenize("Hello world")) == "Hello world"


def test_isinstance_against_any_wrapper_accepts_every_text_facade(sentencepiece_v1):
    gpt = text_wrapper("GPTTokenizer")(str(sentencepiece_v1), {"library": "sentencepiece"})
    facade = MegatronTokenizerText(str(sentencepiece_v1), {"library": "sentencepiece"})
    for name in TEXT_MODEL_WRAPPERS:
        assert isinstance(gpt, text_wrapper(name))
        assert isinstance(facade, text_wrapper(name))
        assert issubclass(MegatronTokenizerText, text_wrapper(name))
    assert isinstance(gpt, MegatronTokenizerText)
    assert not isinstance("text", text_wrapper("GPTTokenizer"))
    assert not isinstance(gpt, MegatronTokenizerVision)


def test_a_users_subclass_of_a_wrapper_keeps_normal_isinstance(sentencepiece_v1):
    class MyTokenizer(text_wrapper("GPTTokenizer")):
        pass

    mine = MyTokenizer(str(sentencepiece_v1), {"library": "sentencepiece"})
    plain = text_wrapper("GPTTokenizer")(str(sentencepiece_v1), {"library": "sentencepiece"})
    assert isinstance(mine, text_wrapper("GPTTokenizer"))
    assert not isinstance(plain, MyTokenizer)
    assert mine.unique_identifiers["class"].endswith("MyTokenizer")


def test_text_wrapper_accepts_g1_null_library_string():
    tokenizer = text_wrapper("GPTTokenizer")(None, {"library": "null"}, vocab_size=50)
    assert tokenizer.library == "null-text"
    assert tokenizer.tokenize("3 4 5") == [3, 4, 5]


def test_text_wrapper_accepts_g2_sft_library_string(hf_tokenizer_dir):
    config = {"library": "sft"}
    tokenizer = text_wrapper("DefaultTokenizerText")(
        str(hf_tokenizer_dir), config, prompt_format="identity"
    )
    assert config == {"library": "sft"}
    assert tokenizer._prompt_config is not None
    ids = tokenizer.tokenize(CONVERSATION[1:3])
    assert ids and all(isinstance(i, int) for i in ids)


def test_wrapper_constructor_errors_name_the_legacy_class():
    with pytest.raises(TypeError, match=r"^GPTTokenizer\.__init__\(\)"):
        text_wrapper("GPTTokenizer")("a", {}, "extra positional")


@pytest.mark.parametrize("name", list(VISION_MODEL_WRAPPERS))
def test_vision_wrapper_is_a_vision_facade_recording_its_class(name):
    cls = getattr(_vision_wrappers, name)
    config = {"library": "null-multimodal"}
    tokenizer = cls(None, config, vocab_size=100)
    assert config == {"library": "null-multimodal"}
    assert tokenizer.tokenize("7 8") == [7, 8]
    assert isinstance(tokenizer, MegatronTokenizerVision)
    assert tokenizer.class_name == name
    assert tokenizer.class_path == f"{MEGATRON_ROOT}.vision.models.{VISION_MODEL_WRAPPERS[name]}"
    built_directly = MegatronTokenizerVision(None, {"library": "null-multimodal"}, vocab_size=9)
    assert isinstance(built_directly, cls)
    assert not isinstance(tokenizer, MegatronTokenizerText)


@pytest.mark.parametrize(
    "obj",
    [
        *(text_wrapper(n) for n in TEXT_MODEL_WRAPPERS),
        *(getattr(_vision_wrappers, n) for n in VISION_MODEL_WRAPPERS),
        SFTTokenizer,
        MegatronTokenizerChatTemplate,
        _build_tokenizer.build_tokenizer,
    ],
    ids=lambda o: o.__name__,
)
def test_every_alias_carries_pep_702_deprecated_with_its_replacement(obj):
    message = obj.__deprecated__
    assert "is deprecated; use" in message and "MTC0" in message
    assert obj.__module__.startswith(MEGATRON_ROOT)


# --- SFTTokenizer (G2 semantics, reference §5.1 and §11 item 3) -------------------------------


@pytest.fixture(scope="module")
def hf_backend(hf_tokenizer_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(hf_tokenizer_dir))


def _ids(result) -> list[int]:
    """``apply_chat_template(tokenize=True)``'s ids, whatever container transformers returns."""
    if hasattr(result, "keys"):
        result = result["input_ids"]
    return [int(i) for i in result]


@pytest.mark.parametrize("prompt_format", G2_SFT_FORMATS)
def test_sft_tokenizer_g2_surface(prompt_format, hf_tokenizer_dir, hf_backend):
    sft = SFTTokenizer(str(hf_tokenizer_dir), prompt_format)
    assert sft.library == "sft"
    assert sft.chat_template is None
    assert sft.vocab_size == len(hf_backend)
    assert sft.bos_id == hf_backend.bos_token_id and sft.eod == hf_backend.eos_token_id
    assert sft.text_to_ids("Hello world") == hf_backend.encode("Hello world")
    assert sft.ids_to_text([hf_backend.bos_token_id]) == hf_backend.bos_token
    assert sft.get_special_tokens() == hf_backend.get_added_vocab()
    assert sft.tokens_to_ids(["<unk>"]) == [hf_backend.unk_token_id]
    with pytest.raises(AttributeError, match="eod"):
        sft.eos_id  # noqa: B018
    assert sft.unique_identifiers == {
        "class": f"{MEGATRON_ROOT}.text.models.default_tokenizer.DefaultTokenizerText",
        "tokenizer_path": str(hf_tokenizer_dir),
        "prompt_format": prompt_format,
    }


def test_sft_pad_comes_from_the_prompt_format(hf_tokenizer_dir, hf_backend):
    pads = {fmt: SFTTokenizer(str(hf_tokenizer_dir), fmt).pad_id for fmt in G2_SFT_FORMATS}
    assert pads == {
        "nemotron-h-aligned": hf_backend.convert_tokens_to_ids("<SPECIAL_233>"),
        "nemotron-nano-v2": hf_backend.unk_token_id,
        "identity": hf_backend.unk_token_id,
        "default": hf_backend.pad_token_id,
    }


@pytest.mark.parametrize("prompt_format", ["nemotron-h-aligned", "nemotron-nano-v2", "identity"])
def test_sft_tokenize_list_is_g2s_whole_conversation_rendering(
    prompt_format, hf_tokenizer_dir, hf_backend
):
    from compat.tokenizers.conversation import prompt_config

    template = (
        getattr(prompt_config, prompt_format.replace("-", "_") + "_custom_template", None)
        or prompt_config.identity_template
    )
    expected = _ids(
        hf_backend.apply_chat_template(
            CONVERSATION, chat_template=template, tokenize=True, add_generation_prompt=True
        )
    )
    sft = SFTTokenizer(str(hf_tokenizer_dir), prompt_format)
    conversation = copy.deepcopy(CONVERSATION)
    assert [int(i) for i in sft.tokenize(conversation)] == expected
    assert [int(i) for i in sft.text_to_ids(conversation)] == expected
    assert conversation == CONVERSATION


def test_sft_targets_mask_everything_but_assistant_replies(hf_tokenizer_dir, hf_backend):
    from compat.tokenizers.conversation import prompt_config

    template = prompt_config.identity_template
    sft = SFTTokenizer(str(hf_tokenizer_dir), "identity")
    tokens, target = sft.tokenize_conversation(CONVERSATION, True, False)
    # G2's algorithm, re-done here turn by turn with the raw HF tokenizer
    expected_target: list[int] = []
    for turn in CONVERSATION:
        ids = _ids(hf_backend.apply_chat_template([turn], chat_template=template, tokenize=True))
        expected_target += ids if turn["role"] == "assistant" else [-100] * len(ids)
    assert [int(i) for i in target] == expected_target
    assert len(tokens) == len(target)


def test_sft_constructor_is_g2s_exactly(hf_tokenizer_dir):
    with pytest.raises(TypeError, match=r"^SFTTokenizer\.__init__\(\)"):
        SFTTokenizer(str(hf_tokenizer_dir))
    with pytest.raises(TypeError, match="use_fast"):
        SFTTokenizer(str(hf_tokenizer_dir), "identity", use_fast=True)
    with pytest.raises(NotImplementedError, match="bogus"):
        SFTTokenizer(str(hf_tokenizer_dir), "bogus")


def test_sft_tokenizer_is_a_text_facade(hf_tokenizer_dir):
    assert isinstance(SFTTokenizer(str(hf_tokenizer_dir), "identity"), MegatronTokenizerText)


# --- MegatronTokenizerChatTemplate mixin ------------------------------------------------------

TEMPLATE = (
    "{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}"
    "{% if add_generation_prompt %}<assistant>{% endif %}"
)


class CharLibrary(MegatronTokenizerChatTemplate):
    """A custom library class mixing the old mixin in, as G1/G2 users wrote them."""

    def text_to_ids(self, text: str) -> list[int]:
        return [ord(c) for c in text]


def test_chat_template_mixin_renders_and_tokenizes():
    conversation = [{"role": "user", "content": "hi"}]
    library = CharLibrary()
    text = library.apply_chat_template(
        conversation, TEMPLATE, tokenize=False, add_generation_prompt=True
    )
    assert text == "<user>hi<assistant>"
    assert library.apply_chat_template(conversation, TEMPLATE) == [ord(c) for c in "<user>hi"]
    assert library.apply_chat_template(conversation, TEMPLATE, truncation=True, max_length=3) == [
        ord(c) for c in "<us"
    ]


def test_chat_template_mixin_errors_name_the_fix():
    with pytest.raises(ValueError, match="needs a chat template"):
        CharLibrary().apply_chat_template([], "")
    with pytest.raises(ValueError, match="max_length"):
        CharLibrary().apply_chat_template([], TEMPLATE, truncation=True)


def test_chat_template_mixin_renders_in_a_sandbox():
    hostile = "{{ messages.__class__.__mro__[1].__subclasses__() }}"
    with pytest.raises(Exception, match="unsafe"):
        CharLibrary().apply_chat_template([], hostile, tokenize=False)


# --- G1 build_tokenizer(args) -----------------------------------------------------------------


def test_g1_build_tokenizer_leaves_args_alone_and_takes_no_overrides(sentencepiece_v1):
    args = argparse.Namespace(
        tokenizer_type="SentencePieceTokenizer",
        tokenizer_model=str(sentencepiece_v1),
        tokenizer_sentencepiece_legacy=False,
        tokenizer_special_tokens=None,
        tokenizer_metadata=None,
    )
    before = dict(vars(args))
    # G1's flags are deprecated too: the warning names the new ones, at this line
    with pytest.warns(MegatronTokenizerDeprecationWarning, match="--tokenizer-library") as caught:
        tokenizer = _build_tokenizer.build_tokenizer(args)
    assert caught[0].filename == __file__
    assert vars(args) == before
    assert tokenizer.tokenize("Hello world")
    with pytest.raises(TypeError):
        _build_tokenizer.build_tokenizer(args, vocab_size=5)  # type: ignore[call-arg]


def test_g1_build_tokenizer_null_ignores_metadata():
    args = argparse.Namespace(
        tokenizer_type="NullTokenizer", vocab_size=100, tokenizer_metadata="does-not-exist.json"
    )
    with pytest.warns(MegatronTokenizerDeprecationWarning):
        assert _build_tokenizer.build_tokenizer(args).library == "null-text"
