"""Option parsing, and that each option changes what is reported."""

from __future__ import annotations

import argparse

import pytest

from flake8_async_patterns.engine import Engine
from flake8_async_patterns.plugin import AsyncPatternsChecker
from flake8_async_patterns.rules import CHECKERS
from flake8_async_patterns.runner import lint
from flake8_async_patterns.settings import (
    DEFAULT_SESSION_FACTORIES,
    DEFAULT_SESSION_NAMES,
    OPTIONS,
    BlockingCall,
    OptionError,
    Settings,
    build_settings,
    parse_blocking_calls,
    parse_names,
    parse_python_version,
)

from fixture_format import all_fixtures
from rules_by_name import RULES, code, without_stand_in_noise


def codes(source: str, **options) -> set[tuple[int, str]]:
    found = {(line, message.split()[0]) for line, _, message in lint(source, build_settings(**options))}
    return without_stand_in_noise(found)


@pytest.mark.parametrize("value, expected", [("3.10", (3, 10)), (" 3.13 ", (3, 13)), ("", None), (None, None)])
def test_python_version_parses(value, expected):
    assert parse_python_version(value) == expected


@pytest.mark.parametrize("value", ["3", "3.x", "2.7", "three", "3.11.1", "v3.11"])
def test_python_version_rejects(value):
    with pytest.raises(OptionError, match=r"--aio-python-version: expected a Python 3 version like '3.11'"):
        parse_python_version(value)


def test_names_parse_commas_and_newlines():
    assert parse_names("session,\n  uow , db.SessionLocal", "--aio-session-names", ()) == (
        "session",
        "uow",
        "db.SessionLocal",
    )
    assert parse_names(None, "--aio-session-names", DEFAULT_SESSION_NAMES) == DEFAULT_SESSION_NAMES


@pytest.mark.parametrize("value", ["not a name", "1abc", "a-b", "a..b"])
def test_names_reject(value):
    with pytest.raises(OptionError, match="--aio-session-factories: expected comma-separated Python names"):
        parse_names(value, "--aio-session-factories", DEFAULT_SESSION_FACTORIES)


def test_blocking_calls_parse():
    parsed = parse_blocking_calls("mylib.fetch, mylib.client.*->await mylib.afetch()\nother.mod.get")
    assert parsed == (
        BlockingCall("mylib.fetch"),
        BlockingCall("mylib.client.*", "await mylib.afetch()"),
        BlockingCall("other.mod.get"),
    )
    assert parsed[1].matches("mylib.client.Session.get") and not parsed[1].matches("mylib.fetch")
    assert parsed[0].matches("mylib.fetch") and not parsed[0].matches("mylib.fetcher")


@pytest.mark.parametrize(
    "value, problem",
    [
        ("->x", "is empty"),
        ("mylib.fetch->", "a replacement after '->'"),
        ("fetch", "not a bare name"),
        ("my lib.fetch", "dotted qualified name"),
        ("mylib..fetch", "dotted qualified name"),
        ("mylib.fetch.", "dotted qualified name"),
    ],
)
def test_blocking_calls_reject(value, problem):
    with pytest.raises(OptionError, match="--aio-blocking-calls: entry") as error:
        parse_blocking_calls(value)
    assert problem in str(error.value)


def test_python_version_option_silences_taskgroup_suggestions():
    fixture = next(f for f in all_fixtures() if f.code == code("prefer-taskgroup") and f.options)
    source = fixture.source
    assert (code("prefer-taskgroup")) in {c for _, c in codes(source)}
    assert code("prefer-taskgroup") not in {c for _, c in codes(source, python_version="3.10")}
    assert code("prefer-taskgroup") in {c for _, c in codes(source, python_version="3.11")}


SESSION_SOURCE = """\
async def save(session, uow, item):
    session.commit()
    uow.commit()


async def load(session, uow, item):  # awaits methods of both names: sessions by name count only then
    await session.refresh(item)
    await uow.refresh(item)
"""


def test_session_names_option_replaces_the_defaults():
    unawaited = code("unawaited-coroutine")
    assert codes(SESSION_SOURCE) == {(2, unawaited)}
    assert codes(SESSION_SOURCE, session_names="uow") == {(3, unawaited)}
    assert codes(SESSION_SOURCE, session_names="session,uow") == {(2, unawaited), (3, unawaited)}


FACTORY_SOURCE = """\
async def work(make_session):
    async with make_session() as s:
        s.commit()
"""


def test_session_factories_option():
    unawaited = code("unawaited-coroutine")
    assert codes(FACTORY_SOURCE) == set()
    assert codes(FACTORY_SOURCE, session_factories="make_session") == {(3, unawaited)}


def _namespace(**overrides) -> argparse.Namespace:
    values = {
        "select": None,
        "ignore": None,
        "extend_select": None,
        "extend_ignore": None,
        "extended_default_select": ["C90", "F", "E", "W", "AIO"],  # flake8 adds each plugin's entry point
        "extended_default_ignore": [r.code for r in RULES.values() if not r.default_enabled],
        **{option.dest: None for option in OPTIONS},
    }
    values.update(overrides)
    return argparse.Namespace(**values)


