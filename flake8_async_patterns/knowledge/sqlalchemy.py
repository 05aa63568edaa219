"""SQLAlchemy's asyncio extension and the DB connections that run one statement at a time."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from ..semantic.context import Context
from ..semantic.scope import Binding, BindingKind, Scope
from ..semantic.source import Word
from ..semantic.text import dotted_name, last_segment
from .inference import kind_of
from .kinds import ASYNC_SESSION_CLASS, Kind

if TYPE_CHECKING:
    from collections.abc import Collection

    from ..settings import Settings

SESSION_COROUTINE_METHODS = frozenset(
    {
        "commit",
        "rollback",
        "execute",
        "scalar",
        "scalars",
        "get",
        "get_one",
        "refresh",
        "flush",
        "close",
        "delete",
        "merge",
        "stream",
        "stream_scalars",
        "run_sync",
        "invalidate",
        "reset",
        "connection",
    }
)
# One of these runs one statement at a time: two awaitables using it must not run concurrently.
SERIAL_DB_KINDS = frozenset(
    {Kind.ASYNC_SESSION, Kind.ASYNC_CONNECTION, Kind.ASYNCPG_CONNECTION, Kind.AIOSQLITE_CONNECTION}
)
SESSION_CLOSERS = frozenset({"close", "aclose", "invalidate"})
# ``await s.get(...)``, ``await s.scalar(...)``: ORM objects.  (Rows from ``first()``/``one()`` are not.)
SESSION_OBJECT_LOADERS = frozenset({"get", "get_one", "scalar"})
RESULT_OBJECT_GETTERS = frozenset({"scalar_one", "scalar_one_or_none", "scalar"})
DEPENDS = frozenset({"fastapi.Depends", "fastapi.params.Depends", "fastapi.Security"})
SESSION_DEPENDENCY_NAMES = frozenset({"get_session", "get_db", "get_async_session"})


def _factory_names(settings: Settings) -> tuple[str, ...]:
    return settings.session_factories


# Words without which a file cannot make a new AsyncSession (the class, a sessionmaker, a
# configured factory).
NEW_SESSION_WORDS: tuple[Word, ...] = ("AsyncSession", "sessionmaker", _factory_names)
# Handlers that can catch a failed commit/flush (besides bare ``except``/``Exception``/``BaseException``).
DB_ERROR_MODULES = ("sqlalchemy.exc.", "sqlalchemy.orm.exc.", "asyncpg.", "aiosqlite.", "sqlite3.")


def is_async_session(ctx: Context, expr: ast.AST) -> bool:
    """A *known session* receiver: a value known to be an AsyncSession, or -- in async context
    only -- an unannotated name or ``self.<attr>`` spelled as one of the configured session names."""
    kind = kind_of(ctx, expr)
    if kind is not None:
        return kind is Kind.ASYNC_SESSION
    if not ctx.in_async:
        return False
    # The name heuristic is for names whose making nobody can see: an annotation naming another
    # class (a MongoDB ``ClientSession``, an ``aiohttp.ClientSession``...) is the author's word,
    # and so is a visible construction of another class (``async with Database(url) as db``).
    if isinstance(expr, ast.Name):
        binding = ctx.lookup(expr.id)
        if binding is not None and (binding.kind is BindingKind.IMPORT or _typed_otherwise(ctx, binding)):
            return False
        value = binding.value if binding is not None and binding.kind is BindingKind.ASSIGN else None
        if isinstance(value, ast.Attribute) and ctx.instance_class(value.value) is not None:
            return is_async_session(ctx, value)  # ``session = self.session``: what the attribute is
        return expr.id in ctx.settings.session_names
    if isinstance(expr, ast.Attribute) and ctx.instance_class(expr.value) is not None:
        if any(_typed_otherwise(ctx, b) for b in ctx.attribute_bindings(expr)):
            return False
        return expr.attr in ctx.settings.session_names
    return False


# Standard-library modules whose functions make plain data (``json.loads``, ``pickle.load``...).  Not
# ``builtins``, ``typing`` or ``asyncio``: ``anext(get_session())``, ``cast(AsyncSession, s)`` and
# ``wait_for(factory(), t)`` hand a session on.
_DATA_MODULES = frozenset(
    {"json", "pickle", "marshal", "tomllib", "csv", "configparser", "urllib", "base64", "shlex", "plistlib", "re"}
)
_DISPLAYS = (
    ast.Dict,
    ast.List,
    ast.Set,
    ast.Tuple,
    ast.Constant,
    ast.JoinedStr,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
)


def _typed_otherwise(ctx: Context, binding: Binding) -> bool:
    """The binding says what its value is, and it is not a known session (the caller knows the
    kind is unknown): an annotation, an assignment of a literal or display (a dict, a list...), or
    an assignment/``with`` of a class instantiation (``Database(url)``, ``DBSession()`` -- a
    capitalised callable), of a ``connect(...)`` call or of a standard-library function that
    makes plain data (``json.loads(body)``), or a lookup whose default is a display (``event.get("session", {})``),
    or a parameter whose default is a literal other than ``None`` (``db=0``)."""
    if binding.annotation is not None:
        return True
    if binding.kind is BindingKind.LOOPVAR:
        element = _element_annotation(ctx, binding)
        return element is not None and not _names_sqlalchemy(ctx, element, binding.scope)
    value = binding.value
    if binding.kind is BindingKind.PARAM:  # ``db=0``: a Redis database number, not a session
        return type(value) is ast.Constant and value.value is not None
    if binding.kind not in (BindingKind.ASSIGN, BindingKind.WITH) or value is None:
        return False
    if isinstance(value, _DISPLAYS):
        return True  # ``session = {"access_token": ...}``: a dict, a list, a string...
    if isinstance(value, ast.Await):
        value = value.value
    if not isinstance(value, ast.Call):
        return False
    if isinstance(value.func, ast.Attribute) and value.func.attr == "get" and len(value.args) == 2:
        return isinstance(value.args[1], _DISPLAYS)  # ``session = event.get("session", {})``: a dict
    qualified = ctx.qualified_name(value.func, binding.scope)
    if qualified is not None and qualified.partition(".")[0] in _DATA_MODULES:
        return True  # ``session = json.loads(body)``: parsed data, not an ORM session
    returns = _declared_return(ctx, value.func, binding.scope)
    if returns is not None:
        return not _names_sqlalchemy(ctx, returns, binding.scope)  # ``-> SubprocessSession``: the author's word
    name = last_segment(value.func)
    # ``Database(url)``: another class; ``client.live.connect(...)``: a connection of an unknown
    # library (a driver's or SQLAlchemy's own connect() has a kind of its own), never an ORM session.
    return name is not None and (name[:1].isupper() or name == "connect")


_COPIES = frozenset({"list", "tuple", "sorted", "reversed", "set"})


def _element_annotation(ctx: Context, binding: Binding) -> ast.AST | None:
    """What the annotation of the iterable says a loop variable is: ``for session in
    list(self._sessions.values())`` with ``self._sessions: dict[int, Session]`` -> ``Session``
    (a mapping's values, or its keys when iterated itself; a sequence's items)."""
    loop = binding.frame[1][0] if binding.frame is not None and binding.frame[1] is not None else None
    if getattr(loop, "target", None) is not binding.node:
        return None
    iterable = loop.iter
    while type(iterable) is ast.Call and len(iterable.args) == 1 and getattr(iterable.func, "id", None) in _COPIES:
        iterable = iterable.args[0]
    values = type(iterable) is ast.Call and not iterable.args and last_segment(iterable.func) == "values"
    if values:
        iterable = iterable.func.value
    if isinstance(iterable, ast.Name):
        found = ctx.lookup(iterable.id, binding.scope)
        annotations = [found.annotation] if found is not None else []
    elif isinstance(iterable, ast.Attribute):
        annotations = [b.annotation for b in ctx.attribute_bindings(iterable, binding.scope)]
    else:
        return None
    annotation = next((a for a in annotations if a is not None), None)
    if type(annotation) is not ast.Subscript:
        return None
    items = annotation.slice.elts if type(annotation.slice) is ast.Tuple else [annotation.slice]
    return items[-1] if values else items[0]


def _declared_return(ctx: Context, func: ast.AST, scope: Scope) -> ast.AST | None:
    """The return annotation of the function of this module that ``func`` names (or of the method
    ``self.m`` names: agenta's ``session = await self.create_session(config)`` with ``-> Session``), if
    it has one."""
    if isinstance(func, ast.Attribute):
        cls = ctx.instance_class(func.value, scope)
        if cls is None:  # ``GatewaySession.from_dict(data)``: a class of the module, by its name
            owner = ctx.binding_of(func.value, scope)
            cls = owner.func_scope if owner is not None and owner.kind is BindingKind.CLASSDEF else None
        callee = ctx.method_binding(cls, func.attr) if cls is not None else None
    elif isinstance(func, ast.Name):
        callee = ctx.lookup(func.id, scope)
    else:
        return None
    node = callee.node if callee is not None and callee.kind is BindingKind.DEF else None
    return getattr(node, "returns", None)


_SESSION_IN_TEXT = re.compile(r"(?<![\w])(?:\w+\.)*(?:Async)?Session\b")


def _names_sqlalchemy(ctx: Context, annotation: ast.AST, scope: Scope) -> bool:
    """The annotation names a SQLAlchemy class, or says ``AsyncSession`` in a string."""
    for node in ast.walk(annotation):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SESSION_IN_TEXT.search(node.value):
            return True  # ``-> "AsyncSession"``, ``"Optional[Session]"`` -- not ``"GatewaySession"``
        if isinstance(node, (ast.Name, ast.Attribute)):
            qualified = ctx.qualified_name(node, scope) or ""
            if qualified.startswith("sqlalchemy.") or last_segment(node) == "AsyncSession":
                return True
    return False


def named_session(ctx: Context, expr: ast.AST) -> bool:
    """A known session by its name alone (no kind: nothing the module shows says what it is)."""
    return kind_of(ctx, expr) is None and is_async_session(ctx, expr)


def awaited_receiver(node: ast.AST) -> str | None:
    """The spelling of the object an ``await x.m(...)`` (or ``async with x.m(...)``, an item of
    one) calls a method of: the module uses ``x`` as an async object."""
    value = node.value if type(node) is ast.Await else node.context_expr if type(node) is ast.withitem else None
    func = value.func if type(value) is ast.Call else None
    return dotted_name(func.value) if type(func) is ast.Attribute else None


def db_receiver(ctx: Context, expr: ast.AST) -> str | None:
    """The spelling of ``expr`` when it is a known session or a DB connection that runs one
    statement at a time (AsyncSession, AsyncConnection, asyncpg/aiosqlite connection)."""
    spelled = dotted_name(expr)
    if spelled is None:
        return None
    if kind_of(ctx, expr) in SERIAL_DB_KINDS or is_async_session(ctx, expr):
        return spelled
    return None


def new_session_call(ctx: Context, expr: ast.AST | None) -> ast.Call | None:
    """``expr`` when it is a call that makes a new AsyncSession (``FACTORY()``, ``AsyncSession(...)``)."""
    if isinstance(expr, ast.Call) and kind_of(ctx, expr) is Kind.ASYNC_SESSION:
        return expr
    return None


def factory_in_module(ctx: Context, session: ast.AST) -> bool:
    """Whether the session ``session`` refers to was made, visibly in this module, by
    ``AsyncSession(...)`` or by a factory this module binds (``async_session = async_sessionmaker(...)``)
    -- so its ``expire_on_commit`` is known here."""
    binding = ctx.binding_of(session)
    if binding is None or binding.kind not in (BindingKind.ASSIGN, BindingKind.WITH):
        return False
    call = new_session_call(ctx, binding.value)
    if call is None:
        return False
    if ctx.qualified_name(call.func, binding.scope) == ASYNC_SESSION_CLASS:
        return True
    factory = ctx.binding_of(call.func, binding.scope)
    return factory is not None and factory.kind is BindingKind.ASSIGN and isinstance(factory.value, ast.Call)


def session_method_call(ctx: Context, call: ast.AST, names: Collection[str]) -> str | None:
    """The session spelling when ``call`` is ``<known session>.<one of names>(...)``."""
    if (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr in names
        and fits_session_method(call)
        and is_async_session(ctx, call.func.value)
    ):
        return dotted_name(call.func.value)
    return None


def fits_session_method(call: ast.Call) -> bool:
    """Whether the call's arguments fit the AsyncSession method it names: ``get``/``get_one`` take
    the entity and its identity -- ``session.get("runs")``, one argument, is a mapping's ``get``."""
    if call.func.attr in ("get", "get_one"):
        if call.args and isinstance(call.args[0], ast.Constant):
            return False  # ``session.get("cursor", 0)``: a key, where the session's get takes a mapped class
        return len(call.args) >= 2 or any(keyword.arg == "ident" for keyword in call.keywords)
    return True
