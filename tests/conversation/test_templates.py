"""Our templates render exactly what upstream's template strings render.

The ``UPSTREAM`` strings are upstream's (G2 ``sft_tokenizer.py`` and
``multimodal_tokenizer.py``), kept here as test data; ours are rewritten so that their output
does not depend on the renderer's whitespace settings. Both are rendered in the same sandbox,
which mirrors transformers' environment.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compat.tokenizers.conversation import prompt_config as ours
from compat.tokenizers.text.libraries.chat_rendering import render_chat_template

UPSTREAM = {
    "nemotron_h_aligned_custom_template": (
        "{% for message in messages %}{% if message['role'] == 'system' %}"
        "{{ '<SPECIAL_10>System\\n' + message['content'].strip() + '\\n' }}"
        "{% elif message['role'] == 'user' %}{{ "
        "'<SPECIAL_11>User\\n' + message['content'].strip() + '\\n' "
        "+ '<SPECIAL_11>Assistant\\n' }}"
        "{% elif message['role'] == 'assistant' %}"
        "{{ message['content'].strip() + '\\n' }}{% endif %}"
        "{% endfor %}"
    ),
    "nemotron_nano_v2_custom_template": (
        "{% for message in messages %}{% set content = message['content'] %}{% if message['role'] "
        "== 'system' %}{{ '<SPECIAL_10>System\\n' + content.replace('/think', '')"
        ".replace('/no_think', '').strip() + '\\n' }}{% elif message['role'] == 'user' %}{{ "
        "'<SPECIAL_11>User\\n' + content.replace('/think', '').replace('/no_think', '').strip() + "
        "'\\n' }}{% elif message['role'] == 'assistant' %}{{ '<SPECIAL_11>Assistant\\n' + "
        "content.strip() + '\\n<SPECIAL_12>\\n' }}{% endif %}{% endfor %}"
    ),
    "identity_template": "{% for message in messages %}{{ message['content'] }}{% endfor %}",
    "mistral_custom_template": (
        "\n{{- bos_token }}\n{%- for message in messages %}\n    {%- if message['role'] == 'user' "
        "%}\n        {{- '[INST] ' + message['content'] + '[/INST]' }}\n    {%- elif "
        "message['role'] == 'assistant' %}\n        {{- ' ' + message['content'] + eos_token}}\n"
        "    {%- endif %}\n{%- endfor %}\n{% if add_generation_prompt %}{{ ' ' }}{% endif %}\n"
    ),
    "nvlm_yi_34b_template": (
        "{{- bos_token }}{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' "
        "+ message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
        "{{ '<|im_start|>assistant\\n' }}{% endif %}"
    ),
    "qwen2p0_custom_template": (
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
        "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
        "{{ '<|im_start|>assistant\\n' }}{% endif %}"
    ),
    "nemotron_custom_template": (
        "{{- bos_token }}{% for message in messages %}{{'<SPECIAL_14>' + message['role'] + '\\n' "
        "+ message['content'] + '<SPECIAL_15>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
        "{{ '<SPECIAL_14>assistant\\n' }}{% endif %}"
    ),
    "nemotron_aligned_custom_template": (
        "{{- bos_token}}{% for message in messages %}{{message['role'] + '\\n' + "
        "message['content'] + '\\n' + '[PREFIX]'}}{% endfor %}{% if add_generation_prompt %}"
        "{{ 'Assistant\\n' }}{% endif %}"
    ),
}

CONTENT = st.lists(
    st.sampled_from(list("ab ☃東\n\t") + ["/think", "/no_think", "{{", "  "]), max_size=8
).map("".join)
TURN = st.fixed_dictionaries(
    {
        "role": st.sampled_from(["system", "user", "assistant", "tool", "System", "Assistant"]),
        "content": CONTENT,
    }
)


@pytest.mark.parametrize("name", sorted(UPSTREAM))
@given(messages=st.lists(TURN, max_size=5), add_generation_prompt=st.booleans())
@settings(max_examples=60, deadline=None)
def test_template_renders_like_upstream(name, messages, add_generation_prompt):
    variables = {"bos_token": "<s>", "eos_token": "</s>"}
    expected = render_chat_template(UPSTREAM[name], messages, add_generation_prompt, **variables)
    actual = render_chat_template(getattr(ours, name), messages, add_generation_prompt, **variables)
    assert actual == expected


# upstream's llama3p1_chat_template, as written in its source (escapes included), on one line
# so that it can be compared with the source verbatim
UPSTREAM_LLAMA3P1 = """{{- bos_token }}\n{%- if custom_tools is defined %}\n    {%- set tools = custom_tools %}\n{%- endif %}\n{%- if not tools_in_user_message is defined %}\n    {%- set tools_in_user_message = true %}\n{%- endif %}\n{%- if not date_string is defined %}\n    {%- set date_string = \"26 Jul 2024\" %}\n{%- endif %}\n{%- if not tools is defined %}\n    {%- set tools = none %}\n{%- endif %}\n\n{#- This block extracts the system message, so we can slot it into the right place. #}\n{%- if messages[0]['role'] == 'system' %}\n    {%- set system_message = messages[0]['content']|trim %}\n    {%- set messages = messages[1:] %}\n{%- else %}\n    {%- set system_message = none %}\n{%- endif %}\n\n{%- if system_message is not none %}{#- System message + builtin tools #}\n{{- \"<|start_header_id|>system<|end_header_id|>\\n\\n\" }}\n{%- if builtin_tools is defined or tools is not none %}\n    {{- \"Environment: ipython\\n\" }}\n{%- endif %}\n{%- if builtin_tools is defined %}\n    {{- \"Tools: \" + builtin_tools | reject('equalto', 'code_interpreter') | join(\", \") + \"\\n\\n\"}}\n{%- endif %}{%- if tools is not none and not tools_in_user_message %}\n    {{- \"You have access to the following functions. To call a function, please respond with JSON for a function call.\" }}\n    {{- 'Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.' }}\n    {{- \"Do not use variables.\\n\\n\" }}\n    {%- for t in tools %}\n        {{- t | tojson(indent=4) }}\n        {{- \"\\n\\n\" }}\n    {%- endfor %}\n{%- endif %}\n{{- system_message }}\n{{- \"<|eot_id|>\" }}\n\n{%-endif %}{#- Custom tools are passed in a user message with some extra guidance #}\n{%- if tools_in_user_message and not tools is none %}\n    {#- Extract the first user message so we can plug it in here #}\n    {%- if messages | length != 0 %}\n        {%- set first_user_message = messages[0]['content']|trim %}\n        {%- set messages = messages[1:] %}\n    {%- else %}\n        {{- raise_exception(\"Cannot put tools in the first user message when there's no first user message!\") }}\n{%- endif %}\n    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}\n    {{- \"Given the following functions, please respond with a JSON for a function call \" }}\n    {{- \"with its proper arguments that best answers the given prompt.\\n\\n\" }}\n    {{- 'Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its value}.' }}\n    {{- \"Do not use variables.\\n\\n\" }}\n    {%- for t in tools %}\n        {{- t | tojson(indent=4) }}\n        {{- \"\\n\\n\" }}\n    {%- endfor %}\n    {{- first_user_message + \"<|eot_id|>\"}}\n{%- endif %}\n\n{%- for message in messages %}\n    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}\n        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}\n    {%- elif 'tool_calls' in message %}\n        {%- if not message.tool_calls|length == 1 %}\n            {{- raise_exception(\"This model only supports single tool-calls at once!\") }}\n        {%- endif %}\n        {%- set tool_call = message.tool_calls[0].function %}\n        {%- if builtin_tools is defined and tool_call.name in builtin_tools %}\n            {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}\n            {{- \"<|python_tag|>\" + tool_call.name + \".call(\" }}\n            {%- for arg_name, arg_val in tool_call.arguments | items %}\n                {{- arg_name + '=\"' + arg_val + '\"' }}\n                {%- if not loop.last %}\n                    {{- \", \" }}\n                {%- endif %}\n                {%- endfor %}\n            {{- \")\" }}\n        {%- else  %}\n            {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}\n            {{- '{\"name\": \"' + tool_call.name + '\", ' }}\n            {{- '\"parameters\": ' }}\n            {{- tool_call.arguments | tojson }}\n            {{- \"}\" }}\n        {%- endif %}\n        {%- if builtin_tools is defined %}\n            {#- This means we're in ipython mode #}\n            {{- \"<|eom_id|>\" }}\n        {%- else %}\n            {{- \"<|eot_id|>\" }}\n        {%- endif %}\n    {%- elif message.role == \"tool\" or message.role == \"ipython\" %}\n        {{- \"<|start_header_id|>ipython<|end_header_id|>\\n\\n\" }}\n        {%- if message.content is mapping or message.content is iterable %}\n            {{- message.content | tojson }}\n        {%- else %}\n            {{- message.content }}\n        {%- endif %}\n        {{- \"<|eot_id|>\" }}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}\n{%- endif %}\n"""  # noqa: E501

TOOL_CALL = st.fixed_dictionaries(
    {
        "function": st.fixed_dictionaries(
            {
                "name": st.sampled_from(["get_time", "brave_search", "wolfram_alpha"]),
                "arguments": st.dictionaries(
                    st.sampled_from(["query", "zone"]), st.sampled_from(["x", "東京"]), max_size=2
                ),
            }
        )
    }
)
LLAMA_TURN = st.one_of(
    st.fixed_dictionaries(
        {
            "role": st.sampled_from(["system", "user", "assistant", "tool", "ipython"]),
            "content": CONTENT,
        }
    ),
    st.fixed_dictionaries(
        {
            "role": st.just("assistant"),
            "content": CONTENT,
            "tool_calls": st.lists(TOOL_CALL, min_size=1, max_size=2),
        }
    ),
)
TOOL = {"type": "function", "function": {"name": "get_time", "parameters": {"zone": "string"}}}
LLAMA_VARIABLES = st.fixed_dictionaries(
    {},
    optional={
        "tools": st.just([TOOL]),
        "custom_tools": st.just([TOOL, TOOL]),
        "tools_in_user_message": st.booleans(),
        "builtin_tools": st.just(["brave_search", "code_interpreter"]),
        "date_string": st.just("1 Jan 2025"),
    },
)


def _render_or_error(template, messages, add_generation_prompt, variables):
    from compat.tokenizers.text.libraries.chat_rendering import ChatTemplateError

    try:
        return render_chat_template(template, messages, add_generation_prompt, **variables)
    except ChatTemplateError as error:
        return ("error", str(error))


@given(
    messages=st.lists(LLAMA_TURN, min_size=1, max_size=5),
    add_generation_prompt=st.booleans(),
    variables=LLAMA_VARIABLES,
)
@settings(max_examples=300, deadline=None)
def test_llama3p1_template_renders_like_upstream(messages, add_generation_prompt, variables):
    variables = {"bos_token": "<|begin_of_text|>", **variables}
    expected = _render_or_error(UPSTREAM_LLAMA3P1, messages, add_generation_prompt, variables)
    actual = _render_or_error(
        ours.llama3p1_chat_template, messages, add_generation_prompt, variables
    )
    assert actual == expected
