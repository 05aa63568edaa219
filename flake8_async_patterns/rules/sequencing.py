"""Advice: awaits that run one after another but need not (await-in-loop,
sequential-independent-awaits; both off by default)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.asyncio import ORDERED_KINDS, SLEEP, is_ordered_operation, taskgroup_variant
from ..knowledge.http import CONCURRENT_CLIENT_KINDS
from ..knowledge.inference import kind_of
from ..knowledge.sqlalchemy import db_receiver, is_async_session
from ..registry import declare
from ..semantic.context import Context
from ..semantic.frames import COMPREHENSION_NODES, LOOP_NODES, parent_of, statement_lists, within_scope
from ..semantic.scope import Binding, BindingKind, Scope
from ..semantic.source import ASYNC_CODE
from ..semantic.text import call_arguments, describe, dotted_name, last_segment, names_in
from ..settings import PYTHON_VERSION

if TYPE_CHECKING:
    from collections.abc import Iterator

    from ..semantic.frames import Frame

AWAIT_IN_LOOP = declare(
    code="AIO105",
    in_test_files=False,
    async_only=True,
    name="await-in-loop",
    default_enabled=False,
    message=(
        "'await {call}' in a for loop over '{target}' runs the iterations one at a time; start them together with "
        "asyncio.gather or a TaskGroup (bounded by a Semaphore if needed)"
    ),
    variants={
        "no_taskgroup": (
            "'await {call}' in a for loop over '{target}' runs the iterations one at a time; start them together "
            "with asyncio.gather (bounded by a Semaphore if needed)"
        ),
    },
    options=(PYTHON_VERSION,),
    summary=(
        "An `await` of a call inside a plain `for` loop whose call uses the loop variable (or a "
        "value computed from it in the loop body), when the result does not feed the next "
        "iteration."
    ),
    why=(
        "Each iteration waits for the previous one, so N independent requests take N round trips instead of about one."
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
    seed='000 "Concurrent vs Sequential Queries"; 002 "Concurrent requests with rate limiting"',
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
        "Awaits whose receiver is a known session or connection are exempt -- "
        "running those concurrently would be AIO602 -- and so are calls that take a known "
        "session as an argument (`await create_run(session=session, ...)`).",
    ),
)

SEQUENTIAL_AWAITS = declare(
    code="AIO106",
    in_test_files=False,
    async_only=True,
    name="sequential-independent-awaits",
    default_enabled=False,
    message=(
        "{count} independent awaits in a row ('{first}' ... '{last}') run one after another; run them concurrently "
        "with asyncio.gather or a TaskGroup"
    ),
    variants={
        "no_taskgroup": (
            "{count} independent awaits in a row ('{first}' ... '{last}') run one after another; run them "
            "concurrently with asyncio.gather"
        ),
    },
    options=(PYTHON_VERSION,),
    summary=(
        "Two or more consecutive `x = await f(...)` statements where no later call reads a name "
        "bound by an earlier one, and the calls do not share a session/connection receiver."
    ),
    why=("Independent awaits in sequence add their latencies; started together they take as long as the slowest."),
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
    seed='000 "Concurrent vs Sequential Queries" (the sequential example)',
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


def _serial_receiver(ctx: Context, call: ast.Call) -> str | None:
    """The spelling of ``call``'s receiver when it is an object whose operations must stay in
    order: a known session/connection, or an asyncio primitive/stream."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    receiver = func.value
    if kind_of(ctx, receiver) in ORDERED_KINDS or is_async_session(ctx, receiver):
        return describe(receiver)
    return None


def _is_sleep(ctx: Context, call: ast.Call) -> bool:
    return ctx.qualified_name(call.func) == SLEEP


def _enclosing_loops(frame: Frame) -> Iterator[tuple[ast.AST, ast.AST]]:
    """Loops (comprehensions included) around ``frame`` within its function, innermost first,
    with the child on the path (to tell the loop body from its ``iter``)."""
    return within_scope(frame, LOOP_NODES + COMPREHENSION_NODES)


