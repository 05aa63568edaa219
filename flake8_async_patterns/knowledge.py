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
ASYNC_ENGINE = "sqlalchemy AsyncEngine"
ASYNC_CONNECTION = "sqlalchemy AsyncConnection"
ASYNCPG_POOL = "asyncpg.Pool"
ASYNCPG_CONNECTION = "asyncpg.Connection"
AIOSQLITE_CONNECTION = "aiosqlite.Connection"
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
# sync (blocking) objects
REQUESTS_SESSION = "requests.Session"
HTTPX_CLIENT = "httpx.Client"
HTTP_CONNECTION = "http.client.HTTPConnection"
URLLIB3_POOL = "urllib3 pool"
REDIS_CLIENT = "redis.Redis"
SOCKET = "socket.socket"
SMTP_CLIENT = "smtplib.SMTP"
FTP_CLIENT = "ftplib.FTP"
SYNC_DB_CONNECTION = "DB-API connection"
SYNC_DB_CURSOR = "DB-API cursor"
MONGO_CLIENT = "pymongo.MongoClient"
SYNC_ENGINE = "sqlalchemy Engine"
THREAD = "threading.Thread"
THREAD_LOCK = "threading.Lock"
THREAD_SEMAPHORE = "threading.Semaphore"
THREAD_EVENT = "threading.Event"
THREAD_CONDITION = "threading.Condition"
THREAD_BARRIER = "threading.Barrier"
SYNC_QUEUE = "queue.Queue"
MP_PROCESS = "multiprocessing.Process"
MP_POOL = "multiprocessing.Pool"
EXECUTOR = "concurrent.futures.Executor"
CF_FUTURE = "concurrent.futures.Future"
PATH = "pathlib.Path"

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
    "sqlalchemy": frozenset({"engine"}),
    "requests": frozenset({"api", "sessions"}),
    "redis": frozenset({"client"}),
    "urllib3": frozenset({"poolmanager", "connectionpool", "_request_methods"}),
    "concurrent.futures": frozenset({"thread", "process", "_base"}),
    "psycopg": frozenset({"connection"}),
    "pymongo": frozenset({"mongo_client"}),
    "multiprocessing": frozenset({"context", "queues", "synchronize", "process"}),
    "pathlib": frozenset({"_local"}),
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
    "sqlalchemy.ext.asyncio.create_async_engine": ASYNC_ENGINE,
    "asyncpg.connect": ASYNCPG_CONNECTION,
    "asyncpg.create_pool": ASYNCPG_POOL,
    "aiosqlite.connect": AIOSQLITE_CONNECTION,
    "requests.Session": REQUESTS_SESSION,
    "requests.session": REQUESTS_SESSION,
    "httpx.Client": HTTPX_CLIENT,
    "http.client.HTTPConnection": HTTP_CONNECTION,
    "http.client.HTTPSConnection": HTTP_CONNECTION,
    **{f"urllib3.{name}": URLLIB3_POOL for name in ("PoolManager", "ProxyManager", "HTTPConnectionPool", "HTTPSConnectionPool", "connection_from_url")},
    **{name: REDIS_CLIENT for name in ("redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url")},
    **{f"socket.{name}": SOCKET for name in ("socket", "create_connection", "create_server", "fromfd")},
    **{f"smtplib.{name}": SMTP_CLIENT for name in ("SMTP", "SMTP_SSL", "LMTP")},
    **{f"ftplib.{name}": FTP_CLIENT for name in ("FTP", "FTP_TLS")},
    **{name: SYNC_DB_CONNECTION for name in (
        "sqlite3.connect", "psycopg2.connect", "psycopg.connect", "psycopg.Connection.connect",
        "pymysql.connect", "MySQLdb.connect", "mysql.connector.connect",
    )},
    "pymongo.MongoClient": MONGO_CLIENT,
    "sqlalchemy.create_engine": SYNC_ENGINE,
    "threading.Thread": THREAD,
    "threading.Timer": THREAD,
    "multiprocessing.Process": MP_PROCESS,
    **{name: MP_POOL for name in ("multiprocessing.Pool", "multiprocessing.pool.Pool", "multiprocessing.pool.ThreadPool")},
    **{f"{module}.{name}": kind for module in ("threading", "multiprocessing") for name, kind in (
        ("Lock", THREAD_LOCK), ("RLock", THREAD_LOCK), ("Semaphore", THREAD_SEMAPHORE),
        ("BoundedSemaphore", THREAD_SEMAPHORE), ("Event", THREAD_EVENT),
        ("Condition", THREAD_CONDITION), ("Barrier", THREAD_BARRIER),
    )},
    **{name: SYNC_QUEUE for name in (
        "queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", "queue.SimpleQueue",
        "multiprocessing.Queue", "multiprocessing.JoinableQueue", "multiprocessing.SimpleQueue",
    )},
    "concurrent.futures.ThreadPoolExecutor": EXECUTOR,
    "concurrent.futures.ProcessPoolExecutor": EXECUTOR,
    **{name: PATH for name in ("pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath", "pathlib.Path.home", "pathlib.Path.cwd")},
}

