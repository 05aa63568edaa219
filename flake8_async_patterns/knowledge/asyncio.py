"""asyncio: coroutine functions and methods, task spawning, loop management, ordered operations."""

from __future__ import annotations

import ast

from ..semantic.context import Context
from ..semantic.frames import TRY_NODES, in_statement_list, never_from, within_scope
from ..semantic.scope import Binding, BindingKind
from ..semantic.source import ASYNC_CODE, Word
from ..semantic.symbols import Symbol
from ..semantic.text import decorator_target, dotted_name, is_stub, last_segment
from .http import (
    AIOFILES_COROUTINE_METHODS,
    AWAITABLE_CONTEXT_FUNCTIONS,
    AWAITABLE_CONTEXT_METHODS,
    CLIENT_COROUTINE_METHODS,
)
from .inference import SPAWN_METHODS, kind_of, task_spawner
from .kinds import Kind
from .sqlalchemy import (
    NEW_SESSION_WORDS,
    SERIAL_DB_KINDS,
    SESSION_COROUTINE_METHODS,
    fits_session_method,
    is_async_session,
)

TASKGROUP_PYTHON = (3, 11)  # asyncio.TaskGroup and asyncio.timeout


def taskgroup_variant(ctx: Context, variant: str | None) -> str | None:
    """The message variant to report: ``variant``, or its ``*no_taskgroup`` twin when the target
    Python (``--aio-python-version``) has no ``asyncio.TaskGroup`` to suggest."""
    if ctx.settings.python_at_least(TASKGROUP_PYTHON):
        return variant
    return f"{variant}_no_taskgroup" if variant else "no_taskgroup"


COROUTINE_FUNCTIONS = frozenset(
    {
        "asyncio.sleep",
        "asyncio.wait_for",
        "asyncio.wait",
        "asyncio.to_thread",
        "asyncio.open_connection",
        "asyncio.open_unix_connection",
        "asyncio.start_server",
        "asyncio.start_unix_server",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
        "asyncpg.connect",
    }
)
_LOOP_COROUTINES = frozenset(
    {
        "sock_recv",
        "sock_recv_into",
        "sock_recvfrom",
        "sock_recvfrom_into",
        "sock_sendall",
        "sock_sendto",
        "sock_connect",
        "sock_accept",
        "sock_sendfile",
        "getaddrinfo",
        "getnameinfo",
        "create_connection",
        "create_server",
        "create_datagram_endpoint",
        "create_unix_connection",
        "create_unix_server",
        "connect_accepted_socket",
        "connect_read_pipe",
        "connect_write_pipe",
        "subprocess_exec",
        "subprocess_shell",
        "start_tls",
        "sendfile",
        "shutdown_asyncgens",
        "shutdown_default_executor",
    }
)
# Coroutine methods of objects of a known kind: calling one without ``await`` does nothing.
COROUTINE_METHODS: dict[Kind, frozenset[str]] = {
    Kind.ASYNC_SESSION: SESSION_COROUTINE_METHODS,
    **CLIENT_COROUTINE_METHODS,
    Kind.LOOP: _LOOP_COROUTINES,
    Kind.ASYNC_LOCK: frozenset({"acquire"}),
    Kind.ASYNC_SEMAPHORE: frozenset({"acquire"}),
    Kind.ASYNC_CONDITION: frozenset({"acquire", "wait", "wait_for"}),
    Kind.ASYNC_EVENT: frozenset({"wait"}),
    Kind.ASYNC_QUEUE: frozenset({"get", "put", "join"}),
    Kind.ASYNC_BARRIER: frozenset({"wait", "reset", "abort"}),
    Kind.STREAM_READER: frozenset({"read", "readline", "readexactly", "readuntil"}),
    Kind.STREAM_WRITER: frozenset({"drain", "wait_closed", "start_tls"}),
    Kind.AIOFILES_FILE: AIOFILES_COROUTINE_METHODS,
}
# Words without which no call in a file can make a coroutine (``coroutine_source``): an ``async
# def`` of the module, or a library whose coroutine functions/methods are known.
COROUTINE_WORDS: tuple[Word, ...] = (
    ASYNC_CODE,
    "asyncio",
    "asyncpg",
    "aiohttp",
    "httpx",
    "aiofiles",
    *NEW_SESSION_WORDS,
)
# Decorators that keep an ``async def`` a coroutine function (anything else: unknown result).
COROUTINE_PRESERVING_DECORATORS = frozenset(
    {
        "builtins.staticmethod",
        "builtins.classmethod",
        "abc.abstractmethod",
        "typing.override",
        "typing_extensions.override",
        "typing.final",
        "typing_extensions.final",
        "functools.wraps",
    }
)

