"""The runtime under hostile input (issue 14, items 2-5): every bad input is one clear error that
names what is wrong and the fix, never a raw error from deep inside, a write outside the
tokenizer's folder, or an unbounded allocation."""

from __future__ import annotations

import builtins
import json
import os
import shutil
from pathlib import Path

import pytest

from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.megatron_tokenizer import METADATA_FILE_NAME
from compat.tokenizers.text.libraries import chat_rendering
from compat.tokenizers.text.libraries.chat_rendering import (
    ChatTemplateError,
    ChatTemplateLimitError,
    ChatTemplateLimits,
    render_chat_template,
    set_chat_template_limits,
)

CONVERSATION = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
PLAIN_TEMPLATE = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"


# --- item 2: metadata next to a tokenizer file given by a bare name --------------------------


@pytest.fixture
def only_inside(tmp_path, monkeypatch):
    """Fail any file opened for writing outside ``tmp_path`` (the bug wrote to the root)."""
    from compat.tokenizers import megatron_tokenizer

    def guarded_open(file, mode="r", *args, **kwargs):
        if any(flag in mode for flag in "wax+"):
            target = Path(os.path.abspath(file))
            assert target.is_relative_to(tmp_path), f"wrote {target}, outside {tmp_path}"
        return builtins.open(file, mode, *args, **kwargs)

    monkeypatch.setattr(megatron_tokenizer, "open", guarded_open, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_metadata_of_a_file_named_relative_to_the_working_directory_lands_beside_it(
    only_inside, sentencepiece_v1
):
    shutil.copy(sentencepiece_v1, only_inside / "tok.model")
    MegatronTokenizer.write_metadata("tok.model", "sentencepiece")
    assert json.loads((only_inside / METADATA_FILE_NAME).read_text())["library"] == (
        "sentencepiece"
    )
    tokenizer = MegatronTokenizer.from_pretrained("tok.model")
    assert tokenizer.vocab_size == 32000
    assert tokenizer.metadata_path == METADATA_FILE_NAME


def test_metadata_of_a_folder_and_of_a_nested_file_keep_their_places(only_inside, sentencepiece_v1):
    (only_inside / "sub").mkdir()
    shutil.copy(sentencepiece_v1, only_inside / "sub" / "tok.model")
    MegatronTokenizer.write_metadata(os.path.join("sub", "tok.model"), "sentencepiece")
    assert (only_inside / "sub" / METADATA_FILE_NAME).is_file()
    MegatronTokenizer.write_metadata("sub", "sentencepiece", overwrite=True)
    assert MegatronTokenizer.from_pretrained(os.path.join("sub", "tok.model")).vocab_size == 32000


# --- item 3: bad metadata values --------------------------------------------------------------


@pytest.mark.parametrize("key", ["class_path", "class_name", "model_type", "chat_template"])
@pytest.mark.parametrize("value", [["a"], {"a": 1}, 3, True])
def test_a_metadata_value_of_the_wrong_type_names_the_key_and_the_fix(key, value, tmp_path):
    metadata = {"library": "byte-level", key: value}
    with pytest.raises(ValueError) as raised:
        MegatronTokenizer.from_pretrained(metadata_path=metadata)
    message = str(raised.value)
    assert repr(key) in message and "must be a string or null" in message
    assert "write_metadata" in message or "fix" in message
    path = tmp_path / METADATA_FILE_NAME
    path.write_text(json.dumps(metadata))
    with pytest.raises(ValueError, match=f"{key!r} must be a string or null"):
        MegatronTokenizer.from_pretrained(metadata_path=str(path))


def test_a_metadata_dict_with_a_key_that_is_not_a_string_is_refused():
    with pytest.raises(ValueError, match="keys must be strings.*got 7"):
        MegatronTokenizer.from_pretrained(metadata_path={"library": "byte-level", 7: "x"})


def test_deeply_nested_metadata_is_a_clear_error_not_a_recursion_error(tmp_path):
    path = tmp_path / METADATA_FILE_NAME
    path.write_text("[" * 100_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        MegatronTokenizer.from_pretrained(metadata_path=str(path))
    path.write_text('{"library": "byte-level", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}")
    with pytest.raises(ValueError, match="nested too deeply"):
        MegatronTokenizer.from_pretrained(metadata_path=str(path))


# --- item 4: chat templates with resource limits ----------------------------------------------


@pytest.mark.parametrize(
    ("template", "limit"),
    [
        ("{{ 'a' * 10**10 }}", "max_value_size"),
        ("{{ 10**10 * 'a' }}", "max_value_size"),
        ("{{ [0] * 10**9 }}", "max_value_size"),
        ("{{ (['x' * 10**6] * 1000) | join }}", "max_value_size"),
        ("{{ ['x' * 10**6] * 100 * 1000 }}", "max_value_size"),
        ("{% set s = 'a' * 10**7 %}{{ s + s + s + s + s + s }}", "max_value_size"),
        ("{{ 'a' | center(10**10) }}", "max_value_size"),
        ("{{ 'a' | center(10000000000) }}", "max_value_size"),
        ("{{ 'a'.center(10**10) }}", "max_value_size"),
        ("{{ 'a'.ljust(10**10) }}", "max_value_size"),
        ("{{ 'a'.zfill(10**10) }}", "max_value_size"),
        ("{{ 'a\tb'.expandtabs(10**10) }}", "max_value_size"),
        ("{{ 'a' | indent(10**10) }}", "max_value_size"),
        ("{{ '%10000000000s' % 'a' }}", "max_value_size"),
        ("{{ '%*s' % (10**10, 'a') }}", "max_value_size"),
        ("{{ '%10000000000s' | format('a') }}", "max_value_size"),
        ("{{ '{:>10000000000}'.format('a') }}", "max_value_size"),
        ("{{ '{:>{}}'.format('a', 10**10) }}", "max_value_size"),
        ("{{ 'ab' | replace('', 'x' * 10**7) * 3 }}", "max_value_size"),
        ("{{ 'abcdef'.replace('', 'x' * 10**7) }}", "max_value_size"),
        ("{{ ('x' * 10**7) | wordwrap(1, wrapstring='y' * 100) }}", "max_value_size"),
        ("{{ [1] | batch(10**10, 'x') | list }}", "max_value_size"),
        ("{{ messages | tojson(indent=10**8) }}", "max_value_size"),
        ("{{ lipsum(10**9) }}", "max_value_size"),
        ("{{ 2 ** 100000000 }}", "max_int_bits"),
        ("{{ (10**100000) * (10**100000) * (10**100000) * (10**100000) }}", "max_int_bits"),
        (
            "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
            "max_range_items",
        ),
        (
            "{% for i in range(100000) %}{% for j in range(1000) %}0123456789{% endfor %}"
            "{% endfor %}",
            "max_output_size",
        ),
    ],
)
def test_a_template_over_a_limit_fails_at_once_naming_the_limit_and_how_to_raise_it(
    template, limit
):
    with pytest.raises(ChatTemplateLimitError) as raised:
        render_chat_template(template, CONVERSATION)
    message = str(raised.value)
    assert f"ChatTemplateLimits.{limit}" in message
    assert f"set_chat_template_limits({limit}=...)" in message
    assert isinstance(raised.value, ChatTemplateError) and isinstance(raised.value, ValueError)


@pytest.mark.parametrize("library", ["sentencepiece", "tiktoken", "byte-level", "huggingface"])
def test_every_library_applies_the_limits(library, sentencepiece_v1, tekken_json, hf_tokenizer_dir):
    path = {
        "sentencepiece": sentencepiece_v1,
        "tiktoken": tekken_json,
        "huggingface": hf_tokenizer_dir,
        "byte-level": None,
    }[library]
    tokenizer = MegatronTokenizer.from_pretrained(
        None if path is None else str(path), metadata_path={"library": library}
    )
    with pytest.raises(ChatTemplateLimitError, match="max_value_size"):
        tokenizer.apply_chat_template(CONVERSATION, chat_template="{{ 'a' * 10**10 }}")


@pytest.mark.parametrize("library", ["sentencepiece", "huggingface"])
def test_an_sft_prompt_format_cannot_smuggle_an_unbounded_template(
    library, sentencepiece_v3, hf_tokenizer_dir
):
    path = sentencepiece_v3 if library == "sentencepiece" else hf_tokenizer_dir
    tokenizer = MegatronTokenizer.from_pretrained(
        str(path),
        metadata_path={"library": library},
        chat_template="{{ 'a' * 10**10 }}",
        prompt_format="default",
    )
    with pytest.raises(ChatTemplateLimitError):
        tokenizer.tokenize_conversation(CONVERSATION, True, False)
    with pytest.raises(ChatTemplateLimitError):
        tokenizer.tokenize_conversation(CONVERSATION, False, True)


def test_only_templates_that_can_amplify_are_rendered_twice_for_hugging_face():
    """transformers renders without limits, so those templates are first rendered in our
    sandbox; the prompt formats' and ordinary templates are not (no cost)."""
    from compat.tokenizers.conversation import prompt_config
    from compat.tokenizers.text.libraries.chat_rendering import may_amplify

    for name in prompt_config.__dict__:
        if name.endswith("_template") and isinstance(getattr(prompt_config, name), str):
            assert not may_amplify(getattr(prompt_config, name)), name
    bounded = [
        "{{ '-' * 80 }}",
        "{{ s.replace('/think', '') }}",
        "{{ ', '.join(xs) }}",
        "{{ x | tojson(indent=2) }}",
        "{{ '%s: %s' % (a, b) }}",
        "{{ 'a' | center(9) }}",
        "{% for i in range(3) %}{{ i }}{% endfor %}",
        PLAIN_TEMPLATE,
    ]
    unbounded = [
        "{{ 'a' * 10**10 }}",
        "{{ x * n }}",
        "{{ s.replace('', t) }}",
        "{{ sep.join(xs) }}",
        "{{ fmt % a }}",
        "{{ x | center(n) }}",
        "{% for i in range(n) %}{% endfor %}",
        "{{ lipsum(2) }}",
        "{{ 2 ** n }}",
        "{{ x | tojson(indent=n) }}",
        "{{ s.ljust(n) }}",
        "{{ '{}'.format(x) * n }}",
    ]
    assert [may_amplify(t) for t in bounded] == [False] * len(bounded)
    assert [may_amplify(t) for t in unbounded] == [True] * len(unbounded)


def test_ordinary_templates_stay_within_the_limits():
    conversation = [{"role": "user", "content": "x" * 100_000}] * 50
    text = render_chat_template(
        PLAIN_TEMPLATE + "{{ '-' * 80 }}{{ '%5s' % 'a' }}{{ 'a' | center(9) }}{{ 2 ** 64 }}",
        conversation,
    )
    assert len(text) > 5_000_000
    assert text.endswith("-" * 80 + "    a    a    18446744073709551616")


def test_limits_can_be_raised_for_a_trusted_template_and_are_restored():
    template = "{{ 'a' * 60_000_000 }}"
    with pytest.raises(ChatTemplateLimitError):
        render_chat_template(template, CONVERSATION)
    previous = set_chat_template_limits(max_value_size=70_000_000, max_output_size=70_000_000)
    try:
        assert len(render_chat_template(template, CONVERSATION)) == 60_000_000
    finally:
        set_chat_template_limits(**vars(previous))
    assert chat_rendering.chat_template_limits() == ChatTemplateLimits()


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "recursed too deeply"),
        ("{{ messages[5]['content'] }}", "chat template"),
        ("{{ 'a' + 1 }}", "TypeError"),
        ("{{ ''.join(None) }}", "TypeError"),
    ],
)
def test_a_template_that_fails_raises_a_chat_template_error(template, message):
    with pytest.raises(ChatTemplateError, match=message):
        render_chat_template(template, CONVERSATION)


