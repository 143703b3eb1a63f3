"""The unified diff of a rewrite, in time linear in the size of the file.

difflib's matcher is quadratic on files whose lines repeat (a launch script of 400 alike
commands: 35 s for 1 MB, for 120 changed lines). A rewrite changes lines in place and inserts or
drops a few, so both texts are walked side by side, and where they part the walk looks a little
ahead for the place they meet again; difflib orders only the lines in between, and groups and
formats the result as ``difflib.unified_diff`` does.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

# how far ahead (in lines of either text) a walk looks for the texts to meet again
_LOOKAHEAD = 200
# lines that must be equal for the texts to have met again (not a lone blank line)
_MEETING_RUN = 3
_CONTEXT = 3

Opcode = tuple[str, int, int, int, int]


def unified_diff(before: str, after: str, fromfile: str, tofile: str) -> str:
    """``difflib.unified_diff`` of the lines of ``before`` and ``after`` as one string, with
    git's marker for a last line without a newline."""
    a = before.splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    lines: list[str] = []
    for group in _Aligned(a, b).get_grouped_opcodes(_CONTEXT):
        if not lines:
            lines += [f"--- {fromfile}\n", f"+++ {tofile}\n"]
        first, last = group[0], group[-1]
        lines.append(f"@@ -{_range(first[1], last[2])} +{_range(first[3], last[4])} @@\n")
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines += [" " + line for line in a[i1:i2]]
                continue
            lines += ["-" + line for line in a[i1:i2]]
            lines += ["+" + line for line in b[j1:j2]]
    return "".join(
        line if line.endswith("\n") else line + "\n\\ No newline at end of file\n" for line in lines
    )


def _range(start: int, stop: int) -> str:
    """A hunk's line range in unified format (as difflib writes it)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


class _Aligned(difflib.SequenceMatcher[str]):
    """difflib's hunk grouping over opcodes found by walking both texts side by side."""

    def __init__(self, a: Sequence[str], b: Sequence[str]) -> None:
        super().__init__(None, a, b, autojunk=False)
        self._aligned = a, b

    def get_opcodes(self) -> list[Opcode]:  # type: ignore[override]
        a, b = self._aligned
        opcodes: list[Opcode] = []
        i = j = 0
        while i < len(a) or j < len(b):
            start_i, start_j = i, j
            while i < len(a) and j < len(b) and a[i] == b[j]:
                i, j = i + 1, j + 1
            _add(opcodes, ("equal", start_i, i, start_j, j))
            if i == len(a) and j == len(b):
                break
            meeting = _meeting_point(a, b, i, j)
            end_i, end_j = meeting or (len(a), len(b))
            if meeting is None and end_i - i + end_j - j > 4 * _LOOKAHEAD:
                _add(opcodes, ("replace", i, end_i, j, end_j))  # the texts never meet again
            else:
                between = difflib.SequenceMatcher(None, a[i:end_i], b[j:end_j], autojunk=False)
                for tag, i1, i2, j1, j2 in between.get_opcodes():
                    _add(opcodes, (tag, i + i1, i + i2, j + j1, j + j2))
            i, j = end_i, end_j
        return opcodes


def _add(opcodes: list[Opcode], opcode: Opcode) -> None:
    """Append ``opcode``, merged into the last one when both keep lines (difflib never writes
    two ``equal`` in a row: its grouping would keep too much context)."""
    tag, i1, i2, j1, j2 = opcode
    if i1 == i2 and j1 == j2:
        return
    if tag == "equal" and opcodes and opcodes[-1][0] == "equal":
        _, start_i, _, start_j, _ = opcodes.pop()
        opcode = ("equal", start_i, i2, start_j, j2)
    opcodes.append(opcode)


def _meeting_point(a: Sequence[str], b: Sequence[str], i: int, j: int) -> tuple[int, int] | None:
    """Where the texts, parted at ``a[i]``/``b[j]``, meet again: the nearest pair of positions
    (fewest lines skipped in both) starting a run of equal lines or ending both texts; None
    beyond the lookahead."""
    for skipped in range(1, 2 * _LOOKAHEAD + 1):
        for skip_a in range(max(0, skipped - _LOOKAHEAD), min(skipped, _LOOKAHEAD) + 1):
            x, y = i + skip_a, j + skipped - skip_a
            if x <= len(a) and y <= len(b) and _meet(a, b, x, y):
                return x, y
    return None


def _meet(a: Sequence[str], b: Sequence[str], x: int, y: int) -> bool:
    run = min(_MEETING_RUN, len(a) - x, len(b) - y)
    if run < _MEETING_RUN and (len(a) - x, len(b) - y) != (run, run):
        return False  # a short run counts only when it ends both texts
    return all(a[x + k] == b[y + k] for k in range(run))
