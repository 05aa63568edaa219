"""The blocking calls: which call or method blocks, which rule reports it, and what to use instead."""

from __future__ import annotations

from ...knowledge.http import HTTP_VERBS
from ...knowledge.kinds import HTTPX_PACKAGES, Kind
from ...semantic.symbols import Symbol


class Family:
    """Which rule reports a blocking call."""

    SLEEP = Symbol("sleep")
    HTTP = Symbol("http")
    FILE = Symbol("file")
    SUBPROCESS = Symbol("subprocess")
    DATABASE = Symbol("database")
    INPUT = Symbol("input")
    NETWORK = Symbol("network")
    WAIT = Symbol("wait")
    SCAN = Symbol("directory scan")
    SSL = Symbol("ssl context")
    FILE_OBJECT = Symbol("file object")


_ASYNC_HTTP = "'httpx.AsyncClient' or 'aiohttp.ClientSession'"
_ASYNC_FILES = "'aiofiles', 'anyio.Path' or 'await asyncio.to_thread(...)'"
_ASYNC_SUBPROCESS = "'await asyncio.create_subprocess_exec(...)'"
_ASYNC_POSTGRES = "'asyncpg.connect()' or 'psycopg.AsyncConnection.connect()'"
_ASYNC_MYSQL = "'aiomysql.connect()' or 'asyncmy.connect()'"
_HTTP_VERB_NAMES = tuple(sorted(HTTP_VERBS))
_ASYNC_SCAN = "'await asyncio.to_thread(...)' (or 'anyio.Path' iteration)"
_ASYNC_FILE_OBJECT = "'aiofiles' (an async file object) or 'await asyncio.to_thread(...)' for the whole read or write"
_SSL_ONCE = "a context built once, outside the coroutine (module level or startup), or 'await asyncio.to_thread(...)'"

# qualified function -> (family, replacement)
BLOCKING_FUNCTIONS: dict[str, tuple[Family, str]] = {
    "time.sleep": (Family.SLEEP, "'await asyncio.sleep()'"),
    **{f"requests.{verb}": (Family.HTTP, _ASYNC_HTTP) for verb in _HTTP_VERB_NAMES},
    **{
        f"{package}.{verb}": (Family.HTTP, f"'{package}.AsyncClient'")
        for package in HTTPX_PACKAGES
        for verb in (*_HTTP_VERB_NAMES, "stream")
    },
    "urllib.request.urlopen": (Family.HTTP, _ASYNC_HTTP),
    "urllib.request.urlretrieve": (Family.HTTP, _ASYNC_HTTP),
    "urllib3.request": (Family.HTTP, _ASYNC_HTTP),
    **dict.fromkeys(
        ("builtins.open", "io.open", "io.open_code", "codecs.open", "os.fdopen"), (Family.FILE, _ASYNC_FILES)
    ),
    **{
        f"shutil.{name}": (Family.FILE, "'await asyncio.to_thread(shutil." + name + ", ...)'")
        for name in (
            "copy",
            "copy2",
            "copyfile",
            "copyfileobj",
            "copytree",
            "copymode",
            "copystat",
            "move",
            "rmtree",
            "make_archive",
            "unpack_archive",
        )
    },
    **{
        f"subprocess.{name}": (Family.SUBPROCESS, _ASYNC_SUBPROCESS)
        for name in (
            "run",
            "call",
            "check_call",
            "check_output",
            "getoutput",
            "getstatusoutput",
            "Popen",
        )
    },
    "os.system": (Family.SUBPROCESS, "'await asyncio.create_subprocess_shell(...)'"),
    "os.popen": (Family.SUBPROCESS, "'await asyncio.create_subprocess_shell(...)'"),
    **{
        f"os.{name}": (Family.SUBPROCESS, _ASYNC_SUBPROCESS)
        for name in (
            "spawnl",
            "spawnle",
            "spawnlp",
            "spawnlpe",
            "spawnv",
            "spawnve",
            "spawnvp",
            "spawnvpe",
            "posix_spawn",
            "posix_spawnp",
        )
    },
    **{
        f"os.{name}": (Family.SUBPROCESS, "'await process.wait()' on an asyncio subprocess")
        for name in (
            "wait",
            "wait3",
            "wait4",
            "waitid",
            "waitpid",
        )
    },
    "sqlite3.connect": (Family.DATABASE, "'aiosqlite.connect()'"),
    "psycopg2.connect": (Family.DATABASE, _ASYNC_POSTGRES),
    "psycopg.connect": (Family.DATABASE, _ASYNC_POSTGRES),
    "psycopg.Connection.connect": (Family.DATABASE, _ASYNC_POSTGRES),
    "pymysql.connect": (Family.DATABASE, _ASYNC_MYSQL),
    "MySQLdb.connect": (Family.DATABASE, _ASYNC_MYSQL),
    "mysql.connector.connect": (Family.DATABASE, _ASYNC_MYSQL),
    "pymongo.MongoClient": (Family.DATABASE, "'pymongo.AsyncMongoClient' or 'motor'"),
    "sqlalchemy.create_engine": (Family.DATABASE, "'sqlalchemy.ext.asyncio.create_async_engine()'"),
    "sqlalchemy.orm.Session": (Family.DATABASE, "'AsyncSession' (from 'async_sessionmaker')"),
    "builtins.input": (Family.INPUT, "'await asyncio.to_thread(input, ...)'"),
    **dict.fromkeys(("os.listdir", "os.scandir", "os.walk", "glob.glob", "glob.iglob"), (Family.SCAN, _ASYNC_SCAN)),
    "ssl.create_default_context": (Family.SSL, _SSL_ONCE),
    "socket.create_connection": (Family.NETWORK, "'await asyncio.open_connection()'"),
    "socket.getaddrinfo": (Family.NETWORK, "'await loop.getaddrinfo()'"),
    "socket.getnameinfo": (Family.NETWORK, "'await loop.getnameinfo()'"),
    **{
        f"socket.{name}": (Family.NETWORK, "'await loop.getaddrinfo()'")
        for name in (
            "gethostbyname",
            "gethostbyname_ex",
            "gethostbyaddr",
            "getfqdn",
        )
    },
    "concurrent.futures.wait": (Family.WAIT, "'await asyncio.wait()' over 'asyncio.wrap_future(f)'"),
}

