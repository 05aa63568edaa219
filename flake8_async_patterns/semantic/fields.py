"""The order in which the traversal visits a node's children: evaluation order where it differs
from ``_fields`` order, without the fields that hold no nodes worth visiting.  Pure ``ast``
knowledge, computed once at import for every node class this interpreter has."""

from __future__ import annotations

import ast

SKIPPED_FIELDS = frozenset({"ctx", "op", "ops", "type_ignores", "names"})
# Evaluation order where it differs from ``_fields`` order (or where some fields are not walked
# here: function bodies are deferred, class bodies run in the class scope).
#
# Annotations are not walked: a parameter's, a return's or an annotated assignment's annotation
# is a type, not code that runs in the event loop, and no rule reports anything in one (the rules
# that read annotations -- "a parameter annotated ``AsyncSession``" -- read them from the binding).
# They are a sixth of the nodes of typed code, so the traversal skips them, and the parameters of
# a function are walked as their default values only (``arguments``; a parameter itself, ``arg``,
# holds nothing else, and the engine binds it from the function node).
FIELD_ORDER: dict[type, tuple[str, ...]] = {
    ast.Assign: ("value", "targets"),
    ast.AugAssign: ("value", "target"),
    ast.AnnAssign: ("value", "target"),
    ast.arguments: ("defaults", "kw_defaults"),
    ast.For: ("iter", "target", "body", "orelse"),
    ast.AsyncFor: ("iter", "target", "body", "orelse"),
    ast.NamedExpr: ("value", "target"),
    ast.withitem: ("context_expr", "optional_vars"),
    ast.comprehension: ("iter", "target", "ifs"),
    ast.ListComp: ("generators", "elt"),
    ast.SetComp: ("generators", "elt"),
    ast.GeneratorExp: ("generators", "elt"),
    ast.DictComp: ("generators", "key", "value"),
    ast.FunctionDef: ("decorator_list", "type_params", "args"),
    ast.AsyncFunctionDef: ("decorator_list", "type_params", "args"),
    ast.Lambda: ("args",),
    ast.ClassDef: ("decorator_list", "type_params", "bases", "keywords"),
    ast.Dict: ("keys", "values"),
}


def _all_node_classes() -> set[type]:
    found: set[type] = set()
    todo = [ast.AST]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return found


def child_fields(cls: type) -> tuple[str, ...]:
    """Fields to push, already reversed (the stack pops them back into source order)."""
    order = FIELD_ORDER.get(cls) or tuple(f for f in getattr(cls, "_fields", ()) if f not in SKIPPED_FIELDS)
    return tuple(reversed(order))


# Computed once at import for every node class this interpreter has; bounded, never per file.
CHILDREN: dict[type, tuple[str, ...]] = {cls: child_fields(cls) for cls in _all_node_classes()}
# Node types that never hold other nodes.
LEAF_TYPES = frozenset({ast.Constant, ast.Pass, ast.Break, ast.Continue, ast.alias, ast.Global, ast.Nonlocal})
# Never reached by the traversal (see above): a checker cannot handle them.
UNVISITED_TYPES = frozenset({ast.arg})


def annotations_of(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.expr]:
    """The annotations of a function's parameters and return -- for the few checkers that read
    what the traversal does not walk."""
    args = node.args
    params = [*args.posonlyargs, *args.args, args.vararg, *args.kwonlyargs, args.kwarg]
    found = [param.annotation for param in params if param is not None and param.annotation is not None]
    if node.returns is not None:
        found.append(node.returns)
    return found
