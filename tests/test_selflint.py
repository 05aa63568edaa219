"""The project lints clean by its own standards: ruff (pyflakes, pycodestyle, bugbear,
comprehensions, import order, pyupgrade, complexity -- configured in pyproject.toml), ruff's
formatter, and flake8 with this plugin itself."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from fixture_format import ROOT

_NEXT_TO_PYTHON = Path(sys.executable).parent


def _tool(name: str) -> list[str]:
    local = _NEXT_TO_PYTHON / name
    if local.exists():
        return [str(local)]
    found = shutil.which(name)
    return [found] if found else [sys.executable, "-m", name]


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_ruff_check_is_clean():
    result = _run(*_tool("ruff"), "check", "--no-cache", "--output-format=concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_package_is_fully_annotated():
    """py.typed and "Typing :: Typed" promise annotated functions: ruff's ANN rules hold them to it
    (``Any`` is allowed where a value really is anything: ANN401 off)."""
    annotations = ("--select=ANN", "--ignore=ANN401", "flake8_async_patterns")
    result = _run(*_tool("ruff"), "check", "--no-cache", "--output-format=concise", *annotations)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = _run(*_tool("ruff"), "format", "--no-cache", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_plugin_finds_nothing_in_its_own_code():
    targets = [
        "flake8_async_patterns",
        "tests",
        *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "benchmarks").glob("*.py")),
    ]
    result = _run(*_tool("flake8"), "--isolated", "--select=AIO", *targets)
    assert result.returncode == 0 and not result.stdout, result.stdout + result.stderr
