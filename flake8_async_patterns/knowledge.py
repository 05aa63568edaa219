"""Facts about asyncio and the libraries the rules know: qualified names, object kinds, methods.

Kinds are plain strings naming what a value is ("asyncio.TaskGroup", "sqlalchemy AsyncSession"...).
The context infers a value's kind from the constructor that made it, from an annotation, or
through a local binding; rules ask ``ctx.kind_of(expr)`` and look the answer up here.
"""

from __future__ import annotations

# --- kinds -------------------------------------------------------------------------------------
LOOP = "asyncio event loop"
TASK_GROUP = "asyncio.TaskGroup"
RUNNER = "asyncio.Runner"
TASK = "asyncio.Task"
ASYNC_SESSION = "sqlalchemy AsyncSession"
SYNC_SESSION = "sqlalchemy Session"
AIOHTTP_SESSION = "aiohttp.ClientSession"
HTTPX_ASYNC_CLIENT = "httpx.AsyncClient"
ASYNC_LOCK = "asyncio.Lock"
ASYNC_SEMAPHORE = "asyncio.Semaphore"
ASYNC_CONDITION = "asyncio.Condition"
ASYNC_EVENT = "asyncio.Event"
ASYNC_QUEUE = "asyncio.Queue"
ASYNC_BARRIER = "asyncio.Barrier"
STREAM_READER = "asyncio.StreamReader"
STREAM_WRITER = "asyncio.StreamWriter"

# Internal submodules whose public names are re-exported at the package top level.
_REEXPORTING_PACKAGES = {
    "asyncio": frozenset(
        {
            "base_events", "coroutines", "events", "exceptions", "futures", "locks", "queues",
            "runners", "streams", "subprocess", "taskgroups", "tasks", "threads", "timeouts",
            "unix_events", "windows_events",
        }
    ),
    "aiohttp": frozenset({"client", "connector", "client_reqrep", "web", "web_app"}),
    "httpx": frozenset({"_client", "_api", "_models"}),
    "sqlalchemy.ext.asyncio": frozenset({"session", "engine", "result", "scoping"}),
    "sqlalchemy.orm": frozenset({"session"}),
}


def canonical(qualified_name: str) -> str:
    """Fold internal module paths onto their public spelling (``asyncio.tasks.sleep`` → ``asyncio.sleep``)."""
    for package, submodules in _REEXPORTING_PACKAGES.items():
        if qualified_name.startswith(package + "."):
            rest = qualified_name[len(package) + 1 :]
            head, dot, tail = rest.partition(".")
            if dot and head in submodules and "." not in tail:
                return f"{package}.{tail}"
    return qualified_name


# --- what constructors and annotations produce -------------------------------------------------
_LOOP_GETTERS = ("asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop")

CONSTRUCTED_KINDS: dict[str, str] = {
    **{name: LOOP for name in _LOOP_GETTERS},
    "asyncio.TaskGroup": TASK_GROUP,
    "asyncio.Runner": RUNNER,
    "asyncio.create_task": TASK,
    "asyncio.ensure_future": TASK,
    "asyncio.Lock": ASYNC_LOCK,
    "asyncio.Semaphore": ASYNC_SEMAPHORE,
    "asyncio.BoundedSemaphore": ASYNC_SEMAPHORE,
    "asyncio.Condition": ASYNC_CONDITION,
    "asyncio.Event": ASYNC_EVENT,
    "asyncio.Queue": ASYNC_QUEUE,
    "asyncio.PriorityQueue": ASYNC_QUEUE,
    "asyncio.LifoQueue": ASYNC_QUEUE,
    "asyncio.Barrier": ASYNC_BARRIER,
    "aiohttp.ClientSession": AIOHTTP_SESSION,
    "httpx.AsyncClient": HTTPX_ASYNC_CLIENT,
    "sqlalchemy.ext.asyncio.AsyncSession": ASYNC_SESSION,
    "sqlalchemy.orm.Session": SYNC_SESSION,
}

# Annotations name classes; the same table serves, plus the abstract loop class.
ANNOTATED_KINDS: dict[str, str] = {
    **{name: kind for name, kind in CONSTRUCTED_KINDS.items() if name not in _LOOP_GETTERS},
    "asyncio.AbstractEventLoop": LOOP,
    "asyncio.BaseEventLoop": LOOP,
    "asyncio.Task": TASK,
    "asyncio.StreamReader": STREAM_READER,
    "asyncio.StreamWriter": STREAM_WRITER,
}

# ``reader, writer = await asyncio.open_connection(...)``: kinds by tuple position.
UNPACKED_KINDS: dict[str, tuple[str, ...]] = {
    "asyncio.open_connection": (STREAM_READER, STREAM_WRITER),
    "asyncio.open_unix_connection": (STREAM_READER, STREAM_WRITER),
}