# --- tasks and waiting ------------------------------------------------------------------------
TASK_FACTORIES = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
SPAWN_WORDS = ("create_task", "ensure_future")  # no task spawn without one of these in the text
GATHER = "asyncio.gather"
WAIT = "asyncio.wait"
AS_COMPLETED = "asyncio.as_completed"
WAIT_FOR = "asyncio.wait_for"
SHIELD = "asyncio.shield"
SLEEP = "asyncio.sleep"

# --- cancellation ------------------------------------------------------------------------------
# ``concurrent.futures.CancelledError`` is a different class since Python 3.8: catching it does
# not catch a task's cancellation.
CANCELLED_ERROR = "asyncio.CancelledError"
BASE_EXCEPTION = "builtins.BaseException"
CURRENT_TASK = "asyncio.current_task"
TIMEOUT_CONTEXTS = frozenset({"asyncio.timeout", "asyncio.timeout_at"})
ASYNC_CONTEXT_MANAGER = "contextlib.asynccontextmanager"


def exception_class(ctx: Context, expr: ast.AST) -> str:
    """The qualified name of an exception class expression ("" when unknown).  anyio's
    ``get_cancelled_exc_class()`` is the running backend's cancellation class -- CancelledError
    under asyncio -- and counts as that."""
    if isinstance(expr, ast.Call) and not expr.args and last_segment(expr.func) == "get_cancelled_exc_class":
        return CANCELLED_ERROR
    return ctx.qualified_name(expr) or ""


def cancelled_elsewhere(ctx: Context) -> bool:
    """The module imports trio or Twisted, and neither asyncio nor anyio (at module level, and not only
    for type checkers, under ``if TYPE_CHECKING:``): its
    cancellation is not asyncio's.  Trio's is level-triggered -- a swallowed ``Cancelled`` is raised
    again at the next checkpoint; Twisted drives coroutines through Deferreds, whose cancellation
    is ``twisted.internet.defer.CancelledError``, an ``Exception`` like any other."""
    dead = [(start, end) for start, end, _ in ctx.dead_arms]  # ``if TYPE_CHECKING: import asyncio``: for types only
    imported = {
        b.qualname.partition(".")[0]
        for b in ctx.module.bindings.values()
        if b.kind is BindingKind.IMPORT
        and b.qualname
        and not any(start <= getattr(b.node, "lineno", 0) <= end for start, end in dead)
    }
    return bool(imported & {"trio", "twisted"}) and not imported & {"asyncio", "anyio"}


def caught_exceptions(ctx: Context, handler: ast.ExceptHandler) -> set[str]:
    """Qualified names of the exceptions an ``except`` clause names (a bare ``except:`` catches
    ``BaseException``)."""
    if handler.type is None:
        return {BASE_EXCEPTION}
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {exception_class(ctx, t) for t in types}


STOP_ITERATION = "builtins.StopIteration"


def steps_coroutine_by_hand(ctx: Context, call: ast.Call) -> bool:
    """``coro.send(None)`` on a parameter of the sync function it is in, inside a ``try`` that
    catches ``StopIteration``: the function drives a coroutine with no event loop (a trampoline:
    gel's blocking client runs its async code through one).  The module's coroutines then run where
    blocking waits for nobody but the caller."""
    func = call.func
    if type(func) is not ast.Attribute or func.attr != "send" or ctx.in_async or len(call.args) != 1:
        return False
    arg = call.args[0]
    if type(arg) is not ast.Constant or arg.value is not None:
        return False
    binding = ctx.binding_of(func.value)
    if binding is None or binding.kind is not BindingKind.PARAM or binding.scope is not ctx.function:
        return False
    return any(
        in_statement_list(child, try_node.body)
        and any(STOP_ITERATION in caught_exceptions(ctx, h) for h in try_node.handlers)
        for try_node, child in within_scope(ctx.frame, TRY_NODES)
    )


# --- event loop management --------------------------------------------------------------------
ASYNCIO_RUN = "asyncio.run"
GET_EVENT_LOOP = "asyncio.get_event_loop"
SET_EVENT_LOOP = "asyncio.set_event_loop"
SET_EVENT_LOOP_POLICY = "asyncio.set_event_loop_policy"
NEW_EVENT_LOOP = "asyncio.new_event_loop"
# patches get_event_loop (and the policy's) to make and set a loop when none is set, process-wide
NEST_ASYNCIO_APPLY = "nest_asyncio.apply"
LOOP_RUNNERS = frozenset({"run_until_complete", "run_forever"})

