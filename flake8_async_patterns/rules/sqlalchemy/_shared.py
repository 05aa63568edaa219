"""What the SQLAlchemy rules share: documentation links, the known-session note, and the base of
the checkers that ask which objects the module awaits methods of."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...checker import Checker
from ...knowledge.sqlalchemy import awaited_receiver
from ...registry import Rule, declare
from ...settings import SESSION_FACTORIES, SESSION_NAMES

if TYPE_CHECKING:
    from ...semantic.context import Context

SA_ASYNCIO = "https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html"
SA_SESSION_BASICS = "https://docs.sqlalchemy.org/en/20/orm/session_basics.html"
SA_ERRORS = "https://docs.sqlalchemy.org/en/20/errors.html"
KNOWN_SESSION_NOTE = (
    "A known session is a name bound by `async with FACTORY() as s`, `s = FACTORY()`, "
    "`AsyncSession(...)`, annotated `AsyncSession` (any import spelling, `Optional`/`Annotated` "
    "included, and a same-module alias such as `SessionDep = Annotated[AsyncSession, Depends(get_db)]`), "
    "or -- in async code only -- a parameter, variable or `self.<attr>` named as in "
    "`--aio-session-names` (default `session`, `db`, `db_session`, `async_session`) whose making "
    "says nothing else: an annotation naming another class (a MongoDB `ClientSession`) or a visible "
    "construction of another class (`async with Database(url) as db`, `db = DBSession()`), a "
    "`connect(...)` call of a library without a kind of its own (`async with client.live.connect() as "
    "session`: a connection, such as a full-duplex websocket, not an ORM session) or a "
    'literal (`session = {"token": ...}`, `session = event.get("session", {})`, a parameter\'s default such as '
    "`db=0`, a Redis database number) or a call of a standard-library "
    "function that parses data (`session = json.loads(body)`, `pickle`, `tomllib`, ...) or of a function of the "
    "module (or method of the class, `session = await self.create_session()`, or of a class of the module, "
    "`GatewaySession.from_dict(data)`) whose return annotation names a class that is not SQLAlchemy's -- in a "
    "string too, `-> 'GatewaySession'` -- (`session = start_worker()` with "
    "`def start_worker() -> SubprocessSession`), or a loop over a container whose annotation names another "
    "class as its items (`for session in self._sessions.values()` with `self._sessions: dict[int, Session]`, "
    "repid's AMQP sessions) wins over the name, and a "
    "local copied from `self.<attr>` (`session = self.session`) is whatever that attribute is; "
    '`session.get("runs")` with one argument, or `session.get("cursor", 0)` with a literal key, is a '
    "mapping's `get` (AsyncSession's takes the entity class and its identity). A factory is a "
    "name (or a `self.<attr>` of the class) bound to `async_sessionmaker(...)` or `sessionmaker(..., "
    "class_=AsyncSession)`, or a name in `--aio-session-factories` (in a module with an `async def`: in one "
    "without, such a name alone makes sync sessions -- FastAPI's sync tutorial and langchain-chatchat call their "
    "`sessionmaker` `SessionLocal`); one bound to a plain `sessionmaker(...)` "
    "is sync, whatever it is called (langroid's `self.SessionLocal = sessionmaker(bind=engine)`): its "
    "sessions are reported as blocking database calls in async code, never as AsyncSession misuse."
)
SEED_LIFECYCLE = '000/001 "AsyncSession Lifecycle" and "Connection Pool Management"'


def session_rule(*, notes: tuple[str, ...] = (), **fields: object) -> Rule:
    """``declare`` with what every SQLAlchemy rule shares: the session options and the
    known-session note first among its notes."""
    return declare(options=(SESSION_NAMES, SESSION_FACTORIES), notes=(KNOWN_SESSION_NOTE, *notes), **fields)


class AwaitedReceivers(Checker):
    """Base of a checker that asks, at the module end, whether the module awaits a method of an
    object somewhere (``awaited_receivers``: the ``x`` of every ``await x.m(...)``, ``async with x.m()``).
    It implements no rule itself."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.awaited_receivers: set[str] = set()

    def visit_Await(self, node: ast.Await) -> None:
        receiver = awaited_receiver(node)
        if receiver is not None:
            self.awaited_receivers.add(receiver)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self.awaited_receivers.update(filter(None, map(awaited_receiver, node.items)))
