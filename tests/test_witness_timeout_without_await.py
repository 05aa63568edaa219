"""Runtime witness for timeout-without-await: an ``asyncio.timeout`` cancels its task at an await
point, so a block without one runs to its end however late it is -- and the rule's near misses,
which await inside the block, really are cut off at the deadline.

* Deadlines the fixture takes as arguments, unchanged asyncio: ``report`` (``timeout_at`` of a
  deadline that passed a second ago) and ``awaits_only_before`` (``timeout(0)``) finish without
  ``TimeoutError``, while ``fetch_right`` with an expired deadline (``timeout(0)``) raises it at its
  first await, although the fake client answers at once.
* Deadlines written in the fixture as literals (1.5 s to 5 s): the functions are compiled with an
  ``asyncio`` whose ``timeout(delay)`` is the real one with ``delay * SCALE``, so that a deadline
  passes in a bounded run.  ``crunch``'s block (the fixture's own ``time.sleep(0.1)``) ends after its
  0.03 s deadline, ``fetch``'s slow ``send`` and ``lock_first``'s block behind a held lock finish after
  theirs, all without ``TimeoutError``; the correct functions, handed the same slow work, raise
  ``TimeoutError`` at the deadline, long before the work would end.

Each function is compiled alone from the fixture (its file name and line numbers, decorators
dropped), and each test checks the rule's annotations inside it: the wrong code is flagged, the
correct code is not.  Every run is bounded to 2 s.
"""

from __future__ import annotations

import asyncio
import functools
import sys
import time
import types

import pytest

from fixture_format import compile_from_fixture, fixture_of
from rules_by_name import code

RULE = "timeout-without-await"
BOUND = 2
SCALE = 0.02  # a fixture's literal deadline, in seconds, times this: 5 -> 0.1, 1.5 -> 0.03
SLOW = 0.5  # how long the slow work handed to a function takes: longer than any scaled deadline

pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout needs 3.11")


def _asyncio_with_scaled_timeouts(scale: float | None, asked: list[float]):
    """``asyncio`` itself when ``scale`` is None; else a stand-in whose ``timeout(delay)`` is
    ``asyncio.timeout(delay * scale)`` (recording ``delay`` in ``asked``)."""
    if scale is None:
        return asyncio

    def timeout(delay):
        asked.append(delay)
        return asyncio.timeout(None if delay is None else delay * scale)

    return types.SimpleNamespace(**{**vars(asyncio), "timeout": timeout})


@functools.cache
def _fixture():
    return fixture_of(code(RULE))


def _witness(name: str, scale: float | None = None):
    """The fixture's function ``name``, the rule's annotated lines inside it, and the delays it
    passed to ``timeout()`` (filled in as it runs)."""
    asked: list[float] = []
    stand_in = _asyncio_with_scaled_timeouts(scale, asked)
    namespace = {
        "asyncio": stand_in,
        "aio": stand_in,
        "timeout": stand_in.timeout,
        "timeout_at": stand_in.timeout_at,
        "time": time,
    }
    # the route decorator needs the FastAPI app, not the witness
    fn, flagged = compile_from_fixture(_fixture(), name, namespace, drop_decorators=True)
    return fn, flagged, asked


class _Client:
    """An HTTP client stand-in whose ``send`` answers after ``delay`` seconds."""

    def __init__(self, delay: float):
        self.delay = delay

    def build_request(self, method: str, url: str) -> str:
        return f"{method} {url}"

    async def send(self, request: str) -> str:
        await asyncio.sleep(self.delay)
        return f"{request}: 200"


class _Response:
    """A streamed response stand-in: one chunk, after ``delay`` seconds."""

    def __init__(self, delay: float):
        self.delay = delay

    async def aiter_bytes(self):
        await asyncio.sleep(self.delay)
        yield b"chunk"


class _SlowSession:
    """A session factory stand-in whose session takes ``delay`` seconds to open."""

    def __init__(self, delay: float):
        self.delay = delay

    def __call__(self):
        return self

    async def __aenter__(self):
        await asyncio.sleep(self.delay)
        return self

    async def __aexit__(self, *exc_info):
        await asyncio.sleep(0)

    def add(self, item):
        pass


async def _slow_source(delay: float):
    await asyncio.sleep(delay)
    yield 1


async def _slow_fetcher(delay: float):
    await asyncio.sleep(delay)
    return 1


async def _hold(lock: asyncio.Lock, seconds: float, holding: asyncio.Event):
    async with lock:
        holding.set()
        await asyncio.sleep(seconds)


