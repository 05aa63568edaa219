"""AIO6xx: SQLAlchemy AsyncSession."""

from __future__ import annotations

import ast

from .. import context as C
from .. import knowledge as K
from ..context import Binding, Scope, describe, dotted_name
from ..engine import Checker, register
from ..registry import declare
from ._util import call_arguments, within_scope

SA_ASYNCIO = "https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html"
SA_SESSION_BASICS = "https://docs.sqlalchemy.org/en/20/orm/session_basics.html"
SA_ERRORS = "https://docs.sqlalchemy.org/en/20/errors.html"
KNOWN_SESSION_NOTE = (
    "A known session is a name bound by `async with FACTORY() as s`, `s = FACTORY()`, "
    "`AsyncSession(...)`, annotated `AsyncSession` (any import spelling, `Optional`/`Annotated` "
    "included), or -- in async code only -- an unannotated parameter, variable or `self.<attr>` "
    "named as in `--aio-session-names` (default `session`, `db`, `db_session`, `async_session`); "
    "an annotation naming another class (a MongoDB `ClientSession`) wins over the name. A factory is a "
    "module-level name bound to `async_sessionmaker(...)` or `sessionmaker(..., class_=AsyncSession)`, "
    "or a name in `--aio-session-factories`; one bound to a plain `sessionmaker(...)` is sync "
    "(decision 3)."
)
SESSION_OPTIONS = ("--aio-session-names", "--aio-session-factories")
SEED_LIFECYCLE = "000/001 \"AsyncSession Lifecycle\" and \"Connection Pool Management\""

UNCLOSED_SESSION = declare(
    code="AIO601",
    name="unclosed-session",
    default=True,
    message="session '{name}' from '{call}' is never closed; use 'async with {factory} as {name}:' (or close it in a 'finally')",
    summary=(
        "`s = FACTORY()` or `s = AsyncSession(...)` in a function, never entered with `async with`, "
        "not closed (`await s.close()`) on every path -- a `finally`, or later in the same "
        "statement list with no `return`/`raise` in between -- and not handed on (returned, "
        "yielded, stored, passed to a call that is not awaited, or to "
        "`stack.enter_async_context`)."
    ),
    why=(
        "An AsyncSession holds a pooled connection from its first statement until it is closed. "
        "A session that is never closed keeps that connection checked out -- until garbage "
        "collection, which asyncio drivers cannot clean up properly -- and a busy endpoint runs the "
        "pool dry: requests hang waiting for a connection."
    ),
    example=(
        "from sqlalchemy import text\n"
        "from sqlalchemy.ext.asyncio import async_sessionmaker\n\n"
        "async_session = async_sessionmaker()\n\n"
        "async def count_users():\n"
        "    session = async_session()\n"
        "    result = await session.execute(text('select count(*) from users'))\n"
        "    return result.scalar_one()\n"
    ),
    use_instead=(
        "from sqlalchemy import text\n"
        "from sqlalchemy.ext.asyncio import async_sessionmaker\n\n"
        "async_session = async_sessionmaker()\n\n"
        "async def count_users():\n"
        "    async with async_session() as session:\n"
        "        result = await session.execute(text('select count(*) from users'))\n"
        "        return result.scalar_one()\n"
    ),
    seed=SEED_LIFECYCLE + " (\"WRONG: Forgetting to close\")",
    options=SESSION_OPTIONS,
    notes=(
        KNOWN_SESSION_NOTE,
        "Decision 5: `with FACTORY() as s` (plain `with`) is AIO504 alone; this rule does not also fire.",
        "Returning the new session is not this rule's business: in a dependency it is AIO606.",
        "Exceptions are not counted as paths: a close in the straight-line code after the session "
        "counts as closing it; use `async with` to be safe on errors as well.",
    ),
    references=(SA_SESSION_BASICS + "#closing", SA_ASYNCIO + "#synopsis-orm"),
)