# Methods whose result is an object of a known kind: (receiver kind, method) -> kind.
RETURNED_KINDS: dict[tuple[str, str], str] = {
    (SYNC_DB_CONNECTION, "cursor"): SYNC_DB_CURSOR,
    (ASYNC_ENGINE, "connect"): ASYNC_CONNECTION,
    (ASYNC_ENGINE, "begin"): ASYNC_CONNECTION,  # entered: ``async with engine.begin() as conn``
    (ASYNCPG_POOL, "acquire"): ASYNCPG_CONNECTION,
    (EXECUTOR, "submit"): CF_FUTURE,
    **{(PATH, name): PATH for name in (
        "with_name", "with_suffix", "with_stem", "joinpath", "absolute", "expanduser",
        "relative_to", "with_segments",
    )},
}
# Attributes of a known kind that are of a known kind: ``Path(...).parent``.
ATTRIBUTE_KINDS: dict[tuple[str, str], str] = {(PATH, "parent"): PATH}
KIND_ATTRIBUTES = frozenset(attr for _, attr in ATTRIBUTE_KINDS)

# Annotations name classes; the same table serves, plus the abstract loop class.
ANNOTATED_KINDS: dict[str, str] = {
    **{name: kind for name, kind in CONSTRUCTED_KINDS.items() if name not in _LOOP_GETTERS},
    "asyncio.AbstractEventLoop": LOOP,
    "asyncio.BaseEventLoop": LOOP,
    "asyncio.Task": TASK,
    "asyncio.StreamReader": STREAM_READER,
    "asyncio.StreamWriter": STREAM_WRITER,
    "pathlib.Path": PATH,
    "pathlib.PosixPath": PATH,
    "pathlib.WindowsPath": PATH,
    "sqlalchemy.ext.asyncio.AsyncEngine": ASYNC_ENGINE,
    "sqlalchemy.ext.asyncio.AsyncConnection": ASYNC_CONNECTION,
    "asyncpg.Connection": ASYNCPG_CONNECTION,
    "asyncpg.connection.Connection": ASYNCPG_CONNECTION,
    "asyncpg.Pool": ASYNCPG_POOL,
    "asyncpg.pool.Pool": ASYNCPG_POOL,
    "aiosqlite.Connection": AIOSQLITE_CONNECTION,
    "aiosqlite.core.Connection": AIOSQLITE_CONNECTION,
    "socket.socket": SOCKET,
    "requests.Session": REQUESTS_SESSION,
    "httpx.Client": HTTPX_CLIENT,
    "redis.Redis": REDIS_CLIENT,
    "threading.Lock": THREAD_LOCK,
    "threading.Event": THREAD_EVENT,
    "queue.Queue": SYNC_QUEUE,
}

# ``reader, writer = await asyncio.open_connection(...)``: kinds by tuple position.
UNPACKED_KINDS: dict[str, tuple[str, ...]] = {
    "asyncio.open_connection": (STREAM_READER, STREAM_WRITER),
    "asyncio.open_unix_connection": (STREAM_READER, STREAM_WRITER),
    "socket.socketpair": (SOCKET, SOCKET),
}
# ``conn, addr = sock.accept()``: (receiver kind, method) -> kinds by position.
UNPACKED_METHOD_KINDS: dict[tuple[str, str], tuple[str, ...]] = {(SOCKET, "accept"): (SOCKET,)}

