"""Runtime witnesses: each SQLAlchemy rule's wrong fixture code really fails under SQLAlchemy's
asyncio extension, for the reason the rule gives, and its correct code really works.

The fixture's ``wrong_*`` and ``correct_*`` functions run against a fresh SQLite database through
``aiosqlite``; a first parameter named ``factory`` gets the ``async_sessionmaker``, anything else a
new session.  A wrong function must also carry the rule's annotation, a correct one must not.

The pool is emptied before each run, as on a worker's first request: a session's first statement
then provisions its connection, which is where SQLAlchemy itself detects two overlapping
operations (``isce``).  With a connection already checked out the overlap reaches the driver
instead -- asyncpg fails with "another operation is in progress", aiosqlite interleaves the
statements silently -- which is no less a bug, only a less legible one.
"""

from __future__ import annotations

import ast
import asyncio
import gc
import inspect

import pytest
from sqlalchemy.exc import InvalidRequestError, MissingGreenlet
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from fixture_format import all_fixtures, annotated_lines, definitions, import_fixture
from rules_by_name import code

# The failed lazy load leaves aiosqlite's cursor coroutine behind: part of the failure, not news.
pytestmark = pytest.mark.filterwarnings("ignore:coroutine 'Connection.cursor' was never awaited:RuntimeWarning")

# rule name -> (exception the wrong code raises, SQLAlchemy error code or message fragment)
WITNESSED = {
    "concurrent-session-use": (InvalidRequestError, "isce"),
    "expired-attribute-after-commit": (MissingGreenlet, "xd2s"),
    "sync-session-api-on-async-session": (AttributeError, "query"),
}


def _fixture(rule_name: str):
    stem = f"{code(rule_name)}_{rule_name.replace('-', '_')}"
    return next(f for f in all_fixtures() if f.path.stem == stem)


def _functions(fixture, prefix: str):
    return definitions(fixture, prefix, (ast.FunctionDef, ast.AsyncFunctionDef))


async def _call(fn, argument):
    try:
        result = fn(argument)
        return await result if inspect.isawaitable(result) else result
    except BaseException:
        await asyncio.sleep(0.2)  # let the overlapping operation finish before the session closes
        raise


async def _run(module, name: str, database: str):
    engine = create_async_engine(database)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(module.Base.metadata.create_all)
        await engine.dispose()  # no pooled connection: the session provisions its own
        factory = async_sessionmaker(engine)  # expire_on_commit defaults to True, as in the wild
        fn = getattr(module, name)
        first = next(iter(inspect.signature(fn).parameters))
        if first == "factory":
            return await _call(fn, factory)
        async with factory() as session:
            return await _call(fn, session)
    finally:
        await asyncio.shield(engine.dispose())  # even if the test run is cancelled


def _caused_by(error: BaseException, error_type: type) -> BaseException | None:
    """``error`` or the exception it wraps (``StatementError.orig``, ``__cause__``...)."""
    seen = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, error_type):
            return error
        seen.add(id(error))
        error = getattr(error, "orig", None) or error.__cause__ or error.__context__
    return None


CASES = [
    (rule_name, prefix, node.name)
    for rule_name in WITNESSED
    for prefix in ("wrong_", "correct_")
    for node in _functions(_fixture(rule_name), prefix)
]


def test_every_witnessed_rule_has_wrong_and_correct_code():
    for rule_name in WITNESSED:
        assert {p for r, p, _ in CASES if r == rule_name} == {"wrong_", "correct_"}, rule_name


@pytest.mark.parametrize("rule_name, prefix, function", CASES, ids=[f"{r}:{f}" for r, _, f in CASES])
def test_witness(rule_name, prefix, function, tmp_path):
    fixture = _fixture(rule_name)
    module = import_fixture(fixture)
    node = next(n for n in _functions(fixture, prefix) if n.name == function)
    flagged = annotated_lines(fixture, node)
    database = f"sqlite+aiosqlite:///{tmp_path / 'witness.db'}"
    if prefix == "wrong_":
        assert flagged, f"{function} is wrong code the rule does not flag"
        error_type, marker = WITNESSED[rule_name]
        with pytest.raises(Exception) as failure:
            asyncio.run(_run(module, function, database))
        reason = _caused_by(failure.value, error_type)
        assert reason is not None, f"{function} failed, but not with {error_type.__name__}: {failure.value!r}"
        assert marker in (getattr(reason, "code", None) or "") + str(reason)
    else:
        assert not flagged, f"{function} is correct code the rule flags"
        asyncio.run(_run(module, function, database))
    gc.collect()  # finalize what the failure left behind while this test's warning filter holds
