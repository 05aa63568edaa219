"""Cleanup awaits that a second cancellation can cut short (unshielded-await-in-finally, off by
default: advice for code that must finish its cleanup)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.asyncio import CANCELLED_ERROR, SHIELD, TIMEOUT_CONTEXTS, WAIT_FOR, caught_exceptions
from ..registry import declare
from ..semantic.frames import TRY_NODES, in_statement_list, within_scope
from ..semantic.source import ASYNC_CODE
from ..semantic.text import describe
from .cancellation.declarations import ASYNCIO_TASKS_DOC, SEED_CANCELLATION

if TYPE_CHECKING:
    from ..semantic.context import Context

UNSHIELDED_AWAIT_IN_FINALLY = declare(
    code="AIO403",
    name="unshielded-await-in-finally",
    default_enabled=False,
    async_only=True,
    message=(
        "'await {awaited}' in {where} of async function '{function}' runs while the task may be "
        "cancelled; a second cancellation cuts the cleanup short: 'await asyncio.shield(...)' it, or "
        "bound it with 'async with asyncio.timeout(...)'"
    ),
    summary=(
        "An `await` in a `finally:` block, or in an `except` handler for `asyncio.CancelledError`, of "
        "async code -- not the await of `asyncio.shield(...)` (or `asyncio.wait_for(...)`) and not "
        "inside an `async with asyncio.timeout(...)`/`timeout_at(...)` block within that cleanup."
    ),
    why=(
        "Cleanup in `finally:` or in a CancelledError handler often runs because the task is being "
        "cancelled. The task can be cancelled again while it awaits there (a TaskGroup or a "
        "shutdown cancelling everything, a caller's timeout): the await raises CancelledError at "
        "once and the rest of the cleanup never runs -- a connection left open, a lock never "
        "released, a transaction never rolled back. `asyncio.shield` lets the cleanup finish; a "
        "timeout block at least bounds how long it may take."
    ),
    example=(
        "async def handle(pool, request):\n"
        "    conn = await pool.acquire()\n"
        "    try:\n"
        "        return await conn.fetch(request.query)\n"
        "    finally:\n"
        "        await pool.release(conn)\n"
    ),
    use_instead=(
        "import asyncio\n\n"
        "async def handle(pool, request):\n"
        "    conn = await pool.acquire()\n"
        "    try:\n"
        "        return await conn.fetch(request.query)\n"
        "    finally:\n"
        "        await asyncio.shield(pool.release(conn))\n"
    ),
    seed=SEED_CANCELLATION,
    peers="flake8-async ASYNC102 (await-in-finally-or-cancelled; trio/anyio cancel scopes only)",
    notes=(
        "Off by default: most cleanup awaits are short and a second cancellation is rare; turn it on "
        "for code whose cleanup must complete (connection pools, locks held across processes, "
        "transactions).",
        "`asyncio.wait_for(...)` awaited in cleanup counts as bounded, like an `asyncio.timeout` block "
        "(it is the pre-3.11 spelling of the same bound); `with anyio.CancelScope(shield=True):` (or "
        "trio's) counts as shielded.",
        "Cancel-then-join is not reported: `task.cancel()` (or a loop cancelling `tasks`) followed by "
        "`await task` / `await asyncio.gather(*tasks)` in the same function -- cutting that wait "
        "short loses nothing.",
        "Only the cleanup of the function's own `try`: an `await` in a nested `def` is that function's "
        "own code. `async with`/`async for` in cleanup are not reported (only `await`).",
        "Reported at the `await`.",
    ),
    references=(ASYNCIO_TASKS_DOC + "#shielding-from-cancellation", ASYNCIO_TASKS_DOC + "#timeouts"),
)

_BOUNDED = frozenset({SHIELD, WAIT_FOR})
_SHIELD_SCOPES = frozenset({"anyio.CancelScope", "trio.CancelScope"})


class UnshieldedAwaitChecker(Checker):
    """unshielded-await-in-finally: decided at each ``await`` from the blocks around it."""

    rules = (UNSHIELDED_AWAIT_IN_FINALLY,)
    requires = ((ASYNC_CODE,), ("finally", "CancelledError"))

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.cancelled: dict[object, set[str]] = {}  # function -> names ``x`` of ``x.cancel()`` calls

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "cancel" and isinstance(func.value, ast.Name):
            names = self.cancelled.setdefault(self.ctx.function, set())
            names.add(func.value.id)
            for loop, _ in within_scope(self.ctx.frame, (ast.For,)):  # ``for t in tasks: t.cancel()``
                if isinstance(loop.target, ast.Name) and loop.target.id == func.value.id:
                    if isinstance(loop.iter, ast.Name):
                        names.add(loop.iter.id)
                    break

    def visit_Await(self, node: ast.Await) -> None:
        ctx = self.ctx
        if not ctx.in_async:
            return
        value = node.value
        if isinstance(value, ast.Call) and ctx.qualified_name(value.func) in _BOUNDED:
            return
        if self._joins_cancelled(value):
            return  # cancel, then wait for the end: cutting that wait short loses nothing
        where = None
        for block, child in within_scope(ctx.frame, (*TRY_NODES, ast.ExceptHandler, ast.AsyncWith, ast.With)):
            if isinstance(block, (ast.AsyncWith, ast.With)):
                if any(
                    _is_timeout(ctx, item.context_expr) or _is_shield_scope(ctx, item.context_expr)
                    for item in block.items
                ):
                    return  # bounded or shielded cleanup
                continue
            if isinstance(block, ast.ExceptHandler):
                if CANCELLED_ERROR in caught_exceptions(ctx, block):
                    where = "a handler for CancelledError"
                    break
                continue
            if in_statement_list(child, block.finalbody):
                where = "a 'finally:' block"
                break
        if where is not None:
            ctx.report(
                node, UNSHIELDED_AWAIT_IN_FINALLY, awaited=describe(value), where=where, function=ctx.function.name
            )

    def _joins_cancelled(self, value: ast.AST) -> bool:
        """``await task`` / ``await gather(*tasks)`` / ``await wait(tasks)`` after ``task.cancel()``
        (or ``for task in tasks: task.cancel()``) in the same function."""
        names = self.cancelled.get(self.ctx.function)
        if not names:
            return False
        if isinstance(value, ast.Name):
            return value.id in names
        if isinstance(value, ast.Call):
            for argument in value.args:
                if isinstance(argument, ast.Starred):
                    argument = argument.value
                if isinstance(argument, ast.Name) and argument.id in names:
                    return True
        return False


def _bounds(ctx: Context, expr: ast.AST) -> bool:
    return _is_timeout(ctx, expr) or _is_shield_scope(ctx, expr)


def _is_shield_scope(ctx: Context, expr: ast.AST) -> bool:
    """``with anyio.CancelScope(shield=True):`` (or trio's): the awaits inside are shielded."""
    if not isinstance(expr, ast.Call) or ctx.qualified_name(expr.func) not in _SHIELD_SCOPES:
        return False
    return any(k.arg == "shield" and isinstance(k.value, ast.Constant) and k.value.value is True for k in expr.keywords)


def _is_timeout(ctx: Context, expr: ast.AST) -> bool:
    return isinstance(expr, ast.Call) and ctx.qualified_name(expr.func) in TIMEOUT_CONTEXTS
