"""Generated inputs: the output always parses, and a second run changes nothing."""

from __future__ import annotations

import libcst as cst
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rewrite_checks import assert_names_still_bound

from codemods.core import Options
from codemods.python import rewrite

TEXT = "megatron.core.tokenizers.text"
IMPORTS = [
    f"from {TEXT}.models import GPTTokenizer",
    f"from {TEXT}.models import BertTokenizer as BT, T5Tokenizer",
    f"from {TEXT}.models.default_tokenizer import DefaultTokenizerText",
    f"import {TEXT}.models as models",
    f"from {TEXT}.libraries.sft_tokenizer import SFTTokenizer, IGNORE_INDEX, PromptConfig",
    f"from {TEXT}.libraries.chat_template import MegatronTokenizerChatTemplate",
    "from megatron.core.tokenizers import MegatronTokenizer",
    "from megatron.core.tokenizers.megatron_tokenizer import TOKENIZER_LIBRARIES",
    "import subprocess, sys",
    "from transformers import AutoTokenizer",
]
STATEMENTS = [
    "x = GPTTokenizer",
    "y = isinstance(t, (GPTTokenizer, BT))",
    "z = models.MambaTokenizer(path)",
    'tok = SFTTokenizer("dir", "identity")',
    "tok = SFTTokenizer(path, prompt_format=fmt, extra=1)",
    "mask = IGNORE_INDEX",
    'cmd = ["--tokenizer-type", "GPT2BPETokenizer", "--legacy-tokenizer"]',
    'cmd = ("--tokenizer-type=SFTTokenizer", "--sft-tokenizer-prompt-format", "identity")',
    'subprocess.run(["train", "--tokenizer-type", kind], check=True)',
    'os.system("train --tokenizer-type NullTokenizer --vocab-size 8")',
    'if args.tokenizer_type == "TikTokenizer": pass',
    'MegatronTokenizer.write_metadata("d", "null", "gpt", None)',
    (
        'MegatronTokenizer.from_pretrained("d", metadata_path={"library": "sft", '
        '"model_type": "t5"}, prompt_format="identity")'
    ),
    "lib.apply_chat_template(conv, template)",
    "print(TOKENIZER_LIBRARIES)",
    "x = GPTTokenizer  # megatron-compat: ignore[MTC001]",
    "pass",
]
CLASSES = [
    "class A(GPTTokenizer, BertTokenizer):\n    pass",
    "class B(SentencePieceTokenizer, MegatronTokenizerChatTemplate):\n    pass",
    "class C(MegatronTokenizerChatTemplate):\n    pass",
    "class D(SFTTokenizer):\n    pass",
]


def indented(statements: list[str]) -> str:
    return "def f():\n" + "".join(f"    {statement}\n" for statement in statements or ["pass"])


sources = st.builds(
    lambda imports, top, body, classes: (
        "\n".join(imports)
        + "\n"
        + "\n".join(top)
        + "\n"
        + indented(body)
        + "\n".join(classes)
        + "\n"
    ),
    st.lists(st.sampled_from(IMPORTS), max_size=5),
    st.lists(st.sampled_from(STATEMENTS), max_size=5),
    st.lists(st.sampled_from(STATEMENTS), max_size=4),
    st.lists(st.sampled_from(CLASSES), max_size=2),
)
options = st.builds(
    Options,
    target=st.sampled_from(["pr3889", "upstream", "compat"]),
    add_todo=st.booleans(),
    ignore=st.sets(st.sampled_from(["MTC001", "MTC003", "MTC201"]), max_size=1).map(frozenset),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sources, options)
def test_output_parses_binds_its_names_and_is_a_fixed_point(source, chosen):
    first = rewrite(source, "generated.py", chosen)
    cst.parse_module(first.new_text)
    assert_names_still_bound(source, first.new_text)
    second = rewrite(first.new_text, "generated.py", chosen)
    assert second.new_text == first.new_text
    assert not [f for f in second.findings if f.fixed]
    lines = source.count("\n") + 1
    assert all(1 <= f.line <= lines for f in first.findings)
