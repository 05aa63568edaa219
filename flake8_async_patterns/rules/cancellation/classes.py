"""The module's exception classes as the cancellation rules see them: which raise a cancellation
again, which tell one apart in an ``isinstance`` test."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...knowledge.asyncio import BASE_EXCEPTION, CANCELLED_ERROR, exception_class
from ...semantic.scope import BindingKind
from ...semantic.text import last_segment

if TYPE_CHECKING:
    from ...semantic.context import Context
    from ...semantic.flow import Decided

_CATCHES_CANCELLATION = frozenset({CANCELLED_ERROR, BASE_EXCEPTION})
_OTHER_CANCELLED_ERRORS = ("concurrent.", "builtins.")


class ExceptionClasses:
    """Filled class by class as the module is walked (``defined``); asked at the module's end."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.cancel_classes: set[str] = set()  # module classes derived from CancelledError
        self.other_classes: set[str] = set()  # the module's other classes

    def defined(self, node: ast.ClassDef) -> None:
        cancels = any(
            self.ctx.qualified_name(base) == CANCELLED_ERROR
            or (isinstance(base, ast.Name) and base.id in self.cancel_classes)
            for base in node.bases
        )
        (self.cancel_classes if cancels else self.other_classes).add(node.name)

    def same(self, exc: ast.expr) -> bool:
        """Raising this is raising a CancelledError again (the task still ends cancelled)."""
        target = exc.func if isinstance(exc, ast.Call) else exc
        if isinstance(target, ast.Name):
            if target.id in self.cancel_classes:
                return True
            if target.id in self.other_classes:
                return False
        qualified = self.ctx.qualified_name(target) or ""
        if qualified == CANCELLED_ERROR:
            return True
        if qualified.startswith(_OTHER_CANCELLED_ERRORS):
            return False
        return (last_segment(target) or "").endswith("CancelledError")

    def is_cancellation(self, cls: ast.expr) -> bool | None:
        """Whether a cancellation is an instance of ``cls`` (None: unknown -- a local alias named
        for it, say).  A class the module does not show (a parameter, an attribute such as
        ``self._connection.transport_errors``) is the errors the handler is about, not the
        cancellation -- unless its name says it is one (``cancelled_exc_class``)."""
        qualified = exception_class(self.ctx, cls)
        if qualified in _CATCHES_CANCELLATION or self.same(cls):
            return True
        if isinstance(cls, ast.Name) and cls.id in self.other_classes:
            return False
        if "." in qualified:
            return False  # a builtin or imported class: not a cancellation
        return None if "cancel" in (last_segment(cls) or "").lower() else False

    def cancellation_test(self, handler: ast.ExceptHandler) -> Decided:
        """What an ``if`` test in ``handler`` is when the exception caught is the cancellation:
        ``isinstance(exc, ValueError)`` is false then, so the cancellation never takes its body
        (httpcore's ``if isinstance(exc, h2.exceptions.ProtocolError): raise LocalProtocolError``).
        A predicate of this module called on the exception counts for the test it returns
        (stagehand's ``if not _is_finished_process_error(error): raise``), and a function named for
        finding or matching a class, given the exception and an exception class, tests for that
        class (ddtrace's ``if exc := find_exception(exception, BlockingException):``).  What a context
        manager's ``__aexit__`` given the exception returns is false: none is assumed to swallow it
        (litestar-queues' hand-written ``async with``: ``if not await cm.__aexit__(type(exc), exc, tb): raise``)."""
        caught = handler.name
        if caught is None:
            return None

        def holds(test: ast.expr, name: str, depth: int = 0) -> bool | None:
            negated = False
            while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):  # a loop: any depth
                test, negated = test.operand, not negated
            value = known(test, name, depth)
            return None if value is None else value is not negated

        def known(test: ast.expr, name: str, depth: int) -> bool | None:
            if isinstance(test, ast.NamedExpr):
                test = test.value  # ``if found := find_exception(exc, BlockingException):``
            if isinstance(test, ast.Await):
                test = test.value
            if _exits_with(test, name):
                return False  # ``if not await cm.__aexit__(type(exc), exc, tb): raise``: ``async with`` by hand
            if isinstance(test, ast.BoolOp) and depth < 16:
                values = [holds(operand, name, depth + 1) for operand in test.values]
                decisive = isinstance(test.op, ast.Or)  # an operand with this value decides the test
                if decisive in values:
                    return decisive
                return (not decisive) if all(v is not None for v in values) else None
            if not (
                isinstance(test, ast.Call)
                and isinstance(test.func, ast.Name)
                and test.args
                and isinstance(test.args[0], ast.Name)
                and test.args[0].id == name
            ):
                return None
            if test.func.id == "isinstance" and len(test.args) == 2:
                classes = test.args[1].elts if isinstance(test.args[1], ast.Tuple) else [test.args[1]]
                values = [self.is_cancellation(c) for c in classes]
                if True in values:
                    return True
                return False if all(v is False for v in values) else None
            if _searches_for_class(test) and self.is_cancellation(test.args[1]) is False:
                return False  # ``find_exception(exc, BlockingException)``: a search for another class
            predicate = self._predicate(test.func) if depth < 16 else None
            return holds(predicate[1], predicate[0], depth + 1) if predicate is not None else None

        return lambda test: holds(test, caught)

    def _predicate(self, func: ast.Name) -> tuple[str, ast.expr] | None:
        """(first parameter, returned expression) of a function of this module whose body is one
        ``return`` (after a docstring): ``def finished(error): return isinstance(error, X)``."""
        binding = self.ctx.lookup(func.id)
        node = binding.node if binding is not None and binding.kind is BindingKind.DEF else None
        if not isinstance(node, ast.FunctionDef) or node.decorator_list:
            return None
        parameters = [*node.args.posonlyargs, *node.args.args]
        first = node.body[0]
        docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
        body = node.body[1:] if docstring else node.body
        if not parameters or len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
            return None
        return parameters[0].arg, body[0].value


_SEARCH_WORDS = ("find", "match", "contain", "search")
_EXIT_METHODS = frozenset({"__aexit__", "__exit__"})


def _exits_with(test: ast.expr, name: str) -> bool:
    """``cm.__aexit__(type(exc), exc, exc.__traceback__)`` given the caught exception: what it returns
    is the context manager's choice to suppress, which a context manager is never assumed to make."""
    return (
        type(test) is ast.Call
        and type(test.func) is ast.Attribute
        and test.func.attr in _EXIT_METHODS
        and any(type(argument) is ast.Name and argument.id == name for argument in test.args)
    )


def _searches_for_class(call: ast.Call) -> bool:
    """``find_exception(exc, BlockingException)``, ``exception_matches(exc, TimeoutError)``: a function
    named for a search, given two arguments, the second an exception class by its name."""
    name = call.func.id.lower() if isinstance(call.func, ast.Name) else ""
    target = last_segment(call.args[1]) if len(call.args) == 2 and not call.keywords else None
    return any(word in name for word in _SEARCH_WORDS) and (target or "").endswith(("Error", "Exception"))
