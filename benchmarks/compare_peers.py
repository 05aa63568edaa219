"""Side by side with the peers, ruff and flake8-async, on the parity rules.

    python benchmarks/compare_peers.py PATH [PATH...] [--flake8-async-python P] [--json OUT]
                                       [--list-ours] [--pair CODE=rule-name ...]

Lints the same ``.py`` files (site-packages, .git, __pycache__, .venv, .tox, build and dist left
out; handed to every tool by name, so a .gitignore'd corpus is linted too) three ways:
``ruff check --isolated --preview`` with the peer codes below; flake8-async in asyncio mode
(``--asyncio``), run by ``P -m flake8`` when ``--flake8-async-python P`` names a Python that has
it (it is no dependency of this project); and this plugin in-process, every rule on and the
test-files policy off, so test code is compared too (how many of our hits the default policy
would see as test code is printed).  Our rules are found by name.  A peer hit and ours match when
they share the file, the line and the rule.  Per peer code: matched, peer-only and ours-only
(our hits of the mapped rule that code does not flag on that line); then every peer-only hit, with
our other rules that report on its line, and, with ``--list-ours``, every ours-only hit.  A code
the installed peer lacks is said so, not run.  ``--pair ASYNC230=blocking-file-io``
(repeatable) replaces the default mapping, to try the plumbing on other rules.
"""

from __future__ import annotations

import argparse
import ast
import json
import subprocess
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

from compare_ruff import EXCLUDED, ruff_command  # the same tree walk and ruff as the blocking-rule comparison

from flake8_async_patterns.engine import Engine
from flake8_async_patterns.rules import CHECKERS, RULES
from flake8_async_patterns.settings import Settings

PEER_TO_OURS = {
    "ASYNC100": "timeout-without-await",
    "ASYNC101": "yield-in-cancel-scope",
    "ASYNC119": "yield-in-cancel-scope",  # with ASYNC101: the asyncio variants of one mistake
    "ASYNC110": "busy-wait-loop",
    "ASYNC232": "blocking-file-object-method",
    "ASYNC240": "blocking-path-metadata",
}
OURS_ONLY = ("task-exception-never-observed",)  # no peer has it: our hits are counted only
CHUNK = 400  # files per peer command line
FLAKE8_FORMAT = "%(path)s\t%(row)d\t%(col)d\t%(code)s\t%(text)s"
F8A_CODES = (
    "from flake8_async.visitors import ERROR_CLASSES as A, ERROR_CLASSES_CST as B\n"
    "print(*{c.split('_')[0] for k in (*A, *B) for c in k.error_codes})"
)

Hit = tuple[str, int, int, str, str]  # path, line, column (1-based), code or rule name, message


def python_files(paths: list[Path]) -> list[tuple[Path, str]]:
    """Every file to lint, with its path from the argument it came from (for the test-files policy)."""
    found = []
    for root in paths:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            if not EXCLUDED & set(path.parts):
                relative = path.name if path == root else path.relative_to(root).as_posix()
                found.append((path.resolve(), "/" + relative))
    return found


def _run(command: list[str], what: str) -> str:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"compare_peers: {what} failed (exit {result.returncode}):\n{result.stderr.strip()}")
    return result.stdout


def ruff_hits(files: list[Path], codes: list[str]) -> tuple[list[Hit], list[str]]:
    """Hits of the ``codes`` the installed ruff has, and the codes it lacks."""
    ruff = ruff_command()
    run = [code for code in codes if subprocess.run([*ruff, "rule", code], capture_output=True).returncode == 0]
    version = _run([*ruff, "--version"], "ruff --version").strip()
    print(f"ruff: {version}" + "".join(f"; has no {code}" for code in codes if code not in run))
    hits = []
    for start in range(0, len(files) * bool(run), CHUNK):
        command = [*ruff, "check", "--isolated", "--preview", "--no-cache", "--exit-zero", "--output-format=json"]
        out = _run([*command, "--select", ",".join(run), *map(str, files[start : start + CHUNK])], "ruff")
        for item in json.loads(out or "[]"):
            if item.get("code") in run:  # syntax errors come back with no code
                row, col = item["location"]["row"], item["location"]["column"]
                hits.append((str(Path(item["filename"]).resolve()), row, col, item["code"], item["message"]))
    return hits, [code for code in codes if code not in run]


