"""Frames: where a node stands.

The engine walks with an explicit stack of frames, each a plain tuple ``(node, parent_frame,
phase)`` -- a tuple, not a record, because one is made per node on the hot path.  Everything
outside the engine reads frames through the functions here, never by index.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable, Iterator

Frame = tuple  # (node, parent frame or None, phase)

FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef)
FUNCTION_LIKE_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
SCOPE_NODES = (*FUNCTION_LIKE_NODES, ast.ClassDef)
COMPREHENSION_NODES = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
LOOP_NODES = (ast.For, ast.AsyncFor, ast.While)
TRY_NODES = (ast.Try, ast.TryStar) if hasattr(ast, "TryStar") else (ast.Try,)


def parent_frame(frame: Frame) -> Frame | None:
    return frame[1]


def parent_of(frame: Frame) -> ast.AST | None:
    """The node directly enclosing the node of ``frame``."""
    parent = frame[1]
    return parent[0] if parent is not None else None


def grandparent_of(frame: Frame) -> ast.AST | None:
    parent = frame[1]
    if parent is None or parent[1] is None:
        return None
    return parent[1][0]


def awaited_chain(frame: Frame) -> bool:
    """The node of ``frame`` is awaited, itself or as the start of a chain of attributes and calls
    (``await conn.ft(name).info()``): what it came from is an async API."""
    node, frame = frame[0], frame[1]
    while frame is not None:
        parent = frame[0]
        chained = (
            parent.value is node if type(parent) is ast.Attribute else type(parent) is ast.Call and parent.func is node
        )
        if not chained:
            return type(parent) is ast.Await
        node, frame = parent, frame[1]
    return False


def ancestors(frame: Frame) -> Iterator[ast.AST]:
    """Nodes enclosing the node of ``frame``, innermost first (not including it)."""
    frame = frame[1]
    while frame is not None:
        yield frame[0]
        frame = frame[1]


def branch_path(frame: Frame) -> Iterator[tuple[ast.AST, ast.AST]]:
    """(ancestor, child-on-the-path) pairs from the node of ``frame`` outwards."""
    child = frame[0]
    frame = frame[1]
    while frame is not None:
        yield frame[0], child
        child = frame[0]
        frame = frame[1]


def within_scope(frame: Frame, kinds: type[ast.AST] | tuple[type[ast.AST], ...]) -> Iterator[tuple[ast.AST, ast.AST]]:
    """(ancestor, child-on-the-path) pairs for ancestors of ``kinds`` around the node of
    ``frame``, innermost first, up to the enclosing function or class (its own scope)."""
    for ancestor, child in branch_path(frame):
        if isinstance(ancestor, SCOPE_NODES):
            return
        if isinstance(ancestor, kinds):
            yield ancestor, child


def repeats(frame: Frame) -> bool:
    """Whether the node of ``frame`` may run more than once per run of its function: in a loop's
    body or test, or in a comprehension -- not in the iterable of a ``for`` or of a comprehension's
    first ``for``, evaluated once."""
    inner = frame[0]
    for ancestor, child in branch_path(frame):
        if isinstance(ancestor, SCOPE_NODES):
            return False
        if isinstance(ancestor, LOOP_NODES) and child is not getattr(ancestor, "iter", None):
            return True
        if isinstance(ancestor, COMPREHENSION_NODES) and not (child is ancestor.generators[0] and inner is child.iter):
            return True
        inner = child
    return False


def enclosing_function_node(frame: Frame) -> ast.AST | None:
    """The innermost ``def``/``async def``/``lambda`` around the node of ``frame``."""
    for ancestor in ancestors(frame):
        if isinstance(ancestor, FUNCTION_LIKE_NODES):
            return ancestor
    return None


def statement_frame(frame: Frame | None) -> Frame | None:
    """The frame of the statement holding the node of ``frame`` (itself, if a statement)."""
    while frame is not None and not isinstance(frame[0], ast.stmt):
        frame = frame[1]
    return frame


def in_finally(frame: Frame) -> bool:
    """Whether the node of ``frame`` sits in a ``finally:`` block of its own function."""
    return any(any(s is child for s in node.finalbody) for node, child in within_scope(frame, TRY_NODES))


def in_statement_list(statement: ast.AST, statements: list) -> bool:
    return any(s is statement for s in statements)


def statement_position(statement: ast.AST, statements: list) -> int | None:
    """The index of ``statement`` in ``statements`` (by identity), or None."""
    return next((index for index, s in enumerate(statements) if s is statement), None)


def holding_list(statement: ast.AST, parent: ast.AST | None) -> tuple[list, int] | None:
    """The statement list of ``parent`` that holds ``statement`` (:func:`statement_lists`), and
    ``statement``'s position in it; None when no list of ``parent`` holds it."""
    for statements in statement_lists(parent):
        position = statement_position(statement, statements)
        if position is not None:
            return statements, position
    return None


