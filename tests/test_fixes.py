"""``aio-lint --fix`` / ``--diff``: each fixture pair ``fixtures/fixes/<name>_before.py`` ->
``<name>_after.py`` is exact (a pair whose two files are equal says "not fixed: unsure"), the
fixed file parses and no longer reports a fixed code where it changed, fixing twice changes
nothing, and the command line fixes files in place or only shows the diff."""

from __future__ import annotations

import ast
import difflib
import io
import shlex
import shutil
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flake8_async_patterns.command import config as lint_config
from flake8_async_patterns.command.cli import build_parser, main
from flake8_async_patterns.command.fix import FIXERS, fix_once, fix_text, fixable_codes
from flake8_async_patterns.command.lint import lint_lines
from flake8_async_patterns.registry import PREFIX

from fixture_format import FIXTURES
from rules_by_name import RULES, code

PAIRS_DIR = FIXTURES / "fixes"
PAIRS = sorted(PAIRS_DIR.glob("*_before.py"))
FIXABLE = set(fixable_codes())


def _after(before: Path) -> Path:
    return before.with_name(before.name[: -len("_before.py")] + "_after.py")


def _options(text: str) -> list[str]:
    first = text.splitlines()[0]
    return shlex.split(first.partition("# options:")[2]) if "# options:" in first else []


def _config(options: list[str]):
    return lint_config.load(build_parser().parse_args(["--isolated", *options]))


def _fixable_findings(text: str, display: str, config) -> list[tuple[int, str]]:
    found = lint_lines(display, io.StringIO(text).readlines(), config)
    return [(finding.line, finding.code) for finding in found if finding.code in FIXABLE]


def _changed_lines(before: str, after: str) -> set[int]:
    matcher = difflib.SequenceMatcher(a=before.splitlines(), b=after.splitlines(), autojunk=False)
    return {
        line + 1
        for tag, _, _, start, end in matcher.get_opcodes()
        if tag in ("replace", "insert")
        for line in range(start, end)
    }


def test_fixers_are_keyed_by_registered_rule_names():
    assert set(FIXERS) <= set(RULES)
    assert set(fixable_codes()) == {code(name) for name in FIXERS}


def test_every_pair_is_complete_and_fixers_are_exercised():
    assert PAIRS
    for before in PAIRS:
        assert _after(before).exists(), before.name
    assert {path.name for path in PAIRS_DIR.iterdir()} == {
        name for before in PAIRS for name in (before.name, _after(before).name)
    }


@pytest.mark.parametrize("before", PAIRS, ids=lambda path: path.name[: -len("_before.py")])
def test_pair_is_fixed_exactly(before):
    text = before.read_text(encoding="utf-8")
    expected = _after(before).read_text(encoding="utf-8")
    config = _config(_options(text))
    display = str(before)
    fixed = fix_text(text, display, config)
    assert fixed == expected
    ast.parse(fixed)
    assert fix_text(fixed, display, config) == fixed  # idempotent
    changed = _changed_lines(text, fixed)
    remaining = _fixable_findings(fixed, display, config)
    assert not [finding for finding in remaining if finding[0] in changed]
    if fixed != text:
        assert len(remaining) < len(_fixable_findings(text, display, config))
    else:  # an "unsure" pair: the finding is there, deliberately not fixed
        assert remaining


def test_fixed_code_is_no_longer_reported():
    before = PAIRS_DIR / "asyncio_timeout_before.py"
    text = before.read_text(encoding="utf-8")
    config = _config(_options(text))
    fixed = fix_text(text, str(before), config)
    lines = fixed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("async def not_fixed"))
    findings = _fixable_findings(fixed, str(before), config)
    assert findings and all(line > start for line, _ in findings)


def test_old_target_python_is_not_fixed():
    text = "import asyncio\n\n\nasync def f(g):\n    return asyncio.iscoroutinefunction(g)\n"
    finding = (5, 11, code("deprecated-asyncio-api"), "'asyncio.iscoroutinefunction' is deprecated")
    assert "inspect.iscoroutinefunction" in fix_once(text, [finding], None)
    assert fix_once(text, [finding], (3, 11)) == text
    wait = "import asyncio\n\n\nasync def f(g):\n    await asyncio.wait_for(g(), 1)\n"
    finding = (5, 10, code("prefer-asyncio-timeout"), "")
    assert "asyncio.timeout(1)" in fix_once(wait, [finding], (3, 12))
    assert fix_once(wait, [finding], (3, 11)) == wait


# --- idempotence over generated variations ------------------------------------------------------
_TEMPLATES = (
    "{i}time_.sleep({arg})",
    "{i}loop = aio.get_event_loop()",
    "{i}value = await aio.wait_for(fetch({arg}), {timeout})",
    "{i}await aio.wait_for(fetch(), {timeout})",
    "{i}ok = aio.iscoroutinefunction(fetch)",
    "{i}aio.get_event_loop().call_soon(print, aio.get_event_loop())",
    "{i}fetch(time_.sleep({arg}))",
    "{i}if {arg}: time_.sleep(1)",
)
_ARGS = st.sampled_from(["1", "0.5", "delay", "delay * 2", "fetch()", "'é'.count('x')", "[1][0]"])
_TIMEOUTS = st.sampled_from(["1", "2.5", "delay", "0", "None"])