def test_a_constant_expression_over_a_limit_fails_at_render_not_at_compile():
    """jinja folds constant expressions while compiling; the intercepted operators are not
    folded, and a folded filter that goes over a limit is left for the rendering to report."""
    from compat.tokenizers.text.libraries.chat_rendering import compile_chat_template

    compile_chat_template("{{ 'a' | center(10000000000) }}")  # no allocation, no error
    with pytest.raises(ChatTemplateLimitError):
        render_chat_template("{{ 'a' | center(10000000000) }}", CONVERSATION)


# --- item 5: text that is not valid Unicode ---------------------------------------------------

SURROGATE_TEXT = "hi \ud800 there"


@pytest.fixture(scope="module")
def tokenizers_by_library(sentencepiece_v3, tekken_json, hf_tokenizer_dir):
    paths = {
        "huggingface": hf_tokenizer_dir,
        "sentencepiece": sentencepiece_v3,
        "tiktoken": tekken_json,
        "byte-level": None,
    }
    return {
        library: MegatronTokenizer.from_pretrained(
            None if path is None else str(path), metadata_path={"library": library}
        )
        for library, path in paths.items()
    }


@pytest.mark.parametrize("library", ["huggingface", "sentencepiece", "byte-level"])
def test_a_lone_surrogate_is_a_clear_error(library, tokenizers_by_library):
    tokenizer = tokenizers_by_library[library]
    with pytest.raises(ValueError, match=r"lone surrogate '\\ud800' at index 3.*errors="):
        tokenizer.tokenize(SURROGATE_TEXT)
    conversation = [{"role": "user", "content": SURROGATE_TEXT}]
    with pytest.raises(ValueError, match="lone surrogate"):
        tokenizer.apply_chat_template(conversation, chat_template=PLAIN_TEMPLATE)


