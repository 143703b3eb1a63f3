"""Start-up cost of the import hook, measured side by side in one run.

1. Interpreter start-up (``python -c pass``) in two throw-away virtual environments that differ
   only by ``megatron_tokenizer_compat.pth`` (budget: within 3%). Runs alternate between the
   two so that machine noise hits both alike; the minimum and the median are compared.
2. The first legacy import in a fresh interpreter without megatron-core (the hook imports
   ``compat.importhook`` and serves the old module), next to importing the same class from its
   new home: what keeping old code running costs on top of the migrated code.

Usage: ``python benchmarks/startup.py [--runs N]``. Prints a table; exits 1 when the start-up
budget is exceeded.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import venv
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PTH_FILE = "megatron_tokenizer_compat.pth"
STARTUP_BUDGET = 1.03
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])


def _make_venv(directory: Path, with_hook: bool) -> Path:
    venv.EnvBuilder(with_pip=False).create(directory)
    python = directory / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    # Both environments see the project (as an install would); only one has the hook.
    Path(purelib, "project.pth").write_text(str(PROJECT_ROOT) + "\n", encoding="utf-8")
    if with_hook:
        Path(purelib, PTH_FILE).write_text((PROJECT_ROOT / PTH_FILE).read_text(), encoding="utf-8")
    return python


def _wall_time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def measure_startup(runs: int, work: Path) -> tuple[list[float], list[float]]:
    with_hook = _make_venv(work / "with-hook", with_hook=True)
    without_hook = _make_venv(work / "without-hook", with_hook=False)
    for python in (with_hook, without_hook):  # warm the OS caches
        _wall_time([str(python), "-c", "pass"])
    times_with: list[float] = []
    times_without: list[float] = []
    for run in range(runs):
        # Alternate which goes first: the second of a pair finds warmer caches.
        pair = [(with_hook, times_with), (without_hook, times_without)]
        for python, times in pair if run % 2 else reversed(pair):
            times.append(_wall_time([str(python), "-c", "pass"]))
    return times_with, times_without


def measure_pth_line(repeat: int = 2000) -> float:
    """Seconds ``site`` spends on the .pth line itself (compile and run), in this process."""
    line = (PROJECT_ROOT / PTH_FILE).read_text(encoding="utf-8")
    start = time.perf_counter()
    for _ in range(repeat):
        exec(compile(line, PTH_FILE, "exec"), {})  # noqa: S102 - what site.addpackage does
        sys.meta_path.pop()
    return (time.perf_counter() - start) / repeat


def _site_without_megatron(work: Path) -> Path:
    view = work / "site-without-megatron"
    view.mkdir()
    for entry in SITE_PACKAGES.iterdir():
        if entry.name != "megatron" and not entry.name.startswith("megatron_core"):
            (view / entry.name).symlink_to(entry)
    return view


IMPORTS = {
    "legacy: from megatron.core.tokenizers.text.models.gpt_tokenizer import GPTTokenizer":
        "from megatron.core.tokenizers.text.models.gpt_tokenizer import GPTTokenizer",
    "served G3: from megatron.core.tokenizers.text import MegatronTokenizerText":
        "from megatron.core.tokenizers.text import MegatronTokenizerText",
    "direct: from compat.tokenizers.text import MegatronTokenizerText":
        "from compat.tokenizers.text import MegatronTokenizerText",
}


def measure_first_import(statement: str, site: Path) -> float:
    """Seconds the statement takes in a fresh interpreter (warnings silenced: they cost I/O)."""
    code = (
        f"import site, time, warnings; site.addsitedir({str(site)!r}); "
        "warnings.simplefilter('ignore'); start = time.perf_counter(); "
        f"exec({statement!r}); print(time.perf_counter() - start)"
    )
    completed = subprocess.run([sys.executable, "-S", "-c", code], capture_output=True,
                               text=True, check=True)
    return float(completed.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="startup-bench-") as directory:
        work = Path(directory)
        times_with, times_without = measure_startup(options.runs, work)
        site = _site_without_megatron(work)
        import_times = {
            label: statistics.median(measure_first_import(statement, site) for _ in range(7))
            for label, statement in IMPORTS.items()
        }

    print(f"interpreter start-up, {options.runs} alternating runs each (python -c pass)")
    print(f"{'':>10} {'without .pth':>14} {'with .pth':>12} {'ratio':>8}")
    verdicts = []
    for name, pick in (("min", min), ("median", statistics.median)):
        ratio = pick(times_with) / pick(times_without)
        verdicts.append(ratio)
        print(f"{name:>10} {pick(times_without) * 1e3:>11.1f} ms {pick(times_with) * 1e3:>9.1f} ms"
              f" {ratio:>8.3f}")
    within = min(verdicts) <= STARTUP_BUDGET
    print(f"budget: with/without <= {STARTUP_BUDGET:.2f} -> {'OK' if within else 'EXCEEDED'}")
    line_cost = measure_pth_line()
    print(f"the .pth line alone: {line_cost * 1e6:.0f} us = "
          f"{line_cost / min(times_without) * 100:.2f}% of the fastest start-up")

    print("\nfirst import in a fresh interpreter without megatron-core (median of 7)")
    baseline = import_times[next(reversed(IMPORTS))]
    for label, seconds in import_times.items():
        print(f"{seconds * 1e3:>9.1f} ms  x{seconds / baseline:>5.2f}  {label}")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
