"""AIO1xx: coroutines and tasks."""

from __future__ import annotations

import ast

from .. import context as C
from .. import knowledge as K
from ..context import Binding, Scope, describe, dotted_name, last_segment
from ..engine import Checker, register
from ..registry import declare
from ._util import (
    call_arguments, enclosing_function_node, is_true, keyword_value, names_in, only_before,
    within_scope,
)

ASYNCIO_TASKS_DOC = "https://docs.python.org/3/library/asyncio-task.html"

UNAWAITED_COROUTINE = declare(
    code="AIO101",
    raises_or_warns=True,
    name="unawaited-coroutine",
    default=True,
    message="coroutine '{call}' is never awaited; add 'await' (or schedule it with create_task and keep the task)",
    variants={
        "asyncgen": "async generator '{call}' is never iterated; iterate it with 'async for' (calling it alone runs nothing)",
        "returned": "coroutine '{call}' is returned un-awaited from async function '{function}'; use 'return await' (the caller gets a coroutine, not its result)",
        "stored": "coroutine '{call}' is kept in '{name}' but never awaited; await it, or hand it to create_task/gather",
    },
    summary=(
        "A call that produces a coroutine whose value is thrown away: used as a bare statement "
        "(in sync or async code), returned from an `async def` without `await`, or kept in a "
        "local of a coroutine that is never awaited, passed on or stored. Recognised coroutine "
        "producers: `async def` functions of the same module, `self.m()`/`cls.m()` for async "
        "methods of the enclosing class (and its same-module bases), known library coroutine "
        "functions (`asyncio.sleep`, `wait_for`, `wait`, `to_thread`, `open_connection`, "
        "`create_subprocess_exec/_shell`, ...), and coroutine methods of known async objects: a "
        "known SQLAlchemy session (`commit`, `execute`, `get`, ...), a local aiohttp "
        "`ClientSession` or httpx `AsyncClient` (`get`, `post`, ..., `close`/`aclose`), asyncio "
        "locks, events, queues, streams and event loops. A bare call of a same-module async "
        "generator function is reported as never iterated."
    ),
    why=(
        "Calling a coroutine function only creates a coroutine object; nothing runs until it is "
        "awaited or scheduled. The statement silently does nothing and Python prints "
        "`RuntimeWarning: coroutine ... was never awaited` at garbage collection, far from the "
        "cause. A forgotten `await session.commit()` loses the transaction; a forgotten "
        "`await asyncio.sleep(1)` removes the back-off it was meant to add. Returning the "
        "coroutine from an `async def` hands the caller a coroutine where it expects a value."
    ),
    example=(
        "async def fetch_user(user_id):\n"
        "    ...\n"
        "\n"
        "async def handler(user_id):\n"
        "    fetch_user(user_id)\n"
    ),
    use_instead=(
        "async def fetch_user(user_id):\n"
        "    ...\n"
        "\n"
        "async def handler(user_id):\n"
        "    await fetch_user(user_id)\n"
    ),
    seed="002 \"Anti-Patterns to Avoid\" §1 Not Awaiting Coroutines; 003 Step 2",
    peers=(
        "mypy `unused-coroutine` and pyright `reportUnusedCoroutine` (need type information); "
        "flake8-async ASYNC105 (trio functions only)"
    ),
    notes=(
        "Decision 7: in async context a local bound to a coroutine call is reported when it is "
        "never awaited, passed to a call or stored (attribute, container, other name) -- "
        "`result = fetch(); return result` from an `async def` included, and so is using it as "
        "if it were the result (`result.scalars()`, `rows[0]`); only the coroutine's own "
        "`close`/`send`/`throw`/`cr_*` count as handling it.",
        "Decision 21: `return fetch()` inside an `async def` is reported; returning the "
        "coroutine from a plain `def` hands ownership to the caller and is not.",
        "A same-module `async def` whose decorators are not known to keep it a coroutine function "
        "(`staticmethod`, `classmethod`, `abstractmethod`, `override`, `functools.wraps`) is not "
        "treated as one: decorators such as Celery's `@app.task` change what a call returns.",
        "A name bound both to an `async def` and to something else in the same scope (a sync "
        "fallback under `if`/`else`) is ambiguous and not reported.",
        "Calls of coroutine functions imported from other modules are out of reach without type "
        "information; mypy/pyright cover typed code.",
        "aiohttp request methods (`session.get(...)`, ...) and `aiofiles.open(...)` return "
        "awaitable context managers: a bare call loses them and is reported, but returning one "
        "or keeping it for a later `async with` is fine.",
    ),
    references=(ASYNCIO_TASKS_DOC + "#coroutines",),
)

