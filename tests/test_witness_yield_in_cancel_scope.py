"""Runtime witness for yield-in-cancel-scope: an async generator suspended at a ``yield`` inside
``async with asyncio.timeout(...)`` or ``asyncio.TaskGroup()`` leaves the scope open in the
consumer's task, so the scope's cancellation lands in the consumer's code, not in the generator.

* The fixture's ``rows``, ``Feed.__aiter__`` and ``polled`` are consumed with ``async for`` by a
  consumer that sleeps longer than the deadline after each item.  The ``CancelledError`` arrives at
  the consumer's ``await asyncio.sleep(...)`` -- its traceback holds no frame of the generator, which
  sits suspended at the flagged ``yield`` -- and, since the timeout's ``__aexit__`` never runs, it
  is not even turned into a ``TimeoutError``: the consumer, which asked for no timeout, ends
  cancelled.
* ``fan_in``: the child task that fails while the generator is suspended cancels the consumer's
  sleep the same way; the child's ``ValueError`` is not seen by the consumer at all, and only comes
  out when the generator is closed.
* The correct shapes do what they mean: ``rows_right`` and ``nested_generator`` (the timeout closed
  before the ``yield``) leave a consumer slower than the deadline alone, and ``rows_right``'s
  timeout still cuts off a slow ``load()`` inside the generator; the ``@asynccontextmanager``
  ``bounded`` and ``group`` bound and cancel the body of the consumer's own ``async with``, which is
  what the consumer asked for by writing it.

The fixture's deadlines are literals of 5 s to 30 s: the functions are compiled (alone, with the
fixture's file name and line numbers) with an ``asyncio`` whose ``timeout(delay)`` and
``timeout_at(when)`` are the real ones with the delay multiplied by ``SCALE``; ``bounded`` takes
its deadline as an argument and runs with asyncio unchanged.  Every run is bounded to 2 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sys
import time
import traceback
import types

import pytest

from fixture_format import compile_from_fixture, fixture_of
from rules_by_name import code

RULE = "yield-in-cancel-scope"
BOUND = 2
SCALE = 0.01  # a fixture's literal deadline, in seconds, times this: 10 -> 0.1, 30 -> 0.3
PAUSE = 1.0  # how long the consumer sleeps after each item: longer than any scaled deadline
LATE = 0.2  # for the correct generators: a consumer's pause longer than their 0.1 s deadline

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout and TaskGroup need 3.11")


def _asyncio_with_scaled_timeouts(scale: float | None):
    """``asyncio`` itself when ``scale`` is None; else a stand-in whose ``timeout`` and
    ``timeout_at`` are the real ones with the delay (from now) multiplied by ``scale``."""
    if scale is None:
        return asyncio

    def timeout(delay):
        return asyncio.timeout(None if delay is None else delay * scale)

    def timeout_at(when):
        now = asyncio.get_running_loop().time()
        return asyncio.timeout_at(None if when is None else now + (when - now) * scale)

    return types.SimpleNamespace(**{**vars(asyncio), "timeout": timeout, "timeout_at": timeout_at})


@functools.cache
def _fixture():
    return fixture_of(code(RULE))


def _witness(name: str, scale: float | None = SCALE):
    """The fixture's function or class ``name`` and the rule's annotated lines inside it."""
    stand_in = _asyncio_with_scaled_timeouts(scale)
    namespace = {
        "asyncio": stand_in,
        "aio": stand_in,
        "contextlib": contextlib,
        "acm": contextlib.asynccontextmanager,
    }
    return compile_from_fixture(_fixture(), name, namespace)


# -- stand-ins for the fixture's arguments ----------------------------------------------------------


class _Row:
    def __init__(self, value: str, load_delay: float = 0):
        self.value, self.load_delay = value, load_delay

    async def load(self) -> str:
        await asyncio.sleep(self.load_delay)
        return self.value


async def _cursor(items):
    for item in items:
        await asyncio.sleep(0)
        yield item


class _Source:
    """``read()`` returns ``value`` after ``delay`` seconds, or raises ``error``."""

    def __init__(self, value: str | None, delay: float = 0, error: Exception | None = None):
        self.value, self.delay, self.error = value, delay, error

    async def read(self) -> str | None:
        await asyncio.sleep(self.delay)
        if self.error is not None:
            raise self.error
        return self.value


def _feed(feed_class):
    class OneMessage(feed_class):
        def __init__(self):
            self.messages = ["message", None]

        async def receive(self):
            await asyncio.sleep(0)
            return self.messages.pop(0)

    return aiter(OneMessage())


async def _fetch_a_value():
    await asyncio.sleep(0)
    return "value"


# -- consuming a generator --------------------------------------------------------------------------


async def _consume(agen, log: list, pause: float):
    """``async for`` over ``agen``, sleeping ``pause`` seconds after each item; ``log`` records the
    items and, when the sleep is cancelled, where the generator stood and the traceback's frames."""
    async for item in agen:
        log.append(("item", item))
        try:
            await asyncio.sleep(pause)
        except asyncio.CancelledError as cancelled:
            frames = [(f.f_code.co_filename, f.f_code.co_name) for f, _ in traceback.walk_tb(cancelled.__traceback__)]
            log.append(("cancelled at the consumer's sleep", agen.ag_frame.f_lineno, agen.ag_running, frames))
            raise
    log.append(("loop ended",))


async def _close(agen):
    """What closing ``agen`` raises (None if nothing)."""
    [outcome] = await asyncio.gather(agen.aclose(), return_exceptions=True)
    return outcome if isinstance(outcome, BaseException) else None


