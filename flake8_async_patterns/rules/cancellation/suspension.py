"""Whether a cancellation can arrive in a ``try`` body at all: only where its task suspends."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from ...semantic.frames import await_points_in, within_scope
from ...semantic.scope import BindingKind
from ...semantic.text import dotted_name, dotted_names_in, is_stub, last_segment

# A future's or task's methods that tell whether it was cancelled, or is over.
STATE_METHODS = frozenset({"cancelled", "done"})
# An object's flags (``self.closed``, ``self._stopping``, ``self._conn.is_closed()``) that its own
# shutdown sets before it cancels the tasks it runs.
CLOSING_WORDS = frozenset(
    {
        "closed",
        "closing",
        "close_called",
        "stopped",
        "stopping",
        "should_stop",
        "shutdown",
        "shutting_down",
        "terminating",
        "interrupted",
    }
)

# Flags that hold while the object runs (``not self.is_connected`` is a closing test).
RUNNING_WORDS = frozenset({"connected", "running", "alive", "open"})

if TYPE_CHECKING:
    from ...semantic.context import Context
    from ...semantic.frames import Frame
    from ...semantic.scope import Scope


def done_before(frame: Frame) -> frozenset[str]:
    """The futures or tasks (``name``, ``self.attr``) that the ``if`` statements around the node
    of ``frame`` found over: it sits in the body of ``if F.done():`` (or of an ``and`` with that
    test among its operands)."""
    over = set()
    for statement, child in within_scope(frame, ast.If):
        if child is statement.test or child not in statement.body:
            continue
        test = statement.test
        for operand in test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else [test]:
            func = operand.func if isinstance(operand, ast.Call) and not operand.args else None
            if isinstance(func, ast.Attribute) and func.attr == "done" and (name := dotted_name(func.value)):
                over.add(name)
    return frozenset(over)


def never_suspends(
    ctx: Context, try_node: ast.Try, function: Scope, scopes: dict[ast.AST, Scope], over: frozenset[str] = frozenset()
) -> bool:
    """Whether every await point of ``try_node``'s body awaits a future or task in ``over`` --
    found done before the ``try`` (``done_before``): awaiting it returns or raises its outcome at
    once -- or awaits (or iterates) a call of a coroutine
    (or async generator) function of the module that has no await point of its own: a module or
    enclosing function named directly, or a method of ``function``'s class called through
    ``self``.  Such a call runs to its end -- or to its next value -- without giving the event loop
    a turn, and a task's cancellation arrives only where the task suspends: no handler of the
    ``try`` ever sees one.  ``scopes`` maps the module's function nodes to their scopes; asked at
    the module end, when every body has been walked.  Walks the ``try`` body: ask about a handler
    about to be reported."""
    points = [point for statement in try_node.body for point in await_points_in(statement)]
    return bool(points) and all(
        (isinstance(point, ast.Await) and dotted_name(point.value) in over)
        or _runs_through(ctx, point, function, scopes)
        for point in points
    )


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


def tells_awaited_apart(shielded: set[str | None], handler: ast.ExceptHandler) -> bool:
    """Whether the handler first asks ``F.cancelled()``/``F.done()`` of a future or task the
    ``try`` body awaits through ``shield`` (``await asyncio.shield(connect_task)``, ``await
    wait_for(shield(wrap_future(future)), t)``; a plain ``await F`` cancels F with the awaiting task,
    so F's state tells nothing there), and re-raises in the arm where F is still running
    (``if not F.done(): ... raise``) or leaves without raising only in the arm where F is over
    (``if F.cancelled(): return None``): a CancelledError there is F's own when F is over, and the
    task's when F still runs (camel-ai's MCP connect, openhands' prompt drain; asgiref's ``if
    exec_coro.done(): raise``, which swallows the task's own, is no such test).  ``shielded`` is
    :func:`shielded_names` of the ``try`` (a walk of its await points: ask about a handler about to
    be reported)."""
    for statement in handler.body:
        if not isinstance(statement, ast.If):
            continue
        test, negated = _negation(statement.test)
        func = test.func if isinstance(test, ast.Call) and not test.args else None
        if not (isinstance(func, ast.Attribute) and func.attr in STATE_METHODS):
            continue
        spelled = dotted_name(func.value)
        if spelled is None:
            continue
        if spelled not in shielded:
            return False
        last = statement.body[-1]
        reraises = isinstance(last, ast.Raise) and last.exc is None
        return reraises if negated else not reraises
    return False


def shielded_names(try_node: ast.Try) -> set[str | None]:
    """The names and dotted attributes the ``try`` body awaits through ``shield(...)``: only there
    does ``F.cancelled()`` tell F's own cancellation from the awaiting task's (a plain ``await task``
    passes the awaiting task's cancellation into the task, which then ends cancelled too: marimo's
    chat prompt)."""
    return dotted_names_in(
        argument
        for value in _awaited_values(try_node)
        for call in ast.walk(value)
        if type(call) is ast.Call and last_segment(call.func) == "shield"
        for argument in call.args
    )


def _awaited_values(try_node: ast.Try) -> Iterator[ast.expr]:
    for statement in try_node.body:
        for point in await_points_in(statement, (ast.Await,)):
            if type(point) is ast.Await:  # (an async comprehension's ``for`` comes too)
                yield point.value


# What the class's cancelling methods set ``self.<attr>`` to before they cancel (spelled values), or None.
SetByCanceller = Callable[[str], "frozenset[str] | None"]


def tells_closing_apart(
    handler: ast.ExceptHandler, shielded: set[str | None] = frozenset(), set_by_canceller: SetByCanceller | None = None
) -> bool:
    """Whether the handler first asks whether its object is shutting down -- ``self.closed``,
    ``self._stopping``, ``self._conn.is_closed()``, ``not self.is_connected``, alone, or-ed together
    or and-ed with other tests -- and re-raises where it is not (``if not self.closed: raise``;
    ``if self.is_closed(): raise ClientClosed`` then ``raise``; pysnooz's ``if not self.is_connected
    and reason == USER: pass`` / ``else: raise``): the cancellation the other arm swallows or replaces
    is the object's own shutdown's (slack-sdk's message processor, modal's client, nats' subscription,
    pysnooz's ``async_disconnect``).  Leaving quietly where the object still runs (aio-pika's ``if
    closed: raise``, then a retry) is no such test.  ``F.cancelled()``/``F.done()`` of a future in
    ``shielded`` (the ``try`` body awaits it through ``shield``) may stand among the operands as one
    more test of that kind: where F is over, the CancelledError is F's (litestar-security's ``if
    task.cancelled() or self._closed: return``).  So may a comparison of a ``self`` attribute that
    the class's own cancelling method sets before it cancels with a value that method never sets
    (ophyd-async's ``if self._stop_state == StopState.NONE: raise``, ``stop()`` setting it to
    ``USER_SUCCESS``/``USER_FAILURE`` and then cancelling the move)."""
    for index, statement in enumerate(handler.body):
        if not isinstance(statement, ast.If):
            continue
        state = _object_state(statement.test, shielded, set_by_canceller)
        if state is None:
            return False
        running_arm = statement.body if state == "running" else statement.orelse or handler.body[index + 1 :]
        last = running_arm[-1] if running_arm else None
        return isinstance(last, ast.Raise) and last.exc is None
    return False


def tells_message_apart(handler: ast.ExceptHandler) -> bool:
    """Whether the handler first compares the caught exception's message (``str(exc)``,
    ``exc.args[0]``) with a string: the tag its owner's ``task.cancel(msg)`` gave (langflow's
    ``cleanup_job`` cancels with ``"LANGFLOW_USER_CANCELLED"``; ``if str(e) != TAG: raise``), so the
    cancellation the other arm swallows is the one it asked for.  The caller also wants a ``raise``."""
    name = handler.name
    if name is None:
        return False
    for statement in handler.body[:_MESSAGE_TEST_WITHIN]:
        expr = statement.test if type(statement) is ast.If else getattr(statement, "value", None)
        if expr is not None and any(
            type(node) is ast.Compare and _compares_message(node, name) for node in ast.walk(expr)
        ):
            return True
    return False


_MESSAGE_TEST_WITHIN = 3  # statements at the top of the handler


def _compares_message(compare: ast.Compare, name: str) -> bool:
    operands = (compare.left, *compare.comparators)
    literal = any(type(o) is ast.Constant and isinstance(o.value, str) for o in operands)
    return literal and any(_message_of(o, name) for o in operands)


def _message_of(expr: ast.expr, name: str) -> bool:
    """``str(exc)``/``repr(exc)``, ``exc.args`` or ``exc.args[i]``."""
    if type(expr) is ast.Subscript:
        expr = expr.value
    if type(expr) is ast.Call and type(expr.func) is ast.Name and expr.func.id in ("str", "repr") and expr.args:
        expr = expr.args[0]
        return type(expr) is ast.Name and expr.id == name
    return (
        type(expr) is ast.Attribute and expr.attr == "args" and type(expr.value) is ast.Name and expr.value.id == name
    )


def _object_state(
    test: ast.expr, shielded: set[str | None], set_by_canceller: SetByCanceller | None = None, depth: int = 0
) -> str | None:
    """``"closing"`` where ``test`` holds only while the object shuts down, ``"running"`` where it
    holds only while the object runs, ``None`` where it tells nothing of the kind.  A chain of
    ``not`` is unwound in a loop; and-/or-nesting deeper than any real test tells nothing."""
    flipped = False
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, flipped = test.operand, not flipped
    if isinstance(test, ast.BoolOp):
        states = (
            [_object_state(value, shielded, set_by_canceller, depth + 1) for value in test.values]
            if depth < 16
            else [None]
        )
        if isinstance(test.op, ast.Or):  # holds only while closing if every operand does
            state = states[0] if len(set(states)) == 1 else None
        else:  # ``A and B`` holds only while closing if any operand does (and only while running likewise)
            state = "closing" if "closing" in states else "running" if "running" in states else None
    elif _asks_shielded_state(test, shielded):
        state = "closing"  # over: a CancelledError is the shielded future's own
    elif type(test) is ast.Compare and set_by_canceller is not None:
        state = _canceller_state(test, set_by_canceller)
    else:
        state = _flag_state(test)
    return _FLIPPED.get(state) if flipped else state


_EQUAL = (ast.Eq, ast.Is)
_UNEQUAL = (ast.NotEq, ast.IsNot)


def _canceller_state(test: ast.Compare, set_by_canceller: SetByCanceller) -> str | None:
    """``self.X == V`` holds only while running, ``self.X != V`` only while closing, when the class's
    cancelling methods set ``self.X`` only to values other than ``V`` before they cancel."""
    if len(test.ops) != 1 or not isinstance(test.ops[0], (*_EQUAL, *_UNEQUAL)):
        return None
    left = test.left
    attr = (
        left.attr if type(left) is ast.Attribute and type(left.value) is ast.Name and left.value.id == "self" else None
    )
    value = spelled_value(test.comparators[0])
    set_values = set_by_canceller(attr) if attr is not None and value is not None else None
    if not set_values or value in set_values:
        return None
    return "running" if isinstance(test.ops[0], _EQUAL) else "closing"


def spelled_value(expr: ast.expr) -> str | None:
    """A dotted name or a literal, spelled: ``StopState.NONE``, ``None``, ``'idle'``."""
    if type(expr) is ast.Constant:
        return repr(expr.value)
    return dotted_name(expr) if type(expr) in (ast.Name, ast.Attribute) else None


def _asks_shielded_state(test: ast.expr, shielded: set[str | None]) -> bool:
    """``F.cancelled()``/``F.done()`` of a future the ``try`` body awaits through ``shield``."""
    func = test.func if type(test) is ast.Call and not test.args else None
    return type(func) is ast.Attribute and func.attr in STATE_METHODS and dotted_name(func.value) in shielded


_FLIPPED = {"closing": "running", "running": "closing"}


def _flag_state(test: ast.AST) -> str | None:
    if isinstance(test, ast.Call) and not test.args and not test.keywords:
        test = test.func
    name = dotted_name(test) if isinstance(test, ast.Attribute) else None
    if name is None or not name.startswith("self."):
        return None
    word = name.rsplit(".", 1)[1].lstrip("_").removeprefix("is_")
    if word in CLOSING_WORDS or word.startswith("sigint"):  # ``self._sigint_received``
        return "closing"
    return "running" if word in RUNNING_WORDS else None


def _negation(test: ast.expr) -> tuple[ast.expr, bool]:
    """``not X`` -> (X, True); anything else -> (itself, False)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return test.operand, True
    return test, False
