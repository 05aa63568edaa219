"""Runtime witness for coroutine-used-as-value: with ``token_expired`` returning False, the
fixture's ``refresh`` (which tests the un-awaited call) still takes the "renewed" branch, and
``show``'s subscript of an un-awaited call raises TypeError; ``awaited`` (the same code with
``await``) does neither.  The functions are compiled from the fixture; each run is bounded."""

from __future__ import annotations

import asyncio
import gc

import pytest

from fixture_format import compile_from_fixture, fixture_of
from rules_by_name import code

RULE = "coroutine-used-as-value"
BOUND = 2
HELPERS = {"token_expired", "load_user"}


def _witness(name: str):
    namespace = {"asyncio": asyncio, "aio": asyncio}
    return compile_from_fixture(fixture_of(code(RULE)), name, namespace, also=HELPERS, drop_decorators=True)


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
