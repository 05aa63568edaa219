"""The blocking family's rules (calls that hold the event loop's thread); :mod:`.checker` detects them all."""

from __future__ import annotations

from ...registry import Rule, declare
from ...settings import BLOCKING_CALLS
from .notes import COMMON_NOTES, EXTRA_NOTES, EXTRA_REFERENCES, LIFECYCLE_NOTE, MAIN_COROUTINE_NOTE, SEED_BLOCKING

MESSAGE = "blocking call '{call}' in async function '{function}'; use {replacement}"
ASYNCIO_DEV_DOC = "https://docs.python.org/3/library/asyncio-dev.html#running-blocking-code"


def blocking_rule(
    *,
    code: str,
    name: str,
    summary: str,
    why: str,
    example: str,
    use_instead: str,
    peers: str,
    notes: tuple[str, ...] = (),
    references: tuple[str, ...] = (),
    default_enabled: bool = True,
    **extra: object,
) -> Rule:
    """``declare`` with what the direct blocking rules share: message, default, async only."""
    return declare(
        code=code,
        name=name,
        default_enabled=default_enabled,
        async_only=True,
        in_test_files=False,
        in_cli_files=False,
        message=MESSAGE,
        summary=summary,
        why=why,
        example=example,
        use_instead=use_instead,
        seed=extra.pop("seed", SEED_BLOCKING),
        peers=peers,
        notes=(*COMMON_NOTES, *MAIN_COROUTINE_NOTE, *EXTRA_NOTES.get(name, ()), *notes),
        references=(ASYNCIO_DEV_DOC, *EXTRA_REFERENCES.get(name, ()), *references),
        **extra,
    )


BLOCKING_SLEEP = blocking_rule(
    code="AIO201",
    name="blocking-sleep",
    summary="`time.sleep(...)` in async context, through any import spelling (`from time import sleep as nap`).",
    why=(
        "`time.sleep` suspends the whole thread, and with it the event loop: no other task, callback or I/O runs "
        "until it returns. `await asyncio.sleep()` suspends only the current task."
    ),
    example="import time\n\nasync def poll(check):\n    while not check():\n        time.sleep(1)\n",
    use_instead="import asyncio\n\nasync def poll(check):\n    while not check():\n        await asyncio.sleep(1)\n",
    peers="ruff ASYNC251 (blocking-sleep-in-async-function); flake8-async ASYNC251",
)

BLOCKING_HTTP = blocking_rule(
    code="AIO202",
    name="blocking-http-call",
    summary=(
        "Synchronous HTTP in async context: the `requests` functions (`get`, `post`, ..., `request`), methods of a "
        "`requests.Session()`, `urllib.request.urlopen`/`urlretrieve`, `urllib3.request` and `PoolManager` requests, "
        "the `httpx` functions, methods of an `httpx.Client()` (and the same of `httpx2`, httpx's successor package), "
        "`close()` of a sync `requests.Session`/`httpx.Client`, and `http.client` connections (`request`, "
        "`getresponse`, `connect`)."
    ),
    why=(
        "A sync HTTP request blocks the thread for a full network round trip -- often hundreds "
        "of milliseconds, unbounded without a timeout -- and the event loop stalls with it."
    ),
    example="import requests\n\nasync def fetch_data(url):\n    return requests.get(url, timeout=10).json()\n",
    use_instead=(
        "import httpx\n\nasync def fetch_data(url):\n    async with httpx.AsyncClient(timeout=10) as client:\n"
        "        response = await client.get(url)\n    return response.json()\n"
    ),
    peers=(
        "ruff ASYNC210 (blocking-http-call-in-async-function), ASYNC212 (blocking-http-call-httpx-in-async-function); "
        "flake8-async ASYNC210/211/212 (none covers a `requests.Session`)"
    ),
    notes=(
        "A `requests.Session()`/`httpx.Client()`/`http.client.HTTPConnection` makes no "
        "connection when constructed; its requests are reported, where they happen. The client "
        "may be a local, a module global or a `self` attribute.",
    ),
)

