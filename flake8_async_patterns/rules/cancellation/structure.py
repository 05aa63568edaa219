"""Where a ``try`` stands in its function, for the exemptions of cancelled-error-not-reraised and
cancellation-swallowed that need leaving the handler to end the function (reaps, task loops)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from ...semantic.flow import RAISES, Outcome, handler_always_raises, handler_outcomes, outcomes
from ...semantic.frames import (
    LOOP_NODES,
    TRY_NODES,
    await_points_in,
    branch_path,
    holding_list,
    in_statement_list,
    parent_of,
    statement_frame,
    statement_position,
    within_scope,
)
from ...semantic.scope import ScopeKind
from ...semantic.text import dotted_name, is_none

if TYPE_CHECKING:
    from ...semantic.context import Context
    from ...semantic.frames import Frame
    from ...semantic.scope import Scope


_FALLS_OR_RERAISES = frozenset({Outcome.FALL, Outcome.RERAISE})


def wraps_the_loop(try_node: ast.AST, function: Scope) -> bool:
    """``async def run(self): try: while ...: await ... except CancelledError: pass`` -- the ``try``
    is the function's last statement and holds its loop, which awaits: leaving the handler ends
    the function."""
    return last_statement(try_node, function) and any(
        isinstance(statement, LOOP_NODES) and next(await_points_in(statement), None) is not None
        for statement in try_node.body
    )


def reraised_after(
    ends: frozenset[Outcome], try_node: ast.AST, function: Scope, same: Callable[[ast.expr], bool]
) -> bool:
    """A handler that falls off its end (``ends``: the ways it leaves, re-raising the others) of
    ``try: ... except CancelledError: log(...)`` in the function's own body, then clean-up that
    ends, on every path, in ``raise CancelledError(...)`` (gcloud-aio's subscriber shutting its
    workers down): the task still ends cancelled."""
    body = getattr(function.node, "body", None)
    if Outcome.FALL not in ends or not ends <= _FALLS_OR_RERAISES or try_node not in (body or ()):
        return False
    return outcomes(body[body.index(try_node) + 1 :], bare=False, same=same) == {Outcome.RERAISE}


def ends_function(frame: Frame) -> bool:
    """Whether nothing of the function runs after the statement of ``frame`` but plain calls that
    cannot suspend (a log line: mautrix-googlechat's ``logger.info(...)`` after reaping its listen
    task): it is the last statement of its block, or followed only by such calls, and so is each
    ``with``/``async with``/``if`` around it.  An assignment, a ``return`` of a value or a ``raise``
    after it goes on as if the task had failed."""
    for ancestor, child in branch_path(frame):
        if isinstance(ancestor, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return _only_calls_after(child, ancestor.body)
        if not isinstance(ancestor, (ast.With, ast.AsyncWith, ast.If)):
            return False
        block = (
            ancestor.orelse
            if isinstance(ancestor, ast.If) and in_statement_list(child, ancestor.orelse)
            else ancestor.body
        )
        if not _only_calls_after(child, block):
            return False
    return False


def _only_calls_after(statement: ast.stmt, block: list[ast.stmt]) -> bool:
    """``statement`` ends ``block``, or only calls that await nothing follow it there."""
    after = block[statement_position(statement, block) + 1 :]
    return all(
        type(s) is ast.Expr and type(s.value) is ast.Call and next(await_points_in(s), None) is None for s in after
    )


def last_statement(try_node: ast.AST, function: Scope) -> bool:
    body = getattr(function.node, "body", None)
    return isinstance(body, list) and bool(body) and body[-1] is try_node


def class_of(function: Scope) -> Scope | None:
    """The class whose ``self`` ``function`` sees: its own, as a method, or that of the method it
    is nested in (``lambda: self._task.cancel()`` in a method)."""
    scope = function
    while scope.kind is not ScopeKind.MODULE:
        parent = scope.parent
        if parent is None:
            return None
        if parent.kind is ScopeKind.CLASS:
            return parent if scope.kind is not ScopeKind.CLASS else None
        scope = parent
    return None


def self_attr(node: ast.AST) -> str | None:
    """``X`` of ``self.X`` -- or of ``getattr(self, "X", None)`` (praisonai-bot's ``task =
    getattr(self, "_supervisor_task", None)`` ... ``task.cancel()``)."""
    if type(node) is ast.Call and type(node.func) is ast.Name and node.func.id == "getattr" and len(node.args) >= 2:
        name = node.args[1]
        if type(name) is ast.Constant and isinstance(name.value, str):
            node = ast.Attribute(value=node.args[0], attr=name.value, ctx=ast.Load())
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self":
        return node.attr
    return None


def spelling(handler: ast.ExceptHandler) -> str:
    return ast.unparse(handler.type) if handler.type is not None else "BaseException"


def handler_spelling(handler: ast.ExceptHandler) -> str:
    return "except:" if handler.type is None else f"except {ast.unparse(handler.type)}:"


def only_cleanup_of(sites: list | None, catches_cancellation: Callable[[ast.ExceptHandler], bool]) -> bool:
    """Every place the module awaits the function (``sites``: the handler around each call, None
    outside any) is a handler that catches the cancellation and re-raises it on every path
    (``except CancelledError: await self._cancel_abandoned_crawl(job); raise``, firecrawl): a
    cancellation the function swallows during that clean-up cannot stop its task ending
    cancelled."""
    return bool(sites) and all(
        handler is not None and catches_cancellation(handler) and handler_outcomes(handler) <= {Outcome.RERAISE}
        for handler in sites
    )


def module_global(ctx: Context, expr: ast.AST | None) -> str | None:
    """``G`` when ``expr`` is a name bound at module level, read from a function."""
    if not isinstance(expr, ast.Name):
        return None
    binding = ctx.lookup(expr.id)
    return expr.id if binding is not None and binding.scope.kind is ScopeKind.MODULE else None


def raises_unless_unwinding(handler: ast.ExceptHandler, function: Scope) -> bool:
    """In ``__aexit__``, a handler that first re-raises when the block raised nothing (``if exc_type
    is None: raise``): it swallows a clean-up error -- a cancellation too -- only while the block's
    own exception is on its way out, and ``__aexit__`` returning lets that one go on
    (fastapi-async-sqlalchemy's session middleware: "another exception is already being raised")."""
    node = function.node
    if function.name != "__aexit__" or not isinstance(node, ast.AsyncFunctionDef) or not handler.body:
        return False
    first = handler.body[0]
    if not (isinstance(first, ast.If) and not first.orelse and len(first.body) == 1):
        return False
    reraise, test = first.body[0], first.test
    return (
        isinstance(reraise, ast.Raise)
        and reraise.exc is None
        and isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], ast.Is)
        and is_none(test.comparators[0])
        and isinstance(test.left, ast.Name)
        and test.left.id in {argument.arg for argument in node.args.args[1:3]}
    )


