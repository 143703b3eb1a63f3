"""``import compat.tokenizers`` time as a share of megatron-core 0.16.1's import.

Each measurement is a fresh interpreter that times only the import statement (interpreter start
is excluded), alternating ours and megatron-core's so machine load hits both alike; the median
of each is compared. Budget: ours < 15% of ``from megatron.core.tokenizers import
MegatronTokenizer``::

    python benchmarks/import_time.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys

BUDGET = 0.15
STATEMENTS = {
    "compat": "from compat.tokenizers import MegatronTokenizer",
    "megatron-core 0.16.1": "from megatron.core.tokenizers import MegatronTokenizer",
}
TIMER = (
    "import time, warnings\n"
    "warnings.simplefilter('ignore')\n"
    "start = time.perf_counter()\n"
    "{statement}\n"
    "print(time.perf_counter() - start)\n"
)


def import_seconds(statement: str) -> float:
    result = subprocess.run(
        [sys.executable, "-c", TIMER.format(statement=statement)],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise SystemExit(f"{statement!r} failed:\n{result.stderr.strip()[-2000:]}")
    return float(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)

    timings = {name: [] for name in STATEMENTS}
    for _ in range(args.repeats):
        for name, statement in STATEMENTS.items():
            timings[name].append(import_seconds(statement))
    medians = {name: statistics.median(values) for name, values in timings.items()}

    for name, statement in STATEMENTS.items():
        print(f"{name:<22}{medians[name] * 1000:>9.1f} ms  (median of {args.repeats})  {statement}")
    share = medians["compat"] / medians["megatron-core 0.16.1"]
    print(
        f"\ncompat / megatron-core = {share:.1%} (budget < {BUDGET:.0%}): "
        f"{'ok' if share < BUDGET else 'MISSED'}"
    )
    return 0 if share < BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
