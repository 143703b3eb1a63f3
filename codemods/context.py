"""Which Megatron each file runs against, and so what its rewrite may use.

A rewrite must produce code that runs on the Megatron the file runs against. For each project
root (a folder with a ``pyproject.toml``, ``setup.py``/``setup.cfg``, ``requirements*.txt``,
``environment.yml``, ``.gitmodules`` or a ``megatron/`` package; the nearest one above a file
decides) the evidence is gathered, strongest first:

1. what the user says (``--megatron VERSION|PATH``);
2. a ``megatron/`` package inside the tree: the flags its argument parser defines and the
   modules its ``megatron/core/tokenizers`` has (code in the tree imports this copy);
3. a git submodule pointing at Megatron-LM (``.gitmodules``): inspected when checked out, else
   its pinned commit when it is a known release;
4. dependency pins (``megatron-core==X``) in ``requirements*.txt``, ``pyproject.toml``,
   ``setup.cfg``, ``setup.py`` and ``environment.yml``;
5. the megatron-core installed in the interpreter running the tool (its version, read from the
   package metadata; never imported).

Nothing is imported and no code of the tree runs: files are read as text. The targets follow
from the chosen API (:func:`python_target`, :func:`command_target`); an explicit ``--target``
always wins.
"""

from __future__ import annotations

import ast
import re
import subprocess
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Literal

from codemods.core import CommandTarget, Target
from compat.deprecations import (
    G1_HF_SWITCH_FLAGS,
    LEGACY_FLAG_NAMES,
    LIBRARY_FLAG,
    TIKTOKEN_SPECIAL_TOKENS_FLAG,
    flag_for,
)
from compat.releases import (
    APIS,
    G1,
    G2,
    MAIN,
    PR3889,
    RELEASE_0_19,
    RELEASE_COMMITS,
    MegatronAPI,
    api_for_version,
)

EvidenceKind = Literal["user", "vendored", "submodule", "pin", "installed"]
_PROJECT_MARKERS = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "environment.yml",
    "environment.yaml",
    ".gitmodules",
)
_PIN = re.compile(
    r"""megatron[-_]core\s*(?P<op>==|~=|>=|===)\s*(?P<version>[0-9][0-9A-Za-z.+-]*)"""
)
_SUBMODULE = re.compile(r"^\s*\[submodule\s+\"(?P<name>[^\"]+)\"\]\s*$")
_SUBMODULE_KEY = re.compile(r"^\s*(?P<key>path|url)\s*=\s*(?P<value>\S+)\s*$")
_FLAG_LITERAL = re.compile(r"""["'](--[a-z][a-z0-9-]*)["']""")
# The parser files of a Megatron tree: Megatron-LM's, and the older layout its forks keep.
_PARSER_FILES = ("training/arguments.py", "arguments.py")
_CONFIG_FILES = ("training/config/training_config.py",)
# The flags whose support tells parsers apart (the rest are the same in every release).
_TRACKED_FLAGS = frozenset(
    {flag for api in APIS.values() for flag in api.parser_flags} | set(LEGACY_FLAG_NAMES)
)
_NEGATIVE_HF_SWITCHES = frozenset(G1_HF_SWITCH_FLAGS.values())
# The tokenizer tree's modules that tell its generation (relative to megatron/core/tokenizers).
_CONVERSATION = "conversation"
_G1_BUILDER = "text/utils/build_tokenizer.py"
_MODELS = "text/models"
_VISION = "vision"


@dataclass(frozen=True)
class Evidence:
    """One thing found that says which Megatron code runs against."""

    kind: EvidenceKind
    where: str  # what the user reads: a path, or the pin and its file
    api: MegatronAPI | None  # None: a Megatron whose version could not be told
    note: str = ""

    def describe(self) -> str:
        api = self.api.name if self.api is not None else "a Megatron of unknown version"
        note = f"; {self.note}" if self.note else ""
        return f"{api} ({self.where}{note})"


@dataclass(frozen=True)
class MegatronContext:
    """The Megatron of one project root, the evidence for it, and the targets it allows."""

    root: Path
    chosen: Evidence | None  # None: no evidence at all, the new API is assumed
    evidence: tuple[Evidence, ...]
    python_target: Target
    command_target: CommandTarget
    # folders inside the root that are Megatron itself (never rewritten by default)
    megatron_dirs: tuple[Path, ...] = ()

    @property
    def api(self) -> MegatronAPI | None:
        return self.chosen.api if self.chosen is not None else None

    def summary(self) -> str:
        """How the context was decided, for the report's header."""
        if self.chosen is None:
            found = (
                "no Megatron found (no megatron/ package, submodule, pin or installed "
                "megatron-core): assuming the new API (PR #3889's design)"
            )
        else:
            found = f"{self.chosen.describe()}, {_STRENGTH[self.chosen.kind]}"
            others = [e for e in self.evidence if e is not self.chosen]
            if others:
                found += "; also found: " + "; ".join(e.describe() for e in others)
        return (
            f"{found}. Python code → {_PYTHON_TARGETS[self.python_target]}; command "
            f"lines → {_COMMAND_TARGETS[self.command_target]}"
        )


