"""Start-up cost of the import hook, measured side by side in one run.

1. Interpreter start-up (``python -c pass``) in throw-away virtual environments that differ only
   by the hook's start-up files (``megatron_tokenizer_compat.pth`` and the finder module it
   imports, byte-compiled as pip leaves it). Budget: within 3%. Runs alternate between the
   environments so that machine noise hits all alike; the minimum and the median are compared.
   ``--compare PTH`` adds an environment with another ``.pth`` file (e.g. a previous release's,
   ``git show <rev>:megatron_tokenizer_compat.pth``), measured in the same rounds.
2. Instructions executed by that start-up (callgrind, when valgrind is installed): repeatable
   where wall time is noisy, but blind to the file system calls.
3. Imports after start-up: a batch of ~190 standard-library modules, imported with the hook
   registered (its finder last on ``sys.meta_path``, its path hook declining every directory
   but megatron's tokenizers package's) and without it.
4. The first legacy import in a fresh interpreter without megatron-core (the hook loads its code
   and serves the old module), next to importing the same class from its new home: what
   keeping old code running costs on top of the migrated code.

Usage: ``python benchmarks/startup.py [--runs N] [--compare PTH]``. Prints tables; exits 1 when
the start-up budget is exceeded.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
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
FINDER_FILE = "_megatron_tokenizer_compat_finder.py"
STARTUP_BUDGET = 1.03
SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
STDLIB_BATCH = (
    "import argparse, asyncio, decimal, email.mime.multipart, http.client, json, "
    "logging.handlers, sqlite3, unittest, xml.dom.minidom, zipfile"
)


def _make_venv(directory: Path, hook_files: list[Path]) -> Path:
    venv.EnvBuilder(with_pip=False).create(directory)
    python = directory / "bin" / "python"
    purelib = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # Every environment sees the project (as an install would); only the hook files differ.
    (purelib / "project.pth").write_text(str(PROJECT_ROOT) + "\n", encoding="utf-8")
    for file in hook_files:
        shutil.copy2(file, purelib / file.name)
        if file.suffix == ".py":
            compileall.compile_file(str(purelib / file.name), quiet=1)
    return python


def _wall_time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def measure_alternating(pythons: dict[str, Path], code: str, runs: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {label: [] for label in pythons}
    for python in pythons.values():  # warm the OS caches
        _wall_time([str(python), "-c", code])
    for run in range(runs):
        # Rotate the order: the later ones of a round find warmer caches.
        labels = list(pythons)
        shift = run % len(labels)
        for label in labels[shift:] + labels[:shift]:
            times[label].append(_wall_time([str(pythons[label]), "-c", code]))
    return times


def instructions(python: Path, code: str) -> int | None:
    """Instructions ``python -c code`` executes, counted by callgrind (None without valgrind)."""
    if shutil.which("valgrind") is None:
        return None
    completed = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", str(python), "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONHASHSEED": "0"},
        check=True,
    )
    collected = [line for line in completed.stderr.splitlines() if "Collected :" in line]
    return int(collected[-1].split()[-1])


def _site_without_megatron(work: Path) -> Path:
    view = work / "site-without-megatron"
    view.mkdir()
    for entry in SITE_PACKAGES.iterdir():
        if entry.name != "megatron" and not entry.name.startswith("megatron_core"):
            (view / entry.name).symlink_to(entry)
    return view


_LEGACY_IMPORT = "from megatron.core.tokenizers.text.models.gpt_tokenizer import GPTTokenizer"
_SERVED_IMPORT = "from megatron.core.tokenizers.text import MegatronTokenizerText"
_DIRECT_IMPORT = "from compat.tokenizers.text import MegatronTokenizerText"
IMPORTS = {
    f"legacy: {_LEGACY_IMPORT}": _LEGACY_IMPORT,
    f"served G3: {_SERVED_IMPORT}": _SERVED_IMPORT,
    f"direct: {_DIRECT_IMPORT}": _DIRECT_IMPORT,
}


def measure_first_import(statement: str, site: Path) -> float:
    """Seconds the statement takes in a fresh interpreter (warnings silenced: they cost I/O)."""
    code = (
        f"import site, time, warnings; site.addsitedir({str(site)!r}); "
        "warnings.simplefilter('ignore'); start = time.perf_counter(); "
        f"exec({statement!r}); print(time.perf_counter() - start)"
    )
    completed = subprocess.run(
        [sys.executable, "-S", "-c", code], capture_output=True, text=True, check=True
    )
    return float(completed.stdout)


def _print_ratios(title: str, times: dict[str, list[float]], baseline: str) -> list[float]:
    """Prints min and median per environment, and their ratios to ``baseline``; returns the
    two ratios of the environment with the hook."""
    print(title)
    print(f"{'':>22} {'min':>9} {'median':>9} {'min ratio':>10} {'median ratio':>13}")
    verdict: list[float] = []
    for label, samples in times.items():
        low, mid = min(samples), statistics.median(samples)
        ratios = (low / min(times[baseline]), mid / statistics.median(times[baseline]))
        print(
            f"{label:>22} {low * 1e3:>6.2f} ms {mid * 1e3:>6.2f} ms {ratios[0]:>10.3f}"
            f" {ratios[1]:>13.3f}"
        )
        if label == "with the hook":
            verdict = list(ratios)
    return verdict


def _print_instructions(title: str, counts: dict[str, int | None]) -> None:
    print(title)
    baseline = counts["without the hook"] or 1
    for label, count in counts.items():
        print(f"{label:>22} {(count or 0) / 1e6:>8.2f} M  x{(count or 0) / baseline:.4f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument(
        "--compare",
        type=Path,
        metavar="PTH",
        help="another .pth file to measure in the same rounds",
    )
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="startup-bench-") as directory:
        work = Path(directory)
        pythons = {
            "without the hook": _make_venv(work / "without", []),
            "with the hook": _make_venv(
                work / "with", [PROJECT_ROOT / PTH_FILE, PROJECT_ROOT / FINDER_FILE]
            ),
        }
        if options.compare:
            compared = work / "compared" / PTH_FILE
            compared.parent.mkdir()
            shutil.copy2(options.compare, compared)
            pythons[f"with {options.compare.name}"] = _make_venv(work / "other", [compared])
        startup = measure_alternating(pythons, "pass", options.runs)
        counts = {label: instructions(python, "pass") for label, python in pythons.items()}
        batch_counts = {
            label: instructions(python, STDLIB_BATCH) for label, python in pythons.items()
        }
        batch = measure_alternating(pythons, STDLIB_BATCH, max(options.runs // 3, 5))
        site = _site_without_megatron(work)
        import_times = {
            label: statistics.median(measure_first_import(statement, site) for _ in range(7))
            for label, statement in IMPORTS.items()
        }

    verdicts = _print_ratios(
        f"interpreter start-up (python -c pass), {options.runs} rounds", startup, "without the hook"
    )
    within = min(verdicts) <= STARTUP_BUDGET
    print(f"budget: with/without <= {STARTUP_BUDGET:.2f} -> {'OK' if within else 'EXCEEDED'}")
    baseline_count = counts["without the hook"]
    if baseline_count:
        _print_instructions("\ninstructions executed by python -c pass (callgrind)", counts)
    print()
    _print_ratios(
        "imports after start-up (~190 standard-library modules)", batch, "without the hook"
    )
    if baseline_count:
        _print_instructions(
            "instructions executed by those imports, start-up included", batch_counts
        )

    print("\nfirst import in a fresh interpreter without megatron-core (median of 7)")
    baseline = import_times[next(reversed(IMPORTS))]
    for label, seconds in import_times.items():
        print(f"{seconds * 1e3:>9.1f} ms  x{seconds / baseline:>5.2f}  {label}")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
