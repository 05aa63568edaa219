"""Queue operations that cannot wait, for blocking-wait: ``put`` on an unbounded queue, and a
``get`` right after the code saw the queue hold an item -- inside ``while/if not q.empty():``, or
after ``while q.empty(): ...`` (no ``break``) or ``if q.empty(): return``.  "Right after" means no
await point and no other ``get`` of that queue in between: nothing else takes the item first."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from ...knowledge.inference import constructor_call
from ...semantic.flow import Outcome, outcomes
from ...semantic.frames import (
    LOOP_NODES,
    SCOPE_NODES,
    Frame,
    await_points_in,
    branch_path,
    in_statement_list,
    statement_lists,
)
from ...semantic.text import dotted_name, keyword_value

if TYPE_CHECKING:
    from ...semantic.context import Context

# queues whose ``put`` waits only when made with a positive ``maxsize`` (a multiprocessing
# ``SimpleQueue`` writes to a pipe at once: it is not here)
_BOUNDED_QUEUES = frozenset(
    {"queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", "multiprocessing.Queue", "multiprocessing.JoinableQueue"}
)
_LOOK_BACK = 8  # statements searched backwards for a guard


def unbounded(ctx: Context, queue: ast.AST) -> bool:
    """A ``queue.SimpleQueue()``, or a ``queue.Queue/LifoQueue/PriorityQueue()`` or
    ``multiprocessing.Queue/JoinableQueue()`` made without a positive ``maxsize``: its ``put``
    never waits."""
    made = constructor_call(ctx, queue)
    if made is None:
        return False
    call, scope = made
    qn = ctx.qualified_name(call.func, scope)
    if qn == "queue.SimpleQueue":
        return True
    if qn not in _BOUNDED_QUEUES:
        return False
    maxsize = keyword_value(call, "maxsize") or (call.args[0] if call.args else None)
    if maxsize is None:
        return True
    return isinstance(maxsize, ast.Constant) and type(maxsize.value) is int and maxsize.value <= 0


def _emptiness(test: ast.expr) -> tuple[str, bool] | None:
    """(queue, True) for ``q.empty()``, (queue, False) for ``not q.empty()``."""
    negated = type(test) is ast.UnaryOp and type(test.op) is ast.Not
    if negated:
        test = test.operand
    if type(test) is ast.Call and type(test.func) is ast.Attribute and test.func.attr == "empty" and not test.args:
        name = dotted_name(test.func.value)
        if name is not None:
            return name, not negated
    return None


def _guards(statement: ast.stmt, queue: str) -> bool:
    """``while q.empty(): ...`` that no ``break`` leaves, or ``if q.empty(): return`` (no path
    falls out of it): the statements after it run with an item in ``q``."""
    if type(statement) not in (ast.While, ast.If) or _emptiness(statement.test) != (queue, True):
        return False
    ends = outcomes(statement.body)
    if type(statement) is ast.While:
        return Outcome.BREAK not in ends
    return not statement.orelse and Outcome.FALL not in ends


def _quiet(statements: list[ast.stmt], queue: str) -> bool:
    """No await point and no other ``q.get(...)`` in ``statements``: nothing takes the item."""
    for statement in statements:
        if next(await_points_in(statement), None) is not None:
            return False
        for node in ast.walk(statement):
            func = node.func if type(node) is ast.Call else None
            if type(func) is ast.Attribute and func.attr == "get" and dotted_name(func.value) == queue:
                return False
    return True


def filled(frame: Frame, name: str | None) -> bool:
    """Whether the node of ``frame`` -- a blocking ``get()`` of the queue ``name`` (``self.jobs``),
    or a call of a helper that makes one -- takes an item the code just saw there: inside
    ``while/if not q.empty():``, or after ``while q.empty(): ...`` / ``if q.empty(): return``, with
    no await point and no other ``get`` on the queue in between.  Asked only of blocking gets."""
    if name is None:
        return False
    for ancestor, child in branch_path(frame):
        if (
            type(ancestor) in (ast.While, ast.If)
            and in_statement_list(child, ancestor.body)
            and _emptiness(ancestor.test) == (name, False)
        ):
            index = next(i for i, s in enumerate(ancestor.body) if s is child)
            return _quiet(ancestor.body[:index], name)
        if isinstance(child, ast.stmt):
            for statements in statement_lists(ancestor):
                if in_statement_list(child, statements):
                    index = next(i for i, s in enumerate(statements) if s is child)
                    for back in range(index - 1, max(index - _LOOK_BACK, 0) - 1, -1):
                        if _guards(statements[back], name):
                            return _quiet(statements[back + 1 : index], name)
                    break
        if isinstance(ancestor, SCOPE_NODES) or (
            isinstance(ancestor, LOOP_NODES) and child is not getattr(ancestor, "iter", None)
        ):
            return False  # its own function ends here; a later round of a loop may find it empty again
    return False


def helper_get(call: ast.Call) -> str | None:
    """``self.jobs`` for a sync helper's ``self.jobs.get(...)``: whether it waits depends on the
    coroutine that calls the helper."""
    func = call.func
    queue = dotted_name(func.value) if isinstance(func, ast.Attribute) and func.attr == "get" else None
    return queue if queue is not None and queue.startswith("self.") else None


def takes_seen_item(call: ast.Call, frame: Frame, blocks: Iterable[tuple[str, Any]], excused: Callable) -> bool:
    """``self.take()`` (``call``, at ``frame``) right after its coroutine saw an item in
    ``self.jobs``, where the helper's only blocking calls (``blocks``: each with its condition,
    ``excused(condition)`` saying whether it is excused anyway) are ``get()`` of such queues: it
    takes that item without waiting.  The caller makes sure the helper calls no blocking helper."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "self"):
        return False
    queues = set()
    for _, condition in blocks:
        if condition is None or (condition.queue is None and not excused(condition)):
            return False
        if condition.queue is not None:
            queues.add(condition.queue)
    return bool(queues) and all(filled(frame, queue) for queue in queues)
