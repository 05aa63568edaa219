"""Runtime witness for client-without-timeout: against a server on 127.0.0.1 that accepts the
connection and never answers, the fixture's ``wrong_no_timeout`` (a ``ClientSession()`` without
``timeout=``) is still waiting when a 1 s bound expires, while ``correct_short_timeout``
(``ClientTimeout(total=0.2)``) fails fast with aiohttp's own timeout error."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest

from fixture_format import compile_from_fixture, fixture_of
from rules_by_name import code

RULE = "client-without-timeout"
BOUND = 1.0


def _witness(name: str):
    return compile_from_fixture(fixture_of(code(RULE)), name, {"aiohttp": aiohttp, "asyncio": asyncio})


async def _against_a_silent_server(fn) -> tuple[BaseException | None, float, bool]:
    """Run ``fn(url)`` under the outer bound; (what it raised, seconds, whether the bound expired)."""
    hold = asyncio.Event()

    async def never_answer(reader, writer):
        await hold.wait()
        writer.close()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    started = time.monotonic()
    try:
        task = asyncio.ensure_future(fn(f"http://127.0.0.1:{port}/"))
        done, _ = await asyncio.wait({task}, timeout=BOUND)
        if not done:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            return None, time.monotonic() - started, True
        return task.exception(), time.monotonic() - started, False
    finally:
        hold.set()
        server.close()
        await asyncio.shield(server.wait_closed())


def test_no_timeout_keeps_waiting():
    fn, flagged = _witness("wrong_no_timeout")
    assert flagged, "the session without a timeout is not flagged"
    error, elapsed, expired = asyncio.run(_against_a_silent_server(fn))
    assert expired and error is None, f"finished after {elapsed:.2f} s with {error!r}"


def test_short_timeout_fails_fast():
    fn, flagged = _witness("correct_short_timeout")
    assert not flagged, "the session with a timeout is flagged"
    error, elapsed, expired = asyncio.run(_against_a_silent_server(fn))
    assert not expired and isinstance(error, asyncio.TimeoutError), (error, elapsed)
    assert elapsed < BOUND, elapsed


@pytest.mark.parametrize("name", ["wrong_no_timeout", "correct_short_timeout"])
def test_witnesses_exist(name):
    assert callable(_witness(name)[0])