async def _behind_a_held_lock(fn):
    """Run ``fn(lock)`` while another task holds ``lock`` for ``SLOW`` seconds."""
    lock, holding = asyncio.Lock(), asyncio.Event()
    holder = asyncio.create_task(_hold(lock, SLOW, holding))
    await holding.wait()
    try:
        return await fn(lock)
    finally:
        holder.cancel()  # asyncio.run() waits for it


async def _timed(make_call) -> tuple[object, BaseException | None, float]:
    """(result, exception, seconds) of awaiting ``make_call()``, bounded to ``BOUND`` seconds."""
    started = time.monotonic()
    try:
        result = await asyncio.wait_for(make_call(), BOUND)
    except (Exception, asyncio.CancelledError) as error:  # a cancellation here is the outcome under test
        return None, error, time.monotonic() - started
    return result, None, time.monotonic() - started


def _run(make_call):
    return asyncio.run(_timed(make_call))


# -- deadlines the fixture takes as arguments: asyncio unchanged ------------------------------------


def test_an_expired_timeout_at_cannot_fire_in_a_block_without_await():
    report, flagged, _ = _witness("report")
    assert flagged, "the timeout_at() block without await is not flagged"

    async def past_deadline():
        deadline = asyncio.get_running_loop().time() - 1
        await report(deadline)
        return asyncio.get_running_loop().time() - deadline

    late_by, error, _ = _run(past_deadline)
    assert error is None, f"{error!r}: the expired deadline fired"
    assert late_by > 1, late_by  # the block ended more than a second after its deadline


def test_an_expired_timeout_cannot_fire_in_a_block_without_await():
    awaits_only_before, flagged, _ = _witness("awaits_only_before")
    assert flagged, "the timeout() block whose only await comes before it is not flagged"

    async def no_time_at_all():
        await asyncio.sleep(0)
        return 0

    result, error, _ = _run(lambda: awaits_only_before(no_time_at_all))
    assert (result, error) == (1, None)


def test_an_expired_timeout_fires_at_the_first_await_in_the_block():
    fetch_right, flagged, asked = _witness("fetch_right", scale=0)  # timeout(5 * 0): expired on entry
    assert not flagged, "the timeout() around the awaited send is flagged"
    result, error, _ = _run(lambda: fetch_right(_Client(0), "https://example.test/"))
    assert isinstance(error, TimeoutError) and result is None, (result, error)
    assert asked == [5]


# -- deadlines written as literals: scaled by SCALE -------------------------------------------------


def _scaled_deadline(asked: list[float]) -> float:
    assert len(asked) == 1, asked
    return asked[0] * SCALE


def test_sync_work_runs_past_the_deadline():
    crunch, flagged, asked = _witness("crunch", scale=SCALE)
    assert flagged, "the timeout() around sync work is flagged"
    result, error, elapsed = _run(lambda: crunch([{"n": 1}, {"n": 2}]))
    assert (result, error) == (3, None)
    deadline = _scaled_deadline(asked)
    assert elapsed >= 0.1 > deadline, (elapsed, deadline)  # the block's time.sleep(0.1) outlasted it


WRONG = {
    # name: (the slow work handed to it, what it returns when that work is done)
    "fetch": (lambda fn: fn(_Client(SLOW), "https://example.test/"), "GET https://example.test/: 200"),
    "lock_first": (_behind_a_held_lock, 1),
}

CORRECT = {
    "fetch_right": lambda fn: fn(_Client(SLOW), "https://example.test/"),
    "timeout_then_lock": _behind_a_held_lock,
    "streamed": lambda fn: fn(_Response(SLOW)),
    "nested_context": lambda fn: fn(_SlowSession(SLOW)),
    "comprehension": lambda fn: fn(_slow_source(SLOW)),
    "awaited_in_comprehension": lambda fn: fn([lambda: _slow_fetcher(SLOW)]),
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_awaited_work_outside_the_block_is_not_cut_off(name):
    fn, flagged, asked = _witness(name, scale=SCALE)
    assert flagged, f"{name}'s timeout() block without await is not flagged"
    call, expected = WRONG[name]
    result, error, elapsed = _run(lambda: call(fn))
    assert (result, error) == (expected, None)
    deadline = _scaled_deadline(asked)
    assert elapsed >= SLOW > deadline, (elapsed, deadline)


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_awaited_work_inside_the_block_is_cut_off_at_the_deadline(name):
    fn, flagged, asked = _witness(name, scale=SCALE)
    assert not flagged, f"{name}'s timeout() around awaited work is flagged"
    result, error, elapsed = _run(lambda: CORRECT[name](fn))
    assert isinstance(error, TimeoutError) and result is None, (result, error)
    deadline = _scaled_deadline(asked)
    assert deadline <= elapsed < SLOW, (elapsed, deadline)
