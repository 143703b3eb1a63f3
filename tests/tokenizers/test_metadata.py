"""``write_metadata`` (G3 format) and reading every metadata form older generations wrote.

Expected file contents are the reference's verified examples (§3.6): G3 writes
``{"library", "class_name", "class_path", "model_type", "chat_template"}``.
"""

from __future__ import annotations

import builtins
import copy
import json
import sys
import warnings
from pathlib import Path

import pytest
from references import G1_VERSION

import compat.warn
from compat import MegatronTokenizerDeprecationWarning
from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.megatron_tokenizer import METADATA_FILE_NAME
from compat.tokenizers.text import MegatronTokenizerText
from compat.warn import MegatronTokenizerDeprecationError

TEXT_FACADE = ("MegatronTokenizerText", "megatron.core.tokenizers.text.text_tokenizer")
WRAPPER_MODULES = {
    "GPTTokenizer": "gpt_tokenizer",
    "BertTokenizer": "bert_tokenizer",
    "T5Tokenizer": "t5_tokenizer",
    "MambaTokenizer": "mamba_tokenizer",
    "DefaultTokenizerText": "default_tokenizer",
}


@pytest.fixture(autouse=True)
def fresh_warnings(monkeypatch):
    """Every test sees its own first warnings (they are shown once per call site)."""
    monkeypatch.setattr(compat.warn, "_seen", set())
    for variable in ("RANK", "LOCAL_RANK", "MEGATRON_COMPAT_STRICT"):
        monkeypatch.delenv(variable, raising=False)


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def load_recording(*args, **kwargs):
    """from_pretrained, returning the tokenizer and the deprecation warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tokenizer = MegatronTokenizer.from_pretrained(*args, **kwargs)
    category = MegatronTokenizerDeprecationWarning
    deprecations = [w for w in caught if issubclass(w.category, category)]
    return tokenizer, deprecations


# --- write_metadata ---------------------------------------------------------------------------


def test_write_metadata_writes_the_g3_format_next_to_a_file(sentencepiece_v1, tmp_path):
    model = tmp_path / "tokenizer.model"
    model.write_bytes(sentencepiece_v1.read_bytes())
    MegatronTokenizer.write_metadata(str(model), "sentencepiece")
    assert read(tmp_path / METADATA_FILE_NAME) == {
        "library": "sentencepiece",
        "class_name": None,
        "class_path": None,
        "model_type": "default-text",
        "chat_template": None,
    }


def test_write_metadata_inside_a_directory_with_template(tmp_path):
    MegatronTokenizer.write_metadata(tmp_path, "huggingface", chat_template="{{ messages }}")
    written = read(tmp_path / METADATA_FILE_NAME)
    assert written["library"] == "huggingface"
    assert written["chat_template"] == "{{ messages }}"


def test_write_metadata_vision_default_model_type(tmp_path):
    MegatronTokenizer.write_metadata(tmp_path, "multimodal")
    assert read(tmp_path / METADATA_FILE_NAME)["model_type"] == "default-vision"


def test_write_metadata_explicit_target_and_model_type(tmp_path):
    target = tmp_path / "elsewhere.json"
    MegatronTokenizer.write_metadata(tmp_path, "tiktoken", model_type="gpt", metadata_path=target)
    assert read(target)["model_type"] == "gpt"
    assert not (tmp_path / METADATA_FILE_NAME).exists()


def test_write_metadata_refuses_to_overwrite(tmp_path):
    MegatronTokenizer.write_metadata(tmp_path, "huggingface")
    with pytest.raises(ValueError, match="overwrite=True"):
        MegatronTokenizer.write_metadata(tmp_path, "tiktoken")
    assert read(tmp_path / METADATA_FILE_NAME)["library"] == "huggingface"
    MegatronTokenizer.write_metadata(tmp_path, "tiktoken", overwrite=True)
    assert read(tmp_path / METADATA_FILE_NAME)["library"] == "tiktoken"


def test_write_metadata_needs_an_existing_tokenizer(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        MegatronTokenizer.write_metadata(tmp_path / "missing.model", "sentencepiece")


def test_write_metadata_unknown_library(tmp_path):
    with pytest.raises(ValueError, match="unknown tokenizer library 'spm'"):
        MegatronTokenizer.write_metadata(tmp_path, "spm")
    assert not (tmp_path / METADATA_FILE_NAME).exists()


def test_write_metadata_with_the_facade_class_records_the_upstream_path(tmp_path):
    MegatronTokenizer.write_metadata(tmp_path, "huggingface", tokenizer_class=MegatronTokenizerText)
    written = read(tmp_path / METADATA_FILE_NAME)
    assert (written["class_name"], written["class_path"]) == TEXT_FACADE
    assert written["model_type"] is None  # as upstream: no default when a class is given


def test_write_metadata_with_a_legacy_wrapper_records_the_facade(tmp_path):
    # In upstream G3 the wrappers are aliases of the facade, so this is what G3 writes.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MegatronTokenizerDeprecationWarning)
        from compat.legacy._text_wrappers import GPTTokenizer
    MegatronTokenizer.write_metadata(tmp_path, "huggingface", tokenizer_class=GPTTokenizer)
    written = read(tmp_path / METADATA_FILE_NAME)
    assert (written["class_name"], written["class_path"]) == TEXT_FACADE


@pytest.mark.parametrize("tokenizer_class", [dict, MegatronTokenizer])
def test_write_metadata_refuses_a_class_it_could_not_restore(tmp_path, tokenizer_class):
    with pytest.raises(ValueError, match="cannot be recorded"):
        MegatronTokenizer.write_metadata(tmp_path, "huggingface", tokenizer_class=tokenizer_class)
    assert not (tmp_path / METADATA_FILE_NAME).exists()


def test_write_metadata_tokenizer_class_must_be_a_class(tmp_path):
    with pytest.raises(TypeError, match="must be a class"):
        MegatronTokenizer.write_metadata(tmp_path, "huggingface", tokenizer_class="GPTTokenizer")


def test_write_metadata_translates_a_legacy_library_with_a_warning(hf_tokenizer_dir, tmp_path):
    target = tmp_path / METADATA_FILE_NAME
    with pytest.warns(MegatronTokenizerDeprecationWarning, match="library 'sft'.*'huggingface'"):
        MegatronTokenizer.write_metadata(hf_tokenizer_dir, "sft", metadata_path=target)
    assert read(target)["library"] == "huggingface"


def test_write_metadata_keeps_g1_null_so_that_it_loads_with_g1_sizes(tmp_path):
    """null-text has N ids and eod N - 1 since upstream #4057; G1's null had N + 1 and N."""
    with pytest.warns(
        MegatronTokenizerDeprecationWarning,
        match="library 'null'.*'null-text' with vocab_size N \\+ 1",
    ):
        MegatronTokenizer.write_metadata(tmp_path, "null")
    assert read(tmp_path / METADATA_FILE_NAME)["library"] == "null"
    tokenizer, _ = load_recording(None, str(tmp_path / METADATA_FILE_NAME), vocab_size=10)
    assert (tokenizer.vocab_size, tokenizer.eod) == (11, 10)


