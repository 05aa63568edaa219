"""What a value is: object kinds, and the constructors, annotations and methods that produce them.

``knowledge.inference.kind_of(ctx, expr)`` answers with one of these kinds (or None) from the
constructor that made the value, an annotation, or a binding it names; rules look the answer up
in the tables of the library modules.
"""

from __future__ import annotations

from ..semantic.symbols import Symbol


class Kind:
    """A kind of object the rules know (symbols: compared and hashed by identity)."""

    LOOP = Symbol("asyncio event loop")
    TASK_GROUP = Symbol("asyncio.TaskGroup")
    RUNNER = Symbol("asyncio.Runner")
    TASK = Symbol("asyncio.Task")
    ASYNC_LOCK = Symbol("asyncio.Lock")
    ASYNC_SEMAPHORE = Symbol("asyncio.Semaphore")
    ASYNC_CONDITION = Symbol("asyncio.Condition")
    ASYNC_EVENT = Symbol("asyncio.Event")
    ASYNC_QUEUE = Symbol("asyncio.Queue")
    ASYNC_BARRIER = Symbol("asyncio.Barrier")
    STREAM_READER = Symbol("asyncio.StreamReader")
    STREAM_WRITER = Symbol("asyncio.StreamWriter")
    ASYNC_SESSION = Symbol("sqlalchemy AsyncSession")
    SYNC_SESSION = Symbol("sqlalchemy Session")
    ASYNC_ENGINE = Symbol("sqlalchemy AsyncEngine")
    ASYNC_CONNECTION = Symbol("sqlalchemy AsyncConnection")
    ASYNCPG_POOL = Symbol("asyncpg.Pool")
    ASYNCPG_CONNECTION = Symbol("asyncpg.Connection")
    AIOSQLITE_CONNECTION = Symbol("aiosqlite.Connection")
    AIOHTTP_SESSION = Symbol("aiohttp.ClientSession")
    AIOHTTP_CONNECTOR = Symbol("aiohttp.TCPConnector")
    AIOHTTP_RESPONSE = Symbol("aiohttp.ClientResponse")
    AIOFILES_FILE = Symbol("aiofiles file")
    ASYNC_TIMEOUT = Symbol("asyncio.timeout()")
    WEB_APP = Symbol("web app or router")
    AIOHTTP_ROUTES = Symbol("aiohttp.web.RouteTableDef")
    HTTPX_ASYNC_CLIENT = Symbol("httpx.AsyncClient")
    # sync (blocking) objects
    REQUESTS_SESSION = Symbol("requests.Session")
    HTTPX_CLIENT = Symbol("httpx.Client")
    HTTP_CONNECTION = Symbol("http.client.HTTPConnection")
    URLLIB3_POOL = Symbol("urllib3 pool")
    REDIS_CLIENT = Symbol("redis.Redis")
    SOCKET = Symbol("socket.socket")
    SMTP_CLIENT = Symbol("smtplib.SMTP")
    FTP_CLIENT = Symbol("ftplib.FTP")
    SYNC_DB_CONNECTION = Symbol("DB-API connection")
    SYNC_DB_CURSOR = Symbol("DB-API cursor")
    MONGO_CLIENT = Symbol("pymongo.MongoClient")
    SYNC_ENGINE = Symbol("sqlalchemy Engine")
    THREAD = Symbol("threading.Thread")
    THREAD_LOCK = Symbol("threading.Lock")
    SSL_CONTEXT = Symbol("ssl.SSLContext")
    THREAD_SEMAPHORE = Symbol("threading.Semaphore")
    THREAD_EVENT = Symbol("threading.Event")
    THREAD_CONDITION = Symbol("threading.Condition")
    THREAD_BARRIER = Symbol("threading.Barrier")
    SYNC_QUEUE = Symbol("queue.Queue")
    MP_PROCESS = Symbol("multiprocessing.Process")
    MP_POOL = Symbol("multiprocessing.Pool")
    EXECUTOR = Symbol("concurrent.futures.Executor")
    CF_FUTURE = Symbol("concurrent.futures.Future")
    PATH = Symbol("pathlib.Path")
    SYNC_FILE = Symbol("file object")  # from open(): its reads and writes are system calls
    CLI_APP = Symbol("command-line app")


# httpx and httpx2, its successor package, have the same API.
HTTPX_PACKAGES = ("httpx", "httpx2")
LOOP_GETTERS = ("asyncio.get_event_loop", "asyncio.get_running_loop", "asyncio.new_event_loop")
# ``await asyncio.to_thread(open, path)`` is what calling its first argument makes, made in a thread.
TO_THREAD = "asyncio.to_thread"