class _Manager:
    class parser:
        @staticmethod
        def error(message):
            raise SystemExit(message)


def test_parse_options_uses_flakes8_selection():
    options = _namespace()
    AsyncPatternsChecker.parse_options(_Manager, options, [])
    enabled = options._aio_settings.enabled
    assert code("unawaited-coroutine") in enabled and code("prefer-taskgroup") not in enabled

    options = _namespace(extend_select=[code("prefer-taskgroup")])
    AsyncPatternsChecker.parse_options(_Manager, options, [])
    assert code("prefer-taskgroup") in options._aio_settings.enabled

    options = _namespace(select=["AIO"])
    AsyncPatternsChecker.parse_options(_Manager, options, [])
    assert options._aio_settings.enabled == frozenset(r.code for r in RULES.values())


def test_parse_options_reports_bad_values_through_the_parser():
    with pytest.raises(SystemExit, match="--aio-session-names"):
        AsyncPatternsChecker.parse_options(_Manager, _namespace(aio_session_names="a b"), [])


def test_unselected_rules_cost_nothing():
    """Checkers whose rules are all deselected are never created; no selection, no traversal."""
    only_loop = Settings(enabled=frozenset({code("asyncio-run-in-coroutine")}))
    engine = Engine(compile("x = 1", "x", "exec", flags=0x400), only_loop, CHECKERS)
    assert [type(c).__name__ for c in engine.checkers] == ["LoopChecker"]
    assert Engine(compile("x = 1", "x", "exec", flags=0x400), Settings(enabled=frozenset()), CHECKERS).checkers == []
    nothing = AsyncPatternsChecker(
        compile("x = 1", "x", "exec", flags=0x400),
        options=argparse.Namespace(_aio_settings=Settings(enabled=frozenset())),
    )
    assert list(nothing.run()) == []


def test_deselected_rule_in_a_shared_checker_is_not_reported():
    source = "import asyncio\nasync def f():\n    asyncio.create_task(f())\n    return asyncio.run(f())\n"
    settings = Settings(enabled=frozenset({code("asyncio-run-in-coroutine")}))
    assert {m.split()[0] for _, _, m in lint(source, settings)} == {code("asyncio-run-in-coroutine")}


def test_configured_calls_end_transitive_chains_without_their_own_rule():
    """transitive-blocking-call follows a helper to a configured call even when
    configured-blocking-call itself is not selected (as it follows one to ``time.sleep`` with
    blocking-sleep deselected)."""
    source = "import mylib\n\ndef refresh():\n    mylib.fetch_sync()\n\nasync def handler():\n    refresh()\n"
    calls = parse_blocking_calls("mylib.fetch_sync")
    for selected in ({"transitive-blocking-call"}, {"transitive-blocking-call", "configured-blocking-call"}):
        settings = Settings(enabled=frozenset(code(name) for name in selected), blocking_calls=calls)
        assert [(line, m.split()[0]) for line, _, m in lint(source, settings)] == [
            (7, code("transitive-blocking-call"))
        ]


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, ("test_*.py", "*_test.py", "conftest.py", "*/tests/*", "*/test/*")),
        ("", ()),
        (" , ", ()),
        ("test_*.py,\n  */it/*,", ("test_*.py", "*/it/*")),
        ("tests\\unit\\*", ("tests/unit/*",)),
    ],
)
def test_test_files_parse(value, expected):
    assert build_settings(test_files=value).test_files == expected


@pytest.mark.parametrize("value", ["tests/[abc", "[", "a,b[c-d"])
def test_test_files_reject_unbalanced_brackets(value):
    with pytest.raises(OptionError, match=r"--aio-test-files: pattern .* has an unbalanced '\['"):
        build_settings(test_files=value)