def flake8_async_hits(python: str, files: list[Path], codes: list[str]) -> tuple[list[Hit], list[str]]:
    """Hits of flake8-async (asyncio mode) run by ``python -m flake8``, and the codes it lacks."""
    print("flake8-async:", _run([python, "-m", "flake8", "--version"], "flake8 --version").strip())
    known = subprocess.run([python, "-c", F8A_CODES], capture_output=True, text=True)
    run = [code for code in codes if known.returncode or code in known.stdout.split()]
    print("".join(f"flake8-async has no {code}\n" for code in codes if code not in run), end="")
    selection = ",".join(run)
    command = [python, "-m", "flake8", "--isolated", "--asyncio", "--exit-zero", f"--format={FLAKE8_FORMAT}"]
    command += [f"--select={selection}", f"--enable={selection}"]
    hits, chunks = [], [files[start : start + CHUNK] for start in range(0, len(files) * bool(run), CHUNK)]
    while chunks:
        chunk = chunks.pop()
        result = subprocess.run([*command, *map(str, chunk)], capture_output=True, text=True)
        if result.returncode and len(chunk) > 1:  # one file it cannot parse stops the run: halve to find it
            chunks += [chunk[: len(chunk) // 2], chunk[len(chunk) // 2 :]]
        elif result.returncode:
            error = (result.stdout + result.stderr).strip().splitlines() or [f"exit {result.returncode}"]
            print(f"flake8-async failed on {chunk[0]}, left out: {error[0][:300]}")
        else:
            for line in result.stdout.splitlines():
                path, row, col, code, message = line.split("\t", 4)
                if code in run:
                    hits.append((str(Path(path).resolve()), int(row), int(col), code, message))
    return hits, [code for code in codes if code not in run]


def our_hits(files: list[tuple[Path, str]], names: set[str]) -> tuple[list[Hit], list[Hit]]:
    """Every rule's hits, named by rule, with the test-files policy off (the other rules tell where a
    peer's hit went), and our internal errors (a checker raised: its findings there are lost)."""
    by_code = {rule.code: rule.name for rule in RULES}
    missing = sorted(names - set(by_code.values()))
    if missing:
        sys.exit(f"compare_peers: rule(s) not registered in flake8_async_patterns: {', '.join(missing)}")
    settings = Settings(enabled=None, test_files=())
    hits, internal = [], []
    warnings.simplefilter("ignore")
    for path, relative in files:
        try:
            source = path.read_bytes()
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        text = source.decode("utf-8", "replace")
        for line, col, message in Engine(tree, settings, CHECKERS, source=text, filename=relative).run():
            code, _, rest = message.partition(" ")
            found = hits if code in by_code else internal
            found.append((str(path), line, col + 1, by_code.get(code, "internal-error"), rest))
    return hits, internal


def compare(peer: list[Hit], ours: list[Hit], mapping: dict[str, str], lacking: list[str]) -> dict:
    """Per peer code and per group of codes mapped onto one rule: matched, peer-only, ours-only."""
    ours_at = {(path, line, name) for path, line, _, name, _ in ours}
    by_code = defaultdict(set)
    for path, line, _, code, _ in peer:
        by_code[code].add((path, line, mapping[code]))
    groups = defaultdict(list)
    for code, name in mapping.items():
        groups[name].append(code)
    rows = {}
    for name, codes in groups.items():
        mine = {key for key in ours_at if key[2] == name}
        for label, subset in [(code, [code]) for code in codes] + [("+".join(codes), codes)] * (len(codes) > 1):
            ran = [code for code in subset if code not in lacking]
            theirs = set().union(*(by_code[code] for code in ran))
            rows[label] = (name, [len(theirs & mine), len(theirs - mine), len(mine - theirs)] if ran else None)
    matched = set().union(set(), *by_code.values())
    return {
        "rows": rows,
        "peer_only": sorted(hit for hit in peer if (hit[0], hit[1], mapping[hit[3]]) not in ours_at),
        "ours_only": sorted(h for h in ours if h[3] in groups and (h[0], h[1], h[3]) not in matched),
    }


def show(hit: Hit) -> str:
    path, line, col, code, message = hit
    if Path(path).is_relative_to(Path.cwd()):
        path = str(Path(path).relative_to(Path.cwd()))
    return f"  {path}:{line}:{col}: {code} {message}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", type=Path, nargs="+", metavar="PATH")
    parser.add_argument("--flake8-async-python", metavar="P", help="a Python with flake8 and flake8-async")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the results here too")
    parser.add_argument("--list-ours", action="store_true", help="list every ours-only hit too")
    parser.add_argument("--pair", action="append", metavar="CODE=NAME", help="replaces the default mapping")
    args = parser.parse_args(argv)
    if any("=" not in pair for pair in args.pair or ()):
        parser.error("--pair: expected CODE=rule-name, such as ASYNC230=blocking-file-io")
    mapping = dict(pair.split("=", 1) for pair in args.pair) if args.pair else PEER_TO_OURS
    extra = () if args.pair else OURS_ONLY
    wanted = {*mapping.values(), *extra}
    files = python_files(args.paths)
    paths, timings, peers = [path for path, _ in files], {}, {}
    start = time.perf_counter()
    everything, internal = our_hits(files, wanted)
    ours, elsewhere = [hit for hit in everything if hit[3] in wanted], defaultdict(set)
    for path, line, _, name, _ in everything:  # where a peer-only hit may have gone instead
        if name not in wanted:
            elsewhere[path, line].add(name)
    timings["ours"], start = time.perf_counter() - start, time.perf_counter()
    peers["ruff"] = ruff_hits(paths, sorted(mapping))
    timings["ruff"], start = time.perf_counter() - start, time.perf_counter()
    if args.flake8_async_python:
        peers["flake8-async"] = flake8_async_hits(args.flake8_async_python, paths, sorted(mapping))
        timings["flake8-async"] = time.perf_counter() - start
    else:
        print("flake8-async: skipped (no --flake8-async-python given)")
    if internal:
        print(f"our internal errors: {len(internal)} (findings lost in those files), first:\n{show(internal[0])}")
    print(f"files: {len(files)}; seconds: " + ", ".join(f"{tool} {secs:.1f}" for tool, secs in timings.items()))

    results = {tool: compare(hits, ours, mapping, lacking) for tool, (hits, lacking) in peers.items()}
    print("\nper peer code, against each peer: matched / peer-only / ours-only")
    print(f"{'peer code':<18} {'our rule':<30}" + "".join(f"{tool:>24}" for tool in results))
    for label, (name, _) in next(iter(results.values()))["rows"].items():
        cells = []
        for tool, result in results.items():
            cell = result["rows"][label][1]
            cells.append(f"{' / '.join(map(str, cell)) if cell else 'n/a (not in ' + tool + ')':>24}")
        print(f"{label:<18} {name:<30}" + "".join(cells))
    for name in extra:
        print(f"{'(no peer)':<18} {name:<30}{sum(hit[3] == name for hit in ours):>24} (ours, no peer has it)")
    rules, relative = {rule.name: rule for rule in RULES}, {str(path): rel for path, rel in files}
    in_tests = [hit for hit in ours if Settings().is_test_file(relative[hit[0]])]
    dropped = sum(not rules[hit[3]].in_test_files for hit in in_tests)
    print(f"\nour hits: {len(ours)}; in test files under the default --aio-test-files: {len(in_tests)}", end="")
    print(f" ({dropped} of them from rules not reported in test files)")
    for tool, result in results.items():
        result["peer_only"] = [[*hit, sorted(elsewhere[hit[:2]])] for hit in result["peer_only"]]
        print(f"\n{tool}-only hits: {len(result['peer_only'])}  [our other rules on that line]")
        print("\n".join(show(hit[:5]) + (f"  [{', '.join(hit[5])}]" if hit[5] else "") for hit in result["peer_only"]))
        if args.list_ours:
            print(f"\nours-only hits (vs {tool}): {len(result['ours_only'])}")
            print("\n".join(map(show, result["ours_only"])))
    if args.json:
        for result in results.values():
            rows = result["rows"].items()
            result["rows"] = {
                label: {"rule": name, "matched/peer-only/ours-only": cell} for label, (name, cell) in rows
            }
        summary = {"timings": timings, "ours": len(ours), "ours_in_test_files": len(in_tests)}
        args.json.write_text(json.dumps({**summary, **results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
