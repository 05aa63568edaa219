"""Async resources used through the sync protocols (sync-with-async-context-manager)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...checker import Checker
from ...knowledge.asyncio import CoroutineKind, coroutine_source
from ...knowledge.inference import kind_of
from ...knowledge.kinds import Kind
from ...registry import declare
from ...semantic.source import ASYNC_CODE
from ...semantic.text import describe
from ._shared import SEED_RESOURCES

if TYPE_CHECKING:
    from ...semantic.context import Context

# Objects that implement only ``__aenter__``/``__aexit__``: a plain ``with`` raises TypeError.
ASYNC_ONLY_KINDS: dict[Kind, str] = {
    Kind.AIOHTTP_SESSION: "an aiohttp ClientSession",
    Kind.HTTPX_ASYNC_CLIENT: "an httpx AsyncClient",
    Kind.AIOFILES_FILE: "an aiofiles file",
    Kind.ASYNC_LOCK: "an asyncio.Lock",
    Kind.ASYNC_SEMAPHORE: "an asyncio.Semaphore",
    Kind.ASYNC_CONDITION: "an asyncio.Condition",
    Kind.ASYNC_TIMEOUT: "an asyncio.timeout() block",
    Kind.TASK_GROUP: "an asyncio.TaskGroup",
    Kind.ASYNC_SESSION: "an AsyncSession",
}

SYNC_WITH_ASYNC_CONTEXT_MANAGER = declare(
    code="AIO504",
    name="sync-with-async-context-manager",
    default_enabled=True,
    message=(
        "plain '{statement} {expr}' on {what}, which supports only '{statement_async}'; this raises "
        "TypeError at run time: use '{statement_async}'"
    ),
    summary=(
        "A plain `with` on an object that implements only the asynchronous context manager protocol "
        "-- `aiohttp.ClientSession()`, `httpx.AsyncClient()`, `aiofiles.open()`, `asyncio.Lock/"
        "Semaphore/Condition` objects, `asyncio.timeout()`, `asyncio.TaskGroup()`, a known "
        "`AsyncSession` -- or a plain `for` over an async generator of the module."
    ),
    why=(
        "These objects define `__aenter__`/`__aexit__` (or `__aiter__`) and nothing else: a plain "
        "`with` fails at once with `TypeError: ... does not support the context manager protocol`, "
        "and a plain `for` over an async generator with `TypeError: 'async_generator' object is not "
        "iterable`. The code never ran -- typically a sync helper that was half converted."
    ),
    example=(
        "import aiohttp\n\n"
        "async def fetch(url):\n"
        "    with aiohttp.ClientSession() as session:\n"
        "        async with session.get(url) as resp:\n"
        "            return await resp.text()\n"
    ),
    use_instead=(
        "import aiohttp\n\n"
        "async def fetch(url):\n"
        "    async with aiohttp.ClientSession() as session:\n"
        "        async with session.get(url) as resp:\n"
        "            return await resp.text()\n"
    ),
    seed=SEED_RESOURCES,
    peers="none (type checkers report the missing __enter__ when the type is known)",
    notes=(
        "Sync and async code alike: the statement fails wherever it runs. `asyncio.Lock()` and the "
        "other primitives count when the name is visibly bound to one (a local, a module global, a "
        "`self` attribute, an annotated parameter).",
        "The object is reported here alone -- unclosed-async-resource (AIO501) and "
        "unclosed-session (AIO601) do not also report it.",
        "Reported at the `with`/`for` statement.",
    ),
    references=(
        "https://docs.python.org/3/reference/datamodel.html#asynchronous-context-managers",
        "https://docs.aiohttp.org/en/stable/client_reference.html#client-session",
    ),
)


class AsyncOnlyProtocolChecker(Checker):
    """sync-with-async-context-manager: ``with`` items decided at once from their kind; ``for``
    loops over calls decided at the end of the module, once every ``async def`` is known."""

    rules = (SYNC_WITH_ASYNC_CONTEXT_MANAGER,)
    requires = ((ASYNC_CODE, "aiohttp", "httpx", "aiofiles", "asyncio", "AsyncSession"),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.loops: list[tuple[ast.For, object, str]] = []

    def visit_With(self, node: ast.With) -> None:
        ctx = self.ctx
        for item in node.items:
            kind = kind_of(ctx, item.context_expr)
            what = ASYNC_ONLY_KINDS.get(kind) if kind is not None else None
            if what is not None:
                ctx.report(
                    node,
                    SYNC_WITH_ASYNC_CONTEXT_MANAGER,
                    statement="with",
                    statement_async="async with",
                    expr=describe(item.context_expr),
                    what=what,
                )
                return

    def visit_For(self, node: ast.For) -> None:
        call = node.iter
        if isinstance(call, ast.Call):
            source = coroutine_source(self.ctx, call)
            if source is not None and source.binding is not None:
                self.loops.append((node, source, describe(call)))

    def module_end(self) -> None:
        ctx = self.ctx
        for node, source, spelling in self.loops:
            if source.kind(ctx) is CoroutineKind.ASYNC_GENERATOR:
                ctx.report(
                    node,
                    SYNC_WITH_ASYNC_CONTEXT_MANAGER,
                    statement="for",
                    statement_async="async for",
                    expr=f"... in {spelling}",
                    what="an async generator",
                )
