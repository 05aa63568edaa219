"""AsyncSession lifecycle: sessions never closed, shared globally, returned from dependencies,
or asked for the sync Query API (unclosed-session, global-session, session-dependency-returns,
sync-session-api-on-async-session)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...checker import Checker
from ...knowledge.kinds import EXIT_STACK_TAKERS
from ...knowledge.sqlalchemy import (
    DEPENDS,
    NEW_SESSION_WORDS,
    SESSION_CLOSERS,
    SESSION_DEPENDENCY_NAMES,
    is_async_session,
    named_session,
    new_session_call,
)
from ...semantic.fields import annotations_of
from ...semantic.flow import closed_on_every_path, hands_on
from ...semantic.frames import parent_of
from ...semantic.scope import Binding, BindingKind, Scope, ScopeKind
from ...semantic.source import ASYNC_CODE
from ...semantic.text import describe, dotted_name
from ._shared import SA_ASYNCIO, SA_SESSION_BASICS, SEED_LIFECYCLE, AwaitedReceivers, session_rule

if TYPE_CHECKING:
    from ...semantic.context import Context

UNCLOSED_SESSION = session_rule(
    code="AIO601",
    name="unclosed-session",
    default_enabled=True,
    message=(
        "session '{name}' from '{call}' is never closed; use 'async with {factory} as {name}:' (or close it in a "
        "'finally')"
    ),
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
    seed=SEED_LIFECYCLE + ' ("WRONG: Forgetting to close")',
    notes=(
        "`with FACTORY() as s` (plain `with`) is AIO504 alone; this rule does not also fire.",
        "Returning the new session is not this rule's business: in a dependency it is AIO606.",
        "Exceptions are not counted as paths: a close in the straight-line code after the session "
        "counts as closing it; use `async with` to be safe on errors as well.",
    ),
    references=(SA_SESSION_BASICS + "#closing", SA_ASYNCIO + "#synopsis-orm"),
)

GLOBAL_SESSION = session_rule(
    code="AIO605",
    name="global-session",
    default_enabled=True,
    message=(
        "session '{name}' lives at {where} level; make sessions request-scoped ('async with FACTORY() as session:' "
        "per request or task)"
    ),
    variants={
        "global": (
            "'global {name}' makes a session shared by every caller; make sessions request-scoped ('async with "
            "FACTORY() as session:' per request or task)"
        ),
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
    seed=SEED_LIFECYCLE + ' ("WRONG: Global session")',
    notes=(
        "A module-level `async_sessionmaker(...)` or engine is correct and never reported.",
        "Reported at the assignment, or at the `global` statement when a function binds the session through `global`.",
    ),
    references=(SA_SESSION_BASICS + "#session-faq-whentocreate",),
)

SESSION_DEPENDENCY_RETURNS = session_rule(
    code="AIO606",
    name="session-dependency-returns",
    default_enabled=True,
    message=(
        "dependency '{function}' returns a new session that is never closed; use 'async with {factory} as session: "
        "yield session'"
    ),
    summary=(
        "A function used in `Depends(...)` in the same module (a method too: `Depends(database.session)`), or "
        "a module function named `get_session`, `get_db` or `get_async_session`, that `return`s a new session "
        "(`return FACTORY()`, or a local made so) instead of yielding it from `async with`."
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
    seed=SEED_LIFECYCLE + ' ("CORRECT: Session scoped to request via dependency")',
    notes=(
        "Generator dependencies (with `yield`) are never reported. Reported at the `return`.",
        "The names alone mark module functions, not methods: `engine.get_async_session()` returning "
        "`self._sessionmaker()` is a factory whose callers enter the session with `async with` (cognee's "
        "relational engine).",
    ),
    references=(
        "https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-with-yield/",
        SA_SESSION_BASICS + "#session-faq-whentocreate",
    ),
)

SYNC_SESSION_API = session_rule(
    code="AIO607",
    name="sync-session-api-on-async-session",
    default_enabled=True,
    raises_or_warns=True,
    message=(
        "'{call}' on AsyncSession '{name}': AsyncSession has no 'query' (AttributeError); use 'await "
        "{name}.execute(select(...))'"
    ),
    summary="`s.query(...)` on a known AsyncSession.",
    why=(
        "`AsyncSession` does not offer the legacy `Query` API: `session.query` raises "
        "`AttributeError`. Queries are 2.0-style `select()` statements run with "
        "`await session.execute(...)`/`session.scalars(...)`."
    ),
    example=(
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "async def active_users(session: AsyncSession, User):\n"
        "    return session.query(User).filter(User.active).all()\n"
    ),
    use_instead=(
        "from sqlalchemy import select\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "async def active_users(session: AsyncSession, User):\n"
        "    result = await session.scalars(select(User).where(User.active))\n"
        "    return result.all()\n"
    ),
    seed="000/001 (every query is `await session.execute(select(...))`)",
    notes=(
        "In sync code only annotations and constructors make a session async; the "
        "name heuristic applies inside coroutines only. A sync Session's `.query` in a coroutine "
        "is AIO205.",
        "A session known by its name alone (`db`, `self.db`: no annotation, no visible factory) is taken for "
        "an AsyncSession only in a module that awaits a method of that same spelling somewhere (`await "
        "db.execute(...)`, `async with db.begin()`): a module that only ever calls `db.query(...)` and "
        "`db.commit()` uses a sync `Session` (JupyterHub's handlers), and is not reported.",
    ),
    references=(
        SA_ASYNCIO + "#synopsis-orm",
        "https://docs.sqlalchemy.org/en/20/changelog/migration_20.html#migration-orm-usage",
    ),
)


def _factory_spelling(call: ast.AST) -> str:
    return describe(call) if isinstance(call, ast.Call) else "FACTORY()"


class SessionLifecycleChecker(Checker):
    """unclosed-session, global-session, session-dependency-returns."""

    rules = (UNCLOSED_SESSION, GLOBAL_SESSION, SESSION_DEPENDENCY_RETURNS)
    requires = (NEW_SESSION_WORDS,)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.locals: list[Binding] = []
        self.globals: dict[tuple[Scope, str], ast.Global] = {}
        self.dependencies: set[str] = set()
        self.method_dependencies: set[str] = set()
        self.returns: list[tuple[ast.Return, Scope, ast.Call]] = []

    def bound(self, binding: Binding) -> None:
        ctx = self.ctx
        if binding.kind is not BindingKind.ASSIGN or not isinstance(binding.node, ast.Name):
            return
        call = new_session_call(ctx, binding.value)
        if call is None:
            return
        where = ctx.scope
        if where.kind in (ScopeKind.MODULE, ScopeKind.CLASS):
            statement = parent_of(binding.frame)
            ctx.report(statement, GLOBAL_SESSION, name=binding.name, where=where.kind.value)
            return
        if binding.scope.kind is ScopeKind.MODULE:  # bound through ``global``
            declared = self.globals.get((where.function, binding.name))
            if declared is not None:
                ctx.report(declared, GLOBAL_SESSION, "global", name=binding.name)
            return
        if binding.scope.kind is ScopeKind.FUNCTION:
            ctx.watch(binding)
            self.locals.append(binding)

    def visit_Global(self, node: ast.Global) -> None:
        function = self.ctx.function
        for name in node.names:
            self.globals.setdefault((function, name), node)

    def visit_Return(self, node: ast.Return) -> None:
        ctx = self.ctx
        function = ctx.function
        if function.kind is not ScopeKind.FUNCTION:
            return
        value = node.value
        call = new_session_call(ctx, value)
        if call is None and isinstance(value, ast.Name):
            binding = ctx.lookup(value.id)
            if binding is not None and binding.kind is BindingKind.ASSIGN and binding.scope is function:
                call = new_session_call(ctx, binding.value)
        if call is not None:
            self.returns.append((node, function, call))

    def visit_Call(self, node: ast.Call) -> None:
        """``Depends(provide_session)`` anywhere but in an annotation (a default, a type alias)."""
        ctx = self.ctx
        if not (node.args or node.keywords) or ctx.qualified_name(node.func) not in DEPENDS:
            return
        targets = node.args[:1] + [keyword.value for keyword in node.keywords if keyword.arg == "dependency"]
        for target in targets:
            if isinstance(target, ast.Name):
                self.dependencies.add(target.id)
            elif isinstance(target, ast.Attribute):  # ``Depends(database.session)``: a method
                self.method_dependencies.add(target.attr)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """``session: Annotated[AsyncSession, Depends(provide_session)]``: the traversal does not
        walk annotations, so their ``Annotated`` metadata is read here (in the scope around the
        function, where annotations are evaluated)."""
        for annotation in annotations_of(node):
            self._annotated_dependencies(annotation)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._annotated_dependencies(node.annotation)

    def _annotated_dependencies(self, annotation: ast.expr) -> None:
        if isinstance(annotation, ast.Subscript) and isinstance(annotation.slice, ast.Tuple):
            for item in annotation.slice.elts[1:]:
                if isinstance(item, ast.Call):
                    self.visit_Call(item)

    visit_AsyncFunctionDef = visit_FunctionDef

    def module_end(self) -> None:
        ctx = self.ctx
        for binding in self.locals:
            if not self._handled(binding):
                call = binding.value
                ctx.report(
                    call, UNCLOSED_SESSION, name=binding.name, call=describe(call), factory=_factory_spelling(call)
                )
        for node, function, call in self.returns:
            if function.has_yield:
                continue
            if function.is_method:  # ``engine.get_async_session()``: an API, unless Depends names it
                dependency = function.name in self.method_dependencies
            else:
                dependency = function.name in SESSION_DEPENDENCY_NAMES or function.name in self.dependencies
            if dependency:
                ctx.report(node, SESSION_DEPENDENCY_RETURNS, function=function.name, factory=_factory_spelling(call))

    @staticmethod
    def _handled(binding: Binding) -> bool:
        """Entered with ``async with``, closed on every path, or handed on."""
        for frame in binding.loads:
            if hands_on(frame, EXIT_STACK_TAKERS):
                return True
            parent = parent_of(frame)
            if (
                isinstance(parent, ast.Attribute)
                and parent.attr in SESSION_CLOSERS
                and closed_on_every_path(binding, frame)
            ):
                return True
        return False


class SessionApiChecker(AwaitedReceivers):
    """sync-session-api-on-async-session."""

    rules = (SYNC_SESSION_API,)
    # a known AsyncSession is made or annotated in the file, or named so in async code
    requires = (("query",), (ASYNC_CODE, *NEW_SESSION_WORDS))

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.named: list[tuple[ast.Call, str]] = []  # ``db.query()`` on a session known by its name only

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "query" and is_async_session(ctx, func.value)):
            return
        if named_session(ctx, func.value):
            self.named.append((node, dotted_name(func.value) or ""))  # decided once every await is seen
        else:
            ctx.report(node, SYNC_SESSION_API, call=describe(node), name=describe(func.value))

    def module_end(self) -> None:
        """A session known by its name only counts when the module awaits a method of it somewhere:
        a module that only ever calls ``db.query(...)``, ``db.commit()`` uses a sync ``Session``."""
        for node, receiver in self.named:
            if receiver in self.awaited_receivers:
                self.ctx.report(node, SYNC_SESSION_API, call=describe(node), name=describe(node.func.value))
