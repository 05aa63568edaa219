"""AIO3xx: event loop management."""

from __future__ import annotations

import ast

from .. import context as C
from .. import knowledge as K
from ..context import Binding, describe
from ..engine import Checker, register
from ..registry import declare

EVENTLOOP_DOC = "https://docs.python.org/3/library/asyncio-eventloop.html"
RUNNER_DOC = "https://docs.python.org/3/library/asyncio-runner.html"

RUN_IN_COROUTINE = declare(
    code="AIO301",
    raises_or_warns=True,
    async_only=True,
    name="asyncio-run-in-coroutine",
    default=True,
    message="'{call}' inside async function '{function}' raises RuntimeError (the event loop is already running); 'await' the coroutine instead",
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
    seed="002 \"Anti-Patterns to Avoid\" §2 Mixing Sync and Async (\"Creating new event loop in async context\"); 003 Step 3 and Gotcha",
    notes=(
        "A nested `def` or `lambda` inside a coroutine is not async context (it may run in a "
        "thread, through `to_thread`), so a loop started there is not reported.",
        "A `.run_until_complete` receiver counts as an event loop when it was made by "
        "`get_event_loop/get_running_loop/new_event_loop`, is annotated as a loop, or is spelled "
        "`loop`, `_loop`, `event_loop` or `*_loop`.",
    ),
    references=(RUNNER_DOC + "#asyncio.run", EVENTLOOP_DOC + "#asyncio.loop.run_until_complete"),
)

MANUAL_EVENT_LOOP = declare(
    code="AIO302",
    raises_or_warns=True,
    name="manual-event-loop",
    default=True,
    message="manual event loop: '{call}' on a loop from '{origin}()'; use 'asyncio.run(main())' (or 'asyncio.Runner' on Python 3.11+)",
    summary=(
        "In sync code, `run_until_complete` on a loop that came from `asyncio.new_event_loop()` "
        "or `asyncio.get_event_loop()`, called directly on the result or through a variable."
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
        "import asyncio\n"
        "\n"
        "async def main():\n"
        "    return 1\n"
        "\n"
        "def good_approach():\n"
        "    return asyncio.run(main())\n"
    ),
    seed="002 \"Anti-Patterns to Avoid\" §3 Creating Event Loops Manually; 002 \"Event loop\" (\"AVOID: Manual loop management\")",
    notes=(
        "Only loops whose origin is visible (`new_event_loop()`/`get_event_loop()` called on "
        "the spot or assigned to a local first) are reported; a loop handed in as a parameter or "
        "attribute may be deliberately managed (the seed's \"multiple event loops\" exception).",
        "`get_event_loop()` in sync code is also AIO305, reported at that call.",
    ),
    references=(RUNNER_DOC,),
)

GET_EVENT_LOOP_IN_COROUTINE = declare(
    code="AIO303",
    raises_or_warns=True,
    async_only=True,
    name="get-event-loop-in-coroutine",
    default=True,
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
    seed="003 Step 3 (bridging sync and async); 002 \"Event loop\"",
    references=(EVENTLOOP_DOC + "#asyncio.get_event_loop",),
)

RUN_IN_EXECUTOR_DEFAULT = declare(
    code="AIO304",
    async_only=True,
    name="run-in-executor-default",
    default=False,
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
        "import asyncio\n"
        "\n"
        "async def digest(data, compute):\n"
        "    return await asyncio.to_thread(compute, data)\n"
    ),
    seed="003 Step 3 (\"await loop.run_in_executor(None, fn, *args)\"); 002 \"Running Blocking Code\"",
    notes=(
        "Off by default: `run_in_executor(None, ...)` is correct, only older. With an explicit "
        "executor (a process pool, a dedicated thread pool) it is not reported.",
    ),
    references=("https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread",),
)

