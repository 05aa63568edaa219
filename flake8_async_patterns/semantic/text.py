"""Reading one expression: readable spellings for messages, dotted names, arguments.

Everything here looks at one expression (never a tree walk beyond it) and knows no library.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator

MAX_CHAIN = 64  # attribute chains longer than this are not resolved (still linted)


def _short_source(node: ast.AST) -> str:
    """``(Path(base) / 'x')`` for a small expression, ``(...)`` for anything bigger."""
    for size, _ in enumerate(ast.walk(node), 1):
        if size > 12:
            return "(...)"
    try:
        text = ast.unparse(node)
    except (ValueError, RecursionError):  # pragma: no cover - unparse is total on parsed trees
        return "(...)"
    return f"({text})" if len(text) <= 40 else "(...)"


def describe(expr: ast.AST) -> str:
    """A short readable spelling of an expression for messages: ``self.client.get()``."""
    parts: list[str] = []
    node = expr
    for _ in range(12):
        if isinstance(node, ast.Name):
            parts.append(node.id)
            break
        if isinstance(node, ast.Attribute):
            parts.append("." + node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            parts.append("()")
            node = node.func
        elif isinstance(node, ast.Subscript):
            parts.append("[...]")
            node = node.value
        elif isinstance(node, ast.Await):
            parts.append("(await ...)")
            break
        else:
            parts.append(_short_source(node))
            break
    else:
        parts.append("...")
    return "".join(reversed(parts))


def dotted_name(expr: ast.AST) -> str | None:
    """``a.b.c`` for a pure Name/Attribute chain, else None."""
    parts = []
    node = expr
    for _ in range(MAX_CHAIN):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        else:
            return None
    return None


def last_segment(expr: ast.AST) -> str | None:
    """``c`` for ``a.b.c`` or ``c``; None for anything else."""
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return None


def names_in(expr: ast.AST) -> set[str]:
    """Names read anywhere inside one expression (a call's arguments, a condition)."""
    return {node.id for node in ast.walk(expr) if isinstance(node, ast.Name)}


def dotted_names_in(nodes: Iterable[ast.AST]) -> set[str | None]:
    """Names and dotted attributes (``session``, ``self.session``) spelled anywhere inside ``nodes``."""
    return {dotted_name(node) for root in nodes for node in ast.walk(root) if type(node) in (ast.Name, ast.Attribute)}


def call_arguments(call: ast.Call) -> Iterator[ast.AST]:
    """Every argument expression of a call, ``*args``/``**kwargs`` unwrapped."""
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


def is_none(expr: ast.AST | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


def is_false(expr: ast.AST | None) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is False


def is_zero(expr: ast.AST | None) -> bool:
    return isinstance(expr, ast.Constant) and type(expr.value) in (int, float) and expr.value == 0


def decorator_target(decorator: ast.AST) -> ast.AST:
    """What a decorator names: ``cache`` for ``@cache`` and for ``@lru_cache(maxsize=2)``'s ``lru_cache``."""
    return decorator.func if isinstance(decorator, ast.Call) else decorator


def is_stub(body: list[ast.stmt]) -> bool:
    """A body that only says it is not there: a docstring, `pass`, `...`, `raise NotImplementedError`."""
    for statement in body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # a docstring or ``...``
        if isinstance(statement, ast.Raise) and _names_not_implemented(statement.exc):
            continue
        return False
    return True


def _names_not_implemented(exc: ast.AST | None) -> bool:
    target = exc.func if isinstance(exc, ast.Call) else exc
    return isinstance(target, ast.Name) and target.id == "NotImplementedError"