@pytest.mark.parametrize(
    "filename, expected",
    [
        ("tests/test_api.py", True),
        ("tests/helpers.py", True),
        ("pkg/tests/helpers.py", True),
        ("pkg/test/helpers.py", True),
        ("test_api.py", True),
        ("api_test.py", True),
        ("conftest.py", True),
        ("pkg/conftest.py", True),
        ("src/app.py", False),
        ("testing.py", False),
        ("contest.py", False),
        ("src/latest/app.py", False),
        ("<string>", False),
        (None, False),
    ],
)
def test_is_test_file(filename, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Settings().is_test_file(filename) is expected
    assert Settings(test_files=()).is_test_file(filename) is False


def test_a_checkout_under_a_test_folder_is_not_all_tests(tmp_path, monkeypatch):
    project = tmp_path / "test" / "project"
    (project / "src").mkdir(parents=True)
    monkeypatch.chdir(project)
    assert not Settings().is_test_file(str(project / "src" / "app.py"))
    assert Settings().is_test_file(str(project / "src" / "tests" / "unit.py"))


TEST_FILE_SOURCE = """\
import asyncio
import time


async def fetch():
    return 1


async def test_it():
    time.sleep(1)
    fetch()
"""


def test_latency_rules_are_not_reported_in_test_files():
    blocking, unawaited = code("blocking-sleep"), code("unawaited-coroutine")
    assert {c for _, c in codes_in(TEST_FILE_SOURCE, "app.py")} == {blocking, unawaited}
    assert {c for _, c in codes_in(TEST_FILE_SOURCE, "tests/test_app.py")} == {unawaited}
    assert {c for _, c in codes_in(TEST_FILE_SOURCE, "tests/test_app.py", test_files="")} == {blocking, unawaited}


@pytest.mark.parametrize(
    "filename, expected",
    [
        ("pkg/__main__.py", True),
        ("cli.py", True),
        ("pkg/cli.py", True),
        ("pkg/cli/commands/run.py", True),
        ("scripts/release.py", True),
        ("app/management/commands/sync_feeds.py", True),
        ("pkg/benchmarks/serve.py", True),
        ("benchmarks/load.py", True),
        ("examples/shop/api.py", False),  # an example may be an application, and is copied
        ("pkg/example.py", False),
        ("pkg/benchmark.py", False),
        ("pkg/client.py", False),
        ("pkg/clients/http.py", False),
        ("pkg/commands/ban.py", False),  # a chat bot's commands are request handlers
        ("pkg/main.py", False),
    ],
)
def test_is_cli_file(filename, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert Settings().is_cli_file(filename) is expected
    assert Settings(cli_files=()).is_cli_file(filename) is False


@pytest.mark.parametrize("value, expected", [("", ()), ("tools/*, run.py", ("tools/*", "run.py"))])
def test_cli_files_parse(value, expected):
    assert build_settings(cli_files=value).cli_files == expected


def test_cli_files_reject_unbalanced_brackets():
    with pytest.raises(OptionError, match=r"--aio-cli-files: pattern 'bin/\[x' has an unbalanced '\['"):
        build_settings(cli_files="bin/[x")


def test_blocking_rules_are_not_reported_in_cli_modules():
    blocking, unawaited = code("blocking-sleep"), code("unawaited-coroutine")
    assert {c for _, c in codes_in(TEST_FILE_SOURCE, "pkg/cli.py")} == {unawaited}
    assert {c for _, c in codes_in(TEST_FILE_SOURCE, "pkg/cli.py", cli_files="")} == {blocking, unawaited}
    assert {c for _, c in codes_in(TEST_FILE_SOURCE, "tools/run.py", cli_files="*/tools/*")} == {unawaited}


def test_only_the_blocking_family_is_exempt_in_cli_modules():
    exempt = {rule.code for rule in RULES.values() if not rule.in_cli_files}
    assert exempt == {rule.code for rule in RULES.values() if rule.code.startswith("AIO2")}


def codes_in(source: str, filename: str, **options) -> set[tuple[int, str]]:
    results = lint(source, build_settings(**options), filename)
    return without_stand_in_noise({(line, message.split()[0]) for line, _, message in results})


def test_every_rule_says_whether_it_is_reported_in_test_files():
    latency = {rule.code for rule in RULES.values() if not rule.in_test_files}
    assert {rule.code for rule in RULES.values() if rule.code.startswith("AIO2")} <= latency
    assert {code("unawaited-coroutine"), code("dangling-task"), code("asyncio-run-in-coroutine")}.isdisjoint(latency)


@pytest.mark.parametrize(
    "value, expected", [("true", True), ("False", False), (" yes ", True), ("0", False), (None, True)]
)
def test_expire_on_commit_parses(value, expected):
    assert build_settings(expire_on_commit=value).expire_on_commit is expected


def test_expire_on_commit_rejects():
    with pytest.raises(OptionError, match="--aio-expire-on-commit: expected true or false, got 'maybe'"):
        build_settings(expire_on_commit="maybe")


@pytest.mark.parametrize("value", ["3.7", "3.16", "3.99"])
def test_python_version_must_be_known(value):
    with pytest.raises(OptionError, match=r"expected a Python version the plugin knows, 3\.8 to 3\.15"):
        parse_python_version(value)


def test_python_version_number_from_a_config_file_gets_a_hint():
    with pytest.raises(OptionError, match=r'quote it, "3\.10"'):
        parse_python_version(3.1)  # what a TOML/YAML reader makes of 3.10


@pytest.mark.parametrize(
    "value, problem", [("*", "match every call"), ("*.*", "match every call"), ("a.b->c->d", "one '->'")]
)
def test_blocking_calls_reject_everything_patterns_and_double_arrows(value, problem):
    with pytest.raises(OptionError, match="--aio-blocking-calls: entry") as error:
        parse_blocking_calls(value)
    assert problem in str(error.value)


QUALIFIED_FACTORY_SOURCE = """\
from app.db import make

async def work():
    s = make()
    s.commit()
"""


def test_session_factories_accept_qualified_names():
    unawaited = code("unawaited-coroutine")
    assert codes(QUALIFIED_FACTORY_SOURCE) == set()
    assert codes(QUALIFIED_FACTORY_SOURCE, session_factories="app.db.make") == {
        (4, code("unclosed-session")),
        (5, unawaited),
    }
    assert codes(QUALIFIED_FACTORY_SOURCE, session_factories="other.make") == set()