def statement_lists(node: ast.AST | None) -> list[list]:
    """The statement lists of ``node`` that run in its own flow: ``body``, ``orelse``,
    ``finalbody`` (an ``except`` handler's or ``case``'s body is its own node's ``body``)."""
    return [value for name in ("body", "orelse", "finalbody") if isinstance(value := getattr(node, name, None), list)]


Arms = tuple[tuple[ast.If, bool], ...]  # (if statement, in its body rather than its else)


def branch_arms(frame: Frame) -> Arms:
    """The ``if`` arms the node of ``frame`` sits in, within its own function."""
    arms = []
    for node, child in within_scope(frame, (ast.If,)):
        if child is not node.test:
            arms.append((node, in_statement_list(child, node.body)))
    return tuple(arms)


def exclusive(first: Arms, second: Arms) -> bool:
    """Whether two places sit in different arms of one ``if``: they never both run."""
    if not first or not second:
        return False
    arms = dict(first)
    return any(node in arms and arms[node] is not in_body for node, in_body in second)


# --- sys.version_info gates --------------------------------------------------------------------
_COMPARISONS = {ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}


def _version_tuple(expr: ast.AST) -> tuple[int, ...] | None:
    if isinstance(expr, ast.Tuple) and all(isinstance(e, ast.Constant) and isinstance(e.value, int) for e in expr.elts):
        return tuple(e.value for e in expr.elts)
    return None


class VersionGate:
    """A ``qualified_name`` for the version tests below that also knows module-level flags storing
    a version comparison (``stored(name)``: ``PY_352 = sys.version_info >= (3, 5, 2)``)."""

    __slots__ = ("qualified_name", "stored")

    def __init__(self, qualified_name: Callable, stored: Callable[[ast.Name], ast.AST | None]) -> None:
        self.qualified_name = qualified_name
        self.stored = stored

    def __call__(self, expr: ast.AST) -> str | None:
        return self.qualified_name(expr)


def version_condition(test: ast.AST, qualified_name: Callable) -> Callable[[tuple], bool] | None:
    """For ``sys.version_info <op> (3, x)`` tests (also negated with ``not``, or stored in a flag
    that a :class:`VersionGate` knows): a function version -> bool, else None."""
    negated = False
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, negated = test.operand, not negated
    if isinstance(test, ast.Name) and isinstance(qualified_name, VersionGate):
        test = qualified_name.stored(test)
    condition = _compared_version(test, qualified_name)
    if condition is None or not negated:
        return condition
    return lambda version: not condition(version)


def _compared_version(test: ast.AST | None, qualified_name: Callable) -> Callable[[tuple], bool] | None:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    left = test.left
    if isinstance(left, ast.Subscript):
        left = left.value
    if qualified_name(left) != "sys.version_info":
        return None
    bound = _version_tuple(test.comparators[0])
    compare = _COMPARISONS.get(type(test.ops[0]))
    if bound is None or compare is None:
        return None
    # ``(3, 14)`` is ``(3, 14, 0)`` against a three-part bound (``sys.version_info < (3, 14, 0)``)
    return lambda version: compare((*version, 0, 0, 0)[: len(bound)], bound)