# asyncio primitives and streams: their operations must stay in order.
PRIMITIVE_KINDS = frozenset(
    {
        Kind.ASYNC_LOCK,
        Kind.ASYNC_SEMAPHORE,
        Kind.ASYNC_CONDITION,
        Kind.ASYNC_EVENT,
        Kind.ASYNC_QUEUE,
        Kind.ASYNC_BARRIER,
        Kind.STREAM_READER,
        Kind.STREAM_WRITER,
    }
)
ORDERED_KINDS = SERIAL_DB_KINDS | PRIMITIVE_KINDS

# Awaited operations whose calls must stay in order (queues, streams, sockets, message brokers,
# locks).  Matched on the called name's first word: ``send``, ``send_json``, ``publish_data``...
ORDERED_OPERATION_PREFIXES = (
    "put",
    "send",
    "write",
    "drain",
    "flush",
    "acquire",
    "wait",
    "join",
    "publish",
    "emit",
    "read",
    "recv",
    "receive",
    "communicate",
    "ack",
    "nack",
    "reject",
)


def is_ordered_operation(name: str) -> bool:
    return name.lower().lstrip("_").startswith(ORDERED_OPERATION_PREFIXES)


class Spawner:
    """What starts a task."""

    FUNCTION = Symbol("asyncio.create_task/ensure_future")
    LOOP = Symbol("loop.create_task")
    GROUP = Symbol("tg.create_task")


class TaskSpawn:
    """A call that starts a task: ``asyncio.create_task(coro)``, ``loop.create_task(coro)``,
    ``tg.create_task(coro)``."""

    __slots__ = ("call", "receiver", "via")

    def __init__(self, call: ast.Call, via: Spawner, receiver: ast.AST | None) -> None:
        self.call = call
        self.via = via
        self.receiver = receiver  # the loop or task group; None for the asyncio functions

    @property
    def coroutine(self) -> ast.AST | None:
        return self.call.args[0] if self.call.args else None


def task_spawn(ctx: Context, call: ast.Call) -> TaskSpawn | None:
    """The task spawn ``call`` is, if it is one."""
    func = call.func
    qualified = ctx.qualified_name(func)
    if qualified in TASK_FACTORIES:
        if qualified == _ENSURE_FUTURE and call.args and _holds_task(ctx, call.args[0]):
            return None  # ``ensure_future(task)`` hands back that very task (asyncdb's ``release``)
        return TaskSpawn(call, Spawner.FUNCTION, None)
    if isinstance(func, ast.Attribute) and func.attr in SPAWN_METHODS:
        spawner = task_spawner(ctx, func.value)
        if spawner is Kind.TASK_GROUP:
            return TaskSpawn(call, Spawner.GROUP, func.value)
        if spawner is Kind.LOOP:
            return TaskSpawn(call, Spawner.LOOP, func.value)
    return None


_ENSURE_FUTURE = "asyncio.ensure_future"


def _holds_task(ctx: Context, expr: ast.expr) -> bool:
    """A local bound (last) to ``create_task(...)``/``loop.create_task(...)``: ``release =
    asyncio.create_task(...)``."""
    binding = ctx.binding_of(expr)
    value = binding.value if binding is not None and binding.kind is BindingKind.ASSIGN else None
    if type(value) is not ast.Call:
        return False
    func = value.func
    if ctx.qualified_name(func) == "asyncio.create_task":
        return True
    return isinstance(func, ast.Attribute) and func.attr == "create_task" and task_spawner(ctx, func.value) is Kind.LOOP


def is_unowned_task_spawn(ctx: Context, call: ast.Call) -> bool:
    """``asyncio.create_task/ensure_future(...)`` or ``loop.create_task(...)``: a task nobody owns
    unless the code keeps a reference (a task group owns its tasks)."""
    spawn = task_spawn(ctx, call)
    return spawn is not None and spawn.via is not Spawner.GROUP


# --- coroutine provenance: what a call returns ---------------------------------------------------
class CoroutineKind:
    COROUTINE = Symbol("coroutine")
    ASYNC_GENERATOR = Symbol("async generator")


