"""Advice on bounding concurrency and time (off by default): unbounded-gather,
client-without-timeout, prefer-asyncio-timeout."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.asyncio import GATHER, TASKGROUP_PYTHON, TIMEOUT_CONTEXTS, WAIT_FOR
from ..knowledge.inference import SPAWN_METHODS, kind_of
from ..knowledge.kinds import Kind
from ..registry import declare
from ..semantic.frames import LOOP_NODES, only_before, within_scope
from ..semantic.scope import BindingKind
from ..semantic.source import ASYNC_CODE
from ..semantic.text import describe, last_segment
from ..settings import PYTHON_VERSION

if TYPE_CHECKING:
    from ..semantic.context import Context

ASYNCIO_TASKS_DOC = "https://docs.python.org/3/library/asyncio-task.html"
SEED_BOUNDS = (
    '002 "Semaphore for rate limiting" and "Timeout Patterns"; 003 Step 2 ("Bound the wait time", "Bound concurrency")'
)
OPEN_CONNECTION = "asyncio.open_connection"
CLIENT_SESSION = "aiohttp.ClientSession"

UNBOUNDED_GATHER = declare(
    code="AIO802",
    name="unbounded-gather",
    default_enabled=False,
    in_test_files=False,
    message=(
        "'{call}' starts one '{function}()' per item at once, with no semaphore bounding them; bound "
        "the concurrency with an 'asyncio.Semaphore' (or a worker pool)"
    ),
    summary=(
        "`asyncio.gather(*[f(x) for x in xs])`, `gather(*(f(x) for x in xs))`, `gather(*map(f, xs))`, "
        "or `gather(*tasks)` over a list built in a loop or a comprehension, when neither the "
        "enclosing function nor `f` (a function or method of the module) acquires a semaphore."
    ),
    why=(
        "gather starts every coroutine at once. Over a list whose size comes from the input -- URLs, "
        "rows, files -- that is thousands of simultaneous connections or queries: the remote side "
        "rate-limits or refuses, the local pool or file-descriptor limit is exhausted, and memory "
        "grows with the list."
    ),
    example=(
        "import asyncio\n\n"
        "async def fetch(client, url):\n"
        "    return await client.get(url)\n\n"
        "async def fetch_all(client, urls):\n"
        "    return await asyncio.gather(*[fetch(client, url) for url in urls])\n"
    ),
    use_instead=(
        "import asyncio\n\n"
        "limit = asyncio.Semaphore(20)\n\n"
        "async def fetch(client, url):\n"
        "    async with limit:\n"
        "        return await client.get(url)\n\n"
        "async def fetch_all(client, urls):\n"
        "    return await asyncio.gather(*[fetch(client, url) for url in urls])\n"
    ),
    seed=SEED_BOUNDS,
    peers="none",
    notes=(
        "Off by default: many lists are small and fixed.",
        "Not reported when the gathered coroutine function (same module) or the "
        "enclosing function acquires a semaphore (`async with` on a name or attribute bound to "
        "`asyncio.Semaphore`/`BoundedSemaphore`).",
        "Not reported in test files (`--aio-test-files`).",
        "Reported at the `gather(` call.",
    ),
    references=(ASYNCIO_TASKS_DOC + "#asyncio.gather", "https://docs.python.org/3/library/asyncio-sync.html#semaphore"),
)

CLIENT_WITHOUT_TIMEOUT = declare(
    code="AIO803",
    name="client-without-timeout",
    default_enabled=False,
    in_test_files=False,
    message=(
        "'{call}' has no 'timeout=': aiohttp then lets each request take up to 5 minutes; pass "
        "'timeout=aiohttp.ClientTimeout(total=...)'"
    ),
    variants={
        "connection": (
            "'await {call}' has no timeout: a host that never answers keeps this task waiting; wrap it "
            "in 'async with asyncio.timeout(...)' or 'asyncio.wait_for(...)'"
        ),
    },
    summary=(
        "`aiohttp.ClientSession(...)` made without `timeout=` (aiohttp's default is 5 minutes in "
        "total per request), and `await asyncio.open_connection(...)` outside any `asyncio.timeout`/"
        "`timeout_at` block or `asyncio.wait_for`."
    ),
    why=(
        "A request to a server that accepts the connection and never answers waits for aiohttp's "
        "default total timeout of 300 seconds -- for every request, holding its connection and its "
        "caller. `asyncio.open_connection` has no timeout at all. Timeouts chosen for the call site "
        "keep one slow dependency from stalling the service."
    ),
    example=(
        "import aiohttp\n\n"
        "async def fetch(url):\n"
        "    async with aiohttp.ClientSession() as session, session.get(url) as resp:\n"
        "        return await resp.text()\n"
    ),
    use_instead=(
        "import aiohttp\n\n"
        "async def fetch(url):\n"
        "    timeout = aiohttp.ClientTimeout(total=10)\n"
        "    async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as resp:\n"
        "        return await resp.text()\n"
    ),
    seed=SEED_BOUNDS,
    peers="none",
    notes=(
        "Off by default: a session-wide timeout is a policy choice; per-request `timeout=` on "
        "`session.get(...)` is just as good and is not looked for.",
        "A `ClientSession(**options)` call may pass `timeout` through the mapping: not reported.",
        "Not reported in test files (`--aio-test-files`).",
        "Reported at the call.",
    ),
    references=(
        "https://docs.aiohttp.org/en/stable/client_quickstart.html#timeouts",
        "https://docs.python.org/3/library/asyncio-stream.html#asyncio.open_connection",
    ),
)

PREFER_ASYNCIO_TIMEOUT = declare(
    code="AIO804",
    name="prefer-asyncio-timeout",
    default_enabled=False,
    in_test_files=False,
    min_python=TASKGROUP_PYTHON,
    options=(PYTHON_VERSION,),
    message=(
        "'await asyncio.wait_for({awaited}, {timeout})' can be 'async with asyncio.timeout({timeout}): "
        "await {awaited}' (Python 3.11+); it bounds the wait in the current task, and one deadline can "
        "cover several awaits"
    ),
    summary="`await asyncio.wait_for(aw, timeout)` awaited directly, with a timeout that is not `None`.",
    why=(
        "`asyncio.timeout()` (3.11+) bounds the awaits inside its block in the current task: no extra "
        "task, several awaits under one deadline, and the deadline can be moved (`reschedule`). "
        "`wait_for` has had subtle cancellation races in older Pythons and is implemented on top "
        "of `asyncio.timeout` since 3.12."
    ),
    example="import asyncio\n\nasync def load(fetch):\n    return await asyncio.wait_for(fetch(), 5)\n",
    use_instead=(
        "import asyncio\n\nasync def load(fetch):\n    async with asyncio.timeout(5):\n        return await fetch()\n"
    ),
    seed=SEED_BOUNDS,
    peers="none",
    notes=(
        "Off by default: a modernisation.",
        "Not reported with `--aio-python-version` below 3.11, nor in code that only runs before 3.11 "
        "(`if sys.version_info < (3, 11):`).",
        "`wait_for` handed to `gather`/`create_task` (not awaited directly) is not reported: there it is the task.",
        "Not reported in test files (`--aio-test-files`).",
    ),
    references=(ASYNCIO_TASKS_DOC + "#timeouts",),
)


class BoundsChecker(Checker):
    """unbounded-gather, client-without-timeout, prefer-asyncio-timeout."""

    rules = (UNBOUNDED_GATHER, CLIENT_WITHOUT_TIMEOUT, PREFER_ASYNCIO_TIMEOUT)
    requires = ((ASYNC_CODE, "aiohttp"), ("gather", "ClientSession", "open_connection", "wait_for"))

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.gathers: list[tuple[ast.Call, object, str, str | None]] = []  # call, function, callee, how
        # (function, list name) appended to in a loop -> the callee of what was appended
        self.loop_built: dict[tuple[object, str], str | None] = {}
        self.bounded: set[str] = set()  # names of functions that acquire a semaphore
        self.bounded_scopes: set[object] = set()

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        ctx = self.ctx
        if any(kind_of(ctx, item.context_expr) is Kind.ASYNC_SEMAPHORE for item in node.items):
            function = ctx.function
            self.bounded.add(function.name)
            self.bounded_scopes.add(function)

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "append" and isinstance(func.value, ast.Name):
            if any(True for _ in within_scope(ctx.frame, LOOP_NODES)):
                appended = node.args[0] if node.args else None
                callee = _callee_name(_started(appended) if isinstance(appended, ast.Call) else None)
                self.loop_built.setdefault((ctx.function, func.value.id), callee)
            return
        qualified = ctx.qualified_name(func)
        if qualified == GATHER:
            self._gather(node)
        elif qualified == CLIENT_SESSION:
            if not any(k.arg in ("timeout", None) for k in node.keywords):
                ctx.report(node, CLIENT_WITHOUT_TIMEOUT, call=describe(node))
        elif qualified == OPEN_CONNECTION:
            self._connection(node)
        elif qualified == WAIT_FOR:
            self._wait_for(node)

    def _connection(self, node: ast.Call) -> None:
        ctx = self.ctx
        frame = ctx.frame
        if not isinstance(frame[1][0], ast.Await) or _local_or_connected(node):
            return
        for block, _ in within_scope(frame, (ast.AsyncWith, ast.Call)):
            if isinstance(block, ast.Call):
                if ctx.qualified_name(block.func) == WAIT_FOR:
                    return
            elif any(
                isinstance(i.context_expr, ast.Call) and ctx.qualified_name(i.context_expr.func) in TIMEOUT_CONTEXTS
                for i in block.items
            ):
                return
        ctx.report(node, CLIENT_WITHOUT_TIMEOUT, "connection", call=describe(node))

    def _wait_for(self, node: ast.Call) -> None:
        ctx = self.ctx
        if not isinstance(ctx.frame[1][0], ast.Await) or len(node.args) + len(node.keywords) < 2:
            return
        timeout = (
            node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "timeout"), None)
        )
        awaited = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "fut"), None)
        if timeout is None or awaited is None or (isinstance(timeout, ast.Constant) and timeout.value is None):
            return
        if only_before(ctx.frame, TASKGROUP_PYTHON, ctx.qualified_name):
            return
        ctx.report(node, PREFER_ASYNCIO_TIMEOUT, awaited=ast.unparse(awaited), timeout=ast.unparse(timeout))

    def _gather(self, node: ast.Call) -> None:
        ctx = self.ctx
        for arg in node.args:
            if not isinstance(arg, ast.Starred):
                continue
            value = arg.value
            callee, how = _comprehended_callee(value), None
            is_map = isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "map"
            if callee is None and is_map and value.args:
                callee = value.args[0]
            if callee is None and isinstance(value, ast.Name):
                binding = ctx.lookup(value.id)
                if binding is not None and binding.kind is BindingKind.ASSIGN:
                    callee = _comprehended_callee(binding.value)
                    if callee is None and isinstance(binding.value, ast.List) and not binding.value.elts:
                        how = value.id  # an empty list filled in a loop
            if callee is not None or how is not None:
                self.gathers.append((node, ctx.function, _callee_name(callee), how))

    def module_end(self) -> None:
        for call, function, callee, how in self.gathers:
            if callee in _NO_NEW_WORK:
                continue  # waiting for futures that already exist starts nothing
            if how is not None:
                if (function, how) not in self.loop_built:
                    continue
                callee = self.loop_built[function, how]  # ``tasks.append(fetch(url))``: fetch
            if function in self.bounded_scopes or (callee is not None and callee in self.bounded):
                continue
            self.ctx.report(call, UNBOUNDED_GATHER, call=describe(call), function=callee or "...")


_NO_NEW_WORK = frozenset({"wrap_future", "create_future", "shield"})


_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def _local_or_connected(call: ast.Call) -> bool:
    """``open_connection(sock=connected)`` without TLS has nothing to wait for; a loopback host is
    the program's own server."""
    if _keyword(call, "sock") is not None and _keyword(call, "ssl") is None:
        return True
    host = call.args[0] if call.args else _keyword(call, "host")
    return isinstance(host, ast.Constant) and host.value in _LOOPBACK


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _comprehended_callee(value: ast.AST | None) -> ast.AST | None:
    if isinstance(value, (ast.ListComp, ast.GeneratorExp)) and isinstance(value.elt, ast.Call):
        return _started(value.elt)
    return None


def _started(call: ast.Call) -> ast.AST:
    """The coroutine function a call starts: ``fetch`` for ``fetch(...)``, and for
    ``create_task(fetch(...))``/``ensure_future(fetch(...))`` too."""
    if last_segment(call.func) in SPAWN_METHODS and call.args and isinstance(call.args[0], ast.Call):
        return call.args[0].func
    return call.func


def _callee_name(callee: ast.AST | None) -> str | None:
    if isinstance(callee, ast.Name):
        return callee.id
    if isinstance(callee, ast.Attribute):
        return callee.attr
    return None
