"""Directory scans that hand back a lazy iterator: ``os.walk(top)`` and ``Path.walk/glob/rglob``
-- and ``Path.iterdir()`` before Python 3.13 (from 3.13 on it lists the directory when called).
Calling one reads nothing; iterating it does the scanning.  So such a call blocks the coroutine
only where the coroutine iterates it: on the spot (``for p in root.rglob("*.py")``,
``sorted(root.glob("*"))``) or through a local it iterates later.  Handed on un-iterated -- to a
worker thread (``gen = path.walk(); await to_thread.run_sync(next, gen)``), returned, stored --
it blocks whoever iterates it, not this coroutine."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...semantic.frames import enclosing_function_node, never_from, parent_of

if TYPE_CHECKING:
    from ...semantic.context import Context
    from ...semantic.scope import Binding

_LAZY_FUNCTIONS = frozenset({"os.walk"})
_LAZY_PATH_METHODS = frozenset({"walk", "glob", "rglob"})
_ITERDIR_EAGER_FROM = (3, 13)
# Builtins that iterate an argument at once (or wrap it for the loop around them).
_CONSUMERS = frozenset(
    {"list", "tuple", "set", "frozenset", "sorted", "dict", "next", "any", "all", "sum", "min", "max"}
    | {"enumerate", "zip", "map", "filter", "reversed", "iter"}
)


def lazy_scan(ctx: Context, call: ast.Call) -> bool:
    """Whether ``call`` (a directory scan, at the engine's current frame) only makes an iterator."""
    func = call.func
    qualified = ctx.qualified_name(func)
    if qualified is not None or not isinstance(func, ast.Attribute):
        return qualified in _LAZY_FUNCTIONS  # a module's function: ``os.walk``, not ``glob.glob``
    if func.attr == "iterdir":
        return never_from(ctx.frame, _ITERDIR_EAGER_FROM, ctx.qualified_name)
    return func.attr in _LAZY_PATH_METHODS


def iterates(parent: ast.AST | None, node: ast.AST) -> bool:
    """Whether ``parent`` iterates the value of its child ``node`` right there."""
    if isinstance(parent, ast.For):
        return parent.iter is node
    if isinstance(parent, ast.comprehension):
        return parent.iter is node and not parent.is_async
    if isinstance(parent, ast.Call):
        func = parent.func
        return isinstance(func, ast.Name) and func.id in _CONSUMERS and any(arg is node for arg in parent.args)
    return isinstance(parent, ast.Starred)


def iterated_later(binding: Binding) -> bool:
    """Whether the function that bound ``binding`` (a watched local) iterates it itself."""
    owner = binding.scope.node
    return any(
        iterates(parent_of(load), load[0]) and enclosing_function_node(load) is owner for load in binding.loads or ()
    )