# ``async with X as y``: for these kinds ``__aenter__`` returns the object itself.
SELF_ENTERING_KINDS = frozenset(
    {TASK_GROUP, RUNNER, ASYNC_SESSION, SYNC_SESSION, AIOHTTP_SESSION, HTTPX_ASYNC_CLIENT}
)

# --- coroutine functions and methods (unawaited-coroutine) -----------------------------------
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
# Calls that return an awaitable *context manager* wrapping a coroutine: a bare call statement
# loses it, but returning or keeping it for a later ``async with``/``await`` is fine.
AWAITABLE_CONTEXT_FUNCTIONS = frozenset({"aiofiles.open"})

_LOOP_COROUTINES = frozenset(
    {
        "sock_recv", "sock_recv_into", "sock_recvfrom", "sock_recvfrom_into", "sock_sendall",
        "sock_sendto", "sock_connect", "sock_accept", "sock_sendfile", "getaddrinfo",
        "getnameinfo", "create_connection", "create_server", "create_datagram_endpoint",
        "create_unix_connection", "create_unix_server", "connect_accepted_socket",
        "connect_read_pipe", "connect_write_pipe", "subprocess_exec", "subprocess_shell",
        "start_tls", "sendfile", "shutdown_asyncgens", "shutdown_default_executor",
    }
)
_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})

COROUTINE_METHODS: dict[str, frozenset[str]] = {
    ASYNC_SESSION: frozenset(
        {
            "commit", "rollback", "execute", "scalar", "scalars", "get", "get_one", "refresh",
            "flush", "close", "delete", "merge", "stream", "stream_scalars", "run_sync",
            "invalidate", "reset", "connection",
        }
    ),
    AIOHTTP_SESSION: frozenset({"close"}),
    HTTPX_ASYNC_CLIENT: _HTTP_VERBS | {"send", "aclose"},
    LOOP: _LOOP_COROUTINES,
    ASYNC_LOCK: frozenset({"acquire"}),
    ASYNC_SEMAPHORE: frozenset({"acquire"}),
    ASYNC_CONDITION: frozenset({"acquire", "wait", "wait_for"}),
    ASYNC_EVENT: frozenset({"wait"}),
    ASYNC_QUEUE: frozenset({"get", "put", "join"}),
    ASYNC_BARRIER: frozenset({"wait", "reset", "abort"}),
    STREAM_READER: frozenset({"read", "readline", "readexactly", "readuntil"}),
    STREAM_WRITER: frozenset({"drain", "wait_closed", "start_tls"}),
}

AWAITABLE_CONTEXT_METHODS: dict[str, frozenset[str]] = {
    AIOHTTP_SESSION: _HTTP_VERBS | {"ws_connect"},
}

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

# --- tasks (dangling-task, prefer-taskgroup) -------------------------------------------------
TASK_FACTORIES = frozenset({"asyncio.create_task", "asyncio.ensure_future"})
GATHER = "asyncio.gather"

# --- event loop management (AIO3xx) -------------------------------------------------------------
GET_EVENT_LOOP = "asyncio.get_event_loop"
NEW_EVENT_LOOP = "asyncio.new_event_loop"
ASYNCIO_RUN = "asyncio.run"
LOOP_RUNNERS = frozenset({"run_until_complete", "run_forever"})

# --- SQLAlchemy ---------------------------------------------------------------------------------
ASYNC_SESSIONMAKER = "sqlalchemy.ext.asyncio.async_sessionmaker"
SESSIONMAKER = "sqlalchemy.orm.sessionmaker"
ASYNC_SESSION_CLASS = "sqlalchemy.ext.asyncio.AsyncSession"

# Context managers whose body is expected to raise or warn (tests): nothing in them is reported.
EXPECTED_FAILURE_CONTEXTS = frozenset(
    {
        "pytest.raises", "pytest.warns", "pytest.deprecated_call",
        "test.support.warnings_helper.check_warnings", "test.support.check_warnings",
    }
)

# Awaited operations whose calls must stay in order (queues, streams, sockets, message brokers,
# locks): a loop of them is not a missed chance for concurrency.  Matched on the called name's
# first word: ``send``, ``send_json``, ``publish_data``, ``readline``...
ORDERED_OPERATION_PREFIXES = (
    "put", "send", "write", "drain", "flush", "acquire", "wait", "join", "publish", "emit",
    "read", "recv", "receive", "communicate", "ack", "nack", "reject",
)


def is_ordered_operation(name: str) -> bool:
    return name.lower().lstrip("_").startswith(ORDERED_OPERATION_PREFIXES)
# Clients that are made for concurrent requests: awaits on one of them do not depend on each other.
CONCURRENT_CLIENT_KINDS = frozenset({AIOHTTP_SESSION, HTTPX_ASYNC_CLIENT})

# Loop-object spellings accepted when nothing better is known (``self._loop.create_task``).
LOOP_ATTRIBUTE_NAMES = frozenset({"loop", "_loop", "event_loop", "_event_loop"})


def looks_like_loop_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in LOOP_ATTRIBUTE_NAMES or lowered.endswith("_loop")