@st.composite
def _programs(draw) -> str:
    aio = draw(st.sampled_from(["asyncio", "aio"]))
    time_alias = draw(st.sampled_from(["time", "clock"]))
    step = draw(st.sampled_from(["    ", "  ", "\t"]))
    imports = []
    if draw(st.booleans()) or aio != "asyncio":
        imports.append("import asyncio" if aio == "asyncio" else "import asyncio as aio")
    imports.append("import time" if time_alias == "time" else "import time as clock")
    if draw(st.booleans()):
        imports.reverse()
    lines = [*imports, "", "", "async def fetch(delay=1):", f"{step}return delay", "", ""]
    lines.append("async def handler(delay):")
    depth = 1
    for template in draw(st.lists(st.sampled_from(_TEMPLATES), min_size=1, max_size=6)):
        if draw(st.booleans()) and depth < 3:
            lines.append(f"{step * depth}{draw(st.sampled_from(['if delay:', 'for _ in [1]:', 'while delay:']))}")
            depth += 1
        lines.append(
            template.format(i=step * depth, arg=draw(_ARGS), timeout=draw(_TIMEOUTS))
            .replace("aio.", f"{aio}.")
            .replace("time_.", f"{time_alias}.")
        )
    lines.append(f"{step}return None")
    return "\n".join(lines) + "\n"


@settings(deadline=None, max_examples=60, suppress_health_check=list(HealthCheck))
@given(_programs(), st.sampled_from([None, "3.11", "3.12"]))
def test_fixing_twice_changes_nothing(program, version):
    compile(program, "generated", "exec")
    config = _config(["--select", PREFIX, *([f"--aio-python-version={version}"] if version else [])])
    once = fix_text(program, "generated.py", config)
    ast.parse(once)
    assert fix_text(once, "generated.py", config) == once
    assert not [f for f in _fixable_findings(once, "generated.py", config) if f[0] in _changed_lines(program, once)]


# --- the command line ---------------------------------------------------------------------------
def _aio_lint(*args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            status = main(list(args))
        except SystemExit as stop:
            status = stop.code
    return status, out.getvalue()


@pytest.fixture
def project(tmp_path):
    for name in ("asyncio_sleep", "get_running_loop_import", "asyncio_sleep_rebound"):
        shutil.copy(PAIRS_DIR / f"{name}_before.py", tmp_path / f"{name}.py")
    return tmp_path


def test_diff_writes_nothing(project):
    before = {path.name: path.read_bytes() for path in project.iterdir()}
    status, out = _aio_lint("--isolated", "--select", PREFIX, "-j1", "--diff", str(project))
    assert status == 1
    assert {path.name: path.read_bytes() for path in project.iterdir()} == before
    assert f"--- {project / 'asyncio_sleep.py'}" in out and "+import asyncio" in out
    assert "+        await asyncio.sleep(1)" in out and "asyncio_sleep_rebound" not in out


def test_fix_rewrites_in_place_and_reports_what_remains(project):
    status, out = _aio_lint("--isolated", "--select", PREFIX, "-j1", "--fix", str(project))
    for name in ("asyncio_sleep", "get_running_loop_import", "asyncio_sleep_rebound"):
        expected = (PAIRS_DIR / f"{name}_after.py").read_text(encoding="utf-8")
        assert (project / f"{name}.py").read_text(encoding="utf-8") == expected
    assert status == 1  # the not-fixed findings remain
    assert f"asyncio_sleep_rebound.py:6:5: {code('blocking-sleep')}" in out
    fixed_file = [line for line in out.splitlines() if "get_running_loop_import.py" in line]
    assert not [line for line in fixed_file if line.split(": ")[1].split()[0] in FIXABLE]
    status, out = _aio_lint("--isolated", "--select", PREFIX, "-j1", "--diff", str(project))
    assert (status, out) == (0, "")


def test_fix_keeps_crlf_line_ends_and_encoding(tmp_path):
    path = tmp_path / "crlf.py"
    source = "# -*- coding: latin-1 -*-\nimport time\n\n\nasync def f():\n    time.sleep(1)  # é\n"
    path.write_bytes(source.replace("\n", "\r\n").encode("latin-1"))
    status, _ = _aio_lint("--isolated", "--select", PREFIX, "-j1", "--fix", str(path))
    fixed = path.read_bytes()
    assert fixed.count(b"\r\n") == fixed.count(b"\n") == 7
    assert b"await asyncio.sleep(1)  # \xe9" in fixed and b"import asyncio\r\nimport time\r\n" in fixed
    assert status == 0


def test_fix_refuses_stdin():
    status, _ = _aio_lint("--isolated", "--fix", "-")
    assert status == 2