DANGLING_TASK = declare(
    code="AIO102",
    raises_or_warns=True,
    name="dangling-task",
    default=True,
    message="task from '{call}' is discarded; keep a reference until it finishes (e.g. a set plus add_done_callback(set.discard)) or use asyncio.TaskGroup",
    variants={
        "unused": "task '{name}' from '{call}' is never used again; keep a reference until it finishes (e.g. a set plus add_done_callback(set.discard)) or use asyncio.TaskGroup",
        "gather": "'{call}' is neither awaited nor kept; await it, or its results and exceptions are lost",
    },
    summary=(
        "The Task/Future returned by `asyncio.create_task`, `asyncio.ensure_future` or "
        "`loop.create_task` (on any event loop object), or an un-awaited `asyncio.gather(...)`, "
        "thrown away as a bare statement -- or bound to a function local that is never used "
        "again."
    ),
    why=(
        "The event loop keeps only a weak reference to tasks. A task nobody references can be "
        "garbage-collected before it finishes (\"Task was destroyed but it is pending!\"), and "
        "an exception it raises is never retrieved. A discarded `gather(...)` future loses its "
        "results and exceptions the same way. Seed 000 shows a bare "
        "`asyncio.create_task(...)` as \"correct fire-and-forget\": the asyncio documentation "
        "says otherwise, and so does this rule."
    ),
    example=(
        "import asyncio\n"
        "\n"
        "async def process(result, log_to_external_service):\n"
        "    asyncio.create_task(log_to_external_service(result))\n"
        "    return result\n"
    ),
    use_instead=(
        "import asyncio\n"
        "\n"
        "background_tasks = set()\n"
        "\n"
        "async def process(result, log_to_external_service):\n"
        "    task = asyncio.create_task(log_to_external_service(result))\n"
        "    background_tasks.add(task)\n"
        "    task.add_done_callback(background_tasks.discard)\n"
        "    return result\n"
    ),
    seed="000 \"Background Tasks\" (its fire-and-forget example is the bug); 002 \"Task Coordination\"; 003 Step 4 (\"Detached create_task without a strong reference\")",
    peers="ruff RUF006 (asyncio-dangling-task); flake8-async ASYNC300 (create-task-no-reference)",
    notes=(
        "`tg.create_task(...)` on an `asyncio.TaskGroup` is never reported: the group owns its "
        "tasks. A `.create_task` receiver counts as an event loop when it was made by "
        "`get_event_loop/get_running_loop/new_event_loop`, is annotated as a loop, or is spelled "
        "`loop`, `_loop`, `event_loop` or `*_loop`; other receivers are not reported.",
        "A task stored in a set/list/attribute, returned, awaited, passed to a call or given "
        "`add_done_callback` is kept; any later use of the local (including in a nested "
        "function) counts. Module-level bindings are not locals and are not reported.",
    ),
    references=(ASYNCIO_TASKS_DOC + "#asyncio.create_task",),
)

UNCHECKED_GATHER = declare(
    code="AIO103",
    async_only=True,
    name="unchecked-gather-exceptions",
    default=True,
    message="'{call}' with return_exceptions=True: its results are used in '{function}' but never checked for exceptions; test each with isinstance(result, BaseException)",
    summary=(
        "`asyncio.gather(..., return_exceptions=True)` whose results are used -- iterated, "
        "indexed, unpacked, returned or handed on -- in a function that never checks a value "
        "with `isinstance(x, BaseException/Exception/...Error)`."
    ),
    why=(
        "With `return_exceptions=True` a failed awaitable does not raise: its exception object "
        "takes its place in the result list. Code that uses the results as values then works "
        "on exception objects (`result.json()` on a `TimeoutError`) or silently drops failures."
    ),
    example=(
        "import asyncio\n"
        "\n"
        "async def load_all(fetch, ids):\n"
        "    results = await asyncio.gather(*(fetch(i) for i in ids), return_exceptions=True)\n"
        "    return [r['name'] for r in results]\n"
    ),
    use_instead=(
        "import asyncio\n"
        "\n"
        "async def load_all(fetch, ids):\n"
        "    results = await asyncio.gather(*(fetch(i) for i in ids), return_exceptions=True)\n"
        "    return [r['name'] for r in results if not isinstance(r, BaseException)]\n"
    ),
    seed="002 \"Anti-Patterns to Avoid\" §5 \"Silencing errors in gather()\"; 003 Gotcha on gather",
    notes=(
        "An `isinstance` check against an exception class anywhere in the function (nested "
        "comprehensions, lambdas and defs included) counts as inspecting the results. Passing "
        "the results to a function other than a few builtins that cannot inspect them (`list`, "
        "`zip`, `enumerate`, `sum`, `max`, `print`, ...) is assumed to inspect them.",
        "The cancel-and-drain idiom -- `t.cancel()` for each task, then "
        "`await gather(*tasks, return_exceptions=True)` with the result discarded -- is not "
        "reported: results that are never used need no check.",
    ),
    references=(ASYNCIO_TASKS_DOC + "#asyncio.gather",),
)

