"""Coroutines the module starts as tasks of their own, for the task exemption of
cancelled-error-not-reraised and cancellation-swallowed: such a coroutine is the top of its
task's stack, and whoever cancels the task reaps its end, normal or cancelled."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...knowledge.asyncio import task_spawn
from ...knowledge.inference import SPAWN_METHODS
from ...semantic.text import last_segment

if TYPE_CHECKING:
    from ...semantic.context import Context

# anyio/trio task groups take the function, then its arguments: ``tg.start_soon(self._run, x)``.
_STARTS_FUNCTION = frozenset({"start_soon", "start"})
MODULE, SELF, ANY_OBJECT = "module", "self", "any object"  # whose function or method it is


def _spawns(func: ast.expr) -> bool:
    """``create_task``/``ensure_future`` by name, also through wrappers named for a task
    (``app.add_task(...)``, ``start_pending_task(...)``, ``spawn(...)``)."""
    segment = last_segment(func) or ""
    return segment in SPAWN_METHODS or segment.endswith("_task") or segment == "spawn"


def spawned_coroutine(ctx: Context, call: ast.Call) -> tuple[str, str] | None:
    """(whose, name) of the coroutine function ``call`` starts as a task: ``create_task(f())``,
    ``loop.create_task(self.m())``, ``create_task(self.cycle.run_asgi(app))``, a coroutine kept in
    a local first (``wrapped = self._run(); loop.create_task(wrapped)``), a spawner handed to a
    scheduler (``loop.call_soon_threadsafe(loop.create_task, f())``), ``tg.start_soon(self._run)``."""
    func, args = call.func, call.args
    if not args:
        return None
    started = args[0]
    if isinstance(started, ast.Attribute) and last_segment(started) in SPAWN_METHODS and len(args) > 1:
        started = args[1]
    elif not (_spawns(func) or (isinstance(started, (ast.Call, ast.Name)) and task_spawn(ctx, call) is not None)):
        if isinstance(func, ast.Attribute) and func.attr in _STARTS_FUNCTION and not isinstance(started, ast.Call):
            return _owner(started)
        return None
    else:  # the first call among the arguments: ``entry.async_create_background_task(hass, self._run(), name)``
        started = next((arg for arg in args if isinstance(arg, ast.Call)), started)
    if isinstance(started, ast.Name):
        binding = ctx.lookup(started.id)
        started = binding.value if binding is not None else None
    return _owner(started.func) if isinstance(started, ast.Call) else None


def _owner(callee: ast.expr) -> tuple[str, str] | None:
    if isinstance(callee, ast.Name):
        return MODULE, callee.id
    if isinstance(callee, ast.Attribute):
        mine = isinstance(callee.value, ast.Name) and callee.value.id == "self"
        return (SELF if mine else ANY_OBJECT), callee.attr
    return None
