"""Transactions: failed commits swallowed, ORM objects read after the commit expired them
(commit-failure-swallowed, expired-attribute-after-commit)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...checker import Checker
from ...knowledge.sqlalchemy import (
    DB_ERROR_MODULES,
    RESULT_OBJECT_GETTERS,
    SESSION_CLOSERS,
    SESSION_OBJECT_LOADERS,
    factory_in_module,
    session_method_call,
)
from ...semantic.flow import RAISES, Outcome, handler_always_raises, outcomes
from ...semantic.frames import (
    TRY_NODES,
    Arms,
    branch_arms,
    exclusive,
    holding_list,
    in_statement_list,
    parent_of,
    within_scope,
)
from ...semantic.scope import Binding, BindingKind
from ...semantic.source import ASYNC_CODE
from ...semantic.text import describe, dotted_name, dotted_names_in
from ._shared import SA_ASYNCIO, SA_ERRORS, SA_SESSION_BASICS, session_rule

if TYPE_CHECKING:
    from ...semantic.context import Context

COMMIT_FAILURE_SWALLOWED = session_rule(
    code="AIO603",
    name="commit-failure-swallowed",
    default_enabled=True,
    async_only=True,
    message=(
        "handler swallows a failed '{call}' on '{name}'; call 'await {name}.rollback()' or re-raise (or use 'async "
        "with {name}.begin():')"
    ),
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
    seed='000/001 "Transaction Boundaries" (`except Exception: await session.rollback(); raise`)',
    notes=(
        "Raising any exception in the handler counts as propagating, and `await s.close()` counts as rolling back.",
        "`async with s.begin():` blocks roll back on their own and need no handler: a `flush()`/`commit()` "
        "inside `async with s.begin():` (or `begin_nested()`) of the same session is not reported for a "
        "`try` around that block -- the block has rolled back before the handler runs (dbos' step retry).",
        "Handlers for unrelated exceptions (`except KeyError:`) cannot catch the failure and are "
        "not reported, nor is a `try` around the session's own `async with FACTORY() as s:` -- "
        "leaving that block rolls back and closes the session before the handler runs.",
        "Nor a handler inside the session's own block (`async with FACTORY() as s:`, `async with s:`, also "
        "`async with s if mine else nullcontext():`) that returns or raises on every path: leaving the block "
        "closes the session, which rolls it back, and the lost write is answered by the return "
        "(nonebot-plugin-value's `return False`). A handler that falls off its end leaves the block going on "
        "with the failed session and is reported -- unless the statements after the `try` in its block "
        "return or raise on every path without naming the session (litestar-api-auth saves a sanitised "
        "error in the handler and raises it right after the `try`).",
        "Only the innermost `try` whose handler takes the failure is judged: a handler around it sees the "
        "failure only if that handler re-raises on every path (langflow's file sync: an outer `except "
        "Exception` for the file's errors is not reported again for the inner try's flush).",
    ),
    references=(SA_SESSION_BASICS + "#framing-out-a-begin-commit-rollback-block", SA_ERRORS + "#error-7s2a"),
)

EXPIRED_ATTRIBUTE = session_rule(
    code="AIO604",
    name="expired-attribute-after-commit",
    default_enabled=True,
    async_only=True,
    raises_or_warns=True,
    message=(
        "'{attribute}' is read after '{commit}' expired '{name}'; its lazy reload is implicit IO (MissingGreenlet): "
        "'await {session}.refresh({name})' first, or use 'expire_on_commit=False'"
    ),
    variants={
        "unseen_factory": (
            "'{attribute}' is read after '{commit}' expired '{name}'; its lazy reload is implicit IO "
            "(MissingGreenlet): 'await {session}.refresh({name})' first, or use 'expire_on_commit=False' "
            "(if the session factory, not in this module, sets it already: --aio-expire-on-commit=false)"
        ),
    },
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
    seed='000/001 "Transaction Boundaries" and "Post-Condition Validation" (refresh after commit)',
    notes=(
        "Rows from `.first()`/`.one()` are not ORM objects and are not tracked, nor "
        "are objects taken from a stored `Result`.",
        "`expire_on_commit=False` anywhere in the module (on `async_sessionmaker`, `AsyncSession` or "
        "`sessionmaker`) turns the rule off for the module. A session whose factory is not in the "
        "module (a parameter, a `Depends(get_session)` dependency, an import) follows "
        "`--aio-expire-on-commit`: `true` by default (SQLAlchemy's default), `false` for projects "
        "whose factory sets `expire_on_commit=False` in another module -- the usual FastAPI layout. "
        "A factory visible in the module always wins over the option.",
        "A read in the other arm of the `if` that committed is not after the commit, nor is a read after an `if` "
        "whose arm committed and then returned or raised (nonebot-plugin-ai-groupmate), nor is an object loaded "
        "by a session of an earlier `async with FACTORY() as s` block once another block opened a new session of "
        "the same name (langflow's storage coordinator): a commit expires its own session's objects.",
        "Reported once per object and commit, at the first read; method calls (`user.greet()`) and "
        "attribute assignments do not load and are not reported.",
    ),
    references=(SA_ASYNCIO + "#preventing-implicit-io-when-using-asyncsession", SA_ERRORS + "#error-xd2s"),
)

_ROLLBACKS = SESSION_CLOSERS | {"rollback"}
_LEAVES = RAISES | {Outcome.EXIT}  # ways out of the function


def _left_behind(commit_arms: Arms, read_arms: Arms) -> bool:
    """The commit sits in an ``if`` arm that always leaves the function (``if media is None: ...
    await s.commit(); return``) and the read is outside that arm: no path runs one after the other."""
    inside = set(read_arms)
    for node, in_body in commit_arms:
        arm = node.body if in_body else node.orelse
        if (node, in_body) not in inside and not outcomes(arm) - _LEAVES:
            return True
    return False


class _Tracked:
    """An ORM object of a session, and the commit that expired it (if any since its load)."""

    __slots__ = ("expired_arms", "expired_by", "factory_in_module", "opened", "reported", "session")

    def __init__(
        self,
        session: str,
        factory_in_module: bool,
        opened: Binding | None = None,
        expired_by: str | None = None,
        expired_arms: Arms = (),
        reported: bool = False,
    ) -> None:
        self.session = session
        self.opened = opened  # the ``async with FACTORY() as s`` binding of the session, if known
        self.factory_in_module = factory_in_module  # the session's factory is visible here (so is its expire_on_commit)
        self.expired_by = expired_by
        self.expired_arms = expired_arms  # the ``if`` arms of that commit
        self.reported = reported


class TransactionChecker(Checker):
    """commit-failure-swallowed and expired-attribute-after-commit."""

    rules = (COMMIT_FAILURE_SWALLOWED, EXPIRED_ATTRIBUTE)
    requires = ((ASYNC_CODE,), ("commit", "flush", "begin"))

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.commits_in_try: dict[ast.AST, tuple[str, ast.Call]] = {}  # try statement -> (session, call)
        self.rolled_back: dict[ast.ExceptHandler, set[str]] = {}  # sessions rolled back/closed in a handler
        # expired-attribute-after-commit: tracked ORM objects and their state
        self.tracked: dict[Binding, _Tracked] = {}
        self.expiry_reports: list[tuple[ast.Attribute, bool, dict[str, str]]] = []
        self.expire_on_commit_off = False

    # --- events --------------------------------------------------------------------------------
    def visit_Await(self, node: ast.Await) -> None:
        ctx = self.ctx
        if not ctx.in_async:
            return
        call = node.value
        session = session_method_call(ctx, call, ("commit", "flush"))
        if session is not None:
            opened_at = self._opened_by_async_with(call.func.value)
            chain = list(within_scope(ctx.frame, (*TRY_NODES, ast.AsyncWith)))
            for index, (try_node, child) in enumerate(chain):
                if isinstance(try_node, ast.AsyncWith):
                    if in_statement_list(child, try_node.body) and self._begins(try_node, session):
                        break  # ``async with s.begin():`` rolls back before any handler around it runs
                    continue
                if (
                    opened_at is not None
                    and any(node is opened_at for node, _ in within_scope(ctx.frame, (ast.AsyncWith,)))
                    and self._inside(opened_at, try_node)
                ):
                    break  # the session's own ``async with`` sits in the try: closed before any handler runs
                if in_statement_list(child, try_node.body):
                    owned = any(
                        isinstance(block, ast.AsyncWith) and self._owns(block, session, opened_at)
                        for block, _ in chain[index + 1 :]
                    )
                    self.commits_in_try.setdefault(try_node, (session, call, owned))
                    if any(self._catches_db_errors(h.type) and not handler_always_raises(h) for h in try_node.handlers):
                        break  # this try's handler takes the failure: no handler around it sees it
            if call.func.attr == "commit":
                self._expire(session, describe(call), branch_arms(ctx.frame), call.func.value)
            return
        session = session_method_call(ctx, call, ("refresh",))
        if session is not None and call.args and isinstance(call.args[0], ast.Name):
            binding = ctx.lookup(call.args[0].id)
            tracked = self.tracked.get(binding)
            if tracked is not None:
                tracked.expired_by = None

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        for keyword in node.keywords:
            if (
                keyword.arg == "expire_on_commit"
                and isinstance(keyword.value, ast.Constant)
                and keyword.value.value is False
            ):
                self.expire_on_commit_off = True
        if not ctx.in_async:
            return
        session = session_method_call(ctx, node, _ROLLBACKS)
        if session is not None:
            for handler, _ in within_scope(ctx.frame, (ast.ExceptHandler,)):
                self.rolled_back.setdefault(handler, set()).add(session)
            return
        session = session_method_call(ctx, node, ("add",))
        if session is not None and node.args and isinstance(node.args[0], ast.Name):
            binding = ctx.lookup(node.args[0].id)
            if binding is not None:
                self._track(binding, session, node)

    def _opened_by_async_with(self, receiver: ast.AST) -> ast.AsyncWith | None:
        """The ``async with FACTORY() as s`` statement that made session ``receiver``."""
        binding = self.ctx.binding_of(receiver)
        if (
            binding is None
            or binding.kind is not BindingKind.WITH
            or not binding.is_async_with
            or binding.frame is None
        ):
            return None
        return next((node for node, _ in within_scope(binding.frame, (ast.AsyncWith,))), None)

    def _begins(self, statement: ast.AsyncWith, session: str) -> bool:
        """``async with session.begin():`` (or ``begin_nested()``) of this very session."""
        return any(
            session_method_call(self.ctx, item.context_expr, ("begin", "begin_nested")) == session
            for item in statement.items
        )

    @staticmethod
    def _owns(block: ast.AsyncWith, session: str, opened_at: ast.AsyncWith | None) -> bool:
        """The session's own ``async with``: ``async with FACTORY() as s`` or ``async with s`` (also
        ``async with s if mine else nullcontext()``) -- leaving it closes the session, which rolls back."""
        if block is opened_at:
            return True
        for item in block.items:
            expr = item.context_expr
            arms = (expr.body, expr.orelse) if isinstance(expr, ast.IfExp) else (expr,)
            if any(dotted_name(arm) == session for arm in arms):
                return True
        return False

    @staticmethod
    def _inside(statement: ast.stmt, try_node: ast.Try) -> bool:
        return try_node.lineno < statement.lineno <= (try_node.body[-1].end_lineno or try_node.body[-1].lineno)

    def leave_Try(self, node: ast.Try) -> None:
        found = self.commits_in_try.pop(node, None)
        if found is None:
            return
        session, call, owned = found
        for handler in node.handlers:
            if not self._catches_db_errors(handler.type):
                continue
            if session in self.rolled_back.get(handler, ()) or handler_always_raises(handler):
                continue
            if owned and self._leaves_block(handler, node, session):
                continue  # every path leaves the session's own block, which closes it: rolled back
            self.ctx.report(handler, COMMIT_FAILURE_SWALLOWED, call=describe(call), name=session)

    leave_TryStar = leave_Try

    def _leaves_block(self, handler: ast.ExceptHandler, try_node: ast.Try, session: str) -> bool:
        """Every path of ``handler`` leaves the function -- directly, or by falling off its end into
        statements after ``try_node`` in its block that leave on every path without naming ``session``
        (litestar-api-auth's ``raise error_to_raise`` after the ``try`` whose handler saved it)."""
        ends = outcomes(handler.body) - _LEAVES
        if not ends:
            return True
        if ends != {Outcome.FALL}:
            return False
        found = holding_list(try_node, parent_of(self.ctx.frame))
        after = found[0][found[1] + 1 :] if found is not None else []
        return bool(after) and not outcomes(after) - _LEAVES and session not in dotted_names_in(after)

    def _catches_db_errors(self, type_expr: ast.AST | None) -> bool:
        if type_expr is None:
            return True
        if isinstance(type_expr, ast.Tuple):
            return any(self._catches_db_errors(elt) for elt in type_expr.elts)
        qn = self.ctx.qualified_name(type_expr) or ""
        return qn in ("builtins.Exception", "builtins.BaseException") or qn.startswith(DB_ERROR_MODULES)

    # --- expired-attribute-after-commit ----------------------------------------------------
    def _track(self, binding: Binding, session: str, session_call: ast.Call) -> None:
        """``binding`` holds an ORM object of ``session``, the receiver of ``session_call``."""
        receiver = session_call.func.value
        self.tracked[binding] = _Tracked(session, factory_in_module(self.ctx, receiver), self._opened(receiver))

    def _opened(self, receiver: ast.AST) -> Binding | None:
        binding = self.ctx.binding_of(receiver)
        return binding if binding is not None and binding.kind is BindingKind.WITH else None

    def _expire(self, session: str, commit: str, arms: Arms, receiver: ast.AST) -> None:
        opened = self._opened(receiver)
        for tracked in self.tracked.values():
            if tracked.session == session and not (opened and tracked.opened and opened is not tracked.opened):
                tracked.expired_by = commit
                tracked.expired_arms = arms
                tracked.reported = False

    def bound(self, binding: Binding) -> None:
        ctx = self.ctx
        value = binding.value
        if (
            binding.kind is not BindingKind.ASSIGN
            or value is None
            or not ctx.in_async
            or not isinstance(binding.node, ast.Name)
        ):
            return
        session = loader = None
        if isinstance(value, ast.Await):
            loader = value.value
            session = session_method_call(ctx, loader, SESSION_OBJECT_LOADERS)
        elif (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in RESULT_OBJECT_GETTERS
            and isinstance(value.func.value, ast.Await)
        ):
            loader = value.func.value.value
            session = session_method_call(ctx, loader, ("execute",))
        if session is not None:
            self._track(binding, session, loader)

    def leave_AsyncWith(self, node: ast.AsyncWith) -> None:
        for item in node.items:
            session = session_method_call(self.ctx, item.context_expr, ("begin",))
            if session is not None:
                receiver = item.context_expr.func.value
                self._expire(
                    session, f"async with {describe(item.context_expr)}", branch_arms(self.ctx.frame), receiver
                )

    def visit_Attribute(self, node: ast.Attribute) -> None:
        ctx = self.ctx
        if not self.tracked or type(node.ctx) is not ast.Load or not isinstance(node.value, ast.Name):
            return
        binding = ctx.lookup(node.value.id)
        tracked = self.tracked.get(binding)
        if tracked is None or tracked.expired_by is None or tracked.reported or node.attr.startswith("__"):
            return
        arms = branch_arms(ctx.frame)
        if exclusive(tracked.expired_arms, arms) or _left_behind(tracked.expired_arms, arms):
            return  # read in the other arm of the ``if`` that committed, or past an arm that returned
        parent = ctx.parent()
        if isinstance(parent, ast.Call) and parent.func is node:
            return  # a method call does not load column attributes
        tracked.reported = True
        self.expiry_reports.append(
            (
                node,
                tracked.factory_in_module,
                {
                    "attribute": f"{binding.name}.{node.attr}",
                    "commit": tracked.expired_by,
                    "name": binding.name,
                    "session": tracked.session,
                },
            )
        )

    def module_end(self) -> None:
        if self.expire_on_commit_off:
            return  # a factory of this module sets expire_on_commit=False
        unseen_expire = self.ctx.settings.expire_on_commit
        for node, visible, fields in self.expiry_reports:
            if visible:
                self.ctx.report(node, EXPIRED_ATTRIBUTE, **fields)
            elif unseen_expire:
                self.ctx.report(node, EXPIRED_ATTRIBUTE, "unseen_factory", **fields)
