"""Whether a rewritten ``tokenizer_metadata.json`` needs a backup beside it.

A backup is kept unless git's index already holds the exact original bytes: then ``git restore``
brings the original back, and a ``.bak`` would only be an untracked file in the user's repository
(the pre-commit hook would leave one on every commit that touches a metadata file).
"""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

_GIT_TIMEOUT_SECONDS = 10


def kept_by_git(path: Path, original: bytes) -> bool:
    """Whether the git index of the repository holding ``path`` has exactly ``original`` for it.

    Any doubt (no git, not a repository, untracked, staged with other bytes) means no.
    """
    try:
        listing = subprocess.run(
            ["git", "ls-files", "--stage", "--", path.name],
            cwd=path.parent,
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    if listing.returncode != 0:
        return False
    for line in listing.stdout.splitlines():
        # "<mode> <object id> <stage>\t<name>"; stage 0 is the merged, staged version
        fields, _, name = line.partition("\t")
        parts = fields.split()
        if len(parts) == 3 and parts[2] == "0" and name == path.name:
            return _blob_id(original, len(parts[1])) == parts[1]
    return False


def _blob_id(data: bytes, length: int) -> str:
    """git's object id of a blob holding ``data`` (SHA-1, or SHA-256 repositories)."""
    digest = hashlib.sha256 if length == 64 else hashlib.sha1
    return digest(b"blob %d\0" % len(data) + data).hexdigest()