# ``async with X as y``: for these kinds ``__aenter__`` returns the object itself.
SELF_ENTERING_KINDS = frozenset(
    {
        TASK_GROUP, RUNNER, ASYNC_SESSION, SYNC_SESSION, AIOHTTP_SESSION, HTTPX_ASYNC_CLIENT,
        REQUESTS_SESSION, HTTPX_CLIENT, REDIS_CLIENT, SOCKET, SMTP_CLIENT, FTP_CLIENT,
        SYNC_DB_CONNECTION, MONGO_CLIENT, EXECUTOR, MP_POOL, URLLIB3_POOL, HTTP_CONNECTION,
        ASYNC_CONNECTION, ASYNCPG_CONNECTION, ASYNCPG_POOL, AIOSQLITE_CONNECTION, ASYNC_ENGINE,
    }
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


# --- blocking calls (the AIO2xx family) ---------------------------------------------------------
# Families: which rule reports a blocking call.
SLEEP, HTTP, FILE, SUBPROCESS, DATABASE, INPUT, NETWORK, WAIT = (
    "sleep", "http", "file", "subprocess", "database", "input", "network", "wait",
)
_ASYNC_HTTP = "'httpx.AsyncClient' or 'aiohttp.ClientSession'"
_ASYNC_FILES = "'aiofiles', 'anyio.Path' or 'await asyncio.to_thread(...)'"
_ASYNC_SUBPROCESS = "'await asyncio.create_subprocess_exec(...)'"
_ASYNC_POSTGRES = "'asyncpg.connect()' or 'psycopg.AsyncConnection.connect()'"
_ASYNC_MYSQL = "'aiomysql.connect()' or 'asyncmy.connect()'"
_HTTP_VERB_NAMES = ("get", "post", "put", "patch", "delete", "head", "options", "request")

# qualified function -> (family, replacement)
BLOCKING_FUNCTIONS: dict[str, tuple[str, str]] = {
    "time.sleep": (SLEEP, "'await asyncio.sleep()'"),
    **{f"requests.{verb}": (HTTP, _ASYNC_HTTP) for verb in _HTTP_VERB_NAMES},
    **{f"httpx.{verb}": (HTTP, "'httpx.AsyncClient'") for verb in (*_HTTP_VERB_NAMES, "stream")},
    "urllib.request.urlopen": (HTTP, _ASYNC_HTTP),
    "urllib.request.urlretrieve": (HTTP, _ASYNC_HTTP),
    "urllib3.request": (HTTP, _ASYNC_HTTP),
    **{name: (FILE, _ASYNC_FILES) for name in (
        "builtins.open", "io.open", "io.open_code", "codecs.open", "os.fdopen",
    )},
    **{f"shutil.{name}": (FILE, "'await asyncio.to_thread(shutil." + name + ", ...)'") for name in (
        "copy", "copy2", "copyfile", "copyfileobj", "copytree", "copymode", "copystat", "move",
        "rmtree", "make_archive", "unpack_archive",
    )},
    **{f"subprocess.{name}": (SUBPROCESS, _ASYNC_SUBPROCESS) for name in (
        "run", "call", "check_call", "check_output", "getoutput", "getstatusoutput", "Popen",
    )},
    "os.system": (SUBPROCESS, "'await asyncio.create_subprocess_shell(...)'"),
    "os.popen": (SUBPROCESS, "'await asyncio.create_subprocess_shell(...)'"),
    **{f"os.{name}": (SUBPROCESS, _ASYNC_SUBPROCESS) for name in (
        "spawnl", "spawnle", "spawnlp", "spawnlpe", "spawnv", "spawnve", "spawnvp", "spawnvpe",
        "posix_spawn", "posix_spawnp",
    )},
    **{f"os.{name}": (SUBPROCESS, "'await process.wait()' on an asyncio subprocess") for name in (
        "wait", "wait3", "wait4", "waitid", "waitpid",
    )},
    "sqlite3.connect": (DATABASE, "'aiosqlite.connect()'"),
    "psycopg2.connect": (DATABASE, _ASYNC_POSTGRES),
    "psycopg.connect": (DATABASE, _ASYNC_POSTGRES),
    "psycopg.Connection.connect": (DATABASE, _ASYNC_POSTGRES),
    "pymysql.connect": (DATABASE, _ASYNC_MYSQL),
    "MySQLdb.connect": (DATABASE, _ASYNC_MYSQL),
    "mysql.connector.connect": (DATABASE, _ASYNC_MYSQL),
    "pymongo.MongoClient": (DATABASE, "'pymongo.AsyncMongoClient' or 'motor'"),
    "sqlalchemy.create_engine": (DATABASE, "'sqlalchemy.ext.asyncio.create_async_engine()'"),
    "sqlalchemy.orm.Session": (DATABASE, "'AsyncSession' (from 'async_sessionmaker')"),
    "builtins.input": (INPUT, "'await asyncio.to_thread(input, ...)'"),
    "socket.create_connection": (NETWORK, "'await asyncio.open_connection()'"),
    "socket.getaddrinfo": (NETWORK, "'await loop.getaddrinfo()'"),
    "socket.getnameinfo": (NETWORK, "'await loop.getnameinfo()'"),
    **{f"socket.{name}": (NETWORK, "'await loop.getaddrinfo()'") for name in (
        "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getfqdn",
    )},
    "concurrent.futures.wait": (WAIT, "'await asyncio.wait()' over 'asyncio.wrap_future(f)'"),
}

# Constructors that connect when given a host: (family, replacement).
CONNECTING_CONSTRUCTORS: dict[str, tuple[str, str]] = {
    **{f"smtplib.{name}": (NETWORK, "'aiosmtplib'") for name in ("SMTP", "SMTP_SSL", "LMTP")},
    **{f"ftplib.{name}": (NETWORK, "'aioftp'") for name in ("FTP", "FTP_TLS")},
}

# Objects connected when made: made in a coroutine they are reported at the constructor only.
EAGER_KINDS = frozenset({SYNC_DB_CONNECTION, SYNC_DB_CURSOR, MONGO_CLIENT, SYNC_ENGINE})
# Objects that connect when made with a host, lazily otherwise.
CONNECTING_KINDS = frozenset({SMTP_CLIENT, FTP_CLIENT})

ANY_METHOD = frozenset({"*"})
# receiver kind -> (family, blocking methods, replacement)
BLOCKING_METHODS: dict[str, tuple[str, frozenset[str], str]] = {
    REQUESTS_SESSION: (HTTP, frozenset({*_HTTP_VERB_NAMES, "send"}), _ASYNC_HTTP),
    HTTPX_CLIENT: (HTTP, frozenset({*_HTTP_VERB_NAMES, "send", "stream"}), "'httpx.AsyncClient'"),
    HTTP_CONNECTION: (HTTP, frozenset({"request", "getresponse", "connect"}), _ASYNC_HTTP),
    URLLIB3_POOL: (HTTP, frozenset({"request", "urlopen", "request_encode_body", "request_encode_url"}), _ASYNC_HTTP),
    PATH: (FILE, frozenset({"read_text", "read_bytes", "write_text", "write_bytes", "open"}), _ASYNC_FILES),
    REDIS_CLIENT: (DATABASE, ANY_METHOD, "'redis.asyncio.Redis'"),
    SYNC_DB_CONNECTION: (DATABASE, frozenset({"execute", "executemany", "executescript", "commit", "rollback", "callproc"}), "an async driver"),
    SYNC_DB_CURSOR: (DATABASE, frozenset({"execute", "executemany", "executescript", "fetchone", "fetchall", "fetchmany", "callproc"}), "an async driver"),
    SYNC_ENGINE: (DATABASE, frozenset({"connect", "begin", "execute", "raw_connection"}), "'create_async_engine()'"),
    SOCKET: (NETWORK, frozenset({
        "recv", "recv_into", "recvfrom", "recvfrom_into", "recvmsg", "send", "sendall", "sendto",
        "sendmsg", "sendfile", "connect", "accept",
    }), "'asyncio.open_connection()' or 'await loop.sock_*()'"),
    SMTP_CLIENT: (NETWORK, frozenset({
        "connect", "login", "sendmail", "send_message", "starttls", "ehlo", "helo", "quit", "noop",
        "verify", "rset",
    }), "'aiosmtplib'"),
    FTP_CLIENT: (NETWORK, frozenset({
        "connect", "login", "retrbinary", "retrlines", "storbinary", "storlines", "cwd", "nlst", "dir",
        "mlsd", "size", "delete", "rename", "mkd", "rmd", "pwd", "quit", "sendcmd", "voidcmd",
    }), "'aioftp'"),
    THREAD: (WAIT, frozenset({"join"}), "'await asyncio.to_thread(thread.join)'"),
    THREAD_LOCK: (WAIT, frozenset({"acquire"}), "'asyncio.Lock'"),
    THREAD_SEMAPHORE: (WAIT, frozenset({"acquire"}), "'asyncio.Semaphore'"),
    THREAD_EVENT: (WAIT, frozenset({"wait"}), "'asyncio.Event'"),
    THREAD_CONDITION: (WAIT, frozenset({"acquire", "wait", "wait_for"}), "'asyncio.Condition'"),
    THREAD_BARRIER: (WAIT, frozenset({"wait"}), "'asyncio.Barrier'"),
    SYNC_QUEUE: (WAIT, frozenset({"get", "put", "join"}), "'asyncio.Queue'"),
    MP_PROCESS: (WAIT, frozenset({"join"}), "'await asyncio.to_thread(process.join)'"),
    MP_POOL: (WAIT, frozenset({"join", "map", "starmap", "apply"}), "'await loop.run_in_executor(pool, ...)'"),
    CF_FUTURE: (WAIT, frozenset({"result", "exception"}), "'await asyncio.wrap_future(future)'"),
}
# Redis methods that only build a helper object (no round trip).
REDIS_LOCAL_METHODS = frozenset({"pipeline", "pubsub", "lock", "register_script", "monitor", "client"})
# ``with x:`` on these blocks until the lock is free.
BLOCKING_CONTEXT_KINDS: dict[str, str] = {
    THREAD_LOCK: "'asyncio.Lock' with 'async with'",
    THREAD_SEMAPHORE: "'asyncio.Semaphore' with 'async with'",
    THREAD_CONDITION: "'asyncio.Condition' with 'async with'",
}
# Positional parameters of waiting methods, to read ``blocking=False``/``timeout=0`` from.
WAIT_PARAMETERS: dict[str, tuple[str, ...]] = {
    "acquire": ("blocking", "timeout"),
    "get": ("block", "timeout"),
    "put": ("item", "block", "timeout"),
    "wait": ("timeout",),
    "join": ("timeout",),
    "result": ("timeout",),
    "exception": ("timeout",),
    "wait_for": ("predicate", "timeout"),
}
# Decorators that leave a sync helper a plain blocking function when called.
TRANSPARENT_DECORATORS = frozenset(
    {
        "builtins.staticmethod", "builtins.classmethod", "functools.wraps", "functools.cache",
        "functools.lru_cache", "abc.abstractmethod", "typing.override", "typing_extensions.override",
        "typing.final",
    }
)


# --- SQLAlchemy AsyncSession and DB connections (the AIO6xx family) -----------------------------
# One of these runs one statement at a time: two awaitables using it must not run concurrently.
SERIAL_DB_KINDS = frozenset({ASYNC_SESSION, ASYNC_CONNECTION, ASYNCPG_CONNECTION, AIOSQLITE_CONNECTION})
SESSION_CLOSERS = frozenset({"close", "aclose", "invalidate"})
# ``await s.get(...)``, ``await s.scalar(...)``: ORM objects (decision 10).
SESSION_OBJECT_LOADERS = frozenset({"get", "get_one", "scalar"})
RESULT_OBJECT_GETTERS = frozenset({"scalar_one", "scalar_one_or_none", "scalar"})
DEPENDS = frozenset({"fastapi.Depends", "fastapi.params.Depends", "fastapi.Security"})
SESSION_DEPENDENCY_NAMES = frozenset({"get_session", "get_db", "get_async_session"})
# Handing a session to one of these transfers its closing.
OWNERSHIP_TAKERS = frozenset({"enter_async_context", "enter_context", "push_async_exit", "push_async_callback", "callback"})