def only_before(frame: Frame, version: tuple[int, int], qualified_name: Callable) -> bool:
    """Whether the node of ``frame`` sits in a branch that runs only before ``version``
    (``if sys.version_info < (3, 11):`` body, or the ``else`` of ``>= (3, 11)``)."""
    older = (version[0], version[1] - 1)
    for ancestor, child in branch_path(frame):
        if isinstance(ancestor, (ast.If, ast.IfExp)):
            condition = version_condition(ancestor.test, qualified_name)
            if condition is None:
                continue
            in_body = child is ancestor.body or (
                isinstance(ancestor.body, list) and in_statement_list(child, ancestor.body)
            )
            runs_old = condition(older) if in_body else not condition(older)
            runs_new = condition(version) if in_body else not condition(version)
            if child is not ancestor.test and runs_old and not runs_new:
                return True
    return False


def never_from(frame: Frame, version: tuple[int, int], qualified_name: Callable) -> bool:
    """Whether the node of ``frame`` sits in a branch that never runs on ``version`` or later
    (``if sys.version_info < (3, 12):`` body -- also as one operand of an ``and`` --, or the
    ``else`` of ``>= (3, 12)``, for 3.12 or 3.14) -- or in a later operand of a short-circuit
    whose earlier operand decides it first (``sys.version_info < (3, 14) and f()``, ``... or f()``),
    or after an ``if sys.version_info >= (3, 12): ... return`` that leaves first."""
    for ancestor, child in branch_path(frame):
        if isinstance(ancestor, ast.BoolOp) and _short_circuited(ancestor, child, version, qualified_name):
            return True
        if isinstance(child, ast.stmt) and _left_before(ancestor, child, version, qualified_name):
            return True
        if isinstance(ancestor, (ast.If, ast.IfExp)) and child is not ancestor.test:
            in_body = child is ancestor.body or (
                isinstance(ancestor.body, list) and in_statement_list(child, ancestor.body)
            )
            test = ancestor.test
            conjunction = in_body and isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And)
            for operand in test.values if conjunction else [test]:  # a body runs only when every operand holds
                condition = version_condition(operand, qualified_name)
                if condition is not None and (condition(version) if in_body else not condition(version)) is False:
                    return True
    return False


_FAR_FUTURE = (3, 99)


def _left_before(parent: ast.AST, statement: ast.stmt, version: tuple[int, int], qualified_name: Callable) -> bool:
    """Whether an earlier statement of ``statement``'s list is ``if <version gate>: ... return``
    (or ``raise``, without ``else``) that holds on ``version`` and every later one: pgqueuer's
    ``if sys.version_info >= (3, 12): return asyncio.run(...)`` before the 3.10-only fallback."""
    found = holding_list(statement, parent)
    statements, position = found if found is not None else ([], 0)
    for earlier in statements[:position]:
        if isinstance(earlier, ast.If) and not earlier.orelse and isinstance(earlier.body[-1], (ast.Return, ast.Raise)):
            condition = version_condition(earlier.test, qualified_name)
            if condition is not None and condition(version) and condition(_FAR_FUTURE):
                return True
    return False


def _short_circuited(test: ast.BoolOp, operand: ast.AST, version: tuple[int, int], qualified_name: Callable) -> bool:
    """Whether ``operand`` of ``test`` is never evaluated on ``version``: an earlier operand that
    is a version gate ends the ``and`` (false there) or the ``or`` (true there) before it."""
    stops_on = isinstance(test.op, ast.Or)  # the value of an operand that ends the evaluation
    for earlier in test.values:
        if earlier is operand:
            return False
        condition = version_condition(earlier, qualified_name)
        if condition is not None and condition(version) is stops_on:
            return True
    return False


