"""The upstream code the differential tests compare with, provably upstream's.

Two references:

* **megatron-core 0.16.1** (G1, the old code): installed by the test extra on Python < 3.12 (it
  needs torch, whose CPU build is on disk for 3.11 only).
* **megatron-core 0.19.2** (the latest release): it needs Python >= 3.12 and torch to install,
  but its ``megatron/core/tokenizers`` tree runs on its own. The wheel is downloaded once with
  ``pip download`` (checked against its sha256), and only that tree is unpacked into the user
  cache (``$XDG_CACHE_HOME`` or ``~/.cache``, then ``megatron-tokenizer-compat/``).

Both trees are called ``megatron.core.tokenizers``. The 0.19.2 tree is loaded beside the installed
0.16.1 by a ``sys.modules`` swap: its modules live in a private table that is put in place of
every ``megatron`` module only while a reference call runs (:meth:`Reference.active`), then taken
out again. A swap (rather than a subprocess) lets the tests hold the reference's tokenizer objects
and call them like the local ones; the swap has to cover calls that import lazily, which in both
trees happens only while a tokenizer is built (``from_pretrained``, constructors), so
:class:`Scoped` wraps exactly the callables a test reaches through the reference.

What 0.19.2's tree takes from the rest of megatron-core is stood in for, inside the swap only:
``megatron.core.utils`` (``log_single_rank``, ``accepts_parameter``) and the LLaVA constants
(``IGNORE_INDEX``, ``IMAGE_TOKEN``, and ``DEFAULT_IMAGE_TOKEN_INDEX`` for null-multimodal). Where
torch is not installed (Python >= 3.12), the three names two of its modules touch at import
(``torch.Tensor``, ``torch.hub._get_torch_home``, ``torch.distributed``) are stood in for too;
none of them takes part in what is compared.

A reference module is used only after its ``__file__`` is shown to lie inside the megatron-core
distribution's files (0.16.1) or the unpacked 0.19.2 tree, never in something the import hook
serves: otherwise the test skips and says why.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import importlib
import importlib.metadata
import inspect
import logging
import os
import subprocess
import sys
import tempfile
import types
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

G1_VERSION = "0.16.1"
LATEST_VERSION = "0.19.2"
VERSIONS = (G1_VERSION, LATEST_VERSION)
PACKAGE = "megatron.core.tokenizers"
DISTRIBUTION = "megatron-core"

_LATEST_WHEEL = "megatron_core-0.19.2-cp312-cp312-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl"
_LATEST_WHEEL_SHA256 = "8e3e486f13f559450415b9b9dc0ff3331a0bb83dd154553f7f350a75ff9c42b5"
_TREE_PREFIX = "megatron/core/tokenizers/"
_DOWNLOAD_TIMEOUT_SECONDS = 300


class ReferenceUnavailable(pytest.skip.Exception):  # type: ignore[name-defined,misc]
    """The reference (or one of its modules) cannot be used here; raised in a test, it skips
    the test with the message as the reason."""


def _is_megatron_name(name: str) -> bool:
    return name == "megatron" or name.startswith("megatron.")


def _is_swapped_name(name: str, with_torch: bool) -> bool:
    return _is_megatron_name(name) or (
        with_torch and (name == "torch" or name.startswith("torch."))
    )


class Reference:
    """One upstream ``megatron.core.tokenizers``.

    ``reference.MegatronTokenizer.from_pretrained(...)`` and ``reference.module("text.libraries")
    .NullTokenizer(...)`` call upstream's code (inside the swap, for 0.19.2); ``reference.raw(...)``
    gives the unwrapped object (for ``isinstance``)."""

    def __init__(
        self,
        version: str,
        *,
        tree: Path,
        modules: dict[str, types.ModuleType],
        is_upstream_file: Callable[[Path], bool],
        where: str,
        isolated: bool,
        swaps_torch: bool = False,
    ) -> None:
        self.version = version
        self.tree = tree
        self._modules = modules
        self._is_upstream_file = is_upstream_file
        self._where = where
        self._isolated = isolated
        self._swaps_torch = swaps_torch

    def __repr__(self) -> str:
        return f"<megatron-core {self.version} reference>"

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """While inside: ``megatron...`` imports resolve to this reference's tree."""
        if not self._isolated:
            yield
            return
        swapped = self._swaps_torch
        saved = {
            name: sys.modules.pop(name)
            for name in list(sys.modules)
            if _is_swapped_name(name, swapped)
        }
        sys.modules.update(self._modules)
        try:
            yield
        finally:
            for name in list(sys.modules):
                if _is_swapped_name(name, swapped):
                    self._modules[name] = sys.modules.pop(name)
            sys.modules.update(saved)

    def raw_module(self, relative: str) -> types.ModuleType:
        """``megatron.core.tokenizers.<relative>`` of this reference, unwrapped; a skip when the
        reference has no such module."""
        name = f"{PACKAGE}.{relative}" if relative else PACKAGE
        base = self.tree.joinpath(*relative.split(".")) if relative else self.tree
        if not (base.with_suffix(".py").is_file() or base.is_dir()):
            raise ReferenceUnavailable(f"megatron-core {self.version} has no module {name}")
        with self.active():
            try:
                module = importlib.import_module(name)
            except ImportError as error:
                raise ReferenceUnavailable(
                    f"megatron-core {self.version} has no {name} ({error})"
                ) from None
        self.check_provenance(module)
        return module

    def module(self, relative: str) -> Scoped:
        return Scoped(self.raw_module(relative), self)

    def raw(self, relative: str, name: str) -> Any:
        return getattr(self.raw_module(relative), name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.module(""), name)

    def check_provenance(self, module: types.ModuleType) -> None:
        """Refuse (as a skip) a module that is not upstream's own file."""
        file = getattr(module, "__file__", None)
        # a namespace package (upstream's tokenizers/utils has no __init__.py) has only a path
        files = [file] if file else list(getattr(module, "__path__", ()))
        if not files or not all(self._is_upstream_file(Path(f).resolve()) for f in files):
            raise ReferenceUnavailable(
                f"{module.__name__} is not megatron-core {self.version}'s file but {file!r} "
                f"(expected a file of {self._where}); the import hook or another package serves "
                "it, so comparing with it would compare compat with itself"
            )


