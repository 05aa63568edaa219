"""Cancel-scope rules: timeout-without-await, yield-in-cancel-scope.

``asyncio.timeout()``/``timeout_at()`` and ``asyncio.TaskGroup`` act by cancelling the task that
runs their block, and a cancellation can only land at an await point.  A timeout block without
one can never fire (timeout-without-await); a ``yield`` inside one, in an async generator, hands
the block's cancellation to whichever code the consumer is running when it fires
(yield-in-cancel-scope).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.asyncio import ASYNC_CONTEXT_MANAGER
from ..knowledge.inference import kind_of
from ..knowledge.kinds import Kind
from ..knowledge.testing import FIXTURE_DECORATORS
from ..registry import declare
from ..semantic.frames import AWAIT_NODES, await_points_in, in_statement_list, within_scope
from ..semantic.source import ASYNC_CODE
from ..semantic.text import decorator_target, describe

if TYPE_CHECKING:
    from ..semantic.context import Context

TIMEOUTS_DOC = "https://docs.python.org/3/library/asyncio-task.html#timeouts"
TASK_GROUPS_DOC = "https://docs.python.org/3/library/asyncio-task.html#task-groups"
SEED_TIMEOUTS = '002 "Timeouts" (asyncio.timeout around awaited work); 003 Step 4 (timeouts on every await)'

TIMEOUT_WITHOUT_AWAIT = declare(
    code="AIO404",
    name="timeout-without-await",
    default_enabled=True,
    message=(
        "'{call}' guards a block with no await in it: a timeout cancels the task at an await point, "
        "so this one can never fire; put the awaited work inside the block, or drop the timeout"
    ),
    summary=(
        "`async with asyncio.timeout(...)` or `asyncio.timeout_at(...)` (any import spelling, or a "
        "name bound to one) whose body has no await point: no `await`, `async for`, `async with`, "
        "async comprehension or `yield` of its own."
    ),
    why=(
        "An asyncio timeout does not interrupt running code: when the deadline passes it cancels "
        "the task, and the cancellation is delivered at the task's next await. A block that never "
        "awaits runs to its end however long it takes, and the timeout is silently useless -- "
        "usually a sign that the awaited call was moved out of the block, or that the block was "
        "meant to bound blocking work, which a timeout cannot do (run that in a thread)."
    ),
    example=(
        "import asyncio\n\nasync def fetch(client, url):\n"
        "    request = client.build_request('GET', url)\n"
        "    async with asyncio.timeout(5):\n"
        "        response = client.send(request)  # forgot the await: a coroutine, never run here\n"
        "    return await response\n"
    ),
    use_instead=(
        "import asyncio\n\nasync def fetch(client, url):\n"
        "    request = client.build_request('GET', url)\n"
        "    async with asyncio.timeout(5):\n"
        "        return await client.send(request)\n"
    ),
    seed=SEED_TIMEOUTS,
    peers="ruff ASYNC100 (cancel-scope-no-checkpoint); flake8-async ASYNC100 -- for asyncio's timeouts",
    notes=(
        "An await point in the `async with` items after the timeout (`async with asyncio.timeout(5), "
        "lock:`) is inside the timeout and counts.",
        "A timeout bound with `as` (`async with asyncio.timeout(10) as cm:`) is not reported: the code "
        "works with the timeout object itself -- `cm.reschedule()`, `cm.expired()`, tests of the API.",
        "Awaits in a nested `def`, `async def` or `lambda` do not count: they run when that function "
        "is called, not in the block.",
        "A `yield` in the block counts as a suspension (the timeout can fire while the generator is "
        "suspended); that case is yield-in-cancel-scope's instead.",
        "Reported in test files: a test whose timeout cannot fire does not test what it says.",
        "Reported at the `async with`.",
    ),
    references=(TIMEOUTS_DOC,),
)
YIELD_IN_CANCEL_SCOPE = declare(
    code="AIO405",
    name="yield-in-cancel-scope",
    default_enabled=True,
    message=(
        "'yield' inside '{scope}' in async generator '{function}': while the generator is suspended "
        "there, the timeout cancels whatever the consumer is awaiting, not this block; yield outside "
        "the block, or make '{function}' an @asynccontextmanager"
    ),
    variants={
        "task_group": (
            "'yield' inside '{scope}' in async generator '{function}': a failing child task makes the "
            "TaskGroup cancel whatever the consumer is awaiting while the generator is suspended "
            "there; yield outside the block, or make '{function}' an @asynccontextmanager"
        ),
    },
    summary=(
        "A `yield` inside `async with asyncio.timeout(...)`/`asyncio.timeout_at(...)` or `async with "
        "asyncio.TaskGroup()` in an async generator (an `async def` that yields)."
    ),
    why=(
        "A timeout or task group cancels the *task* running its block. While an async generator is "
        "suspended at a `yield`, that task is running the consumer's code: a deadline that passes, or "
        "a child task that fails, delivers `CancelledError` into the consumer's `await` -- code that "
        "did not ask for the timeout. The timeout's own exit never runs there, so no `TimeoutError` "
        "appears: the consumer's task simply ends cancelled, the generator's `except TimeoutError` never "
        "sees anything, and a failing TaskGroup child's exception stays hidden until the generator is "
        "closed (witnessed in tests/test_witness_yield_in_cancel_scope.py). PEP 789 describes the failure."
    ),
    example=(
        "import asyncio\n\nasync def rows(cursor):\n"
        "    async with asyncio.timeout(10):\n"
        "        async for row in cursor:\n"
        "            yield row\n"
    ),
    use_instead=(
        "import asyncio\n\nasync def rows(cursor):\n"
        "    async for row in cursor:\n"
        "        async with asyncio.timeout(10):\n"
        "            row = await anext_row(row)\n"
        "        yield row\n\n"
        "# or bound each step in the consumer:  async with asyncio.timeout(10): row = await anext(it)\n"
    ),
    seed='002 "Timeouts" and "Structured Concurrency" (TaskGroup)',
    peers="flake8-async ASYNC119 (yield-in-cm-in-async-gen) and ASYNC101 (yield-in-cancel-scope, trio/anyio)",
    notes=(
        "Not reported in an `@asynccontextmanager` (any import spelling) or a pytest / "
        "pytest-asyncio fixture: there the single `yield` hands control to the `with` body or the "
        "test, which is meant to run inside the scope.",
        "A `yield` in a nested function is that function's; only the generator's own block counts.",
        "Only timeouts and task groups: a `yield` inside another context manager (a lock, a session, "
        "`contextlib.aclosing`) is not reported -- those do not cancel anything. flake8-async/ruff ASYNC119 "
        "report a yield in any context manager, which includes FastAPI's idiomatic `async with "
        "factory() as session: yield session` dependencies (see benchmarks/peer-parity.md).",
        "Reported in test files: the misdirected cancellation breaks tests as it breaks code.",
        "Reported at the `yield`.",
    ),
    references=(TIMEOUTS_DOC, TASK_GROUPS_DOC, "https://peps.python.org/pep-0789/"),
)

_SCOPE_KINDS = (Kind.ASYNC_TIMEOUT, Kind.TASK_GROUP)
_EXEMPT_DECORATORS = frozenset({ASYNC_CONTEXT_MANAGER, *FIXTURE_DECORATORS})


class _Block:
    """An ``async with`` timeout being walked: the await points seen when its body started."""

    __slots__ = ("node", "start", "timeout")

    def __init__(self, node: ast.AsyncWith, timeout: ast.AST, start: int) -> None:
        self.node, self.timeout, self.start = node, timeout, start


class CancelScopeChecker(Checker):
    rules = (TIMEOUT_WITHOUT_AWAIT, YIELD_IN_CANCEL_SCOPE)
    requires = ((ASYNC_CODE,), ("timeout", "TaskGroup"))

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.blocks: dict[ast.AsyncWith, _Block] = {}
        self.suspensions = 0  # yields (the engine counts awaits and async comprehensions)
        self.exempt: dict[ast.AST, bool] = {}  # generator function -> decorated as exempt

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        items = node.items
        last = items[-1].context_expr  # a timeout before another item has that item's entry inside it
        if items[-1].optional_vars is None and kind_of(self.ctx, last) is Kind.ASYNC_TIMEOUT:
            # The engine has counted this statement; the items' own await points, walked next, run
            # before the timeout starts.
            before = sum(_suspensions(item.context_expr) for item in items)
            self.blocks[node] = _Block(node, last, self._points() + before)

    def leave_AsyncWith(self, node: ast.AsyncWith) -> None:
        block = self.blocks.pop(node, None)
        if block is not None and self._points() == block.start:
            self.ctx.report(node, TIMEOUT_WITHOUT_AWAIT, call=describe(block.timeout))

    def visit_Yield(self, node: ast.Yield) -> None:
        self.suspensions += 1
        ctx = self.ctx
        function = ctx.scope
        if not function.is_async_def or self._exempt(function.node):
            return
        for block, child in within_scope(ctx.frame, (ast.AsyncWith,)):
            if not in_statement_list(child, block.body):
                continue
            for item in block.items:
                kind = kind_of(ctx, item.context_expr)
                if kind in _SCOPE_KINDS:
                    variant = "task_group" if kind is Kind.TASK_GROUP else None
                    ctx.report(
                        node, YIELD_IN_CANCEL_SCOPE, variant, scope=describe(item.context_expr), function=function.name
                    )
                    return

    def _points(self) -> int:
        return self.ctx.await_points + self.suspensions

    def _exempt(self, function: ast.AsyncFunctionDef) -> bool:
        found = self.exempt.get(function)
        if found is None:
            qualified = self.ctx.qualified_name
            found = self.exempt[function] = any(
                qualified(decorator_target(d)) in _EXEMPT_DECORATORS for d in function.decorator_list
            )
        return found


def _suspensions(expr: ast.AST) -> int:
    """The await points and yields in a ``with`` item's expression, as the engine and this checker
    count them (a small subtree, walked only for timeouts)."""
    return sum(1 for _ in await_points_in(expr, _SUSPENDING_NODES))


_SUSPENDING_NODES = (*AWAIT_NODES, ast.Yield)