def in_unwinding_finally(frame: Frame) -> bool:
    """Inside the ``finally`` of a ``try`` that is only ever left by an exception -- its body never ends
    normally (``while True:`` with no ``break`` or ``return``) and each of its handlers raises: the
    ``finally`` runs with an exception on its way out, which goes on after it (kopf's peering
    keep-alive, whose clean-up swallows only a second cancellation)."""
    for node, child in within_scope(frame, TRY_NODES):
        if (
            in_statement_list(child, node.finalbody)
            and outcomes(node.body) <= RAISES
            and all(handler_always_raises(handler) for handler in node.handlers)
        ):
            return True
    return False


def cancelled_argument(frame: Frame, call: ast.Call) -> int | None:
    """The position of the argument of the awaited ``call`` that the statement just before it
    cancels: ``task.cancel()`` then ``await self.reap(task)`` (djangochannelsrestframework's
    disconnect; modal's log batches).  None when that statement cancels nothing ``call`` is given."""
    statement = statement_frame(frame)
    if statement is None or not call.args:
        return None
    found = holding_list(statement[0], parent_of(statement))
    if not found or not found[1]:
        return None
    before = found[0][found[1] - 1]
    previous = before.value if type(before) is ast.Expr else None
    func = previous.func if type(previous) is ast.Call else None
    if type(func) is not ast.Attribute or func.attr != "cancel" or previous.args:
        return None
    cancelled = dotted_name(func.value)
    return next((i for i, arg in enumerate(call.args) if cancelled and dotted_name(arg) == cancelled), None)


def awaits_parameter(ctx: Context, try_node: ast.AST, function: Scope, position: int) -> bool:
    """The ``try`` body awaits the positional parameter at ``position`` of ``function`` (``self``
    not counted for a method, unless a ``@staticmethod``) by name: ``await task``."""
    arguments = getattr(function.node, "args", None)
    parameters = [*arguments.posonlyargs, *arguments.args] if arguments is not None else []
    decorators = getattr(function.node, "decorator_list", ())
    static = any(ctx.qualified_name(d, function.parent) == "builtins.staticmethod" for d in decorators)
    if function.is_method and not static:
        parameters = parameters[1:]
    if position >= len(parameters):
        return False
    name = parameters[position].arg
    return any(
        type(point) is ast.Await and type(point.value) is ast.Name and point.value.id == name
        for statement in try_node.body
        for point in await_points_in(statement, (ast.Await,))
    )