PREFER_TASKGROUP = declare(
    code="AIO104",
    async_only=True,
    name="prefer-taskgroup",
    default=False,
    min_python=(3, 11),
    message="'{call}' over tasks made with create_task in '{function}': when one fails the others keep running; use 'async with asyncio.TaskGroup()' (Python 3.11+)",
    summary=(
        "`asyncio.gather` over tasks created with `create_task`/`ensure_future` in the same "
        "function: two or more task locals, a list/comprehension of tasks, or a list filled with "
        "`append(create_task(...))`, gathered with `*tasks`."
    ),
    why=(
        "If one gathered task raises, `gather` propagates the exception but leaves the other "
        "tasks running, unowned: they leak, and their own failures go unnoticed. "
        "`asyncio.TaskGroup` cancels the siblings and reports every failure in an "
        "`ExceptionGroup`."
    ),
    example=(
        "import asyncio\n"
        "\n"
        "async def main(task1, task2):\n"
        "    first = asyncio.create_task(task1())\n"
        "    second = asyncio.create_task(task2())\n"
        "    await asyncio.gather(first, second)\n"
    ),
    use_instead=(
        "import asyncio\n"
        "\n"
        "async def main(task1, task2):\n"
        "    async with asyncio.TaskGroup() as tg:\n"
        "        tg.create_task(task1())\n"
        "        tg.create_task(task2())\n"
    ),
    seed="002 \"Anti-Patterns to Avoid\" §7 Not Using Task Groups; 003 Step 2",
    options=("--aio-python-version",),
    notes=(
        "Off by default: gather is correct when siblings must not be cancelled.",
        "Not reported in code that only runs before 3.11 (`if sys.version_info < (3, 11):` "
        "bodies, the `else` of `>= (3, 11)`), nor at all with `--aio-python-version` below 3.11.",
    ),
    references=(ASYNCIO_TASKS_DOC + "#task-groups",),
)

AWAIT_IN_LOOP = declare(
    code="AIO105",
    async_only=True,
    name="await-in-loop",
    default=False,
    message="'await {call}' in a for loop over '{target}' runs the iterations one at a time; start them together with asyncio.gather or a TaskGroup (bounded by a Semaphore if needed)",
    summary=(
        "An `await` of a call inside a plain `for` loop whose call uses the loop variable (or a "
        "value computed from it in the loop body), when the result does not feed the next "
        "iteration."
    ),
    why=(
        "Each iteration waits for the previous one, so N independent requests take N round "
        "trips instead of about one."
    ),
    example=(
        "async def download_all(client, urls):\n"
        "    pages = []\n"
        "    for url in urls:\n"
        "        pages.append(await client.get(url))\n"
        "    return pages\n"
    ),
    use_instead=(
        "import asyncio\n"
        "\n"
        "async def download_all(client, urls):\n"
        "    return await asyncio.gather(*(client.get(url) for url in urls))\n"
    ),
    seed="000 \"Concurrent vs Sequential Queries\"; 002 \"Concurrent requests with rate limiting\"",
    notes=(
        "Off by default: sequential awaits are sometimes what you want (ordering, back-pressure).",
        "Not reported: `async for` loops; `while` loops; loops containing `break`, `return` or "
        "`raise` (they stop on a result); awaits of `asyncio.sleep` (rate limiting); a result "
        "assigned to a name the call itself reads (`cursor = await fetch(page, cursor)`); "
        "operations whose calls must stay in order, by the called name's prefix -- `put`, "
        "`send`, `write`, `drain`, `flush`, `read`, `recv`, `receive`, `publish`, `emit`, "
        "`ack`, `acquire`, `wait`, `join`, `communicate` (queues, streams, sockets, ASGI "
        "`send`, message brokers, locks).",
        "Comprehensions count as loops: `[await fetch(u) for u in urls]` is reported.",
        "Decision 6: awaits whose receiver is a known session or connection are exempt -- "
        "running those concurrently would be AIO602 -- and so are calls that take a known "
        "session as an argument (`await create_run(session=session, ...)`).",
    ),
)

