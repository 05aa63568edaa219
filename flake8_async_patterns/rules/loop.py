"""Event loops driven from the wrong place (asyncio-run-in-coroutine, deprecated-get-event-loop)."""

from __future__ import annotations

import ast

from ..checker import Checker
from ..knowledge.asyncio import ASYNCIO_RUN, GET_EVENT_LOOP, LOOP_RUNNERS
from ..knowledge.inference import is_loop, kind_of
from ..knowledge.kinds import Kind
from ..registry import declare
from ..semantic.frames import parent_of
from ..semantic.scope import Binding, BindingKind, ScopeKind
from ..semantic.source import ASYNC_CODE
from ..semantic.text import describe

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
    ),
    references=(EVENTLOOP_DOC + "#asyncio.get_event_loop", "https://github.com/python/cpython/issues/126353"),
)


class LoopChecker(Checker):
    """asyncio-run-in-coroutine and deprecated-get-event-loop."""

    rules = (RUN_IN_COROUTINE, DEPRECATED_GET_EVENT_LOOP)
    requires = ((ASYNC_CODE, "get_event_loop"),)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.loop_locals: list[tuple[Binding, ast.Call]] = []

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        func = node.func
        qn = ctx.qualified_name(func)
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
        if function is ctx.module:  # module level, module-level class bodies
            ctx.report(node, DEPRECATED_GET_EVENT_LOOP, call=describe(node))
            return
        if function.kind is not ScopeKind.FUNCTION or function.inside_coroutine():
            return
        parent = ctx.parent()
        if isinstance(parent, ast.Attribute) and parent.attr in LOOP_RUNNERS:
            ctx.report(node, DEPRECATED_GET_EVENT_LOOP, call=describe(node))

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
            for frame in binding.loads:
                parent = parent_of(frame)
                if isinstance(parent, ast.Attribute) and parent.attr in LOOP_RUNNERS:
                    self.ctx.report(call, DEPRECATED_GET_EVENT_LOOP, call=describe(call))
                    break
