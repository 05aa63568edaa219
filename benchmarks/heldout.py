"""The held-out precision sets: rebuild them from their verdict files, and check a change against
all of them at once.

    python benchmarks/heldout.py fetch [N ...]     # download + unpack into /tmp/heldoutN
    python benchmarks/heldout.py check [N ...] [--hits FILE]

Each ``benchmarks/reviewed-heldout-N.txt`` (and the older ``-wheels`` = 3 and ``-ha`` = 4) starts
with a "Reproduce:" header naming the pinned wheels, the ``--python-version`` and ``--platform``
values and the directory ``/tmp/heldoutN``.  ``fetch`` runs ``pip download --no-deps`` for every
pin and unpacks each wheel into ``/tmp/heldoutN/<name>-<version>/`` without its ``.dist-info`` and
``.data`` (an existing directory is left alone).  ``check`` lints every set with the default
selection (as ``precision.py`` does) and prints, per set, the distinct ``path:line:code`` hits,
how many of them carry each verdict, the unreviewed ones, and every *true* verdict no longer
reported -- a change that loses one must say why.  ``--hits`` writes ``N path:line:code verdict``
lines, for diffing two checkouts (run the script with ``PYTHONPATH`` pointing at the other one).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

from precision import hits_in, read_reviewed

from flake8_async_patterns.rules import RULES
from flake8_async_patterns.settings import Settings

HERE = Path(__file__).resolve().parent
OLDER = {"3": "reviewed-heldout-wheels.txt", "4": "reviewed-heldout-ha.txt"}
DEFAULT_PLATFORMS = ("manylinux2014_x86_64", "manylinux_2_17_x86_64", "manylinux_2_28_x86_64", "any")
PIN = re.compile(r"([A-Za-z0-9_.\-]+==[0-9][A-Za-z0-9_.\-]*[A-Za-z0-9])")


def verdict_files() -> dict[str, Path]:
    """Set number -> its verdict file, in set order."""
    found = {number: HERE / name for number, name in OLDER.items()}
    for path in HERE.glob("reviewed-heldout-*.txt"):
        number = path.stem.rsplit("-", 1)[1]
        if number.isdigit():
            found[number] = path
    return dict(sorted(found.items(), key=lambda item: int(item[0])))


def header(path: Path) -> str:
    return "\n".join(line[1:] for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#"))


def fetch(number: str, path: Path) -> None:
    text = header(path)
    target = Path(f"/tmp/heldout{number}")
    if f"/tmp/heldout{number}" not in text:
        print(f"set {number}: no /tmp/heldout{number} in its header, skipped")
        return
    if target.exists():
        print(f"set {number}: {target} exists, left alone")
        return
    version = re.search(r"--python-version (3\.\d+)", text)
    platforms = re.findall(r"--platform\s+(\S+)", text) or DEFAULT_PLATFORMS
    download = Path(f"/tmp/heldout{number}-wheels")
    download.mkdir(exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:", "-d", str(download)]
    command += ["--python-version", version.group(1) if version else "3.11"]
    for platform in platforms:
        command += ["--platform", platform]
    pins = PIN.findall(text)
    for pin in pins:
        result = subprocess.run([*command, pin], capture_output=True, text=True, check=False)
        if result.returncode:
            print(f"set {number}: {pin} failed: {result.stderr.strip().splitlines()[-1:]}")
    wheels = sorted(download.glob("*.whl"))
    for wheel in wheels:
        name, version_text = wheel.name.split("-")[:2]
        unpacked = target / f"{name}-{version_text}"
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(unpacked)
        for extra in [*unpacked.glob("*.dist-info"), *unpacked.glob("*.data")]:
            shutil.rmtree(extra)
    print(f"set {number}: {len(pins)} pins, {len(wheels)} wheels in {target}")


def check(numbers: list[str], files: dict[str, Path], hits_file: Path | None) -> int:
    settings = Settings(enabled=frozenset(rule.code for rule in RULES if rule.default_enabled))
    totals: Counter = Counter()
    out = hits_file.open("w", encoding="utf-8") if hits_file else None
    for number in numbers:
        root = Path(f"/tmp/heldout{number}")
        if not root.is_dir():
            print(f"set {number}: {root} missing (run: heldout.py fetch {number})")
            continue
        reviewed = read_reviewed(files[number])
        keys = sorted({(path, line, code) for path, line, code, _ in hits_in(root.resolve(), settings)})
        counts = Counter(reviewed.get(key, ("unreviewed", ""))[0] for key in keys)
        lost = [key for key, (verdict, _) in reviewed.items() if verdict == "true" and key not in set(keys)]
        print(
            f"set {number}: {len(keys)} hits, {counts['true']} true, {counts['noisy']} noisy, "
            f"{counts['false']} false, {counts['unreviewed']} unreviewed; true no longer reported: {len(lost)}"
        )
        for path, line, code in lost:
            print(f"    {path}:{line}:{code}")
        if out:
            for key in keys:
                out.write(f"{number} {key[0]}:{key[1]}:{key[2]} {reviewed.get(key, ('unreviewed', ''))[0]}\n")
        totals.update({"hits": len(keys), **counts, "lost": len(lost)})
    print(
        f"all: {totals['hits']} hits, {totals['true']} true, {totals['noisy']} noisy, {totals['false']} false, "
        f"{totals['unreviewed']} unreviewed; true no longer reported: {totals['lost']}"
    )
    if out:
        out.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("fetch", "check"))
    parser.add_argument("sets", nargs="*", help="set numbers (default: every set)")
    parser.add_argument("--hits", type=Path, help="check: write 'N path:line:code verdict' lines here")
    args = parser.parse_args(argv)
    files = verdict_files()
    numbers = args.sets or list(files)
    unknown = [number for number in numbers if number not in files]
    if unknown:
        parser.error(f"no verdict file for set(s) {', '.join(unknown)}; known: {', '.join(files)}")
    if args.action == "fetch":
        for number in numbers:
            fetch(number, files[number])
        return 0
    return check(numbers, files, args.hits)


if __name__ == "__main__":
    raise SystemExit(main())
