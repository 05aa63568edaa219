"""Fault isolation: a checker that raises loses only its own findings for the file, the others
still report, and the failure is itself a finding -- visible wherever flake8 output goes."""

from __future__ import annotations

import ast

import pytest

from flake8_async_patterns import runner
from flake8_async_patterns.engine import Engine
from flake8_async_patterns.registry import INTERNAL_ERROR
from flake8_async_patterns.rules import CHECKERS
from flake8_async_patterns.rules.sqlalchemy.concurrency import SessionConcurrencyChecker
from flake8_async_patterns.runner import lint
from flake8_async_patterns.settings import Settings

from rules_by_name import code, without_stand_in_noise

SOURCE = """\
import asyncio


async def fetch():
    return 1


async def dashboard(session):
    fetch()
    await asyncio.gather(session.execute(1), session.execute(2))
    asyncio.create_task(asyncio.sleep(1))
"""


class BrokenConcurrencyChecker(SessionConcurrencyChecker):
    """The real concurrent-session-use checker, with a bug on its third call."""

    calls = 0

    def visit_Call(self, node: ast.Call) -> None:
        type(self).calls += 1
        super().visit_Call(node)
        if self.ctx.qualified_name(node.func) == "asyncio.gather":
            raise KeyError("session")


def _with_broken_checker():
    return [BrokenConcurrencyChecker if cls is SessionConcurrencyChecker else cls for cls in CHECKERS]


def _codes(results):
    return without_stand_in_noise(sorted((line, message.split()[0]) for line, _, message in results))


def test_the_unbroken_run_reports_three_rules():
    assert _codes(lint(SOURCE)) == [
        (9, code("unawaited-coroutine")),
        (10, code("concurrent-session-use")),
        (11, code("dangling-task")),
    ]


def test_a_raising_checker_loses_only_its_own_findings():
    results = Engine(ast.parse(SOURCE), Settings(), _with_broken_checker()).run()
    assert _codes(results) == [
        (9, code("unawaited-coroutine")),
        (10, INTERNAL_ERROR.code),
        (11, code("dangling-task")),
    ]
    internal = next(message for _, _, message in results if message.startswith(INTERNAL_ERROR.code))
    assert internal == (
        f"{INTERNAL_ERROR.code} internal error in {code('concurrent-session-use')} (KeyError: 'session'); please "
        f"report it"
    )


def test_a_raising_checker_is_switched_off_for_the_rest_of_the_file():
    BrokenConcurrencyChecker.calls = 0
    source = SOURCE + "\n\nasync def other(session):\n    await asyncio.gather(session.get(1), session.get(2))\n"
    results = Engine(ast.parse(source), Settings(), _with_broken_checker()).run()
    assert [m for _, _, m in results].count(next(m for _, _, m in results if m.startswith(INTERNAL_ERROR.code))) == 1
    calls_until_failure = BrokenConcurrencyChecker.calls
    assert calls_until_failure == 2  # fetch(), then gather raised: nothing after it reached the checker
    assert code("concurrent-session-use") not in {m.split()[0] for _, _, m in results}


def test_hooks_are_isolated_too():
    class BrokenAtTheEnd(SessionConcurrencyChecker):
        def visit_Call(self, node):
            super().visit_Call(node)

        def module_end(self):
            raise ValueError("late\nbug")

    checkers = [BrokenAtTheEnd if cls is SessionConcurrencyChecker else cls for cls in CHECKERS]
    results = Engine(ast.parse(SOURCE), Settings(), checkers).run()
    codes = _codes(results)
    assert (9, code("unawaited-coroutine")) in codes and (11, code("dangling-task")) in codes
    assert (1, INTERNAL_ERROR.code) in codes  # decided after the walk: reported at the top
    assert not any(c == code("concurrent-session-use") for _, c in codes)
    assert any("(ValueError: late bug)" in message for _, _, message in results)  # one line


def test_the_projects_own_tests_fail_on_a_raising_checker(monkeypatch):
    monkeypatch.setattr(runner, "CHECKERS", _with_broken_checker())
    with pytest.raises(KeyError, match="session"):
        lint(SOURCE)


def test_what_a_flake8_user_sees(monkeypatch, tmp_path, capsys):
    """Through flake8 itself (in-process, so the broken checker can be swapped in): a normal
    finding line, a non-zero exit code, and the other rules' findings."""
    from flake8.main.cli import main as flake8_main

    monkeypatch.setattr(runner, "CHECKERS", _with_broken_checker())
    path = tmp_path / "app.py"
    path.write_text(SOURCE)
    status = flake8_main(["--isolated", "--jobs=1", "--select=AIO", str(path)])
    out = capsys.readouterr().out.splitlines()
    assert status == 1
    assert (
        f"{path}:10:11: {INTERNAL_ERROR.code} internal error in {code('concurrent-session-use')} "
        "(KeyError: 'session'); please report it" in out
    )
    assert any(f":9:5: {code('unawaited-coroutine')} " in line for line in out)
    assert any(f":11:5: {code('dangling-task')} " in line for line in out)
    status = flake8_main(
        ["--isolated", "--jobs=1", "--select=AIO", f"--extend-ignore={INTERNAL_ERROR.code}", str(path)]
    )
    out = capsys.readouterr().out
    assert INTERNAL_ERROR.code not in out and code("unawaited-coroutine") in out


def test_an_engine_fault_is_reported_at_the_top_of_the_file(monkeypatch):
    """A bug in the traversal itself leaves nothing to trust: one finding at line 1."""
    from flake8_async_patterns.plugin import AsyncPatternsChecker

    def boom(self, node):
        raise RuntimeError("engine bug")

    monkeypatch.setattr(Engine, "_yield", boom)
    results = list(AsyncPatternsChecker(ast.parse("async def f():\n    yield 1\n"), "f.py").run())
    assert [(line, col, message) for line, col, message, _ in results] == [
        (1, 0, f"{INTERNAL_ERROR.code} internal error in the engine (RuntimeError: engine bug); please report it")
    ]
