"""``python -m flake8_async_patterns new-rule``: the scaffold a new rule starts from."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_async_patterns.registry import PREFIX

from fixture_format import ROOT

NEW_CODE = f"{PREFIX}998"  # never declared: the scaffold's own example


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    copy = tmp_path / "checkout"
    shutil.copytree(
        ROOT / "flake8_async_patterns", copy / "flake8_async_patterns", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copytree(ROOT / "fixtures", copy / "fixtures")
    for name in ("CHANGELOG.md", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    (copy / "docs").mkdir()
    return copy


def _python(checkout: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    return subprocess.run([sys.executable, *args], cwd=checkout, env=env, capture_output=True, text=True, timeout=120)


def test_new_rule_in_a_new_family(checkout):
    result = _python(
        checkout,
        "-m",
        "flake8_async_patterns",
        "new-rule",
        NEW_CODE,
        "example-new-check",
        "--family",
        "experiments",
        "--off",
        "--root",
        str(checkout),
    )
    assert result.returncode == 0, result.stderr
    touched = {Path(line).relative_to(checkout).as_posix() for line in result.stdout.split()}
    assert touched == {
        "flake8_async_patterns/rules/__init__.py",
        "flake8_async_patterns/rules/experiments.py",
        f"fixtures/{NEW_CODE}_example_new_check.py",
        "CHANGELOG.md",
    }
    assert f"- {NEW_CODE} example-new-check (off by default): TODO" in (checkout / "CHANGELOG.md").read_text()
    compile((checkout / "fixtures" / f"{NEW_CODE}_example_new_check.py").read_text(), "fixture", "exec")
    listed = _python(
        checkout,
        "-c",
        "from flake8_async_patterns.rules import RULES; "
        "print([(r.code, r.default_enabled) for r in RULES if r.name == 'example-new-check'])",
    )
    assert listed.stdout.strip() == f"[('{NEW_CODE}', False)]", listed.stderr
    docs = _python(
        checkout, "-m", "flake8_async_patterns", "docs", "--output", "docs/rules.md", "--readme", "README.md"
    )
    assert docs.returncode == 0, docs.stderr
    assert f"## {NEW_CODE} example-new-check" in (checkout / "docs" / "rules.md").read_text()
    assert f"| {NEW_CODE} | example-new-check | off |" in (checkout / "README.md").read_text()


def test_new_rule_in_an_existing_family_touches_three_files(checkout):
    result = _python(
        checkout,
        "-m",
        "flake8_async_patterns",
        "new-rule",
        NEW_CODE,
        "some-new-rule",
        "--family",
        "tasks",
        "--root",
        str(checkout),
    )
    assert result.returncode == 0, result.stderr
    assert len(result.stdout.split()) == 3  # the family module, the fixture, the changelog
    listed = _python(
        checkout,
        "-c",
        "from flake8_async_patterns.rules import CHECKERS; "
        "print([c.__name__ for c in CHECKERS if c.__name__ == 'SomeNewRuleChecker'])",
    )
    assert listed.stdout.strip() == "['SomeNewRuleChecker']", listed.stderr


@pytest.mark.parametrize(
    "args, problem",
    [
        ([f"{PREFIX}101", "fresh-name", "--family", "tasks"], "already declared"),
        ([NEW_CODE, "unawaited-coroutine", "--family", "tasks"], "already declared"),
        (["X403", "fresh-name", "--family", "tasks"], "bad rule code"),
        ([NEW_CODE, "Bad_Name", "--family", "tasks"], "bad rule name"),
        ([NEW_CODE, "fresh-name", "--family", "../evil"], "must be a module name"),
    ],
)
def test_bad_requests_are_usage_errors(checkout, args, problem):
    result = _python(checkout, "-m", "flake8_async_patterns", "new-rule", *args, "--root", str(checkout))
    assert result.returncode == 2 and problem in result.stderr and "Traceback" not in result.stderr
