"""Overhead benchmark: flake8 with the plugin vs the same flake8 without it, side by side.

    python benchmarks/bench.py DIR [DIR ...] [--repeat 3] [--jobs 1] [--plugin-args "--extend-select=AIO2"]

Builds (once, cached under benchmarks/.cache/) two virtualenvs with the same flake8 version: one
bare, one with this checkout installed.  Then, interleaving the two to share machine noise, it
times whole ``flake8`` runs over the directories and records each run's peak RSS; and in one
process it times, over the same already-read files, ``ast.parse``, a bare ``ast.walk`` of each
tree, and the plugin's own work on each tree.  It prints the ratios the project targets:

* the plugin adds <= 10 % to a default flake8 run (time and peak memory);
* the plugin's per-file work is <= 3x one bare ``ast.walk``.

Wall-clock time on a shared machine is noisy; ``--instructions N`` also counts CPU instructions
(valgrind's callgrind, repeatable run to run) for the plugin and for a bare ``ast.walk`` over the
first N files, net of parsing.  Numbers are measurements, not tests; nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import shlex
import statistics
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "benchmarks" / ".cache"
EXCLUDES = "site-packages,.git,__pycache__,.venv,.tox,build,dist"

_TIMED_RUN = (
    "import resource, subprocess, sys, time\n"
    "start = time.perf_counter()\n"
    "subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "elapsed = time.perf_counter() - start\n"
    "print(elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)

_IN_PROCESS = r"""
import ast, json, sys, time, warnings
from pathlib import Path
from flake8_async_patterns.plugin import AsyncPatternsChecker
from flake8_async_patterns.rules import RULES
from flake8_async_patterns.settings import Settings

roots, selection, repeat = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3])
excluded = {"site-packages", ".git", "__pycache__", ".venv", ".tox", "build", "dist"}
sources = []
for root in roots:
    for path in sorted(Path(root).rglob("*.py")):
        if excluded & set(path.parts):
            continue
        try:
            sources.append(path.read_bytes())
        except OSError:
            pass
warnings.simplefilter("ignore")
codes = [r.code for r in RULES]
if selection == "default":
    enabled = frozenset(r.code for r in RULES if r.default_enabled)
else:
    enabled = frozenset(c for c in codes if any(c.startswith(p) for p in selection.split(",")))
settings = Settings(enabled=enabled)

class Options:  # what flake8 hands the plugin after parse_options
    _aio_settings = settings

# One file at a time, as flake8 does: a heap holding every tree at once would make the garbage
# collector, not the code, dominate what is measured.
parse = walk = plugin = float("inf")
files = hits = 0
for _ in range(repeat):
    t_parse = t_walk = t_plugin = 0.0
    files = hits = 0
    for source in sources:
        start = time.perf_counter()
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        t_parse += time.perf_counter() - start
        start = time.perf_counter()
        for node in ast.walk(tree):
            pass
        t_walk += time.perf_counter() - start
        start = time.perf_counter()
        hits += sum(1 for _ in AsyncPatternsChecker(tree, "", Options).run())
        t_plugin += time.perf_counter() - start
        files += 1
        del tree
    parse, walk, plugin = min(parse, t_parse), min(walk, t_walk), min(plugin, t_plugin)
print(json.dumps({"files": files, "parse": parse, "walk": walk, "plugin": plugin, "hits": hits,
                  "enabled": sorted(enabled)}))
"""


_INSTRUCTIONS = r"""
import ast, json, sys, warnings
from pathlib import Path
from flake8_async_patterns.engine import Engine
from flake8_async_patterns.rules import CHECKERS, RULES
from flake8_async_patterns.settings import Settings
roots, mode, count, selection = json.loads(sys.argv[1]), sys.argv[2], int(sys.argv[3]), sys.argv[4]
warnings.simplefilter("ignore")
rules = RULES
def wanted(rule):
    if selection == "default":
        return rule.default_enabled
    return any(rule.code.startswith(p) for p in selection.split(","))
enabled = frozenset(r.code for r in rules if wanted(r))
trees = []
for root in roots:
    for path in sorted(Path(root).rglob("*.py")):
        if len(trees) >= count or {"site-packages", ".git", "__pycache__"} & set(path.parts):
            continue
        try:
            trees.append(ast.parse(path.read_bytes()))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            pass
if mode == "walk":
    for tree in trees:
        for node in ast.walk(tree):
            pass
elif mode == "plugin":
    settings = Settings(enabled=enabled)
    for tree in trees:
        Engine(tree, settings, CHECKERS).run()
