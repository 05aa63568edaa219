"""What the standalone ``aio-lint`` costs, next to flake8 with the plugin and to parsing alone.

    python benchmarks/bench_aio_lint.py [DIR ...] [--repeat 5]

Per directory (default: ``/work/tmp/bench-std`` when it exists, else this interpreter's standard
library), whole processes, interleaved round by round so all share the machine's noise:

* ``aio-lint --isolated -j1 DIR`` and ``aio-lint --isolated DIR`` (one worker per CPU);
* ``flake8 --isolated --select=AIO -j1 DIR`` -- the same findings, with pyflakes and pycodestyle
  still run by flake8 and their results thrown away;
* a bare ``ast.parse`` of the same files (read as aio-lint reads them) in one process.

CPU time is user + system of the process and its children (the worker processes included),
median of ``--repeat`` rounds.  The line to quote is the last: ``aio-lint -j1 / ast.parse = ...``
(target: at most 2.5).  Numbers are measurements, not tests; nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_STD = Path("/work/tmp/bench-std")

# Runs one command (with this script's stdin as its stdin) and prints the CPU seconds of it and
# of its children (worker processes).
_TIMED_RUN = (
    "import resource, subprocess, sys\n"
    "data = sys.stdin.buffer.read()\n"
    "subprocess.run(sys.argv[1:], input=data, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(usage.ru_utime + usage.ru_stime)\n"
)

# The baseline: read each file as aio-lint does and parse it, nothing else.
_PARSE_ONLY = r"""
import ast, json, sys, tokenize, warnings
warnings.simplefilter("ignore")
for path in json.load(sys.stdin):
    try:
        with tokenize.open(path) as handle:
            text = handle.read()
    except (SyntaxError, UnicodeError):
        with open(path, encoding="latin-1") as handle:
            text = handle.read()
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
"""


def _tool(name: str) -> str:
    local = Path(sys.executable).with_name(name)
    return str(local) if local.exists() else name


def files_of(root: Path) -> list[str]:
    """The files aio-lint lints in ``root`` (its own discovery, default excludes)."""
    from flake8_async_patterns.command.config import build
    from flake8_async_patterns.command.lint import find_files

    return find_files([str(root)], build({}), "stdin")


def cpu(command: list[str], stdin: str | None = None) -> float:
    out = subprocess.run(
        [sys.executable, "-c", _TIMED_RUN, *command], input=stdin or "", capture_output=True, text=True, check=True
    )
    return float(out.stdout)


def measure(root: Path, repeat: int) -> dict[str, float]:
    files = files_of(root)
    listing = json.dumps(files)
    aio_lint, flake8 = _tool("aio-lint"), _tool("flake8")
    runs = {
        "ast.parse only": ([sys.executable, "-c", _PARSE_ONLY], listing),
        "aio-lint -j1": ([aio_lint, "--isolated", "-j1", str(root)], None),
        "aio-lint (one worker per CPU)": ([aio_lint, "--isolated", str(root)], None),
        "flake8 --select=AIO -j1 (plugin)": ([flake8, "--isolated", "--select=AIO", "-j1", str(root)], None),
    }
    times: dict[str, list[float]] = {label: [] for label in runs}
    for _ in range(repeat):
        for label, (command, stdin) in runs.items():
            times[label].append(cpu(command, stdin))
    medians = {label: statistics.median(values) for label, values in times.items()}
    base = medians["ast.parse only"]
    print(f"\n## {root}  ({len(files)} files)")
    print(f"{'command':<38}{'CPU s':>9}{'x parse':>9}")
    for label, value in medians.items():
        print(f"{label:<38}{value:>9.2f}{value / base:>9.2f}")
    return medians


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds (median; default 5)")
    args = parser.parse_args(argv)
    dirs = args.dirs or [BENCH_STD if BENCH_STD.is_dir() else Path(sysconfig.get_paths()["stdlib"])]
    print(f"Python {sys.version.split()[0]}, repeat={args.repeat}, CPU time = user + system incl. children")
    results = [measure(d.resolve(), args.repeat) for d in dirs]
    print()
    for d, medians in zip(dirs, results, strict=True):
        base, own = medians["ast.parse only"], medians["aio-lint -j1"]
        flake8 = medians["flake8 --select=AIO -j1 (plugin)"]
        print(
            f"aio-lint -j1 / ast.parse = {own / base:.2f} (target <= 2.5), "
            f"flake8 --select=AIO / aio-lint -j1 = {flake8 / own:.2f}   ({d.name})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