def test_written_metadata_loads_back(hf_tokenizer_dir, tmp_path):
    target = tmp_path / "meta.json"
    MegatronTokenizer.write_metadata(
        hf_tokenizer_dir,
        "huggingface",
        tokenizer_class=MegatronTokenizerText,
        chat_template="{{ 'X' }}",
        metadata_path=target,
    )
    tokenizer, warned = load_recording(str(hf_tokenizer_dir), str(target))
    assert warned == []  # the current format is not legacy
    assert type(tokenizer) is MegatronTokenizerText
    assert tokenizer.chat_template == "{{ 'X' }}"  # metadata template has top priority
    conversation = [{"role": "user", "content": "hi"}]
    assert tokenizer.apply_chat_template(conversation, tokenize=False) == "X"


# --- reading older forms ----------------------------------------------------------------------


def test_g1_null_library_loads_as_null_text_with_one_warning():
    tokenizer, warned = load_recording(metadata_path={"library": "null"}, vocab_size=100)
    assert tokenizer.library == "null-text"
    assert (tokenizer.vocab_size, tokenizer.eod) == (101, 100)
    assert len(warned) == 1
    assert "library 'null'" in str(warned[0].message)
    assert "MTC101" in str(warned[0].message)


def test_g1_null_library_from_a_file(tmp_path):
    metadata = tmp_path / METADATA_FILE_NAME
    metadata.write_text(json.dumps({"library": "null", "model_type": "default"}))
    tokenizer, warned = load_recording(None, str(metadata), vocab_size=5)
    assert tokenizer.tokenize("1 2 3") == [1, 2, 3]
    # Both legacy parts are reported, in one warning.
    assert len(warned) == 1
    message = str(warned[0].message)
    assert "library 'null'" in message and "model_type 'default'" in message