BLOCKING_FILE_IO = blocking_rule(
    code="AIO203",
    name="blocking-file-io",
    summary=(
        "File I/O in async context: `open`, `io.open`, `io.open_code`, `codecs.open`, `os.fdopen`, `shutil` "
        "copies/moves/`rmtree`/archives, and `read_text`, `read_bytes`, `write_text`, `write_bytes`, `open` on a "
        "`pathlib.Path`: a `Path(...)` call, a local bound to one or to a `/`-join of one (chains and "
        "`.parent`/`.with_suffix()`... included), or a parameter annotated `Path`."
    ),
    why=(
        "Disk I/O is blocking I/O: a slow or network file system, a large file or a cold cache stalls the event loop "
        "for as long as the read takes. `aiofiles`, `anyio.Path` or `asyncio.to_thread` move it off the loop."
    ),
    example="async def load_config(path):\n    with open(path) as f:\n        return f.read()\n",
    use_instead=(
        "import asyncio\n\ndef _read(path):\n    with open(path) as f:\n        return f.read()\n\n"
        "async def load_config(path):\n    return await asyncio.to_thread(_read, path)\n"
    ),
    peers=(
        "ruff ASYNC230 (blocking-open-call-in-async-function); flake8-async ASYNC230/231 (ruff/flake8-async "
        "ASYNC240's `os.path`/`pathlib` metadata calls are blocking-path-metadata's, off by default)"
    ),
    notes=(
        "Metadata calls (`exists`, `stat`, `mkdir`, `unlink`, `is_file`, ...) are not reported -- they are quick "
        "on local disks and rarely worth a thread hop (blocking-path-metadata, off by default, reports them); "
        "directory scans are reported by blocking-directory-scan.",
        "`os.fdopen(fd)` is not reported when its file goes to `loop.connect_read_pipe`/`connect_write_pipe` (the "
        "loop's pipe transport does the I/O) or is an `os.pipe()` end no coroutine reads or writes itself (daytona).",
        '`open()` of a literal path under `/proc` or `/sys` (`open(f"/proc/{pid}/stat")`, `Path("/proc/meminfo")'
        ".read_text()`) is not reported, nor is a helper chain ending in one (transitive-blocking-call): the kernel "
        "makes these pseudo-files in memory when they are read; no disk is behind them.",
    ),
)

BLOCKING_SUBPROCESS = blocking_rule(
    code="AIO204",
    name="blocking-subprocess",
    summary=(
        "Synchronous processes in async context: `subprocess.run/call/check_call/check_output/getoutput/"
        "getstatusoutput/Popen`, `os.system`, `os.popen`, `os.spawn*`, `os.posix_spawn`/`posix_spawnp`, and the "
        "`os.wait`, `wait3`, `wait4`, `waitid`, `waitpid` waits."
    ),
    why=(
        "These start a process and (except `Popen`) wait for it to finish while holding the "
        "thread; the event loop is frozen for the whole child's run time."
    ),
    example=(
        "import subprocess\n\nasync def git_head():\n    return subprocess.check_output(['git', 'rev-parse', 'HEAD'])\n"
    ),
    use_instead=(
        "import asyncio\n\nasync def git_head():\n    proc = await asyncio.create_subprocess_exec(\n        'git', "
        "'rev-parse', 'HEAD', stdout=asyncio.subprocess.PIPE)\n    out, _ = await proc.communicate()\n    return out\n"
    ),
    peers=(
        "ruff ASYNC220 (create-subprocess-in-async-function), ASYNC221 (run-process-in-async-function), ASYNC222 "
        "(wait-for-process-in-async-function)"
    ),
    notes=(
        "`os.wait*` means `wait`, `wait3`, `wait4`, `waitid` and `waitpid` only; with `os.WNOHANG` in "
        "their options they poll (return at once when no child has ended) and are not reported.",
        "`os.posix_spawn`/`posix_spawnp` start a process like `Popen` (ruff's ASYNC221 reports "
        "them too); `os.exec*` replaces the process and is not reported.",
    ),
    references=("https://docs.python.org/3/library/asyncio-subprocess.html",),
)

