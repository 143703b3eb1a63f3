"""Chat templates for non-HF libraries: rendered in jinja2's immutable sandbox, identical to
transformers' renderer (which megatron-core 0.16.1 used) for every legitimate template."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest
import tokenizer_files

from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.text.libraries.chat_rendering import (
    ChatTemplateError,
    render_chat_template,
)

CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": "Hello <s> there, 東京?"},
    {"role": "assistant", "content": "Hi!  Two  spaces."},
    {"role": "user", "content": "And a tool?"},
]
CHATML = tokenizer_files.HF_CHAT_TEMPLATE
MISTRAL_LIKE = (
    "{% if messages[0]['role'] == 'system' %}{% set system = messages[0]['content'] %}"
    "{% set loop_messages = messages[1:] %}{% else %}{% set loop_messages = messages %}"
    "{% set system = '' %}{% endif %}"
    "{% for message in loop_messages %}"
    "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
    "{{ raise_exception('roles must alternate user/assistant') }}{% endif %}"
    "{% if message['role'] == 'user' %}[INST] {% if loop.first and system %}{{ system }}\n\n"
    "{% endif %}{{ message['content'] }} [/INST]"
    "{% else %}{{ message['content'] }}</s>{% endif %}{% endfor %}"
)
FEATURES = (
    "{% set ns = namespace(count=0) %}"
    "{% for message in messages %}{% if message.role == 'system' %}{% continue %}{% endif %}"
    "{% set ns.count = ns.count + 1 %}"
    "{% generation %}{{ message | tojson }}{% endgeneration %}\n"
    "{% if loop.index > 2 %}{% break %}{% endif %}{% endfor %}"
    "{{ dict(a=1, b='é') | tojson }}|{{ ns.count }}|{{ tools | default('no tools') }}"
    "{% if add_generation_prompt %}<|assistant|>{% endif %}"
)
TEMPLATES = {"chatml": CHATML, "mistral-like": MISTRAL_LIKE, "features": FEATURES}
UNSAFE_TEMPLATES = [
    "{{ messages.__class__.__mro__ }}",
    "{{ messages.__class__ }}",
    "{{ messages[0].__class__.__init__.__globals__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ messages.append({'role': 'x'}) }}",
    "{{ messages.pop() }}",
    "{{ messages[0].update(role='x') }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ '{0.__class__}'.format(messages) }}",
    "{% set ns = namespace(_hidden=1) %}",
]


@pytest.fixture(scope="module")
def transformers_compile():
    chat_template_utils = pytest.importorskip("transformers.utils.chat_template_utils")
    return chat_template_utils._compile_jinja_template


@pytest.fixture(scope="module")
def sp_tokenizer():
    return MegatronTokenizer.from_pretrained(
        str(tokenizer_files.sentencepiece_v1()), metadata_path={"library": "sentencepiece"}
    )


@pytest.fixture(scope="module")
def tiktoken_tokenizer(tekken_json):
    return MegatronTokenizer.from_pretrained(
        str(tekken_json), metadata_path={"library": "tiktoken"}
    )


# ------------------------------------------------------------------ same output as transformers


@pytest.mark.parametrize("name", list(TEMPLATES))
@pytest.mark.parametrize("add_generation_prompt", [False, True])
def test_renders_like_transformers(transformers_compile, name, add_generation_prompt):
    conversation = CONVERSATION if name != "mistral-like" else CONVERSATION[:3]
    expected = transformers_compile(TEMPLATES[name]).render(
        messages=conversation, add_generation_prompt=add_generation_prompt, tools=["search"]
    )
    rendered = render_chat_template(
        TEMPLATES[name],
        conversation,
        add_generation_prompt=add_generation_prompt,
        tools=["search"],
    )
    assert rendered == expected
    assert rendered  # the comparison is not between two empty strings


def test_features_template_hand_checked():
    rendered = render_chat_template(FEATURES, CONVERSATION[:2], add_generation_prompt=True)
    user_json = json.dumps(CONVERSATION[1], ensure_ascii=False)
    # trim_blocks (as in transformers) drops the newline after {% endgeneration %}
    assert rendered == f'{user_json}{{"a": 1, "b": "é"}}|1|no tools<|assistant|>'


# ------------------------------------------------------------------ same ids as megatron-core


@pytest.mark.parametrize("library", ["sentencepiece", "tiktoken"])
@pytest.mark.parametrize("template", [CHATML, MISTRAL_LIKE, "{{ bos_token }}" + CHATML])
def test_apply_chat_template_matches_megatron_core(reference, tekken_json, library, template):
    """Same text and ids as 0.16.1's mixin, which rendered with only ``messages`` and
    ``add_generation_prompt`` (so ``{{ bos_token }}`` renders empty, as it did)."""
    path = tokenizer_files.sentencepiece_v1() if library == "sentencepiece" else tekken_json
    metadata = {"library": library}
    new = MegatronTokenizer.from_pretrained(str(path), metadata_path=dict(metadata))
    old = reference.MegatronTokenizer.from_pretrained(str(path), metadata_path=dict(metadata))
    conversation = CONVERSATION[:3]
    for options in (
        {"tokenize": False},
        {"tokenize": True},
        {"add_generation_prompt": True},
        {"tokenize": True, "truncation": True, "max_length": 7},
    ):
        assert new.apply_chat_template(conversation, chat_template=template, **options) == (
            old.apply_chat_template(conversation, chat_template=template, **options)
        ), options


def test_tokenized_result_is_text_to_ids_of_rendered_text(tiktoken_tokenizer):
    text = tiktoken_tokenizer.apply_chat_template(
        CONVERSATION, chat_template=CHATML, tokenize=False
    )
    assert text.startswith("<|im_start|>system\nBe brief.<|im_end|>\n")
    ids = tiktoken_tokenizer.apply_chat_template(CONVERSATION, chat_template=CHATML)
    assert ids == tiktoken_tokenizer.tokenize(text)
    assert tiktoken_tokenizer.bos_id in ids  # the "<s>" inside a message is a special token


# ------------------------------------------------------------------ template sources


def test_metadata_template_is_the_default():
    tokenizer = MegatronTokenizer.from_pretrained(
        str(tokenizer_files.sentencepiece_v1()),
        metadata_path={"library": "sentencepiece", "chat_template": CHATML},
    )
    assert tokenizer.apply_chat_template(CONVERSATION[:1], tokenize=False) == (
        "<|im_start|>system\nBe brief.<|im_end|>\n"
    )
    assert (
        tokenizer.apply_chat_template(
            CONVERSATION[:1], chat_template="{{ messages | length }}", tokenize=False
        )
        == "1"
    )


@pytest.mark.parametrize("library", ["sentencepiece", "tiktoken"])
def test_template_written_to_a_metadata_file_is_used(tmp_path, tekken_json, library):
    source = tokenizer_files.sentencepiece_v1() if library == "sentencepiece" else tekken_json
    path = tmp_path / source.name
    path.write_bytes(source.read_bytes())
    MegatronTokenizer.write_metadata(str(path), library, chat_template=CHATML)
    tokenizer = MegatronTokenizer.from_pretrained(str(path))
    assert tokenizer.library == library
    assert tokenizer.apply_chat_template(
        CONVERSATION[1:2], add_generation_prompt=True, tokenize=False
    ) == ("<|im_start|>user\nHello <s> there, 東京?<|im_end|>\n<|im_start|>assistant\n")


def test_keyword_template_reaches_the_library(tekken_json):
    tokenizer = MegatronTokenizer.from_pretrained(
        str(tekken_json), metadata_path={"library": "tiktoken"}, chat_template=CHATML
    )
    assert tokenizer.chat_template == CHATML
    assert tokenizer.apply_chat_template(CONVERSATION, tokenize=False).count("<|im_start|>") == 4


def test_extra_keywords_become_template_variables(sp_tokenizer):
    rendered = sp_tokenizer.apply_chat_template(
        CONVERSATION,
        chat_template="{{ bos_token }}{{ tools | join(',') }}",
        tokenize=False,
        bos_token="<s>",
        tools=["a", "b"],
    )
    assert rendered == "<s>a,b"


def test_conversation_is_not_modified(sp_tokenizer):
    conversation = copy.deepcopy(CONVERSATION)
    sp_tokenizer.apply_chat_template(
        conversation, chat_template=FEATURES, tokenize=True, add_generation_prompt=True
    )
    assert conversation == CONVERSATION


# ------------------------------------------------------------------ sandbox and errors


@pytest.mark.parametrize("template", UNSAFE_TEMPLATES)
def test_unsafe_templates_fail_clearly(template):
    conversation = copy.deepcopy(CONVERSATION)
    with pytest.raises(ChatTemplateError, match="unsafe"):
        render_chat_template(template, conversation)
    assert conversation == CONVERSATION


@pytest.mark.parametrize("template", UNSAFE_TEMPLATES[:3])
def test_unsafe_templates_fail_through_both_libraries(sp_tokenizer, tiktoken_tokenizer, template):
    for tokenizer in (sp_tokenizer, tiktoken_tokenizer):
        with pytest.raises(ValueError, match="the chat template tried an unsafe operation"):
            tokenizer.apply_chat_template(CONVERSATION, chat_template=template)


def test_undefined_names_still_render_empty():
    assert render_chat_template("[{{ nothing }}|{{ messages[0].missing }}]", CONVERSATION) == "[|]"


def test_template_exception_message_is_kept():
    with pytest.raises(ChatTemplateError, match="raised an error: roles must alternate"):
        render_chat_template(MISTRAL_LIKE, [CONVERSATION[0], CONVERSATION[2]])


def test_syntax_error_names_the_line_and_the_fix():
    with pytest.raises(ChatTemplateError, match=r"not valid jinja \(line 2.*chat_template="):
        render_chat_template("ok\n{% for m in messages %}", CONVERSATION)


def test_non_string_template_is_rejected():
    with pytest.raises(TypeError, match="chat_template must be a string, got dict"):
        render_chat_template({"template": CHATML}, CONVERSATION)


def test_missing_template_names_the_fix(sp_tokenizer):
    with pytest.raises(ValueError, match="no chat template.*chat_template="):
        sp_tokenizer.apply_chat_template(CONVERSATION)


def test_truncation_needs_max_length(sp_tokenizer):
    with pytest.raises(ValueError, match="needs max_length"):
        sp_tokenizer.apply_chat_template(CONVERSATION, chat_template=CHATML, truncation=True)


def test_library_modules_import_without_jinja2():
    code = (
        "import sys\n"
        "import compat.tokenizers.text.libraries.sentencepiece_tokenizer\n"
        "import compat.tokenizers.text.libraries.tiktoken_tokenizer\n"
        "print(sorted(m for m in ('jinja2', 'sentencepiece', 'tiktoken', 'transformers')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
