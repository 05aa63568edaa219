"""asyncio tasks: which uses of a task -- or of a collection of tasks -- can look at its outcome.

A task's exception is retrieved by awaiting it, ``result()``/``exception()``, or code it is handed
to (``gather``, ``wait``, a done-callback); cancelling it, asking ``done()`` or dropping it from a
collection leaves the outcome alone.  :class:`OutcomeReader` answers the question for one load of
a value, from the frames the traversal recorded (no walk beyond the value's parents, except the
statements of a ``for`` loop over the tasks).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Container

from ..semantic.context import Context
from ..semantic.frames import TRY_NODES, Frame
from ..semantic.text import names_in
from .asyncio import BASE_EXCEPTION, caught_exceptions

# Task methods that leave the outcome alone.
TASK_IGNORING = frozenset(
    {"cancel", "cancelled", "cancelling", "uncancel", "done", "get_name", "set_name", "get_coro", "get_loop"}
    | {"remove_done_callback"}
)
# ... and collection methods (storing, dropping, emptying).
IGNORING_METHODS = TASK_IGNORING | {
    "add",
    "append",
    "appendleft",
    "insert",
    "extend",
    "update",
    "discard",
    "remove",
    "clear",
}
PROBES = frozenset({"done", "cancelled", "cancelling", "get_name"})  # tests that do not retrieve anything
DISCARDERS = frozenset({"discard", "remove", "pop"})  # a collection's methods given as a done-callback
# Collection methods whose value is some of the tasks: judged by what is done with it.
ELEMENT_METHODS = frozenset({"pop", "popleft", "popitem", "get", "values", "items", "copy"})
SIZE_BUILTINS = frozenset({"builtins.len", "builtins.bool"})
COPY_BUILTINS = frozenset({"builtins.list", "builtins.tuple", "builtins.set", "builtins.frozenset", "builtins.sorted"})

# What a holder of tasks is made from: displays, comprehensions and these constructors.
NEW_COLLECTIONS = frozenset(
    {
        "builtins.set",
        "builtins.list",
        "builtins.dict",
        "collections.deque",
        "collections.defaultdict",
        "collections.OrderedDict",
        "weakref.WeakSet",
        "weakref.WeakValueDictionary",
    }
)
_DISPLAYS = (ast.List, ast.Set, ast.Dict, ast.ListComp, ast.SetComp, ast.DictComp)
_CATCH_ALL = frozenset({BASE_EXCEPTION, "builtins.Exception"})
_TRUTH_TESTS = (ast.If, ast.While, ast.IfExp, ast.Assert)
_LEAVES_ALONE = (ast.Compare, ast.Expr, ast.Delete)
_MAX_STEPS = 32  # how far up a value is followed (``list(tasks.values())[0]``...)
_BLOCKS = (ast.While, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, *TRY_NODES)
_MAX_NESTING = 3


def handles_own_errors(ctx: Context, function: ast.AsyncFunctionDef) -> bool:
    """The coroutine function catches every exception itself: its body -- or a loop, ``with`` or
    ``try`` body at its top (three levels deep at most) -- holds a ``try`` with a bare ``except:``,
    ``except Exception`` or ``except BaseException``.  A task running it has no failure to lose
    (beyond what its handler re-raises, which is not looked at: the answer errs towards yes)."""
    return _guarded(ctx, function.body, 0)


def _guarded(ctx: Context, statements: list[ast.stmt], depth: int) -> bool:
    for statement in statements:
        if isinstance(statement, TRY_NODES) and any(
            caught_exceptions(ctx, handler) & _CATCH_ALL for handler in statement.handlers
        ):
            return True
        if isinstance(statement, _BLOCKS) and depth < _MAX_NESTING and _guarded(ctx, statement.body, depth + 1):
            return True
    return False


def is_new_collection(value: ast.AST | None, qualified_name: Callable[[ast.AST], str | None]) -> bool:
    """A new collection, empty or copied: a display, a comprehension, ``set()``, ``deque(...)``..."""
    if isinstance(value, _DISPLAYS):
        return True
    return isinstance(value, ast.Call) and qualified_name(value.func) in NEW_COLLECTIONS


def is_discarder(expr: ast.AST) -> bool:
    """``tasks.discard`` -- or a lambda calling ``tasks.discard/remove/pop(...)`` -- as a done-callback."""
    if isinstance(expr, ast.Lambda):
        expr = expr.body.func if isinstance(expr.body, ast.Call) else expr.body
    return isinstance(expr, ast.Attribute) and expr.attr in DISCARDERS


class OutcomeReader:
    """Whether a use of a task, or of a collection of tasks, can look at a task's outcome.

    ``sizers`` and ``copiers`` are the calls known (by qualified name, where they were made) to
    be ``len()``/``bool()`` and ``list()``/``sorted()``/...: the caller collects them during the
    traversal, and the question is asked afterwards, from the recorded frames.
    """

    __slots__ = ("copiers", "sizers")

    def __init__(self, sizers: Container[ast.Call], copiers: Container[ast.Call]) -> None:
        self.sizers = sizers
        self.copiers = copiers

    def observes(self, frame: Frame) -> bool:
        """What the code does with the value at ``frame`` can look at a task's outcome, or hands
        the value to code that might (anything not known to leave it alone)."""
        for _ in range(_MAX_STEPS):
            up = frame[1]
            if up is None:
                return True
            verdict = self._verdict(frame[0], up)
            if verdict is not None:
                return verdict
            frame = up  # the parent's value is (some of) the value: judged by its use
        return True

    def _verdict(self, node: ast.AST, up: Frame) -> bool | None:
        """Observes, leaves alone, or None: the parent passes the value on (element, copy, operand)."""
        parent = up[0]
        kind = type(parent)
        if kind is ast.Attribute:
            return self._method_observes(parent, up)
        if kind is ast.Subscript:  # ``tasks[k]``: an element; ``tasks[k] = t``, ``del tasks[k]``: alone
            return True if node is not parent.value else (None if type(parent.ctx) is ast.Load else False)
        if kind is ast.Call:
            if node is not parent.func and parent in self.copiers:
                return None
            return node is parent.func or parent not in self.sizers
        if kind is ast.BoolOp or (kind is ast.IfExp and node is not parent.test):
            return None
        if isinstance(parent, _TRUTH_TESTS):
            return node is not parent.test
        if isinstance(parent, _LEAVES_ALONE):
            return False
        if kind is ast.UnaryOp:
            return not isinstance(parent.op, ast.Not)
        if kind is ast.AugAssign:  # ``tasks += [t]``
            return node is not parent.target
        if kind is ast.For and node is parent.iter:
            return _loop_observes(parent, node)
        return True

    def _method_observes(self, attribute: ast.Attribute, frame: Frame) -> bool:
        """``value.attr`` at ``frame``: a method that leaves the outcome alone, a done-callback
        that only discards, some of the tasks taken out -- or anything else."""
        call_frame = frame[1]
        call = call_frame[0] if call_frame is not None else None
        name = attribute.attr
        if not (isinstance(call, ast.Call) and call.func is attribute):
            return type(attribute.ctx) is ast.Load and name not in DISCARDERS  # stores, ``cb = tasks.discard``
        if name in IGNORING_METHODS:
            return False
        if name == "add_done_callback":
            return not (call.args and all(is_discarder(arg) for arg in call.args))
        if name in ELEMENT_METHODS:
            return self.observes(call_frame)
        return True


def _loop_observes(loop: ast.For, iterated: ast.AST) -> bool:
    """``for t in tasks:`` (or ``for k, t in tasks.items():``) observes unless its body only
    cancels, probes or discards ``t``."""
    target = loop.target
    if isinstance(target, ast.Name):
        var = target.id
    elif (
        isinstance(target, ast.Tuple)
        and len(target.elts) == 2
        and isinstance(target.elts[1], ast.Name)
        and isinstance(iterated, ast.Call)
        and isinstance(iterated.func, ast.Attribute)
        and iterated.func.attr == "items"
    ):
        var = target.elts[1].id
    else:
        return True
    return not (_only_ignores(loop.body, var) and _only_ignores(loop.orelse, var))


def _only_ignores(statements: list[ast.stmt], var: str) -> bool:
    """Every statement leaves the task ``var`` alone: does not mention it, cancels or probes it,
    discards it from a collection, or tests a probe of it (``if not t.done(): t.cancel()``)."""
    for statement in statements:
        if var not in names_in(statement):
            continue
        if isinstance(statement, ast.Expr) and _ignoring_call(statement.value, var):
            continue
        if (
            isinstance(statement, ast.If)
            and _probes_only(statement.test, var)
            and _only_ignores(statement.body, var)
            and _only_ignores(statement.orelse, var)
        ):
            continue
        return False
    return True


def _ignoring_call(expr: ast.AST, var: str) -> bool:
    """``t.cancel()``, ``t.add_done_callback(tasks.discard)``, ``tasks.discard(t)``."""
    if not (isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute)):
        return False
    func = expr.func
    arguments = [*expr.args, *(keyword.value for keyword in expr.keywords)]
    if isinstance(func.value, ast.Name) and func.value.id == var:
        if func.attr in TASK_IGNORING:
            return not any(var in names_in(arg) for arg in arguments)
        return func.attr == "add_done_callback" and bool(arguments) and all(is_discarder(arg) for arg in arguments)
    if func.attr in DISCARDERS and var not in names_in(func.value):
        return all(isinstance(arg, ast.Name) or var not in names_in(arg) for arg in arguments)
    return False


def _probes_only(test: ast.AST, var: str) -> bool:
    """``var`` appears in ``test`` only as the receiver of ``done()``/``cancelled()``/..."""
    probed = {
        id(node.func.value)
        for node in ast.walk(test)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in PROBES
        and isinstance(node.func.value, ast.Name)
    }
    return all(id(node) in probed for node in ast.walk(test) if isinstance(node, ast.Name) and node.id == var)