BLOCKING_DATABASE = blocking_rule(
    code="AIO205",
    name="blocking-database-call",
    summary=(
        "Synchronous database clients in async context: `sqlite3.connect`, `psycopg2.connect`, sync `psycopg.connect`, "
        "`pymysql.connect`, `MySQLdb.connect`, `mysql.connector.connect`, `pymongo.MongoClient`, sync SQLAlchemy "
        "`create_engine(...)` and `Session(...)` (or a factory bound to a sync `sessionmaker`), `session.query(...)` "
        "on a sync session, and every round-trip method of a `redis.Redis`/`StrictRedis` client."
    ),
    why=(
        "A sync driver waits for the database with the thread held: every query, commit and "
        "connect stalls the event loop for a network round trip plus the query's run time."
    ),
    example=(
        "import sqlite3\n\nasync def count_users(path):\n    conn = sqlite3.connect(path)\n    return "
        "conn.execute('select count(*) from users').fetchone()\n"
    ),
    use_instead=(
        "import aiosqlite\n\nasync def count_users(path):\n    async with aiosqlite.connect(path) as conn:\n"
        "        cursor = await conn.execute('select count(*) from users')\n        return await cursor.fetchone()\n"
    ),
    peers="none",
    notes=(
        "Clients that connect when made are reported once, at the connect/constructor call; their later method "
        "calls in the same coroutine are not reported again. A connection stored on `self` is not tied to its "
        'connect: its calls are reported too, as pyrogram\'s `self.conn.execute("VACUUM")` right after '
        "`self.conn = sqlite3.connect(...)`, which rewrites the whole file. When the connection was made "
        "elsewhere (a module global, a `self` attribute, a parameter annotated with the driver's class), its "
        "query methods (`execute`, "
        "`commit`, cursor `fetch*`, ...) are reported where the coroutine calls them. `redis.Redis()` connects "
        "lazily: its methods are reported, except those that only build a helper (`pipeline`, `pubsub`, `lock`, ...) "
        "and `close()` (it releases the connection and disconnects the pool's sockets: no round trip).",
        "`sqlite3.connect(':memory:')` (or a `file::memory:` / `mode=memory` URI) opens no file and is not reported.",
        "A method call that is awaited, itself or as the start of a chain (`await conn.ft(name).info()`), belongs to "
        "an async client, whatever the receiver looked like: redis-om's generated async code keeps the sync "
        "client's annotation `conn: redis.Redis`.",
        "A factory bound in the module to a sync `sessionmaker(...)` makes sync sessions: calling it in a coroutine "
        "is this rule, never AIO601. A sync Session is reported at its constructor/factory call and at `.query(...)`.",
    ),
    references=("https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html",),
)

BLOCKING_INPUT = blocking_rule(
    code="AIO206",
    name="blocking-input",
    summary="`input()` in async context.",
    why="`input` waits for a human with the thread held; nothing else runs until they press Enter.",
    example="async def confirm():\n    return input('continue? ') == 'y'\n",
    use_instead=(
        "import asyncio\n\nasync def confirm():\n    return await asyncio.to_thread(input, 'continue? ') == 'y'\n"
    ),
    peers="ruff ASYNC250 (blocking-input-in-async-function); flake8-async ASYNC250",
)

BLOCKING_NETWORK = blocking_rule(
    code="AIO207",
    name="blocking-network-call",
    summary=(
        "Blocking sockets and network clients in async context: `socket.create_connection`, "
        "`socket.getaddrinfo`/`getnameinfo`/`gethostbyname*`/`gethostbyaddr`/`getfqdn`, `smtplib.SMTP*`/`ftplib.FTP*` "
        "made with a host (they connect at once) or their network methods otherwise, and "
        "`recv*`/`send*`/`connect`/`accept` on a socket from `socket.socket()`, `create_connection()`, `accept()`."
    ),
    why=(
        "Name resolution and socket I/O block until the network answers; a slow DNS server or peer freezes "
        "every task on the loop."
    ),
    example="import socket\n\nasync def resolve(host):\n    return socket.gethostbyname(host)\n",
    use_instead=(
        "import asyncio\n\nasync def resolve(host):\n    loop = asyncio.get_running_loop()\n"
        "    infos = await loop.getaddrinfo(host, None)\n    return infos[0][4][0]\n"
    ),
    peers="none",
    notes=(
        "`smtplib.SMTP(host)`/`ftplib.FTP(host)` connect in the constructor and are reported there; with no host, the "
        "methods that talk to the server are. `telnetlib` (gone in 3.13) is not covered. `getaddrinfo`/`getnameinfo` "
        "with a `*NUMERIC*` flag (`AI_NUMERICHOST`) only parses or formats an address: not reported, nor "
        "`getaddrinfo`/`gethostbyname` of an IP address literal or a module constant bound to one (pymediaroom); nor "
        "`connect`, `send` or `sendto` on a `SOCK_DGRAM` socket made in the function (UDP: a connect records the peer, "
        "a datagram goes to the kernel) unless its host is a literal name (DNS).",
        "The non-blocking socket idioms are not reported: a socket on which the function calls `setblocking(False)` "
        "or `settimeout(0)` (for a `self.<attr>` socket: anywhere in its class, such as `__init__`), and a call in "
        "a `try` that handles `BlockingIOError`, `InterruptedError` or `ssl.SSLWantReadError`/`SSLWantWriteError`, "
        "or a `with contextlib.suppress(BlockingIOError):` -- it fails at once instead of waiting. The same holds "
        "inside the helpers transitive-blocking-call follows.",
    ),
    references=("https://docs.python.org/3/library/asyncio-stream.html",),
)

