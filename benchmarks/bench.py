"""The cost model: what the plugin adds to flake8, per selection and per family, and how it scales.

    python benchmarks/bench.py [DIR ...] [--repeat 5] [--families] [--instructions N]
                               [--synthetic] [--profile] [--in-process-only]

With no DIR: the standard library of this interpreter and, when built, the dev corpus
(``benchmarks/corpus``).  Builds (once, cached under ``benchmarks/.cache/``) two virtualenvs with
the same flake8: one bare, one with this checkout installed.  Then, per directory:

* whole ``flake8`` runs (``--jobs=1``), interleaved round by round so both share the machine's
  noise: without the plugin, with the default selection, with every rule (``--select`` of AIO
  on top of flake8's defaults) and -- with ``--families`` -- each family alone.  CPU time
  (user + system of the child) median of ``--repeat`` rounds, and peak RSS;
* with ``--instructions N`` (needs valgrind): callgrind instruction counts of flake8 without the
  plugin, with the default selection and with every rule over a fixed sample of N files of the
  directory, with a fixed hash seed -- repeatable run to run;
* in-process, file by file as flake8 does: ``ast.parse``, one bare ``ast.walk`` of each tree,
  and the plugin's own work on each tree (default selection and everything).

``--synthetic`` times the plugin on generated files (1k to 200k lines of mixed async code, one
20,000-statement function, 5,000 sync helpers calling each other, 8,000 consecutive awaits, a
task local rebound 4,000 times) and prints its cost per 1,000 lines next to a bare ``ast.walk``:
every rule must stay linear in file size.  ``--profile`` prints the plugin's cProfile top 10.

The last line is the one to quote: ``plugin/base CPU = ..., instructions = ...`` (default
selection, all directories).  Numbers are measurements, not tests; nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
CORPUS = ROOT / "benchmarks" / "corpus"
EXCLUDED = {"site-packages", ".git", "__pycache__", ".venv", ".tox", "build", "dist", ".cache"}
FLAKE8_DEFAULT_SELECT = "E,F,W,C90"
FAMILIES = {
    "tasks": "AIO1",
    "blocking": "AIO2",
    "loop": "AIO3",
    "cancellation": "AIO4",
    "resources": "AIO5",
    "sqlalchemy": "AIO6",
    "django": "AIO7",
    "concurrency": "AIO8",
    "misc": "AIO9",
}

# Runs one command and prints the child's CPU seconds and peak RSS (KiB).
_TIMED_RUN = (
    "import resource, subprocess, sys\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(usage.ru_utime + usage.ru_stime, usage.ru_maxrss)\n"
)

# In the plugin venv: parse / walk / plugin, file by file (a heap of every tree at once would make
# the garbage collector, not the code, dominate what is measured).
_IN_PROCESS = r"""
import ast, json, sys, time, warnings
from flake8_async_patterns.plugin import AsyncPatternsChecker
from flake8_async_patterns.rules import RULES
from flake8_async_patterns.settings import Settings

paths, selection, repeat = json.loads(sys.stdin.read()), sys.argv[1], int(sys.argv[2])
warnings.simplefilter("ignore")
sources = []
for path in paths:
    with open(path, "rb") as handle:
        sources.append(handle.read())
enabled = frozenset(r.code for r in RULES if (r.default_enabled if selection == "default" else
                                               r.code.startswith(selection)))

class Options:  # what flake8 hands the plugin after parse_options
    _aio_settings = Settings(enabled=enabled)

import inspect as _inspect
_TAKES_LINES = "lines" in _inspect.signature(AsyncPatternsChecker).parameters


def make(tree, lines):  # the plugin as flake8 builds it (older checkouts take no ``lines``)
    if _TAKES_LINES:
        return AsyncPatternsChecker(tree=tree, filename="", lines=lines, options=Options)
    return AsyncPatternsChecker(tree=tree, filename="", options=Options)


clock = time.process_time
best = {"parse": float("inf"), "walk": float("inf"), "plugin": float("inf")}
files = hits = 0
for _ in range(repeat):
    spent = dict.fromkeys(best, 0.0)
    files = hits = 0
    for source in sources:
        start = clock()
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        spent["parse"] += clock() - start
        lines = source.decode("utf-8", "replace").splitlines(True)
        start = clock()
        for node in ast.walk(tree):
            pass
        spent["walk"] += clock() - start
        start = clock()
        hits += sum(1 for _ in make(tree, lines).run())
        spent["plugin"] += clock() - start
        files += 1
        del tree
    best = {key: min(best[key], spent[key]) for key in best}
