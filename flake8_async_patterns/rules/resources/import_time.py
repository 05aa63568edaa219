"""Async clients made at import time (loop-bound-client-at-import)."""

from __future__ import annotations

import ast

from ...checker import Checker
from ...knowledge.http import LOOP_BOUND_CLIENTS
from ...registry import declare
from ...semantic.scope import ScopeKind
from ...semantic.source import Whole
from ...semantic.text import describe
from ._shared import AIOHTTP_CLIENT_DOC, HTTPX_ASYNC_DOC, SEED_RESOURCES

LOOP_BOUND_CLIENT_AT_IMPORT = declare(
    code="AIO506",
    name="loop-bound-client-at-import",
    default_enabled=True,
    raises_or_warns=True,
    message=(
        "'{call}' is made at import time, outside any event loop; the client binds to the first loop "
        "that uses it and breaks under a second asyncio.run(), worker threads or per-test loops ('attached "
        "to a different loop', 'Event loop is closed'): create it in a startup/lifespan hook or inside the "
        "coroutine that owns it"
    ),
    summary=(
        "A module-level or class-body construction of an async client -- `aiohttp.ClientSession()`, "
        "`aiohttp.TCPConnector()`, `httpx.AsyncClient()`, `redis.asyncio.Redis(...)`/`from_url(...)`, "
        "`aiokafka.AIOKafkaProducer/AIOKafkaConsumer(...)` -- any import spelling, default argument "
        "values of module-level functions included."
    ),
    why=(
        "These clients hold connections, locks and futures that belong to one event loop. Made at "
        "import, there is no loop yet: aiohttp refuses (`RuntimeError: no running event loop` on "
        "current versions, a DeprecationWarning on older ones); httpx and redis bind to whichever loop "
        "first uses them, so the second `asyncio.run()` -- a CLI calling it twice, a worker thread with "
        "its own loop, pytest-asyncio's loop per test -- fails with `RuntimeError: Event loop is closed` "
        "or 'attached to a different loop' on a pooled connection."
    ),
    example=(
        "import httpx\n\n"
        "client = httpx.AsyncClient()\n\n"
        "async def fetch(url):\n"
        "    return (await client.get(url)).text\n"
    ),
    use_instead=(
        "import contextlib\n\nimport httpx\nfrom fastapi import FastAPI\n\n"
        "@contextlib.asynccontextmanager\n"
        "async def lifespan(app):\n"
        "    async with httpx.AsyncClient() as client:\n"
        "        app.state.client = client\n"
        "        yield\n\n"
        "app = FastAPI(lifespan=lifespan)\n"
    ),
    seed=SEED_RESOURCES,
    peers="none",
    notes=(
        "The same constructions inside functions (a lifespan hook, a factory, a coroutine) are not "
        "reported, nor are a class body's inside a function: they run when called, under a loop.",
        "`asyncio.Lock()`, `Event()`, `Queue()` at module level are not reported: since Python 3.10 they "
        "bind to a loop only when first used, which a single-loop application does once.",
        "SQLAlchemy sessions at module level are global-session's business.",
        "Runtime witness (tests/test_witness_import_time.py): `aiohttp.ClientSession()` outside a loop "
        "raises; an `httpx.AsyncClient` used by two `asyncio.run()` calls fails on the second.",
        "Reported at the construction call.",
    ),
    references=(AIOHTTP_CLIENT_DOC, HTTPX_ASYNC_DOC, "https://docs.python.org/3/library/asyncio-runner.html"),
)


_REDIS = Whole("redis")  # "redis" alone is in every "redistribute" of a licence header


class LoopBoundClientAtImportChecker(Checker):
    """loop-bound-client-at-import: calls that run at import time (the module's own code and the
    class bodies and default values it runs) and make a loop-bound client."""

    rules = (LOOP_BOUND_CLIENT_AT_IMPORT,)
    requires = (("aiohttp", "httpx", _REDIS, "aiokafka"),)

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        if ctx.function.kind is not ScopeKind.MODULE:
            return  # inside a function or lambda: runs when called
        if ctx.qualified_name(node.func) in LOOP_BOUND_CLIENTS:
            ctx.report(node, LOOP_BOUND_CLIENT_AT_IMPORT, call=describe(node))
