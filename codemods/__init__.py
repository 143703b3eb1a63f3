"""Rewrites code, launch scripts, configs and metadata from Megatron's old tokenizer API."""

import importlib.util
import os


def _require_our_compat() -> None:
    """``python -m codemods.migrate`` puts the working directory first on sys.path, where a
    local ``compat.py`` or ``compat/`` would stand in for the package the codemod reads its
    tables from: fail with what to run instead (the console script is immune)."""
    ours = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "compat")
    try:
        found = importlib.util.find_spec("compat")
    except ValueError:  # a ``compat`` module without a spec
        found = None
    origin = found.origin if found is not None and found.origin else None
    if origin is not None and os.path.samefile(os.path.dirname(origin), ours):
        return
    raise ImportError(
        f"the 'compat' package imported here is {origin or 'missing'}, not "
        "megatron-tokenizer-compat's (python -m puts the working directory first on sys.path, "
        "so a local compat.py or compat/ shadows it). Run the `megatron-migrate` console script "
        "instead (same options), or run from another directory.",
        name=__name__,
    )


_require_our_compat()