def under_feature_test(frame: Frame, guards: Callable[[ast.Call], bool] | None = None) -> bool:
    """Whether the node of ``frame`` sits in either branch of ``if hasattr(...):`` (or ``not
    hasattr``): a compatibility shim choosing what exists on the running Python.  With
    ``guards`` -- which ``hasattr(M, "X")`` calls keep the node from running where what it uses
    is gone -- also in the body of an ``if`` whose test is an ``and`` with such a call among its
    operands (``if os.name != "nt" and hasattr(asyncio, "SafeChildWatcher"):``), or in an operand
    after one in an ``and`` (``hasattr(asyncio, "X") and isinstance(policy, asyncio.X)``)."""
    for ancestor, child in branch_path(frame):
        if isinstance(ancestor, (ast.If, ast.IfExp)) and child is not ancestor.test:
            test = ancestor.test
            if _hasattr_call(test.operand if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not) else test):
                return True
            body = [ancestor.body] if isinstance(ancestor, ast.IfExp) else ancestor.body
            if (
                guards is not None
                and in_statement_list(child, body)
                and _guarded(test.values if _is_and(test) else (), guards)
            ):
                return True
        elif guards is not None and _is_and(ancestor):
            before = ancestor.values[: next((i for i, operand in enumerate(ancestor.values) if operand is child), 0)]
            if _guarded(before, guards):
                return True
    return False


def _is_and(node: ast.AST) -> bool:
    return isinstance(node, ast.BoolOp) and isinstance(node.op, ast.And)


def _guarded(tests: Iterable[ast.AST], guards: Callable[[ast.Call], bool]) -> bool:
    return any(_hasattr_call(test) and guards(test) for test in tests)


def _hasattr_call(test: ast.AST) -> bool:
    return isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "hasattr"


def in_try_handling(frame: Frame, errors: frozenset[str], qualified_name: Callable) -> bool:
    """Whether the node of ``frame`` sits in the body of a ``try`` (of its own function) with a
    handler for one of ``errors`` (qualified names): the code expects that failure there -- a
    fallback for a missing name (``ImportError``), the non-blocking socket idiom
    (``BlockingIOError``).  ``with contextlib.suppress(BlockingIOError):`` counts as such a ``try``."""
    for node, child in within_scope(frame, _HANDLING_NODES):
        if not in_statement_list(child, node.body):
            continue
        if isinstance(node, ast.With):
            types = [
                t
                for item in node.items
                if isinstance(item.context_expr, ast.Call) and qualified_name(item.context_expr.func) == _SUPPRESS
                for t in item.context_expr.args
            ]
            if any(qualified_name(t) in errors for t in types):
                return True
            continue
        for handler in node.handlers:
            types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
            if any(t is not None and qualified_name(t) in errors for t in types):
                return True
    return False


_HANDLING_NODES = (*TRY_NODES, ast.With)
_SUPPRESS = "contextlib.suppress"


AWAIT_NODES = (ast.Await, ast.AsyncFor, ast.AsyncWith)


def await_points_in(node: ast.AST, kinds: tuple[type, ...] = AWAIT_NODES) -> Iterator[ast.AST]:
    """The await points in ``node``'s subtree, as the engine counts them: ``await``, ``async
    for``, ``async with`` (or the node types ``kinds`` names) and an async comprehension's ``for``.
    Walks the whole subtree: ask about small ones."""
    for child in ast.walk(node):
        if isinstance(child, kinds) or (isinstance(child, ast.comprehension) and child.is_async):
            yield child


def _has_await_point(node: ast.AST) -> bool:
    return next(await_points_in(node), None) is not None


def runs_after_await(frame: Frame) -> bool:
    """Whether the node of ``frame`` may run after an await point of its function that a walk in
    source order has not reached yet: one in the node's own subtree (``open(await p)``: the
    arguments run first), or one in a loop or comprehension around it that runs it again (``while
    True: read(); await sleep(1)``).  The iterable of a ``for`` and of a comprehension's first
    ``for`` runs once, before the loop.  Walks small subtrees: ask only when about to report."""
    if _has_await_point(frame[0]):
        return True
    for ancestor, child in branch_path(frame):
        if isinstance(ancestor, FUNCTION_LIKE_NODES):
            return False
        if isinstance(ancestor, (ast.For, ast.AsyncFor, ast.comprehension)):
            again = child is not ancestor.iter
        elif isinstance(ancestor, COMPREHENSION_NODES):
            again = child is not ancestor.generators[0]
        else:
            again = isinstance(ancestor, ast.While)
        if again and _has_await_point(ancestor):
            return True
    return False


