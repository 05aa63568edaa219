"""docs/integrations/*.md: every recipe parses, names only flags, settings and codes that exist,
and the aio-lint commands it shows run and write what the page says."""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from flake8_async_patterns.command.cli import build_parser
from flake8_async_patterns.command.formats import FORMATS
from flake8_async_patterns.registry import PREFIX
from flake8_async_patterns.rules import RULES

from fixture_format import ROOT
from rules_by_name import code

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the tomli dependency of Python 3.10
    import tomli as tomllib

PAGES = ROOT / "docs" / "integrations"
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.MULTILINE | re.DOTALL)
BIN = Path(sys.executable).parent
CODES = {rule.code for rule in RULES}
SAMPLE = "import time\n\n\nasync def handler():\n    time.sleep(1)\n"
# ms-python.flake8's settings (its package.json, version 2025.3.0)
VSCODE_SETTINGS = {
    "flake8.args",
    "flake8.cwd",
    "flake8.enabled",
    "flake8.ignorePatterns",
    "flake8.importStrategy",
    "flake8.interpreter",
    "flake8.path",
    "flake8.severity",
    "flake8.showNotifications",
}
VSCODE_SEVERITIES = {"Error", "Hint", "Information", "Warning"}
# the settings python-lsp-server 1.15's flake8 plugin reads (pylsp/plugins/flake8_lint.py)
PYLSP_FLAKE8 = {
    "config",
    "enabled",
    "exclude",
    "executable",
    "extendIgnore",
    "extendSelect",
    "filename",
    "hangClosing",
    "ignore",
    "indentSize",
    "maxComplexity",
    "maxLineLength",
    "perFileIgnores",
    "select",
}


def blocks(page: str, language: str | None = None) -> list[str]:
    text = (PAGES / page).read_text(encoding="utf-8")
    return [body for lang, body in FENCE.findall(text) if language in (None, lang)]


def test_the_pages():
    assert {page.name for page in PAGES.glob("*.md")} == {
        "github-actions.md",
        "gitlab.md",
        "pre-commit.md",
        "pylsp.md",
        "vscode.md",
    }


@pytest.mark.parametrize("page", sorted(path.name for path in PAGES.glob("*.md")))
def test_every_block_parses(page):
    parsers = {"yaml": yaml.safe_load, "json": json.loads, "toml": tomllib.loads}
    parsers["ini"] = configparser.ConfigParser().read_string
    found = FENCE.findall((PAGES / page).read_text(encoding="utf-8"))
    assert found
    for language, body in found:
        parsers[language](body)


# --- aio-lint commands ---------------------------------------------------------------------------
def _commands(value) -> list[str]:
    """The aio-lint command lines of a parsed CI file (``run:`` steps, ``script:`` items)."""
    if isinstance(value, dict):
        return [line for item in value.values() for line in _commands(item)]
    if isinstance(value, list):
        return [line for item in value for line in _commands(item)]
    if isinstance(value, str):
        return [line.strip() for line in value.splitlines() if line.strip().startswith("aio-lint ")]
    return []


CI_COMMANDS = [
    command
    for page in ("github-actions.md", "gitlab.md")
    for block in blocks(page, "yaml")
    for command in _commands(yaml.safe_load(block))
]


def test_ci_commands_use_real_flags():
    options = build_parser()._option_string_actions
    assert len(CI_COMMANDS) >= 4
    for command in CI_COMMANDS:
        for word in shlex.split(command):
            if word.startswith("--"):
                flag, _, value = word.partition("=")
                assert flag in options, command
                if flag == "--format":
                    assert value in FORMATS, command


@pytest.mark.skipif(not (BIN / "aio-lint").exists(), reason="aio-lint is not installed next to this Python")
@pytest.mark.parametrize("command", CI_COMMANDS)
def test_ci_commands_run(tmp_path, command):
    (tmp_path / "app.py").write_text(SAMPLE)
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-c", command], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == (0 if "--exit-zero" in command else 1), result.stderr
    blocking_sleep = code("blocking-sleep")
    if ">" in command:
        written = tmp_path / command.rsplit(">", 1)[1].strip()
        report = json.loads(written.read_text())
        if "--format=sarif" in command:
            assert report["version"] == "2.1.0"
            assert [r["ruleId"] for r in report["runs"][0]["results"]] == [blocking_sleep]
        elif "--format=gitlab" in command:
            assert [(i["location"]["path"], i["location"]["lines"]["begin"], i["check_name"]) for i in report] == [
                ("app.py", 5, blocking_sleep)
            ]
        else:
            assert [(Path(item["path"]).as_posix(), item["line"], item["code"]) for item in report] == [
                ("app.py", 5, blocking_sleep)
            ]
    elif "--format=github" in command:
        assert result.stdout.startswith(f"::warning file=app.py,line=5,col=5,title={blocking_sleep}::")
    else:
        assert result.stdout.removeprefix("./").startswith(f"app.py:5:5: {blocking_sleep} ")  # as flake8 prints it