BLOCKING_WAIT = blocking_rule(
    code="AIO208",
    name="blocking-wait",
    summary=(
        "Waiting on thread/process primitives in async context: `result()`/`exception()` of a `concurrent.futures` "
        "future from `executor.submit`, `concurrent.futures.wait`, `Thread.join()`, `acquire()`/`wait()` and plain "
        "`with` on `threading`/`multiprocessing` locks, semaphores, events, conditions and barriers, `get`/`put`/"
        "`join` on a `queue.Queue` or `multiprocessing.Queue`, `Process.join()`, and `multiprocessing` `Pool` "
        "`join/map/starmap/apply`."
    ),
    why=(
        "These park the thread until another thread or process acts. On the event loop thread that deadlocks "
        "outright when the other side needs the loop, and stalls every task otherwise."
    ),
    variants={
        "with": "'with {call}:' blocks async function '{function}' until the lock is free; use {replacement}",
        "held_across_await": (
            "'with {call}:' holds a thread lock across an await in async function '{function}'; another task "
            "taking it meanwhile blocks the event loop for good (deadlock): use {replacement}"
        ),
    },
    example=(
        "import concurrent.futures\n\npool = concurrent.futures.ThreadPoolExecutor()\n\n"
        "async def digest(compute, data):\n    future = pool.submit(compute, data)\n    return future.result()\n"
    ),
    use_instead=(
        "import asyncio\nimport concurrent.futures\n\npool = concurrent.futures.ThreadPoolExecutor()\n\nasync def "
        "digest(compute, data):\n    return await asyncio.get_running_loop().run_in_executor(pool, compute, data)\n"
    ),
    peers="none",
    notes=(
        "The primitive may be a local, a module global or a `self` attribute; `blocking=False`, `block=False` and "
        "`timeout=0` (by keyword or position) do not block, nor do `get(block=False)`, `get(False)`, `get_nowait` "
        "and `put_nowait`; `multiprocessing.Pool` waits are `join/map/starmap/apply`.",
        "`put()` on a `queue.SimpleQueue`, or on a `queue.Queue`/`LifoQueue`/`PriorityQueue` or "
        "`multiprocessing.Queue`/`JoinableQueue` made without a positive `maxsize` (also as a field's "
        "`default_factory=Queue`, pydantic or dataclasses; a multiprocessing context's `ctx.Queue()`), never waits; "
        "`put()` on a queue made where the module cannot see (a parameter, another module) is not reported either: "
        "only a bound in sight makes it a wait (on held-out code every such report was an unbounded queue). Nor does a "
        "`get()` right after the code saw an item there: inside `while/if not q.empty():`, or after `while q.empty(): "
        "await ...` (no `break`) or `if q.empty(): return`, with no await and no other `get()` of that queue in "
        "between. `thread.join()` after awaiting a future the thread was handed (`args=(future,)`; in the `try`'s "
        "`else` or after) waits only for the thread to return (CPython's `shutdown_default_executor`).",
        "A thread lock (`Lock`/`RLock`, or a `Condition`'s lock: its waiters release it inside `wait()`) taken with a"
        " plain `with` is reported only when the block holds it across an await point (then another task taking it "
        "blocks the loop for good) -- unless it is seen made as a `threading.RLock()`, or a `Condition()` made "
        "without a lock (an RLock underneath): its owner is a thread, and every task of the loop runs on that one "
        "thread, so another task re-enters it at once; a short section of in-memory work under a lock shared with "
        "threads -- such as `with cond: cond.notify()` -- is the usual design and waits only for other threads' "
        "equally short sections. A condition's `wait()` is reported where it is called. Semaphores, which exist to "
        "make callers wait, are always reported; so is `acquire()`, except on a lock the function made itself (nobody"
        " else can hold it yet) and on a reentrant one, seen made as above: a task re-enters it, and other threads"
        " hold it for short sections as with a plain `with`.",
    ),
)

