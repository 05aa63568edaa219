"""End to end through the real ``flake8`` executable of this interpreter's environment."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from fixture_format import ROOT, SAMPLE, SAMPLE_WITH_COMMITS, all_fixtures, checked
from rules_by_name import code

_NEXT_TO_PYTHON = Path(sys.executable).with_name("flake8")
FLAKE8 = [str(_NEXT_TO_PYTHON)] if _NEXT_TO_PYTHON.exists() else [sys.executable, "-m", "flake8"]
LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<message>.*)$")


def flake8(*args: str, cwd: Path, stdin: str | None = None, isolated: bool = True) -> subprocess.CompletedProcess:
    """Run flake8; ``isolated`` ignores config files unless a test is about them."""
    command = [*FLAKE8, *(["--isolated"] if isolated else []), *args]
    return subprocess.run(command, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120)


def parse(output: str) -> set[tuple[str, int, int, str]]:
    found = set()
    for line in output.splitlines():
        match = LINE.match(line)
        assert match, f"unexpected flake8 output line: {line!r}"
        found.add((Path(match["path"]).name, int(match["line"]), int(match["col"]), match["code"]))
    return found


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "sample.py"
    path.write_text(SAMPLE)
    return path


def test_version_lists_the_plugin(tmp_path):
    result = flake8("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert "flake8-async-patterns" in result.stdout


def test_default_run_reports_on_rules_only(sample):
    result = flake8(str(sample), cwd=sample.parent)
    found = parse(result.stdout)
    assert (sample.name, 9, 5, code("unawaited-coroutine")) in found
    assert not any(c == code("prefer-taskgroup") for *_, c in found)
    assert result.returncode == 1


def test_extend_select_turns_an_off_rule_on(sample):
    result = flake8("--extend-select", code("prefer-taskgroup"), str(sample), cwd=sample.parent)
    found = parse(result.stdout)
    assert (sample.name, 12, 11, code("prefer-taskgroup")) in found
    assert (sample.name, 9, 5, code("unawaited-coroutine")) in found


@pytest.mark.parametrize(
    "name",
    [
        "prefer-taskgroup",
        "await-in-loop",
        "sequential-independent-awaits",
        "run-in-executor-default",
        "manual-event-loop",
        "get-event-loop-in-coroutine",
    ],
)
def test_off_by_default_rules(tmp_path, name):
    """Each off rule: silent in a default run of its own doc example, reported with --extend-select."""
    from rules_by_name import RULES

    rule = RULES[name]
    assert not rule.default_enabled
    path = tmp_path / "example.py"
    path.write_text(rule.example)
    assert rule.code not in flake8(str(path), cwd=tmp_path).stdout
    assert rule.code in flake8("--extend-select", rule.code, str(path), cwd=tmp_path).stdout


def test_select_prefix_selects_everything(sample):
    found = parse(flake8("--select", "AIO", str(sample), cwd=sample.parent).stdout)
    # off-by-default codes included: prefer-taskgroup, and async-without-await for ``fetch``
    assert {c for *_, c in found} == {
        code("unawaited-coroutine"),
        code("prefer-taskgroup"),
        code("async-without-await"),
    }


def test_noqa_suppresses(tmp_path):
    path = tmp_path / "noqa.py"
    path.write_text(SAMPLE.replace("    fetch()\n", f"    fetch()  # noqa: {code('unawaited-coroutine')}\n"))
    assert code("unawaited-coroutine") not in flake8(str(path), cwd=tmp_path).stdout
    path.write_text(SAMPLE.replace("    fetch()\n", f"    fetch()  # noqa: {code('dangling-task')}\n"))
    assert code("unawaited-coroutine") in flake8(str(path), cwd=tmp_path).stdout


def test_stdin_reports_the_same_as_a_file(sample):
    from_file = parse(flake8("--select", "AIO", str(sample), cwd=sample.parent).stdout)
    from_stdin = parse(
        flake8("--select", "AIO", "--stdin-display-name", sample.name, "-", cwd=sample.parent, stdin=SAMPLE).stdout
    )
    assert from_file == from_stdin and from_file


@pytest.mark.parametrize("config_name", ["setup.cfg", "tox.ini", ".flake8"])
def test_options_from_config_file(tmp_path, config_name):
    (tmp_path / config_name).write_text(
        "[flake8]\n"
        f"extend-select = {code('prefer-taskgroup')}\n"
        "aio-python-version = 3.10\n"
        "aio-session-names =\n    uow,\n    conn\n"
    )
    path = tmp_path / "cfg.py"
    path.write_text(SAMPLE_WITH_COMMITS)
    found = parse(flake8(str(path), cwd=tmp_path, isolated=False).stdout)
    codes = {(line, c) for _, line, _, c in found}
    assert (9, code("unawaited-coroutine")) in codes
    assert (16, code("unawaited-coroutine")) in codes  # uow is a session name now
    assert (17, code("unawaited-coroutine")) not in codes  # the list replaced the default names
    assert not any(c == code("prefer-taskgroup") for _, c in codes)  # TaskGroup needs 3.11


@pytest.mark.parametrize(
    "args, option",
    [
        (["--aio-python-version=three"], "--aio-python-version"),
        (["--aio-session-names=good,not a name"], "--aio-session-names"),
        (["--aio-session-factories=1abc"], "--aio-session-factories"),
        (["--aio-blocking-calls=mylib.fetch->"], "--aio-blocking-calls"),
        (["--aio-expire-on-commit=maybe"], "--aio-expire-on-commit"),
    ],
)
def test_malformed_option_is_a_usage_error(sample, args, option):
    result = flake8(*args, str(sample), cwd=sample.parent)
    assert result.returncode != 0
    assert option in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_malformed_option_in_config_file(tmp_path):
    (tmp_path / "setup.cfg").write_text("[flake8]\naio-python-version = 3.x\n")
    (tmp_path / "ok.py").write_text("x = 1\n")
    result = flake8("ok.py", cwd=tmp_path, isolated=False)
    assert result.returncode != 0
    assert "--aio-python-version" in result.stderr and "'3.x'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_every_fixture_through_real_flake8(tmp_path):
    """The fixture expectations hold through flake8 itself (entry point, option parsing,
    default-ignore handling, position reporting).  Files with options run on their own."""
    plain = [f for f in all_fixtures() if not f.options and (not f.min_version or sys.version_info >= f.min_version)]
    result = flake8("--select", "AIO", *[str(f.path) for f in plain], cwd=ROOT)
    by_name = {f.path.name: f for f in all_fixtures()}
    got = {hit for hit in parse(result.stdout) if checked(by_name[hit[0]], hit[3])}
    want = {(f.path.name, e.line, e.col + 1, e.code) for f in plain for e in f.expected}
    assert got == want
    for fixture in all_fixtures():
        if fixture.options:
            found = parse(flake8("--select", "AIO", *fixture.option_args(), str(fixture.path), cwd=ROOT).stdout)
            got = {hit for hit in found if checked(fixture, hit[3])}
            assert got == {(fixture.path.name, e.line, e.col + 1, e.code) for e in fixture.expected}


def test_examples_show_what_the_readme_promises():
    """README's first command lints examples/; the sample output it shows is real."""
    result = flake8("--exit-zero", "examples/", cwd=ROOT)
    assert result.returncode == 0
    actual = result.stdout.replace("./", "").splitlines()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- example-output", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    promised = [line for line in block.splitlines() if line.strip()]
    assert promised
    for line in promised:
        assert line in actual, f"README promises {line!r}"
    assert all(LINE.match(line)["code"].startswith("AIO") for line in actual), "examples must be clean of other linters"
    assert len({LINE.match(line)["code"] for line in actual}) >= 6


