"""Event loops driven from the wrong place (asyncio-run-in-coroutine, deprecated-get-event-loop)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.asyncio import (
    ASYNCIO_RUN,
    GET_EVENT_LOOP,
    LOOP_RUNNERS,
    NEST_ASYNCIO_APPLY,
    SET_EVENT_LOOP,
    SET_EVENT_LOOP_POLICY,
    decorated_before_311,
)
from ..knowledge.inference import is_loop, kind_of
from ..knowledge.kinds import Kind
from ..knowledge.testing import ASYNC_TEST_CASE, derives_from
from ..registry import declare
from ..semantic.frames import TRY_NODES, in_statement_list, never_from, parent_of, within_scope
from ..semantic.scope import Binding, BindingKind, Scope, ScopeKind
from ..semantic.source import ASYNC_CODE
from ..semantic.text import describe, is_none

if TYPE_CHECKING:
    from ..semantic.context import Context
    from ..semantic.frames import Frame

EVENTLOOP_DOC = "https://docs.python.org/3/library/asyncio-eventloop.html"
RUNNER_DOC = "https://docs.python.org/3/library/asyncio-runner.html"

RUN_IN_COROUTINE = declare(
    code="AIO301",
    raises_or_warns=True,
    async_only=True,
    name="asyncio-run-in-coroutine",
    default_enabled=True,
    message=(
        "'{call}' inside async function '{function}' raises RuntimeError (the event loop is already running); 'await' "
        "the coroutine instead"
    ),
    summary=(
        "`asyncio.run(...)`, `loop.run_until_complete(...)`, `loop.run_forever()` or "
        "`asyncio.Runner().run(...)` in async context."
    ),
    why=(
        "Inside a coroutine an event loop is already running in this thread. `asyncio.run` and "
        "the `Runner` refuse with `RuntimeError: asyncio.run() cannot be called from a running "
        "event loop`; `run_until_complete`/`run_forever` on the running loop raise "
        "`RuntimeError: This event loop is already running`. The usual cause is a sync helper "
        "being turned into a coroutine without removing its loop bootstrap."
    ),
    example=(
        "import asyncio\n"
        "\n"
        "async def another_async():\n"
        "    return 1\n"
        "\n"
        "async def bad_nested():\n"
        "    return asyncio.run(another_async())\n"
    ),
    use_instead=(
        "import asyncio\n"
        "\n"
        "async def another_async():\n"
        "    return 1\n"
        "\n"
        "async def good_nested():\n"
        "    return await another_async()\n"
    ),
    seed=(
        '002 "Anti-Patterns to Avoid" §2 Mixing Sync and Async ("Creating new event loop in async context"); 003 '
        "Step 3 and Gotcha"
    ),
    notes=(
        "A nested `def` or `lambda` inside a coroutine is not async context (it may run in a "
        "thread, through `to_thread`), so a loop started there is not reported.",
        "A `.run_until_complete` receiver counts as an event loop when it was made by "
        "`get_event_loop/get_running_loop/new_event_loop`, is annotated as a loop, or is spelled "
        "`loop`, `_loop`, `event_loop` or `*_loop`.",
    ),
    references=(RUNNER_DOC + "#asyncio.run", EVENTLOOP_DOC + "#asyncio.loop.run_until_complete"),
)

DEPRECATED_GET_EVENT_LOOP = declare(
    code="AIO305",
    raises_or_warns=True,
    name="deprecated-get-event-loop",
    default_enabled=True,
    message=(
        "'{call}' with no current event loop set warns on Python 3.12-3.13 (DeprecationWarning) and raises "
        "RuntimeError on 3.14; use 'asyncio.run(main())', or create the loop with 'asyncio.new_event_loop()'"
    ),
    summary=(
        "`asyncio.get_event_loop()` in sync code that means to drive a loop: at module level "
        '(including `if __name__ == "__main__":`) and in a sync function that goes on to call '
        "`run_until_complete`/`run_forever` on the result."
    ),
    why=(
        "Without a running loop, `get_event_loop()` used to create one implicitly. Python 3.12 "
        "deprecated that (DeprecationWarning when no current loop is set) and Python 3.14 "
        "removed it: the call raises `RuntimeError` instead (cpython#126353)."
    ),
    example=(
        "import asyncio\n"
        "\n"
        "async def main():\n"
        "    return 1\n"
        "\n"
        "def cli():\n"
        "    loop = asyncio.get_event_loop()\n"
        "    loop.run_until_complete(main())\n"
    ),
    use_instead=("import asyncio\n\nasync def main():\n    return 1\n\ndef cli():\n    asyncio.run(main())\n"),
    seed='002 "Event loop" ("AVOID: Manual loop management (legacy, pre-3.7)")',
    notes=(
        "Other sync functions are not reported (they may be callbacks that run on "
        "the loop, where `get_event_loop()` returns the running loop), nor are nested defs and "
        "lambdas of a coroutine (they usually run on the loop).",
        "Not reported where the call cannot fail: in a `try` that handles `RuntimeError` (what 3.14 "
        "raises; the 3.12-3.13 warning is the code's own choice then), in the body of an `if` that holds only "
        "while a loop runs (`if loop and loop.is_running():` after `loop = asyncio.get_running_loop()`, the "
        "nest_asyncio pattern: `get_event_loop()` returns the running loop there), in a sync method of an "
        "`unittest.IsolatedAsyncioTestCase` (its runner sets the loop before the test runs), in a branch that "
        "never runs on Python 3.12 or later (`if sys.version_info < (3, 10):`, langchain-chatchat's fallback), after "
        "`asyncio.set_event_loop(loop)` (not `None`) or `nest_asyncio.apply()` (which patches `get_event_loop` and "
        "the policy's to make and set a loop when none is set) earlier in the same function, in a sync method "
        "of a class whose `__init__` applies nest_asyncio (llama-index's stores; a `@property` too, which "
        "needs the instance, but not a static or class method), or in a function around it "
        "before the nested def (restate's Lambda handler, a closure over the loop its maker set), or after "
        "`asyncio.set_event_loop_policy(Policy())` with a policy class of the module that defines its own "
        "`get_event_loop` (mode's gevent loop; the deprecated policy API is reported by its own rule) -- or after an "
        "earlier call of a module-level function of the module that makes that call (robyn's "
        "`initialize_event_loop()`) -- and in a module that uses `@asyncio.coroutine` -- removed in 3.11, "
        "so the module only runs on Pythons where `get_event_loop()` neither warns nor raises.",
    ),
    references=(EVENTLOOP_DOC + "#asyncio.get_event_loop", "https://github.com/python/cpython/issues/126353"),
)


_WARNS_FROM = (3, 12)  # the first Python where ``get_event_loop()`` with no current loop warns
_CLASS_LEVEL = frozenset({"builtins.staticmethod", "builtins.classmethod"})  # methods without an instance


class LoopChecker(Checker):
    """asyncio-run-in-coroutine and deprecated-get-event-loop."""

    rules = (RUN_IN_COROUTINE, DEPRECATED_GET_EVENT_LOOP)
    requires = ((ASYNC_CODE, "get_event_loop"),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.loop_locals: list[tuple[Binding, ast.Call]] = []
        self.deprecated: list[tuple[ast.Call, Scope]] = []  # get_event_loop() calls to report at the end
        self.sets_loop: dict[Scope, int] = {}  # scope -> line of its first ``asyncio.set_event_loop(loop)``
        self.name_calls: dict[Scope, list[tuple[str, int]]] = {}  # sync scope -> (f, line) of its ``f()`` calls
        self.nest_applied: set[Scope] = set()  # functions that call ``nest_asyncio.apply()``
        self.pre_311_module = False

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        func = node.func
        qn = ctx.qualified_name(func)
        if not ctx.in_async and isinstance(func, ast.Name):
            self.name_calls.setdefault(ctx.function, []).append((func.id, node.lineno))
        if qn == NEST_ASYNCIO_APPLY:
            self.nest_applied.add(ctx.function)
        if (
            (qn == SET_EVENT_LOOP and not (node.args and is_none(node.args[0])))
            or (qn == SET_EVENT_LOOP_POLICY and node.args and self._policy_makes_loops(node.args[0]))
            or qn == NEST_ASYNCIO_APPLY
        ):
            self.sets_loop.setdefault(ctx.function, node.lineno)
        if qn == ASYNCIO_RUN:
            if ctx.in_async:
                ctx.report(node, RUN_IN_COROUTINE, call=describe(node), function=ctx.function.name)
            return
        if qn == GET_EVENT_LOOP:
            if not ctx.in_async:
                self._sync_get_event_loop(node)
            return
        if not isinstance(func, ast.Attribute) or not ctx.in_async:
            return
        if func.attr in LOOP_RUNNERS:
            if is_loop(ctx, func.value):
                ctx.report(node, RUN_IN_COROUTINE, call=describe(node), function=ctx.function.name)
        elif func.attr == "run" and kind_of(ctx, func.value) is Kind.RUNNER:
            ctx.report(node, RUN_IN_COROUTINE, call=describe(node), function=ctx.function.name)

    def _sync_get_event_loop(self, node: ast.Call) -> None:
        """``get_event_loop()`` in sync code that means to drive a loop."""
        ctx = self.ctx
        function = ctx.function
        if self._excused(ctx.frame, function):
            return
        if function is ctx.module:  # module level, module-level class bodies
            self.deprecated.append((node, function))
            return
        parent = ctx.parent()
        if isinstance(parent, ast.Attribute) and parent.attr in LOOP_RUNNERS:
            self.deprecated.append((node, function))

    def _excused(self, frame: Frame, function: Scope) -> bool:
        """Where ``get_event_loop()`` cannot fail: nested in a coroutine (runs on the loop), in a
        sync method of an ``IsolatedAsyncioTestCase`` (its runner sets the loop first), or in a
        ``try`` that handles the ``RuntimeError`` Python 3.14 raises."""
        ctx = self.ctx
        if function is not ctx.module and (function.kind is not ScopeKind.FUNCTION or function.inside_coroutine()):
            return True
        if function.is_method and derives_from(ctx, function.parent, ASYNC_TEST_CASE):
            return True
        if never_from(frame, _WARNS_FROM, ctx.qualified_name):
            return True  # ``if sys.version_info < (3, 10):`` -- it warns only from 3.12
        for node, child in within_scope(frame, (*TRY_NODES, ast.If)):
            if not in_statement_list(child, node.body):
                continue
            if isinstance(node, ast.If):
                if _says_running(node.test):  # ``if loop and loop.is_running():`` -- it returns that loop
                    return True
            elif any(_catches_runtime_error(ctx, h) for h in node.handlers):
                return True
        return False

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        """``@asyncio.coroutine`` (removed in Python 3.11): the module runs only on older Pythons,
        where ``get_event_loop()`` neither warns nor raises."""
        if decorated_before_311(self.ctx, node):
            self.pre_311_module = True

    visit_AsyncFunctionDef = visit_FunctionDef

    def bound(self, binding: Binding) -> None:
        value = binding.value
        scope = binding.scope
        if (
            binding.kind is BindingKind.ASSIGN
            and isinstance(value, ast.Call)
            and scope.kind is ScopeKind.FUNCTION
            and not scope.async_context
            and not scope.inside_coroutine()
            and self.ctx.qualified_name(value.func) == GET_EVENT_LOOP
        ):
            self.ctx.watch(binding)
            self.loop_locals.append((binding, value))

    def module_end(self) -> None:
        for binding, call in self.loop_locals:
            if any(_drives_loop(frame) for frame in binding.loads) and not self._excused(binding.frame, binding.scope):
                self.deprecated.append((call, binding.scope))
        if self.pre_311_module:
            return
        module = self.ctx.module
        setters = {scope.name for scope in self.sets_loop if scope.parent is module and scope is not module}
        for call, function in self.deprecated:
            if (
                self._loop_set_before(function, call.lineno)
                or any(name in setters and line < call.lineno for name, line in self.name_calls.get(function, ()))
                or self._patched_by_init(function)
            ):
                continue  # ``asyncio.set_event_loop(loop)`` came first, itself or in a helper of the module
            self.ctx.report(call, DEPRECATED_GET_EVENT_LOOP, call=describe(call))

    def _policy_makes_loops(self, policy: ast.expr) -> bool:
        """``set_event_loop_policy(Policy())`` (or a name bound to one) with a class of this module that
        defines its own ``get_event_loop`` (mode's gevent policy): that method answers, not the default
        policy that warns or raises."""
        ctx = self.ctx
        if isinstance(policy, ast.Name):
            binding = ctx.binding_of(policy)
            policy = binding.value if binding is not None and binding.kind is BindingKind.ASSIGN else None
        cls = ctx.binding_of(policy.func) if isinstance(policy, ast.Call) else None
        return (
            cls is not None
            and isinstance(cls.node, ast.ClassDef)
            and any(isinstance(s, ast.FunctionDef) and s.name == "get_event_loop" for s in cls.node.body)
        )

    def _patched_by_init(self, function: Scope) -> bool:
        """A method of a class whose ``__init__`` calls ``nest_asyncio.apply()`` (llama-index's
        stores): the instance exists, so the patch that makes ``get_event_loop()`` set a loop is in.
        A ``@property`` or other decorated method runs on that instance too; a static or class method
        may run before any instance exists."""
        if not self.nest_applied or not function.is_method:
            return False
        qualified = self.ctx.qualified_name
        if any(qualified(d) in _CLASS_LEVEL for d in function.node.decorator_list):
            return False
        init = self.ctx.method_binding(function.parent, "__init__")
        return init is not None and init.func_scope in self.nest_applied

    def _loop_set_before(self, function: Scope, line: int) -> bool:
        """``asyncio.set_event_loop(loop)`` came first in the function, or in a function around it
        before the nested def (``loop = new_event_loop(); set_event_loop(loop)`` then ``def handler():
        loop = asyncio.get_event_loop()``: the closure finds the loop its maker set)."""
        scope: Scope | None = function
        while scope is not None:
            if self.sets_loop.get(scope, line) < line:
                return True
            if scope.kind is not ScopeKind.FUNCTION:
                return False
            line = scope.node.lineno
            scope = scope.parent.function if scope.parent is not None else None
        return False


_RUNTIME_ERROR_CATCHERS = frozenset({"builtins.RuntimeError", "builtins.Exception", "builtins.BaseException"})


def _catches_runtime_error(ctx: Context, handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(ctx.qualified_name(t) in _RUNTIME_ERROR_CATCHERS for t in types)


def _says_running(test: ast.expr) -> bool:
    """An ``if`` test that holds only while a loop runs: ``loop.is_running()``, alone or as a
    conjunct of ``and``."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_says_running(value) for value in test.values)
    return isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute) and test.func.attr == "is_running"


def _drives_loop(frame: Frame) -> bool:
    parent = parent_of(frame)
    return isinstance(parent, ast.Attribute) and parent.attr in LOOP_RUNNERS