# Qualified callable -> the kind of what calling it makes.
CONSTRUCTED_KINDS: dict[str, Kind] = {
    **dict.fromkeys(LOOP_GETTERS, Kind.LOOP),
    "asyncio.TaskGroup": Kind.TASK_GROUP,
    "asyncio.Runner": Kind.RUNNER,
    "asyncio.create_task": Kind.TASK,
    "asyncio.ensure_future": Kind.TASK,
    "asyncio.Lock": Kind.ASYNC_LOCK,
    "asyncio.Semaphore": Kind.ASYNC_SEMAPHORE,
    "asyncio.BoundedSemaphore": Kind.ASYNC_SEMAPHORE,
    "asyncio.Condition": Kind.ASYNC_CONDITION,
    "asyncio.Event": Kind.ASYNC_EVENT,
    "asyncio.Queue": Kind.ASYNC_QUEUE,
    "asyncio.PriorityQueue": Kind.ASYNC_QUEUE,
    "asyncio.LifoQueue": Kind.ASYNC_QUEUE,
    "asyncio.Barrier": Kind.ASYNC_BARRIER,
    "aiohttp.ClientSession": Kind.AIOHTTP_SESSION,
    "aiohttp.TCPConnector": Kind.AIOHTTP_CONNECTOR,
    "aiohttp.UnixConnector": Kind.AIOHTTP_CONNECTOR,
    "aiofiles.open": Kind.AIOFILES_FILE,  # a file once awaited or entered
    "builtins.open": Kind.SYNC_FILE,
    "io.open": Kind.SYNC_FILE,
    "asyncio.timeout": Kind.ASYNC_TIMEOUT,
    "asyncio.timeout_at": Kind.ASYNC_TIMEOUT,
    **dict.fromkeys(
        (
            "fastapi.FastAPI",
            "fastapi.APIRouter",
            "starlette.applications.Starlette",
            "starlette.routing.Router",
        ),
        Kind.WEB_APP,
    ),
    "aiohttp.web.RouteTableDef": Kind.AIOHTTP_ROUTES,
    **{f"{package}.AsyncClient": Kind.HTTPX_ASYNC_CLIENT for package in HTTPX_PACKAGES},
    "sqlalchemy.ext.asyncio.AsyncSession": Kind.ASYNC_SESSION,
    "sqlalchemy.orm.Session": Kind.SYNC_SESSION,
    "sqlalchemy.ext.asyncio.create_async_engine": Kind.ASYNC_ENGINE,
    "asyncpg.connect": Kind.ASYNCPG_CONNECTION,
    "asyncpg.create_pool": Kind.ASYNCPG_POOL,
    "aiosqlite.connect": Kind.AIOSQLITE_CONNECTION,
    "requests.Session": Kind.REQUESTS_SESSION,
    "requests.session": Kind.REQUESTS_SESSION,
    **{f"{package}.Client": Kind.HTTPX_CLIENT for package in HTTPX_PACKAGES},
    "http.client.HTTPConnection": Kind.HTTP_CONNECTION,
    "http.client.HTTPSConnection": Kind.HTTP_CONNECTION,
    **{
        f"urllib3.{name}": Kind.URLLIB3_POOL
        for name in (
            "PoolManager",
            "ProxyManager",
            "HTTPConnectionPool",
            "HTTPSConnectionPool",
            "connection_from_url",
        )
    },
    **dict.fromkeys(("redis.Redis", "redis.StrictRedis", "redis.from_url", "redis.Redis.from_url"), Kind.REDIS_CLIENT),
    **{f"socket.{name}": Kind.SOCKET for name in ("socket", "create_connection", "create_server", "fromfd")},
    **{f"smtplib.{name}": Kind.SMTP_CLIENT for name in ("SMTP", "SMTP_SSL", "LMTP")},
    **{f"ftplib.{name}": Kind.FTP_CLIENT for name in ("FTP", "FTP_TLS")},
    **dict.fromkeys(
        (
            "sqlite3.connect",
            "psycopg2.connect",
            "psycopg.connect",
            "psycopg.Connection.connect",
            "pymysql.connect",
            "MySQLdb.connect",
            "mysql.connector.connect",
        ),
        Kind.SYNC_DB_CONNECTION,
    ),
    "pymongo.MongoClient": Kind.MONGO_CLIENT,
    "sqlalchemy.create_engine": Kind.SYNC_ENGINE,
    **dict.fromkeys(("ssl.SSLContext", "ssl.create_default_context"), Kind.SSL_CONTEXT),
    "threading.Thread": Kind.THREAD,
    "threading.Timer": Kind.THREAD,
    "multiprocessing.Process": Kind.MP_PROCESS,
    **dict.fromkeys(
        ("multiprocessing.Pool", "multiprocessing.pool.Pool", "multiprocessing.pool.ThreadPool"), Kind.MP_POOL
    ),
    **{
        f"{module}.{name}": kind
        for module in ("threading", "multiprocessing")
        for name, kind in (
            ("Lock", Kind.THREAD_LOCK),
            ("RLock", Kind.THREAD_LOCK),
            ("Semaphore", Kind.THREAD_SEMAPHORE),
            ("BoundedSemaphore", Kind.THREAD_SEMAPHORE),
            ("Event", Kind.THREAD_EVENT),
            ("Condition", Kind.THREAD_CONDITION),
            ("Barrier", Kind.THREAD_BARRIER),
        )
    },
    **dict.fromkeys(
        (
            "queue.Queue",
            "queue.LifoQueue",
            "queue.PriorityQueue",
            "queue.SimpleQueue",
            "multiprocessing.Queue",
            "multiprocessing.JoinableQueue",
            "multiprocessing.SimpleQueue",
        ),
        Kind.SYNC_QUEUE,
    ),
    **dict.fromkeys(("typer.Typer", "cyclopts.App", "click.Group", "asyncclick.Group"), Kind.CLI_APP),
    "concurrent.futures.ThreadPoolExecutor": Kind.EXECUTOR,
    "concurrent.futures.ProcessPoolExecutor": Kind.EXECUTOR,
    **dict.fromkeys(
        ("pathlib.Path", "pathlib.PosixPath", "pathlib.WindowsPath", "pathlib.Path.home", "pathlib.Path.cwd"), Kind.PATH
    ),
}

