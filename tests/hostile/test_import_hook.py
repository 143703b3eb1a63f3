"""Hostile input for the runtime import hook: what users' environments throw at it.

Each case was reproduced against the hook before it learned to handle it (issue 14: a local
``compat.py``/``compat/``, a vendored ``megatron/``, a local ``codemods/``; issue 13:
megatron-core's own legacy names used without a warning). Every test runs fresh interpreters:
the regular and the editable install of a copy of this project (``tests/legacy/installs.py``),
or this checkout's own editable install next to the real megatron-core 0.16.1.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from compat import importhook
from compat.deprecations import MEGATRON_ROOT

from ..legacy.installs import (
    FINDER_FILE,
    PROJECT_ROOT,
    PTH_FILE,
    copy_project,
    environment,
    finder_source,
    install_editable,
    install_wheel,
    is_megatron_core,
    is_ours,
    run_with_sites,
    site_view,
)

WARNING = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+): MegatronTokenizerDeprecationWarning: "
    r"(?P<legacy>\S+) is deprecated",
    re.MULTILINE,
)
MIGRATE = Path(sys.executable).with_name(importhook.MIGRATE_SCRIPT)


def warnings_in(stderr: str) -> list[tuple[int, str]]:
    """(line, legacy name) of every deprecation warning, in order."""
    return [(int(m["line"]), m["legacy"]) for m in WARNING.finditer(stderr)]


def last_line(stderr: str) -> str:
    return stderr.strip().splitlines()[-1]


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def run_here(
    script: str,
    cwd: Path,
    *args: str,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python user_script.py`` from ``cwd`` with this checkout's environment (its editable
    install and megatron-core 0.16.1): the script's directory is ``sys.path[0]``."""
    (cwd / "user_script.py").write_text(textwrap.dedent(script), encoding="utf-8")
    return subprocess.run(
        [sys.executable, *args, "user_script.py"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment(env),
        timeout=300,
    )


def run_module(module: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=environment(),
        timeout=300,
    )


# --- installs ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("project"))


@pytest.fixture(scope="module")
def installs(project, tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """Install kind → (its site directory, the directory its ``compat`` is loaded from)."""
    regular = install_wheel(project, tmp_path_factory.mktemp("regular"))
    editable = install_editable(project, tmp_path_factory.mktemp("editable"))
    return {"regular": (regular, regular / "compat"), "editable": (editable, project / "compat")}


@pytest.fixture(scope="module")
def bare_site(tmp_path_factory) -> Path:
    """Our test environment without megatron-core and without this checkout's install."""
    return site_view(
        tmp_path_factory.mktemp("bare-site"),
        lambda entry: is_megatron_core(entry) or is_ours(entry),
    )


@pytest.fixture(scope="module")
def site_with_megatron_core(tmp_path_factory) -> Path:
    """Our test environment with megatron-core 0.16.1, without this checkout's install."""
    return site_view(tmp_path_factory.mktemp("megatron-site"), is_ours)


@pytest.fixture(scope="module")
def site_without_megatron(tmp_path_factory) -> Path:
    """Our test environment (this checkout's install included) without megatron-core."""
    return site_view(tmp_path_factory.mktemp("site-without-megatron"), is_megatron_core)


# --- 1. a local compat.py or compat/ (issue 14, item 1) ------------------------------------------

LOCAL_COMPAT = {
    "module": {"compat.py": 'WHOSE = "the user\'s"\n'},
    "package": {"compat/__init__.py": 'WHOSE = "the user\'s"\n', "compat/utils.py": "HELPER = 1\n"},
}

# Uses the tree with our package hidden behind the user's: the first import of ours happens
# inside the hook, later ones (libraries, legacy aliases) on first use.
SERVED_TREE_SCRIPT = f"""\
from {MEGATRON_ROOT} import MegatronTokenizer
import compat
print(compat.WHOSE)
from {MEGATRON_ROOT}.text.models import GPTTokenizer
tokenizer = GPTTokenizer(None, {{"library": "null"}}, vocab_size=20)
print(tokenizer.tokenize("3 4"))
from {MEGATRON_ROOT}.text.libraries.sft_tokenizer import IGNORE_INDEX
from {MEGATRON_ROOT}.utils.build_tokenizer import build_tokenizer
print(MegatronTokenizer.from_pretrained(metadata_path={{"library": "null-text"}}, vocab_size=9)
      .tokenize("4 5"), IGNORE_INDEX)
import sys
print(sys.modules["{MEGATRON_ROOT}"].__file__)
import compat
print(compat.WHOSE)
"""


@pytest.mark.parametrize("kind", ["regular", "editable"])
@pytest.mark.parametrize("local", list(LOCAL_COMPAT))
def test_a_local_compat_neither_breaks_the_hook_nor_is_replaced(
    kind, local, installs, bare_site, tmp_path
):
    """Reproduced: ``ModuleNotFoundError: No module named 'compat.importhook'; 'compat' is not a
    package`` from the .pth line, for every megatron import the hook serves."""
    site, compat_dir = installs[kind]
    write_tree(tmp_path, LOCAL_COMPAT[local])
    run = run_with_sites(SERVED_TREE_SCRIPT, [bare_site, site], tmp_path)
    assert run.returncode == 0, run.stderr
    whose, ids, served, tree_file, whose_again = run.stdout.strip().splitlines()
    assert whose == whose_again == "the user's"
    assert (ids, served) == ("[3, 4]", "[4, 5] -100")
    assert Path(tree_file).resolve().is_relative_to(compat_dir.resolve())
    assert warnings_in(run.stderr) == [
        (4, f"{MEGATRON_ROOT}.text.models"),
        (7, f"{MEGATRON_ROOT}.text.libraries.sft_tokenizer.IGNORE_INDEX"),
    ]


@pytest.mark.parametrize("kind", ["regular", "editable"])
def test_a_local_compat_next_to_megatron_core(kind, installs, site_with_megatron_core, tmp_path):
    """With megatron-core 0.16.1: its modules, our alias for the path it lacks, the user's
    compat untouched (before or after the hook loaded ours)."""
    site, compat_dir = installs[kind]
    write_tree(tmp_path, LOCAL_COMPAT["module"])
    script = f"""\
import compat
from {MEGATRON_ROOT}.text.libraries.sft_tokenizer import SFTTokenizer
from {MEGATRON_ROOT}.text.models import GPTTokenizer
import sys
print(compat.WHOSE, sys.modules[SFTTokenizer.__module__].__file__)
print(sys.modules[GPTTokenizer.__module__].__file__)
"""
    run = run_with_sites(script, [site_with_megatron_core, site], tmp_path)
    assert run.returncode == 0, run.stderr
    first, second = run.stdout.strip().splitlines()
    assert first.startswith("the user's ")
    assert Path(first.split()[-1]).resolve().is_relative_to(compat_dir.resolve())
    assert "site-packages" in second or "megatron-site" in second
    assert warnings_in(run.stderr) == [
        (2, f"{MEGATRON_ROOT}.text.libraries.sft_tokenizer.SFTTokenizer"),
        (3, f"{MEGATRON_ROOT}.text.models"),
    ]


def test_a_local_compat_whose_submodule_collides_makes_the_hook_step_aside(
    installs, bare_site, tmp_path
):
    """A user's ``compat/warn.py`` already imported under our module's name: the hook cannot
    use ours, so it steps aside (one warning naming the cause), and the import fails as without
    it."""
    site, _ = installs["regular"]
    write_tree(tmp_path, {"compat/__init__.py": "", "compat/warn.py": "MINE = 1\n"})
    run = run_with_sites(
        f"import compat.warn\nimport {MEGATRON_ROOT}\n", [bare_site, site], tmp_path
    )
    assert run.returncode == 1
    assert last_line(run.stderr) == "ModuleNotFoundError: No module named 'megatron'"
    assert (
        run.stderr.count("RuntimeWarning: megatron-tokenizer-compat's import hook stepped aside")
        == 1
    )
    assert "compat.warn is already imported from" in run.stderr


def test_a_missing_finder_never_fails_start_up(bare_site, tmp_path):
    """The .pth outliving the finder module (a broken install): start-up stays silent."""
    site = tmp_path / "site"
    site.mkdir()
    shutil.copy2(PROJECT_ROOT / PTH_FILE, site / PTH_FILE)
    run = run_with_sites(f"import {MEGATRON_ROOT}\n", [bare_site, site], tmp_path)
    assert run.returncode == 1
    assert run.stderr.startswith("Traceback")  # nothing printed at start-up
    assert last_line(run.stderr) == "ModuleNotFoundError: No module named 'megatron'"


def _site_with_finder(site: Path, package_root: Path) -> Path:
    """A site directory holding our .pth and a finder loading the hook from ``package_root``."""
    site.mkdir()
    shutil.copy2(PROJECT_ROOT / PTH_FILE, site / PTH_FILE)
    (site / FINDER_FILE).write_text(finder_source(package_root), encoding="utf-8")
    return site


def test_a_hook_that_cannot_load_steps_aside_and_the_doctor_says_why(bare_site, tmp_path):
    broken = write_tree(
        tmp_path / "broken",
        {
            "compat/__init__.py": "",
            "compat/importhook.py": "raise RuntimeError('half-installed')\n",
        },
    )
    site = _site_with_finder(tmp_path / "site", broken)
    # (the doctor comes from this checkout, the finder from the broken install)
    run = run_with_sites(
        f"try:\n    import {MEGATRON_ROOT}\nexcept ModuleNotFoundError as error:\n"
        "    print(error)\n"
        f"import sys\nsys.path.insert(0, {str(PROJECT_ROOT)!r})\n"
        "from compat.__main__ import hook_state\nprint(hook_state())\n",
        [bare_site, site],
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    error, state = run.stdout.strip().splitlines()
    assert error == "No module named 'megatron'"
    assert state.startswith(
        f"stepped aside: cannot load the import hook from {broken / 'compat' / 'importhook.py'}"
    )
    assert state.endswith("RuntimeError: half-installed")
    assert run.stderr == ""


@pytest.mark.parametrize("interpreter_args", [[], ["-W", "error"]], ids=["default", "W-error"])
def test_a_failure_inside_the_hook_steps_aside_once(interpreter_args, bare_site, tmp_path):
    """A bug of ours (here: the deprecation table failing to import) never breaks an import:
    the hook steps aside, warns once (never raising, even under ``-W error``)."""
    project = copy_project(tmp_path / "project")
    table = project / "compat" / "deprecations.py"
    table.write_text(table.read_text(encoding="utf-8") + "raise LookupError('broken table')\n")
    site = _site_with_finder(tmp_path / "site", project)
    run = run_with_sites(
        "for _ in range(2):\n"
        "    try:\n"
        f"        import {MEGATRON_ROOT}\n"
        "    except ModuleNotFoundError as error:\n"
        "        print(error)\n"
        "import _megatron_tokenizer_compat_hook as hook\n"
        "print(len(hook.failures))\n",
        [bare_site, site],
        tmp_path,
        interpreter_args=interpreter_args,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:3] == ["No module named 'megatron'"] * 2 + ["2"]
    stepped_aside = run.stderr.count("stepped aside for 'megatron' (LookupError: broken table)")
    assert stepped_aside == (0 if interpreter_args else 1)


def test_the_hook_survives_other_finders_that_raise(site_without_megatron, tmp_path):
    """A third-party finder raising for our names: the import proceeds as without the hook
    (its error), nothing recorded against the hook."""
    script = f"""\
import sys
class Broken:
    def find_spec(self, name, path=None, target=None):
        if name == "megatron":
            raise ValueError("broken finder")
sys.meta_path.append(Broken())
try:
    import {MEGATRON_ROOT}
except ValueError as error:
    print(error)
import _megatron_tokenizer_compat_hook as hook
print(hook.failures)
"""
    run = run_with_sites(script, [site_without_megatron], tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == ["broken finder", "[]"]


def test_every_module_of_ours_imported_on_first_use_is_loaded_by_the_hook():
    """Where a user's ``compat`` shadows ours, only the subpackages the hook loaded while ours
    was in place stay reachable: every ``compat.<x>`` our runtime imports must be among them."""
    children = set()
    for path in (PROJECT_ROOT / "compat").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            children.update(
                ".".join(name.split(".")[:2]) for name in names if name.startswith("compat.")
            )
    assert children - {"compat.importhook", "compat.__main__"} <= set(importhook.LAZILY_IMPORTED)


def test_the_hook_costs_other_imports_nothing(site_without_megatron, tmp_path):
    """Start-up registers a finder asked only about modules no other finder found, and a path
    hook for megatron's tokenizers directories: importing anything else runs none of our code
    (the hook's own module is never even loaded)."""
    run = run_with_sites(
        """\
import sys, importlib.machinery
import argparse, asyncio, email.mime.multipart, json, sqlite3, xml.dom.minidom
finder = sys.modules["_megatron_tokenizer_compat_finder"]
print(sys.meta_path.index(finder) > sys.meta_path.index(importlib.machinery.PathFinder))
print("_megatron_tokenizer_compat_hook" in sys.modules, "compat" in sys.modules)
""",
        [site_without_megatron],
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "False", "False"]


# --- 2. a vendored megatron/ on the path (issue 14, item 7) --------------------------------------

WITHOUT_CORE = {"megatron/__init__.py": ""}
CORE_WITHOUT_TOKENIZERS = {"megatron/__init__.py": "", "megatron/core/__init__.py": ""}
OLD_TOKENIZERS = {  # shaped like megatron-core 0.16.1's (G1) tree, written for the test
    "megatron/__init__.py": "",
    "megatron/core/__init__.py": "",
    "megatron/core/tokenizers/__init__.py": "",
    "megatron/core/tokenizers/text/__init__.py": "",
    "megatron/core/tokenizers/text/models/__init__.py": (
        "from megatron.core.tokenizers.text.models.gpt_tokenizer import GPTTokenizer\n"
    ),
    "megatron/core/tokenizers/text/models/gpt_tokenizer.py": "class GPTTokenizer:\n    pass\n",
    "megatron/core/tokenizers/text/utils/build_tokenizer.py": "def build_tokenizer(args):\n"
    "    return args\n",
}


def _installed_megatron() -> str:
    return str(importlib.metadata.distribution("megatron-core").locate_file("megatron"))


def test_b_a_local_megatron_without_core_is_named_with_the_fix(megatron_core, tmp_path):
    """Reproduced: "megatron-core is not installed" (it is, shadowed)."""
    write_tree(tmp_path, WITHOUT_CORE)
    run = run_here(
        f"""\
import importlib.util
print(importlib.util.find_spec("megatron.core"))
from {MEGATRON_ROOT} import MegatronTokenizer
""",
        tmp_path,
    )
    assert run.returncode == 1
    assert run.stdout.strip() == "None"  # feature detection: a plain miss
    message = last_line(run.stderr)
    assert message.startswith(
        "ModuleNotFoundError: No module named 'megatron.core': the "
        f"'megatron' package imported here ({tmp_path / 'megatron'}) "
        "has no 'core'"
    )
    assert f"shadows megatron-core 0.16.1 installed at {_installed_megatron()}" in message
    assert f"Fix: take {tmp_path} off sys.path" in message


def test_b_a_local_megatron_core_without_tokenizers_gets_nothing_attached(megatron_core, tmp_path):
    """Reproduced: compat's whole tree was attached to the vendored ``megatron.core``."""
    write_tree(tmp_path, CORE_WITHOUT_TOKENIZERS)
    run = run_here(
        f"""\
import sys
import megatron.core
try:
    from {MEGATRON_ROOT} import MegatronTokenizer
except ModuleNotFoundError as error:
    print(error)
print(hasattr(megatron.core, "tokenizers"), "{MEGATRON_ROOT}" in sys.modules)
""",
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    message, attached = run.stdout.strip().splitlines()
    assert message.startswith(
        f"No module named '{MEGATRON_ROOT}': the 'megatron.core' package "
        f"imported here ({tmp_path / 'megatron' / 'core'}) has no "
        "'tokenizers'"
    )
    assert "shadows megatron-core 0.16.1" in message and f"take {tmp_path} off" in message
    assert attached == "False False"


def test_b_a_local_megatron_without_core_and_no_megatron_core(site_without_megatron, tmp_path):
    write_tree(tmp_path, WITHOUT_CORE)
    run = run_with_sites(
        f"from {MEGATRON_ROOT} import MegatronTokenizer\n", [site_without_megatron], tmp_path
    )
    assert run.returncode == 1
    message = last_line(run.stderr)
    assert "has no 'core', so it is not megatron-core" in message
    assert "import the tokenizers from compat.tokenizers" in message


def test_b_a_local_megatron_tree_with_old_tokenizers(megatron_core, tmp_path):
    """A Megatron tree with its own (G1) tokenizers counts as Megatron: its modules, warning
    like megatron-core's, and our aliases for the legacy modules it lacks."""
    write_tree(tmp_path, OLD_TOKENIZERS)
    run = run_here(
        f"""\
import sys
from {MEGATRON_ROOT}.text.models import GPTTokenizer
from {MEGATRON_ROOT}.text.models.bert_tokenizer import BertTokenizer
print(sys.modules[GPTTokenizer.__module__].__file__)
print(BertTokenizer.__module__, sys.modules[BertTokenizer.__module__].__file__)
""",
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    local, served = run.stdout.strip().splitlines()
    assert local == str(tmp_path / "megatron/core/tokenizers/text/models/gpt_tokenizer.py")
    assert served.split()[0] == f"{MEGATRON_ROOT}.text.models.bert_tokenizer"
    assert Path(served.split()[1]).is_relative_to(PROJECT_ROOT / "compat" / "legacy")
    assert warnings_in(run.stderr) == [
        (2, f"{MEGATRON_ROOT}.text.models"),
        (3, f"{MEGATRON_ROOT}.text.models.bert_tokenizer"),
    ]


@pytest.mark.parametrize(
    ("tree", "expected"),
    [
        (
            WITHOUT_CORE,
            "not megatron-core: it has no 'core' package; it shadows megatron-core 0.16.1",
        ),
        (
            CORE_WITHOUT_TOKENIZERS,
            "not megatron-core: it has no 'core/tokenizers' package; it "
            "shadows megatron-core 0.16.1",
        ),
        (
            OLD_TOKENIZERS,
            "a Megatron tree whose tokenizers are G1; it shadows megatron-core 0.16.1",
        ),
    ],
    ids=["without-core", "core-without-tokenizers", "old-tokenizers"],
)
def test_b_the_doctor_says_what_shadows_megatron_core(tree, expected, megatron_core, tmp_path):
    write_tree(tmp_path, tree)
    run = run_module("compat", tmp_path, "doctor")
    assert run.returncode == 0, run.stderr
    assert f"megatron-core: 0.16.1 at {_installed_megatron()}" in run.stdout
    assert f"megatron here: {tmp_path / 'megatron'}, {expected}" in run.stdout
    if tree is not OLD_TOKENIZERS:
        assert "compat serves: nothing" in run.stdout
        assert "API generation: none" in run.stdout


# --- 3. python -m codemods.migrate shadowed (issue 14, item 1) -----------------------------------


@pytest.mark.parametrize(
    "local",
    [{"compat.py": "WHOSE = 1\n"}, {"compat/__init__.py": ""}, {"codemods/__init__.py": ""}],
    ids=["compat.py", "compat-package", "codemods-package"],
)
def test_c_python_dash_m_codemods_points_at_the_console_script(local, tmp_path):
    """Reproduced: ``No module named 'compat.deprecations'`` (a traceback), and with a local
    ``codemods/`` Python's bare "No module named 'codemods.migrate'"."""
    write_tree(tmp_path, local)
    run = run_module("codemods.migrate", tmp_path, "--help")
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert "Run the `megatron-migrate` console script instead (same options)" in run.stderr
    assert str(tmp_path) in run.stderr


def test_c_a_local_codemods_with_its_own_migrate_runs_it(tmp_path):
    write_tree(
        tmp_path,
        {"codemods/__init__.py": "", "codemods/migrate.py": "print('the user\\'s migrate')\n"},
    )
    run = run_module("codemods.migrate", tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "the user's migrate"


def test_c_the_console_script_is_immune(tmp_path):
    write_tree(tmp_path, {"compat.py": "", "codemods/__init__.py": ""})
    completed = subprocess.run(
        [str(MIGRATE), "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment(),
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("usage:")


def test_c_the_doctor_names_shadowing_packages(tmp_path):
    write_tree(tmp_path, {"compat.py": "", "codemods/__init__.py": ""})
    completed = subprocess.run(
        [sys.executable, "-P", "-m", "compat", "doctor"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=environment(),
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert f"compat here: {tmp_path / 'compat.py'} shadows ours" in completed.stdout
    assert (
        f"codemods here: {tmp_path / 'codemods' / '__init__.py'} shadows ours; "
        "`python -m codemods.migrate` cannot run: run `megatron-migrate`"
    ) in completed.stdout


# --- 5. legacy names warn whoever provides them (issue 13) ---------------------------------------

UPSTREAM_SCRIPT = f"""\
import sys, importlib.metadata
from {MEGATRON_ROOT} import MegatronTokenizer
internal = MegatronTokenizer.from_pretrained(
    metadata_path={{"library": "null", "model_type": "gpt"}}, vocab_size=10)
from {MEGATRON_ROOT}.text.models import GPTTokenizer
import {MEGATRON_ROOT}.text.models as models
def use():
    return models.GPTTokenizer
for _ in range(3):
    use()
from {MEGATRON_ROOT}.megatron_tokenizer import TOKENIZER_MAPPING_NAMES
from {MEGATRON_ROOT}.text.libraries import SFTTokenizer
print(type(internal) is models.DefaultTokenizerText or type(internal).__name__)
files = {{str(f.locate()) for f in importlib.metadata.files("megatron-core")}}
print(sys.modules[GPTTokenizer.__module__].__file__ in files, use() is GPTTokenizer)
print(SFTTokenizer.__module__)
"""


def test_d_megatron_core_legacy_names_warn_at_the_users_line(megatron_core, tmp_path):
    """Reproduced: no warning at all with megatron-core installed, even in strict mode."""
    run = run_here(UPSTREAM_SCRIPT, tmp_path)
    assert run.returncode == 0, run.stderr
    internal, provenance, sft = run.stdout.strip().splitlines()
    assert internal == "GPTTokenizer"  # upstream's own class, from its own resolution
    assert provenance == "True True"  # the very objects of the megatron-core distribution
    assert sft == f"{MEGATRON_ROOT}.text.libraries.sft_tokenizer"  # 0.16.1 lacks it: ours
    # (``from_pretrained`` imported ``text.models`` on line 3: megatron-core's own use is
    # silent, so line 5 imports a loaded module and only the names warn)
    assert warnings_in(run.stderr) == [
        (5, f"{MEGATRON_ROOT}.text.models.GPTTokenizer"),
        (8, f"{MEGATRON_ROOT}.text.models.GPTTokenizer"),  # once for the four calls
        (11, f"{MEGATRON_ROOT}.megatron_tokenizer.TOKENIZER_MAPPING_NAMES"),
        (12, f"{MEGATRON_ROOT}.text.libraries.SFTTokenizer"),
        (13, f"{MEGATRON_ROOT}.text.models.DefaultTokenizerText"),
    ]
    # a name nothing replaces says so instead of "use <replacement>"
    assert "TOKENIZER_MAPPING_NAMES is deprecated; removed: model types" in run.stderr
    assert all(
        file.endswith("user_script.py")
        for file, *_ in (m.groups() for m in WARNING.finditer(run.stderr))
    )


def test_d_other_ranks_stay_quiet(megatron_core, tmp_path):
    run = run_here(UPSTREAM_SCRIPT, tmp_path, env={"RANK": "3"})
    assert run.returncode == 0, run.stderr
    assert warnings_in(run.stderr) == []


def test_d_strict_mode_fails_a_legacy_import_from_megatron_core(megatron_core, tmp_path):
    run = run_here(
        f"""\
from {MEGATRON_ROOT} import MegatronTokenizer
MegatronTokenizer.from_pretrained(metadata_path={{"library": "null", "model_type": "bert"}},
                                  vocab_size=10)
print("megatron's own use passes")
from {MEGATRON_ROOT}.text.models.gpt_tokenizer import GPTTokenizer
""",
        tmp_path,
        env={"MEGATRON_COMPAT_STRICT": "1"},
    )
    assert run.returncode == 1
    assert run.stdout.strip() == "megatron's own use passes"
    assert 'user_script.py", line 5' in run.stderr
    assert last_line(run.stderr).startswith(
        "compat.warn.MegatronTokenizerDeprecationError: "
        f"{MEGATRON_ROOT}.text.models.gpt_tokenizer.GPTTokenizer is deprecated"
    )


# A megatron-core whose megatron_tokenizer lost TOKENIZER_LIBRARIES (as 0.19.2's did), written
# for the test: only the shape matters.
RELEASE_WITHOUT_LIBRARIES = {
    "megatron/__init__.py": "",
    "megatron/core/__init__.py": "",
    "megatron/core/tokenizers/__init__.py": (
        "from megatron.core.tokenizers.megatron_tokenizer import MegatronTokenizer\n"
    ),
    "megatron/core/tokenizers/megatron_tokenizer.py": """\
        TOKENIZER_MAPPING_NAMES = {"gpt": "GPTTokenizer"}

        class MegatronTokenizer:
            def from_pretrained(name):
                return TOKENIZER_MAPPING_NAMES[name]
        """,
    "megatron_core-0.19.2.dist-info/METADATA": "Metadata-Version: 2.1\nName: megatron-core\n"
    "Version: 0.19.2\n",
}


def test_d_a_name_megatron_core_dropped_is_served_with_the_warning(site_without_megatron, tmp_path):
    release = write_tree(tmp_path / "release", RELEASE_WITHOUT_LIBRARIES)
    run = run_with_sites(
        f"""\
import {MEGATRON_ROOT}.megatron_tokenizer as module
from {MEGATRON_ROOT}.megatron_tokenizer import TOKENIZER_LIBRARIES
from {MEGATRON_ROOT}.megatron_tokenizer import TOKENIZER_MAPPING_NAMES
from {MEGATRON_ROOT} import MegatronTokenizer
print(TOKENIZER_LIBRARIES)
print(TOKENIZER_MAPPING_NAMES is vars(module)["TOKENIZER_MAPPING_NAMES"],
      "TOKENIZER_LIBRARIES" in vars(module), MegatronTokenizer.from_pretrained("gpt"))
print(module.__file__)
try:
    module.NOT_A_NAME
except AttributeError as error:
    print(error)
""",
        [site_without_megatron, release],
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    libraries, identity, location, missing = run.stdout.strip().splitlines()
    assert "huggingface" in libraries and "sentencepiece" in libraries
    assert identity == "True False GPTTokenizer"  # megatron-core's own use stays silent
    assert location == str(release / "megatron/core/tokenizers/megatron_tokenizer.py")
    assert missing == (f"module '{MEGATRON_ROOT}.megatron_tokenizer' has no attribute 'NOT_A_NAME'")
    assert warnings_in(run.stderr) == [
        (2, f"{MEGATRON_ROOT}.megatron_tokenizer.TOKENIZER_LIBRARIES"),
        (3, f"{MEGATRON_ROOT}.megatron_tokenizer.TOKENIZER_MAPPING_NAMES"),
    ]


def test_d_a_bug_while_warning_never_costs_megatron_core_its_names(bare_site, tmp_path):
    """The warning machinery failing (here: a broken ``warn_name_used``) makes the hook step
    aside; megatron-core's names and modules keep working, unwarned."""
    project = copy_project(tmp_path / "project")
    legacy = project / "compat" / "legacy" / "__init__.py"
    legacy.write_text(
        legacy.read_text(encoding="utf-8")
        + textwrap.dedent("""
        def warn_name_used(module_name, name):
            raise RuntimeError("broken warning")
        """),
        encoding="utf-8",
    )
    site = _site_with_finder(tmp_path / "site", project)
    release = write_tree(tmp_path / "release", RELEASE_WITHOUT_LIBRARIES)
    run = run_with_sites(
        f"""\
from {MEGATRON_ROOT}.megatron_tokenizer import TOKENIZER_MAPPING_NAMES
from {MEGATRON_ROOT}.megatron_tokenizer import TOKENIZER_MAPPING_NAMES as again
print(TOKENIZER_MAPPING_NAMES is again, TOKENIZER_MAPPING_NAMES)
""",
        [bare_site, release, site],
        tmp_path,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "True {'gpt': 'GPTTokenizer'}"
    assert run.stderr.count("stepped aside") == 1 and "RuntimeError: broken warning" in run.stderr
    assert warnings_in(run.stderr) == []