CONCURRENT_SESSION_USE = declare(
    code="AIO602",
    name="concurrent-session-use",
    default=True,
    async_only=True,
    raises_or_warns=True,
    message="{kind} '{name}' is used by {count} awaitables that run concurrently in '{call}'; {consequence}: give each task its own {kind}, or await them in turn",
    variants={
        "tasks": "{kind} '{name}' is used by a task started while an earlier task using it may still run ('{call}'); {consequence}: give each task its own {kind}, or await the first task before starting this one",
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
        "\"another operation is in progress\"; when it does not fail, statements from different "
        "tasks interleave inside one transaction. Seed 000 shows exactly this `gather` as "
        "\"correct\"; it is a bug."
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
    seed="000/001 \"Concurrent vs Sequential Queries\" (its \"correct\" gather over one session is the bug)",
    options=SESSION_OPTIONS,
    notes=(
        KNOWN_SESSION_NOTE,
        "A session shared by two awaitables counts when it is their receiver or one of their "
        "arguments; a comprehension or generator passed with `*` counts as many awaitables.",
        "Decision 1: reported at the `gather(`/`wait(`/`as_completed(` call, or at the second "
        "overlapping `create_task`.",
        "asyncpg pools (`pool.fetch`) hand each call its own connection and are not reported.",
    ),
    references=(SA_ASYNCIO + "#using-asyncsession-with-concurrent-tasks", SA_ERRORS + "#error-isce"),
)

COMMIT_FAILURE_SWALLOWED = declare(
    code="AIO603",
    name="commit-failure-swallowed",
    default=True,
    async_only=True,
    message="handler swallows a failed '{call}' on '{name}'; call 'await {name}.rollback()' or re-raise (or use 'async with {name}.begin():')",
    summary=(
        "A `try` whose body awaits `s.commit()` or `s.flush()` on a known session, with a handler "
        "that can catch the failure (bare `except`, `Exception`, `BaseException`, or a "
        "`sqlalchemy.exc`/`asyncpg` error) and neither calls `s.rollback()` (or `s.close()`) nor "
        "raises."
    ),
    why=(
        "After a failed flush or commit the session's transaction is inactive: every further "
        "statement raises `PendingRollbackError` until `rollback()` is called. Swallowing the "
        "error leaves the session poisoned for the rest of the request (or for everyone, when it "
        "is shared) and hides the lost write."
    ),
    example=(
        "import logging\n\n"
        "async def save(session, obj):\n"
        "    session.add(obj)\n"
        "    try:\n"
        "        await session.commit()\n"
        "    except Exception:\n"
        "        logging.exception('save failed')\n"
    ),
    use_instead=(
        "import logging\n\n"
        "async def save(session, obj):\n"
        "    session.add(obj)\n"
        "    try:\n"
        "        await session.commit()\n"
        "    except Exception:\n"
        "        logging.exception('save failed')\n"
        "        await session.rollback()\n"
        "        raise\n"
    ),
    seed="000/001 \"Transaction Boundaries\" (`except Exception: await session.rollback(); raise`)",
    options=SESSION_OPTIONS,
    notes=(
        KNOWN_SESSION_NOTE,
        "Decision 8: raising any exception in the handler counts as propagating, and "
        "`await s.close()` counts as rolling back.",
        "`async with s.begin():` blocks roll back on their own and need no handler.",
        "Handlers for unrelated exceptions (`except KeyError:`) cannot catch the failure and are "
        "not reported, nor is a `try` around the session's own `async with FACTORY() as s:` -- "
        "leaving that block rolls back and closes the session before the handler runs.",
    ),
    references=(SA_SESSION_BASICS + "#framing-out-a-begin-commit-rollback-block", SA_ERRORS + "#error-7s2a"),
)

EXPIRED_ATTRIBUTE = declare(
    code="AIO604",
    name="expired-attribute-after-commit",
    default=True,
    async_only=True,
    raises_or_warns=True,
    message="'{attribute}' is read after '{commit}' expired '{name}'; its lazy reload is implicit IO (MissingGreenlet): 'await {session}.refresh({name})' first, or use 'expire_on_commit=False'",
    summary=(
        "An attribute read of an ORM object after the session committed and before "
        "`await s.refresh(obj)`, when the module does not configure `expire_on_commit=False`. "
        "Tracked objects: the argument of `s.add(obj)`, and objects from `await s.get(...)`, "
        "`await s.scalar(...)` and `(await s.execute(...)).scalar_one()/scalar_one_or_none()/"
        "scalar()`. Leaving `async with s.begin():` counts as a commit."
    ),
    why=(
        "By default a commit expires every object in the session. The next attribute access "
        "reloads it from the database -- implicit IO, which the asyncio extension cannot do "
        "inside a plain attribute access: it raises `MissingGreenlet: greenlet_spawn has not been "
        "called; can't call await_only() here`."
    ),
    example=(
        "async def create_user(session, User, name):\n"
        "    user = User(name=name)\n"
        "    session.add(user)\n"
        "    await session.commit()\n"
        "    return {'id': user.id, 'name': user.name}\n"
    ),
    use_instead=(
        "async def create_user(session, User, name):\n"
        "    user = User(name=name)\n"
        "    session.add(user)\n"
        "    await session.commit()\n"
        "    await session.refresh(user)\n"
        "    return {'id': user.id, 'name': user.name}\n"
    ),
    seed="000/001 \"Transaction Boundaries\" and \"Post-Condition Validation\" (refresh after commit)",
    options=SESSION_OPTIONS,
    notes=(
        KNOWN_SESSION_NOTE,
        "Decision 10: Rows from `.first()`/`.one()` are not ORM objects and are not tracked, nor "
        "are objects taken from a stored `Result`.",
        "`expire_on_commit=False` anywhere in the module (on `async_sessionmaker`, `AsyncSession` or "
        "`sessionmaker`) turns the rule off for the module. A factory configured in another module "
        "is invisible here: add `# noqa` or a per-file ignore where that applies.",
        "Reported once per object and commit, at the first read; method calls (`user.greet()`) and "
        "attribute assignments do not load and are not reported.",
    ),
    references=(SA_ASYNCIO + "#preventing-implicit-io-when-using-asyncsession", SA_ERRORS + "#error-xd2s"),
)

GLOBAL_SESSION = declare(
    code="AIO605",
    name="global-session",
    default=True,
    message="session '{name}' lives at {where} level; make sessions request-scoped ('async with FACTORY() as session:' per request or task)",
    variants={
        "global": "'global {name}' makes a session shared by every caller; make sessions request-scoped ('async with FACTORY() as session:' per request or task)",
    },
    summary=(
        "A module-level or class-level name bound to a session instance (`FACTORY()`, "
        "`AsyncSession(...)`), or a function that declares `global s` and binds `s` to one."
    ),
    why=(
        "A session is a unit of work with its own identity map and transaction. One shared "
        "across requests serves stale objects, mixes unrelated changes into one commit, and is "
        "used concurrently by overlapping requests -- which AsyncSession does not allow "
        "(AIO602)."
    ),
    example=(
        "from sqlalchemy.ext.asyncio import async_sessionmaker\n\n"
        "async_session = async_sessionmaker()\n"
        "shared_session = async_session()\n\n"
        "async def get_user(User, user_id):\n"
        "    return await shared_session.get(User, user_id)\n"
    ),
    use_instead=(
        "from sqlalchemy.ext.asyncio import async_sessionmaker\n\n"
        "async_session = async_sessionmaker()\n\n"
        "async def get_user(User, user_id):\n"
        "    async with async_session() as session:\n"
        "        return await session.get(User, user_id)\n"
    ),
    seed=SEED_LIFECYCLE + " (\"WRONG: Global session\")",
    options=SESSION_OPTIONS,
    notes=(
        KNOWN_SESSION_NOTE,
        "A module-level `async_sessionmaker(...)` or engine is correct and never reported.",
        "Decisions 1 and 27: reported at the assignment, or at the `global` statement when a "
        "function binds the session through `global`.",
    ),
    references=(SA_SESSION_BASICS + "#session-faq-whentocreate",),
)

SESSION_DEPENDENCY_RETURNS = declare(
    code="AIO606",
    name="session-dependency-returns",
    default=True,
    message="dependency '{function}' returns a new session that is never closed; use 'async with {factory} as session: yield session'",
    summary=(
        "A function used in `Depends(...)` in the same module, or named `get_session`, `get_db` or "
        "`get_async_session`, that `return`s a new session (`return FACTORY()`, or a local made "
        "so) instead of yielding it from `async with`."
    ),
    why=(
        "FastAPI closes what a generator dependency yields after the response is sent; a returned "
        "session is nobody's to close, and every request leaks a pooled connection."
    ),
    example=(
        "from sqlalchemy.ext.asyncio import async_sessionmaker\n\n"
        "async_session = async_sessionmaker()\n\n"
        "async def get_session():\n"
        "    return async_session()\n"
    ),
    use_instead=(
        "from sqlalchemy.ext.asyncio import async_sessionmaker\n\n"
        "async_session = async_sessionmaker()\n\n"
        "async def get_session():\n"
        "    async with async_session() as session:\n"
        "        yield session\n"
    ),
    seed=SEED_LIFECYCLE + " (\"CORRECT: Session scoped to request via dependency\")",
    options=SESSION_OPTIONS,
    notes=(
        KNOWN_SESSION_NOTE,
        "Generator dependencies (with `yield`) are never reported. Decision 1: reported at the `return`.",
    ),
    references=("https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/", SA_SESSION_BASICS + "#session-faq-whentocreate"),
)

SYNC_SESSION_API = declare(
    code="AIO607",
    name="sync-session-api-on-async-session",
    default=True,
    raises_or_warns=True,
    message="'{call}' on AsyncSession '{name}': AsyncSession has no 'query' (AttributeError); use 'await {name}.execute(select(...))'",
    summary="`s.query(...)` on a known AsyncSession.",
    why=(
        "`AsyncSession` does not offer the legacy `Query` API: `session.query` raises "
        "`AttributeError`. Queries are 2.0-style `select()` statements run with "
        "`await session.execute(...)`/`session.scalars(...)`."
    ),
    example=(
        "async def active_users(session, User):\n"
        "    return session.query(User).filter(User.active).all()\n"
    ),
    use_instead=(
        "from sqlalchemy import select\n\n"
        "async def active_users(session, User):\n"
        "    result = await session.scalars(select(User).where(User.active))\n"
        "    return result.all()\n"
    ),
    seed="000/001 (every query is `await session.execute(select(...))`)",
    options=SESSION_OPTIONS,
    notes=(
        KNOWN_SESSION_NOTE,
        "Decision 4: in sync code only annotations and constructors make a session async; the "
        "name heuristic applies inside coroutines only. A sync Session's `.query` in a coroutine "
        "is AIO205.",
    ),
    references=(SA_ASYNCIO + "#synopsis-orm", "https://docs.sqlalchemy.org/en/20/changelog/migration_20.html#migration-orm-usage"),
)


def _factory_spelling(call: ast.AST) -> str:
    return describe(call) if isinstance(call, ast.Call) else "FACTORY()"


def _session_call(ctx, expr: ast.AST | None) -> ast.Call | None:
    """``expr`` when it is a call that makes a new AsyncSession."""
    if isinstance(expr, ast.Call) and ctx.kind_of(expr) == K.ASYNC_SESSION:
        return expr
    return None


def _statement_of(frame):
    """(statement node, its frame) enclosing the node of ``frame``."""
    while frame is not None and not isinstance(frame[0], ast.stmt):
        frame = frame[1]
    return frame


_TRY_NODES = (ast.Try, getattr(ast, "TryStar", ast.Try))


def _in_finally(frame) -> bool:
    return any(any(s is child for s in node.finalbody) for node, child in within_scope(frame, _TRY_NODES))


@register
class SessionLifecycleChecker(Checker):
    """unclosed-session, global-session, session-dependency-returns."""

    rules = (UNCLOSED_SESSION, GLOBAL_SESSION, SESSION_DEPENDENCY_RETURNS)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.locals: list[Binding] = []
        self.stops: dict[int, list[int]] = {}  # id(function scope) -> lines of return/raise
        self.globals: dict[tuple[int, str], ast.Global] = {}
        self.dependencies: set[str] = set()
        self.returns: list[tuple[ast.Return, Scope, ast.Call]] = []

    def bound(self, binding: Binding) -> None:
        ctx = self.ctx
        if binding.kind != C.ASSIGN or not isinstance(binding.node, ast.Name):
            return
        call = _session_call(ctx, binding.value)
        if call is None:
            return
        where = ctx.scope
        if where.kind in (C.MODULE, C.CLASS):
            statement = binding.frame[1][0]
            ctx.report(statement, GLOBAL_SESSION, name=binding.name, where=where.kind)
            return
        if binding.scope.kind == C.MODULE:  # bound through ``global``
            declared = self.globals.get((id(where.function), binding.name))
            if declared is not None:
                ctx.report(declared, GLOBAL_SESSION, "global", name=binding.name)
            return
        if binding.scope.kind == C.FUNCTION:
            ctx.watch(binding)
            self.locals.append(binding)

    def visit_Global(self, node: ast.Global) -> None:
        function = self.ctx.scope.function
        for name in node.names:
            self.globals.setdefault((id(function), name), node)

    def visit_Return(self, node: ast.Return) -> None:
        ctx = self.ctx
        self.stops.setdefault(id(ctx.scope.function), []).append(node.lineno)
        function = ctx.function
        if function is None or function.kind != C.FUNCTION:
            return
        value = node.value
        call = _session_call(ctx, value)
        if call is None and isinstance(value, ast.Name):
            binding = ctx.lookup(value.id)
            if binding is not None and binding.kind == C.ASSIGN and binding.scope is function:
                call = _session_call(ctx, binding.value)
        if call is not None:
            self.returns.append((node, function, call))

    def visit_Raise(self, node: ast.Raise) -> None:
        self.stops.setdefault(id(self.ctx.scope.function), []).append(node.lineno)

    def visit_Call(self, node: ast.Call) -> None:
        if node.args and isinstance(node.args[0], ast.Name) and self.ctx.qualified_name(node.func) in K.DEPENDS:
            self.dependencies.add(node.args[0].id)
        for keyword in node.keywords:
            if keyword.arg == "dependency" and isinstance(keyword.value, ast.Name) and self.ctx.qualified_name(node.func) in K.DEPENDS:
                self.dependencies.add(keyword.value.id)

    def module_end(self) -> None:
        ctx = self.ctx
        for binding in self.locals:
            if not self._handled(binding):
                call = binding.value
                ctx.report(call, UNCLOSED_SESSION, name=binding.name, call=describe(call),
                           factory=_factory_spelling(call))
        for node, function, call in self.returns:
            if function.has_yield:
                continue
            if function.name in K.SESSION_DEPENDENCY_NAMES or function.name in self.dependencies:
                ctx.report(node, SESSION_DEPENDENCY_RETURNS, function=function.name, factory=_factory_spelling(call))

    def _handled(self, binding: Binding) -> bool:
        """Entered with ``async with``, closed on every path, or handed on."""
        created = _statement_of(binding.frame)
        for frame in binding.loads:
            parent_frame = frame[1]
            parent = parent_frame[0]
            if isinstance(parent, (ast.Return, ast.Yield, ast.YieldFrom, ast.withitem, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Starred, ast.keyword)):
                return True  # returned, yielded, entered, or put in a container / call
            if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and frame[0] is parent.value:
                return True  # stored elsewhere
            if isinstance(parent, ast.Call) and frame[0] is not parent.func:
                awaited = isinstance(parent_frame[1][0], ast.Await)
                taker = isinstance(parent.func, ast.Attribute) and parent.func.attr in K.OWNERSHIP_TAKERS
                if taker or not awaited:
                    return True  # handed to a constructor, a registry, an exit stack
            if isinstance(parent, ast.Attribute) and parent.attr in K.SESSION_CLOSERS:
                if _in_finally(frame) or self._closes_later(created, frame, binding):
                    return True
        return False

    def _closes_later(self, created, close_frame, binding: Binding) -> bool:
        """The close is in the creating statement's own statement list, after it, and no
        ``return``/``raise`` of the function lies between them."""
        closing = _statement_of(close_frame)
        if created is None or closing is None or created[1] is None or closing[1] is None:
            return False
        if created[1][0] is not closing[1][0]:
            return False
        holder = created[1][0]
        same_list = any(
            isinstance(statements, list) and any(s is created[0] for s in statements) and any(s is closing[0] for s in statements)
            for statements in (getattr(holder, f, None) for f in ("body", "orelse", "finalbody"))
        )
        if not same_list:
            return False
        start, end = created[0].lineno, closing[0].lineno
        stops = self.stops.get(id(binding.scope.function), ())
        return start < end and not any(start < line < end for line in stops)


@register
class SessionApiChecker(Checker):
    """sync-session-api-on-async-session."""

    rules = (SYNC_SESSION_API,)

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "query" and ctx.is_async_session(func.value):
            ctx.report(node, SYNC_SESSION_API, call=describe(node), name=describe(func.value))


_KIND_LABELS = {
    K.ASYNC_SESSION: "session", K.ASYNC_CONNECTION: "connection",
    K.ASYNCPG_CONNECTION: "asyncpg connection", K.AIOSQLITE_CONNECTION: "aiosqlite connection",
}
_CONSEQUENCES = {
    "session": "an AsyncSession runs one statement at a time (InvalidRequestError 'isce', or the driver's 'another operation is in progress')",
    "connection": "an AsyncConnection runs one statement at a time (InvalidRequestError 'isce', or the driver's 'another operation is in progress')",
    "asyncpg connection": "asyncpg runs one query per connection ('another operation is in progress')",
    "aiosqlite connection": "aiosqlite queues the statements, interleaving them in one transaction",
}
_COMPREHENSIONS = (ast.ListComp, ast.GeneratorExp, ast.SetComp)


@register
class SessionConcurrencyChecker(Checker):
    """concurrent-session-use: gather/wait/as_completed over one session, and task sequences."""

    rules = (CONCURRENT_SESSION_USE,)

    def __init__(self, ctx):
        super().__init__(ctx)
        # Tasks that use a session and may still run: id(function) -> list of entries
        # [session key, task binding or None, task group binding or None].
        self.running: dict[int, list[list]] = {}
        self.pending_task_bindings: dict[int, list] = {}  # id(create_task call) -> entry
        self.labels: dict[tuple[int, str], str] = {}  # (function, spelling) -> "session", "asyncpg connection"...

    # --- what an awaitable uses -----------------------------------------------------------
    def _sessions(self, call: ast.Call) -> set[str]:
        ctx = self.ctx
        used = set()
        func = call.func
        candidates = [func.value] if isinstance(func, ast.Attribute) else []
        for expr in [*candidates, *call_arguments(call)]:
            key = ctx.db_receiver(expr)
            if key:
                used.add(key)
                self.labels[(id(ctx.scope.function), key)] = _KIND_LABELS.get(ctx.kind_of(expr), "session")
        return used

    def _awaitables(self, expr: ast.AST, depth: int = 0) -> list[tuple[set[str], int]]:
        """(sessions used, how many awaitables) for each awaitable ``expr`` stands for."""
        ctx = self.ctx
        if depth > 3:
            return []
        if isinstance(expr, ast.Call):
            func = expr.func
            if isinstance(func, ast.Attribute) and func.attr in ("create_task", "ensure_future") and expr.args \
                    or ctx.qualified_name(func) in K.TASK_FACTORIES and expr.args:
                return self._awaitables(expr.args[0], depth + 1)
            return [(self._sessions(expr), 1)]
        if isinstance(expr, _COMPREHENSIONS) and isinstance(expr.elt, ast.Call):
            return [(used, 2) for used, _ in self._awaitables(expr.elt, depth + 1)]
        if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            found = []
            for elt in expr.elts:
                found += self._awaitables(elt.value if isinstance(elt, ast.Starred) else elt, depth + 1)
            return found
        if isinstance(expr, ast.Name):
            binding = ctx.lookup(expr.id)
            if binding is not None and binding.kind == C.ASSIGN and binding.value is not None:
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
                self.ctx.report(node, CONCURRENT_SESSION_USE, kind=label, name=key, consequence=_CONSEQUENCES[label],
                                count="several" if count > len(awaitables) else str(count), call=describe(node))
                return

    def _label(self, key: str) -> str:
        return self.labels.get((id(self.ctx.scope.function), key), "session")

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        if not ctx.in_async:
            return
        qn = ctx.qualified_name(node.func)
        if qn == K.GATHER:
            awaitables = []
            for arg in node.args:
                awaitables += self._awaitables(arg.value if isinstance(arg, ast.Starred) else arg)
            self._report_shared(node, awaitables)
        elif qn in ("asyncio.wait", "asyncio.as_completed") and node.args:
            self._report_shared(node, self._awaitables(node.args[0]))
        else:
            self._task(node)

    # --- task sequences ------------------------------------------------------------------------
    def _task(self, node: ast.Call) -> None:
        ctx = self.ctx
        func = node.func
        group = None
        if ctx.qualified_name(func) in K.TASK_FACTORIES:
            pass
        elif isinstance(func, ast.Attribute) and func.attr == "create_task":
            if ctx.kind_of(func.value) == K.TASK_GROUP:
                group = ctx.binding_of(func.value)
            elif not ctx.is_loop(func.value):
                return
        else:
            return
        if not node.args or not isinstance(node.args[0], ast.Call):
            return
        used = self._sessions(node.args[0])
        if not used:
            return
        running = self.running.setdefault(id(ctx.scope.function), [])
        for key in sorted(used):
            if any(entry[0] == key for entry in running):
                label = self._label(key)
                ctx.report(node, CONCURRENT_SESSION_USE, "tasks", kind=label, name=key, call=describe(node),
                           consequence=_CONSEQUENCES[label])
                break
        entries = [[key, None, group] for key in used]
        running.extend(entries)
        self.pending_task_bindings[id(node)] = entries

    def bound(self, binding: Binding) -> None:
        entries = self.pending_task_bindings.pop(id(binding.value), None)
        if entries is not None:
            for entry in entries:
                entry[1] = binding

    def visit_Await(self, node: ast.Await) -> None:
        """Awaiting a task (alone, or through gather/wait) ends its overlap."""
        ctx = self.ctx
        running = self.running.get(id(ctx.scope.function))
        if not running:
            return
        value = node.value
        names = [value] if isinstance(value, ast.Name) else list(call_arguments(value)) if isinstance(value, ast.Call) else []
        done = {id(ctx.binding_of(name)) for name in names if isinstance(name, ast.Name)}
        running[:] = [entry for entry in running if id(entry[1]) not in done]

    def leave_AsyncWith(self, node: ast.AsyncWith) -> None:
        """Leaving ``async with TaskGroup() as tg`` waits for all of tg's tasks."""
        ctx = self.ctx
        running = self.running.get(id(ctx.scope.function))
        if not running:
            return
        groups = set()
        for item in node.items:
            if isinstance(item.optional_vars, ast.Name):
                groups.add(id(ctx.lookup(item.optional_vars.id)))
        running[:] = [entry for entry in running if id(entry[2]) not in groups]


@register
class TransactionChecker(Checker):
    """commit-failure-swallowed and expired-attribute-after-commit."""

    rules = (COMMIT_FAILURE_SWALLOWED, EXPIRED_ATTRIBUTE)

    def __init__(self, ctx):
        super().__init__(ctx)
        self.commits_in_try: dict[int, tuple[str, ast.Call]] = {}  # id(Try) -> (session, call)
        self.rolled_back: dict[int, set[str]] = {}  # id(handler) -> sessions rolled back/closed
        self.raising: set[int] = set()  # id(handler) with a raise
        # expired-attribute-after-commit: tracked ORM objects and their state
        self.tracked: dict[int, tuple[Binding, str]] = {}  # id(binding) -> (binding, session)
        self.expired: dict[int, str] = {}  # id(binding) -> the commit that expired it
        self.reported: set[int] = set()
        self.expiry_reports: list[tuple[ast.Attribute, dict]] = []
        self.expire_on_commit_off = False

    # --- helpers ---------------------------------------------------------------------------
    def _session_method(self, call: ast.AST, names) -> str | None:
        """The session spelling when ``call`` is ``<known session>.<one of names>(...)``."""
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr in names:
            if self.ctx.is_async_session(call.func.value):
                return dotted_name(call.func.value)
        return None

    # --- events --------------------------------------------------------------------------------
    def visit_Await(self, node: ast.Await) -> None:
        ctx = self.ctx
        if not ctx.in_async:
            return
        call = node.value
        session = self._session_method(call, ("commit", "flush"))
        if session is not None:
            opened_at = self._opened_by_async_with(call.func.value)
            for try_node, child in within_scope(ctx.frame, _TRY_NODES):
                if opened_at is not None and any(node is opened_at for node, _ in within_scope(ctx.frame, (ast.AsyncWith,))) \
                        and self._inside(opened_at, try_node):
                    break  # the session's own ``async with`` sits in the try: closed before any handler runs
                if any(s is child for s in try_node.body):
                    self.commits_in_try.setdefault(id(try_node), (session, call))
            if call.func.attr == "commit":
                self._expire(session, describe(call))
            return
        session = self._session_method(call, ("refresh",))
        if session is not None and call.args and isinstance(call.args[0], ast.Name):
            binding = ctx.lookup(call.args[0].id)
            if binding is not None:
                self.expired.pop(id(binding), None)

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        for keyword in node.keywords:
            if keyword.arg == "expire_on_commit" and isinstance(keyword.value, ast.Constant) and keyword.value.value is False:
                self.expire_on_commit_off = True
        if not ctx.in_async:
            return
        session = self._session_method(node, K.SESSION_CLOSERS | {"rollback"})
        if session is not None:
            for handler, _ in within_scope(ctx.frame, (ast.ExceptHandler,)):
                self.rolled_back.setdefault(id(handler), set()).add(session)
            return
        session = self._session_method(node, ("add",))
        if session is not None and node.args and isinstance(node.args[0], ast.Name):
            binding = ctx.lookup(node.args[0].id)
            if binding is not None:
                self._track(binding, session)

    def visit_Raise(self, node: ast.Raise) -> None:
        for handler, _ in within_scope(self.ctx.frame, (ast.ExceptHandler,)):
            self.raising.add(id(handler))

    def _opened_by_async_with(self, receiver: ast.AST) -> ast.AsyncWith | None:
        """The ``async with FACTORY() as s`` statement that made session ``receiver``."""
        binding = self.ctx.binding_of(receiver)
        if binding is None or binding.kind != C.WITH or not binding.is_async_with or binding.frame is None:
            return None
        frame = binding.frame
        while frame is not None and not isinstance(frame[0], ast.AsyncWith):
            frame = frame[1]
        return frame[0] if frame is not None else None

    @staticmethod
    def _inside(statement: ast.stmt, try_node: ast.Try) -> bool:
        return try_node.lineno < statement.lineno <= (try_node.body[-1].end_lineno or try_node.body[-1].lineno)

    def leave_Try(self, node: ast.Try) -> None:
        found = self.commits_in_try.pop(id(node), None)
        if found is None:
            return
        session, call = found
        for handler in node.handlers:
            if not self._catches_db_errors(handler.type):
                continue
            if id(handler) in self.raising or session in self.rolled_back.get(id(handler), ()):
                continue
            self.ctx.report(handler, COMMIT_FAILURE_SWALLOWED, call=describe(call), name=session)

    leave_TryStar = leave_Try

    def _catches_db_errors(self, type_expr: ast.AST | None) -> bool:
        if type_expr is None:
            return True
        if isinstance(type_expr, ast.Tuple):
            return any(self._catches_db_errors(elt) for elt in type_expr.elts)
        qn = self.ctx.qualified_name(type_expr) or ""
        return qn in ("builtins.Exception", "builtins.BaseException") or qn.startswith(
            ("sqlalchemy.exc.", "sqlalchemy.orm.exc.", "asyncpg.", "aiosqlite.", "sqlite3.")
        )

    # --- expired-attribute-after-commit ----------------------------------------------------
    def _track(self, binding: Binding, session: str) -> None:
        self.tracked[id(binding)] = (binding, session)
        self.expired.pop(id(binding), None)

    def _expire(self, session: str, commit: str) -> None:
        for key, (binding, owner) in self.tracked.items():
            if owner == session:
                self.expired[key] = commit
                self.reported.discard(key)

    def bound(self, binding: Binding) -> None:
        ctx = self.ctx
        value = binding.value
        if binding.kind != C.ASSIGN or value is None or not ctx.in_async or not isinstance(binding.node, ast.Name):
            return
        session = None
        if isinstance(value, ast.Await):
            session = self._session_method(value.value, K.SESSION_OBJECT_LOADERS)
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) \
                and value.func.attr in K.RESULT_OBJECT_GETTERS and isinstance(value.func.value, ast.Await):
            session = self._session_method(value.func.value.value, ("execute",))
        if session is not None:
            self._track(binding, session)

    def leave_AsyncWith(self, node: ast.AsyncWith) -> None:
        for item in node.items:
            session = self._session_method(item.context_expr, ("begin",))
            if session is not None:
                self._expire(session, f"async with {describe(item.context_expr)}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        ctx = self.ctx
        if not self.expired or type(node.ctx) is not ast.Load or not isinstance(node.value, ast.Name):
            return
        binding = ctx.lookup(node.value.id)
        if binding is None:
            return
        key = id(binding)
        commit = self.expired.get(key)
        if commit is None or key in self.reported or node.attr.startswith("__"):
            return
        parent = ctx.parent()
        if isinstance(parent, ast.Call) and parent.func is node:
            return  # a method call does not load column attributes
        self.reported.add(key)
        session = self.tracked[key][1]
        self.expiry_reports.append((node, {
            "attribute": f"{binding.name}.{node.attr}", "commit": commit, "name": binding.name,
            "session": session,
        }))

    def module_end(self) -> None:
        if self.expire_on_commit_off:
            return
        for node, fields in self.expiry_reports:
            self.ctx.report(node, EXPIRED_ATTRIBUTE, **fields)