# Methods whose result is an object of a known kind: (receiver kind, method) -> kind.
RETURNED_KINDS: dict[tuple[Kind, str], Kind] = {
    (Kind.SYNC_DB_CONNECTION, "cursor"): Kind.SYNC_DB_CURSOR,
    (Kind.ASYNC_ENGINE, "connect"): Kind.ASYNC_CONNECTION,
    (Kind.ASYNC_ENGINE, "begin"): Kind.ASYNC_CONNECTION,  # entered: ``async with engine.begin() as conn``
    (Kind.ASYNCPG_POOL, "acquire"): Kind.ASYNCPG_CONNECTION,
    (Kind.EXECUTOR, "submit"): Kind.CF_FUTURE,
    (Kind.PATH, "open"): Kind.SYNC_FILE,
    **{
        (Kind.PATH, name): Kind.PATH
        for name in (
            "with_name",
            "with_suffix",
            "with_stem",
            "joinpath",
            "absolute",
            "expanduser",
            "relative_to",
            "with_segments",
        )
    },
}
# Attributes of a known kind that are of a known kind: ``Path(...).parent``.
ATTRIBUTE_KINDS: dict[tuple[Kind, str], Kind] = {(Kind.PATH, "parent"): Kind.PATH}
KIND_ATTRIBUTES = frozenset(attr for _, attr in ATTRIBUTE_KINDS)