print(json.dumps({"files": files, "hits": hits, **best}))
"""

# Under callgrind: parse only, parse + walk, or parse + plugin over the given files.
_INSTRUCTIONS = r"""
import ast, json, sys, warnings
from flake8_async_patterns.plugin import AsyncPatternsChecker
from flake8_async_patterns.rules import RULES
from flake8_async_patterns.settings import Settings
paths, mode, selection = json.loads(sys.stdin.read()), sys.argv[1], sys.argv[2]
warnings.simplefilter("ignore")
enabled = frozenset(r.code for r in RULES if (r.default_enabled if selection == "default" else
                                               r.code.startswith(selection)))

class Options:
    _aio_settings = Settings(enabled=enabled)

import inspect as _inspect
_TAKES_LINES = "lines" in _inspect.signature(AsyncPatternsChecker).parameters


def make(tree, lines):  # the plugin as flake8 builds it (older checkouts take no ``lines``)
    if _TAKES_LINES:
        return AsyncPatternsChecker(tree=tree, filename="", lines=lines, options=Options)
    return AsyncPatternsChecker(tree=tree, filename="", options=Options)


for path in paths:
    with open(path, "rb") as handle:
        source = handle.read()
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        continue
    if mode == "walk":
        for node in ast.walk(tree):
            pass
    elif mode == "plugin":
        list(make(tree, source.decode("utf-8", "replace").splitlines(True)).run())
"""

_PROFILE = r"""
import ast, cProfile, json, pstats, sys, warnings
from flake8_async_patterns.plugin import AsyncPatternsChecker
from flake8_async_patterns.rules import RULES
from flake8_async_patterns.settings import Settings
paths = json.loads(sys.stdin.read())
warnings.simplefilter("ignore")

class Options:
    _aio_settings = Settings(enabled=frozenset(r.code for r in RULES if r.default_enabled))

import inspect as _inspect
_TAKES_LINES = "lines" in _inspect.signature(AsyncPatternsChecker).parameters


def make(tree, lines):  # the plugin as flake8 builds it (older checkouts take no ``lines``)
    if _TAKES_LINES:
        return AsyncPatternsChecker(tree=tree, filename="", lines=lines, options=Options)
    return AsyncPatternsChecker(tree=tree, filename="", options=Options)


work = []
for path in paths:
    with open(path, "rb") as handle:
        source = handle.read()
    try:
        work.append((ast.parse(source), source.decode("utf-8", "replace").splitlines(True)))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        pass
profile = cProfile.Profile()
profile.enable()
for tree, lines in work:
    list(make(tree, lines).run())
