"""The rules' probes and the elision of what they reject (codemods/python/probe.py, elide.py)
only save work: every Python fixture, migrated for every target, gives the same text and
findings as the plain path (the whole file through libcst).

Every before/after check of the rule tests already compares both ways (tests/rewrite_checks.py);
this module adds the Python files of the example project, of the recall tree and of the rule
examples, under each combination of targets.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from recall_tree import write_tree
from rewrite_checks import assert_probes_change_nothing

from codemods.core import Options
from codemods.python.rewriter import rewrite_source
from codemods.rules import all_rules
from compat.deprecations import LEGACY_CLASS_PATHS

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "legacy-project"
TARGETS = [
    Options(),
    Options(target="upstream", command_target="upstream"),
    Options(target="compat", command_target="keep", kept_because="an old parser", source="0.16"),
    Options(target="compat", command_target="upstream", source="0.19"),
]


def python_fixtures(tmp_path: Path) -> list[tuple[str, str]]:
    files = [path for path in EXAMPLE.rglob("*.py") if "expected" not in path.parts]
    files += [path for path in write_tree(tmp_path / "recall") if path.suffix == ".py"]
    fixtures = [(path.name, path.read_text()) for path in files]
    fixtures += [
        (f"{rule.code}.py", example.before)
        for rule in all_rules()
        for example in rule.examples
        if example.kind == "python"
    ]
    return fixtures


@pytest.mark.parametrize(
    "options", TARGETS, ids=["pr3889", "upstream", "compat-keep", "compat-upstream"]
)
def test_every_fixture_migrates_the_same_with_and_without_probes(tmp_path, options):
    fixtures = python_fixtures(tmp_path)
    assert len(fixtures) > 20
    for name, source in fixtures:
        assert_probes_change_nothing(source, name, options)


def test_a_file_whose_words_only_look_like_sites_is_not_parsed(monkeypatch):
    """A data loader's own ``prompt_format`` attribute and a comment naming an old flag hold
    the needles, not a site: libcst is never reached."""
    from codemods.python import engine

    def fail(*args, **kwargs):
        raise AssertionError("parsed with libcst")

    monkeypatch.setattr(engine, "rewrite_module", fail)
    source = (
        "import megatron.core\n"
        "# pass --tokenizer-type on the command line\n"
        "class Loader:\n"
        "    def __init__(self, prompt_format):\n"
        "        self.prompt_format = prompt_format\n"
        "        self.tokenizer_type_name = 'x'\n"
    )
    result = rewrite_source(source, "loader.py", Options())
    assert (result.new_text, result.findings) == (source, [])


@pytest.mark.parametrize(
    "source, relevant",
    [
        # the new build_tokenizer lives at a path the old one's needle matches
        ("from megatron.core.tokenizers.utils.build_tokenizer import build_tokenizer\n", False),
        ("from megatron.core.tokenizers.text.utils.build_tokenizer import build_tokenizer\n", True),
        ("from megatron.core.tokenizers.text.utils import build_tokenizer\n", True),
        ("import megatron.core.tokenizers.text.utils.build_tokenizer as old\n", True),
        ("from megatron.core.tokenizers.text import utils\n", True),
        ("from .sft_tokenizer import IGNORE_INDEX\n", True),
        ("x = megatron.core.tokenizers.text.libraries.sft_tokenizer.IGNORE_INDEX\n", True),
        ("from megatron.core.tokenizers.text import MegatronTokenizerText\n", False),
    ],
)
def test_the_moved_module_probe_accepts_old_homes_only(source, relevant):
    import ast

    from codemods.python.probe import RegionFacts
    from codemods.rules import rule_for

    probe = rule_for("MTC005").python_probe
    assert probe is not None
    assert probe(RegionFacts.of(ast.parse(source)), Options()) is relevant
    assert_probes_change_nothing(source, "m.py", Options())


@pytest.mark.parametrize(
    "source, accepted_by",
    [
        # a loader that only passes a path: the words, not a site
        ("tok = MegatronTokenizer.from_pretrained(path, metadata_path=meta_path)\n", set()),
        ("def load(metadata_path):\n    return Tok.from_pretrained(metadata_path)\n", set()),
        (
            'tok = MegatronTokenizer.from_pretrained(path, metadata_path={"library": "sft"})\n',
            {"MTC101"},
        ),
        (
            'tok = M.from_pretrained(p, {"model_type": m, "class_path": c}, prompt_format="x")\n',
            {"MTC102"},
        ),
        (
            f"tok = M.from_pretrained(p, {{'class_path': {next(iter(LEGACY_CLASS_PATHS))!r}}})\n",
            {"MTC103"},
        ),
        # the new names are no site
        ('tok = M.from_pretrained(metadata_path={"library": "null-text"}, vocab_size=8)\n', set()),
        ("M.write_metadata(path, library, overwrite=True)\n", {"MTC101", "MTC102", "MTC103"}),
        # a dict of the same keys that no from_pretrained call is beside
        ('config = {"library": "sft", "model_type": "gpt"}\n', set()),
    ],
)
def test_the_metadata_probes_accept_literal_metadata_and_write_metadata(source, accepted_by):
    import ast

    from codemods.python.probe import RegionFacts
    from codemods.rules import rule_for

    facts = RegionFacts.of(ast.parse(source))
    accepting = set()
    for code in ("MTC101", "MTC102", "MTC103"):
        probe = rule_for(code).python_probe
        assert probe is not None
        if probe(facts, Options()):
            accepting.add(code)
    assert accepting == accepted_by
    assert_probes_change_nothing(source, "m.py", Options())


def test_a_class_keeps_only_its_methods_with_sites_in_the_parse():
    import ast

    from codemods.python.elide import elide
    from codemods.python.rewriter import RuleRegions

    source = (
        "from megatron.training import get_args\n"
        "class Saver:\n"
        "    def quiet(self):\n        return 1\n"
        "    @property\n    def other(self):\n        return 2\n"
        "    def argv(self):\n"
        "        return ['pretrain_gpt.py', '--tokenizer-type', 'NullTokenizer']\n"
        "class Empty:\n"
        "    def only(self):\n        return 3\n"
    )
    regions = RuleRegions(Options(), {})
    elided = elide(source, ast.parse(source), regions, ("megatron.core.tokenizers",))
    assert "--tokenizer-type" in elided.text and "return 1" not in elided.text
    assert "@property" not in elided.text
    assert elided.restore(elided.text) == source
    assert_probes_change_nothing(source, "saver.py", Options())


def test_a_relevant_class_made_only_of_unneeded_methods_stays_valid():
    source = (
        "from megatron.core.tokenizers.text.models import GPTTokenizer\n"
        "class Mine(GPTTokenizer):\n"
        "    def a(self):\n        return 1\n"
        "    def b(self):\n        return 2\n"
    )
    assert_probes_change_nothing(source, "mine.py", Options())
    result = rewrite_source(source, "mine.py", Options())
    assert "MegatronTokenizerText" in result.new_text and "return 2" in result.new_text


SAVER = """\
import os
import subprocess