def test_github_workflow_uploads_what_it_writes():
    (workflow,) = [yaml.safe_load(block) for block in blocks("github-actions.md", "yaml")]
    steps = workflow["jobs"]["code-scanning"]["steps"]
    (upload,) = [step for step in steps if step.get("uses", "").startswith("github/codeql-action/upload-sarif@")]
    (sarif_run,) = [step["run"] for step in steps if "--format=sarif" in step.get("run", "")]
    assert upload["with"]["sarif_file"] == sarif_run.rsplit(">", 1)[1].strip()
    assert workflow["jobs"]["code-scanning"]["permissions"]["security-events"] == "write"
    assert any("--format=github" in step.get("run", "") for step in workflow["jobs"]["annotations"]["steps"])


def test_gitlab_job_uploads_what_it_writes():
    (config,) = [yaml.safe_load(block) for block in blocks("gitlab.md", "yaml")]
    job = config["aio-lint"]
    (report_run,) = [line for line in job["script"] if "--format=gitlab" in line]
    assert job["artifacts"]["reports"]["codequality"] == report_run.rsplit(">", 1)[1].strip()
    assert job["artifacts"]["when"] == "always" and "--exit-zero" not in report_run


# --- editors -------------------------------------------------------------------------------------
def _flake8_flags_exist(args: list[str]) -> None:
    help_text = subprocess.run(
        [sys.executable, "-m", "flake8", "--help"], capture_output=True, text=True, timeout=60
    ).stdout
    for arg in args:
        flag, _, value = arg.partition("=")
        assert f"{flag} " in help_text or f"{flag}=" in help_text, arg
        if flag in ("--select", "--extend-select"):
            assert set(value.split(",")) <= CODES, arg


def test_vscode_settings():
    (settings,) = [json.loads(block) for block in blocks("vscode.md", "json")]
    assert set(settings) <= VSCODE_SETTINGS
    assert settings["flake8.importStrategy"] == "fromEnvironment"
    assert settings["flake8.severity"][PREFIX] == "Warning"
    assert set(settings["flake8.severity"].values()) <= VSCODE_SEVERITIES
    _flake8_flags_exist(settings["flake8.args"])


def test_pylsp_settings():
    (settings,) = [json.loads(block) for block in blocks("pylsp.md", "json")]
    pylsp = settings["pylsp"]
    assert set(pylsp["configurationSources"]) <= {"pycodestyle", "flake8"}
    assert set(pylsp["plugins"]) <= {"flake8", "pycodestyle", "pyflakes", "mccabe"}
    assert set(pylsp["plugins"]["flake8"]) <= PYLSP_FLAKE8 and pylsp["plugins"]["flake8"]["enabled"] is True
    assert set(pylsp["plugins"]["flake8"]["extendSelect"]) <= CODES


# --- pre-commit ----------------------------------------------------------------------------------
def precommit_configs() -> dict[str, str]:
    """The page's configurations, by repository: 'local', and 'remote' for the repository's hooks."""
    configs = [block for block in blocks("pre-commit.md", "yaml") if "repos:" in block]
    return {("local" if "repo: local" in block else "remote"): block for block in configs}


def test_precommit_page_names_the_manifest_hooks():
    manifest = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    (repo,) = yaml.safe_load(precommit_configs()["remote"])["repos"]
    assert {hook["id"] for hook in repo["hooks"]} <= manifest
    page = (PAGES / "pre-commit.md").read_text(encoding="utf-8")
    assert all(f"`{hook_id}`" in page for hook_id in manifest)
    (ruff,) = [tomllib.loads(block) for block in blocks("pre-commit.md", "toml")]
    assert ruff["tool"]["ruff"]["lint"]["external"] == [PREFIX]


@pytest.mark.parametrize("which", ["local", "remote"])
def test_precommit_configs_are_valid(tmp_path, which):
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(precommit_configs()[which])
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(config)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(not (BIN / "aio-lint").exists(), reason="aio-lint is not installed next to this Python")
def test_precommit_local_hook_runs(tmp_path):
    (tmp_path / "app.py").write_text(SAMPLE)
    (tmp_path / ".pre-commit-config.yaml").write_text(precommit_configs()["local"])
    env = {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "PRE_COMMIT_HOME": str(tmp_path / ".pre-commit-home"),
    }
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "app.py", ".pre-commit-config.yaml"], cwd=tmp_path, check=True)
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"app.py:5:5: {code('blocking-sleep')} " in result.stdout