profile.disable()
pstats.Stats(profile).sort_stats("tottime").print_stats(10)
"""


# --- environments -------------------------------------------------------------------------------
def _make_venv(path: Path, packages: list[str]) -> Path:
    python = path / "bin" / "python"
    marker = path / ".installed"
    wanted = json.dumps(packages)
    if marker.exists() and marker.read_text() == wanted:
        return python
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    subprocess.run([str(python), "-m", "pip", "install", "-q", *packages], check=True)
    marker.write_text(wanted)
    return python


def build_venvs(flake8_version: str) -> tuple[Path, Path]:
    base = _make_venv(CACHE / "venv-base", [f"flake8=={flake8_version}"])
    plugin = _make_venv(CACHE / "venv-plugin", [f"flake8=={flake8_version}"])
    # Reinstall the checkout every time: the benchmark measures the code as it is now.
    subprocess.run([str(plugin), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(ROOT)], check=True)
    return base, plugin


# --- measurements -------------------------------------------------------------------------------
def python_files(root: Path) -> list[str]:
    return [str(path) for path in sorted(root.rglob("*.py")) if not EXCLUDED & set(path.parts)]


def sample(files: list[str], count: int) -> list[str]:
    """``count`` files spread evenly over the sorted list (deterministic)."""
    if count >= len(files):
        return files
    step = len(files) / count
    return [files[int(i * step)] for i in range(count)]


def configurations(families: bool) -> list[tuple[str, str, list[str]]]:
    """(label, venv role, extra flake8 arguments)."""
    found = [
        ("flake8 without the plugin", "base", []),
        ("+ plugin, default selection", "plugin", []),
        ("+ plugin, every rule", "plugin", [f"--select={FLAKE8_DEFAULT_SELECT},AIO"]),
    ]
    if families:
        for name, prefix in FAMILIES.items():
            found.append(
                (f"+ plugin, {name} ({prefix}) alone", "plugin", [f"--select={FLAKE8_DEFAULT_SELECT},{prefix}"])
            )
    return found


def timed_flake8(python: Path, args: list[str]) -> tuple[float, int]:
    flake8 = python.with_name("flake8")
    out = subprocess.run(
        [sys.executable, "-c", _TIMED_RUN, str(flake8), *args], capture_output=True, text=True, check=True
    )
    cpu, rss = out.stdout.split()
    return float(cpu), int(rss)


def callgrind(command: list[str], stdin: str | None = None) -> int:
    # A fixed hash seed: with string hashing randomised, the same run varies by several per cent
    # (set iteration orders differ), which would drown the differences being measured.
    out = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONHASHSEED": "0"},
    )
    line = next((text for text in out.stderr.splitlines() if "Collected" in text), None)
    if line is None:
        raise RuntimeError(f"callgrind failed: {out.stderr[-500:]}")
    return int(line.split()[-1])


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.3f}" if base else "-"


def measure_directory(root: Path, pythons: dict[str, Path], args: argparse.Namespace) -> dict[str, float]:
    files = python_files(root)
    common = ["--exit-zero", "--jobs=1", "--isolated", f"--extend-exclude={','.join(sorted(EXCLUDED))}"]
    configs = configurations(args.families)
    print(f"\n## {root}  ({len(files)} files)")
    results: dict[str, dict] = {label: {"cpu": [], "rss": []} for label, _, _ in configs}
    if not args.in_process_only:
        for _ in range(args.repeat):  # interleaved: every configuration once per round
            for label, role, extra in configs:
                cpu, rss = timed_flake8(pythons[role], [*extra, *common, str(root)])
                results[label]["cpu"].append(cpu)
                results[label]["rss"].append(rss)
    counts: dict[str, int] = {}
    if args.instructions:
        chosen = sample(files, args.instructions)
        # Without the plugin, default selection, every rule (the families: CPU only -- each
        # callgrind run of flake8 takes minutes).
        for label, role, extra in configs[:3]:
            flake8 = pythons[role].with_name("flake8")
            counts[label] = callgrind([str(flake8), *extra, *common, *chosen])
    summary = {}
    if results[configs[0][0]]["cpu"]:
        base_cpu = statistics.median(results[configs[0][0]]["cpu"])
        base_rss = max(results[configs[0][0]]["rss"])
        base_ir = counts.get(configs[0][0], 0)
        header = f"{'configuration':<38}{'CPU s':>9}{'ratio':>8}{'peak MiB':>10}{'ratio':>8}"
        if counts:
            header += f"{'instr. M':>11}{'ratio':>8}"
        print(header)
        for label, _, _ in configs:
            cpu = statistics.median(results[label]["cpu"])
            rss = max(results[label]["rss"])
            line = f"{label:<38}{cpu:>9.2f}{_ratio(cpu, base_cpu):>8}{rss / 1024:>10.1f}{_ratio(rss, base_rss):>8}"
            if label in counts:
                line += f"{counts[label] / 1e6:>11.1f}{_ratio(counts[label], base_ir):>8}"
            print(line)
        default = configs[1][0]
        summary = {
            "cpu": statistics.median(results[default]["cpu"]) / base_cpu,
            "rss": max(results[default]["rss"]) / base_rss,
        }
        if counts:
            summary["instructions"] = counts[default] / base_ir
        print(f"(CPU: median of {args.repeat} interleaved rounds; instructions over {args.instructions or 0} files)")
    in_process(files, pythons["plugin"], args, summary)
    return summary


def in_process(files: list[str], plugin: Path, args: argparse.Namespace, summary: dict) -> None:
    print(f"\n{'in-process, file by file':<38}{'default':>12}{'every rule':>12}")
    stats = {}
    for selection in ("default", "AIO"):
        out = subprocess.run(
            [str(plugin), "-c", _IN_PROCESS, selection, str(max(1, args.repeat // 2))],
            input=json.dumps(files),
            capture_output=True,
            text=True,
            check=True,
        )
        stats[selection] = json.loads(out.stdout)
    default, everything = stats["default"], stats["AIO"]
    print(f"{'ast.parse (best CPU s)':<38}{default['parse']:>12.3f}{everything['parse']:>12.3f}")
    print(f"{'bare ast.walk (best CPU s)':<38}{default['walk']:>12.3f}{everything['walk']:>12.3f}")
    print(f"{'plugin (best CPU s)':<38}{default['plugin']:>12.3f}{everything['plugin']:>12.3f}")
    print(
        f"{'  plugin / ast.walk':<38}{default['plugin'] / default['walk']:>11.2f}x"
        f"{everything['plugin'] / everything['walk']:>11.2f}x   target <= 2x (default)"
    )
    print(f"{'  findings':<38}{default['hits']:>12}{everything['hits']:>12}")
    summary["plugin_per_walk"] = default["plugin"] / default["walk"]
    if args.instructions:
        chosen = json.dumps(sample(files, args.instructions))
        ir = {
            mode: callgrind([str(plugin), "-c", _INSTRUCTIONS, mode, "default"], stdin=chosen)
            for mode in ("parse", "walk", "plugin")
        }
        walk, own = ir["walk"] - ir["parse"], ir["plugin"] - ir["parse"]
        print(f"{'  plugin / ast.walk (instructions)':<38}{own / walk:>11.2f}x   over {args.instructions} files")
        summary["plugin_per_walk_ir"] = own / walk


# --- synthetic files ----------------------------------------------------------------------------
_BLOCK = """\
class Service{i}:
    def __init__(self, session):
        self.session = session
        self.items = []

    async def load{i}(self, ids):
        rows = []
        for item_id in ids:
            row = await self.session.get(Item, item_id)
            rows.append(row)
        return rows

    def render{i}(self, rows):
        return [str(row) for row in rows if row]


