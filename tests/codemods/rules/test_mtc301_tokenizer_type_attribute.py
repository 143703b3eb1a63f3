"""MTC301: Megatron's args.tokenizer_type, in every form Megatron code reads or sets it, is
reported, not rewritten; other projects' ``tokenizer_type`` is left alone."""

from __future__ import annotations

import pytest
from rewrite_checks import PYTHON

check_noop = PYTHON.check_noop

MEGATRON = "from megatron.training import get_args, pretrain\n"


def sites(source: str, **options) -> list[tuple[int, int]]:
    findings = check_noop(source, **options)
    assert all(f.code == "MTC301" and not f.fixed for f in findings)
    return [(f.line, f.col) for f in findings]


def test_comparison_gets_a_mode_suggestion():
    findings = check_noop(MEGATRON + 'if get_args().tokenizer_type == "SFTTokenizer":\n    pass\n')
    assert [(f.code, f.fixed, f.line, f.col) for f in findings] == [("MTC301", False, 2, 4)]
    assert findings[0].suggestion == 'get_args().tokenizer_mode == "sft"'


def test_megatron_type_comparison_names_library_and_model():
    findings = check_noop(MEGATRON + 'ok = self.args.tokenizer_type != "GPT2BPETokenizer"\n')
    assert findings[0].suggestion == (
        'self.args.tokenizer_library != "megatron" or '
        'self.args.tokenizer_model != "GPT2BPETokenizer"'
    )


@pytest.mark.parametrize(
    "source",
    [
        # a name bound to Megatron's args, however it is named
        "margs = get_args()\nif margs.tokenizer_type: pass\n",
        "opts = parse_args(extra_args_provider)\nprint(opts.tokenizer_type)\n",
        "state = torch.load(path)\nckpt_args = state['args']\nt = ckpt_args.tokenizer_type\n",
        # a checkpoint's args read in place, and the parameter Megatron code hands them in
        "t = state_dict['args'].tokenizer_type\n",
        "def build(args):\n    return args.tokenizer_type\n",
    ],
)
def test_megatron_args_however_they_are_reached(source):
    assert len(sites(MEGATRON + source)) == 1


@pytest.mark.parametrize(
    "source",
    [
        'd = vars(args)\nif d["tokenizer_type"] == "GPT2BPETokenizer": pass\n',
        'getattr(args, "tokenizer_type", None)\n',
        'setattr(margs, "tokenizer_type", md.tokenizer_type)\n',
        '_set_arg("tokenizer_type", force=True)\n',
        'check_for_arg("tokenizer_type")\n',
    ],
)
def test_string_keyed_access_in_megatron_code(source):
    findings = check_noop(MEGATRON + source)
    assert [f.code for f in findings] == ["MTC301"]
    assert "tokenizer_library" in findings[0].suggestion


def test_keyword_building_args_and_args_defaults():
    findings = check_noop(
        MEGATRON
        + 'fake = SimpleNamespace(tokenizer_type="HuggingFaceTokenizer", rank=0)\n'
        + 'pretrain(args_defaults={"tokenizer_type": "NullTokenizer"})\n'
    )
    assert [f.suggestion for f in findings] == [
        'tokenizer_library="huggingface"',
        '"tokenizer_library": "null"',
    ]


@pytest.mark.parametrize(
    "source",
    [
        # NeMo's own config, with or without a megatron import beside it
        "import nemo\ncfg.tokenizer_type = 'bpe'\n",
        MEGATRON + "import nemo\nmodel_cfg.tokenizer.tokenizer_type = 'bpe'\n",
        # another library's keyword and configuration object
        "gen = MultiTurnLossMaskGenerator(tokenizer, tokenizer_type='qwen')\n",
        MEGATRON + "gen = MultiTurnLossMaskGenerator(tokenizer, tokenizer_type='qwen')\n",
        MEGATRON + "self.config.tokenizer_type = 'llama'\n",
        # a dict that is not args_defaults, a string outside Megatron code
        MEGATRON + 'options = {"tokenizer_type": "bpe"}\n',
        'getattr(args, "tokenizer_type")\nx = row["tokenizer_type"]\n',
        # `args` in a file that is not Megatron code
        "def main(args):\n    return args.tokenizer_type\n",
    ],
)
def test_other_projects_tokenizer_type_is_theirs(source):
    assert sites(source) == []


def test_only_where_the_command_lines_get_the_new_flags():
    source = MEGATRON + "args = get_args()\nt = args.tokenizer_type\n"
    assert len(sites(source)) == 1
    for command_target in ("upstream", "keep"):
        assert sites(source, command_target=command_target) == []


def test_suppressed():
    assert check_noop(MEGATRON + "x = get_args().tokenizer_type  # megatron-compat: ignore\n") == []
