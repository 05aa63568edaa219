"""Small expression helpers shared by the rule families (local to one expression; never a tree walk)."""

from __future__ import annotations

import ast
from typing import Iterator

_FUNCTION_NODES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
_SCOPE_NODES = (*_FUNCTION_NODES, ast.ClassDef)


def names_in(expr: ast.AST) -> set[str]:
    """Names read anywhere inside one expression (a call's arguments, a condition)."""
    found: set[str] = set()
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name):
            found.add(node.id)
            continue
        stack.extend(ast.iter_child_nodes(node))
    return found


def call_arguments(call: ast.Call) -> Iterator[ast.AST]:
    for arg in call.args:
        yield arg.value if isinstance(arg, ast.Starred) else arg
    for keyword in call.keywords:
        yield keyword.value


def keyword_value(call: ast.Call, name: str) -> ast.AST | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def is_true(expr: ast.AST | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is True


def enclosing_function_node(frame) -> ast.AST | None:
    """The innermost ``def``/``async def``/``lambda`` around the node of ``frame``."""
    for ancestor, _ in branch_path(frame):
        if isinstance(ancestor, _FUNCTION_NODES):
            return ancestor
    return None


def branch_path(frame) -> Iterator[tuple[ast.AST, ast.AST]]:
    """(ancestor, child-on-the-path) pairs from the node of ``frame`` outwards."""
    child = frame[0]
    frame = frame[1]
    while frame is not None:
        yield frame[0], child
        child = frame[0]
        frame = frame[1]


def within_scope(frame, kinds) -> Iterator[tuple[ast.AST, ast.AST]]:
    """(ancestor, child-on-the-path) pairs for ancestors of ``kinds`` around the node of
    ``frame``, innermost first, up to the enclosing function or class (its own scope)."""
    for ancestor, child in branch_path(frame):
        if isinstance(ancestor, _SCOPE_NODES):
            return
        if isinstance(ancestor, kinds):
            yield ancestor, child


def _version_tuple(expr: ast.AST) -> tuple[int, ...] | None:
    if isinstance(expr, ast.Tuple) and all(
        isinstance(e, ast.Constant) and isinstance(e.value, int) for e in expr.elts
    ):
        return tuple(e.value for e in expr.elts)
    return None


def version_condition(test: ast.AST, qualified_name) -> object | None:
    """For ``sys.version_info <op> (3, x)`` tests: a function version -> bool, else None."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    left = test.left
    if isinstance(left, ast.Subscript):
        left = left.value
    if qualified_name(left) != "sys.version_info":
        return None
    bound = _version_tuple(test.comparators[0])
    if bound is None:
        return None
    op = type(test.ops[0])
    compare = {
        ast.Lt: lambda v: v < bound, ast.LtE: lambda v: v <= bound,
        ast.Gt: lambda v: v > bound, ast.GtE: lambda v: v >= bound,
    }.get(op)
    if compare is None:
        return None
    return lambda version: compare(version[: len(bound)])


def only_before(frame, version: tuple[int, int], qualified_name) -> bool:
    """Whether the node of ``frame`` sits in a branch that runs only before ``version``
    (``if sys.version_info < (3, 11):`` body, or the ``else`` of ``>= (3, 11)``)."""
    older = (version[0], version[1] - 1)
    for ancestor, child in branch_path(frame):
        if isinstance(ancestor, (ast.If, ast.IfExp)):
            condition = version_condition(ancestor.test, qualified_name)
            if condition is None:
                continue
            in_body = child is ancestor.body or (isinstance(ancestor.body, list) and any(child is s for s in ancestor.body))
            runs_old = condition(older) if in_body else not condition(older)
            runs_new = condition(version) if in_body else not condition(version)
            if child is not ancestor.test and runs_old and not runs_new:
                return True
    return False