def save_checkpoint(queue, args):
    try:
        import torch
    except ImportError:
        raise SystemExit("no torch")

    def helper(x):
        return x + 1

    sizes = [helper(i) for i in range(4)]; total = sum(sizes)
    if args.legacy:
        sys_argv = [
            "pretrain_gpt.py",
            "--tokenizer-type", "GPT2BPETokenizer",
            "--vocab-size", str(total),
        ]
    elif args.other:
        sys_argv = []
    else:
        sys_argv = None
    for shard in range(total):
        queue.put(shard)
    @staticmethod
    def decorated():
        '''a docstring
        over lines'''
    cmd = "extra --tokenizer-type NullTokenizer --vocab-size 8"
    os.makedirs(args.save, exist_ok=True)
    launch(cmd)
    return sys_argv
"""


def _elided(source, options):
    import ast

    from codemods.python.elide import elide
    from codemods.python.names import names_imported_by
    from codemods.python.rewriter import RuleRegions

    tree = ast.parse(source)
    regions = RuleRegions(options, names_imported_by(tree))
    return elide(source, tree, regions, ("megatron.core.tokenizers",))


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize(
    "options", TARGETS, ids=["pr3889", "upstream", "compat-keep", "compat-upstream"]
)
def test_a_function_with_command_line_sites_is_read_statement_by_statement(options, newline):
    source = SAVER.replace("\n", newline)
    elided = _elided(source, options)
    assert "--tokenizer-type" in elided.text and "NullTokenizer" in elided.text
    assert "queue.put" not in elided.text and "os.makedirs" not in elided.text
    assert "import torch" not in elided.text and "decorated" not in elided.text
    # statements sharing a line stay, and so does each branch of the if/elif chain
    assert "total = sum(sizes)" in elided.text and "sys_argv = None" in elided.text
    assert elided.restore(elided.text) == source
    assert_probes_change_nothing(source, "saver.py", options)


@pytest.mark.parametrize(
    "imports",
    [
        "from subprocess import run as launch\n",
        "import subprocess\nlaunch = None\n",  # not a runner: the string stays unknown
    ],
)
def test_the_call_that_runs_a_command_variable_is_kept(imports):
    """Handed to a runner, the string is a command line and is rewritten; otherwise it reads
    as text and gets a note: the runner's statement must stay in the libcst pass."""
    source = imports + SAVER.split("\n", 2)[2]
    options = TARGETS[0]
    elided = _elided(source, options)
    runs = imports.startswith("from subprocess")
    assert ("launch(cmd)" in elided.text) is runs
    result = rewrite_source(source, "saver.py", options)
    assert ('cmd = "extra --tokenizer-type' not in result.new_text) is runs
    assert_probes_change_nothing(source, "saver.py", options, result)


def test_a_function_other_rules_act_in_stays_whole():
    """The alias rules follow names across statements: such a function is read whole."""
    source = (
        "from megatron.core.tokenizers.text.models import GPTTokenizer\n"
        "def build(args):\n"
        "    unrelated = 1\n"
        "    argv = ['--tokenizer-type', 'GPT2BPETokenizer']\n"
        "    return GPTTokenizer(argv)\n"
    )
    assert "unrelated = 1" in _elided(source, Options()).text
    assert_probes_change_nothing(source, "build.py", Options())


def test_a_block_of_unneeded_statements_keeps_one():
    """The flag is in the ``if`` line: none of the block's statements is needed, yet a block
    cannot be empty."""
    source = (
        "def run(argv):\n"
        "    if '--tokenizer-type' in argv:\n"
        "        a = 1\n"
        "        b = 2\n"
        "    unrelated = 3\n"
        "    return argv\n"
    )
    elided = _elided(source, Options())
    assert "a = 1" not in elided.text and "unrelated" not in elided.text
    assert "b = 2" in elided.text
    assert_probes_change_nothing(source, "run.py", Options())
