"""Runtime witnesses: a handler that swallows the task's cancellation really stops ``task.cancel()``
and ``asyncio.timeout`` from working, and the fixture's correct code really lets them work.

A fixture's ``wrong_*`` and ``correct_*`` functions take ``wait`` (here: a 10 s sleep).  A wrong
one carries the rule's annotation and, cancelled while it waits, ends as ``WRONG_OUTCOME`` says,
not cancelled; under a 0.05 s ``asyncio.timeout`` (``asyncio.wait_for`` on 3.10) it ends the same
way, with no ``TimeoutError``.  A correct one carries none, ends cancelled, and times out.  Only
the witness functions are compiled (with the fixture's file name and line numbers): the rest of a
fixture imports frameworks (FastAPI...) these tests do not need.
"""

from __future__ import annotations

import ast
import asyncio
import logging
import sys
import time

import pytest

from fixture_format import all_fixtures, annotated_lines, compile_from_fixture, definitions
from rules_by_name import code

WITNESSED = ("cancelled-error-not-reraised", "cancellation-swallowed")
PREFIXES = ("wrong_", "correct_")
DELAY = 0.05  # the timeout; the wait it interrupts is 10 s
BOUND = 5  # no run may take longer than this

# How each wrong function ends, whether cancelled by task.cancel() or by the timeout.
WRONG_OUTCOME = {
    "wrong_stops_quietly": "returned 'stopped'",
    "wrong_converts": "raised RuntimeError('stopped')",
    "wrong_group_swallows": "returned None",
    "wrong_group_reraises": "raised BaseExceptionGroup('', (CancelledError(),))",
    "wrong_catch_all": "returned None",
    "wrong_bare": "returned None",
}


def _wait():
    return asyncio.sleep(10)


def _witnesses(fixture) -> list[ast.AsyncFunctionDef]:
    return definitions(fixture, PREFIXES, ast.AsyncFunctionDef)


def _fixtures(rule_name: str, *, runnable: bool = True):
    """The rule's fixtures this Python can (or, ``runnable=False``, cannot) parse."""
    mine = [f for f in all_fixtures() if f.code == code(rule_name)]
    return [f for f in mine if (f.min_version is None or sys.version_info >= f.min_version) == runnable]


def _compiled(fixture, name: str):
    """The witness ``name``, compiled with all the fixture's witnesses."""
    namespace = {"asyncio": asyncio, "log": logging.getLogger(f"witness.{fixture.path.stem}")}
    fn, _ = compile_from_fixture(fixture, name, namespace, also=[n.name for n in _witnesses(fixture)])
    return fn


CASES = [(r, f, node.name) for r in WITNESSED for f in _fixtures(r) for node in _witnesses(f)]


def _params() -> list:
    params = []
    for rule_name, fixture, function in CASES:
        params.append(pytest.param(rule_name, fixture, function, id=f"{rule_name}:{function}"))
    for rule_name in WITNESSED:
        for fixture in _fixtures(rule_name, runnable=False):
            needs = pytest.mark.skip(reason="needs Python {}.{}".format(*fixture.min_version))
            params.append(pytest.param(rule_name, fixture, "", id=fixture.path.name, marks=needs))
    return params


def _outcome(task: asyncio.Task) -> str:
    assert task.done(), f"still running after {BOUND} s"
    if task.cancelled():
        return "cancelled"
    if task.exception() is not None:
        return f"raised {task.exception()!r}"
    return f"returned {task.result()!r}"


async def _cancelled(fn) -> str:
    task = asyncio.create_task(fn(_wait))
    for _ in range(2):  # into the try body's await (and, for a TaskGroup, into the child's sleep)
        await asyncio.sleep(0)
    assert not task.done(), "finished before it could be cancelled"
    task.cancel()
    await asyncio.wait({task}, timeout=BOUND)
    return _outcome(task)


async def _under_timeout(fn):
    if sys.version_info < (3, 11):
        return await asyncio.wait_for(fn(_wait), DELAY)
    async with asyncio.timeout(DELAY):
        return await fn(_wait)


async def _timed_out(fn) -> str:
    task = asyncio.create_task(_under_timeout(fn))
    await asyncio.wait({task}, timeout=BOUND)
    return _outcome(task)


def test_every_witnessed_rule_has_wrong_and_correct_code():
    for rule_name in WITNESSED:
        functions = [f for r, _, f in CASES if r == rule_name]
        assert {p for p in PREFIXES for f in functions if f.startswith(p)} == set(PREFIXES), rule_name
    wrong = {f for _, _, f in CASES if f.startswith("wrong_")}
    assert wrong <= set(WRONG_OUTCOME), f"record how {sorted(wrong - set(WRONG_OUTCOME))} end"


@pytest.mark.parametrize("rule_name, fixture, function", _params())
def test_annotation(rule_name, fixture, function):
    node = next(n for n in _witnesses(fixture) if n.name == function)
    flagged = annotated_lines(fixture, node)
    if function.startswith("wrong_"):
        assert flagged, f"{function} is wrong code the rule does not flag"
    else:
        assert not flagged, f"{function} is correct code the rule flags"


@pytest.mark.parametrize("rule_name, fixture, function", _params())
def test_task_cancel(rule_name, fixture, function):
    outcome = asyncio.run(_cancelled(_compiled(fixture, function)))
    expected = WRONG_OUTCOME[function] if function.startswith("wrong_") else "cancelled"
    assert outcome == expected, f"{function}, cancelled: {outcome}"


@pytest.mark.parametrize("rule_name, fixture, function", _params())
def test_timeout(rule_name, fixture, function):
    start = time.monotonic()
    outcome = asyncio.run(_timed_out(_compiled(fixture, function)))
    elapsed = time.monotonic() - start
    expected = WRONG_OUTCOME[function] if function.startswith("wrong_") else "raised TimeoutError()"
    assert outcome == expected, f"{function}, timed out after {DELAY} s: {outcome}"
    assert elapsed < 1, f"{function} ran {elapsed:.2f} s: the timeout did not interrupt the wait"