SEQUENTIAL_AWAITS = declare(
    code="AIO106",
    async_only=True,
    name="sequential-independent-awaits",
    default=False,
    message="{count} independent awaits in a row ('{first}' ... '{last}') run one after another; run them concurrently with asyncio.gather or a TaskGroup",
    summary=(
        "Two or more consecutive `x = await f(...)` statements where no later call reads a name "
        "bound by an earlier one, and the calls do not share a session/connection receiver."
    ),
    why=(
        "Independent awaits in sequence add their latencies; started together they take as long "
        "as the slowest."
    ),
    example=(
        "async def dashboard(user_id, get_user, get_stats):\n"
        "    user = await get_user(user_id)\n"
        "    stats = await get_stats(user_id)\n"
        "    return user, stats\n"
    ),
    use_instead=(
        "import asyncio\n"
        "\n"
        "async def dashboard(user_id, get_user, get_stats):\n"
        "    user, stats = await asyncio.gather(get_user(user_id), get_stats(user_id))\n"
        "    return user, stats\n"
    ),
    seed="000 \"Concurrent vs Sequential Queries\" (the sequential example)",
    notes=(
        "Off by default: the rule cannot see side effects that order two calls.",
        "Two awaits that share an object never form a run: the same receiver "
        "(`await proc.communicate()` then `await proc.wait()`), or one's receiver passed to the "
        "other (`await session.execute(q)` then `await load(session)`), or one known session "
        "passed to both (`await count(session)` then `await page(session)`) -- one AsyncSession "
        "cannot run two statements at once, that would be AIO602. Clients made for concurrent "
        "requests (aiohttp `ClientSession`, httpx `AsyncClient`) are not shared state. "
        "`asyncio.sleep` breaks a run.",
        "Reported on the first statement of the run.",
    ),
)

_TRANSPARENT_BUILTINS = frozenset(
    f"builtins.{name}"
    for name in (
        "list", "tuple", "zip", "enumerate", "iter", "next", "sorted", "reversed", "dict", "set",
        "frozenset", "len", "print", "sum", "min", "max", "any", "all", "str", "repr",
    )
)
# What code may legitimately touch on a coroutine object.
_COROUTINE_ATTRIBUTES = frozenset(
    {
        "close", "send", "throw", "cr_await", "cr_frame", "cr_running", "cr_code", "cr_origin",
        "__await__", "__name__", "__qualname__",
    }
)
_HANDLING_PARENTS = (
    ast.Await, ast.Call, ast.keyword, ast.Starred, ast.Assign, ast.AnnAssign,
    ast.NamedExpr, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Yield, ast.YieldFrom, ast.Lambda,
    ast.Subscript, ast.withitem,
)


def _is_exception_class(expr: ast.AST) -> bool:
    if isinstance(expr, ast.Tuple):
        return any(_is_exception_class(elt) for elt in expr.elts)
    name = expr.id if isinstance(expr, ast.Name) else expr.attr if isinstance(expr, ast.Attribute) else ""
    return name in ("BaseException", "Exception", "CancelledError") or name.endswith(("Error", "Exception", "Exit", "Interrupt", "Group"))


def _preserves_coroutine(ctx, decorator: ast.AST) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ctx.qualified_name(target) in K.COROUTINE_PRESERVING_DECORATORS


class CoroutineSource:
    """Where a call's coroutine comes from: known now (library) or an ``async def`` of this
    module whose body -- generator or not -- is known at module end."""

    __slots__ = ("binding", "known", "bare_only")

    def __init__(self, binding: Binding | None = None, known: bool = False, bare_only: bool = False):
        self.binding = binding
        self.known = known
        self.bare_only = bare_only  # an awaitable context manager: only a bare call loses it

    def kind(self, ctx) -> str | None:
        """'coroutine', 'asyncgen' or None."""
        if self.known:
            return "coroutine"
        binding = self.binding
        node = binding.node
        if binding.kind != C.DEF or binding.conflicting or not isinstance(node, ast.AsyncFunctionDef):
            return None
        if not all(_preserves_coroutine(ctx, d) for d in node.decorator_list):
            return None
        return "asyncgen" if binding.func_scope.has_yield else "coroutine"


def coroutine_source(ctx, call: ast.Call) -> CoroutineSource | None:
    """What a call returns, if it may be a coroutine (unawaited-coroutine)."""
    func = call.func
    if isinstance(func, ast.Name):
        binding = ctx.lookup(func.id)
        if binding is not None and binding.kind == C.DEF:
            return CoroutineSource(binding)
    qn = ctx.qualified_name(func)
    if qn is not None:
        if qn in K.AWAITABLE_CONTEXT_FUNCTIONS:
            return CoroutineSource(known=True, bare_only=True)
        return CoroutineSource(known=True) if qn in K.COROUTINE_FUNCTIONS else None
    if not isinstance(func, ast.Attribute):
        return None
    receiver = func.value
    cls = ctx.instance_class(receiver)
    if cls is None and isinstance(receiver, ast.Name):
        class_binding = ctx.lookup(receiver.id)
        if class_binding is not None and class_binding.kind == C.CLASSDEF:
            cls = class_binding.func_scope
    if cls is not None:
        method = ctx.method_binding(cls, func.attr)
        if method is not None and method.kind == C.DEF:
            return CoroutineSource(method)
        if method is not None:
            return None
    kind = ctx.kind_of(receiver)
    if kind is not None:
        if func.attr in K.AWAITABLE_CONTEXT_METHODS.get(kind, ()):
            return CoroutineSource(known=True, bare_only=True)
        return CoroutineSource(known=True) if func.attr in K.COROUTINE_METHODS.get(kind, ()) else None
    if func.attr in K.COROUTINE_METHODS[K.ASYNC_SESSION] and ctx.is_async_session(receiver):
        return CoroutineSource(known=True)
    return None


