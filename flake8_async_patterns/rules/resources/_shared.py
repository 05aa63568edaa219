"""What the resource rules share: the seed, the references, and how a creating call is spelled."""

from __future__ import annotations

import ast

SEED_RESOURCES = (
    '002 "Resource Leaks", "Not Closing Resources", "Creating session per request", "Async Context Managers"'
)
AIOHTTP_CLIENT_DOC = "https://docs.aiohttp.org/en/stable/client_advanced.html"
HTTPX_ASYNC_DOC = "https://www.python-httpx.org/async/"


def created_call(value: ast.AST | None) -> ast.Call | None:
    """The call a binding's value makes (``await`` stripped)."""
    if isinstance(value, ast.Await):
        value = value.value
    return value if isinstance(value, ast.Call) else None
