"""What a user installs: the project metadata, and the wheel and sdist that ``python -m build``
makes -- the wheel holds the package and the license and no tests, and installed into a fresh
virtual environment it gives ``aio-lint`` and the flake8 plugin, which agree on ``examples/``."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

from fixture_format import ROOT

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the tomli dependency of Python 3.10
    import tomli as tomllib

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
PACKAGE = "flake8_async_patterns"
OFFLINE = (
    "No matching distribution found",
    "Could not find a version that satisfies",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


def test_metadata_is_complete_and_honest():
    classifiers = set(PROJECT["classifiers"])
    assert {f"Programming Language :: Python :: 3.{minor}" for minor in range(10, 14)} <= classifiers
    assert "Environment :: Console" in classifiers and "Framework :: Flake8" in classifiers
    # "Typing :: Typed" promises a py.typed marker, and the marker promises annotated functions
    # (tests/test_selflint.py runs ruff's ANN rules on the package)
    assert ("Typing :: Typed" in classifiers) == (ROOT / PACKAGE / "py.typed").exists()
    assert PROJECT["keywords"] and "\n" not in PROJECT["description"]
    assert "urls" not in PROJECT  # no public repository yet: no invented address
    assert set(PROJECT["scripts"]) == {"aio-lint"}
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")


def _run(*command: str | Path, cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


def _skip_if_offline(result: subprocess.CompletedProcess, what: str) -> None:
    if result.returncode != 0 and any(reason in result.stdout + result.stderr for reason in OFFLINE):
        pytest.skip(f"{what} needs a package index, and none is reachable")


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    pytest.importorskip("build")
    outdir = tmp_path_factory.mktemp("dist")
    result = _run(sys.executable, "-m", "build", "--outdir", outdir, ROOT, cwd=outdir)
    _skip_if_offline(result, "python -m build (hatchling)")
    assert result.returncode == 0, result.stdout + result.stderr
    return outdir


@pytest.mark.slow  # builds in an isolated environment, then installs into a fresh venv: about 25 s
def test_wheel_and_sdist(dist, tmp_path):
    (wheel,) = dist.glob("*.whl")
    (sdist,) = dist.glob("*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert f"{PACKAGE}/__init__.py" in names and f"{PACKAGE}/command/cli.py" in names
    assert f"{PACKAGE}/py.typed" in names  # the "Typing :: Typed" classifier's marker (PEP 561)
    assert any(re.fullmatch(rf"{PACKAGE}-[^/]+\.dist-info/licenses/LICENSE", name) for name in names), names
    assert not [name for name in names if name.split("/")[0] in ("tests", "fixtures", "examples", "benchmarks")]
    top = {name.split("/")[0] for name in names}
    assert top == {PACKAGE, f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}, top
    with tarfile.open(sdist) as archive:
        sdist_names = archive.getnames()
    assert any(name.endswith("/LICENSE") for name in sdist_names)
    assert any(name.endswith(f"/{PACKAGE}/__init__.py") for name in sdist_names)

    venv = tmp_path / "venv"
    assert _run(sys.executable, "-m", "venv", venv, cwd=tmp_path).returncode == 0
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    installed = _run(bin_dir / "python", "-m", "pip", "install", "-q", wheel, cwd=tmp_path)
    _skip_if_offline(installed, "installing the wheel's dependencies (flake8)")
    assert installed.returncode == 0, installed.stdout + installed.stderr
    where = _run(bin_dir / "python", "-c", f"import {PACKAGE}; print({PACKAGE}.__file__)", cwd=tmp_path)
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout  # the wheel, not the checkout

    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    by_aio_lint = _run(bin_dir / "aio-lint", "--isolated", "--select=AIO", "examples", cwd=tmp_path)
    by_flake8 = _run(bin_dir / "flake8", "--isolated", "--select=AIO", "examples", cwd=tmp_path)
    assert by_aio_lint.returncode == by_flake8.returncode == 1, by_aio_lint.stderr + by_flake8.stderr
    assert sorted(by_aio_lint.stdout.splitlines()) == sorted(by_flake8.stdout.splitlines())
    assert len(by_aio_lint.stdout.splitlines()) >= 10