# Constructors that connect when given a host: (family, replacement).
CONNECTING_CONSTRUCTORS: dict[str, tuple[Family, str]] = {
    **{f"smtplib.{name}": (Family.NETWORK, "'aiosmtplib'") for name in ("SMTP", "SMTP_SSL", "LMTP")},
    **{f"ftplib.{name}": (Family.NETWORK, "'aioftp'") for name in ("FTP", "FTP_TLS")},
}

# Objects connected when made: made in a coroutine they are reported at the constructor only.
EAGER_KINDS = frozenset(
    # a file opened in the coroutine is reported at its ``open()`` (blocking-file-io), once
    {Kind.SYNC_DB_CONNECTION, Kind.SYNC_DB_CURSOR, Kind.MONGO_CLIENT, Kind.SYNC_ENGINE, Kind.SYNC_FILE}
)
# Objects that connect when made with a host, lazily otherwise.
CONNECTING_KINDS = frozenset({Kind.SMTP_CLIENT, Kind.FTP_CLIENT})

ANY_METHOD = frozenset({"*"})
# Methods of a sync file object that read, write or move on the file: each a system call.
FILE_OBJECT_METHODS = frozenset({"read", "readline", "readlines", "write", "writelines", "flush", "seek", "truncate"})
# receiver kind -> (family, blocking methods, replacement)
BLOCKING_METHODS: dict[Kind, tuple[Family, frozenset[str], str]] = {
    # ``close()`` too: it shuts the pooled connections down, with the thread held.
    Kind.REQUESTS_SESSION: (Family.HTTP, frozenset({*_HTTP_VERB_NAMES, "send", "close"}), _ASYNC_HTTP),
    Kind.HTTPX_CLIENT: (Family.HTTP, frozenset({*_HTTP_VERB_NAMES, "send", "stream", "close"}), "'httpx.AsyncClient'"),
    Kind.HTTP_CONNECTION: (Family.HTTP, frozenset({"request", "getresponse", "connect"}), _ASYNC_HTTP),
    Kind.URLLIB3_POOL: (
        Family.HTTP,
        frozenset({"request", "urlopen", "request_encode_body", "request_encode_url"}),
        _ASYNC_HTTP,
    ),
    Kind.PATH: (Family.FILE, frozenset({"read_text", "read_bytes", "write_text", "write_bytes", "open"}), _ASYNC_FILES),
    Kind.REDIS_CLIENT: (Family.DATABASE, ANY_METHOD, "'redis.asyncio.Redis'"),
    Kind.SYNC_FILE: (Family.FILE_OBJECT, FILE_OBJECT_METHODS, _ASYNC_FILE_OBJECT),
    Kind.SYNC_DB_CONNECTION: (
        Family.DATABASE,
        frozenset({"execute", "executemany", "executescript", "commit", "rollback", "callproc"}),
        "an async driver",
    ),
    Kind.SYNC_DB_CURSOR: (
        Family.DATABASE,
        frozenset({"execute", "executemany", "executescript", "fetchone", "fetchall", "fetchmany", "callproc"}),
        "an async driver",
    ),
    Kind.SYNC_ENGINE: (
        Family.DATABASE,
        frozenset({"connect", "begin", "execute", "raw_connection"}),
        "'create_async_engine()'",
    ),
    Kind.SOCKET: (
        Family.NETWORK,
        frozenset(
            {
                "recv",
                "recv_into",
                "recvfrom",
                "recvfrom_into",
                "recvmsg",
                "send",
                "sendall",
                "sendto",
                "sendmsg",
                "sendfile",
                "connect",
                "accept",
            }
        ),
        "'asyncio.open_connection()' or 'await loop.sock_*()'",
    ),
    Kind.SMTP_CLIENT: (
        Family.NETWORK,
        frozenset(
            {
                "connect",
                "login",
                "sendmail",
                "send_message",
                "starttls",
                "ehlo",
                "helo",
                "quit",
                "noop",
                "verify",
                "rset",
            }
        ),
        "'aiosmtplib'",
    ),
    Kind.FTP_CLIENT: (
        Family.NETWORK,
        frozenset(
            {
                "connect",
                "login",
                "retrbinary",
                "retrlines",
                "storbinary",
                "storlines",
                "cwd",
                "nlst",
                "dir",
                "mlsd",
                "size",
                "delete",
                "rename",
                "mkd",
                "rmd",
                "pwd",
                "quit",
                "sendcmd",
                "voidcmd",
            }
        ),
        "'aioftp'",
    ),
    Kind.THREAD: (Family.WAIT, frozenset({"join"}), "'await asyncio.to_thread(thread.join)'"),
    Kind.SSL_CONTEXT: (
        Family.SSL,
        frozenset({"load_verify_locations", "load_cert_chain", "load_default_certs", "set_default_verify_paths"}),
        _SSL_ONCE,
    ),
    Kind.THREAD_LOCK: (Family.WAIT, frozenset({"acquire"}), "'asyncio.Lock'"),
    Kind.THREAD_SEMAPHORE: (Family.WAIT, frozenset({"acquire"}), "'asyncio.Semaphore'"),
    Kind.THREAD_EVENT: (Family.WAIT, frozenset({"wait"}), "'asyncio.Event'"),
    Kind.THREAD_CONDITION: (Family.WAIT, frozenset({"acquire", "wait", "wait_for"}), "'asyncio.Condition'"),
    Kind.THREAD_BARRIER: (Family.WAIT, frozenset({"wait"}), "'asyncio.Barrier'"),
    Kind.SYNC_QUEUE: (Family.WAIT, frozenset({"get", "put", "join"}), "'asyncio.Queue'"),
    Kind.MP_PROCESS: (Family.WAIT, frozenset({"join"}), "'await asyncio.to_thread(process.join)'"),
    Kind.MP_POOL: (
        Family.WAIT,
        frozenset({"join", "map", "starmap", "apply"}),
        "'await loop.run_in_executor(pool, ...)'",
    ),
    Kind.CF_FUTURE: (Family.WAIT, frozenset({"result", "exception"}), "'await asyncio.wrap_future(future)'"),
}
# Redis methods that only build a helper object (no round trip).
# ``close`` releases the connection and disconnects the pool's sockets: no round trip to the server
REDIS_LOCAL_METHODS = frozenset({"pipeline", "pubsub", "lock", "register_script", "monitor", "client", "close"})
# ``with x:`` on these blocks until the lock is free.
BLOCKING_CONTEXT_KINDS: dict[Kind, str] = {
    Kind.THREAD_LOCK: "'asyncio.Lock' with 'async with'",
    Kind.THREAD_SEMAPHORE: "'asyncio.Semaphore' with 'async with'",
    Kind.THREAD_CONDITION: "'asyncio.Condition' with 'async with'",
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
# Waiting functions, by qualified name: their positional parameters, as for the methods above.
WAITING_FUNCTIONS: dict[str, tuple[str, ...]] = {
    "concurrent.futures.wait": ("fs", "timeout", "return_when"),
    # with ``AI_NUMERICHOST`` in its flags, getaddrinfo parses an address and never asks DNS
    "socket.getaddrinfo": ("host", "port", "family", "type", "proto", "flags"),
    # with ``NI_NUMERICHOST`` getnameinfo formats the address and never asks DNS
    "socket.getnameinfo": ("sockaddr", "flags"),
    # with ``WNOHANG`` in their options the waits poll: they return at once when no child has ended
    "os.wait3": ("options",),
    "os.wait4": ("pid", "options"),
    "os.waitid": ("idtype", "id", "options"),
    "os.waitpid": ("pid", "options"),
}
# A flag that makes a waiting function return at once, by parameter: a word of its constant's name.
POLLING_FLAGS = {"flags": "NUMERIC", "options": "WNOHANG"}
# Decorators that leave a sync helper a plain blocking function when called.
TRANSPARENT_DECORATORS = frozenset(
    {
        "builtins.staticmethod",
        "builtins.classmethod",
        "functools.wraps",
        "functools.cache",
        "functools.lru_cache",
        "abc.abstractmethod",
        "typing.override",
        "typing_extensions.override",
        "typing.final",
    }
)

# A kind whose methods block in a second family: (family, methods, replacement).
MORE_BLOCKING_METHODS: dict[Kind, tuple[Family, frozenset[str], str]] = {
    Kind.PATH: (Family.SCAN, frozenset({"iterdir", "glob", "rglob", "walk"}), _ASYNC_SCAN),
}

# --- blocking-path-metadata (off by default, its own checker, never in a transitive chain) ----------
METADATA_REPLACEMENT = "'await asyncio.to_thread(...)' (or 'anyio.Path' / 'aiofiles.os')"
METADATA_FUNCTIONS = frozenset(
    {
        *(
            f"os.path.{name}"
            for name in (
                "exists",
                "lexists",
                "isfile",
                "isdir",
                "islink",
                "ismount",
                "isjunction",
                "getsize",
                "getmtime",
                "getatime",
                "getctime",
                "samefile",
                "realpath",
            )
        ),
        *(
            f"os.{name}"
            for name in (
                "stat",
                "lstat",
                "access",
                "mkdir",
                "makedirs",
                "remove",
                "unlink",
                "rmdir",
                "removedirs",
                "rename",
                "renames",
                "replace",
                "chmod",
                "chown",
                "utime",
                "readlink",
                "symlink",
                "link",
                "truncate",
                "statvfs",
            )
        ),
    }
)
PATH_METADATA_METHODS = frozenset(
    {
        "exists",
        "stat",
        "lstat",
        "is_file",
        "is_dir",
        "is_symlink",
        "is_mount",
        "is_junction",
        "is_socket",
        "is_fifo",
        "is_block_device",
        "is_char_device",
        "mkdir",
        "unlink",
        "rmdir",
        "touch",
        "chmod",
        "lchmod",
        "rename",
        "replace",
        "resolve",
        "samefile",
        "owner",
        "group",
        "readlink",
        "symlink_to",
        "hardlink_to",
    }
)
