"""The legacy import paths in fresh interpreters: (a) without megatron-core, (b) with
megatron-core 0.16.1, (c) strict mode and ``-W error``, (d) the hook disabled; and the doctor."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

import compat
from compat.deprecations import MEGATRON_ROOT

from .installs import PROJECT_ROOT, environment

# Every line of reference §10.1 that a user can have, numbered like the script's lines below.
LEGACY_IMPORTS = f"""\
from {MEGATRON_ROOT}.text.utils.build_tokenizer import build_tokenizer
from {MEGATRON_ROOT}.megatron_tokenizer import TOKENIZER_LIBRARIES
from {MEGATRON_ROOT}.text.models.gpt_tokenizer import GPTTokenizer
from {MEGATRON_ROOT}.text.models.bert_tokenizer import BertTokenizer
from {MEGATRON_ROOT}.text.models.t5_tokenizer import T5Tokenizer
from {MEGATRON_ROOT}.text.models.mamba_tokenizer import MambaTokenizer
from {MEGATRON_ROOT}.text.models.default_tokenizer import DefaultTokenizerText
from {MEGATRON_ROOT}.text.models import DefaultTokenizerText as PackageLevelDefault
from {MEGATRON_ROOT}.vision.models import DefaultTokenizerVision
from {MEGATRON_ROOT}.vision.models.default_tokenizer import DefaultTokenizerVision as V2
from {MEGATRON_ROOT}.text.libraries.sft_tokenizer import SFTTokenizer
from {MEGATRON_ROOT}.text.libraries import SFTTokenizer as PackageLevelSFT
from {MEGATRON_ROOT}.text.libraries.sft_tokenizer import PromptConfig, IGNORE_INDEX
from {MEGATRON_ROOT}.text.libraries.sft_tokenizer import identity_template
from {MEGATRON_ROOT}.vision.libraries.multimodal_tokenizer import mistral_custom_template
from {MEGATRON_ROOT}.text.libraries.chat_template import MegatronTokenizerChatTemplate
import {MEGATRON_ROOT}.text.models.t5_tokenizer as plain_import
"""
# (line, legacy name the warning must name, rule code): a deleted module imported for its own
# sake is named, not the deleted package imported on the way; a name from a deleted module is
# covered by the module's warning at the same line.
EXPECTED_WARNINGS = [
    (1, f"{MEGATRON_ROOT}.text.utils.build_tokenizer", "MTC005"),
    (2, f"{MEGATRON_ROOT}.megatron_tokenizer.TOKENIZER_LIBRARIES", "MTC006"),
    (3, f"{MEGATRON_ROOT}.text.models.gpt_tokenizer", "MTC001"),
    (4, f"{MEGATRON_ROOT}.text.models.bert_tokenizer", "MTC001"),
    (5, f"{MEGATRON_ROOT}.text.models.t5_tokenizer", "MTC001"),
    (6, f"{MEGATRON_ROOT}.text.models.mamba_tokenizer", "MTC001"),
    (7, f"{MEGATRON_ROOT}.text.models.default_tokenizer", "MTC001"),
    (8, f"{MEGATRON_ROOT}.text.models.DefaultTokenizerText", "MTC001"),
    (9, f"{MEGATRON_ROOT}.vision.models", "MTC002"),
    (10, f"{MEGATRON_ROOT}.vision.models.default_tokenizer", "MTC002"),
    (11, f"{MEGATRON_ROOT}.text.libraries.sft_tokenizer.SFTTokenizer", "MTC003"),
    (12, f"{MEGATRON_ROOT}.text.libraries.SFTTokenizer", "MTC003"),
    (13, f"{MEGATRON_ROOT}.text.libraries.sft_tokenizer.PromptConfig", "MTC005"),
    (13, f"{MEGATRON_ROOT}.text.libraries.sft_tokenizer.IGNORE_INDEX", "MTC005"),
    (14, f"{MEGATRON_ROOT}.text.libraries.sft_tokenizer.identity_template", "MTC005"),
    (
        15,
        f"{MEGATRON_ROOT}.vision.libraries.multimodal_tokenizer.mistral_custom_template",
        "MTC005",
    ),
    (16, f"{MEGATRON_ROOT}.text.libraries.chat_template", "MTC004"),
]

MIGRATED_IMPORTS = f"""\
import warnings
warnings.simplefilter("always")
from {MEGATRON_ROOT} import MegatronTokenizer
from {MEGATRON_ROOT}.text import MegatronTokenizerText
from {MEGATRON_ROOT}.vision import MegatronTokenizerVision
from {MEGATRON_ROOT}.conversation import tokenize_conversation, PROMPT_FORMAT_REGISTRY, PromptConfig
from {MEGATRON_ROOT}.conversation.conversation_tokenizer import IGNORE_INDEX
from {MEGATRON_ROOT}.conversation.prompt_config import identity_template
from {MEGATRON_ROOT}.text.libraries.abstract_tokenizer import MegatronTokenizerTextAbstract
from {MEGATRON_ROOT}.megatron_tokenizer import TEXT_LIBRARIES, VISION_LIBRARIES
from {MEGATRON_ROOT}.utils.build_tokenizer import build_tokenizer
import {MEGATRON_ROOT}.text.libraries.huggingface_tokenizer as hf_module
import compat.tokenizers, compat.tokenizers.text.libraries.huggingface_tokenizer, sys
assert sys.modules["{MEGATRON_ROOT}"] is compat.tokenizers
assert hf_module is compat.tokenizers.text.libraries.huggingface_tokenizer
assert MegatronTokenizer is compat.tokenizers.MegatronTokenizer
assert IGNORE_INDEX == -100
print(MegatronTokenizer.from_pretrained(metadata_path={{"library": "null-text"}}, vocab_size=10)
      .tokenize("1 2"))