async def handler{i}(request, session):
    service = Service{i}(session)
    rows = await service.load{i}(request.ids)
    task = asyncio.create_task(notify(rows))
    background.add(task)
    try:
        await session.commit()
    except Exception:
        await session.rollback()
        raise
    return service.render{i}(rows)


def helper{i}(path):
    with open(path) as handle:
        return handle.read()
"""
_PRELUDE = "import asyncio\n\nbackground = set()\n\n\nasync def notify(rows):\n    return rows\n\n\n"


def synthetic_sources() -> dict[str, str]:
    block_lines = _BLOCK.count("\n") + 2
    found = {}
    for lines in (1_000, 10_000, 50_000, 200_000):
        blocks = "\n\n".join(_BLOCK.format(i=i) for i in range(max(1, lines // block_lines)))
        found[f"mixed async code, {lines:,} lines"] = _PRELUDE + blocks
    big = "".join(
        f"    x{i} = await fetch(x{i - 1})\n"
        if i % 3 == 0
        else f"    if x{i - 1}:\n        x{i} = x{i - 1} + 1\n    else:\n        x{i} = 0\n"
        for i in range(1, 20_001)
    )
    found["one 20,000-statement function"] = "async def fetch(x):\n    return x\n\n\nasync def big(x0):\n" + big
    helpers = "import time\n\n\ndef h0():\n    time.sleep(1)\n\n\n" + "".join(
        f"def h{i}():\n    h{i - 1}()\n\n\n" for i in range(1, 5_000)
    )
    found["5,000 sync helpers calling each other"] = helpers + "async def main():\n    h4999()\n"
    awaits = "".join(f"    x{i} = await get{i % 7}(a)\n" for i in range(8_000))
    found["8,000 consecutive awaits"] = "async def f(a, get0, get1, get2, get3, get4, get5, get6):\n" + awaits
    rebinds = "".join("    task = asyncio.create_task(work())\n    print(task)\n" for _ in range(4_000))
    found["a task local rebound 4,000 times"] = (
        "import asyncio\n\n\nasync def work():\n    pass\n\n\nasync def f():\n" + rebinds
    )
    return found


_SYNTHETIC = r"""
import ast, json, sys, time, warnings
from flake8_async_patterns.plugin import AsyncPatternsChecker
from flake8_async_patterns.settings import Settings
warnings.simplefilter("ignore")
source = sys.stdin.read()

class Options:
    _aio_settings = Settings()  # every rule