class Scoped:
    """A reference object whose calls run inside the reference's swap; attributes that are
    modules, classes or functions come back scoped too, anything else as it is."""

    __slots__ = ("_target", "_reference")

    def __init__(self, target: Any, reference: Reference) -> None:
        self._target = target
        self._reference = reference

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if isinstance(value, types.ModuleType) or inspect.isclass(value) or callable(value):
            return Scoped(value, self._reference)
        return value

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._reference.active():
            return self._target(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<{self._reference.version}: {self._target!r}>"


# --- megatron-core 0.16.1, installed -----------------------------------------------------------


def installed_g1() -> Reference:
    try:
        distribution = importlib.metadata.distribution(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        raise ReferenceUnavailable(
            f"megatron-core {G1_VERSION} is not installed (the test extra installs it, with "
            "torch's CPU build, on Python < 3.12 only)"
        ) from None
    if distribution.version != G1_VERSION:
        raise ReferenceUnavailable(
            f"megatron-core {distribution.version} is installed, not {G1_VERSION}"
        )
    files = {Path(distribution.locate_file(file)).resolve() for file in distribution.files or ()}
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # megatron-core warns about missing Apex/TE on import
        importlib.import_module(PACKAGE)
    tree = Path(distribution.locate_file(_TREE_PREFIX)).resolve()

    def is_upstream_file(path: Path) -> bool:
        # namespace packages are directories, which the distribution's RECORD does not list
        return path in files or (path.is_dir() and path.is_relative_to(tree))

    reference = Reference(
        G1_VERSION,
        tree=tree,
        modules={},
        is_upstream_file=is_upstream_file,
        where=f"the installed megatron-core {G1_VERSION} distribution",
        isolated=False,
    )
    reference.raw_module("")
    return reference


# --- megatron-core 0.19.2, from the cached wheel -----------------------------------------------


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "megatron-tokenizer-compat"


def _download_wheel(directory: Path) -> Path:
    command = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--python-version",
        "3.12",
        "--implementation",
        "cp",
        "--platform",
        "manylinux_2_28_x86_64",
        f"{DISTRIBUTION}=={LATEST_VERSION}",
        "--dest",
        str(directory),
        "--disable-pip-version-check",
        "--quiet",
    ]
    try:
        completed = subprocess.run(
            command, capture_output=True, text=True, timeout=_DOWNLOAD_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise ReferenceUnavailable(
            f"downloading megatron-core {LATEST_VERSION} timed out: the package index did not "
            f"answer in {_DOWNLOAD_TIMEOUT_SECONDS} s"
        ) from None
    wheel = directory / _LATEST_WHEEL
    if completed.returncode != 0 or not wheel.is_file():
        said = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise ReferenceUnavailable(
            f"cannot download megatron-core {LATEST_VERSION} from the package index (pip: "
            f"{said}); it is needed once, then cached in {cache_dir()}"
        )
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != _LATEST_WHEEL_SHA256:
        raise ReferenceUnavailable(
            f"the downloaded {_LATEST_WHEEL} has sha256 {digest}, not the published "
            f"{_LATEST_WHEEL_SHA256}; refusing to use it"
        )
    return wheel


def latest_tree() -> Path:
    """The directory holding 0.19.2's ``megatron/core/tokenizers``, downloaded on first use."""
    target = cache_dir() / f"megatron-core-{LATEST_VERSION}"
    if (target / _TREE_PREFIX).is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".download-") as work:
        wheel = _download_wheel(Path(work))
        staging = Path(work) / "tree"
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if member.startswith(_TREE_PREFIX):
                    archive.extract(member, staging)
        try:
            staging.rename(target)
        except OSError:
            # Another test process unpacked it first: keep theirs.
            if not (target / _TREE_PREFIX).is_dir():
                raise
    return target


def _stand_in(name: str, **attributes: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    return module


def _package(name: str, path: list[str]) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__path__ = path
    return module


def _stand_ins(root: Path, torch_missing: bool) -> dict[str, types.ModuleType]:
    """The parts of megatron-core (and torch) that 0.19.2's tokenizers tree imports."""

    def log_single_rank(logger: logging.Logger, *args: Any, rank: int = 0, **kwargs: Any) -> None:
        logger.log(*args, **kwargs)

    def accepts_parameter(function: Callable[..., Any], name: str) -> bool:
        parameters = inspect.signature(function).parameters.values()
        return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)

    modules = {
        "megatron": _package("megatron", [str(root / "megatron")]),
        "megatron.core": _package("megatron.core", [str(root / "megatron" / "core")]),
        "megatron.core.utils": _stand_in(
            "megatron.core.utils",
            log_single_rank=log_single_rank,
            accepts_parameter=accepts_parameter,
        ),
        "megatron.core.models": _package("megatron.core.models", []),
        "megatron.core.models.multimodal": _package("megatron.core.models.multimodal", []),
        "megatron.core.models.multimodal.llava_model": _stand_in(
            "megatron.core.models.multimodal.llava_model",
            IGNORE_INDEX=-100,
            IMAGE_TOKEN="<image>",
            DEFAULT_IMAGE_TOKEN_INDEX=-200,
        ),
    }
    if torch_missing:
        home = str(cache_dir() / "torch-home")
        modules["torch"] = _stand_in("torch", Tensor=type("Tensor", (), {}))
        modules["torch.hub"] = _stand_in("torch.hub", _get_torch_home=lambda: home)
        modules["torch.distributed"] = _stand_in("torch.distributed", is_initialized=lambda: False)
        modules["torch"].hub = modules["torch.hub"]
        modules["torch"].distributed = modules["torch.distributed"]
    return modules


def _torch_missing() -> bool:
    try:
        importlib.import_module("torch")
    except ImportError:
        return True
    return False


def _settle_backends() -> None:
    """Import the tokenizer backends before any swap, so that they decide once, outside it,
    whether torch is available (a torch stand-in must never reach them)."""
    for name in ("transformers", "sentencepiece", "tiktoken", "numpy"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    with contextlib.suppress(ImportError, AttributeError):
        importlib.import_module("transformers").utils.is_torch_available()


def latest() -> Reference:
    root = latest_tree().resolve()
    tree = (root / _TREE_PREFIX).resolve()
    _settle_backends()
    torch_missing = _torch_missing()
    modules = _stand_ins(root, torch_missing)

    def is_upstream_file(path: Path) -> bool:
        return path.is_relative_to(tree)

    reference = Reference(
        LATEST_VERSION,
        tree=tree,
        modules=modules,
        is_upstream_file=is_upstream_file,
        where=f"the unpacked megatron-core {LATEST_VERSION} tree in {root}",
        isolated=True,
        swaps_torch=torch_missing,
    )
    # Import (and check) every module of the tree now: none may be imported later by a lazy
    # import outside the swap.
    for file in sorted(tree.rglob("*.py")):
        parts = [
            part for part in file.relative_to(tree).with_suffix("").parts if part != "__init__"
        ]
        reference.raw_module(".".join(parts))
    return reference


_CACHE: dict[str, Reference | ReferenceUnavailable] = {}


def get(version: str) -> Reference:
    """The reference for ``version``, loaded once per process; ``ReferenceUnavailable`` says
    why it cannot be had."""
    if version not in _CACHE:
        try:
            _CACHE[version] = installed_g1() if version == G1_VERSION else latest()
        except ReferenceUnavailable as error:
            _CACHE[version] = error
    found = _CACHE[version]
    if isinstance(found, ReferenceUnavailable):
        raise found
    return found


def g1_args(**attributes: Any) -> argparse.Namespace:
    """The tokenizer attributes megatron-core 0.16.1's parser gives, with its defaults."""
    defaults: dict[str, Any] = dict(
        tokenizer_type=None,
        tokenizer_model=None,
        tokenizer_special_tokens=None,
        vocab_file=None,
        merge_file=None,
        tokenizer_hf_use_fast=False,
        trust_remote_code=False,
        tokenizer_hf_include_special_tokens=False,
        tokenizer_sentencepiece_legacy=False,
        tiktoken_pattern=None,
        vocab_size=None,
        tiktoken_num_special_tokens=1000,
        tokenizer_metadata=None,
    )
    return argparse.Namespace(**{**defaults, **attributes})
