"""aiohttp responses whose connection is never given back to the pool (unreleased-response)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...checker import Checker
from ...knowledge.http import RESPONSE_READERS
from ...knowledge.inference import kind_of
from ...knowledge.kinds import Kind
from ...registry import declare
from ...semantic.flow import Use, hands_on, use_of
from ...semantic.frames import LOOP_NODES, parent_of, within_scope
from ...semantic.scope import Binding, BindingKind, ScopeKind
from ...semantic.source import ASYNC_CODE
from ...semantic.text import describe, dotted_name
from ._shared import AIOHTTP_CLIENT_DOC, SEED_RESOURCES

if TYPE_CHECKING:
    from ...semantic.context import Context
    from ...semantic.frames import Frame

REQUEST_METHODS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request"})

UNRELEASED_RESPONSE = declare(
    code="AIO503",
    name="unreleased-response",
    default_enabled=True,
    message=(
        "response '{name}' of '{call}' is never read, released or entered; unless its whole body has "
        "already arrived, its connection stays out of the pool: use 'async with {call} as {name}:' "
        "or read the body"
    ),
    summary=(
        "`resp = await s.get/post/put/patch/delete/options/request(...)` on a known aiohttp "
        "`ClientSession` (made in the function, a parameter annotated `aiohttp.ClientSession`, a "
        "`self` attribute bound to one in the class), whose response is never entered with `async "
        "with`, released/closed, read (`await resp.text()/json()/read()`, `resp.content`), nor handed "
        "on."
    ),
    why=(
        "An aiohttp response holds its pooled connection until the body has been received to the "
        "end and consumed, or the response is released. aiohttp gives the connection back by itself "
        "only once the whole body has arrived in its buffer -- which small replies do at once, so the "
        "bug hides in tests -- but a large, streamed or slow body keeps the connection checked out: "
        "with the default connector limit of 100 (or a smaller `limit=`) later requests wait for a "
        "connection that comes back only when the garbage collector finds the response "
        "(witnessed with `TCPConnector(limit=1)`: the second request never gets one)."
    ),
    example=(
        "import aiohttp\n\n"
        "async def is_up(session: aiohttp.ClientSession, url: str) -> bool:\n"
        "    resp = await session.get(url)\n"
        "    return resp.status == 200\n"
    ),
    use_instead=(
        "import aiohttp\n\n"
        "async def is_up(session: aiohttp.ClientSession, url: str) -> bool:\n"
        "    async with session.get(url) as resp:\n"
        "        return resp.status == 200\n"
    ),
    seed=SEED_RESOURCES,
    peers="none",
    notes=(
        "Handed on: returned, yielded, stored, or passed to any call (the callee may read it).",
        "httpx responses are not tracked: `await client.get()` reads the whole body before it returns.",
        'A HEAD request (`s.head(url)`, `s.request("HEAD", url)`) is not reported: its reply has no body, and '
        "aiohttp releases the connection once the headers are read -- even when they announce a large "
        "`Content-Length` (witnessed with `TCPConnector(limit=1)`).",
        "Nor the only request made inside the `async with ClientSession() as s:` block that made its session, "
        "with no loop in between (discord-ext-forms' `async with aiohttp.ClientSession() as session: r = await "
        "session.get(url); return r.status == 200`): leaving the block closes the session's connector, and "
        "the response's connection with it, and no other request waits for it. With another request on the "
        "session in that block, or inside a loop there, the unreleased response keeps a connection the next "
        "request may wait for, and is reported.",
        "Reported at the request call.",
    ),
    references=(AIOHTTP_CLIENT_DOC + "#response-object", "https://docs.aiohttp.org/en/stable/client_reference.html"),
)

_READ_ATTRIBUTES = RESPONSE_READERS | {"content", "__aenter__"}


class ResponseChecker(Checker):
    """unreleased-response: response locals decided at the end of the module."""

    rules = (UNRELEASED_RESPONSE,)
    requires = ((ASYNC_CODE,), ("aiohttp",))

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.responses: list[tuple[Binding, ast.Call]] = []

    def bound(self, binding: Binding) -> None:
        if binding.kind is not BindingKind.ASSIGN or not isinstance(binding.node, ast.Name):
            return
        value = binding.value
        if binding.scope.kind is not ScopeKind.FUNCTION or not isinstance(value, ast.Await):
            return
        call = value.value
        if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
            return
        if _has_body(call) and kind_of(self.ctx, call.func.value) is Kind.AIOHTTP_SESSION:
            if self._closes_with_session(call.func.value):
                return
            self.ctx.watch(binding)
            self.responses.append((binding, call))

    def _closes_with_session(self, receiver: ast.expr) -> bool:
        """The request is made inside the ``async with ClientSession() as s:`` that made its session,
        with no loop in between: leaving the block closes the session's connector and the response's
        connection with it, so it holds no pooled connection that another request waits for
        (discord-ext-forms' one-off invite check) -- if it is the block's only request on the
        session.  Another request there, or a loop around this one, may wait for that connection."""
        name = dotted_name(receiver)
        for node, _ in within_scope(self.ctx.frame, (ast.AsyncWith, *LOOP_NODES, ast.AsyncFor)):
            if not isinstance(node, ast.AsyncWith):
                return False
            for item in node.items:
                if item.optional_vars is not None and dotted_name(item.optional_vars) == name:
                    return kind_of(self.ctx, item.context_expr) is Kind.AIOHTTP_SESSION and _one_request(node, name)
        return False

    def module_end(self) -> None:
        for binding, call in self.responses:
            if not any(_releases(frame) for frame in binding.loads or ()):
                self.ctx.report(call, UNRELEASED_RESPONSE, name=binding.name, call=describe(call))


def _one_request(block: ast.AsyncWith, session: str | None) -> bool:
    """The body of ``block`` makes just one request on ``session``."""
    requests = (
        node
        for statement in block.body
        for node in ast.walk(statement)
        if type(node) is ast.Call
        and type(node.func) is ast.Attribute
        and node.func.attr in REQUEST_METHODS
        and dotted_name(node.func.value) == session
    )
    return next(requests, None) is not None and next(requests, None) is None


def _has_body(call: ast.Call) -> bool:
    """A request whose reply may carry a body: not ``head(...)`` nor ``request("HEAD", ...)`` -- a HEAD
    reply ends with its headers, and aiohttp gives its connection back as soon as they are read."""
    method = call.func.attr
    if method == "request" and call.args and isinstance(call.args[0], ast.Constant):
        return str(call.args[0].value).upper() != "HEAD"
    return method in REQUEST_METHODS and method != "head"


def _releases(frame: Frame) -> bool:
    if hands_on(frame) or use_of(frame) in (Use.ARGUMENT, Use.KEYWORD):
        return True
    parent = parent_of(frame)
    return isinstance(parent, ast.Attribute) and parent.attr in _READ_ATTRIBUTES
