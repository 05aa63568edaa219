"""Runtime witness for coroutine-used-as-value: with ``token_expired`` returning False, the
fixture's ``refresh`` (which tests the un-awaited call) still takes the "renewed" branch, and
``show``'s subscript of an un-awaited call raises TypeError; ``awaited`` (the same code with
``await``) does neither.  The functions are compiled from the fixture; each run is bounded."""

from __future__ import annotations

import ast
import asyncio
import gc

import pytest

from fixture_format import all_fixtures
from rules_by_name import code

RULE = "coroutine-used-as-value"
BOUND = 2
HELPERS = {"token_expired", "load_user"}


def _witness(name: str):
    fixture = next(f for f in all_fixtures() if f.code == code(RULE))
    tree = ast.parse(fixture.source, str(fixture.path))
    nodes = [n for n in tree.body if isinstance(n, ast.AsyncFunctionDef) and n.name in HELPERS | {name}]
    for node in nodes:
        node.decorator_list = []  # the route decorator needs the app, not the witness
    namespace = {"asyncio": asyncio, "aio": asyncio}
    exec(compile(ast.Module(body=nodes, type_ignores=[]), str(fixture.path), "exec"), namespace)
    node = next(n for n in nodes if n.name == name)
    flagged = {e.line for e in fixture.expected if e.code == code(RULE)} & set(range(node.lineno, node.end_lineno + 1))
    return namespace[name], flagged


def _run(coro):
    return asyncio.run(asyncio.wait_for(coro, BOUND))


def test_a_coroutine_as_a_condition_is_always_true():
    refresh, flagged = _witness("refresh")
    assert flagged
    with pytest.warns(RuntimeWarning, match="coroutine 'token_expired' was never awaited"):
        assert _run(refresh("ada")) == "renewed"  # although token_expired() returns False
        gc.collect()


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
def test_a_subscripted_coroutine_raises():
    show, flagged = _witness("show")
    assert flagged
    with pytest.raises(TypeError, match="not subscriptable"):
        _run(show(1, None))


def test_the_awaited_code_runs_as_meant():
    awaited, flagged = _witness("awaited")
    assert not flagged
    assert _run(awaited("ada")) == "{'id': 2, 'name': 'ada'}"
