"""Modernisation: hand-rolled loops, get_event_loop in coroutines, run_in_executor(None, ...)
(manual-event-loop, get-event-loop-in-coroutine, run-in-executor-default)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.asyncio import GET_EVENT_LOOP, NEW_EVENT_LOOP
from ..knowledge.inference import is_loop
from ..registry import declare
from ..semantic.scope import Binding, ScopeKind
from ..semantic.text import describe
from .loop import DEPRECATED_GET_EVENT_LOOP

if TYPE_CHECKING:
    from ..semantic.context import Context

EVENTLOOP_DOC = "https://docs.python.org/3/library/asyncio-eventloop.html"
RUNNER_DOC = "https://docs.python.org/3/library/asyncio-runner.html"

MANUAL_EVENT_LOOP = declare(
    code="AIO302",
    raises_or_warns=True,
    name="manual-event-loop",
    default_enabled=False,
    message=(
        "manual event loop: '{call}' on a loop from '{origin}()'; use 'asyncio.run(main())' (or 'asyncio.Runner' on "
        "Python 3.11+)"
    ),
    summary=(
        "In sync code, `run_until_complete` on a loop that came from `asyncio.new_event_loop()` "
        "or `asyncio.get_event_loop()`, called directly on the result or through a variable; "
        "reported once per loop."
    ),
    why=(
        "Hand-rolled loop management is easy to get subtly wrong: the loop must be set as "
        "current, async generators shut down, the default executor joined and the loop closed, "
        "even on error. `asyncio.run` (and `asyncio.Runner` for several calls) does all of it "
        "and is the documented entry point for asyncio programs."
    ),
    example=(
        "import asyncio\n"
        "\n"
        "async def main():\n"
        "    return 1\n"
        "\n"
        "def bad_approach():\n"
        "    loop = asyncio.new_event_loop()\n"
        "    asyncio.set_event_loop(loop)\n"
        "    try:\n"
        "        return loop.run_until_complete(main())\n"
        "    finally:\n"
        "        loop.close()\n"
    ),
    use_instead=(
        "import asyncio\n\nasync def main():\n    return 1\n\ndef good_approach():\n    return asyncio.run(main())\n"
    ),
    seed=(
        '002 "Anti-Patterns to Avoid" §3 Creating Event Loops Manually; 002 "Event loop" ("AVOID: Manual loop '
        'management")'
    ),
    notes=(
        "Only loops whose origin is visible (`new_event_loop()` called on the spot or assigned to "
        "a local first) are reported; a loop handed in as a parameter or attribute may be "
        'deliberately managed (the seed\'s "multiple event loops" exception), and so may one made '
        "only when none was handed in (`if loop is None: loop = asyncio.new_event_loop()`).",
        "A loop from `get_event_loop()` driven where AIO305 (deprecated-get-event-loop) reports that "
        "call -- module level, a sync function -- is left to AIO305; this rule does not repeat it "
        "(when AIO305 is selected, as it is by default; selected alone, this rule reports such a "
        "loop too).",
    ),
    references=(RUNNER_DOC,),
)

GET_EVENT_LOOP_IN_COROUTINE = declare(
    code="AIO303",
    in_test_files=False,
    raises_or_warns=True,
    async_only=True,
    name="get-event-loop-in-coroutine",
    default_enabled=False,
    message="'{call}' inside async function '{function}'; use 'asyncio.get_running_loop()'",
    summary="`asyncio.get_event_loop()` in async context.",
    why=(
        "In a coroutine the running loop is known; `get_running_loop()` returns it without "
        "going through the event loop policy, and it cannot silently create or return a "
        "different loop. The asyncio documentation recommends it in coroutines and callbacks."
    ),
    example=(
        "import asyncio\n"
        "\n"
        "async def schedule(callback):\n"
        "    loop = asyncio.get_event_loop()\n"
        "    loop.call_soon(callback)\n"
    ),
    use_instead=(
        "import asyncio\n"
        "\n"
        "async def schedule(callback):\n"
        "    loop = asyncio.get_running_loop()\n"
        "    loop.call_soon(callback)\n"
    ),
    seed='003 Step 3 (bridging sync and async); 002 "Event loop"',
    references=(EVENTLOOP_DOC + "#asyncio.get_event_loop",),
)

RUN_IN_EXECUTOR_DEFAULT = declare(
    code="AIO304",
    in_test_files=False,
    async_only=True,
    name="run-in-executor-default",
    default_enabled=False,
    message="'{call}' with the default executor; use 'await asyncio.to_thread({function}, ...)'",
    summary="`loop.run_in_executor(None, fn, *args)` in async context.",
    why=(
        "`asyncio.to_thread(fn, *args, **kwargs)` says the same thing more directly, accepts "
        "keyword arguments, and propagates `contextvars` into the thread, which "
        "`run_in_executor` does not."
    ),
    example=(
        "import asyncio\n"
        "\n"
        "async def digest(data, compute):\n"
        "    loop = asyncio.get_running_loop()\n"
        "    return await loop.run_in_executor(None, compute, data)\n"
    ),
    use_instead=(
        "import asyncio\n\nasync def digest(data, compute):\n    return await asyncio.to_thread(compute, data)\n"
    ),
    seed='003 Step 3 ("await loop.run_in_executor(None, fn, *args)"); 002 "Running Blocking Code"',
    notes=(
        "Off by default: `run_in_executor(None, ...)` is correct, only older. With an explicit "
        "executor (a process pool, a dedicated thread pool) it is not reported.",
    ),
    references=("https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread",),
)


class LoopStyleChecker(Checker):
    """manual-event-loop, get-event-loop-in-coroutine, run-in-executor-default."""

    rules = (MANUAL_EVENT_LOOP, GET_EVENT_LOOP_IN_COROUTINE, RUN_IN_EXECUTOR_DEFAULT)
    requires = (("get_event_loop", "run_until_complete", "run_in_executor"),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.driven: set[object] = set()  # loops already reported (their binding, or the call made on the spot)

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        func = node.func
        if ctx.qualified_name(func) == GET_EVENT_LOOP:
            if ctx.in_async:
                ctx.report(node, GET_EVENT_LOOP_IN_COROUTINE, call=describe(node), function=ctx.function.name)
            return
        if not isinstance(func, ast.Attribute):
            return
        if func.attr == "run_until_complete" and not ctx.in_async:
            self._manual_loop(node, func.value)
        elif func.attr == "run_in_executor" and ctx.in_async and len(node.args) >= 2:
            first = node.args[0]
            if isinstance(first, ast.Constant) and first.value is None and is_loop(ctx, func.value):
                ctx.report(node, RUN_IN_EXECUTOR_DEFAULT, call=describe(node), function=describe(node.args[1]))

    def _manual_loop(self, node: ast.Call, loop: ast.AST) -> None:
        ctx = self.ctx
        origin = ctx.origin(loop)
        if origin not in (NEW_EVENT_LOOP, GET_EVENT_LOOP):
            return
        if origin == GET_EVENT_LOOP and self._deprecation_reported():
            return  # deprecated-get-event-loop reports that call already
        binding = ctx.binding_of(loop)
        if binding is not None and self._handed_in(binding):
            return
        key = binding if binding is not None else loop
        if key in self.driven:
            return  # once per loop
        self.driven.add(key)
        ctx.report(node, MANUAL_EVENT_LOOP, call=describe(node), origin=origin)

    def _deprecation_reported(self) -> bool:
        """Whether deprecated-get-event-loop reports a ``get_event_loop()`` driven from here: at
        module level, or in a sync function that is not inside a coroutine."""
        ctx = self.ctx
        if not ctx.settings.wants(DEPRECATED_GET_EVENT_LOOP):
            return False
        function = ctx.function
        return function is ctx.module or (function.kind is ScopeKind.FUNCTION and not function.inside_coroutine())

    @staticmethod
    def _handed_in(binding: Binding) -> bool:
        """``def run(coro, loop=None): if loop is None: loop = new_event_loop()`` -- the loop is
        the caller's when given, made here only as a fallback: a parameter of the same name."""
        scope = binding.scope
        if scope.kind is not ScopeKind.FUNCTION:
            return False
        return binding.name in {arg.arg for arg in _parameters(scope.node)}


def _parameters(function: ast.AST) -> list[ast.arg]:
    args = function.args
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *filter(None, (args.vararg, args.kwarg))]
