"""HTTP clients: aiohttp, httpx, aiofiles -- their coroutine methods and awaitable context managers."""

from __future__ import annotations

from .kinds import Kind

HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})

# Coroutine methods of async clients: calling one without ``await`` does nothing.
CLIENT_COROUTINE_METHODS: dict[Kind, frozenset[str]] = {
    Kind.AIOHTTP_SESSION: frozenset({"close"}),
    Kind.HTTPX_ASYNC_CLIENT: HTTP_VERBS | {"send", "aclose"},
}
# Methods that return an awaitable *context manager* (``async with session.get(url) as resp``):
# a bare call loses it, but returning or keeping it for a later ``async with``/``await`` is fine.
AWAITABLE_CONTEXT_METHODS: dict[Kind, frozenset[str]] = {
    Kind.AIOHTTP_SESSION: HTTP_VERBS | {"ws_connect"},
}
AWAITABLE_CONTEXT_FUNCTIONS = frozenset({"aiofiles.open"})

# aiofiles file objects: every I/O method is a coroutine.
AIOFILES_COROUTINE_METHODS = frozenset(
    {
        "read",
        "read1",
        "readline",
        "readlines",
        "readall",
        "readinto",
        "write",
        "writelines",
        "flush",
        "close",
        "seek",
        "tell",
        "truncate",
        "peek",
    }
)

# Async resources a function owns once it makes one (unclosed-async-resource), and the methods
# that close them (awaited, or called: ``pool.terminate()``).
RESOURCE_CLOSERS: dict[Kind, frozenset[str]] = {
    Kind.AIOHTTP_SESSION: frozenset({"close"}),
    Kind.AIOHTTP_CONNECTOR: frozenset({"close"}),
    Kind.HTTPX_ASYNC_CLIENT: frozenset({"aclose"}),
    Kind.AIOFILES_FILE: frozenset({"close"}),
    Kind.ASYNCPG_CONNECTION: frozenset({"close", "terminate"}),
    Kind.ASYNCPG_POOL: frozenset({"close", "terminate"}),
}
# Made by these (qualified), awaited where the call returns an awaitable (asyncpg, aiofiles).
RESOURCE_CONSTRUCTORS: dict[str, Kind] = {
    "aiohttp.ClientSession": Kind.AIOHTTP_SESSION,
    "aiohttp.TCPConnector": Kind.AIOHTTP_CONNECTOR,
    "httpx.AsyncClient": Kind.HTTPX_ASYNC_CLIENT,
    "httpx2.AsyncClient": Kind.HTTPX_ASYNC_CLIENT,
    "aiofiles.open": Kind.AIOFILES_FILE,
    "asyncpg.connect": Kind.ASYNCPG_CONNECTION,
    "asyncpg.create_pool": Kind.ASYNCPG_POOL,
}
AWAITED_CONSTRUCTORS = frozenset({"aiofiles.open", "asyncpg.connect", "asyncpg.create_pool"})
# Clients whose making in a loop or per request defeats their connection pool.
POOLED_CLIENTS = frozenset({"aiohttp.ClientSession", "httpx.AsyncClient", "httpx2.AsyncClient"})
# aiohttp response bodies: reading one to the end releases the connection.
RESPONSE_READERS = frozenset({"text", "json", "read", "release", "close", "wait_for_close"})

# Clients made for concurrent requests: awaits on one of them do not depend on each other.
CONCURRENT_CLIENT_KINDS = frozenset({Kind.AIOHTTP_SESSION, Kind.HTTPX_ASYNC_CLIENT})
# Async clients bound to the event loop that first uses them (or, for aiohttp, to the loop running
# when they are made: none at import time).  Made at import, they break under a second
# ``asyncio.run``, worker threads or per-test loops.
LOOP_BOUND_CLIENTS = frozenset(
    {
        "aiohttp.ClientSession",
        "aiohttp.TCPConnector",
        "httpx.AsyncClient",
        "httpx2.AsyncClient",
        "redis.asyncio.Redis",
        "redis.asyncio.client.Redis",
        "redis.asyncio.from_url",
        "redis.asyncio.Redis.from_url",
        "redis.asyncio.client.Redis.from_url",
        "aiokafka.AIOKafkaProducer",
        "aiokafka.AIOKafkaConsumer",
    }
)