class CoroutineSource:
    """Where a call's coroutine comes from: known at once (a library coroutine function or
    method), or an ``async def`` of this module -- whose body, generator or not, is known only
    once the module has been walked (ask :meth:`kind` then)."""

    __slots__ = ("awaitable_context", "binding", "named")

    def __init__(
        self, binding: Binding | None = None, awaitable_context: bool = False, named: str | None = None
    ) -> None:
        self.binding = binding  # the ``def`` binding of a same-module function or method
        self.awaitable_context = awaitable_context  # an awaitable context manager: only a bare call loses it
        self.named = named  # a method of a session known by its name alone: the receiver's spelling

    def kind(self, ctx: Context) -> CoroutineKind | None:
        """What calling it makes: a coroutine, an async generator, or None (not a coroutine
        function, or one whose decorators may change what a call returns)."""
        binding = self.binding
        if binding is None:
            return CoroutineKind.COROUTINE
        node = binding.node
        if binding.kind is not BindingKind.DEF or binding.conflicting or not isinstance(node, ast.AsyncFunctionDef):
            return None
        for decorator in node.decorator_list:
            if ctx.qualified_name(decorator_target(decorator), binding.scope) not in COROUTINE_PRESERVING_DECORATORS:
                return None
        if binding.func_scope.has_yield or (is_stub(node.body) and _returns_async_iterator(node)):
            return CoroutineKind.ASYNC_GENERATOR  # a stub annotated so: its overrides are async generators
        return CoroutineKind.COROUTINE


_ASYNC_ITERATORS = frozenset({"AsyncGenerator", "AsyncIterator", "AsyncIterable"})


def _returns_async_iterator(node: ast.AsyncFunctionDef) -> bool:
    """``-> AsyncGenerator[...]`` (or ``AsyncIterator``, ``AsyncIterable``), any import spelling."""
    annotation = node.returns
    if isinstance(annotation, ast.Subscript):
        annotation = annotation.value
    return last_segment(annotation) in _ASYNC_ITERATORS if annotation is not None else False


_LIBRARY_COROUTINE = CoroutineSource()
_AWAITABLE_CONTEXT = CoroutineSource(awaitable_context=True)


def coroutine_source(ctx: Context, call: ast.Call) -> CoroutineSource | None:
    """Where ``call``'s value comes from, if it may be a coroutine: a same-module function or
    method (``self.m()``/``cls.m()``/``Class.m()``), a known library coroutine function, or a
    coroutine method of an object of a known kind (a known session included)."""
    func = call.func
    if isinstance(func, ast.Name):
        binding = ctx.lookup(func.id)
        if binding is not None and binding.kind is BindingKind.DEF:
            return CoroutineSource(binding)
    qn = ctx.qualified_name(func)
    if qn is not None:
        if qn in AWAITABLE_CONTEXT_FUNCTIONS:
            return _AWAITABLE_CONTEXT
        return _LIBRARY_COROUTINE if qn in COROUTINE_FUNCTIONS else None
    if not isinstance(func, ast.Attribute):
        return None
    receiver = func.value
    cls = ctx.instance_class(receiver)
    if cls is None and isinstance(receiver, ast.Name):
        class_binding = ctx.lookup(receiver.id)
        if class_binding is not None and class_binding.kind is BindingKind.CLASSDEF:
            cls = class_binding.func_scope
    if cls is not None:
        method = ctx.method_binding(cls, func.attr)
        if method is not None:
            return CoroutineSource(method) if method.kind is BindingKind.DEF else None
    kind = kind_of(ctx, receiver)
    if kind is not None:
        if func.attr in AWAITABLE_CONTEXT_METHODS.get(kind, ()):
            return _AWAITABLE_CONTEXT
        return _LIBRARY_COROUTINE if func.attr in COROUTINE_METHODS.get(kind, ()) else None
    if func.attr in SESSION_COROUTINE_METHODS and fits_session_method(call) and is_async_session(ctx, receiver):
        return CoroutineSource(named=dotted_name(receiver))  # an AsyncSession by its name only
    return None


_OLD_STYLE_COROUTINE = frozenset({"asyncio.coroutine", "asyncio.coroutines.coroutine"})


def decorated_before_311(ctx: Context, node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """``@asyncio.coroutine`` (removed in Python 3.11) on ``node`` (the node being handled), where
    it runs on 3.11 too -- not under ``if sys.version_info < (3, 11):``: a module that applies it
    runs only on older Pythons."""
    return any(
        ctx.qualified_name(decorator) in _OLD_STYLE_COROUTINE for decorator in node.decorator_list
    ) and not never_from(ctx.frame, (3, 11), ctx.qualified_name)