import inspect as _inspect
_TAKES_LINES = "lines" in _inspect.signature(AsyncPatternsChecker).parameters


def make(tree, lines):  # the plugin as flake8 builds it (older checkouts take no ``lines``)
    if _TAKES_LINES:
        return AsyncPatternsChecker(tree=tree, filename="", lines=lines, options=Options)
    return AsyncPatternsChecker(tree=tree, filename="", options=Options)


tree = ast.parse(source)
lines = source.splitlines(True)
walk = plugin = float("inf")
for _ in range(3):  # best of three, or of one when a run takes seconds (the 200k-line file)
    start = time.process_time()
    for node in ast.walk(tree):
        pass
    walk = min(walk, time.process_time() - start)
    start = time.process_time()
    list(make(tree, lines).run())
    plugin = min(plugin, time.process_time() - start)
    if plugin > 2:
        break
print(json.dumps({"lines": len(lines), "walk": walk, "plugin": plugin}))
"""
SYNTHETIC_TIMEOUT = 300  # seconds per file: a rule that is not linear shows up as a timeout


def synthetic(plugin: Path) -> None:
    print("\n## synthetic files (every rule)")
    print(f"{'file':<40}{'lines':>9}{'plugin ms':>11}{'ms/1k lines':>13}{'walk ms/1k':>12}{'x walk':>8}")
    for name, source in synthetic_sources().items():
        try:
            out = subprocess.run(
                [str(plugin), "-c", _SYNTHETIC],
                input=source,
                capture_output=True,
                text=True,
                check=True,
                timeout=SYNTHETIC_TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            print(f"{name:<40}{source.count(chr(10)):>9}{'> ' + str(SYNTHETIC_TIMEOUT) + ' s':>24}")
            continue
        item = json.loads(out.stdout)
        plugin_ms, per_k = item["plugin"] * 1e3, item["plugin"] * 1e6 / item["lines"]
        walk_k = item["walk"] * 1e6 / item["lines"]
        print(f"{name:<40}{item['lines']:>9}{plugin_ms:>11.1f}{per_k:>13.2f}{walk_k:>12.2f}{per_k / walk_k:>8.2f}")


def profile(plugin: Path, files: list[str]) -> None:
    print("\n## cProfile of the plugin (default selection), top 10 by own time")
    out = subprocess.run(
        [str(plugin), "-c", _PROFILE], input=json.dumps(files), capture_output=True, text=True, check=True
    )
    print("\n".join(line for line in out.stdout.splitlines() if line.strip()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--repeat", type=int, default=5, help="interleaved rounds (median; default 5)")
    parser.add_argument("--families", action="store_true", help="also time each family alone")
    parser.add_argument("--instructions", type=int, default=0, metavar="N", help="callgrind over N files (valgrind)")
    parser.add_argument("--synthetic", action="store_true", help="the scaling table on generated files")
    parser.add_argument("--profile", action="store_true", help="cProfile top 10 of the plugin")
    parser.add_argument("--in-process-only", action="store_true", help="skip the whole-flake8 runs")
    args = parser.parse_args(argv)

    from importlib.metadata import version

    flake8_version = version("flake8")
    base, plugin = build_venvs(flake8_version)
    pythons = {"base": base, "plugin": plugin}
    dirs = args.dirs or [Path(sysconfig.get_paths()["stdlib"]), *([CORPUS] if CORPUS.is_dir() else [])]
    print(f"flake8 {flake8_version}, Python {sys.version.split()[0]}, repeat={args.repeat}")
    summaries = [measure_directory(d.resolve(), pythons, args) for d in dirs]
    if args.profile:
        profile(plugin, [f for d in dirs for f in python_files(d.resolve())])
    if args.synthetic:
        synthetic(plugin)
    cpu = [s["cpu"] for s in summaries if "cpu" in s]
    ir = [s["instructions"] for s in summaries if "instructions" in s]
    walk = [s["plugin_per_walk"] for s in summaries]
    print()
    print(
        "plugin/base CPU = "
        + ", ".join(f"{value:.3f}" for value in cpu or [float("nan")])
        + ", instructions = "
        + (", ".join(f"{value:.3f}" for value in ir) if ir else "n/a")
        + ", plugin/ast.walk = "
        + ", ".join(f"{value:.2f}" for value in walk)
        + f"   ({', '.join(d.name for d in dirs)}; default selection)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
