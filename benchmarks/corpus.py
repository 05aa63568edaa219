"""Build the dev corpus from benchmarks/corpus.lock.

    python benchmarks/corpus.py [--dest benchmarks/corpus]

For each pinned ``name==version``: ``pip download --no-deps`` it (wheel or sdist, whatever PyPI
offers for this platform), extract only its ``.py`` files into ``<dest>/<name>-<version>/``, and
write a ``.complete`` marker.  Idempotent: a package whose marker is present is skipped; a
directory for a version no longer in the lock is removed.  Prints the corpus root.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOCK = HERE / "corpus.lock"


def pins(lock: Path = LOCK) -> list[tuple[str, str]]:
    found = []
    for line in lock.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            if not version:
                raise SystemExit(f"{lock}: {line!r} is not pinned as name==version")
            found.append((name.strip(), version.strip()))
    return found


def _extract(archive: Path, target: Path) -> int:
    count = 0
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                if member.endswith(".py") and ".." not in Path(member).parts:
                    (target / member).parent.mkdir(parents=True, exist_ok=True)
                    (target / member).write_bytes(zf.read(member))
                    count += 1
    else:
        with tarfile.open(archive) as tf:
            for member in tf.getmembers():
                if member.isfile() and member.name.endswith(".py") and ".." not in Path(member.name).parts:
                    data = tf.extractfile(member)
                    if data is not None:
                        (target / member.name).parent.mkdir(parents=True, exist_ok=True)
                        (target / member.name).write_bytes(data.read())
                        count += 1
    return count


def build(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    wanted = {f"{name}-{version}" for name, version in pins()}
    for stale in dest.iterdir():
        if stale.is_dir() and stale.name not in wanted:
            shutil.rmtree(stale)
    for name, version in pins():
        target = dest / f"{name}-{version}"
        if (target / ".complete").exists():
            continue
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir()
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp, f"{name}=={version}"],
                check=True,
            )
            archives = sorted(Path(tmp).iterdir())
            if not archives:
                raise SystemExit(f"pip downloaded nothing for {name}=={version}")
            count = _extract(archives[0], target)
        (target / ".complete").write_text(f"{name}=={version}: {count} files\n")
        print(f"{name}=={version}: {count} .py files", file=sys.stderr)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dest", type=Path, default=HERE / "corpus")
    args = parser.parse_args(argv)
    print(build(args.dest))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