CONFIGURED_BLOCKING_CALL = blocking_rule(
    code="AIO209",
    name="configured-blocking-call",
    summary=(
        "Calls you list in `--aio-blocking-calls`, in async context: a qualified name (`mylib.client.fetch`), "
        "optionally with a replacement (`mylib.fetch->mylib.afetch`), `*` matching like fnmatch over the whole "
        "qualified name (`mylib.sync.*`). A method call on a local made by a listed class matches too "
        "(`mylib.Client.get` for `c = mylib.Client(); c.get()`)."
    ),
    why=(
        "Your own code base knows its blocking helpers; listing them makes the plugin find them like the built-in ones."
    ),
    example="import mylib\n\nasync def handler():\n    return mylib.fetch_sync()\n",
    use_instead="import mylib\n\nasync def handler():\n    return await mylib.fetch_async()\n",
    example_options=("--aio-blocking-calls=mylib.fetch_sync->await mylib.fetch_async()",),
    peers="flake8-async ASYNC200 (blocking-configured-call)",
    options=(BLOCKING_CALLS,),
    notes=(
        "Entries are comma-separated `qualified.name` or `qualified.name->replacement`; `*` is fnmatch-style over the "
        "whole qualified name. A configured call that is awaited on the spot (`await mylib.fetch()`) is an async API "
        "of the same name, not a blocking call: it is not reported. Reported only when configured; a call a built-in "
        "rule already reports is not reported twice.",
    ),
)