class AwaitInLoopChecker(Checker):
    """await-in-loop."""

    rules = (AWAIT_IN_LOOP,)
    requires = ((ASYNC_CODE,), ("await",))

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.candidates: dict[ast.For, list[ast.Call]] = {}
        self.stopping: set[ast.AST] = set()  # loops left by break/return/raise
        self.loop_names: dict[ast.For, set[str]] = {}

    def _names_of(self, loop: ast.For) -> set[str]:
        names = self.loop_names.get(loop)
        if names is None:
            names = self.loop_names[loop] = names_in(loop.target)
        return names

    def bound(self, binding: Binding) -> None:
        """Names computed from the loop variable inside the loop body count as loop values."""
        ctx = self.ctx
        if binding.kind is not BindingKind.ASSIGN or binding.value is None or not ctx.in_async or binding.frame is None:
            return
        for loop, child in _enclosing_loops(binding.frame):
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
        if _serial_receiver(ctx, call) is not None or any(db_receiver(ctx, a) for a in call_arguments(call)):
            return
        called = last_segment(call.func)
        if called is not None and is_ordered_operation(called):
            return
        for loop, child in _enclosing_loops(ctx.frame):
            if isinstance(loop, ast.For):
                if child is loop.iter:
                    return
                reads = names_in(call)
                if not (reads & self._names_of(loop)) or self._feeds_next_iteration(ctx.frame, reads):
                    return
                self.candidates.setdefault(loop, []).append(call)
            elif isinstance(loop, COMPREHENSION_NODES):
                generators = loop.generators
                if child in generators or any(g.is_async for g in generators):
                    return
                targets: set[str] = set()
                for generator in generators:
                    targets |= names_in(generator.target)
                if names_in(call) & targets:
                    ctx.report(
                        call,
                        AWAIT_IN_LOOP,
                        taskgroup_variant(ctx, None),
                        call=describe(call),
                        target=describe(generators[0].iter),
                    )
            return

    @staticmethod
    def _feeds_next_iteration(frame: Frame, reads: set[str]) -> bool:
        """``cursor = await fetch(cursor)``: the result is an input of the next call."""
        holder = parent_of(frame)
        if isinstance(holder, ast.Assign):
            targets: set[str] = set()
            for target in holder.targets:
                targets |= names_in(target)
            return bool(targets & reads)
        if isinstance(holder, (ast.AugAssign, ast.AnnAssign)):
            return bool(names_in(holder.target) & reads)
        return False

    def visit_Break(self, node: ast.Break) -> None:
        for loop, _ in _enclosing_loops(self.ctx.frame):
            if isinstance(loop, LOOP_NODES):
                self.stopping.add(loop)
                return

    def visit_Return(self, node: ast.Return) -> None:
        for loop, _ in _enclosing_loops(self.ctx.frame):
            self.stopping.add(loop)

    visit_Raise = visit_Return

    def leave_For(self, node: ast.For) -> None:
        calls = self.candidates.pop(node, ())
        if node in self.stopping:
            return
        for call in calls:
            self.ctx.report(
                call, AWAIT_IN_LOOP, taskgroup_variant(self.ctx, None), call=describe(call), target=describe(node.iter)
            )


class _AwaitShape:
    """What one ``x = await f(...)`` statement binds, reads, and which objects it works on."""

    __slots__ = ("arguments", "call", "reads", "receivers", "sessions", "targets")

    def __init__(
        self,
        targets: set[str],
        reads: set[str],
        call: ast.Call,
        receivers: set[str] | None = None,
        arguments: set[str] | None = None,
        sessions: set[str] | None = None,
    ) -> None:
        self.targets = targets
        self.reads = reads
        self.call = call
        self.receivers = set() if receivers is None else receivers
        self.arguments = set() if arguments is None else arguments
        self.sessions = set() if sessions is None else sessions

    @classmethod
    def of(cls, ctx: Context, target: ast.AST, call: ast.Call) -> _AwaitShape:
        shape = cls(names_in(target), names_in(call), call)
        func = call.func
        # A client made for concurrent requests is no shared state (aiohttp/httpx), nor a module.
        if isinstance(func, ast.Attribute) and kind_of(ctx, func.value) not in CONCURRENT_CLIENT_KINDS:
            receiver = dotted_name(func.value)
            if receiver is not None and not _is_module(ctx, func.value):
                shape.receivers.add(receiver)
        for arg in call_arguments(call):
            spelled = dotted_name(arg)
            if spelled:
                shape.arguments.add(spelled)
                if db_receiver(ctx, arg):
                    shape.sessions.add(spelled)
        return shape