BLOCKING_TEST = "import time\n\n\nasync def test_slow():\n    time.sleep(1)\n"


@pytest.mark.parametrize(
    "option, folder, exempt",
    [("aio-test-files", "tests", "test_slow.py"), ("aio-cli-files", "tool", "cli.py")],
)
def test_file_policies_end_to_end(tmp_path, option, folder, exempt):
    """Blocking calls are not reported in test files nor in command-line modules; an empty option
    value reports them there too; a malformed pattern is a usage error."""
    (tmp_path / folder).mkdir()
    (tmp_path / folder / exempt).write_text(BLOCKING_TEST)
    (tmp_path / "app.py").write_text(BLOCKING_TEST)
    found = parse(flake8(".", cwd=tmp_path).stdout)
    assert {(name, c) for name, _, _, c in found} == {("app.py", code("blocking-sleep"))}
    (tmp_path / "setup.cfg").write_text(f"[flake8]\n{option} =\n")
    found = parse(flake8(".", cwd=tmp_path, isolated=False).stdout)
    assert {name for name, *_ in found} == {"app.py", exempt}
    result = flake8(f"--{option}={folder}/[unit", ".", cwd=tmp_path)
    assert result.returncode != 0 and f"--{option}" in result.stderr and "unbalanced" in result.stderr
    assert "Traceback" not in result.stderr
