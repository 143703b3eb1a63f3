"""An installed package that adds prompt formats through the entry-point group, written here.

``install_plugin`` lays out what pip leaves in site-packages (the module and its
``.dist-info`` with ``entry_points.txt``), so ``importlib.metadata`` discovers it as it would a
real install once the folder is on ``sys.path``.
"""

from __future__ import annotations

from pathlib import Path

from compat.tokenizers.conversation import PROMPT_FORMAT_ENTRY_POINTS

# A fork's format as its if-chain branch wrote it: Gemma's turn markers, no system role.
GEMMA_TEMPLATE = (
    "{{- bos_token -}}"
    "{%- for message in messages -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{ '<start_of_turn>' + role + '\n' + message['content'] + '<end_of_turn>\n' }}"
    "{%- endfor -%}"
)

PLUGIN_MODULE = f"""\
from compat.tokenizers.conversation import PromptConfig

GEMMA_TEMPLATE = {GEMMA_TEMPLATE!r}


def gemma(tokenizer):
    return PromptConfig(
        assistant_prefix_len=3,
        pad_token_id=tokenizer.eos_id,
        custom_chat_template=GEMMA_TEMPLATE,
        has_bos=True,
        has_system_role=False,
        allow_tool_role=True,
    )


def broken(tokenizer):
    return {{"assistant_prefix_len": 3}}
"""


def install_plugin(
    site: Path,
    distribution: str,
    module: str,
    entry_points: dict[str, str],
    source: str = PLUGIN_MODULE,
) -> Path:
    """Install ``module`` (``source``) as ``distribution`` whose entry points map format names
    to ``module:attribute`` (or to any object reference); returns ``site``."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(source)
    info = site / f"{distribution.replace('-', '_')}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {distribution}\nVersion: 1.0\n")
    lines = [f"{name} = {reference}" for name, reference in entry_points.items()]
    (info / "entry_points.txt").write_text(
        f"[{PROMPT_FORMAT_ENTRY_POINTS}]\n" + "\n".join(lines) + "\n"
    )
    return site


def forget_installed_formats() -> None:
    """Drop what this process has read of the installed entry points (tests install some)."""
    from codemods.rules import unregistered_prompt_format
    from compat.tokenizers.conversation import prompt_config

    prompt_config._entry_points.cache_clear()
    unregistered_prompt_format._known.cache_clear()
