"""Side by side with ruff: its blocking-call rules against ours, over one tree.

    python benchmarks/compare_ruff.py DIR [--json out.json]

Runs ``ruff check`` with ASYNC210/212/220/221/222/230/250/251 (``--preview``, so every one of them
runs) and this plugin's direct blocking rules (sleep, http, file, subprocess, database, input) over
the same ``.py`` files, maps ruff's codes onto ours,
and lists (a) every ruff hit we do not report on the same line under the matching code, and (b)
every hit of ours ruff lacks.  Each difference is either a fix to make or a documented choice.
"""

from __future__ import annotations

import argparse
import ast
import json
import shutil
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

from flake8_async_patterns.engine import Engine
from flake8_async_patterns.rules import CHECKERS, RULES
from flake8_async_patterns.settings import Settings

RUFF_TO_OURS = {
    "ASYNC251": "blocking-sleep",
    "ASYNC210": "blocking-http-call",
    "ASYNC212": "blocking-http-call",
    "ASYNC230": "blocking-file-io",
    "ASYNC220": "blocking-subprocess",
    "ASYNC221": "blocking-subprocess",
    "ASYNC222": "blocking-subprocess",
    "ASYNC250": "blocking-input",
}
OUR_NAMES = (
    "blocking-sleep",
    "blocking-http-call",
    "blocking-file-io",
    "blocking-subprocess",
    "blocking-database-call",
    "blocking-input",
)
EXCLUDED = {"site-packages", ".git", "__pycache__", ".venv", ".tox", "build", "dist"}


def ruff_command() -> list[str]:
    """How to run the installed ruff (the executable next to this Python, or ``-m ruff``)."""
    found = shutil.which("ruff") or str(Path(sys.executable).with_name("ruff"))
    return [found] if Path(found).exists() else [sys.executable, "-m", "ruff"]


def ruff_hits(root: Path) -> set[tuple[str, int, str]]:
    out = subprocess.run(
        [
            *ruff_command(),
            "check",
            "--isolated",
            "--preview",
            "--no-cache",
            "--exit-zero",
            "--output-format=json",
            "--select",
            ",".join(sorted(RUFF_TO_OURS)),
            str(root),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    hits = set()
    for item in json.loads(out.stdout or "[]"):
        path = Path(item["filename"])
        if EXCLUDED & set(path.parts) or item.get("code") not in RUFF_TO_OURS:
            continue  # syntax errors come back with no code
        hits.add((str(path.resolve()), item["location"]["row"], item["code"]))
    return hits


def our_hits(root: Path) -> set[tuple[str, int, str]]:
    by_name = {rule.name: rule.code for rule in RULES}
    settings = Settings(enabled=frozenset(by_name[name] for name in OUR_NAMES))
    hits = set()
    warnings.simplefilter("ignore")
    for path in sorted(root.rglob("*.py")):
        if EXCLUDED & set(path.parts):
            continue
        try:
            tree = ast.parse(path.read_bytes())
        except (SyntaxError, ValueError, RecursionError):
            continue
        for line, _, message in Engine(tree, settings, CHECKERS).run():
            hits.add((str(path.resolve()), line, message.split()[0]))
    return hits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--json", type=Path, help="write the differences here too")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    by_name = {rule.name: rule.code for rule in RULES}

    theirs = ruff_hits(root)
    ours = our_hits(root)
    mapped = {(path, line, by_name[RUFF_TO_OURS[code]]): code for path, line, code in theirs}
    missed = sorted((key, code) for key, code in mapped.items() if key not in ours)
    extra = sorted(key for key in ours if key not in mapped)

    def show(path: str) -> str:
        return str(Path(path).relative_to(root))

    print(f"ruff hits: {len(theirs)} {dict(Counter(code for *_, code in theirs))}")
    print(f"our hits:  {len(ours)} {dict(Counter(code for *_, code in ours))}")
    print(f"ruff hits we match: {len(mapped) - len(missed)} of {len(mapped)}")
    print(f"\n(a) ruff hits we miss: {len(missed)}")
    for (path, line, ours_code), code in missed:
        print(f"  {show(path)}:{line}: {code} (ours would be {ours_code})")
    print(f"\n(b) our hits ruff lacks: {len(extra)}")
    for path, line, code in extra:
        print(f"  {show(path)}:{line}: {code}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "missed": [[show(path), line, ours, theirs] for (path, line, ours), theirs in missed],
                    "extra": [[show(path), line, ours] for path, line, ours in extra],
                },
                indent=1,
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
