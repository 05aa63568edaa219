"""Runtime witness for loop-bound-client-at-import: the fixture's class ``Api`` (an aiohttp session
made in a class body at import) cannot even be created outside an event loop, and its ``client``
(an ``httpx.AsyncClient`` made at import) serves one ``asyncio.run()`` but fails in the next --
against an aiohttp server on 127.0.0.1 started by the test itself, every run bounded."""

from __future__ import annotations

import ast
import asyncio
import threading

import aiohttp
import httpx
import pytest
from aiohttp import web

from fixture_format import annotated_lines, fixture_of
from rules_by_name import code

RULE = "loop-bound-client-at-import"
BOUND = 5


def _statements(*names: str):
    """The fixture's module-level statements binding or defining ``names``, compiled, and the lines
    the fixture flags among them."""
    fixture = fixture_of(code(RULE))
    tree = ast.parse(fixture.source, str(fixture.path))
    chosen = [
        node
        for node in tree.body
        if getattr(node, "name", None) in names
        or (isinstance(node, ast.Assign) and any(getattr(t, "id", None) in names for t in node.targets))
    ]
    compiled = compile(ast.Module(body=chosen, type_ignores=[]), str(fixture.path), "exec")
    return compiled, annotated_lines(fixture, *chosen)


async def _ok(request: web.Request) -> web.Response:
    return web.Response(text="ok")


class _Server:
    """An aiohttp server on 127.0.0.1 in a thread of its own (its own loop), for the test's runs."""

    def __init__(self) -> None:
        self.url = ""
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._serve()), daemon=True)

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        app = web.Application()
        app.router.add_get("/", _ok)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        host, port = runner.addresses[0][:2]
        self.url = f"http://{host}:{port}/"
        self._ready.set()
        try:
            await asyncio.wait_for(self._stop.wait(), 60)
        finally:
            await asyncio.shield(runner.cleanup())

    def __enter__(self) -> str:
        self._thread.start()
        assert self._ready.wait(BOUND), "the test server did not start"
        return self.url

    def __exit__(self, *exc) -> None:
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(BOUND)


def test_an_aiohttp_session_made_at_import_fails_at_once():
    compiled, flagged = _statements("Api")
    assert flagged, "the construction is not flagged"
    with pytest.raises(RuntimeError, match="no running event loop"):
        exec(compiled, {"aiohttp": aiohttp})


def test_an_httpx_client_made_at_import_breaks_in_the_second_event_loop():
    compiled, flagged = _statements("client", "fetch")
    assert flagged, "the construction is not flagged"
    namespace = {"httpx": httpx}
    exec(compiled, namespace)
    fetch = namespace["fetch"]

    async def bounded(url):
        return await asyncio.wait_for(fetch(url), BOUND)

    with _Server() as url:
        assert asyncio.run(bounded(url)) == "ok"
        with pytest.raises(RuntimeError, match="Event loop is closed"):
            asyncio.run(bounded(url))


def test_a_client_made_in_each_run_works_every_time():
    async def per_run(url):
        async with httpx.AsyncClient() as client:
            return (await asyncio.wait_for(client.get(url), BOUND)).text

    with _Server() as url:
        assert [asyncio.run(per_run(url)) for _ in range(2)] == ["ok", "ok"]
