"""``.pre-commit-hooks.yaml``: the manifest is valid, and both hooks, installed by pre-commit itself
(``pre-commit try-repo``: a fresh virtualenv, ``pip install`` of the package), report a finding."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from fixture_format import ROOT
from rules_by_name import code

MANIFEST = ROOT / ".pre-commit-hooks.yaml"
PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
# What the package build needs: the package, its metadata, and the files pyproject.toml names.
PACKAGE_FILES = ("flake8_async_patterns", "pyproject.toml", "README.md", "LICENSE", ".pre-commit-hooks.yaml")
# pip's words when the build cannot reach an index (no network): a skip, not a failure.
OFFLINE = (
    "No matching distribution found",
    "Could not find a version that satisfies",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
)
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid"}
GIT_ENV |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid"}


def hooks() -> dict[str, dict]:
    return {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text())}


def test_manifest_declares_both_hooks():
    declared = hooks()
    assert set(declared) == {"flake8-async-patterns", "flake8-async-patterns-flake8"}
    assert declared["flake8-async-patterns"]["entry"] == "aio-lint"
    assert declared["flake8-async-patterns-flake8"]["entry"] == "flake8"
    for hook in declared.values():
        assert hook["language"] == "python" and hook["types"] == ["python"]


def test_manifest_is_valid_for_pre_commit():
    result = subprocess.run(
        [*PRE_COMMIT, "validate-manifest", str(MANIFEST)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


@pytest.fixture
def hook_repo(tmp_path: Path) -> Path:
    """A committed copy of the working tree's package (try-repo would not see untracked files)."""
    repo = tmp_path / "hook-repo"
    repo.mkdir()
    for name in PACKAGE_FILES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, repo / name)
    _git("init", "-q", cwd=repo)
    _git("add", "-A", cwd=repo)
    _git("commit", "-q", "-m", "hooks under test", cwd=repo)
    return repo


@pytest.mark.slow  # pre-commit builds the package in a fresh virtualenv: about 25 s
def test_try_repo_reports_a_finding(tmp_path, hook_repo):
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("import time\n\n\nasync def handler():\n    time.sleep(1)\n")
    _git("init", "-q", cwd=project)
    _git("add", "app.py", cwd=project)
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    expected = f"app.py:5:5: {code('blocking-sleep')} blocking call 'time.sleep()'"
    for hook_id in hooks():  # the second reuses the environment pre-commit built for the first
        result = subprocess.run(
            [*PRE_COMMIT, "try-repo", str(hook_repo), hook_id, "--all-files"],
            cwd=project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        output = result.stdout + result.stderr
        log = tmp_path / "pre-commit-home" / "pre-commit.log"
        details = output + (log.read_text() if log.exists() else "")
        if result.returncode != 1 and any(reason in details for reason in OFFLINE):
            pytest.skip(f"pre-commit could not install the hook (no package index reachable): {hook_id}")
        assert result.returncode == 1, details
        assert expected in output, details
        assert "Failed" in output and f"- hook id: {hook_id}" in output

    # docs/integrations/pre-commit.md's configuration, pointed at the same repository
    page = (ROOT / "docs" / "integrations" / "pre-commit.md").read_text(encoding="utf-8")
    (documented,) = [block for block in re.findall(r"^```yaml\n(.*?)^```", page, re.M | re.S) if "rev:" in block]
    rev = subprocess.run(["git", "rev-parse", "HEAD"], cwd=hook_repo, capture_output=True, text=True).stdout.strip()
    config = yaml.safe_load(documented)
    config["repos"][0] |= {"repo": str(hook_repo), "rev": rev}
    (project / "documented.yaml").write_text(yaml.safe_dump(config))
    result = subprocess.run(
        [*PRE_COMMIT, "run", "--all-files", "--config", "documented.yaml"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 1 and expected in result.stdout, result.stdout + result.stderr