async def _drive(agen, pause: float = PAUSE):
    """Consume ``agen`` in a task of its own; (the task, its log, seconds it ran, what closing the
    generator afterwards raised)."""
    log: list = []
    started = time.monotonic()
    consumer = asyncio.create_task(_consume(agen, log, pause))
    await asyncio.wait({consumer}, timeout=BOUND)
    elapsed = time.monotonic() - started
    assert consumer.done(), f"the consumer still runs after {BOUND} s"
    return consumer, log, elapsed, await _close(agen)


def _assert_cancelled_at_the_consumers_sleep(consumer, log, flagged, generator_name):
    assert consumer.cancelled(), f"the consumer was not cancelled: {consumer!r}"
    assert log[0][0] == "item", log
    assert len(log) == 2, log
    where, generator_line, generator_running, frames = log[1]
    assert where == "cancelled at the consumer's sleep"
    assert not generator_running and generator_line in flagged, (generator_line, flagged)
    assert frames[0] == (__file__, "_consume"), frames
    fixture_path = str(_fixture().path)
    assert all(path != fixture_path and name != generator_name for path, name in frames), frames


# -- wrong: the cancellation lands in the consumer -------------------------------------------------

WRONG_TIMEOUTS = {
    # name: (the generator to consume, made from the compiled function or class; the generator's code name)
    "rows": (lambda fn: fn(_cursor(["a", "b"])), "rows"),
    "Feed": (_feed, "__aiter__"),
    "polled": (lambda fn: fn(_fetch_a_value), "polled"),
}


@pytest.mark.parametrize("name", sorted(WRONG_TIMEOUTS))
def test_the_generators_timeout_cancels_the_consumer(name):
    fn, flagged = _witness(name)
    assert flagged, f"the yield inside {name}'s timeout is not flagged"
    make, generator_name = WRONG_TIMEOUTS[name]
    consumer, log, elapsed, closing = asyncio.run(_drive(make(fn)))
    _assert_cancelled_at_the_consumers_sleep(consumer, log, flagged, generator_name)
    assert elapsed < PAUSE, elapsed  # the deadline, not the end of the sleep
    assert closing is None, repr(closing)


def test_the_generators_task_group_cancels_the_consumer():
    fan_in, flagged = _witness("fan_in")
    assert flagged, "the yield inside fan_in's TaskGroup is not flagged"
    failure = ValueError("the second source failed")
    sources = [_Source("first"), _Source(None, delay=0.05, error=failure)]
    consumer, log, elapsed, closing = asyncio.run(_drive(fan_in(sources)))
    _assert_cancelled_at_the_consumers_sleep(consumer, log, flagged, "fan_in")
    assert log[0] == ("item", "first")
    assert elapsed < PAUSE, elapsed
    # the child's error reached nobody while the generator was suspended; closing it raises it
    assert isinstance(closing, BaseException) and failure in getattr(closing, "exceptions", ()), repr(closing)


# -- correct: the scope ends before the yield, or belongs to the consumer's own async with ----------


@pytest.mark.parametrize("name", ["rows_right", "nested_generator"])
def test_a_scope_closed_before_the_yield_leaves_a_slow_consumer_alone(name):
    fn, flagged = _witness(name)
    assert not flagged, f"{name} is flagged"
    consumer, log, elapsed, closing = asyncio.run(_drive(fn(_cursor([_Row("a"), _Row("b")])), pause=LATE))
    assert not consumer.cancelled() and consumer.exception() is None, consumer
    assert log[-1] == ("loop ended",), log
    assert elapsed > LATE > 10 * SCALE, elapsed  # the consumer outlived the generator's deadline
    assert closing is None, repr(closing)


def test_a_scope_closed_before_the_yield_still_bounds_the_generators_work():
    rows_right, _ = _witness("rows_right")
    consumer, log, elapsed, _ = asyncio.run(_drive(rows_right(_cursor([_Row("slow", load_delay=PAUSE)]))))
    error = consumer.exception()
    assert isinstance(error, TimeoutError), consumer
    frames = [f.f_code.co_name for f, _ in traceback.walk_tb(error.__traceback__)]
    assert "rows_right" in frames and "_consume" in frames, frames  # raised in the generator, out through the loop
    assert log == [], log  # it never got to yield the slow row
    assert elapsed < PAUSE, elapsed


def test_an_asynccontextmanager_bounds_the_consumers_own_block():
    bounded, flagged = _witness("bounded", scale=None)
    assert not flagged, "bounded is flagged"
    reached: list[str] = []

    async def consumer():
        async with bounded(0.05):
            await asyncio.sleep(PAUSE)
            reached.append("after the sleep")

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        asyncio.run(asyncio.wait_for(consumer(), BOUND))
    assert time.monotonic() - started < PAUSE
    assert reached == []


def test_an_asynccontextmanager_task_group_cancels_the_consumers_own_block():
    group, flagged = _witness("group", scale=None)
    assert not flagged, "group is flagged"
    failure = ValueError("a child failed")
    reached: list[str] = []

    async def consumer():
        async with group() as tg:
            child = tg.create_task(_Source(None, delay=0.05, error=failure).read())
            await asyncio.sleep(PAUSE)
            reached.append("after the sleep")
        return child

    started = time.monotonic()
    with pytest.raises(Exception, match="unhandled errors in a TaskGroup") as raised:  # an ExceptionGroup
        asyncio.run(asyncio.wait_for(consumer(), BOUND))
    assert time.monotonic() - started < PAUSE
    assert raised.value.exceptions == (failure,)
    assert reached == []
