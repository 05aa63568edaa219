"""Runtime witness for coroutine-passed-to-wait: the fixture's ``first_reply`` (coroutines handed to
``asyncio.wait``) raises TypeError on Python 3.11+ (and warns on 3.10), while ``with_tasks`` (the same
work as tasks) returns.  Only the witness functions and ``fetch`` are compiled from the fixture;
each run is bounded to 2 s."""

from __future__ import annotations

import asyncio
import gc
import sys
import warnings

import pytest

from fixture_format import compile_from_fixture, fixture_of
from rules_by_name import code

RULE = "coroutine-passed-to-wait"
BOUND = 2


def _witness(name: str):
    return compile_from_fixture(fixture_of(code(RULE)), name, {"asyncio": asyncio}, also=["fetch"])


async def _bounded(fn):
    return await asyncio.wait_for(fn(["a", "b"]), BOUND)


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
def test_coroutines_handed_to_wait_fail():
    fn, flagged = _witness("first_reply")
    assert flagged, "the failing call is not flagged"
    if sys.version_info >= (3, 11):
        with pytest.raises(TypeError, match="coroutines is forbidden"):
            asyncio.run(_bounded(fn))
    else:  # 3.8-3.10: deprecated, still accepted
        with pytest.warns(DeprecationWarning):
            asyncio.run(_bounded(fn))
    gc.collect()  # the refused coroutines warn here, under this test's filter, not in the next test


@pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")
def test_one_coroutine_handed_to_wait_fails_everywhere():
    """``asyncio.wait(fetch(url))``: a single coroutine where a collection belongs is refused on
    every Python version, not only since 3.11."""
    fn, flagged = _witness("one_reply")
    assert flagged, "the failing call is not flagged"
    with pytest.raises(TypeError, match="expect a list of futures"):
        asyncio.run(_bounded(fn))
    gc.collect()


def test_tasks_handed_to_wait_work():
    fn, flagged = _witness("with_tasks")
    assert not flagged, "the working call is flagged"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        done = asyncio.run(_bounded(fn))
    assert {task.result() for task in done} <= {"a", "b"}
