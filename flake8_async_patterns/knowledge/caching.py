"""Lazy initialisation: code that runs once per key or per object, however often its function runs."""

from __future__ import annotations

import ast

from ..semantic.context import Context
from ..semantic.frames import in_statement_list, statement_lists, statement_position, within_scope
from ..semantic.scope import Scope, ScopeKind
from ..semantic.text import decorator_target, dotted_name

_OWNERS = ("self.", "cls.")
_MEMOIZERS = frozenset({"functools.cache", "functools.lru_cache"})
_LOOK_BACK = 16  # statements searched backwards for a cache-hit guard


def built_once(ctx: Context) -> bool:
    """Whether the node being handled sits in the body of a cache-miss test that the same body
    fills: ``if key not in CACHE: ... CACHE[key] = ...`` (``CACHE`` a module global or an
    attribute of ``self``/``cls``) or ``if self.x is None: ... self.x = ...`` (also ``if not
    self.x:`` and module globals) -- or after a cache-hit test that returns, in a block that fills
    that cache: ``if self.x is not None: return self.x`` ... ``self.x = ...`` (neo4j's SSL context,
    kept under a lock).  A miss test and-ed with others counts too.  The code then runs once per
    key or per object."""
    for node, child in within_scope(ctx.frame, (ast.stmt,)):
        if isinstance(node, ast.If) and in_statement_list(child, node.body):
            test = node.test  # ``if scheme == "rtsps" and not self.ssl:``: the body still runs on a miss only
            for operand in test.values if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And) else (test,):
                cache = _cache_test(ctx, operand, hit=False)
                if cache is not None and any(_fills(statement, *cache) for statement in node.body):
                    return True
        for statements in statement_lists(node):
            position = statement_position(child, statements)
            if position is not None and _returns_on_hit(ctx, statements, position):
                return True
    return False


def _returns_on_hit(ctx: Context, statements: list, position: int) -> bool:
    """An ``if <cache hit>:`` shortly before ``position`` whose body returns, in a block that fills the cache."""
    for statement in statements[max(0, position - _LOOK_BACK) : position]:
        if not isinstance(statement, ast.If):
            continue
        cache = _cache_test(ctx, statement.test, hit=True)
        if (
            cache is not None
            and any(isinstance(node, ast.Return) for node in ast.walk(statement))
            and any(_fills(later, *cache) for later in statements[position:])
        ):
            return True
    return False


def _cache_test(ctx: Context, test: ast.AST, hit: bool) -> tuple[str, bool] | None:
    """(the cache's spelling, whether it is filled by subscript) for a test that holds on a cache
    hit (``key in CACHE``, ``self.x is not None``, ``self.x``) or, with ``hit`` false, on a miss
    (``key not in CACHE``, ``self.x is None``, ``not self.x``)."""
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        operator, right = type(test.ops[0]), test.comparators[0]
        if operator is (ast.In if hit else ast.NotIn):
            return _persistent(ctx, right, True)
        if operator is (ast.IsNot if hit else ast.Is) and isinstance(right, ast.Constant) and right.value is None:
            return _persistent(ctx, test.left, False)
        return None
    if hit:
        return _persistent(ctx, test, False)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _persistent(ctx, test.operand, False)
    return None


def _persistent(ctx: Context, expr: ast.AST, by_key: bool) -> tuple[str, bool] | None:
    """``expr``'s spelling when it outlives one call: ``self.x``/``cls.x``, or a module global."""
    spelled = dotted_name(expr)
    if spelled is None:
        return None
    if isinstance(expr, ast.Name):
        binding = ctx.lookup(expr.id)
        if binding is None or binding.scope.kind is not ScopeKind.MODULE:
            return None
    elif not spelled.startswith(_OWNERS) or spelled.count(".") != 1:
        return None
    return spelled, by_key


def _fills(statement: ast.stmt, cache: str, by_key: bool) -> bool:
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign):
        targets = [statement.target]
    else:
        return False
    for target in targets:
        if by_key:
            if isinstance(target, ast.Subscript) and dotted_name(target.value) == cache:
                return True
        elif dotted_name(target) == cache:
            return True
    return False


def memoized(ctx: Context, function: Scope) -> bool:
    """A def decorated with ``functools.cache``/``lru_cache``: its body runs once per arguments."""
    decorators = getattr(function.node, "decorator_list", ())
    return any(ctx.qualified_name(decorator_target(d), function.parent) in _MEMOIZERS for d in decorators)
