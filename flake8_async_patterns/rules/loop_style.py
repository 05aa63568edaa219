"""Modernisation: hand-rolled loops, get_event_loop in coroutines, run_in_executor(None, ...)
(manual-event-loop, get-event-loop-in-coroutine, run-in-executor-default)."""

from __future__ import annotations

import ast

from ..checker import Checker
from ..knowledge.asyncio import GET_EVENT_LOOP, NEW_EVENT_LOOP
from ..knowledge.inference import is_loop
from ..registry import declare
from ..semantic.text import describe

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
        "import asyncio\n\nasync def main():\n    return 1\n\ndef good_approach():\n    return asyncio.run(main())\n"
    ),
    seed=(
        '002 "Anti-Patterns to Avoid" §3 Creating Event Loops Manually; 002 "Event loop" ("AVOID: Manual loop '
        'management")'
    ),
    notes=(
        "Only loops whose origin is visible (`new_event_loop()`/`get_event_loop()` called on "
        "the spot or assigned to a local first) are reported; a loop handed in as a parameter or "
        'attribute may be deliberately managed (the seed\'s "multiple event loops" exception).',
        "`get_event_loop()` in sync code is also AIO305, reported at that call.",
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
            origin = ctx.origin(func.value)
            if origin in (NEW_EVENT_LOOP, GET_EVENT_LOOP):
                ctx.report(node, MANUAL_EVENT_LOOP, call=describe(node), origin=origin)
        elif func.attr == "run_in_executor" and ctx.in_async and len(node.args) >= 2:
            first = node.args[0]
            if isinstance(first, ast.Constant) and first.value is None and is_loop(ctx, func.value):
                ctx.report(node, RUN_IN_EXECUTOR_DEFAULT, call=describe(node), function=describe(node.args[1]))
