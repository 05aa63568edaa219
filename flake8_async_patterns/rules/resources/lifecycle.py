"""Async clients, files, connections and pools a function makes and loses (unclosed-async-resource),
and clients made afresh on every pass of a loop (client-session-in-loop)."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from ...checker import Checker
from ...knowledge.http import AWAITED_CONSTRUCTORS, POOLED_CLIENTS, RESOURCE_CLOSERS, RESOURCE_CONSTRUCTORS
from ...knowledge.kinds import EXIT_STACK_TAKERS
from ...registry import declare
from ...semantic.flow import Outcome, Use, closed_on_every_path, hands_on, outcomes, use_of
from ...semantic.frames import (
    COMPREHENSION_NODES,
    LOOP_NODES,
    SCOPE_NODES,
    TRY_NODES,
    ancestors,
    in_statement_list,
    parent_frame,
    parent_of,
    statement_lists,
    statement_position,
    within_scope,
)
from ...semantic.scope import Binding, BindingKind, ScopeKind
from ...semantic.text import describe, is_none
from ._shared import AIOHTTP_CLIENT_DOC, HTTPX_ASYNC_DOC, SEED_RESOURCES, created_call

if TYPE_CHECKING:
    from ...semantic.context import Context
    from ...semantic.frames import Frame

LIBRARY_WORDS = ("aiohttp", "httpx", "aiofiles", "asyncpg")

UNCLOSED_ASYNC_RESOURCE = declare(
    code="AIO501",
    name="unclosed-async-resource",
    default_enabled=True,
    message=(
        "'{name} = {call}' is not closed on every path (it leaks its connections or file); "
        "use 'async with {call} as {name}:', or 'await {name}.{closer}()' in a 'finally:'"
    ),
    summary=(
        "A local bound to `aiohttp.ClientSession()`, `aiohttp.TCPConnector()`, `httpx.AsyncClient()`, "
        "`await aiofiles.open()`, `await asyncpg.connect()` or `await asyncpg.create_pool()` that is "
        "not entered with `async with`, not closed on every path (a `finally:` counts, and so does a "
        "close before every exit), and not handed on."
    ),
    why=(
        "These objects hold sockets or file descriptors and a connection pool. Unclosed, they leak "
        "until the garbage collector finds them -- aiohttp then logs `Unclosed client session` and "
        "`Unclosed connector`, httpx and asyncpg leave connections open, aiofiles keeps the file "
        "descriptor. A close that only runs when nothing raises leaks on every error."
    ),
    example=(
        "import aiohttp\n\n"
        "async def fetch(url):\n"
        "    session = aiohttp.ClientSession()\n"
        "    resp = await session.get(url)\n"
        "    return await resp.text()\n"
    ),
    use_instead=(
        "import aiohttp\n\n"
        "async def fetch(url):\n"
        "    async with aiohttp.ClientSession() as session:\n"
        "        async with session.get(url) as resp:\n"
        "            return await resp.text()\n"
    ),
    seed=SEED_RESOURCES,
    peers="none (flake8-async has no resource tracking; ruff has none)",
    notes=(
        "Handed on means the function no longer owns it: returned, yielded, stored in an attribute, "
        "a container or another name (also in the same chained assignment, `session = self.session = "
        "ClientSession()`: aiotieba), passed to a call that is not awaited at once (a constructor, "
        "a registry), passed to `AsyncExitStack.enter_async_context`/`push_async_callback`, or its "
        "`close` passed somewhere as a callback -- or used by a nested function that a decorator registers "
        "(`@server.call_tool()`, mcp-server-sentry's handlers): the handler keeps it for as long as it lives. A "
        "nested helper without a decorator dies with the call and keeps nothing.",
        "Only function locals: a module-level or class-level client is an app-wide client, which is "
        "the recommended pattern (closed by the app's shutdown hook).",
        "`aiofiles.open()` and the asyncpg functions count when awaited: not awaited and not entered, "
        "nothing was opened.",
        "A local used in a plain `with` is sync-with-async-context-manager's (AIO504) finding alone.",
        "Reported at the creating call.",
    ),
    references=(AIOHTTP_CLIENT_DOC + "#graceful-shutdown", HTTPX_ASYNC_DOC + "#opening-and-closing-clients"),
)

CLIENT_SESSION_IN_LOOP = declare(
    code="AIO502",
    name="client-session-in-loop",
    default_enabled=True,
    message=(
        "'{call}' inside a {loop} makes a new client, with its own connection pool, on every pass; "
        "create one client before the loop and reuse it"
    ),
    summary=(
        "`aiohttp.ClientSession()` or `httpx.AsyncClient()` created inside a `for`/`async for`/"
        "`while` body or a comprehension of the same function, unless the new client is kept "
        "(appended, put in a dict, stored on an attribute, or the comprehension's element itself)."
    ),
    why=(
        "A client owns a connection pool: reusing it keeps TCP and TLS connections alive between "
        "requests. One client per iteration opens a new connection (and a TLS handshake) every time, "
        "throws the pool away, and under load exhausts sockets. aiohttp's and httpx's documentation "
        "both say to create one client and share it."
    ),
    example=(
        "import aiohttp\n\n"
        "async def fetch_all(urls):\n"
        "    pages = []\n"
        "    for url in urls:\n"
        "        async with aiohttp.ClientSession() as session:\n"
        "            async with session.get(url) as resp:\n"
        "                pages.append(await resp.text())\n"
        "    return pages\n"
    ),
    use_instead=(
        "import aiohttp\n\n"
        "async def fetch_all(urls):\n"
        "    pages = []\n"
        "    async with aiohttp.ClientSession() as session:\n"
        "        for url in urls:\n"
        "            async with session.get(url) as resp:\n"
        "                pages.append(await resp.text())\n"
        "    return pages\n"
    ),
    seed=SEED_RESOURCES,
    peers="none",
    notes=(
        "`while` and `async for` bodies and comprehensions count; a client "
        "made in a loop and then stored (`clients.append(c)`, `pool[k] = c`, `self.c = c`, or a `global`/`nonlocal` "
        "name: nonebot-plugin-blive-danmaku's `if session is None: session = ClientSession()`; or any name "
        "under such a test, `if not sess: sess = ClientSession()`, made on the first pass and then reused: "
        "mautrix-googlechat's redirect loop) or made "
        "as a comprehension's element (`[httpx.AsyncClient() for _ in shards]`) is kept on purpose "
        "and not reported.",
        "The loop's iterable is evaluated once: a client made there is not per iteration.",
        "A client that opens a websocket (`client.ws_connect(...)`, httpx-ws's `aconnect_ws(url, client)`) in the "
        "loop is a reconnect loop: "
        "each pass holds one long-lived connection, and a fresh client per reconnect is reasonable.",
        "A client entered with `async with` whose block leaves the loop (`return`, `break`) once its "
        "request worked -- or whose block is followed by statements that leave the loop on every path (a "
        "plain `return`/`break`, or parsing the response and then returning; where those fall off the end of an "
        "`if` arm or a `try` around the block, the statements after it count: nonebot-plugin-course-schedule's "
        "`return` after the `try`) -- is a retry or "
        "a readiness poll: the next pass makes a client only after this one failed, when there is no "
        "pooled connection to reuse. Not reported. The `else` of a `try` whose body holds the block runs "
        "only when the request got through, and counts as the block (proxybroker's `else: if valid: break`). "
        "A `break` only on failure after the block is no retry. A loop that counts its attempts -- `for attempt in "
        "range(3):`, `for _ in range(n):`, or a `range` whose number the body never reads -- is a retry too when a "
        "pass can leave it after the block on some path (`return` once the response parses, `continue` when it "
        "does not: nonebot-plugin-wordle-simple, nonebot-plugin-algo); `for i in range(len(urls))` reading "
        "`urls[i]` walks items and is reported.",
        "A retry library's attempt loop -- `async for attempt in tenacity.AsyncRetrying(...): with attempt: ...` "
        "(also `tenacity.Retrying`, stamina's `retry_context`, or any iterable whose items are named for an attempt "
        "and entered by the `with`, as mystool's `get_async_retry(retry)`) -- goes round only when the attempt "
        "raised: a retry, not reported. A loop around it (`for good in goods:`) is judged as usual, and named "
        "in the message.",
        "Reported at the creating call.",
    ),
    references=(AIOHTTP_CLIENT_DOC + "#client-session", HTTPX_ASYNC_DOC),
)

_GOES_ROUND = frozenset({Outcome.FALL, Outcome.CONTINUE})  # ways on to the loop's next pass
_FALLS = frozenset({Outcome.FALL})
_LEAVES = frozenset({Outcome.EXIT, Outcome.BREAK})  # ways out of the loop that are no failure
_ATTEMPT_NAME = re.compile(r"attempt|retry|retries|(^|_)(try|tries)(_|$)", re.IGNORECASE)  # not ``entry``
_KEEPERS = frozenset({"append", "add", "extend", "insert", "put", "put_nowait", "setdefault", "appendleft"})
_KEPT_USES = frozenset({Use.RETURNED, Use.YIELDED, Use.STORED, Use.COLLECTED})
_ATTEMPT_ITERABLES = frozenset(
    {"tenacity.AsyncRetrying", "tenacity.Retrying", "tenacity.asyncio.AsyncRetrying", "stamina.retry_context"}
)
_LOOP_WORDS = {ast.For: "'for' loop", ast.AsyncFor: "'async for' loop", ast.While: "'while' loop"}


class AsyncResourceChecker(Checker):
    """unclosed-async-resource and client-session-in-loop: locals decided at the end of the module,
    once all their loads are seen."""

    rules = (UNCLOSED_ASYNC_RESOURCE, CLIENT_SESSION_IN_LOOP)
    requires = (LIBRARY_WORDS,)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.resources: list[tuple[Binding, ast.Call, str]] = []  # (local, creating call, closer)
        self.in_loop: list[tuple[ast.Call, str]] = []  # (call, loop words)
        self.websockets: set[int] = set()  # clients that open a websocket

    def bound(self, binding: Binding) -> None:
        if binding.kind is not BindingKind.ASSIGN or not isinstance(binding.node, ast.Name):
            return
        if binding.scope.kind is not ScopeKind.FUNCTION:
            return
        call = created_call(binding.value)
        if call is None:
            return
        statement = parent_of(binding.frame) if binding.frame is not None else None
        if isinstance(statement, ast.Assign) and any(
            type(t) in (ast.Attribute, ast.Subscript) for t in statement.targets
        ):
            return  # ``session = self.session = ClientSession()``: stored at once, handed on (aiotieba)
        qualified = self.ctx.qualified_name(call.func)
        kind = RESOURCE_CONSTRUCTORS.get(qualified) if qualified else None
        if kind is None or (qualified in AWAITED_CONSTRUCTORS) != isinstance(binding.value, ast.Await):
            return
        self.ctx.watch(binding)
        self.resources.append((binding, call, sorted(RESOURCE_CLOSERS[kind])[0]))

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "ws_connect" and isinstance(func.value, ast.Name):
            self._opens_websocket(func.value)  # aiohttp's ``session.ws_connect(url)``
            return
        if (func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)) in _WS_CONNECTORS:
            for arg in (*node.args, *(k.value for k in node.keywords)):
                if isinstance(arg, ast.Name):
                    self._opens_websocket(arg)  # httpx-ws's ``aconnect_ws(url, client)``
            return
        if ctx.qualified_name(func) not in POOLED_CLIENTS:
            return
        frame = ctx.frame
        for block, child in within_scope(frame, (*LOOP_NODES, *COMPREHENSION_NODES)):
            if isinstance(block, COMPREHENSION_NODES):
                if child is node and _is_element(block, node):
                    return  # a list/dict of clients, made on purpose
                if child in block.generators[:1]:
                    continue  # the first iterable is evaluated once, outside the comprehension
                self._in_loop(node, "comprehension")
                return
            if in_statement_list(child, block.body):
                if _kept_at_once(frame) or _retry_attempt(frame) or self._kept_outside(frame):
                    return
                if _counted_retry(ctx, block, frame) or _attempt_loop(ctx, block, child):
                    continue  # goes round only when this attempt raised; a loop around it may not
                self._in_loop(node, _LOOP_WORDS[type(block)])
                return

    def _opens_websocket(self, client: ast.Name) -> None:
        binding = self.ctx.lookup(client.id)
        if binding is not None and isinstance(binding.value, ast.Call):
            self.websockets.add(id(binding.value))  # a long-lived connection per pass, not a request

    def _kept_outside(self, frame: Frame) -> bool:
        """``global session`` ... ``session = aiohttp.ClientSession()`` (or ``nonlocal``): the client
        goes to the module's (or the enclosing function's) variable, one client that later passes reuse
        (nonebot-plugin-blive-danmaku makes it under ``if session is None:``) -- or to any name, under
        ``if not sess:``/``if sess is None:`` (mautrix-googlechat's redirect loop)."""
        parent = parent_of(frame)
        if not isinstance(parent, ast.Assign) or len(parent.targets) != 1 or type(parent.targets[0]) is not ast.Name:
            return False
        function = self.ctx.function
        name = parent.targets[0].id
        if name in function.globals or name in function.nonlocals:
            return True
        return any(  # ``if not sess: sess = aiohttp.ClientSession()``: made on the first pass, then reused
            in_statement_list(child, block.body) and _tests_unset(block.test, name)
            for block, child in within_scope(frame, ast.If)
        )

    def _in_loop(self, call: ast.Call, words: str) -> None:
        self.in_loop.append((call, words))

    def module_end(self) -> None:
        ctx = self.ctx
        for binding, call, closer in self.resources:
            if not _handled(binding, closer):
                ctx.report(call, UNCLOSED_ASYNC_RESOURCE, name=binding.name, call=describe(call), closer=closer)
        made_into = {id(call): binding for binding, call, _ in self.resources}
        for call, words in self.in_loop:
            binding = made_into.get(id(call))
            if (binding is not None and _kept(binding)) or id(call) in self.websockets:
                continue
            ctx.report(call, CLIENT_SESSION_IN_LOOP, call=describe(call), loop=words)


_WS_CONNECTORS = frozenset({"aconnect_ws", "connect_ws"})  # httpx-ws: the client opens a websocket


def _is_element(comprehension: ast.AST, node: ast.AST) -> bool:
    if isinstance(comprehension, ast.DictComp):
        return node is comprehension.key or node is comprehension.value
    return node is comprehension.elt


def _kept_at_once(frame: Frame) -> bool:
    """``self.c = Client()`` / ``pool[k] = Client()`` / ``clients.append(Client())``."""
    parent = parent_of(frame)
    if isinstance(parent, ast.Assign):
        return any(isinstance(t, (ast.Attribute, ast.Subscript)) for t in parent.targets)
    if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Attribute):
        return parent.func.attr in _KEEPERS
    return False