# Annotations name classes; the constructor table serves, plus classes made by factories.
ANNOTATED_KINDS: dict[str, Kind] = {
    **{name: kind for name, kind in CONSTRUCTED_KINDS.items() if name not in LOOP_GETTERS},
    "asyncio.AbstractEventLoop": Kind.LOOP,
    "asyncio.BaseEventLoop": Kind.LOOP,
    "asyncio.Task": Kind.TASK,
    "asyncio.StreamReader": Kind.STREAM_READER,
    "asyncio.StreamWriter": Kind.STREAM_WRITER,
    "pathlib.Path": Kind.PATH,
    "pathlib.PosixPath": Kind.PATH,
    "pathlib.WindowsPath": Kind.PATH,
    "sqlalchemy.ext.asyncio.AsyncEngine": Kind.ASYNC_ENGINE,
    "sqlalchemy.ext.asyncio.AsyncConnection": Kind.ASYNC_CONNECTION,
    "asyncpg.Connection": Kind.ASYNCPG_CONNECTION,
    "asyncpg.connection.Connection": Kind.ASYNCPG_CONNECTION,
    "asyncpg.Pool": Kind.ASYNCPG_POOL,
    "asyncpg.pool.Pool": Kind.ASYNCPG_POOL,
    "aiosqlite.Connection": Kind.AIOSQLITE_CONNECTION,
    "aiosqlite.core.Connection": Kind.AIOSQLITE_CONNECTION,
    "aiohttp.ClientResponse": Kind.AIOHTTP_RESPONSE,
    "socket.socket": Kind.SOCKET,
    "requests.Session": Kind.REQUESTS_SESSION,
    "redis.Redis": Kind.REDIS_CLIENT,
    # DB-API connection classes (their ``connect`` functions are in the constructor table)
    **dict.fromkeys(
        (
            "sqlite3.Connection",
            "psycopg.Connection",
            "psycopg2.extensions.connection",
            "pymysql.connections.Connection",
            "pymysql.Connection",
            "MySQLdb.connections.Connection",
            "mysql.connector.connection.MySQLConnection",
        ),
        Kind.SYNC_DB_CONNECTION,
    ),
    "sqlite3.Cursor": Kind.SYNC_DB_CURSOR,
    "threading.Lock": Kind.THREAD_LOCK,
    "threading.Event": Kind.THREAD_EVENT,
    "queue.Queue": Kind.SYNC_QUEUE,
    # file objects (not ``io.StringIO``/``BytesIO``: in memory, nothing blocks)
    **dict.fromkeys(
        (
            "typing.IO",
            "typing.TextIO",
            "typing.BinaryIO",
            "io.TextIOWrapper",
            "io.BufferedReader",
            "io.BufferedWriter",
            "io.BufferedRandom",
            "io.FileIO",
        ),
        Kind.SYNC_FILE,
    ),
}

# ``reader, writer = await asyncio.open_connection(...)``: kinds by tuple position.
UNPACKED_KINDS: dict[str, tuple[Kind, ...]] = {
    "asyncio.open_connection": (Kind.STREAM_READER, Kind.STREAM_WRITER),
    "asyncio.open_unix_connection": (Kind.STREAM_READER, Kind.STREAM_WRITER),
    "socket.socketpair": (Kind.SOCKET, Kind.SOCKET),
}
# ``conn, addr = sock.accept()``: (receiver kind, method) -> kinds by position.
UNPACKED_METHOD_KINDS: dict[tuple[Kind, str], tuple[Kind, ...]] = {(Kind.SOCKET, "accept"): (Kind.SOCKET,)}

# ``with X as y`` / ``async with X as y``: for these kinds entering returns the object itself.
SELF_ENTERING_KINDS = frozenset(
    {
        Kind.TASK_GROUP,
        Kind.RUNNER,
        Kind.ASYNC_SESSION,
        Kind.SYNC_SESSION,
        Kind.AIOHTTP_SESSION,
        Kind.AIOHTTP_CONNECTOR,
        Kind.AIOFILES_FILE,
        Kind.SYNC_FILE,
        Kind.HTTPX_ASYNC_CLIENT,
        Kind.REQUESTS_SESSION,
        Kind.HTTPX_CLIENT,
        Kind.REDIS_CLIENT,
        Kind.SOCKET,
        Kind.SMTP_CLIENT,
        Kind.FTP_CLIENT,
        Kind.SYNC_DB_CONNECTION,
        Kind.MONGO_CLIENT,
        Kind.EXECUTOR,
        Kind.MP_POOL,
        Kind.URLLIB3_POOL,
        Kind.HTTP_CONNECTION,
        Kind.ASYNC_CONNECTION,
        Kind.ASYNCPG_CONNECTION,
        Kind.ASYNCPG_POOL,
        Kind.AIOSQLITE_CONNECTION,
        Kind.ASYNC_ENGINE,
    }
)

# ``contextlib.ExitStack``/``AsyncExitStack`` methods: handing an object to one transfers its closing.
EXIT_STACK_TAKERS = frozenset(
    {"enter_async_context", "enter_context", "push_async_exit", "push_async_callback", "callback"}
)

# --- SQLAlchemy session factories (what calling a factory makes is a kind question) -------------
ASYNC_SESSIONMAKER = "sqlalchemy.ext.asyncio.async_sessionmaker"
SESSIONMAKER = "sqlalchemy.orm.sessionmaker"
ASYNC_SESSION_CLASS = "sqlalchemy.ext.asyncio.AsyncSession"

# --- event loops --------------------------------------------------------------------------------
# Loop-object spellings accepted when nothing better is known (``self._loop.create_task``).
LOOP_ATTRIBUTE_NAMES = frozenset({"loop", "_loop", "event_loop", "_event_loop"})


def looks_like_loop_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in LOOP_ATTRIBUTE_NAMES or lowered.endswith("_loop")
