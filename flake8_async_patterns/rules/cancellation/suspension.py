"""Whether a cancellation can arrive in a ``try`` body at all: only where its task suspends."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...semantic.frames import await_points_in
from ...semantic.scope import BindingKind
from ...semantic.text import is_stub

if TYPE_CHECKING:
    from ...semantic.context import Context
    from ...semantic.scope import Scope


def never_suspends(ctx: Context, try_node: ast.Try, function: Scope, scopes: dict[ast.AST, Scope]) -> bool:
    """Whether every await point of ``try_node``'s body awaits (or iterates) a call of a coroutine
    (or async generator) function of the module that has no await point of its own: a module or
    enclosing function named directly, or a method of ``function``'s class called through
    ``self``.  Such a call runs to its end -- or to its next value -- without giving the event loop
    a turn, and a task's cancellation arrives only where the task suspends: no handler of the
    ``try`` ever sees one.  ``scopes`` maps the module's function nodes to their scopes; asked at
    the module end, when every body has been walked.  Walks the ``try`` body: ask about a handler
    about to be reported."""
    points = [point for statement in try_node.body for point in await_points_in(statement)]
    return bool(points) and all(_runs_through(ctx, point, function, scopes) for point in points)


def _runs_through(ctx: Context, point: ast.AST, function: Scope, scopes: dict[ast.AST, Scope]) -> bool:
    if isinstance(point, ast.Await):
        call = point.value
    elif isinstance(point, (ast.AsyncFor, ast.comprehension)):
        call = point.iter
    else:
        return False  # ``async with``: entering and leaving may suspend
    if not isinstance(call, ast.Call):
        return False
    callee = call.func
    binding = None
    if isinstance(callee, ast.Name):
        binding = ctx.lookup(callee.id, function)
    elif isinstance(callee, ast.Attribute):
        cls = ctx.instance_class(callee.value, function)
        binding = cls.bindings.get(callee.attr) if cls is not None else None
    if binding is None or binding.kind is not BindingKind.DEF:
        return False
    node = binding.node
    scope = scopes.get(node)
    return (
        scope is not None
        and isinstance(node, ast.AsyncFunctionDef)
        and not node.decorator_list  # a decorator may wrap it in something that waits
        and not scope.has_await
        and not is_stub(node.body)  # an override may wait
    )
