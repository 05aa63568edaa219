"""Cancellation swallowed by exception handlers (cancelled-error-not-reraised,
cancellation-swallowed): the checker."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...checker import Checker
from ...knowledge.asyncio import (
    BASE_EXCEPTION,
    CANCELLED_ERROR,
    CURRENT_TASK,
    caught_exceptions,
    exception_class,
)
from ...knowledge.entry import main_coroutines
from ...semantic.flow import Outcome, handler_always_raises
from ...semantic.frames import (
    LOOP_NODES,
    TRY_NODES,
    Frame,
    in_statement_list,
    within_scope,
)
from ...semantic.scope import BindingKind, Scope, ScopeKind
from ...semantic.source import ASYNC_CODE
from .classes import ExceptionClasses
from .decisions import Candidate, Decisions
from .declarations import CANCELLATION_SWALLOWED, CANCELLED_ERROR_NOT_RERAISED
from .spawns import ANY_OBJECT, SELF, spawned_coroutine
from .structure import (
    cancelled_argument,
    class_of,
    ends_function,
    handler_spelling,
    in_unwinding_finally,
    module_global,
    self_attr,
    spelling,
    wraps_the_loop,
)
from .suspension import done_before

if TYPE_CHECKING:
    from ...semantic.context import Context

# How a handler stops its coroutine's loop: from inside the loop, or from a ``try`` around it.
_STOPS_THE_LOOP_INSIDE = frozenset({Outcome.EXIT, Outcome.BREAK})
_STOPS_THE_LOOP_AROUND = frozenset({Outcome.EXIT, Outcome.FALL})
_HANDLER = (ast.ExceptHandler,)
_EXC_INFO = frozenset({"exc_info", "exception"})
_CAPTURE = frozenset({"sys.exc_info", "sys.exception"})
# Methods that hand the caught exception on: to a future, a container raised from later, a generator (``throw``).
_HANDING_ON = frozenset({"set_exception", "append", "appendleft", "add", "put_nowait", "throw", "athrow"})
# Loop methods that call a callback later with the arguments given: the exception goes to it.
_SCHEDULING = frozenset({"call_soon", "call_soon_threadsafe", "call_later", "call_at"})
_SIGINT = "signal.SIGINT"
_SIGNAL_SETTERS = frozenset({"add_signal_handler", "signal"})
# Classes whose isinstance test tells a cancellation apart (CancelledError is no Exception).
_TELLS_CANCELLATION = frozenset({CANCELLED_ERROR, "builtins.Exception"})
_DELIBERATE_METHODS = frozenset({"uncancel", "cancelling"})
_ASKS_CANCELLATION = frozenset({"uncancel", "cancelling", "cancelled"})  # they hand nothing on
_CLOSURES = frozenset({ScopeKind.FUNCTION, ScopeKind.LAMBDA})

_THROWS = frozenset({"athrow", "throw"})  # a generator told to raise an exception where it waits


class CancellationChecker(Decisions, Checker):
    """cancelled-error-not-reraised and cancellation-swallowed: handlers are collected when their
    ``try`` is left and decided at the end of the module, once the module's ``.cancel()`` calls,
    task spawns and exception classes are known."""

    rules = (CANCELLED_ERROR_NOT_RERAISED, CANCELLATION_SWALLOWED)
    requires = ((ASYNC_CODE,), ("except",))

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.awaiting: set[ast.AST] = set()  # try statements whose body has an await point
        self.main_coroutines = main_coroutines(ctx)
        self.awaited_calls: dict[tuple, list] = {}  # (class or None, f) of ``await f()`` -> handler around each
        self.reaped_arguments: dict[tuple, list] = {}  # the same -> argument cancelled just before, each
        self.awaited_attrs: dict[ast.AST, set[str]] = {}  # try -> X of ``await self.X`` in its body
        self.first_cancel: dict[Scope, int] = {}  # function -> line of its first ``.cancel``
        self.named_cancels: dict[Scope, list[tuple[str, int]]] = {}  # function -> ``run.cancel_run()`` (run, line)
        self.cancelling_methods: dict[Scope | None, dict[str, set[str]]] = {}  # class -> method -> X of self.X.cancel
        self.self_calls: dict[Scope, list[tuple[str, int]]] = {}  # function -> (M, line) of ``self.M()``
        self.name_calls: dict[Scope, list[tuple[str, int]]] = {}  # coroutine -> (f, line) of ``f(...)``
        self.cancelled_attrs: dict[Scope | None, set[str]] = {}  # class -> X of ``self.X.cancel``
        self.awaited_globals: dict[ast.AST, set[str]] = {}  # try -> G of ``await G`` (a module global)
        self.cancelled_globals: set[str] = set()  # G of ``G.cancel`` or ``t = G; t.cancel``
        self.last_statements: set[ast.AST] = set()  # try statements after which the function ends
        self.spawned: dict[Scope | None, set[str]] = {}  # class -> M of ``create_task(self.M())``
        self.spawned_methods: set[str] = set()  # M of ``create_task(other.M())``
        self.deliberate: set[ast.AST] = set()  # handlers that decide the cancellation's fate
        self.saved: dict[ast.AST, set[str]] = {}  # handler -> locals the caught name is saved in
        self.raised: dict[Scope, set[str]] = {}  # function -> names raised (``raise v``) or handed on
        self.copies: dict[Scope, dict[str, set[str]]] = {}  # function -> local -> locals copied from it
        self.flags: dict[ast.AST, set[str]] = {}  # handler -> locals it sets to True
        self.forwards: set[ast.AST] = set()  # handlers that hand the cancellation on (``op_cancel(op)``)
        self.flag_raises: dict[Scope, list[tuple[ast.expr, set[str]]]] = {}  # function -> raise, names tested
        self.classes = ExceptionClasses(ctx)  # the module's exception classes
        self.keepers: set[str] = set()  # functions that raise, or hand on, a parameter (or re-raise bare)
        self.handler_stack: list[ast.ExceptHandler] = []  # handlers being walked (the current function's on top)
        self.helper_calls: dict[ast.AST, set[str]] = {}  # handler -> f of ``f(exc)``/``self.f(exc)`` in it
        self.askers: set[Scope] = set()  # module functions that ask ``current_task().cancelling()``
        self.asker_calls: dict[ast.AST, set[str]] = {}  # handler -> f of ``f()`` in it
        self.candidates: list[Candidate] = []
        self.scopes: dict[ast.AST, Scope] = {}  # the module's function nodes -> their scopes
        self.found_done: dict[ast.AST, frozenset[str]] = {}  # try -> futures ``if F.done():`` around it saw over
        self.awaiting_callers: dict[
            tuple, set[Scope]
        ] = {}  # (class or None, f) of ``await f()`` -> the awaiting functions
        self.awaited_objects: set[ast.AST] = set()  # try statements that await a task by name (``await self._task``)
        self.sigint_handled = False  # the module installs a SIGINT handler: Ctrl-C cancels on purpose

    # --- facts ------------------------------------------------------------------------------
    def _await_point(self, node: ast.AST) -> None:
        attr = self_attr(node.value) if isinstance(node, ast.Await) else None
        if attr is None and isinstance(node, ast.Await) and isinstance(node.value, ast.Name):
            attr = self._kept_as_attr(node.value)  # ``task = create_task(...); self._task = task; await task``
        task = module_global(self.ctx, node.value) if isinstance(node, ast.Await) else None
        if isinstance(node, ast.Await) and isinstance(node.value, ast.Call):
            callee = node.value.func
            method = self_attr(callee)
            owner, name = (class_of(self.ctx.function), method) if method else (None, getattr(callee, "id", None))
            function = self.ctx.function
            if name == function.name and (method is not None) == function.is_method:
                name = None  # recursion (``await self._connect(backoff=...)`` in ``_connect``): the same task
            if name is not None:  # ``await other.f()``: no function of the module the table could name
                handler = next((handler for handler, _ in within_scope(self.ctx.frame, _HANDLER)), None)
                self.awaited_calls.setdefault((owner, name), []).append(handler)
                self.reaped_arguments.setdefault((owner, name), []).append(
                    cancelled_argument(self.ctx.frame, node.value)
                )
                self.awaiting_callers.setdefault((owner, name), set()).add(self.ctx.function)
        awaits_object = isinstance(node, ast.Await) and isinstance(node.value, (ast.Name, ast.Attribute))
        for try_node, child in within_scope(self.ctx.frame, TRY_NODES):
            if in_statement_list(child, try_node.body):
                self.awaiting.add(try_node)
                if awaits_object:
                    self.awaited_objects.add(try_node)
                if attr is not None:
                    self.awaited_attrs.setdefault(try_node, set()).add(attr)
                if task is not None:
                    self.awaited_globals.setdefault(try_node, set()).add(task)

    visit_Await = visit_AsyncFor = visit_AsyncWith = _await_point

    def _kept_as_attr(self, name: ast.Name) -> str | None:
        """``X`` when the local ``name`` holds the task ``self.X`` holds too: bound from it (``task =
        self._task``), or stored into it earlier in the function (``self.__task = task``, bilibili-api's
        uploaders; ``self._task = task = create_task(...)``)."""
        ctx = self.ctx
        binding = ctx.lookup(name.id)
        if binding is None or binding.scope is not ctx.function or binding.value is None:
            return None
        attr = self_attr(binding.value)
        cls = class_of(ctx.function) if attr is None else None
        for stored, bindings in cls.attrs.items() if cls is not None else ():
            for kept in bindings:
                value = kept.value
                if kept.scope is ctx.function and (
                    value is binding.value or (isinstance(value, ast.Name) and value.id == name.id)
                ):
                    return stored
        return attr

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr.startswith("cancel_") and type(node.value) is ast.Name and self.ctx.in_async:
            call = self.ctx.parent()  # ``await run.cancel_run()``: the object's own cancel method
            if type(call) is ast.Call and call.func is node:
                self.named_cancels.setdefault(self.ctx.function, []).append((node.value.id, node.lineno))
            return
        if node.attr != "cancel" and not (node.attr in _THROWS and self._throws_cancellation(node)):
            return
        ctx = self.ctx
        scope: Scope | None = ctx.function  # ``t.cancel()``, ``call_soon(t.cancel)``, or in a closure it
        while scope is not None and scope.kind in _CLOSURES:  # defines (``call_later(delay, _cancel)``)
            self.first_cancel[scope] = min(self.first_cancel.get(scope, node.lineno), node.lineno)
            scope = scope.parent
        if ctx.origin(node.value) == CURRENT_TASK:
            self._mark_enclosing_handlers(asks_task=True)  # ``asyncio.current_task().cancel()``: cancelled again
            return
        attr = self_attr(node.value)
        if attr is not None:
            self._cancels_attr(attr)
            return
        receiver = node.value
        if isinstance(receiver, ast.Name):
            binding = ctx.lookup(receiver.id)
            if binding is not None and binding.scope.kind is not ScopeKind.MODULE:
                receiver = binding.value  # ``task = _worker`` ... ``task.cancel()``
                attr = self_attr(receiver)  # ``task = self._task`` ... ``task.cancel()``
                if attr is not None:
                    self._cancels_attr(attr)
                    return
            task = module_global(self.ctx, receiver)
            if task is not None:
                self.cancelled_globals.add(task)

    def _throws_cancellation(self, node: ast.Attribute) -> bool:
        """``gen.athrow(asyncio.CancelledError())``: the function cancels the generator itself, as
        ``.cancel()`` does a task (ray's streaming wrapper, then ``except CancelledError: pass``)."""
        call = self.ctx.parent()
        if type(call) is not ast.Call or call.func is not node or not call.args:
            return False
        thrown = call.args[0].func if type(call.args[0]) is ast.Call else call.args[0]
        return self.classes.same(thrown)

    def _cancels_attr(self, attr: str) -> None:
        """``self.<attr>.cancel()`` in the current function: the class cancels that attribute, and
        a method doing so cancels it for whoever calls it (``self._finished()``)."""
        function = self.ctx.function
        cls = class_of(function)
        self.cancelled_attrs.setdefault(cls, set()).add(attr)
        if function.is_method:
            self.cancelling_methods.setdefault(cls, {}).setdefault(function.name, set()).add(attr)

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        func = node.func
        self._note_self_call(node)
        if isinstance(func, ast.Attribute):
            self._method_call(node, func)
        elif isinstance(func, ast.Name):
            self._function_call(node, func)
        self.main_coroutines.called(node)
        if self.handler_stack and ctx.origin(node) == CURRENT_TASK and _tested_before_raise(ctx.frame, node):
            self._mark_enclosing_handlers(asks_task=False)  # ``if is_cancelling(current_task()): raise``
        segment = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else ""
        if self.handler_stack and "cancel" in segment and segment not in _ASKS_CANCELLATION:
            self.forwards.update(self._handlers_of_name(None)[:1])  # ``lib.nng_aio_cancel(aio)``
        if not node.args and not node.keywords:
            return
        if segment[:1].isupper() and not isinstance(ctx.parent(), ast.Raise):
            for value in (*node.args, *(k.value for k in node.keywords)):  # ``Result(error=exc)`` carries it
                self._hands_on(value, keeps=False)
        if self.handler_stack and segment:
            self._helper_call(node, segment)
        for whose, name in spawned_coroutine(ctx, node, segment):
            if whose == ANY_OBJECT:
                self.spawned_methods.add(name)  # ``create_task(self.cycle.run_asgi(app))``
            else:
                self.spawned.setdefault(class_of(ctx.function) if whose == SELF else None, set()).add(name)

    def _function_call(self, node: ast.Call, func: ast.Name) -> None:
        ctx = self.ctx
        if ctx.in_async:  # ``cancel(task, signal)``: a module helper may cancel for it (aioshutdown)
            self.name_calls.setdefault(ctx.function, []).append((func.id, node.lineno))
        if func.id == "isinstance" and len(node.args) == 2:
            checked = node.args[1].elts if isinstance(node.args[1], ast.Tuple) else [node.args[1]]
            if any(exception_class(ctx, t) in _TELLS_CANCELLATION for t in checked):
                self._decides(node.args[0])
        elif _asks_on_purpose(ctx, node, func):  # ``from sys import exc_info``, ``getattr(task, "cancelling")``
            self._mark_enclosing_handlers(asks_task=func.id == "getattr")
        elif self.handler_stack and not node.args and not node.keywords:
            for handler in self._handlers_of_name(None)[:1]:  # ``if _task_cancelling(): raise``
                self.asker_calls.setdefault(handler, set()).add(func.id)

    def _method_call(self, node: ast.Call, func: ast.Attribute) -> None:
        if func.attr in _DELIBERATE_METHODS or (func.attr in _EXC_INFO and self.ctx.qualified_name(func) in _CAPTURE):
            self._mark_enclosing_handlers(asks_task=func.attr in _DELIBERATE_METHODS)
        elif func.attr in _HANDING_ON and node.args:
            self._hands_on(node.args[0])  # ``fut.set_exception(exc)``, ``errors.append(Error(exc))``
        elif func.attr in _SCHEDULING:
            for value in node.args:  # ``loop.call_soon_threadsafe(set_exception, promise, exc)``
                self._hands_on(value)
        if func.attr in _SIGNAL_SETTERS and node.args and self.ctx.qualified_name(node.args[0]) == _SIGINT:
            self.sigint_handled = True  # ``loop.add_signal_handler(signal.SIGINT, ...)``, ``signal.signal(...)``

    def leave_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.main_coroutines.defined(node)

    def function_start(self, scope: Scope) -> None:
        self.scopes[scope.node] = scope

    def visit_Compare(self, node: ast.Compare) -> None:
        if any(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops):
            for operand in (node.left, *node.comparators):
                if isinstance(operand, ast.Call) and isinstance(operand.func, ast.Name) and operand.func.id == "type":
                    operand = operand.args[0] if len(operand.args) == 1 else None  # ``type(exc) is ...``
                self._decides(operand)

    def _note_self_call(self, node: ast.Call) -> None:
        """``self._finished()`` in a coroutine method (only coroutines have handlers): it may cancel a task."""
        method = self_attr(node.func) if self.ctx.in_async and self.ctx.function.is_method else None
        if method is not None:
            self.self_calls.setdefault(self.ctx.function, []).append((method, node.lineno))

    def _helper_call(self, node: ast.Call, name: str) -> None:
        """``self._convert_error(exc)`` in a handler of the current function (``name``: the
        callee's last segment): decided at the end of the module, once it is known whether that
        function re-raises or keeps what it gets."""
        handler = self.handler_stack[-1]
        if handler.name is None or self._handlers_of_name(handler.name)[:1] != [handler]:
            return
        if any(isinstance(arg, ast.Name) and arg.id == handler.name for arg in node.args):
            self.helper_calls.setdefault(handler, set()).add(name)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self.handler_stack.append(node)

    def leave_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        self.handler_stack.pop()

    def visit_Return(self, node: ast.Return) -> None:
        self._hands_on(node.value, keeps=False)  # ``return exc``, ``return Error(exc)``: the caller gets it

    def visit_Assign(self, node: ast.Assign) -> None:
        value = node.value
        if any(isinstance(target, (ast.Subscript, ast.Attribute)) for target in node.targets):
            self._hands_on(value)
            return
        targets = {t.id for t in node.targets if isinstance(t, ast.Name)}
        # ``error = exc``, or ``cancellation = cancellation or exc`` (the first one caught is kept), or
        # either arm of ``exc.with_traceback(None) if keep(exc) else summary(exc)`` (skyvern's boundary)
        if isinstance(value, ast.BoolOp):
            parts = value.values
        elif isinstance(value, ast.IfExp):
            parts = [value.body, value.orelse]
        else:
            parts = [value]
        for name in map(_itself, parts):
            if isinstance(name, ast.Name):
                for handler in self._handlers_of(name):
                    self.saved.setdefault(handler, set()).update(targets)
                self.copies.setdefault(self.ctx.function, {}).setdefault(name.id, set()).update(targets)
        if isinstance(value, ast.Constant) and value.value is True:
            for handler in self._handlers_of_name(None)[:1]:  # ``except CancelledError: cancelled = True``
                self.flags.setdefault(handler, set()).update(targets)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None and isinstance(node.target, (ast.Subscript, ast.Attribute)):
            self._hands_on(node.value)  # ``self.error: BaseException = exc``

    def visit_Raise(self, node: ast.Raise) -> None:
        function = self.ctx.function
        if isinstance(node.exc, ast.Name):
            self.raised.setdefault(function, set()).add(node.exc.id)
            self._keeps_parameter(node.exc)
        elif node.exc is not None:  # ``if cancelled: raise CancelledError``: the names its ``if`` tests
            tests = {
                n.id
                for test, _ in within_scope(self.ctx.frame, ast.If)
                for n in ast.walk(test.test)
                if type(n) is ast.Name
            }
            self.flag_raises.setdefault(function, []).append((node.exc, tests))
        elif node.exc is None and not self._handlers_of_name(None):
            self.keepers.add(function.name)  # a bare ``raise`` outside a handler: the caller's exception

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.classes.defined(node)

    def _mark_enclosing_handlers(self, asks_task: bool) -> None:
        """``.uncancel()``/``.cancelling()``/``sys.exc_info()`` in a handler: it decides on purpose.
        A plain def of the module that asks the task (``cancelling()``, ``uncancel()``, cancelling
        it again; not ``sys.exc_info()``, which a logging helper reads too) lets a handler that
        calls it decide so (centrifuge's ``if _task_cancelling(): raise``)."""
        self.deliberate.update(handler for handler, _ in within_scope(self.ctx.frame, _HANDLER))
        function = self.ctx.function
        if asks_task and isinstance(function.node, ast.FunctionDef) and function.parent.kind is ScopeKind.MODULE:
            self.askers.add(function)

    def _handlers_of(self, value: ast.AST | None) -> list[ast.AST]:
        """The enclosing handler whose caught name ``value`` is."""
        if not isinstance(value, ast.Name):
            return []
        return self._handlers_of_name(value.id)[:1]

    def _handlers_of_name(self, name: str | None) -> list[ast.AST]:
        """The current function's enclosing handlers, innermost first; with ``name``, those catching
        into that name."""
        if not self.handler_stack:
            return []
        return [h for h, _ in within_scope(self.ctx.frame, _HANDLER) if name is None or h.name == name]

    def _hands_on(self, value: ast.AST | None, keeps: bool = True) -> None:
        """``value`` goes somewhere the exception outlives the handler (a container, a future, an
        attribute, the caller): the caught exception itself, or an object built from it by a
        class (``Error(exc)``; not ``str(exc)``).  With ``keeps``, a parameter handed on so makes
        its function a keeper."""
        if isinstance(value, ast.Call):
            return  # a wrapper: ``visit_Call`` sees what it is built from
        self._decides(value)
        if isinstance(value, ast.Name):
            self.raised.setdefault(self.ctx.function, set()).add(value.id)  # a saved local, handed on
            if keeps:
                self._keeps_parameter(value)

    def _keeps_parameter(self, value: ast.Name) -> None:
        """A function that raises or hands on its own parameter: the caller's exception, given to
        it, is not lost there (``def _convert(self, exc) -> NoReturn: ... raise exc``)."""
        binding = self.ctx.lookup(value.id)
        if binding is not None and binding.kind is BindingKind.PARAM and binding.scope is self.ctx.function:
            self.keepers.add(self.ctx.function.name)

    def _decides(self, value: ast.AST | None) -> None:
        """A caught name handed on (``fut.set_exception(exc)``, ``errors[i] = exc``, ``self.error =
        exc``) or tested (``isinstance(exc, CancelledError)``, ``exc is incoming``): its handler
        decides the exception's fate on purpose."""
        self.deliberate.update(self._handlers_of(value))

    # --- collecting -------------------------------------------------------------------------
    def leave_Try(self, node: ast.Try) -> None:
        ctx = self.ctx
        if node not in self.awaiting or not ctx.in_async:
            return
        self.awaiting.discard(node)
        function = ctx.function
        if any(handler_always_raises(outer) for outer, _ in within_scope(ctx.frame, _HANDLER)):
            return  # an exception is already on its way out of the function
        if in_unwinding_finally(ctx.frame):
            return  # the same, in a ``finally`` that only an exception reaches
        star = not isinstance(node, ast.Try)
        if over := done_before(ctx.frame):
            self.found_done[node] = over
        if ends_function(ctx.frame):
            self.last_statements.add(node)
        stops_loop = None
        if next(within_scope(ctx.frame, LOOP_NODES), None) is not None:
            stops_loop = _STOPS_THE_LOOP_INSIDE
        elif wraps_the_loop(node, function):
            stops_loop = _STOPS_THE_LOOP_AROUND
        for handler in node.handlers:
            names = caught_exceptions(ctx, handler)
            if CANCELLED_ERROR in names:
                fields = {"exception": spelling(handler), "function": function.name}
                self.candidates.append(
                    Candidate(handler, CANCELLED_ERROR_NOT_RERAISED, fields, function, node, star, stops_loop)
                )
                return  # later handlers never see the cancellation
            if BASE_EXCEPTION in names:
                fields = {"clause": handler_spelling(handler), "function": function.name}
                self.candidates.append(
                    Candidate(handler, CANCELLATION_SWALLOWED, fields, function, node, star, stops_loop)
                )
                return

    leave_TryStar = leave_Try


def _asks_on_purpose(ctx: Context, call: ast.Call, func: ast.Name) -> bool:
    """``exc_info()`` imported from ``sys``, or ``getattr(task, "cancelling", ...)``."""
    if func.id == "getattr":
        args = call.args
        return len(args) > 1 and isinstance(args[1], ast.Constant) and args[1].value in _DELIBERATE_METHODS
    return func.id in _EXC_INFO and ctx.qualified_name(func) in _CAPTURE


def _tested_before_raise(frame: Frame, call: ast.Call) -> bool:
    """``current_task()`` handed to a predicate that an ``if`` around a ``raise`` tests (vllm-omni's
    ``if helpers.task_is_cancelling(asyncio.current_task()): raise``): the handler asks whether
    the cancellation is its own task's and re-raises that one."""
    parent = frame[1]
    if parent is None or type(parent[0]) is not ast.Call or call not in parent[0].args:
        return False
    child, frame = parent[0], parent[1]
    while frame is not None and isinstance(frame[0], (ast.BoolOp, ast.UnaryOp, ast.Compare)):
        child, frame = frame[0], frame[1]
    test = frame[0] if frame is not None else None
    return isinstance(test, ast.If) and test.test is child and any(isinstance(s, ast.Raise) for s in test.body)


def _itself(expr: ast.expr) -> ast.expr:
    """``exc`` of ``exc.with_traceback(tb)``, which returns the same exception object."""
    while isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute) and expr.func.attr == "with_traceback":
        expr = expr.func.value
    return expr