BLOCKING_DIRECTORY_SCAN = blocking_rule(
    code="AIO211",
    name="blocking-directory-scan",
    summary=(
        "A directory scan in async context: `os.listdir`, `os.scandir`, `os.walk`, `glob.glob`, `glob.iglob`, and "
        "`iterdir`, `glob`, `rglob`, `walk` on a known `pathlib.Path` (a `Path(...)` call, a local bound to one "
        "or to a `/`-join of one, a parameter annotated `Path` -- the paths AIO203 knows)."
    ),
    why=(
        "Listing a directory reads it from disk, entry by entry: a large directory, a recursive `walk`/`rglob` "
        "or a network file system stalls the event loop for the whole scan -- the call Home Assistant's "
        "run-time blocking detector reports most often. Run the scan in a thread."
    ),
    example=(
        "import os\n\nasync def plugins(folder):\n"
        "    return [name for name in os.listdir(folder) if name.endswith('.py')]\n"
    ),
    use_instead=(
        "import asyncio\nimport os\n\nasync def plugins(folder):\n    names = await asyncio.to_thread(os.listdir, "
        "folder)\n    return [name for name in names if name.endswith('.py')]\n"
    ),
    peers="none (ruff/flake8-async report `open` and `os.path` metadata calls, not directory listings)",
    notes=(
        "`os.path`/`Path` metadata calls (`exists`, `stat`, `is_dir`, `mkdir`) are not directory "
        "scans and are not reported.",
        "A scan handed to `asyncio.to_thread(os.listdir, folder)` is a callable passed, not a call: not reported.",
        "`os.walk`, `Path.walk/glob/rglob` (and `Path.iterdir` in code that runs only before 3.13, where it "
        "is lazy) make an iterator and read nothing until it is iterated: reported where the coroutine "
        "iterates them (a `for`, a comprehension, `sorted(...)`, a local it iterates later), not when the "
        "iterator is handed on un-iterated (`gen = path.walk()` iterated in a worker thread, returned).",
    ),
    references=(
        "https://docs.python.org/3/library/os.html#os.scandir",
        "https://developers.home-assistant.io/docs/asyncio_blocking_operations/",
    ),
)
BLOCKING_SSL_CONTEXT = blocking_rule(
    code="AIO212",
    name="blocking-ssl-context",
    summary=(
        "Building an SSL context in async context: `ssl.create_default_context(...)`, and "
        "`load_verify_locations`, `load_cert_chain`, `load_default_certs`, `set_default_verify_paths` "
        "on a local bound to `ssl.SSLContext(...)` or `ssl.create_default_context(...)`."
    ),
    why=(
        "Creating a default context loads the system's certificate store, and the `load_*` methods "
        "read and parse certificate and key files: tens to hundreds of milliseconds of file I/O "
        "and parsing on the event loop's thread, on every call. Build the context once, outside "
        "the coroutine (at import or startup), and reuse it -- or build it in a thread."
    ),
    example=(
        "import ssl\n\nimport aiohttp\n\nasync def fetch(session: aiohttp.ClientSession, url):\n"
        "    context = ssl.create_default_context(cafile='ca.pem')\n"
        "    async with session.get(url, ssl=context) as resp:\n        return await resp.text()\n"
    ),
    use_instead=(
        "import ssl\n\nimport aiohttp\n\nCONTEXT = ssl.create_default_context(cafile='ca.pem')\n\n"
        "async def fetch(session: aiohttp.ClientSession, url):\n"
        "    async with session.get(url, ssl=CONTEXT) as resp:\n        return await resp.text()\n"
    ),
    peers="none",
    notes=(
        "A context built at module level or in sync code is not reported: that is the fix.",
        "Nor one built in a lazy initialisation -- the body of `if key not in CACHE:` that stores `CACHE[key] = ...`, "
        "or of `if self._context is None:` (or `if not self._context:`, also and-ed with other tests: "
        "`if scheme == 'rtsps' and not self.ssl:`) that stores `self._context = ...`, the cache a "
        "module global or an attribute of `self`/`cls` -- or after `if self._context is not None: return "
        "self._context` (a return somewhere under a cache-hit test) in a block that then stores `self._context = "
        "...` (neo4j's context, served under a lock): it is built once per key or object and then reused, which is "
        "what this rule asks for. A parameter or local tested the same way is built on every call, and is reported.",
        "`ssl.SSLContext(protocol)` itself reads no file; its `load_*` calls are what block.",
    ),
    references=(
        "https://docs.python.org/3/library/ssl.html#ssl.create_default_context",
        "https://developers.home-assistant.io/docs/asyncio_blocking_operations/",
    ),
)
BLOCKING_FILE_OBJECT_METHOD = blocking_rule(
    code="AIO214",
    name="blocking-file-object-method",
    summary=(
        "In async context: `read`, `readline`, `readlines`, `write`, `writelines`, `flush`, `seek`, `truncate` on a "
        "sync file object opened elsewhere -- a parameter annotated `IO`, `TextIO`, `BinaryIO`, `io.TextIOWrapper`, "
        "`io.BufferedReader/Writer/Random` or `io.FileIO` (also `IO[str]`...), a `self.<attr>` or module global bound "
        "to `open()`/`io.open()`/`Path.open()`, or a local bound to `await asyncio.to_thread(open, ...)`."
    ),
    why=(
        "A sync file object reads and writes with system calls on the event loop's thread: a large "
        "read, a flush to a slow or network disk, or a write to a full pipe stalls every task. "
        "Opening the file in a thread does not help if its reads and writes then run on the loop."
    ),
    example=(
        "from typing import TextIO\n\nasync def export(rows, out: TextIO):\n"
        "    for row in rows:\n        out.write(row.to_csv())\n"
    ),
    use_instead=(
        "import asyncio\nfrom typing import TextIO\n\nasync def export(rows, out: TextIO):\n"
        "    text = ''.join(row.to_csv() for row in rows)\n    await asyncio.to_thread(out.write, text)\n"
    ),
    peers=(
        "ruff ASYNC232 (blocking-io-call-in-async-function, preview); flake8-async ASYNC232 -- they also "
        "report the methods of a file opened in the same coroutine, which this rule leaves to "
        "blocking-file-io's one report at the `open()`"
    ),
    notes=(
        "A file opened in the same coroutine (`with open(path) as f: f.read()`) is reported once, at its "
        "`open()`, by blocking-file-io: the fix -- moving the whole block to a thread, or `aiofiles` -- "
        "covers its reads and writes (as for eager clients).",
        "`aiofiles`/`anyio` file objects and `io.StringIO`/`io.BytesIO` (memory, no system call) are not reported.",
        "A method passed as a callable (`await asyncio.to_thread(f.read)`) is not a call: not reported. Nor one "
        "of a file object named for the console (`stdout: TextIO`, `self._stderr`): it is written like `print()`.",
        "`seek()` only beside a read or write of that file object in the same function: alone it moves the offset "
        "(an `lseek`, no data), e.g. `seek(0, 2)` for a size, or a rewind before reads in a thread (AIO210 too). "
        "`f.seek(f.tell())` -- a probe that the stream can seek, which goes nowhere -- is never reported.",
    ),
    references=(
        "https://docs.python.org/3/library/io.html#io.TextIOWrapper",
        "https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread",
    ),
)
TRANSITIVE_BLOCKING_CALL = declare(
    code="AIO210",
    name="transitive-blocking-call",
    default_enabled=True,
    async_only=True,
    in_test_files=False,
    in_cli_files=False,
    message=(
        "'{call}' in async function '{function}' blocks the event loop: {chain}; run it with 'await "
        "asyncio.to_thread(...)' or make the chain async"
    ),
    summary=(
        "A call from async context to a sync function of the same module (or a sync method of the enclosing class and "
        "its same-module bases) that -- directly or through other same-module sync functions -- makes a call the "
        "AIO201-AIO209, AIO211, AIO212 or AIO214 rules report (whether or not those rules are selected; configured "
        "calls included). The message shows the chain, e.g. `load() -> read_cfg() -> open()`."
    ),
    why=(
        "Hiding a blocking call in a helper does not make it non-blocking: the coroutine still "
        "runs the helper on the event loop thread."
    ),
    example=(
        "import time\n\ndef backoff(attempt):\n    time.sleep(2 ** attempt)\n\n"
        "async def retry(call):\n    for attempt in range(3):\n        backoff(attempt)\n        await call()\n"
    ),
    use_instead=(
        "import asyncio\n\nasync def backoff(attempt):\n    await asyncio.sleep(2 ** attempt)\n\n"
        "async def retry(call):\n    for attempt in range(3):\n        await backoff(attempt)\n        await call()\n"
    ),
    seed=SEED_BLOCKING + ' ("Audit every leaf function under async def")',
    peers="pylint-blocking-calls (abandoned; needs pylint < 3); ty-async ASYNC200T (configured calls only)",
    notes=(
        "Helpers passed to `asyncio.to_thread`/`run_in_executor` are not called and not reported; nor a chain to an "
        "SSL context (blocking-ssl-context) whose helper is only ever called in a lazy initialisation, as that "
        "rule's page describes (`if key not in CACHE: CACHE[key] = build_context()`), or through a helper "
        "memoized with `functools.cache`/`lru_cache` (sense_energy's `get_ssl_context`): one context per "
        "configuration. A memoized helper that reads a file is still reported.",
        "Chains are computed once per module, in time linear in its calls; recursion and mutual recursion "
        "end. The shortest chain is shown; one longer than six helpers shows its first four, how many "
        "more there are, and the last one (`a() -> b() -> c() -> d() -> ... 3 more ... -> h() -> time.sleep()`).",
        "A helper with a decorator other than `staticmethod`, `classmethod`, `functools.cache`/`lru_cache`/`wraps` "
        "or `abstractmethod` is skipped: decorators such as `sync_to_async` or `run_in_threadpool` change what "
        "calling it does. Functions imported from other modules are not followed. Generator functions are not "
        "blocking helpers: calling one runs none of its body.",
        "A method whose only blocking calls are `self.<queue>.get()` is not reported where the coroutine calling it "
        "(as `self.<method>()`) has just seen an item in that queue, as for blocking-wait (AIO208).",
        "A helper whose blocking calls (and calls of blocking helpers) all come after `if not wait: return` at the top "
        "of its body (`wait` with a false default: flet's `_invoke_method`), or all sit in the body of `if sync:` at "
        "its top (langchain-litellm's `_make_ocr_request`, whose other branch makes a coroutine) blocks only if asked: "
        "a call passing a false literal (or leaving out one whose default is false) is not followed.",
        *(MAIN_COROUTINE_NOTE + LIFECYCLE_NOTE),
    ),
    references=(ASYNCIO_DEV_DOC,),
)