_STRENGTH: dict[EvidenceKind, str] = {
    "user": "as given with --megatron",
    "vendored": "which the tree's code imports (it shadows any installed megatron-core)",
    "submodule": "the Megatron-LM the project pins as a submodule",
    "pin": "the release the project pins",
    "installed": "the megatron-core installed where the tool runs (no evidence in the tree)",
}
_PYTHON_TARGETS: dict[Target, str] = {
    "pr3889": "the new API (megatron.core.tokenizers, PR #3889's design)",
    "upstream": "Megatron-LM main's API (wrappers gone, SFTTokenizer kept)",
    "compat": "compat.tokenizers (the Megatron found lacks the new API)",
}
_COMMAND_TARGETS: dict[CommandTarget, str] = {
    "pr3889": "the new flags (--tokenizer-library/--tokenizer-mode)",
    "upstream": "Megatron-LM main's flags (--tokenizer-type kept, removed flags dropped)",
    "keep": "left as they are and reported (the parser found lacks --tokenizer-library and "
    "the old flags still mean what they meant there)",
}


def python_target(api: MegatronAPI | None) -> Target:
    """The newest Python API the Megatron of ``api`` can run."""
    if api is None or api.conversation_module:
        return "pr3889"
    if api.model_wrappers == "absent":
        return "upstream"
    return "compat"


def command_target(api: MegatronAPI | None) -> CommandTarget:
    """The newest flags the parser of ``api`` accepts with the same meaning."""
    if api is None or api.has_tokenizer_library_flag:
        return "pr3889"
    if api.hf_fast_and_special_tokens_default:
        return "upstream"
    # megatron-core 0.16: --tokenizer-hf-use-fast still switches use_fast on there
    return "keep"


# --- reading a Megatron tree ------------------------------------------------------------------


@dataclass(frozen=True)
class VendoredMegatron:
    """A ``megatron/`` package found inside the scanned tree."""

    package: Path  # the megatron/ folder

    def parser_flags(self) -> frozenset[str] | None:
        """The tracked flags its argument parser defines; None when it has no parser file."""
        texts = [_read(self.package / name) for name in _PARSER_FILES]
        found = {flag for text in texts if text for flag in _FLAG_LITERAL.findall(text)}
        fields = _tokenizer_config_fields(*(_read(self.package / name) for name in _CONFIG_FILES))
        found |= {flag_for(name) for name in fields}
        if not any(texts) and not fields:
            return None
        return frozenset(found & _TRACKED_FLAGS)

    def tokenizers_modules(self) -> set[str] | None:
        tokenizers = self.package / "core" / "tokenizers"
        if not tokenizers.is_dir():
            return None
        return {
            name
            for name in (_CONVERSATION, _G1_BUILDER, _MODELS, _VISION)
            if (tokenizers / name).exists()
        }

    def api(self) -> MegatronAPI | None:
        """The API this copy has: its parser's flags on the release whose parser and tokenizer
        tree look the same (behaviours, which the files do not show, are that release's)."""
        flags = self.parser_flags()
        modules = self.tokenizers_modules()
        null_tokenizer = _read(self.package / "core/tokenizers/text/libraries/null_tokenizer.py")
        base = _release_like(flags, null_tokenizer, modules)
        if base is None:
            return None
        return replace(
            base,
            parser_flags=flags if flags is not None else base.parser_flags,
            name=f"a vendored Megatron like {base.name}",
        )


def _release_like(
    flags: frozenset[str] | None, null_tokenizer: str, modules: set[str] | None
) -> MegatronAPI | None:
    """The release whose parser and tokenizer tree look like these (each test is a marker
    one generation added or removed)."""
    if modules is not None and _CONVERSATION in modules or flags and LIBRARY_FLAG in flags:
        return PR3889
    if modules is not None and _G1_BUILDER in modules:
        return G1
    if modules is not None and _VISION in modules and _MODELS not in modules:
        return MAIN
    if flags is not None:
        if not flags & _NEGATIVE_HF_SWITCHES:
            # no opt-outs of G2's HF defaults: G1's parser, or an older fork's
            return G1
        if TIKTOKEN_SPECIAL_TOKENS_FLAG in flags:
            return G2
        return RELEASE_0_19
    if modules:
        # no parser: #4057's NullTokenizer(eod_id=...) tells 0.18+ from 0.17
        return RELEASE_0_19 if "eod_id" in null_tokenizer else G2
    return None