def _retry_attempt(frame: Frame) -> bool:
    """``async with aiohttp.ClientSession() as s:`` whose block leaves the loop (``return``,
    ``break``) once its request worked, or whose statements after it never go round again -- a plain
    ``return``/``break`` (letta), or parsing the response first and returning on every path
    (autogen's NLIP client): a retry or a readiness poll -- the next pass makes a new client only after this one
    failed, when there is no pooled connection to reuse."""
    item = parent_of(frame)
    block_frame = parent_frame(frame) if isinstance(item, ast.withitem) else None
    block = parent_of(block_frame) if block_frame is not None else None
    if not isinstance(block, ast.AsyncWith):
        return False
    around = parent_of(parent_frame(block_frame))
    if not _ways_on(parent_frame(block_frame)) & _GOES_ROUND:
        return True  # the pass that got through the block leaves the loop: return, break or raise
    pending = list(block.body)
    if isinstance(around, TRY_NODES) and statement_position(block, around.body) is not None:
        pending += around.orelse  # ``try: async with ...`` / ``else: if ok: break``: run only if it got through
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.Return, ast.Break)):
            return True
        if not isinstance(node, (*LOOP_NODES, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            pending.extend(ast.iter_child_nodes(node))
    return False


def _ways_on(frame: Frame) -> frozenset:
    """How a pass that got through the statement of ``frame`` goes on: the outcomes of the statements
    after it in its block and, where they fall off its end, of the ones after each block around it,
    up to the loop's body, whose end is the next pass (``CONTINUE``; nonebot-plugin-course-schedule's
    ``return`` after the ``try`` around the client's block)."""
    ways: set = set()
    while (outer := parent_frame(frame)) is not None and not isinstance(outer[0], SCOPE_NODES):
        statement, block = frame[0], outer[0]
        found = _FALLS  # a handler's or a case's end: on after the block that holds it
        for statements in statement_lists(block):
            position = statement_position(statement, statements)
            if position is not None:
                following = statements[position + 1 :]
                if isinstance(block, TRY_NODES) and statements is block.body:
                    following += block.orelse  # run only when the body got through
                found = outcomes(following) if following else _FALLS
                break
        ways |= found - _FALLS
        if Outcome.FALL not in found:
            break
        if isinstance(block, LOOP_NODES):
            ways.add(Outcome.CONTINUE)  # fell off the loop's body: the next pass
            break
        frame = outer
    return frozenset(ways)


def _counted_retry(ctx: Context, loop: ast.AST, frame: Frame) -> bool:
    """``for attempt in range(3):`` (or ``for _ in range(n)``, or a count the body never reads) around an
    ``async with`` client whose pass can leave the loop after the block (``return``/``break`` on some
    path): a bounded retry that goes round only when the attempt did not succeed (nonebot-plugin-algo's
    rate-limit retry, wordle-simple's ``continue`` on a page it cannot parse)."""
    if not isinstance(loop, ast.For) or not isinstance(loop.target, ast.Name) or not isinstance(loop.iter, ast.Call):
        return False
    if ctx.qualified_name(loop.iter.func) != "builtins.range":
        return False
    name = loop.target.id
    if name.strip("_") and not _ATTEMPT_NAME.search(name) and _reads(loop.body, name):
        return False  # an index over items: ``for i in range(len(urls)): ... urls[i]``
    item = parent_of(frame)
    if not isinstance(item, ast.withitem) or not isinstance(parent_of(parent_frame(frame)), ast.AsyncWith):
        return False
    return bool(_ways_on(parent_frame(parent_frame(frame))) & _LEAVES)


def _reads(statements: list, name: str) -> bool:
    return any(
        isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load)
        for statement in statements
        for node in ast.walk(statement)
    )


def _attempt_loop(ctx: Context, loop: ast.AST, statement: ast.stmt) -> bool:
    """``for attempt in tenacity.AsyncRetrying(...): with attempt: ...`` (tenacity, stamina's
    ``retry_context``): each item is an attempt whose ``with`` records how it ended, and the loop
    goes round only when the attempt raised -- a retry.  The iterable is one of those, or the item
    is named for an attempt (mystool's ``async for attempt in get_async_retry(retry)``)."""
    target = getattr(loop, "target", None)
    if not isinstance(target, ast.Name) or not isinstance(statement, ast.With):
        return False
    names = {item.context_expr.id for item in statement.items if isinstance(item.context_expr, ast.Name)}
    if target.id not in names:
        return False
    return "attempt" in target.id.lower() or (
        isinstance(loop.iter, ast.Call) and ctx.qualified_name(loop.iter.func) in _ATTEMPT_ITERABLES
    )


def _kept(binding: Binding) -> bool:
    """A client made in a loop into a local that the loop then keeps."""
    for frame in binding.loads or ():
        use = use_of(frame)
        if use in _KEPT_USES:
            return True
        if use is Use.ARGUMENT:
            call = parent_of(frame)
            if isinstance(call.func, ast.Attribute) and call.func.attr in _KEEPERS:
                return True
    return False


def _handled(binding: Binding, closer: str) -> bool:
    """Entered with ``async with``, closed on every path, or handed on."""
    for frame in binding.loads or ():
        if hands_on(frame, EXIT_STACK_TAKERS) or _in_registered_def(binding, frame):
            return True
        parent = parent_of(frame)
        if isinstance(parent, ast.Attribute) and parent.attr in ("close", "aclose", "terminate", closer):
            attribute_frame = parent_frame(frame)
            if attribute_frame is not None and not isinstance(parent_of(attribute_frame), ast.Call):
                return True  # ``push_async_callback(s.close)``: closing handed to a callback
            if attribute_frame is not None and use_of(attribute_frame) is Use.ARGUMENT:
                return True
            if closed_on_every_path(binding, frame):
                return True
    return False


def _in_registered_def(binding: Binding, frame: Frame) -> bool:
    """A use inside a nested function that a decorator takes (``@server.call_tool()``): the
    registered handler keeps the resource for as long as it lives."""
    for node in ancestors(frame):
        if node is binding.scope.node:
            return False
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.decorator_list:
            return True
    return False


def _tests_unset(test: ast.expr, name: str) -> bool:
    """``not name`` or ``name is None``."""
    if type(test) is ast.UnaryOp and type(test.op) is ast.Not:
        return type(test.operand) is ast.Name and test.operand.id == name
    return (
        type(test) is ast.Compare
        and type(test.left) is ast.Name
        and test.left.id == name
        and len(test.ops) == 1
        and type(test.ops[0]) is ast.Is
        and is_none(test.comparators[0])
    )
