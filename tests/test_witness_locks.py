"""Runtime witness for inconsistent-lock-order: the fixture's ``wrong_opposite_order`` (two tasks
taking the same two ``asyncio.Lock`` objects in opposite orders, with a yield in between) never
finishes -- it is still waiting when a 0.5 s bound expires -- while ``correct_one_order`` (both in
one order) finishes at once.  Only the witness functions are compiled from the fixture."""

from __future__ import annotations

import asyncio

import pytest

from fixture_format import compile_from_fixture, fixture_of
from rules_by_name import code

RULE = "inconsistent-lock-order"
BOUND = 0.5


def _witness(name: str):
    return compile_from_fixture(fixture_of(code(RULE)), name, {"asyncio": asyncio})


async def _run(fn):
    return await asyncio.wait_for(fn(asyncio.Lock(), asyncio.Lock()), BOUND)


def test_opposite_orders_deadlock():
    fn, flagged = _witness("wrong_opposite_order")
    assert flagged, "the deadlocking code is not flagged"
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(_run(fn))


def test_one_order_finishes():
    fn, flagged = _witness("correct_one_order")
    assert not flagged, "the consistent code is flagged"
    assert asyncio.run(_run(fn)) == ["forward", "also forward"]