def test_tiktoken_keeps_encoding_a_lone_surrogate_as_before(tokenizers_by_library):
    """tiktoken replaced it (U+FFFD) in 0.16.1 too: those ids exist in old data, so they stay."""
    tokenizer = tokenizers_by_library["tiktoken"]
    assert tokenizer.tokenize(SURROGATE_TEXT) == tokenizer.tokenize("hi \ufffd there")


@pytest.mark.parametrize("library", ["huggingface", "sentencepiece", "byte-level"])
def test_a_conversation_with_a_lone_surrogate_is_a_clear_error(
    library, sentencepiece_v3, hf_tokenizer_dir
):
    path = {"huggingface": hf_tokenizer_dir, "sentencepiece": sentencepiece_v3, "byte-level": None}[
        library
    ]
    tokenizer = MegatronTokenizer.from_pretrained(
        None if path is None else str(path),
        metadata_path={"library": library},
        prompt_format="identity" if library != "huggingface" else "nemotron-h-aligned",
    )
    conversation = [
        {"role": "user", "content": "fine"},
        {"role": "assistant", "content": SURROGATE_TEXT},
    ]
    with pytest.raises(ValueError, match="lone surrogate"):
        tokenizer.tokenize_conversation(conversation, True, False)


def test_the_error_leaves_the_message_data_alone(tokenizers_by_library):
    conversation = [{"role": "user", "content": SURROGATE_TEXT}]
    before = json.dumps(conversation)
    with pytest.raises(ValueError):
        tokenizers_by_library["sentencepiece"].apply_chat_template(
            conversation, chat_template=PLAIN_TEMPLATE
        )
    assert json.dumps(conversation) == before
