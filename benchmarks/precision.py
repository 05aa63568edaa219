"""Precision on real code: the default selection's hits per code, library and test code apart,
against a file of reviewed verdicts.

    python benchmarks/precision.py [DIR ...] [--sample 30] [--seed 9] [--reviewed FILE]
                                   [--show-unreviewed] [--list CODE]

With no DIR: the dev corpus (``benchmarks/corpus``, built by ``benchmarks/corpus.py``).  Each
file is linted as flake8 would (default selection, the test-files policy on, paths relative to
its DIR).  A file is *test code* when it matches the default ``--aio-test-files`` patterns.

For every code a reproducible random sample of at most ``--sample`` hits is drawn: the hits whose
seeded hash of ``path:line:code`` is smallest.  A hit's place in that order depends on nothing
else, so a change that removes or adds hits changes the sample only by those hits (and the ones
that move up to fill it) -- the verdicts of the rest still apply.  ``--reviewed`` (default
``benchmarks/reviewed.txt``) holds one verdict per line::

    prefect-3.9.1/prefect/server/api/workers.py:732:<CODE> true  one request session, four queries gathered

where the verdict is ``true`` (a real mistake a maintainer would fix or deliberately suppress),
``noisy`` (right by the rule's letter, but they would shrug) or ``false`` (not a mistake).  The
table shows, per code, the hits, how many sampled hits have a verdict, and precision = true /
reviewed.  Verdicts whose hit is no longer reported are listed (a change made them obsolete --
or fixed them), and so, with ``--show-unreviewed``, are sampled hits that have none yet.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import inspect
import sys
import warnings
from collections import Counter, defaultdict
from pathlib import Path

from flake8_async_patterns.rules import RULES
from flake8_async_patterns.runner import lint_tree
from flake8_async_patterns.settings import Settings

HERE = Path(__file__).resolve().parent
EXCLUDED = {"site-packages", ".git", "__pycache__", ".venv", ".tox", "build", "dist"}
VERDICTS = ("true", "noisy", "false")
_LINT_TAKES = set(inspect.signature(lint_tree).parameters)  # older checkouts take fewer arguments


def hits_in(root: Path, settings: Settings) -> list[tuple[str, int, str, str]]:
    """(relative path, line, code, message) for every default-on hit under ``root``."""
    found = []
    warnings.simplefilter("ignore")
    for path in sorted(root.rglob("*.py")):
        if EXCLUDED & set(path.parts):
            continue
        try:
            source = path.read_bytes()
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        relative = path.relative_to(root).as_posix()
        extra = {}
        if "source" in _LINT_TAKES:
            extra["source"] = source.decode("utf-8", "replace")
        if "filename" in _LINT_TAKES:
            extra["filename"] = relative
        for line, _, message in lint_tree(tree, settings, **extra):
            found.append((relative, line, message.split(" ", 1)[0], message))
    return found


def is_test(relative: str) -> bool:
    matcher = getattr(Settings(), "is_test_file", None)  # older checkouts have no test-files policy
    return bool(matcher and matcher("/" + relative))


def read_reviewed(path: Path) -> dict[tuple[str, int, str], tuple[str, str]]:
    reviewed = {}
    if not path.exists():
        return reviewed
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        where, _, rest = text.partition(" ")
        verdict, _, reason = rest.strip().partition(" ")
        file, line, code = where.rsplit(":", 2)
        if verdict not in VERDICTS:
            raise SystemExit(f"{path}:{number}: verdict must be one of {', '.join(VERDICTS)}, got {verdict!r}")
        reviewed[(file, int(line), code)] = (verdict, reason.strip())
    return reviewed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dirs", nargs="*", type=Path)
    parser.add_argument("--sample", type=int, default=30)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--reviewed", type=Path, default=HERE / "reviewed.txt")
    parser.add_argument("--show-unreviewed", action="store_true")
    parser.add_argument("--list", metavar="CODE", help="print every hit of one code")
    args = parser.parse_args(argv)

    dirs = args.dirs or [HERE / "corpus"]
    enabled = frozenset(rule.code for rule in RULES if rule.default_enabled)
    settings = Settings(enabled=enabled)
    hits = []
    for root in dirs:
        prefix = root.resolve().name if len(dirs) > 1 else ""
        for relative, line, code, message in hits_in(root.resolve(), settings):
            hits.append((f"{prefix}/{relative}" if prefix else relative, line, code, message))
    reviewed = read_reviewed(args.reviewed)

    by_code: dict[str, list] = defaultdict(list)
    for hit in hits:
        by_code[hit[2]].append(hit)
    if args.list:
        for path, line, _, message in by_code.get(args.list, []):
            print(f"{path}:{line}: {message}")
        return 0

    print(
        f"{'code':<8}{'library':>9}{'test':>7}{'sample':>8}{'reviewed':>10}{'true':>6}{'noisy':>7}{'false':>7}{'precision':>11}"
    )
    totals: Counter = Counter()
    unreviewed = []
    sampled = []  # (path, line, code) of every sampled hit
    for code in sorted(by_code):
        items = sorted(by_code[code])
        sample = items if len(items) <= args.sample else sorted(sorted(items, key=_draw(args.seed))[: args.sample])
        library = sum(1 for path, *_ in items if not is_test(path))
        verdicts = Counter()
        for path, line, _, message in sample:
            sampled.append((path, line, code))
            verdict = reviewed.get((path, line, code))
            if verdict is None:
                unreviewed.append(f"{path}:{line}:{code}  {message}")
            else:
                verdicts[verdict[0]] += 1
        count = sum(verdicts.values())
        precision = f"{verdicts['true'] / count:.0%}" if count else "-"
        print(
            f"{code:<8}{library:>9}{len(items) - library:>7}{len(sample):>8}{count:>10}"
            f"{verdicts['true']:>6}{verdicts['noisy']:>7}{verdicts['false']:>7}{precision:>11}"
        )
        totals.update({"library": library, "test": len(items) - library, "sample": len(sample), "reviewed": count})
        totals.update(verdicts)
    overall = f"{totals['true'] / totals['reviewed']:.0%}" if totals["reviewed"] else "-"
    print(
        f"{'all':<8}{totals['library']:>9}{totals['test']:>7}{totals['sample']:>8}{totals['reviewed']:>10}"
        f"{totals['true']:>6}{totals['noisy']:>7}{totals['false']:>7}{overall:>11}"
    )
    library_verdicts: Counter = Counter(reviewed[key][0] for key in sampled if key in reviewed and not is_test(key[0]))
    if library_verdicts:
        share = library_verdicts["true"] / sum(library_verdicts.values())
        print(f"library code: {share:.0%} of reviewed sampled hits judged true")
    current = {(path, line, code) for path, line, code, _ in hits}
    gone = sorted(key for key in reviewed if key not in current)
    if gone:
        print(f"\nreviewed hits no longer reported: {len(gone)}")
        for path, line, code in gone:
            verdict, reason = reviewed[(path, line, code)]
            print(f"  {path}:{line}:{code} was {verdict}: {reason}")
    if args.show_unreviewed and unreviewed:
        print(f"\nsampled hits without a verdict: {len(unreviewed)}")
        print("\n".join(f"  {item}" for item in unreviewed))
    return 0


def _draw(seed: int):
    """A hit's place in the sampling order: a seeded hash of its key, independent of other hits."""

    def key(hit: tuple[str, int, str, str]) -> str:
        return hashlib.sha256(f"{seed}:{hit[0]}:{hit[1]}:{hit[2]}".encode()).hexdigest()

    return key


if __name__ == "__main__":
    sys.exit(main())
