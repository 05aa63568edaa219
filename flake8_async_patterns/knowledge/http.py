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

# Clients made for concurrent requests: awaits on one of them do not depend on each other.
CONCURRENT_CLIENT_KINDS = frozenset({Kind.AIOHTTP_SESSION, Kind.HTTPX_ASYNC_CLIENT})