"""


def instructions(python: Path, dirs: list[str], count: int, selection: str) -> dict[str, int]:
    """Callgrind instruction totals for parse-only, parse+walk and parse+plugin runs."""
    totals = {}
    for mode in ("parse", "walk", "plugin"):
        out = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                str(python),
                "-c",
                _INSTRUCTIONS,
                json.dumps(dirs),
                mode,
                str(count),
                selection,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        line = next(text for text in out.stderr.splitlines() if "Collected" in text)
        totals[mode] = int(line.split()[-1])
    return totals


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


def _flake8_version() -> str:
    from importlib.metadata import version

    return version("flake8")


def build_venvs(flake8_version: str) -> tuple[Path, Path]:
    base = _make_venv(CACHE / "venv-base", [f"flake8=={flake8_version}"])
    plugin_venv = CACHE / "venv-plugin"
    plugin = _make_venv(plugin_venv, [f"flake8=={flake8_version}"])
    # Reinstall the checkout every time: the benchmark measures the code as it is now.
    subprocess.run([str(plugin), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(ROOT)], check=True)
    return base, plugin


def timed_flake8(python: Path, args: list[str]) -> tuple[float, int]:
    flake8 = python.with_name("flake8")
    out = subprocess.run(
        [sys.executable, "-c", _TIMED_RUN, str(flake8), *args], capture_output=True, text=True, check=True
    )
    elapsed, rss = out.stdout.split()
    return float(elapsed), int(rss)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", default="1", help="flake8 --jobs (default 1: one process, clean peak RSS)")
    parser.add_argument("--plugin-args", default="", help="extra flake8 args for the plugin run only")
    parser.add_argument(
        "--select", default="default", help="in-process selection: 'default' or code prefixes, e.g. AIO1,AIO2"
    )
    parser.add_argument(
        "--instructions",
        type=int,
        default=0,
        metavar="N",
        help="also count instructions over the first N files (needs valgrind)",
    )
    parser.add_argument("--in-process-only", action="store_true", help="skip the whole-flake8 runs")
    args = parser.parse_args(argv)

    flake8_version = _flake8_version()
    base, plugin = build_venvs(flake8_version)
    dirs = [str(d.resolve()) for d in args.dirs]
    common = ["--exit-zero", f"--jobs={args.jobs}", f"--extend-exclude={EXCLUDES}", *dirs]
    plugin_extra = shlex.split(args.plugin_args)

    runs: dict[str, list[tuple[float, int]]] = {"without": [], "with": []}
    for _ in range(0 if args.in_process_only else args.repeat):
        runs["without"].append(timed_flake8(base, common))
        runs["with"].append(timed_flake8(plugin, [*plugin_extra, *common]))

    in_process = subprocess.run(
        [str(plugin), "-c", _IN_PROCESS, json.dumps(dirs), args.select, str(args.repeat)],
        capture_output=True,
        text=True,
        check=True,
    )
    stats = json.loads(in_process.stdout)

    print(f"flake8 {flake8_version}, Python {sys.version.split()[0]}, jobs={args.jobs}, repeat={args.repeat}")
    print(f"directories: {', '.join(dirs)}")
    print(f"files parsed in-process: {stats['files']}; plugin hits ({args.select}): {stats['hits']}")
    print()
    print(f"{'measure':<44}{'value':>12}")
    if runs["without"]:
        t_without = statistics.median(t for t, _ in runs["without"])
        t_with = statistics.median(t for t, _ in runs["with"])
        m_without = max(m for _, m in runs["without"])
        m_with = max(m for _, m in runs["with"])
        print(f"{'flake8 without plugin (median s)':<44}{t_without:>12.2f}")
        print(f"{'flake8 with plugin (median s)':<44}{t_with:>12.2f}")
        print(f"{'  added time':<44}{(t_with / t_without - 1) * 100:>11.1f}%   target <= 10%")
        print(f"{'peak RSS without plugin (MiB)':<44}{m_without / 1024:>12.1f}")
        print(f"{'peak RSS with plugin (MiB)':<44}{m_with / 1024:>12.1f}")
        print(f"{'  added peak memory':<44}{(m_with / m_without - 1) * 100:>11.1f}%   target <= 10%")
    print(f"{'ast.parse, file by file (best s)':<44}{stats['parse']:>12.3f}")
    print(f"{'bare ast.walk of each tree (best s)':<44}{stats['walk']:>12.3f}")
    print(f"{'plugin on each tree (best s)':<44}{stats['plugin']:>12.3f}")
    print(f"{'  plugin / ast.walk':<44}{stats['plugin'] / stats['walk']:>11.2f}x   target <= 3x")
    print(f"{'  plugin / (ast.parse + ast.walk)':<44}{stats['plugin'] / (stats['parse'] + stats['walk']):>11.2f}x")
    if args.instructions:
        counts = instructions(plugin, dirs, args.instructions, args.select)
        walk_ir = counts["walk"] - counts["parse"]
        plugin_ir = counts["plugin"] - counts["parse"]
        print(f"{'instructions, bare ast.walk (net, M)':<44}{walk_ir / 1e6:>12.1f}   first {args.instructions} files")
        print(f"{'instructions, plugin (net, M)':<44}{plugin_ir / 1e6:>12.1f}")
        print(f"{'  plugin / ast.walk (instructions)':<44}{plugin_ir / walk_ir:>11.2f}x   target <= 3x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