def _is_module(ctx: Context, expr: ast.AST) -> bool:
    while isinstance(expr, ast.Attribute):
        expr = expr.value
    binding = ctx.binding_of(expr)
    return binding is not None and binding.kind is BindingKind.IMPORT


def _prefixes(name: str) -> list[str]:
    """``a`` and ``a.b`` for ``a.b.c``: the objects a dotted name is part of."""
    parts = name.split(".")
    return [".".join(parts[:end]) for end in range(1, len(parts))]


class _Objects:
    """Dotted names of objects, asked whether a name is one of them or related to one: the same
    object, or one is part of the other (``proc.stdout`` and ``proc``).  Constant time per
    question, whatever the number of names."""

    __slots__ = ("names", "prefixes")

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.prefixes: set[str] = set()  # every proper prefix of a name

    def add(self, name: str) -> None:
        self.names.add(name)
        self.prefixes.update(_prefixes(name))

    def related(self, name: str) -> bool:
        names = self.names
        return name in names or name in self.prefixes or any(prefix in names for prefix in _prefixes(name))


class _Run:
    """Consecutive independent awaits, with what they bound and touched so far (the union of
    their shapes, so a new await is checked against all of them at once)."""

    __slots__ = ("objects", "receivers", "sessions", "statements", "targets")

    def __init__(self) -> None:
        self.statements: list[tuple[ast.stmt, _AwaitShape]] = []
        self.targets: set[str] = set()
        self.sessions: set[str] = set()
        self.objects = _Objects()  # receivers and arguments
        self.receivers = _Objects()

    def depends(self, shape: _AwaitShape) -> bool:
        """The new await reads a name an earlier one bound, or shares an object with one: its
        receiver is an earlier receiver or argument (``await _enqueue(queue)`` then ``await
        queue.get()``), or an argument is an earlier receiver (``await session.execute(q)``
        then ``await load(session)``)."""
        if shape.reads & self.targets or shape.sessions & self.sessions:
            return True
        return any(self.objects.related(name) for name in shape.receivers) or any(
            self.receivers.related(name) for name in shape.arguments
        )

    def add(self, statement: ast.stmt, shape: _AwaitShape) -> None:
        self.statements.append((statement, shape))
        self.targets |= shape.targets
        self.sessions |= shape.sessions
        for name in shape.receivers:
            self.objects.add(name)
            self.receivers.add(name)
        for name in shape.arguments:
            self.objects.add(name)


class SequentialAwaitsChecker(Checker):
    """sequential-independent-awaits: statement lists are read where they stand, each once."""

    rules = (SEQUENTIAL_AWAITS,)
    requires = ((ASYNC_CODE,), ("await",))

    def function_end(self, scope: Scope) -> None:
        if scope.is_async_def:
            self._scan(scope.node.body)

    def _visit_lists(self, node: ast.stmt | ast.ExceptHandler | ast.match_case) -> None:
        if self.ctx.in_async:
            for statements in statement_lists(node):
                self._scan(statements)

    visit_If = visit_For = visit_AsyncFor = visit_While = _visit_lists
    # read once the ``as`` names are bound: ``async with aiohttp.ClientSession() as client:``
    leave_With = leave_AsyncWith = _visit_lists
    visit_Try = visit_TryStar = visit_ExceptHandler = visit_match_case = _visit_lists

    def _candidate(self, stmt: ast.stmt) -> _AwaitShape | None:
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
        return _AwaitShape.of(self.ctx, target, call)

    def _scan(self, statements: list) -> None:
        run = _Run()
        for stmt in statements:
            shape = self._candidate(stmt)
            if shape is None or run.depends(shape):
                self._flush(run.statements)
                run = _Run()
            if shape is not None:
                run.add(stmt, shape)
        self._flush(run.statements)

    def _flush(self, run: list) -> None:
        if len(run) >= 2:
            first, last = run[0], run[-1]
            self.ctx.report(
                first[0],
                SEQUENTIAL_AWAITS,
                taskgroup_variant(self.ctx, None),
                count=str(len(run)),
                first="await " + describe(first[1].call),
                last="await " + describe(last[1].call),
            )
