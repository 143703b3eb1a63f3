"""Prompt formats of one's own: ``register_prompt_format`` and the entry-point group.

A fork's formats (``gemma``, ``deepseek-v3.2``, ...) were branches of upstream's if-chain. Here
they are registered by a call or by an installed package's entry point, which a tokenizer built
deep inside training code finds without an import of that package.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from prompt_format_plugins import GEMMA_TEMPLATE, forget_installed_formats, install_plugin

from compat.tokenizers import MegatronTokenizer
from compat.tokenizers.conversation import (
    PROMPT_FORMAT_REGISTRY,
    PromptConfig,
    PromptFormatRegistrationError,
    UnknownPromptFormatError,
    build_prompt_config,
    prompt_format_names,
    register_prompt_format,
    tokenize_conversation,
)

CONVERSATION = [
    {"role": "user", "content": "Say hello"},
    {"role": "assistant", "content": "Hello!"},
    {"role": "user", "content": "In Japanese?"},
    {"role": "assistant", "content": "こんにちは"},
]


@pytest.fixture
def registry(monkeypatch):
    """The registry as it is, restored after the test however the test changed it."""
    saved = dict(PROMPT_FORMAT_REGISTRY)
    forget_installed_formats()
    yield PROMPT_FORMAT_REGISTRY
    PROMPT_FORMAT_REGISTRY.clear()
    PROMPT_FORMAT_REGISTRY.update(saved)
    forget_installed_formats()


@pytest.fixture
def plugin_site(tmp_path, monkeypatch, registry):
    """A site folder holding the fork's package, put on sys.path as pip would install it."""
    site = install_plugin(
        tmp_path / "site",
        "fork-formats",
        "fork_formats",
        {
            "gemma": "fork_formats:gemma",
            "broken": "fork_formats:broken",
            "missing": "fork_formats:not_there",
        },
    )
    monkeypatch.syspath_prepend(str(site))
    forget_installed_formats()
    yield site
    sys.modules.pop("fork_formats", None)


def gemma_config(tokenizer) -> PromptConfig:
    return PromptConfig(
        assistant_prefix_len=3,
        pad_token_id=tokenizer.eos_id,
        custom_chat_template=GEMMA_TEMPLATE,
        has_bos=True,
        has_system_role=False,
        allow_tool_role=True,
    )


def hf_sft(hf_tokenizer_dir, prompt_format: str):
    return MegatronTokenizer.from_pretrained(
        str(hf_tokenizer_dir), metadata_path={"library": "huggingface"}, prompt_format=prompt_format
    )


def test_a_registered_format_tokenizes_as_its_prompt_config_says(registry, hf_tokenizer_dir):
    register_prompt_format("gemma", gemma_config)
    tokenizer = hf_sft(hf_tokenizer_dir, "gemma")
    tokens, target = tokenizer.tokenize_conversation(CONVERSATION)
    expected_tokens, expected_target = tokenize_conversation(
        tokenizer._tokenizer, CONVERSATION, gemma_config(tokenizer._tokenizer), True, False
    )
    assert np.array_equal(tokens, expected_tokens) and np.array_equal(target, expected_target)
    assert "こんにちは" in tokenizer.detokenize(target[target >= 0].tolist())
    assert "gemma" in prompt_format_names()


def test_register_works_as_a_decorator_and_returns_the_factory(registry):
    @register_prompt_format("deepseek-v3.2")
    def deepseek(tokenizer):
        return gemma_config(tokenizer)

    assert registry["deepseek-v3.2"] is deepseek


@pytest.mark.parametrize("name", ["chatml", "identity"])
def test_a_built_in_format_is_not_replaced_by_accident(registry, name):
    with pytest.raises(PromptFormatRegistrationError, match="built-in prompt format.*replace=True"):
        register_prompt_format(name, gemma_config)
    assert registry[name] is not gemma_config


def test_registering_a_name_twice_needs_replace(registry):
    register_prompt_format("gemma", gemma_config)
    with pytest.raises(PromptFormatRegistrationError, match="already registered"):
        register_prompt_format("gemma", lambda tokenizer: gemma_config(tokenizer))
    replacement = register_prompt_format("gemma", gemma_config, replace=True)
    assert registry["gemma"] is replacement is gemma_config


@pytest.mark.parametrize("name", ["", " gemma", "two words", None, 3])
def test_a_name_that_cannot_be_written_on_the_command_line_is_refused(registry, name):
    with pytest.raises(PromptFormatRegistrationError, match="non-empty word"):
        register_prompt_format(name, gemma_config)


def test_a_factory_that_is_not_callable_is_refused(registry):
    with pytest.raises(PromptFormatRegistrationError, match="must be callable"):
        register_prompt_format("gemma", "fork_formats:gemma")