def before_first_suspension(frame: Frame) -> bool:
    """Whether the node of ``frame`` runs before its function first suspends, although a walk in
    source order has met an await point: the node is evaluated for that very await point -- in the
    operand of an ``await``, the first context manager of an ``async with`` (dashscope's ``async with
    build_session() as session:`` opening ``main``), the iterable of an ``async for`` -- and nothing
    that runs before it (earlier statements at every level, the headers of the statements around
    it, a ``try`` body before its handlers) has an await point.  Walks those, and only for a node
    in such an operand: ask only when about to report."""
    if not _in_await_operand(frame):
        return False
    for ancestor, child in branch_path(frame):
        if not isinstance(child, ast.stmt) and not isinstance(ancestor, TRY_NODES):
            continue
        if isinstance(ancestor, (ast.AsyncWith, ast.AsyncFor)):
            return False  # in the body: the ``async with``/``async for`` has suspended already
        function = isinstance(ancestor, FUNCTION_LIKE_NODES)  # its header (defaults, decorators) ran before
        earlier: list = [] if function else [value for name, value in ast.iter_fields(ancestor) if name not in _BLOCKS]
        for statements in statement_lists(ancestor):
            position = statement_position(child, statements)
            if position is not None:
                earlier.append(statements[:position])
        if isinstance(ancestor, TRY_NODES) and statement_position(child, ancestor.body) is None:
            earlier.append(ancestor.body)  # a handler, ``else`` or ``finally``: the ``try`` body ran first
        if any(_has_await_point(node) for value in earlier for node in _nodes(value)):
            return False
        if function:
            return True
    return True


def _in_await_operand(frame: Frame) -> bool:
    """The node of ``frame`` is part of what an await point of its function evaluates first."""
    for ancestor, child in branch_path(frame):
        if isinstance(ancestor, FUNCTION_LIKE_NODES):
            return False
        if isinstance(ancestor, ast.Await):
            return True
        if isinstance(ancestor, ast.AsyncWith) and child is ancestor.items[0]:
            return True
        if isinstance(ancestor, ast.AsyncFor) and child is ancestor.iter:
            return True
    return False


# Fields of a compound statement that hold statements or handlers, not its header.
_BLOCKS = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})


def _nodes(value: object) -> list[ast.AST]:
    if isinstance(value, ast.AST):
        return [value]
    return [v for v in value if isinstance(v, ast.AST)] if isinstance(value, list) else []


def other_branch(frame: Frame) -> list[ast.stmt] | None:
    """The other branch of the innermost ``if`` around the node of ``frame`` (None: no ``if``
    before the enclosing function): the ``else`` when the node is in the body (or the statements
    after the ``if`` when the body ends in ``return``/``raise``), the body when it is in the ``else``."""
    path = branch_path(frame)
    for node, child in path:
        if isinstance(node, SCOPE_NODES):
            return None
        if not isinstance(node, ast.If) or child is node.test:
            continue
        if not in_statement_list(child, node.body):
            return node.body
        if node.orelse or not isinstance(node.body[-1], (ast.Return, ast.Raise)):
            return node.orelse
        found = holding_list(node, next(path, (None, None))[0])  # the statements after the ``if`` in its holder
        return found[0][found[1] + 1 :] if found is not None else []
    return None


def in_other_branch(frame: Frame, found: Callable[[ast.AST], bool]) -> bool:
    """Whether a node of the innermost ``if``'s other branch (:func:`other_branch`) is ``found``."""
    other = other_branch(frame)
    return bool(other) and any(found(inner) for statement in other for inner in ast.walk(statement))