def is_task_call(ctx, call: ast.Call) -> bool:
    """``asyncio.create_task/ensure_future(...)`` or ``<loop>.create_task(...)``."""
    if ctx.qualified_name(call.func) in K.TASK_FACTORIES:
        return True
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in ("create_task", "ensure_future")
        and ctx.kind_of(func.value) != K.TASK_GROUP
        and ctx.is_loop(func.value)
    )


@register
class CoroutineChecker(Checker):
    """unawaited-coroutine."""

    rules = (UNAWAITED_COROUTINE,)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.pending: list[tuple[ast.Call, CoroutineSource, str | None, dict]] = []

    def visit_Expr(self, node: ast.Expr) -> None:
        call = node.value
        if isinstance(call, ast.Call):
            source = coroutine_source(self.ctx, call)
            if source is not None:
                self.pending.append((call, source, None, {}))

    def visit_Return(self, node: ast.Return) -> None:
        ctx = self.ctx
        call = node.value
        if isinstance(call, ast.Call) and ctx.in_async:
            source = coroutine_source(ctx, call)
            if source is not None and not source.bare_only:
                self.pending.append((call, source, "returned", {"function": ctx.scope.function.name}))

    def bound(self, binding: Binding) -> None:
        ctx = self.ctx
        call = binding.value
        if (
            binding.kind == C.ASSIGN
            and isinstance(call, ast.Call)
            and isinstance(binding.node, ast.Name)
            and binding.scope.kind == C.FUNCTION
            and binding.scope.async_context
        ):
            source = coroutine_source(ctx, call)
            if source is not None and not source.bare_only:
                ctx.watch(binding)
                self.pending.append((call, source, "stored", {"name": binding.name, "binding": binding}))

    def module_end(self) -> None:
        ctx = self.ctx
        for call, source, variant, extra in self.pending:
            kind = source.kind(ctx)
            if kind is None:
                continue
            fields = {"call": describe(call)}
            if variant == "stored":
                binding = extra["binding"]
                if kind == "asyncgen" or any(self._handles(frame) for frame in binding.loads):
                    continue
                fields["name"] = extra["name"]
            elif variant == "returned":
                if kind == "asyncgen":
                    continue  # returning an async generator object hands it to the caller
                fields["function"] = extra["function"]
            elif kind == "asyncgen":
                variant = "asyncgen"
            ctx.report(call, UNAWAITED_COROUTINE, variant, **fields)

    @staticmethod
    def _handles(frame) -> bool:
        """Whether a load of the coroutine local awaits it, passes it on or stores it.  Using it
        as if it were the result (``result.scalars()``, ``rows[0]``) is the bug, not a use."""
        node, parent = frame[0], frame[1][0]
        if isinstance(parent, ast.Return):
            return not isinstance(enclosing_function_node(frame), ast.AsyncFunctionDef)
        if isinstance(parent, ast.Attribute):
            return parent.attr in _COROUTINE_ATTRIBUTES
        if isinstance(parent, ast.Call) and node is parent.func:
            return False
        if isinstance(parent, ast.Subscript) and node is parent.value:
            return False
        return isinstance(parent, _HANDLING_PARENTS)


