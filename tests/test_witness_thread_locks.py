"""Runtime witness for blocking-wait's thread lock held across an await: two tasks of one loop
entering the fixture's ``Notifier.wait_ready`` (a ``Condition(Lock())`` held across an await) block
the loop's thread for good -- the second task's ``with`` waits for a lock only the first, suspended,
task can release -- while two tasks entering ``SessionTokens.token_for`` (an ``RLock``) or
``wait_changed`` (a ``Condition()``, an RLock underneath) both finish: the thread owns the lock, so
the second task re-enters it.  The loop runs in a daemon thread joined with a 1 s bound (a blocked
loop cannot be timed out from inside); the deadlocked thread is left blocked, as a daemon."""

from __future__ import annotations

import asyncio
import threading

from fixture_format import compile_from_fixture, fixture_of
from rules_by_name import code

RULE = "blocking-wait"
BOUND = 1.0


def _witness(name: str):
    return compile_from_fixture(fixture_of(code(RULE)), name, {"asyncio": asyncio, "threading": threading})


def _two_tasks_finish(method) -> bool:
    """Whether two concurrent calls of ``method(refresh)`` on one loop finish within the bound."""
    finished = []

    async def refresh():
        await asyncio.sleep(0.01)
        return "token"

    async def both():
        finished.extend(await asyncio.gather(method(refresh), method(refresh)))

    runner = threading.Thread(target=asyncio.run, args=(both(),), daemon=True)
    runner.start()
    runner.join(BOUND)
    return not runner.is_alive() and len(finished) == 2


def test_a_plain_lock_held_across_an_await_blocks_the_loop():
    cls, flagged = _witness("Notifier")
    assert flagged, "the lock held across an await is not flagged"
    assert not _two_tasks_finish(cls().wait_ready)


def test_a_reentrant_lock_held_across_an_await_does_not():
    cls, flagged = _witness("SessionTokens")
    assert not flagged, "the reentrant lock is flagged"
    tokens = cls()
    assert _two_tasks_finish(tokens.token_for)
    assert _two_tasks_finish(tokens.wait_changed)