DEPRECATED_GET_EVENT_LOOP = declare(
    code="AIO305",
    raises_or_warns=True,
    name="deprecated-get-event-loop",
    default=True,
    message="'{call}' outside a running loop is deprecated (DeprecationWarning on 3.12 and 3.13, RuntimeError on 3.14 when no loop is set); use 'asyncio.run(main())', or create the loop with 'asyncio.new_event_loop()'",
    summary=(
        "`asyncio.get_event_loop()` in sync code that means to drive a loop: at module level "
        "(including `if __name__ == \"__main__\":`) and in a sync function that goes on to call "
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
    use_instead=(
        "import asyncio\n"
        "\n"
        "async def main():\n"
        "    return 1\n"
        "\n"
        "def cli():\n"
        "    asyncio.run(main())\n"
    ),
    seed="002 \"Event loop\" (\"AVOID: Manual loop management (legacy, pre-3.7)\")",
    notes=(
        "Decision 9: other sync functions are not reported (they may be callbacks that run on "
        "the loop, where `get_event_loop()` returns the running loop), nor are nested defs and "
        "lambdas of a coroutine (they usually run on the loop).",
    ),
    references=(EVENTLOOP_DOC + "#asyncio.get_event_loop", "https://github.com/python/cpython/issues/126353"),
)


def _inside_coroutine(scope: C.Scope) -> bool:
    scope = scope.parent
    while scope is not None:
        if scope.kind == C.FUNCTION and scope.is_async_def:
            return True
        scope = scope.parent
    return False


@register
class LoopChecker(Checker):
    """Event loop management: run-in-coroutine, manual loops, get_event_loop, run_in_executor."""

    rules = (RUN_IN_COROUTINE, MANUAL_EVENT_LOOP, GET_EVENT_LOOP_IN_COROUTINE, RUN_IN_EXECUTOR_DEFAULT,
             DEPRECATED_GET_EVENT_LOOP)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.loop_locals: list[tuple[Binding, ast.Call]] = []

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        func = node.func
        qn = ctx.qualified_name(func)
        if qn == K.ASYNCIO_RUN:
            if ctx.in_async:
                ctx.report(node, RUN_IN_COROUTINE, call=describe(node), function=ctx.scope.function.name)
            return
        if qn == K.GET_EVENT_LOOP:
            if ctx.in_async:
                ctx.report(node, GET_EVENT_LOOP_IN_COROUTINE, call=describe(node), function=ctx.scope.function.name)
            else:
                self._sync_get_event_loop(node)
            return
        if not isinstance(func, ast.Attribute):
            return
        attr = func.attr
        receiver = func.value
        if attr in K.LOOP_RUNNERS:
            if ctx.in_async:
                if ctx.is_loop(receiver):
                    ctx.report(node, RUN_IN_COROUTINE, call=describe(node), function=ctx.scope.function.name)
            elif attr == "run_until_complete":
                origin = ctx.origin(receiver)
                if origin in (K.NEW_EVENT_LOOP, K.GET_EVENT_LOOP):
                    ctx.report(node, MANUAL_EVENT_LOOP, call=describe(node), origin=origin)
        elif attr == "run" and ctx.in_async and ctx.kind_of(receiver) == K.RUNNER:
            ctx.report(node, RUN_IN_COROUTINE, call=describe(node), function=ctx.scope.function.name)
        elif attr == "run_in_executor" and ctx.in_async and node.args and len(node.args) >= 2:
            first = node.args[0]
            if isinstance(first, ast.Constant) and first.value is None and ctx.is_loop(receiver):
                ctx.report(node, RUN_IN_EXECUTOR_DEFAULT, call=describe(node), function=describe(node.args[1]))

    def _sync_get_event_loop(self, node: ast.Call) -> None:
        """deprecated-get-event-loop in sync code (decision 9)."""
        ctx = self.ctx
        function = ctx.function
        if function is None:
            ctx.report(node, DEPRECATED_GET_EVENT_LOOP, call=describe(node))
            return
        if function.kind != C.FUNCTION or _inside_coroutine(function):
            return
        parent = ctx.parent()
        if isinstance(parent, ast.Attribute) and parent.attr in K.LOOP_RUNNERS:
            ctx.report(node, DEPRECATED_GET_EVENT_LOOP, call=describe(node))

    def bound(self, binding: Binding) -> None:
        value = binding.value
        if (
            binding.kind == C.ASSIGN
            and isinstance(value, ast.Call)
            and binding.scope.kind == C.FUNCTION
            and not binding.scope.async_context
            and not _inside_coroutine(binding.scope)
            and self.ctx.qualified_name(value.func) == K.GET_EVENT_LOOP
        ):
            self.ctx.watch(binding)
            self.loop_locals.append((binding, value))

    def module_end(self) -> None:
        for binding, call in self.loop_locals:
            for frame in binding.loads:
                parent = frame[1][0]
                if isinstance(parent, ast.Attribute) and parent.attr in K.LOOP_RUNNERS:
                    self.ctx.report(call, DEPRECATED_GET_EVENT_LOOP, call=describe(call))
                    break