"""


def _names_and_codes(run) -> list[tuple[int, str, str]]:
    return [
        (line, message.split()[0], message.split("--select ")[1][:6])
        for _, line, message in run.warnings()
    ]


# --- (a) megatron-core not installed ----------------------------------------------------------


def test_a_every_legacy_import_works_and_warns_at_the_users_line(run_python, site_without_megatron):
    script = (
        LEGACY_IMPORTS + "print(GPTTokenizer.__module__, SFTTokenizer.__name__, IGNORE_INDEX)\n"
    )
    run = run_python(script, site=site_without_megatron)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == [
        f"{MEGATRON_ROOT}.text.models.gpt_tokenizer",
        "SFTTokenizer",
        "-100",
    ]
    assert {file for file, _, _ in run.warnings()} == {str(Path(run.script))}
    assert sorted(_names_and_codes(run)) == sorted(EXPECTED_WARNINGS)
    # the plain ``import ... as`` of an already imported deleted module (line 17) does not warn
    # again; a replacement and the codemod command are in every message
    assert all(
        "; use " in message and "codemods.migrate" in message for _, _, message in run.warnings()
    )


def test_a_warning_attributed_in_an_imported_module_and_once_per_site(
    run_python, site_without_megatron, tmp_path
):
    (tmp_path / "old_code.py").write_text(
        "def make():\n"
        f"    from {MEGATRON_ROOT}.text.models import GPTTokenizer\n"
        "    return GPTTokenizer\n",
        encoding="utf-8",
    )
    run = run_python(
        "import sys; sys.path.insert(0, '.')\n"
        "import old_code\n"
        "for _ in range(3):\n"
        "    old_code.make()\n",
        site=site_without_megatron,
    )
    assert run.returncode == 0, run.stderr
    warned = [(Path(file).name, line) for file, line, _ in run.warnings()]
    # the package's import warning and the name's access share the site: one warning
    assert warned == [("old_code.py", 2)]


def test_a_wrapper_instances_pickle_by_their_legacy_path(run_python, site_without_megatron):
    run = run_python(
        "import pickle\n"
        f"from {MEGATRON_ROOT}.text.models import GPTTokenizer\n"
        "tokenizer = GPTTokenizer(None, {'library': 'null'}, vocab_size=20)\n"
        "copy = pickle.loads(pickle.dumps(tokenizer))\n"
        "print(type(copy) is GPTTokenizer, copy.tokenize('3 4'), copy.class_path)\n",
        site=site_without_megatron,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "[3,", "4]", f"{MEGATRON_ROOT}.text.models.gpt_tokenizer"]


def test_a_other_ranks_stay_quiet(run_python, site_without_megatron):
    run = run_python(LEGACY_IMPORTS, site=site_without_megatron, env={"RANK": "1"})
    assert run.returncode == 0, run.stderr
    assert run.warnings() == []


def test_a_migrated_imports_work_silently_from_compat(run_python, site_without_megatron):
    run = run_python(MIGRATED_IMPORTS, site=site_without_megatron)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[1, 2]"
    assert "Warning" not in run.stderr


@pytest.mark.parametrize(
    "statement",
    [
        "import megatron.core.models.gpt",
        "from megatron.core import parallel_state",
        "from megatron.training.tokenizer import build_tokenizer",
        "import megatron.training",
    ],
)
def test_a_the_rest_of_megatron_fails_naming_megatron_core(
    run_python, site_without_megatron, statement
):
    run = run_python(statement + "\n", site=site_without_megatron)
    assert run.returncode == 1
    last_line = run.stderr.strip().splitlines()[-1]
    assert last_line.startswith("ModuleNotFoundError") and "pip install megatron-core" in last_line


def test_a_feature_detection_still_sees_no_megatron_core(run_python, site_without_megatron):
    """Probes for megatron-core answer as without compat, also after a failed deeper import;
    once the tokenizers tree is in use, its parents stay."""
    run = run_python(
        "import importlib.util, sys\n"
        "def importable(statement):\n"
        "    try:\n"
        "        exec(statement)\n"
        "    except ImportError as error:\n"
        "        return type(error).__name__\n"
        "    return 'ok'\n"
        "print(importlib.util.find_spec('megatron'))\n"
        "for statement in ('import megatron', 'import megatron.core',\n"
        "                  'import megatron.core.models',\n"
        "                  'from megatron import core', 'import megatron.core',\n"
        f"                  'import {MEGATRON_ROOT}', 'import megatron.core'):\n"
        "    print(importable(statement))\n",
        site=site_without_megatron,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["None", *["ModuleNotFoundError"] * 5, "ok", "ok"]


def test_a_removed_names_fail_with_the_codemod_hint(run_python, site_without_megatron):
    run = run_python(
        f"import {MEGATRON_ROOT}.megatron_tokenizer as m\nm.TOKENIZER_MAPPING_NAMES\n",
        site=site_without_megatron,
    )
    assert run.returncode == 1
    assert "TOKENIZER_MAPPING_NAMES was removed" in run.stderr and "MTC006" in run.stderr


def test_a_python_dash_c_gets_its_warning(site_without_megatron):
    """``python -c``'s ``__main__`` has a loader that cannot give source: still one warning."""
    import subprocess
    import sys

    code = (
        f"import site; site.addsitedir({str(site_without_megatron)!r}); "
        f"from {MEGATRON_ROOT}.text.models import GPTTokenizer"
    )
    completed = subprocess.run(
        [sys.executable, "-S", "-c", code],
        capture_output=True,
        text=True,
        env=environment(),
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr.count("MegatronTokenizerDeprecationWarning") == 1
    assert completed.stderr.startswith("<string>:1: MegatronTokenizerDeprecationWarning")


# --- (b) megatron-core 0.16.1 installed -------------------------------------------------------


def test_b_megatron_core_modules_are_used_and_their_legacy_names_warn(run_python, megatron_core):
    """One interpreter (importing megatron-core takes seconds): megatron-core's own modules and
    objects for everything it has, its legacy names warning at the user's line like ours; compat
    serves only a path it lacks (G2's sft_tokenizer)."""
    run = run_python(
        "import sys, warnings; warnings.simplefilter('always')\n"
        f"from {MEGATRON_ROOT}.text.models.gpt_tokenizer import GPTTokenizer\n"
        f"from {MEGATRON_ROOT}.text.models import DefaultTokenizerText\n"
        f"from {MEGATRON_ROOT}.text.utils.build_tokenizer import build_tokenizer\n"
        f"from {MEGATRON_ROOT}.text.libraries.chat_template import MegatronTokenizerChatTemplate\n"
        f"from {MEGATRON_ROOT}.megatron_tokenizer import TOKENIZER_LIBRARIES\n"
        f"import {MEGATRON_ROOT} as root\n"
        "for obj in (GPTTokenizer, DefaultTokenizerText, build_tokenizer,\n"
        "            MegatronTokenizerChatTemplate, root):\n"
        "    print(sys.modules[obj.__module__ if callable(obj) else obj.__name__].__file__)\n"
        "print(TOKENIZER_LIBRARIES)\n"
        f"from {MEGATRON_ROOT}.text.libraries.sft_tokenizer import IGNORE_INDEX\n"
        "print(IGNORE_INDEX)\n",
    )
    assert run.returncode == 0, run.stderr
    *files, libraries, ignore_index = run.stdout.strip().splitlines()
    megatron_dir = str(Path(megatron_core.__file__).parent)
    assert len(files) == 5 and all(file.startswith(megatron_dir) for file in files), files
    assert libraries == str(
        ["sentencepiece", "huggingface", "megatron", "tiktoken", "byte-level", "null"]
    )
    assert ignore_index == "-100"
    assert [(line, code) for line, _, code in _names_and_codes(run)] == [
        (2, "MTC001"),
        (3, "MTC001"),
        (4, "MTC005"),
        (5, "MTC004"),
        (6, "MTC006"),
        (12, "MTC005"),
    ]
    served = _names_and_codes(run)[-1][1]
    assert served == f"{MEGATRON_ROOT}.text.libraries.sft_tokenizer.IGNORE_INDEX"


# --- (c) strict mode and -W error -------------------------------------------------------------


def test_c_strict_mode_fails_the_legacy_import(run_python, site_without_megatron):
    run = run_python(
        f"from {MEGATRON_ROOT} import MegatronTokenizer\n"
        f"from {MEGATRON_ROOT}.text.models.gpt_tokenizer import GPTTokenizer\n",
        site=site_without_megatron,
        env={"MEGATRON_COMPAT_STRICT": "1", "RANK": "7"},
    )
    assert run.returncode == 1
    last_line = run.stderr.strip().splitlines()[-1]
    assert last_line.startswith("compat.warn.MegatronTokenizerDeprecationError")
    assert "MTC001" in last_line and "MEGATRON_COMPAT_STRICT=1" in last_line
    assert "line 2" in run.stderr


def test_c_strict_mode_lets_migrated_code_run(run_python, site_without_megatron):
    run = run_python(
        MIGRATED_IMPORTS, site=site_without_megatron, env={"MEGATRON_COMPAT_STRICT": "1"}
    )
    assert run.returncode == 0, run.stderr


def test_c_dash_w_error_turns_the_warning_into_an_error(run_python, site_without_megatron):
    # -W resolves its category at start-up, before the script adds the site: put the project
    # on PYTHONPATH so ``compat`` imports then.
    run = run_python(
        f"from {MEGATRON_ROOT}.text.models import GPTTokenizer\n",
        site=site_without_megatron,
        env={"PYTHONPATH": str(PROJECT_ROOT)},
        interpreter_args=["-W", "error::compat.MegatronTokenizerDeprecationWarning"],
    )
    assert run.returncode == 1
    assert "Invalid -W option" not in run.stderr
    last_line = run.stderr.strip().splitlines()[-1]
    assert last_line.startswith("compat.warn.MegatronTokenizerDeprecationWarning")


# --- (d) hook disabled ------------------------------------------------------------------------


def test_d_disabled_hook_serves_nothing(run_python, site_without_megatron):
    run = run_python(
        f"import {MEGATRON_ROOT}\n",
        site=site_without_megatron,
        env={"MEGATRON_COMPAT_DISABLE": "1"},
    )
    assert run.returncode == 1
    assert run.stderr.strip().splitlines()[-1] == "ModuleNotFoundError: No module named 'megatron'"


def test_d_disabled_hook_leaves_compat_usable(run_python, site_without_megatron):
    run = run_python(
        "from compat.tokenizers import MegatronTokenizer\n"
        "print(MegatronTokenizer.from_pretrained(metadata_path={'library': 'null-text'},\n"
        "                                        vocab_size=5).tokenize('1'))\n"
        f"import {MEGATRON_ROOT}.text.models\n",
        site=site_without_megatron,
        env={"MEGATRON_COMPAT_DISABLE": "1"},
    )
    assert run.returncode == 1
    assert run.stdout.strip() == "[1]"
    assert run.stderr.strip().splitlines()[-1] == "ModuleNotFoundError: No module named 'megatron'"


def test_d_disabling_after_start_up_takes_effect(run_python, site_without_megatron):
    run = run_python(
        "import os\n"
        f"import {MEGATRON_ROOT}.text\n"
        "os.environ['MEGATRON_COMPAT_DISABLE'] = '1'\n"
        f"import {MEGATRON_ROOT}.text.models\n",
        site=site_without_megatron,
    )
    assert run.returncode == 1
    assert "No module named 'megatron.core.tokenizers.text.models'" in run.stderr


# --- python -m compat doctor ------------------------------------------------------------------

DOCTOR = "import sys; from compat.__main__ import main; sys.exit(main(['doctor']))\n"


def test_doctor_without_megatron_core(run_python, site_without_megatron):
    run = run_python(DOCTOR, site=site_without_megatron)
    assert run.returncode == 0, run.stderr
    assert "megatron-core: not installed" in run.stdout
    assert "API generation: none" in run.stdout
    assert "import hook: active" in run.stdout
    assert f"{MEGATRON_ROOT} (the whole tree, from compat.tokenizers)" in run.stdout


def test_doctor_with_megatron_core_0_16_1(run_python, megatron_core):
    run = run_python(DOCTOR)
    assert run.returncode == 0, run.stderr
    assert "megatron-core: 0.16.1 at" in run.stdout
    assert "API generation: G1" in run.stdout
    assert "import hook: active" in run.stdout
    served = _block(run.stdout, "compat serves:")
    assert served == [f"{MEGATRON_ROOT}.text.libraries.sft_tokenizer (deprecated aliases)"]
    # (G1 has every other legacy module itself, and no vision package to serve below)
    warned = _block(run.stdout, "legacy names warn in megatron's own modules:")
    assert f"{MEGATRON_ROOT}.text.models.gpt_tokenizer" in warned
    assert f"{MEGATRON_ROOT}.megatron_tokenizer" in warned
    assert not any(".vision" in module for module in warned)
    assert "torch" not in run.stderr  # megatron-core was inspected, not imported


def _block(report: str, heading: str) -> list[str]:
    """The indented lines under ``heading`` in the doctor's report."""
    lines = report.split(heading + "\n", 1)[1].splitlines()
    return [line.strip() for line in itertools.takewhile(lambda line: line[:2] == "  ", lines)]


def test_doctor_reports_a_disabled_hook(run_python, site_without_megatron):
    run = run_python(DOCTOR, site=site_without_megatron, env={"MEGATRON_COMPAT_DISABLE": "1"})
    assert run.returncode == 0, run.stderr
    assert "import hook: disabled (MEGATRON_COMPAT_DISABLE=1)" in run.stdout
    assert "compat serves: nothing" in run.stdout


def test_doctor_via_python_dash_m(run_python):
    import subprocess
    import sys

    completed = subprocess.run(
        [sys.executable, "-m", "compat", "doctor"], capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith(f"megatron-tokenizer-compat {compat.__version__}")


def test_legacy_imports_stay_light(run_python, site_without_megatron):
    run = run_python(
        "import sys\n"
        "from megatron.core.tokenizers.text.models import GPTTokenizer\n"
        "from megatron.core.tokenizers.text.libraries.sft_tokenizer import SFTTokenizer\n"
        "from megatron.core.tokenizers.text.utils.build_tokenizer import build_tokenizer\n"
        "heavy = ('torch', 'transformers', 'sentencepiece', 'tiktoken', 'libcst',\n"
        "         'megatron.core.models')\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n",
        site=site_without_megatron,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_doctor_shows_the_migration_context_of_the_project(tmp_path):
    import subprocess
    import sys

    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("megatron-core==0.16.1\ntorch\n")
    completed = subprocess.run(
        [sys.executable, "-m", "compat", "doctor", "--here", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert f"migration context of {tmp_path}: megatron-core 0.16 (pinned: " in completed.stdout
    assert "command lines → left as they are" in completed.stdout
    assert "  evidence: megatron-core 0.16 (pinned: megatron-core==0.16.1 in requirements.txt)" in (
        completed.stdout
    )