def test_g2_null_text_is_current():
    tokenizer, warned = load_recording(metadata_path={"library": "null-text"}, vocab_size=3)
    assert warned == [] and (tokenizer.vocab_size, tokenizer.eod) == (3, 2)


@pytest.mark.parametrize("model_type", ["default", "gpt", "mamba", "bert", "t5"])
def test_legacy_model_types_are_ignored_with_a_warning(hf_tokenizer_dir, model_type):
    tokenizer, warned = load_recording(
        str(hf_tokenizer_dir), {"library": "huggingface", "model_type": model_type}
    )
    assert type(tokenizer) is MegatronTokenizerText
    assert len(warned) == 1 and f"model_type {model_type!r}" in str(warned[0].message)
    assert "MTC102" in str(warned[0].message)


@pytest.mark.parametrize("model_type", ["default-text", None])
def test_current_model_types_do_not_warn(hf_tokenizer_dir, model_type):
    _, warned = load_recording(
        str(hf_tokenizer_dir), {"library": "huggingface", "model_type": model_type}
    )
    assert warned == []


def test_default_vision_model_type_with_a_text_library_still_builds_text(hf_tokenizer_dir):
    tokenizer, warned = load_recording(
        str(hf_tokenizer_dir), {"library": "huggingface", "model_type": "default-vision"}
    )
    assert type(tokenizer) is MegatronTokenizerText and warned == []


@pytest.mark.parametrize("class_name", sorted(WRAPPER_MODULES))
def test_class_path_of_a_deleted_wrapper_module(hf_tokenizer_dir, class_name):
    metadata = {
        "library": "huggingface",
        "class_name": class_name,
        "class_path": f"megatron.core.tokenizers.text.models.{WRAPPER_MODULES[class_name]}",
        "model_type": None,
        "chat_template": None,
    }
    snapshot = copy.deepcopy(metadata)
    tokenizer, warned = load_recording(str(hf_tokenizer_dir), metadata)
    assert type(tokenizer) is MegatronTokenizerText
    assert (tokenizer.class_name, tokenizer.class_path) == TEXT_FACADE
    assert metadata == snapshot
    assert len(warned) == 1 and "MTC103" in str(warned[0].message)


def test_class_path_of_the_deleted_vision_wrapper_selects_the_vision_facade():
    from compat.tokenizers.vision import MegatronTokenizerVision

    tokenizer, warned = load_recording(
        metadata_path={
            "library": "null-multimodal",
            "class_name": "DefaultTokenizerVision",
            "class_path": "megatron.core.tokenizers.vision.models.default_tokenizer",
        },
        vocab_size=10,
    )
    assert type(tokenizer) is MegatronTokenizerVision
    assert len(warned) == 1


