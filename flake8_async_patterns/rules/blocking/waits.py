"""Waits that return at once, for blocking-wait: ``put`` on an unbounded queue; a ``get`` right
after the code saw the queue hold an item -- inside ``while/if not q.empty():``, or after ``while
q.empty(): ...`` (no ``break``) or ``if q.empty(): return`` ("right after": no await point and no
other ``get`` of that queue in between, so nothing else takes the item first); ``thread.join()``
after awaiting the future the thread sets as its work ends; a reentrant lock held across an await."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ...knowledge.inference import constructor_call, without_bound
from ...semantic.flow import Outcome, outcomes
from ...semantic.frames import (
    LOOP_NODES,
    SCOPE_NODES,
    TRY_NODES,
    Frame,
    await_points_in,
    branch_path,
    in_statement_list,
    statement_lists,
    statement_position,
)
from ...semantic.scope import BindingKind
from ...semantic.text import dotted_name, keyword_value

if TYPE_CHECKING:
    from ...semantic.context import Context

# queues whose ``put`` waits only when made with a positive ``maxsize`` (a multiprocessing
# ``SimpleQueue`` writes to a pipe at once: it is not here)
_BOUNDED_QUEUES = frozenset(
    {"queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", "multiprocessing.Queue", "multiprocessing.JoinableQueue"}
)
_CONTEXT_QUEUES = frozenset({"Queue", "JoinableQueue", "SimpleQueue"})
_LOOK_BACK = 8  # statements searched backwards for a guard


_REENTRANT_LOCKS = frozenset({"threading.RLock", "multiprocessing.RLock"})
_CONDITIONS = frozenset({"threading.Condition", "multiprocessing.Condition"})


def reentrant(ctx: Context, lock: ast.AST) -> bool:
    """A ``threading.RLock()`` (or a ``Condition()`` made without a lock: it makes an RLock), seen
    made: its owner is a thread, and every task of the loop runs on the loop's thread, so another
    task's ``with lock:`` re-enters it at once -- holding it across an await blocks nothing."""
    made = constructor_call(ctx, lock)
    if made is None and isinstance(lock, ast.Name):  # ``lock = self._lock``: a copy, what it copies
        binding = ctx.lookup(lock.id)
        if (
            binding is not None
            and binding.kind is BindingKind.ASSIGN
            and isinstance(binding.value, (ast.Attribute, ast.Name))
        ):
            made = constructor_call(ctx, binding.value, binding.scope)
    if made is None:
        return False
    call, scope = made
    qn = ctx.qualified_name(call.func, scope)
    if qn in _REENTRANT_LOCKS:
        return True
    if qn in _CONDITIONS:
        return not call.args and keyword_value(call, "lock") is None
    return False


def unbounded(ctx: Context, queue: ast.AST) -> bool:
    """A ``queue.SimpleQueue()``, or a ``queue.Queue/LifoQueue/PriorityQueue()`` or
    ``multiprocessing.Queue/JoinableQueue()`` (also a context's, ``mp_ctx.Queue()``) made without a
    positive ``maxsize`` (also as a field's ``default_factory=Queue``, pydantic or dataclasses): its
    ``put`` never waits.  So is a queue made where the module cannot see: only a bound in sight
    makes ``put`` a wait worth reporting (on real code every such report was an unbounded queue)."""
    made = constructor_call(ctx, queue)
    if made is None:
        return True  # made where the module cannot see (a parameter, another module): no bound in sight
    call, scope = made
    factory = keyword_value(call, "default_factory")  # ``Field(default_factory=Queue)``: ``Queue()``
    qn = ctx.qualified_name(factory if factory is not None else call.func, scope)
    if qn is None and isinstance(call.func, ast.Attribute) and call.func.attr in _CONTEXT_QUEUES:
        qn = "multiprocessing." + call.func.attr  # ``mp_ctx.Queue()``: a multiprocessing context's queue
    if qn == "queue.SimpleQueue":
        return True
    if qn not in _BOUNDED_QUEUES:
        return False
    return factory is not None or without_bound(call)


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


def _earlier(frame: Frame) -> Iterator[tuple[ast.AST, ast.AST, list[ast.stmt]]]:
    """From the node of ``frame`` outwards, within its function: (ancestor, child on the path, the
    statements before the child in the ancestor's statement list -- nearest first, at most
    ``_LOOK_BACK``; empty when the child is not a statement of such a list)."""
    for ancestor, child in branch_path(frame):
        before: list[ast.stmt] = []
        if isinstance(child, ast.stmt):
            for statements in statement_lists(ancestor):
                index = statement_position(child, statements)
                if index is not None:
                    before = statements[max(index - _LOOK_BACK, 0) : index][::-1]
                    break
        yield ancestor, child, before
        if isinstance(ancestor, SCOPE_NODES):
            return


def filled(frame: Frame, name: str | None) -> bool:
    """Whether the node of ``frame`` -- a blocking ``get()`` of the queue ``name`` (``self.jobs``),
    or a call of a helper that makes one -- takes an item the code just saw there: inside
    ``while/if not q.empty():``, or after ``while q.empty(): ...`` / ``if q.empty(): return``, with
    no await point and no other ``get`` on the queue in between.  Asked only of blocking gets."""
    if name is None:
        return False
    for ancestor, child, before in _earlier(frame):
        if type(ancestor) in (ast.While, ast.If) and _emptiness(ancestor.test) == (name, False):
            index = statement_position(child, ancestor.body)
            if index is not None:
                return _quiet(ancestor.body[:index], name)
        for distance, statement in enumerate(before):
            if _guards(statement, name):
                return _quiet(before[:distance], name)
        if isinstance(ancestor, LOOP_NODES) and child is not getattr(ancestor, "iter", None):
            return False  # a later round of the loop may find the queue empty again
    return False


def signalled_done(ctx: Context, thread: ast.AST, frame: Frame) -> bool:
    """Whether ``thread.join()`` (at ``frame``) comes after the coroutine awaited a future the
    thread was handed (``Thread(target=work, args=(future,))`` ... ``await future``: the thread
    sets it as its work ends) -- in the ``else`` of a ``try`` whose body awaits it, or after a
    statement that does.  Then the join only waits for the thread to return."""
    made = constructor_call(ctx, thread)
    handed = _handed(made[0]) if made is not None else set()
    if not handed:
        return False
    for ancestor, child, before in _earlier(frame):
        if isinstance(ancestor, TRY_NODES) and in_statement_list(child, ancestor.orelse):
            before = [*before, *ancestor.body]
        if any(_awaits(statement, handed) for statement in before):
            return True
    return False


def _handed(constructor: ast.Call) -> set[str]:
    """Names handed to a thread through ``args=(...)`` / ``kwargs={...}`` (or their positions)."""
    values = [keyword.value for keyword in constructor.keywords if keyword.arg in ("args", "kwargs")]
    values += constructor.args[3:5]  # Thread(group, target, name, args, kwargs)
    names = set()
    for value in values:
        items = value.values if isinstance(value, ast.Dict) else getattr(value, "elts", [])
        names.update(item.id for item in items if isinstance(item, ast.Name))
    return names


def _awaits(statement: ast.stmt, names: set[str]) -> bool:
    """``await future`` (or ``await asyncio.wait_for(future, ...)``) of one of ``names`` in ``statement``."""
    for node in ast.walk(statement):
        if type(node) is ast.Await:
            value = node.value
            awaited = value.args if type(value) is ast.Call else [value]
            if any(isinstance(item, ast.Name) and item.id in names for item in awaited):
                return True
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
