"""Coroutines the module starts as tasks of their own, for the task exemption of
cancelled-error-not-reraised and cancellation-swallowed: such a coroutine is the top of its
task's stack, and whoever cancels the task reaps its end, normal or cancelled."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...knowledge.inference import SPAWN_METHODS

if TYPE_CHECKING:
    from ...semantic.context import Context

# anyio/trio task groups take the function, then its arguments: ``tg.start_soon(self._run, x)``.
_STARTS_FUNCTION = frozenset({"start_soon", "start"})
# ``asyncio.start_server(handle, host, port)``: each connection runs the callback as a task of its own.
_SERVES_FUNCTION = frozenset({"start_server", "start_unix_server"})
_STARTED_KEYWORDS = frozenset({"coro", "coroutine", "func", "client_connected_cb"})
# ``asyncio.run_coroutine_threadsafe(coro, loop)`` makes a task of ``coro`` on that loop.
_THREADSAFE = "run_coroutine_threadsafe"
# Spawners handed to a scheduler with the coroutine after them (``loop.call_soon_threadsafe(loop.create_task,
# f())``, anyio's ``context.run(asyncio.run_coroutine_threadsafe, task_wrapper(), loop=loop)``).
_HANDED_SPAWNERS = SPAWN_METHODS | {_THREADSAFE}
MODULE, SELF, ANY_OBJECT = "module", "self", "any object"  # whose function or method it is


def _spawns(segment: str) -> bool:
    """``create_task``/``ensure_future`` by name, also through wrappers named for a task or a
    future (``app.add_task(...)``, ``start_pending_task(...)``, ``spawn(...)``, faust's
    ``self.add_future(coro)``, vocode's ``asyncio_create_task_with_done_error_log(coro)``), the
    ``asyncio.Task(coro)`` constructor (faust's actors), and ``run_coroutine_threadsafe(coro, loop)``,
    a task on another thread's loop."""
    return (
        segment in SPAWN_METHODS
        or segment == "Task"
        or segment.endswith(("_task", "_future"))
        or segment == "spawn"
        or "create_task" in segment
        or "ensure_future" in segment
        or segment == _THREADSAFE
    )


def spawned_coroutine(ctx: Context, call: ast.Call, segment: str) -> list[tuple[str, str]]:
    """(whose, name) of each coroutine function ``call`` may start as a task: ``create_task(f())``,
    ``loop.create_task(self.m())``, ``create_task(self.cycle.run_asgi(app))``, a coroutine kept in
    a local first (``wrapped = self._run(); loop.create_task(wrapped)``), a spawner handed to a
    scheduler (``loop.call_soon_threadsafe(loop.create_task, f())``), ``tg.start_soon(self._run)``, a
    connection callback (``asyncio.start_unix_server(self._handle_connection, path)``),
    ``create_task(name=..., coro=f())`` (kopf), both of ``create_task(limited() if flag else
    plain())`` (lightrag).  ``segment`` is the last segment of the callee's name
    ("" for other callees): spawns are known by name (an import alias such as ``create_task as go``
    is not followed)."""
    func = call.func
    args = call.args or [k.value for k in call.keywords if k.arg in _STARTED_KEYWORDS]
    if not args:
        return []
    started = args[0]
    if type(started) is ast.Attribute and started.attr in _HANDED_SPAWNERS and len(args) > 1:
        started = args[1]
    elif not _spawns(segment):
        if segment in _STARTS_FUNCTION and type(func) is ast.Attribute and not isinstance(started, ast.Call):
            return _owner(started)
        if segment in _SERVES_FUNCTION and not isinstance(started, ast.Call):
            return _owner(started)
        return []
    else:  # the first call among the arguments: ``entry.async_create_background_task(hass, self._run(), name)``
        started = next((arg for arg in args if isinstance(arg, (ast.Call, ast.IfExp))), started)
    if isinstance(started, ast.Name):
        binding = ctx.lookup(started.id)
        started = binding.value if binding is not None else None
    arms = (started.body, started.orelse) if isinstance(started, ast.IfExp) else (started,)
    return [owner for arm in arms if isinstance(arm, ast.Call) for owner in _owner(arm.func)]


def _owner(callee: ast.expr) -> list[tuple[str, str]]:
    if isinstance(callee, ast.Name):
        return [(MODULE, callee.id)]
    if isinstance(callee, ast.Attribute):
        mine = isinstance(callee.value, ast.Name) and callee.value.id == "self"
        return [((SELF if mine else ANY_OBJECT), callee.attr)]
    return []