def _tokenizer_config_fields(*texts: str) -> set[str]:
    """The fields of ``class TokenizerConfig`` (main generates its tokenizer flags from them)."""
    for text in texts:
        if "class TokenizerConfig" not in text:
            continue
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == "TokenizerConfig":
                return {
                    item.target.id
                    for item in node.body
                    if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name)
                }
    return set()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


# --- evidence ---------------------------------------------------------------------------------


def user_evidence(value: str, base: Path, given_as: str = "--megatron") -> Evidence:
    """``--megatron VERSION|PATH`` (or the configuration's ``megatron``, named by ``given_as``);
    raises ``ValueError`` naming the fix."""
    path = (base / value).expanduser()
    if path.exists():
        package = path if path.name == "megatron" else path / "megatron"
        api = VendoredMegatron(package).api() if package.is_dir() else None
        if api is None:
            raise ValueError(
                f"{given_as} {value}: no Megatron there (expected a megatron/ "
                "package with megatron/training/arguments.py or "
                "megatron/core/tokenizers)"
            )
        return Evidence("user", str(path), api)
    try:
        match = api_for_version(value)
    except ValueError as error:
        raise ValueError(
            f"{given_as} {value}: neither a folder that exists ({path}) nor a "
            f"megatron-core version: {error}"
        ) from None
    return Evidence("user", f"--megatron {value}", match.api, match.note or "")


def _pins(root: Path) -> list[Evidence]:
    files = [
        *sorted(root.glob("requirements*.txt")),
        *(
            root / name
            for name in (
                "pyproject.toml",
                "setup.cfg",
                "setup.py",
                "environment.yml",
                "environment.yaml",
            )
        ),
    ]
    found = []
    for path in files:
        for match in _PIN.finditer(_read(path)):
            version = match["version"].rstrip(".,")
            try:
                result = api_for_version(version)
            except ValueError:
                continue
            note = result.note or (
                ""
                if match["op"] in ("==", "===")
                else f"'{match['op']}' pins at least this release"
            )
            found.append(
                Evidence(
                    "pin",
                    f"pinned: megatron-core{match['op']}{version} in {path.name}",
                    result.api,
                    note,
                )
            )
    return found


def _submodules(root: Path) -> list[tuple[Path, Evidence]]:
    """Megatron-LM submodules declared in ``.gitmodules``: (their folder, evidence)."""
    text = _read(root / ".gitmodules")
    found = []
    entries: dict[str, dict[str, str]] = {}
    current = None
    for line in text.splitlines():
        if (header := _SUBMODULE.match(line)) is not None:
            current = entries.setdefault(header["name"], {})
        elif current is not None and (item := _SUBMODULE_KEY.match(line)) is not None:
            current[item["key"]] = item["value"]
    for entry in entries.values():
        url, relative = entry.get("url", ""), entry.get("path", "")
        if "megatron-lm" not in url.lower() or not relative:
            continue
        folder = root / relative
        package = folder / "megatron"
        if package.is_dir():
            api = VendoredMegatron(package).api()
            found.append(
                (folder, Evidence("submodule", f"submodule {relative}", api, "checked out"))
            )
            continue
        commit = _gitlink(root, relative)
        api, note = _release_at(commit)
        found.append((folder, Evidence("submodule", f"submodule {relative}", api, note)))
    return found


