"""One session used by awaitables that run at the same time (concurrent-session-use)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...checker import Checker
from ...knowledge.asyncio import AS_COMPLETED, GATHER, SPAWN_WORDS, WAIT, Spawner, task_spawn
from ...knowledge.inference import kind_of
from ...knowledge.kinds import Kind
from ...knowledge.sqlalchemy import db_receiver
from ...semantic.frames import LOOP_NODES, Arms, branch_arms, exclusive, within_scope
from ...semantic.scope import Binding, BindingKind, Scope
from ...semantic.source import ASYNC_CODE
from ...semantic.text import call_arguments, describe
from ._shared import SA_ASYNCIO, SA_ERRORS, session_rule

if TYPE_CHECKING:
    from collections.abc import Callable

    from ...semantic.context import Context

CONCURRENT_SESSION_USE = session_rule(
    code="AIO602",
    name="concurrent-session-use",
    default_enabled=True,
    async_only=True,
    raises_or_warns=True,
    message=(
        "{kind} '{name}' is used by {count} awaitables that run concurrently in '{call}'; {consequence}: give each "
        "task its own {kind}, or await them in turn"
    ),
    variants={
        "tasks": (
            "{kind} '{name}' is used by a task started while an earlier task using it may still run ('{call}'); "
            "{consequence}: give each task its own {kind}, or await the first task before starting this one"
        ),
    },
    summary=(
        "One known session -- or an SQLAlchemy AsyncConnection, asyncpg or aiosqlite connection -- "
        "used by two or more awaitables that run concurrently: `gather(s.execute(a), s.execute(b))`; "
        "`gather(f(s), g(s))` (the same session passed to several coroutine calls); "
        "`gather(*(load(s, i) for i in ids))`; `asyncio.wait`/`as_completed` likewise; and "
        "`create_task`/`tg.create_task` of such calls while an earlier one using the session has "
        "not been awaited (inside a `TaskGroup`: until the block ends)."
    ),
    why=(
        "An AsyncSession (and the connection under it) can run only one statement at a time. "
        "SQLAlchemy raises `InvalidRequestError: This session is provisioning a new connection; "
        "concurrent operations are not permitted` (error code `isce`), or the driver fails with "
        '"another operation is in progress"; when it does not fail, statements from different '
        "tasks interleave inside one transaction. Seed 000 shows exactly this `gather` as "
        '"correct"; it is a bug.'
    ),
    example=(
        "import asyncio\n"
        "from sqlalchemy import select\n\n"
        "async def dashboard(session, User, Stats, user_id):\n"
        "    user, stats = await asyncio.gather(\n"
        "        session.execute(select(User).where(User.id == user_id)),\n"
        "        session.execute(select(Stats).where(Stats.user_id == user_id)),\n"
        "    )\n"
        "    return user.scalar_one(), stats.scalar_one_or_none()\n"
    ),
    use_instead=(
        "from sqlalchemy import select\n\n"
        "async def dashboard(session, User, Stats, user_id):\n"
        "    user = await session.execute(select(User).where(User.id == user_id))\n"
        "    stats = await session.execute(select(Stats).where(Stats.user_id == user_id))\n"
        "    return user.scalar_one(), stats.scalar_one_or_none()\n"
    ),
    seed='000/001 "Concurrent vs Sequential Queries" (its "correct" gather over one session is the bug)',
    notes=(
        "A session shared by two awaitables counts when it is their receiver or one of their "
        "arguments; a comprehension or generator passed with `*` counts as many awaitables -- except for a "
        "session the comprehension's own loop takes (`[s.close() for s in self.sessions]`: another one each time).",
        "Reported at the `gather(`/`wait(`/`as_completed(` call, or at the second overlapping `create_task`.",
        "asyncpg pools (`pool.fetch`) hand each call its own connection and are not reported.",
    ),
    references=(SA_ASYNCIO + "#using-asyncsession-with-concurrent-tasks", SA_ERRORS + "#error-isce"),
)

_KIND_LABELS = {
    Kind.ASYNC_SESSION: "session",
    Kind.ASYNC_CONNECTION: "connection",
    Kind.ASYNCPG_CONNECTION: "asyncpg connection",
    Kind.AIOSQLITE_CONNECTION: "aiosqlite connection",
}
_CONSEQUENCES = {
    "session": (
        "an AsyncSession runs one statement at a time (InvalidRequestError 'isce', or the driver's 'another operation "
        "is in progress')"
    ),
    "connection": (
        "an AsyncConnection runs one statement at a time (InvalidRequestError 'isce', or the driver's 'another "
        "operation is in progress')"
    ),
    "asyncpg connection": "asyncpg runs one query per connection ('another operation is in progress')",
    "aiosqlite connection": "aiosqlite queues the statements, interleaving them in one transaction",
}
_COMPREHENSIONS = (ast.ListComp, ast.GeneratorExp, ast.SetComp)  # fan-outs: one call per element


class _Running:
    """A task that uses a session and may still run."""

    __slots__ = ("arms", "call", "group", "loop", "session", "task")

    def __init__(
        self,
        session: str,
        call: ast.Call,
        arms: Arms,
        loop: ast.AST | None,
        task: Binding | None = None,
        group: Binding | None = None,
    ) -> None:
        self.session = session
        self.call = call  # the create_task call that started it
        self.arms = arms  # the ``if`` arms it was started in
        self.loop = loop  # the innermost loop it was started in (within the function)
        self.task = task  # the name the task was bound to, once bound
        self.group = group  # the TaskGroup it runs in: done when the group's block ends


class SessionConcurrencyChecker(Checker):
    """concurrent-session-use: gather/wait/as_completed over one session, and task sequences."""

    rules = (CONCURRENT_SESSION_USE,)
    requires = ((ASYNC_CODE,), ("gather", "wait", "as_completed", *SPAWN_WORDS))

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.running: dict[Scope, list[_Running]] = {}  # per function
        self.unbound_tasks: dict[ast.Call, list[_Running]] = {}  # create_task call -> its entries
        self.labels: dict[tuple[Scope, str], str] = {}  # (function, spelling) -> "session", "asyncpg connection"...
        # (session, task group) pairs already reported while their tasks still run: one finding
        # per session and concurrent group, however many tasks join it.
        self.reported: dict[Scope, set[tuple[str, Binding | None]]] = {}

    # --- what an awaitable uses -----------------------------------------------------------
    def _sessions(self, call: ast.Call) -> set[str]:
        ctx = self.ctx
        used = set()
        func = call.func
        candidates = [func.value] if isinstance(func, ast.Attribute) else []
        for expr in [*candidates, *call_arguments(call)]:
            key = db_receiver(ctx, expr)
            if key:
                used.add(key)
                self.labels[(ctx.function, key)] = _KIND_LABELS.get(kind_of(ctx, expr), "session")
        return used

    def _awaitables(self, expr: ast.AST, depth: int = 0) -> list[tuple[set[str], int]]:
        """(sessions used, how many awaitables) for each awaitable ``expr`` stands for."""
        ctx = self.ctx
        if depth > 3:
            return []
        if isinstance(expr, ast.Call):
            if expr.args and task_spawn(ctx, expr) is not None:
                return self._awaitables(expr.args[0], depth + 1)
            return [(self._sessions(expr), 1)]
        if isinstance(expr, _COMPREHENSIONS) and isinstance(expr.elt, ast.Call):
            # ``[s.close() for s in self.sessions]``: a session the loop takes is another one each time
            own = {name.id for loop in expr.generators for name in ast.walk(loop.target) if isinstance(name, ast.Name)}
            return [
                ({key for key in used if key.partition(".")[0] not in own}, 2)
                for used, _ in self._awaitables(expr.elt, depth + 1)
            ]
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            found = []
            for elt in expr.elts:
                found += self._awaitables(elt.value if isinstance(elt, ast.Starred) else elt, depth + 1)
            return found
        if isinstance(expr, ast.Name):
            binding = ctx.lookup(expr.id)
            if binding is not None and binding.kind is BindingKind.ASSIGN and binding.value is not None:
                return self._awaitables(binding.value, depth + 1)
        return []

    def _report_shared(self, node: ast.Call, awaitables: list[tuple[set[str], int]]) -> None:
        counts: dict[str, int] = {}
        for used, weight in awaitables:
            for key in used:
                counts[key] = counts.get(key, 0) + weight
        for key, count in sorted(counts.items()):
            if count >= 2:
                label = self._label(key)
                self.ctx.report(
                    node,
                    CONCURRENT_SESSION_USE,
                    kind=label,
                    name=key,
                    consequence=_CONSEQUENCES[label],
                    count="several" if count > len(awaitables) else str(count),
                    call=describe(node),
                )
                return

    def _label(self, key: str) -> str:
        return self.labels.get((self.ctx.function, key), "session")

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        if not ctx.in_async:
            return
        qn = ctx.qualified_name(node.func)
        if qn == GATHER:
            awaitables = []
            for arg in node.args:
                awaitables += self._awaitables(arg.value if isinstance(arg, ast.Starred) else arg)
            self._report_shared(node, awaitables)
        elif qn in (WAIT, AS_COMPLETED) and node.args:
            self._report_shared(node, self._awaitables(node.args[0]))
        else:
            self._task(node)

    # --- task sequences ------------------------------------------------------------------------
    def _task(self, node: ast.Call) -> None:
        ctx = self.ctx
        spawn = task_spawn(ctx, node)
        if spawn is None or (spawn.via is not Spawner.FUNCTION and node.func.attr != "create_task"):
            return
        group = ctx.binding_of(spawn.receiver) if spawn.via is Spawner.GROUP else None
        if not node.args or not isinstance(node.args[0], ast.Call):
            return
        used = self._sessions(node.args[0])
        if not used:
            return
        function = ctx.function
        running = self.running.setdefault(function, [])
        arms = branch_arms(ctx.frame)
        for key in sorted(used):
            # Work started in the other arm of an ``if`` never runs alongside this one.
            if any(entry.session == key and not exclusive(entry.arms, arms) for entry in running):
                self._report_task(node, key, group)
        loop = next(
            (loop for loop, child in within_scope(ctx.frame, LOOP_NODES) if child is not getattr(loop, "iter", None)),
            None,
        )
        entries = [_Running(key, node, arms, loop, group=group) for key in used]
        running.extend(entries)
        self.unbound_tasks[node] = entries

    def _report_task(self, node: ast.Call, key: str, group: Binding | None) -> None:
        reported = self.reported.setdefault(self.ctx.function, set())
        if (key, group) in reported:
            return
        reported.add((key, group))
        label = self._label(key)
        self.ctx.report(
            node,
            CONCURRENT_SESSION_USE,
            "tasks",
            kind=label,
            name=key,
            call=describe(node),
            consequence=_CONSEQUENCES[label],
        )

    def _finished(self, running: list[_Running], keep: Callable[[_Running], bool]) -> None:
        """Drop the tasks that are done; a group whose tasks all finished may be reported again."""
        running[:] = [entry for entry in running if keep(entry)]
        reported = self.reported.get(self.ctx.function)
        if reported:
            reported &= {(entry.session, entry.group) for entry in running}

    def _leave_loop(self, node: ast.AST) -> None:
        """A task started in a loop and still running when the loop ends ran alongside the tasks
        the next iterations started -- with the same session."""
        running = self.running.get(self.ctx.function)
        for entry in running or ():
            if entry.loop is node:
                self._report_task(entry.call, entry.session, entry.group)

    leave_For = leave_AsyncFor = leave_While = _leave_loop

    def bound(self, binding: Binding) -> None:
        entries = self.unbound_tasks.pop(binding.value, None)
        if entries is not None:
            for entry in entries:
                entry.task = binding

    def visit_Await(self, node: ast.Await) -> None:
        """Awaiting a task (alone, or through gather/wait) ends its overlap."""
        ctx = self.ctx
        running = self.running.get(ctx.function)
        if not running:
            return
        value = node.value
        names = (
            [value]
            if isinstance(value, ast.Name)
            else list(call_arguments(value))
            if isinstance(value, ast.Call)
            else []
        )
        # (An unresolvable name counts as an unbound task: awaiting it may end one.)
        done = {ctx.binding_of(name) for name in names if isinstance(name, ast.Name)}
        self._finished(running, lambda entry: entry.task not in done)

    def leave_AsyncWith(self, node: ast.AsyncWith) -> None:
        """Leaving ``async with TaskGroup() as tg`` waits for all of tg's tasks."""
        ctx = self.ctx
        running = self.running.get(ctx.function)
        if not running:
            return
        groups = set()
        for item in node.items:
            if isinstance(item.optional_vars, ast.Name):
                groups.add(ctx.lookup(item.optional_vars.id))
        self._finished(running, lambda entry: entry.group is None or entry.group not in groups)
