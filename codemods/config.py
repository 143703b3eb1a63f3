"""``[tool.megatron-migrate]`` in ``pyproject.toml``: a project's settings for the migration.

The table is looked for in the nearest ``pyproject.toml`` that has one, from the current folder
up to the top of the repository (or the file named by ``--config``). Keys follow ruff's names::

    [tool.megatron-migrate]
    select = ["MTC0", "MTC201"]        # codes, prefixes (MTC2) or names; default: every rule
    ignore = ["MTC301"]
    exclude = ["third_party/", "*.generated.py"]   # gitignore syntax, relative to this file
    target = "compat"                  # auto (the default), pr3889, upstream or compat
    megatron = "0.19.2"                # the Megatron the code runs against (or a checkout's path)
    include-megatron = false           # also rewrite Megatron's own implementation
    backup = false                     # no tokenizer_metadata.json.bak
    [tool.megatron-migrate.per-file-ignores]
    "tests/**" = ["MTC301"]

A command-line option replaces the value of its key; ``--exclude`` patterns add to ``exclude``.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec

from codemods.core import Target
from codemods.rules import UnknownRule, resolve
from compat.deprecations import RULES

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

TABLE = "megatron-migrate"
CONFIG_FILE = "pyproject.toml"
# what --target and ``target`` accept, and the Python target each names: None for auto (each
# file's Megatron context decides); megatron is the old name of pr3889
TARGETS: dict[str, Target | None] = {
    "auto": None,
    "pr3889": "pr3889",
    "megatron": "pr3889",
    "upstream": "upstream",
    "compat": "compat",
}
_KEYS = (
    "select",
    "ignore",
    "exclude",
    "target",
    "megatron",
    "include-megatron",
    "backup",
    "per-file-ignores",
)


class ConfigError(Exception):
    """The configuration cannot be used (a usage error: exit code 2)."""


def rule_codes(values: Iterable[str], source: str) -> frozenset[str]:
    """Rule codes for comma-separated codes, code prefixes (``MTC2``), names or ``ALL``."""
    codes: set[str] = set()
    for value in values:
        for item in filter(None, (part.strip() for part in value.split(","))):
            codes |= _codes_of(item, source)
    return frozenset(codes)


def _codes_of(item: str, source: str) -> set[str]:
    if item.upper() == "ALL":
        return set(RULES)
    prefixed = {code for code in RULES if code.startswith(item.upper())}
    if item.upper().startswith("MTC") and prefixed:
        return prefixed
    try:
        return set(resolve([item]))
    except UnknownRule:
        raise UnknownRule(
            f"{source}: unknown rule code {item!r}; give a code (MTC201), a prefix (MTC2), a "
            f"name (tokenizer-type-flag) or ALL; known codes: {', '.join(sorted(RULES))} (see "
            "--list-rules)"
        ) from None


@dataclass(frozen=True)
class PerFileIgnores:
    """Rule codes left out for the files matching gitignore-style patterns (relative to
    ``base``, the configuration file's folder)."""

    base: Path
    entries: tuple[tuple[pathspec.GitIgnoreSpec, frozenset[str]], ...] = ()

    def codes_for(self, path: Path) -> frozenset[str]:
        if not self.entries:
            return frozenset()
        try:
            relative = Path(path).resolve().relative_to(self.base).as_posix()
        except ValueError:
            return frozenset()
        found: set[str] = set()
        for spec, codes in self.entries:
            if spec.match_file(relative):
                found |= codes
        return frozenset(found)


@dataclass(frozen=True)
class Config:
    """What ``[tool.megatron-migrate]`` says; ``None`` and empty mean "not set"."""

    path: Path | None = None
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    target: str | None = None
    # a megatron-core version, or a Megatron-LM checkout's path relative to ``base``
    megatron: str | None = None
    include_megatron: bool | None = None
    backup: bool | None = None
    per_file_ignores: PerFileIgnores | None = None

    @property
    def base(self) -> Path:
        return self.path.parent if self.path is not None else Path.cwd()


def find_config(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.megatron-migrate]`` table, from ``start``
    up to the top of its repository."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file() and _has_table(candidate):
            return candidate
        if (folder / ".git").exists():
            return None
    return None


def _has_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    # cheap and sure: a file without the name cannot hold the table; one with it is parsed
    return f"tool.{TABLE}" in text or f'tool."{TABLE}"' in text


def load_config(path: Path) -> Config:
    """Read and check the table of ``path`` (a missing table is an empty configuration)."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read {path}: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    table = document.get("tool", {}).get(TABLE, {})
    where = f"{path} [tool.{TABLE}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = sorted(set(table) - set(_KEYS))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r}; known keys: {', '.join(_KEYS)}")
    per_file = _per_file_ignores(table.get("per-file-ignores", {}), path.parent.resolve(), where)
    return Config(
        path=path,
        select=_codes_list(table, "select", where),
        ignore=_codes_list(table, "ignore", where),
        exclude=_strings(table, "exclude", where) or (),
        target=_target(table.get("target"), where),
        megatron=_megatron(table.get("megatron"), where),
        include_megatron=_boolean(table.get("include-megatron"), "include-megatron", where),
        backup=_boolean(table.get("backup"), "backup", where),
        per_file_ignores=per_file,
    )


def _strings(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...] | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"{where}: {key} must be a list of strings, not {value!r}")
    return tuple(value)


def _codes_list(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...] | None:
    values = _strings(table, key, where)
    if values is not None:
        rule_codes(values, f"{where} {key}")  # checked now: a typo is an error, not a no-op
    return values


def _target(value: object, where: str) -> str | None:
    if value is None or isinstance(value, str) and value in TARGETS:
        return value
    raise ConfigError(f"{where}: target must be one of {', '.join(TARGETS)}, not {value!r}")


def _megatron(value: object, where: str) -> str | None:
    if value is None or isinstance(value, str) and value.strip():
        return value
    raise ConfigError(
        f'{where}: megatron must be a megatron-core version ("0.19.2") or the '
        f"path of a Megatron-LM checkout, not {value!r}"
    )


def _boolean(value: object, key: str, where: str) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise ConfigError(f"{where}: {key} must be true or false, not {value!r}")


def _per_file_ignores(value: object, base: Path, where: str) -> PerFileIgnores:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: per-file-ignores must be a table of pattern = [codes]")
    entries = []
    for pattern, codes in value.items():
        if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
            raise ConfigError(f"{where}: per-file-ignores {pattern!r} must be a list of codes")
        entries.append(
            (
                pathspec.GitIgnoreSpec.from_lines([pattern]),
                rule_codes(codes, f"{where} per-file-ignores {pattern!r}"),
            )
        )
    return PerFileIgnores(base, tuple(entries))
