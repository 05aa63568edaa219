"""``aio-lint --format=gitlab``: a GitLab Code Quality report (a JSON array of issues) whose
fingerprints are unique, the same from run to run, and survive lines moving."""

from __future__ import annotations

import json
import re
from pathlib import Path

from test_aio_lint import AIO_LINT, aio_lint, run

from flake8_async_patterns.command import formats
from flake8_async_patterns.command.lint import READ_ERROR, SYNTAX_ERROR, Finding
from flake8_async_patterns.registry import INTERNAL_ERROR
from flake8_async_patterns.rules import RULES

from rules_by_name import code

# https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format
SEVERITIES = {"info", "minor", "major", "critical", "blocker"}
SOURCE = (
    "import asyncio\nimport time\n\n\nasync def handler():\n    time.sleep(1)\n"
    "    asyncio.create_task(asyncio.sleep(1))\n"
)
FOUND = {(code("blocking-sleep"), "pkg/app.py", 6), (code("dangling-task"), "pkg/app.py", 7)}


def check(issues) -> list[dict]:
    """``issues`` is a Code Quality report: a list of issues with every field GitLab reads."""
    assert isinstance(issues, list)
    for issue in issues:
        assert set(issue) == {"description", "check_name", "fingerprint", "severity", "location"}
        assert isinstance(issue["description"], str) and issue["check_name"] in issue["description"]
        assert issue["severity"] in SEVERITIES
        assert re.fullmatch("[0-9a-f]{64}", issue["fingerprint"])
        assert set(issue["location"]) == {"path", "lines"} and set(issue["location"]["lines"]) == {"begin"}
        assert isinstance(issue["location"]["lines"]["begin"], int) and issue["location"]["lines"]["begin"] >= 1
    return issues


def report(cwd: Path, *args: str, status: int = 1) -> list[dict]:
    result = aio_lint("--isolated", "-j1", "--format=gitlab", *args, cwd=cwd)
    assert (result.status, result.err) == (status, "")
    return check(json.loads(result.out))


def where(issues: list[dict]) -> set[tuple[str, str, int]]:
    return {(i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues}


def fingerprints(issues: list[dict]) -> dict[str, str]:
    """Each issue's fingerprint by check name (the sample has one issue of each)."""
    by_name = {issue["check_name"]: issue["fingerprint"] for issue in issues}
    assert len(by_name) == len(issues)
    return by_name


def project(tmp_path: Path, source: str = SOURCE) -> Path:
    (tmp_path / "pkg").mkdir(exist_ok=True)
    (tmp_path / "pkg" / "app.py").write_text(source)
    return tmp_path


def test_each_finding_is_an_issue(tmp_path):
    project(tmp_path)
    for given in ("./pkg/app.py", "pkg", "."):
        issues = report(tmp_path, given)
        assert where(issues) == FOUND, given
        assert {issue["severity"] for issue in issues} == {"major"}
        assert len({issue["fingerprint"] for issue in issues}) == len(issues)


def test_fingerprints_are_stable_across_runs_and_moved_lines(tmp_path):
    project(tmp_path)
    first = fingerprints(report(tmp_path, "."))
    assert fingerprints(report(tmp_path, ".")) == first
    project(tmp_path, "\n" + SOURCE)  # every line moves down one
    moved = report(tmp_path, ".")
    assert where(moved) == {(name, path, line + 1) for name, path, line in FOUND}
    assert fingerprints(moved) == first
    project(tmp_path, SOURCE.replace("time.sleep(1)", "time.sleep(2)"))  # the flagged line changes
    edited = fingerprints(report(tmp_path, "."))
    assert edited[code("blocking-sleep")] != first[code("blocking-sleep")]
    assert edited[code("dangling-task")] == first[code("dangling-task")]


def test_identical_lines_and_identical_files_get_distinct_fingerprints(tmp_path):
    project(tmp_path, SOURCE.replace("    time.sleep(1)\n", "    time.sleep(1)\n    time.sleep(1)\n"))
    (tmp_path / "other.py").write_text(SOURCE)
    issues = report(tmp_path, ".")
    places = [(i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues]
    assert places.count(("pkg/app.py", 6)) == places.count(("pkg/app.py", 7)) == 1
    assert len(issues) == 5 and len({issue["fingerprint"] for issue in issues}) == 5


def test_nothing_found_is_an_empty_report(tmp_path):
    (tmp_path / "clean.py").write_text("import asyncio\n\n\nasync def main():\n    await asyncio.sleep(1)\n")
    result = aio_lint("--isolated", "--format=gitlab", ".", cwd=tmp_path)
    assert (result.status, json.loads(result.out)) == (0, [])


def test_stdin(tmp_path):
    """stdin gives the report the file gives (the same fingerprints when the file named by
    --stdin-filename holds the same text), and a valid one under a name that is no file."""
    project(tmp_path)
    named = run(
        AIO_LINT, "--isolated", "--format=gitlab", "--stdin-filename", "pkg/app.py", "-", cwd=tmp_path, stdin=SOURCE
    )
    assert (named.status, named.err) == (1, "")
    assert check(json.loads(named.out)) == report(tmp_path, "pkg/app.py")
    unnamed = run(AIO_LINT, "--isolated", "--format=gitlab", "-", cwd=tmp_path, stdin=SOURCE)
    assert unnamed.status == 1
    issues = check(json.loads(unnamed.out))
    assert where(issues) == {(name, "stdin", line) for name, _, line in FOUND}
    assert len({issue["fingerprint"] for issue in issues}) == 2


def test_files_that_were_not_checked(tmp_path):
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n")
    issues = report(tmp_path, "broken.py", "missing.py")
    assert where(issues) == {(SYNTAX_ERROR, "broken.py", 1), (READ_ERROR, "missing.py", 1)}
    assert {issue["severity"] for issue in issues} == {"critical"}


def test_every_code_has_a_gitlab_severity(tmp_path):
    codes = [rule.code for rule in RULES] + [INTERNAL_ERROR.code, SYNTAX_ERROR, READ_ERROR]
    findings = [Finding("gone.py", line, 1, found, "message", 1) for line, found in enumerate(codes, 1)]
    issues = check(json.loads(formats.gitlab(findings, str(tmp_path))))
    severity = {issue["check_name"]: issue["severity"] for issue in issues}
    assert {severity[rule.code] for rule in RULES} == {"major"}
    assert {severity[found] for found in (INTERNAL_ERROR.code, SYNTAX_ERROR, READ_ERROR)} == {"critical"}