@register
class TaskChecker(Checker):
    """dangling-task, unchecked-gather-exceptions, prefer-taskgroup."""

    rules = (DANGLING_TASK, UNCHECKED_GATHER, PREFER_TASKGROUP)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.unused_candidates: list[tuple[Binding, ast.Call]] = []
        self.gathers: list[tuple[ast.Call, Scope, object, Binding | None]] = []
        self.checked_functions: set[int] = set()
        self.task_lists: set[int] = set()  # id() of bindings of lists that received tasks
        self.awaited_gathers: dict[int, int] = {}  # id(Await node) -> index in self.gathers
        self.want_104 = ctx.enabled(PREFER_TASKGROUP)

    # --- dangling-task -----------------------------------------------------------------------
    def visit_Expr(self, node: ast.Expr) -> None:
        call = node.value
        if not isinstance(call, ast.Call):
            return
        ctx = self.ctx
        if is_task_call(ctx, call):
            ctx.report(call, DANGLING_TASK, call=describe(call))
        elif ctx.qualified_name(call.func) == K.GATHER:
            ctx.report(call, DANGLING_TASK, "gather", call=describe(call))

    def bound(self, binding: Binding) -> None:
        call = binding.value
        if binding.kind == C.ASSIGN and isinstance(call, ast.Await) and id(call) in self.awaited_gathers:
            index = self.awaited_gathers.pop(id(call))
            gather, function, usage, _ = self.gathers[index]
            self.ctx.watch(binding)
            self.gathers[index] = (gather, function, usage, binding)
            return
        if (
            binding.kind == C.ASSIGN
            and isinstance(call, ast.Call)
            and isinstance(binding.node, ast.Name)
            and binding.scope.kind == C.FUNCTION
            and is_task_call(self.ctx, call)
        ):
            self.ctx.watch(binding)
            self.unused_candidates.append((binding, call))

    # --- unchecked-gather-exceptions / prefer-taskgroup -----------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        qn = ctx.qualified_name(node.func)
        if qn == "builtins.isinstance" and len(node.args) == 2 and _is_exception_class(node.args[1]):
            scope = ctx.scope
            while scope is not None:
                self.checked_functions.add(id(scope.function))
                scope = scope.parent
            return
        func = node.func
        if self.want_104 and isinstance(func, ast.Attribute) and func.attr in ("append", "add") \
                and isinstance(func.value, ast.Name) and len(node.args) == 1 \
                and isinstance(node.args[0], ast.Call) and is_task_call(ctx, node.args[0]):
            binding = ctx.lookup(func.value.id)
            if binding is not None:
                self.task_lists.add(id(binding))
            return
        if qn != K.GATHER or not ctx.in_async:
            return
        function = ctx.scope.function
        if is_true(keyword_value(node, "return_exceptions")):
            usage = self._gather_usage(ctx.frame)
            if usage is not None:
                if isinstance(usage, tuple):
                    self.awaited_gathers[usage[1]] = len(self.gathers)
                self.gathers.append((node, function, usage, None))
        if self.want_104 and self._gathers_tasks(node, function) \
                and not only_before(ctx.frame, (3, 11), ctx.qualified_name):
            ctx.report(node, PREFER_TASKGROUP, call=describe(node), function=function.name)

    def _gather_usage(self, frame):
        """How the gathered results are used: True (used), a watched Binding (decide at the
        end), or None (discarded / unknown)."""
        ctx = self.ctx
        parent_frame = frame[1]
        parent = parent_frame[0]
        if isinstance(parent, ast.Call) and ctx.qualified_name(parent.func) in ("asyncio.wait_for", "asyncio.shield"):
            frame, parent_frame = parent_frame, parent_frame[1]
            parent = parent_frame[0]
        if not isinstance(parent, ast.Await):
            return None
        holder = parent_frame[1][0]
        if isinstance(holder, ast.Expr):
            return None
        if isinstance(holder, (ast.Assign, ast.AnnAssign)):
            targets = holder.targets if isinstance(holder, ast.Assign) else [holder.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name):
                return ("binding", id(parent))  # resolved when the name is bound
            return True
        if isinstance(holder, ast.Call):
            qn = ctx.qualified_name(holder.func)
            return True if qn in _TRANSPARENT_BUILTINS else None
        return True

    def _gathers_tasks(self, call: ast.Call, function: Scope) -> bool:
        ctx = self.ctx
        tasks = 0
        for arg in call.args:
            if isinstance(arg, ast.Starred):
                if self._is_task_collection(arg.value, function):
                    tasks += 2
                    continue
                return False
            if isinstance(arg, ast.Call) and is_task_call(ctx, arg):
                tasks += 1
                continue
            binding = ctx.binding_of(arg)
            if (
                binding is not None and binding.kind == C.ASSIGN and binding.scope.function is function
                and isinstance(binding.value, ast.Call) and is_task_call(ctx, binding.value)
            ):
                tasks += 1
                continue
            return False
        return tasks >= 2

    def _is_task_collection(self, expr: ast.AST, function: Scope) -> bool:
        ctx = self.ctx
        if isinstance(expr, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return isinstance(expr.elt, ast.Call) and is_task_call(ctx, expr.elt)
        if isinstance(expr, (ast.List, ast.Tuple)):
            return bool(expr.elts) and all(isinstance(e, ast.Call) and is_task_call(ctx, e) for e in expr.elts)
        binding = ctx.binding_of(expr)
        if binding is None or binding.scope.function is not function:
            return False
        if id(binding) in self.task_lists:
            return True
        return binding.kind == C.ASSIGN and binding.value is not None and self._is_task_collection(binding.value, function)

    def module_end(self) -> None:
        ctx = self.ctx
        for binding, call in self.unused_candidates:
            if not binding.loads:
                ctx.report(call, DANGLING_TASK, "unused", name=binding.name, call=describe(call))
        for call, function, usage, binding in self.gathers:
            if id(function) in self.checked_functions:
                continue
            if isinstance(usage, tuple):
                if binding is None or not binding.loads or not self._results_used(binding):
                    continue
            ctx.report(call, UNCHECKED_GATHER, call=describe(call), function=function.name)

    def _results_used(self, binding: Binding) -> bool:
        """Every load must be a use that does not hand the results to unknown code."""
        ctx = self.ctx
        used = False
        for frame in binding.loads:
            parent = frame[1][0]
            if isinstance(parent, ast.Call) and frame[0] is not parent.func:
                if ctx.qualified_name(parent.func) not in _TRANSPARENT_BUILTINS:
                    return False  # passed to code that may inspect them
            used = True
        return used


_ORDERED_KINDS = K.SERIAL_DB_KINDS | frozenset(
    {
        K.ASYNC_LOCK, K.ASYNC_SEMAPHORE, K.ASYNC_CONDITION, K.ASYNC_EVENT, K.ASYNC_QUEUE,
        K.ASYNC_BARRIER, K.STREAM_READER, K.STREAM_WRITER,
    }
)
_LOOP_NODES = (ast.For, ast.AsyncFor, ast.While)
_COMPREHENSION_NODES = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


class _AwaitShape:
    """What one ``x = await f(...)`` statement binds, reads, and which objects it works on."""

    __slots__ = ("targets", "reads", "call", "receivers", "arguments", "sessions")

    def __init__(self, ctx, target: ast.AST, call: ast.Call):
        self.targets = names_in(target)
        self.reads = names_in(call)
        self.call = call
        self.receivers: set[str] = set()
        self.sessions: set[str] = set()
        func = call.func
        # A client made for concurrent requests is no shared state (aiohttp/httpx), nor a module.
        if isinstance(func, ast.Attribute) and ctx.kind_of(func.value) not in K.CONCURRENT_CLIENT_KINDS:
            receiver = dotted_name(func.value)
            if receiver is not None and not self._is_module(ctx, func.value):
                self.receivers.add(receiver)
        self.arguments: set[str] = set()
        for arg in call_arguments(call):
            spelled = dotted_name(arg)
            if spelled:
                self.arguments.add(spelled)
                if ctx.db_receiver(arg):
                    self.sessions.add(spelled)

    @staticmethod
    def _is_module(ctx, expr: ast.AST) -> bool:
        while isinstance(expr, ast.Attribute):
            expr = expr.value
        binding = ctx.binding_of(expr)
        return binding is not None and binding.kind == C.IMPORT

    def depends_on(self, earlier: _AwaitShape) -> bool:
        """Reads a name the earlier one bound, or shares an object with it: one's receiver is
        the other's receiver or argument (``await _enqueue(queue)`` then ``await queue.get()``;
        ``await session.execute(q)`` then ``await load(session)``)."""
        if self.reads & earlier.targets or self.sessions & earlier.sessions:
            return True
        for mine in self.receivers:
            if any(_related(mine, other) for other in earlier.receivers | earlier.arguments):
                return True
        return any(_related(theirs, other) for theirs in earlier.receivers for other in self.arguments)


def _related(first: str | None, second: str) -> bool:
    """Same object, or one is part of the other (``proc.stdout`` and ``proc``)."""
    return first is not None and (
        first == second or first.startswith(second + ".") or second.startswith(first + ".")
    )


def _serial_receiver(ctx, call: ast.Call) -> str | None:
    """The spelling of ``call``'s receiver when it is an object whose operations must stay in
    order: a known session/connection, or an asyncio primitive/stream (decision 6)."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    receiver = func.value
    if ctx.kind_of(receiver) in _ORDERED_KINDS or ctx.is_async_session(receiver):
        return describe(receiver)
    return None


def _is_sleep(ctx, call: ast.Call) -> bool:
    return ctx.qualified_name(call.func) == "asyncio.sleep"


@register
class AwaitInLoopChecker(Checker):
    """await-in-loop."""

    rules = (AWAIT_IN_LOOP,)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.candidates: dict[int, list[tuple[ast.Call, ast.For]]] = {}
        self.stopping: set[int] = set()  # loops left by break/return
        self.loop_names: dict[int, set[str]] = {}

    def _names_of(self, loop: ast.For) -> set[str]:
        names = self.loop_names.get(id(loop))
        if names is None:
            names = self.loop_names[id(loop)] = names_in(loop.target)
        return names

    @staticmethod
    def _enclosing_loops(frame):
        """Loops (comprehensions included) around ``frame`` within its function, innermost
        first, with the child on the path (to tell the loop body from its ``iter``)."""
        return within_scope(frame, _LOOP_NODES + _COMPREHENSION_NODES)

    def bound(self, binding: Binding) -> None:
        """Names computed from the loop variable inside the loop body count as loop values."""
        ctx = self.ctx
        if binding.kind != C.ASSIGN or binding.value is None or not ctx.in_async or binding.frame is None:
            return
        for loop, child in self._enclosing_loops(binding.frame):
            if isinstance(loop, ast.For) and child is not loop.iter:
                names = self._names_of(loop)
                if names & names_in(binding.value):
                    names.add(binding.name)
            return

    def visit_Await(self, node: ast.Await) -> None:
        ctx = self.ctx
        call = node.value
        if not ctx.in_async or not isinstance(call, ast.Call) or _is_sleep(ctx, call):
            return
        if _serial_receiver(ctx, call) is not None or any(ctx.db_receiver(a) for a in call_arguments(call)):
            return
        called = last_segment(call.func)
        if called is not None and K.is_ordered_operation(called):
            return
        for loop, child in self._enclosing_loops(ctx.frame):
            if isinstance(loop, ast.For):
                if child is loop.iter:
                    return
                reads = names_in(call)
                if not (reads & self._names_of(loop)) or self._feeds_next_iteration(ctx.frame, reads):
                    return
                self.candidates.setdefault(id(loop), []).append((call, loop))
            elif isinstance(loop, _COMPREHENSION_NODES):
                generators = loop.generators
                if child in generators or any(g.is_async for g in generators):
                    return
                targets: set[str] = set()
                for generator in generators:
                    targets |= names_in(generator.target)
                if names_in(call) & targets:
                    ctx.report(call, AWAIT_IN_LOOP, call=describe(call), target=describe(generators[0].iter))
            return

    @staticmethod
    def _feeds_next_iteration(frame, reads: set[str]) -> bool:
        """``cursor = await fetch(cursor)``: the result is an input of the next call."""
        holder = frame[1][0]
        if isinstance(holder, ast.Assign):
            targets: set[str] = set()
            for target in holder.targets:
                targets |= names_in(target)
            return bool(targets & reads)
        if isinstance(holder, (ast.AugAssign, ast.AnnAssign)):
            return bool(names_in(holder.target) & reads)
        return False

    def visit_Break(self, node: ast.Break) -> None:
        for loop, _ in self._enclosing_loops(self.ctx.frame):
            if isinstance(loop, _LOOP_NODES):
                self.stopping.add(id(loop))
                return

    def visit_Return(self, node: ast.Return) -> None:
        for loop, _ in self._enclosing_loops(self.ctx.frame):
            self.stopping.add(id(loop))

    visit_Raise = visit_Return

    def leave_For(self, node: ast.For) -> None:
        candidates = self.candidates.pop(id(node), ())
        if id(node) in self.stopping:
            return
        for call, loop in candidates:
            self.ctx.report(call, AWAIT_IN_LOOP, call=describe(call), target=describe(loop.iter))


@register
class SequentialAwaitsChecker(Checker):
    """sequential-independent-awaits: statement lists are read where they stand, each once."""

    rules = (SEQUENTIAL_AWAITS,)

    def function_end(self, scope: Scope) -> None:
        if scope.is_async_def:
            self._scan(scope.node.body)

    def _visit_lists(self, node) -> None:
        if self.ctx.in_async:
            for field in ("body", "orelse", "finalbody"):
                statements = getattr(node, field, None)
                if isinstance(statements, list):
                    self._scan(statements)

    visit_If = visit_For = visit_AsyncFor = visit_While = visit_With = visit_AsyncWith = _visit_lists
    visit_Try = visit_TryStar = visit_ExceptHandler = visit_match_case = _visit_lists

    def _candidate(self, stmt: ast.stmt):
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target = stmt.targets[0]
        elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
            target = stmt.target
        else:
            return None
        await_node = stmt.value
        if not isinstance(await_node, ast.Await) or not isinstance(await_node.value, ast.Call):
            return None
        if not isinstance(target, (ast.Name, ast.Tuple, ast.List)):
            return None
        call = await_node.value
        if _is_sleep(self.ctx, call):
            return None
        return _AwaitShape(self.ctx, target, call)

    def _scan(self, statements: list) -> None:
        run: list[tuple[ast.stmt, _AwaitShape]] = []
        for stmt in statements:
            shape = self._candidate(stmt)
            if shape is None or any(shape.depends_on(earlier) for _, earlier in run):
                self._flush(run)
                run = []
            if shape is not None:
                run.append((stmt, shape))
        self._flush(run)

    def _flush(self, run: list) -> None:
        if len(run) >= 2:
            first, last = run[0], run[-1]
            self.ctx.report(
                first[0], SEQUENTIAL_AWAITS, count=str(len(run)),
                first="await " + describe(first[1].call), last="await " + describe(last[1].call),
            )