def test_a_factory_that_returns_something_else_is_named(registry, hf_tokenizer_dir):
    register_prompt_format("gemma", lambda tokenizer: {"assistant_prefix_len": 3})
    with pytest.raises(TypeError, match="prompt format 'gemma': its factory returned dict"):
        hf_sft(hf_tokenizer_dir, "gemma")


def test_an_installed_package_s_format_is_found_without_importing_it(plugin_site, hf_tokenizer_dir):
    assert "fork_formats" not in sys.modules
    assert {"gemma", "broken", "missing"} <= prompt_format_names()
    assert "fork_formats" not in sys.modules  # listing names imports nothing
    tokenizer = hf_sft(hf_tokenizer_dir, "gemma")
    tokens, _ = tokenizer.tokenize_conversation(CONVERSATION)
    expected, _ = tokenize_conversation(
        tokenizer._tokenizer, CONVERSATION, gemma_config(tokenizer._tokenizer), True, False
    )
    assert np.array_equal(tokens, expected)


def test_an_entry_point_never_shadows_a_built_in_format(
    tmp_path, monkeypatch, registry, hf_tokenizer_dir
):
    site = install_plugin(
        tmp_path / "site",
        "shadowing",
        "shadowing_formats",
        {"chatml": "shadowing_formats:gemma"},
        source="raise RuntimeError('never imported')\n",
    )
    monkeypatch.syspath_prepend(str(site))
    forget_installed_formats()
    config = hf_sft(hf_tokenizer_dir, "chatml")._prompt_config
    assert (config.assistant_prefix_len, config.has_bos) == (3, False)  # ChatML's, not Gemma's
    assert "shadowing_formats" not in sys.modules


def test_an_entry_point_that_fails_to_load_names_its_package(plugin_site, hf_tokenizer_dir):
    with pytest.raises(
        PromptFormatRegistrationError,
        match=r"'missing': loading fork_formats:not_there \(entry point of "
        r"fork-formats\) failed with AttributeError",
    ):
        hf_sft(hf_tokenizer_dir, "missing")
    with pytest.raises(TypeError, match="'broken': its factory returned dict"):
        hf_sft(hf_tokenizer_dir, "broken")


def test_two_packages_offering_one_name_is_an_error_not_a_coin_toss(
    plugin_site, tmp_path, monkeypatch
):
    other = install_plugin(
        tmp_path / "other", "other-formats", "other_formats", {"gemma": "other_formats:gemma"}
    )
    monkeypatch.syspath_prepend(str(other))
    forget_installed_formats()
    with pytest.raises(
        PromptFormatRegistrationError,
        match="offered by several installed packages: .*fork-formats.*"
        "other-formats|other-formats.*fork-formats",
    ):
        build_prompt_config("gemma", object())


def test_an_unknown_format_says_how_to_add_one(registry):
    with pytest.raises(
        UnknownPromptFormatError, match="'gemma'.*register_prompt_format.*megatron_tokenizer_compat"
    ):
        build_prompt_config("gemma", object())


def test_a_tokenizer_built_from_the_command_line_finds_the_installed_format(
    plugin_site, hf_tokenizer_dir
):
    """What Megatron's training code does, in a fresh interpreter that imports nothing of the
    fork: parse the old flags, build the tokenizer, tokenize a conversation."""
    program = (
        "import argparse, json, sys\n"
        "from compat.args import add_tokenizer_args\n"
        "from compat.tokenizers.utils.build_tokenizer import build_tokenizer\n"
        "args = add_tokenizer_args(argparse.ArgumentParser()).parse_args(sys.argv[1:])\n"
        "args.rank, args.make_vocab_size_divisible_by = 0, 128\n"
        "args.tensor_model_parallel_size = 1\n"
        "tokenizer = build_tokenizer(args)\n"
        "tokens, target = tokenizer.tokenize_conversation(json.loads(sys.stdin.read()))\n"
        "print(json.dumps({'tokens': tokens.tolist(), 'fork': 'fork_formats' in sys.modules}))\n"
    )
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(plugin_site), *sys.path])}
    completed = subprocess.run(
        [
            sys.executable,
            "-W",
            "ignore::DeprecationWarning",
            "-c",
            program,
            "--tokenizer-type",
            "SFTTokenizer",
            "--sft-tokenizer-prompt-format",
            "gemma",
            "--tokenizer-model",
            str(hf_tokenizer_dir),
        ],
        input=json.dumps(CONVERSATION),
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.splitlines()[-1])
    expected, _ = tokenize_conversation(
        hf_sft(hf_tokenizer_dir, "identity")._tokenizer,
        CONVERSATION,
        gemma_config(hf_sft(hf_tokenizer_dir, "identity")._tokenizer),
        True,
        False,
    )
    assert result == {"tokens": expected.tolist(), "fork": True}