def test_class_path_is_never_imported(tmp_path, monkeypatch):
    # A module that would leave a trace if imported: the metadata names it, we must refuse.
    (tmp_path / "evil_tokenizer_module.py").write_text(
        "import builtins\nbuiltins.EVIL_IMPORTED = True\nclass Evil: pass\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ValueError, match="never imported") as error:
        MegatronTokenizer.from_pretrained(
            metadata_path={
                "library": "byte-level",
                "class_name": "Evil",
                "class_path": "evil_tokenizer_module",
            }
        )
    assert "evil_tokenizer_module" not in sys.modules
    assert not hasattr(builtins, "EVIL_IMPORTED")
    assert "class_path to null" in str(error.value)


def test_our_compat_class_path_is_accepted():
    tokenizer, warned = load_recording(
        metadata_path={
            "library": "byte-level",
            "class_name": "MegatronTokenizerText",
            "class_path": "compat.tokenizers.text.text_tokenizer",
        }
    )
    assert type(tokenizer) is MegatronTokenizerText and warned == []


def test_class_name_without_class_path_falls_back_to_the_library():
    # G3 honours the class keys only when both are set.
    tokenizer, _ = load_recording(
        metadata_path={"library": "byte-level", "class_name": "Whatever", "class_path": None}
    )
    assert type(tokenizer) is MegatronTokenizerText


def test_dead_tokenizer_class_key_is_ignored():
    # G2 crashed on this key (KeyError 'tokenizer_class_path'); G3 ignores it.
    tokenizer, _ = load_recording(
        metadata_path={"library": "byte-level", "tokenizer_class": "GPTTokenizer"}
    )
    assert tokenizer.text_to_ids("a") == [97]


def test_g2_sft_library_needs_a_prompt_format(hf_tokenizer_dir):
    with pytest.raises(ValueError, match="needs a prompt format: pass prompt_format"):
        load_recording(str(hf_tokenizer_dir), {"library": "sft"})


def test_g2_sft_library_becomes_huggingface_with_sft(hf_tokenizer_dir):
    tokenizer, warned = load_recording(
        str(hf_tokenizer_dir), {"library": "sft"}, prompt_format="nemotron-h-aligned"
    )
    assert tokenizer.library == "huggingface"
    assert tokenizer._prompt_config is not None
    assert len(warned) == 1 and "library 'sft'" in str(warned[0].message)


def test_warning_lands_on_the_callers_line():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MegatronTokenizer.from_pretrained(metadata_path={"library": "null"}, vocab_size=2)
    [warning] = [w for w in caught if issubclass(w.category, MegatronTokenizerDeprecationWarning)]
    assert warning.filename == __file__


def test_strict_mode_turns_a_legacy_form_into_an_error(monkeypatch):
    monkeypatch.setenv("MEGATRON_COMPAT_STRICT", "1")
    with pytest.raises(MegatronTokenizerDeprecationError, match="library 'null'"):
        MegatronTokenizer.from_pretrained(metadata_path={"library": "null"}, vocab_size=2)


def test_metadata_files_written_by_each_reference_load_with_identical_ids(
    reference, hf_tokenizer_dir, tmp_path, varied_texts
):
    """A file written by the reference's own write_metadata loads here, with the same ids;
    0.16.1's form (model_type "default") is reported once, 0.19.2's is current."""
    target = tmp_path / "written.json"
    reference.MegatronTokenizer.write_metadata(
        str(hf_tokenizer_dir), "huggingface", metadata_path=str(target)
    )
    expected_model_type = "default" if reference.version == G1_VERSION else "default-text"
    assert read(target)["model_type"] == expected_model_type
    old = reference.MegatronTokenizer.from_pretrained(str(hf_tokenizer_dir), str(target))
    new, warned = load_recording(str(hf_tokenizer_dir), str(target))
    assert len(warned) == (1 if reference.version == G1_VERSION else 0)
    for text in varied_texts[:200]:
        assert new.tokenize(text) == old.tokenize(text)


def test_null_metadata_files_written_by_each_reference_keep_their_sizes(reference, tmp_path):
    library = "null" if reference.version == G1_VERSION else "null-text"
    target = tmp_path / "null.json"
    reference.MegatronTokenizer.write_metadata(str(tmp_path), library, metadata_path=str(target))
    old = reference.MegatronTokenizer.from_pretrained(metadata_path=str(target), vocab_size=64)
    new, _ = load_recording(None, str(target), vocab_size=64)
    assert (new.vocab_size, new.eod) == (old.vocab_size, old.eod)