def _gitlink(root: Path, relative: str) -> str | None:
    """The commit a submodule is pinned at (git's index; the submodule need not be checked
    out). None when git cannot tell."""
    try:
        completed = subprocess.run(
            ["git", "-C", str(root), "ls-tree", "HEAD", "--", relative],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    fields = completed.stdout.split()
    return fields[2] if len(fields) >= 3 and fields[1] == "commit" else None


def _release_at(commit: str | None) -> tuple[MegatronAPI | None, str]:
    if commit is None:
        return None, "not checked out, and git cannot tell its commit"
    key = RELEASE_COMMITS.get(commit)
    if key is None:
        return None, f"pinned at {commit[:10]}, which is not a release known here"
    return APIS[key], f"pinned at {commit[:10]}"


def installed_evidence() -> Evidence | None:
    import importlib.metadata  # 12 ms, for a tree that names no Megatron of its own

    try:
        version = importlib.metadata.version("megatron-core")
    except importlib.metadata.PackageNotFoundError:
        return None
    try:
        match = api_for_version(version)
    except ValueError as error:
        return Evidence("installed", f"installed: megatron-core {version}", None, str(error))
    return Evidence("installed", f"installed: megatron-core {version}", match.api, match.note or "")


# --- deciding ---------------------------------------------------------------------------------


@dataclass
class ContextFinder:
    """Finds and caches the context of every project root met while scanning."""

    user: Evidence | None = None
    target: Target | None = None  # an explicit --target: it always wins
    include_megatron: bool = False
    _roots: dict[Path, MegatronContext] = field(default_factory=dict)
    _megatron_packages: dict[Path, bool] = field(default_factory=dict)
    _folder_roots: dict[Path, Path] = field(default_factory=dict)

    @cached_property
    def installed(self) -> Evidence | None:
        return installed_evidence()

    def for_file(self, path: Path) -> MegatronContext:
        folder = path.resolve().parent
        root = self._folder_roots.get(folder)
        if root is None:
            # every file of a folder has the same root, and a tree has ten files per folder
            root = self._folder_roots[folder] = project_root(folder)
        return self.for_root(root)

    def for_root(self, root: Path) -> MegatronContext:
        context = self._roots.get(root)
        if context is None:
            context = self._roots[root] = self._decide(root)
        return context

    def contexts(self) -> list[MegatronContext]:
        return list(self._roots.values())

    def is_megatron_itself(self, path: Path) -> Path | None:
        """The Megatron folder ``path`` belongs to (never rewritten unless asked), or None: a
        ``megatron/`` package that is recognisably Megatron, a Megatron-LM submodule, the
        tokenizer package's own tests."""
        if self.include_megatron:
            return None
        real = path.resolve()
        for folder in real.parents:
            if folder.name == "megatron" and self._is_megatron(folder):
                return folder
        context = self.for_file(path)
        return next(
            (folder for folder in context.megatron_dirs if real.is_relative_to(folder)), None
        )

    def _is_megatron(self, folder: Path) -> bool:
        known = self._megatron_packages.get(folder)
        if known is None:
            known = self._megatron_packages[folder] = VendoredMegatron(folder).api() is not None
        return known

    def _decide(self, root: Path) -> MegatronContext:
        evidence: list[Evidence] = []
        megatron_dirs: list[Path] = []
        if self.user is not None:
            evidence.append(self.user)
        vendored_api = VendoredMegatron(root / "megatron").api()
        if vendored_api is not None:
            megatron_dirs += _own_tokenizer_tests(root)
            evidence.append(
                Evidence("vendored", f"vendored: {_shown(root / 'megatron')}/", vendored_api)
            )
        for folder, found in _submodules(root):
            megatron_dirs.append(folder)
            evidence.append(found)
        evidence += _pins(root)
        enclosing = _enclosing_project(root)
        if not evidence and enclosing is not None:
            # a sub-project that says nothing runs what the project around it runs
            return replace(self._decide(enclosing), root=root)
        if not evidence and self.installed is not None:
            # the interpreter's megatron-core says nothing of a tree that says something
            evidence.append(self.installed)
        chosen = evidence[0] if evidence else None
        api = chosen.api if chosen is not None else None
        python, command = python_target(api), command_target(api)
        if chosen is not None and api is None:
            # a Megatron of unknown version: no release has the new API (PR #3889 never merged)
            python, command = "compat", "keep"
        return MegatronContext(
            root=root,
            chosen=chosen,
            evidence=tuple(evidence),
            python_target=self.target or python,
            command_target=_explicit_command_target(self.target) or command,
            megatron_dirs=tuple(path.resolve() for path in megatron_dirs),
        )


def _explicit_command_target(target: Target | None) -> CommandTarget | None:
    """``--target pr3889``/``upstream`` set the flags too; ``--target compat`` chooses the
    imports only (command lines run Megatron's parser, whichever it is)."""
    return target if target in ("pr3889", "upstream") else None


def _own_tokenizer_tests(root: Path) -> list[Path]:
    tests = root / "tests" / "unit_tests" / "tokenizers"
    return [tests] if tests.is_dir() else []


def _shown(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def project_root(folder: Path) -> Path:
    """The nearest folder at or above ``folder`` that says which Megatron its code uses; the
    repository's top (or ``folder`` itself) when none does."""
    for candidate in (folder, *folder.parents):
        if _is_project_root(candidate):
            return candidate
        if (candidate / ".git").exists():
            return candidate
    return folder


def _enclosing_project(root: Path) -> Path | None:
    if (root / ".git").exists() or root.parent == root:
        return None
    enclosing = project_root(root.parent)
    found = _is_project_root(enclosing) or (enclosing / ".git").exists()
    return enclosing if found else None


def _is_project_root(folder: Path) -> bool:
    if any((folder / marker).is_file() for marker in _PROJECT_MARKERS):
        return True
    if (folder / "megatron").is_dir():
        return True
    return any(folder.glob("requirements*.txt"))
