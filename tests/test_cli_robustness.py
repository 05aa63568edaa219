"""``python -m flake8_async_patterns``'s subcommands fail in one line, never with a traceback:
a reader that goes away (``... explain X | head -1``), a path that cannot be written or read, a
README without the generated markers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from flake8_async_patterns.registry import PREFIX

from fixture_format import ROOT
from rules_by_name import code

MODULE = [sys.executable, "-m", "flake8_async_patterns"]
NOISE = ("Traceback", "BrokenPipeError", "Exception ignored")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([*MODULE, *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def _closed_early(args: list[str], read_first_line: bool) -> tuple[int, str]:
    """Run, close our end of its stdout (after one line, or at once), return (status, stderr)."""
    process = subprocess.Popen([*MODULE, *args], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if read_first_line:
        process.stdout.readline()
    process.stdout.close()
    stderr = process.stderr.read().decode()
    process.stderr.close()
    return process.wait(timeout=60), stderr


SUBCOMMANDS = {
    "list": [],
    "explain": ["explain", code("concurrent-session-use")],
    "docs": ["docs"],
}


@pytest.mark.parametrize("read_first_line", [False, True], ids=["closed-at-once", "closed-after-a-line"])
@pytest.mark.parametrize("subcommand", SUBCOMMANDS)
def test_a_closed_pipe_ends_quietly(subcommand, read_first_line):
    for _ in range(3):  # racy by nature: the reader may go before, during or after the writes
        status, stderr = _closed_early(SUBCOMMANDS[subcommand], read_first_line)
        assert not any(noise in stderr for noise in NOISE), stderr
        assert status in (0, 1), stderr


def test_new_rule_survives_a_closed_pipe(tmp_path):
    checkout = tmp_path / "checkout"
    shutil.copytree(
        ROOT / "flake8_async_patterns", checkout / "flake8_async_patterns", ignore=shutil.ignore_patterns("__pycache__")
    )
    (checkout / "fixtures").mkdir()
    (checkout / "docs").mkdir()
    for name in ("CHANGELOG.md", "README.md"):
        shutil.copy(ROOT / name, checkout / name)
    args = ["new-rule", f"{PREFIX}998", "closed-pipe-check", "--family", "experiments", "--root", str(checkout)]
    status, stderr = _closed_early(args, read_first_line=False)
    assert not any(noise in stderr for noise in NOISE), stderr
    assert status in (0, 1), stderr


def _one_line_usage_error(result: subprocess.CompletedProcess, *expected: str) -> None:
    assert result.returncode == 2, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("python -m flake8_async_patterns: error: "), lines
    assert all(text in lines[0] for text in expected), lines
    assert not any(noise in result.stderr for noise in NOISE)


def test_docs_output_into_a_missing_directory(tmp_path):
    target = tmp_path / "no-such-dir" / "rules.md"
    result = run("docs", "--output", str(target))
    _one_line_usage_error(result, "--output", "No such file or directory")
    assert result.stdout == ""


def test_docs_readme_that_does_not_exist(tmp_path):
    result = run("docs", "--readme", "missing.md", cwd=tmp_path)
    _one_line_usage_error(result, "--readme missing.md", "No such file or directory")
    assert not (tmp_path / "missing.md").exists()


def test_docs_readme_without_the_generated_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# A project\n\nNo generated tables here.\n")
    result = run("docs", "--readme", str(readme), cwd=tmp_path)
    _one_line_usage_error(result, "--readme", "markers")
    assert readme.read_text() == "# A project\n\nNo generated tables here.\n"


@pytest.mark.parametrize(
    "args, expected",
    [(["explain", "no-such-rule"], "unknown rule 'no-such-rule'"), (["no-such-command"], "invalid choice")],
)
def test_usage_errors_are_one_line(args, expected):
    _one_line_usage_error(run(*args), expected)
