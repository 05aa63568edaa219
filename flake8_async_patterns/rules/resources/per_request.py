"""HTTP clients made afresh in every request a web app handles (client-session-per-request, off by
default: design advice)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...checker import Checker
from ...knowledge.http import POOLED_CLIENTS
from ...knowledge.inference import kind_of
from ...knowledge.kinds import Kind
from ...registry import declare
from ...semantic.scope import ScopeKind
from ...semantic.text import decorator_target, describe
from ._shared import AIOHTTP_CLIENT_DOC, HTTPX_ASYNC_DOC, SEED_RESOURCES

if TYPE_CHECKING:
    from ...semantic.context import Context
    from ...semantic.scope import Scope

CLIENT_SESSION_PER_REQUEST = declare(
    code="AIO505",
    name="client-session-per-request",
    default_enabled=False,
    message=(
        "'{call}' in request handler '{function}' makes a new client, with its own connection pool, "
        "for every request; create one client when the app starts (a lifespan or cleanup context) "
        "and reuse it"
    ),
    summary=(
        "`aiohttp.ClientSession()` or `httpx.AsyncClient()` created inside a web request handler: a "
        "function decorated as a route of a FastAPI/Starlette app or router (`@app.get(...)`, "
        "`@router.post(...)`, `@app.route(...)`) or of an aiohttp `RouteTableDef`, or registered "
        "in the module with `app.router.add_get/add_post/add_route(...)`, `web.get/post/...(path, "
        "handler)` or a Starlette `Route(path, handler)`."
    ),
    why=(
        "A client's connection pool only pays off when it is shared: a client per request opens new "
        "TCP (and TLS) connections to the upstream for every incoming request, adds their latency to "
        "every response, and under load exhausts sockets and file descriptors. aiohttp's and "
        "httpx's documentation both recommend one client for the application's lifetime."
    ),
    example=(
        "import httpx\n"
        "from fastapi import FastAPI\n\n"
        "app = FastAPI()\n\n"
        "@app.get('/weather')\n"
        "async def weather(city: str):\n"
        "    async with httpx.AsyncClient() as client:\n"
        "        resp = await client.get('https://api.example.com/weather', params={'q': city})\n"
        "    return resp.json()\n"
    ),
    use_instead=(
        "from contextlib import asynccontextmanager\n\n"
        "import httpx\n"
        "from fastapi import FastAPI, Request\n\n"
        "@asynccontextmanager\n"
        "async def lifespan(app):\n"
        "    async with httpx.AsyncClient() as client:\n"
        "        app.state.client = client\n"
        "        yield\n\n"
        "app = FastAPI(lifespan=lifespan)\n\n"
        "@app.get('/weather')\n"
        "async def weather(city: str, request: Request):\n"
        "    resp = await request.app.state.client.get('https://api.example.com/weather', params={'q': city})\n"
        "    return resp.json()\n"
    ),
    seed=SEED_RESOURCES,
    peers="none",
    notes=(
        "Off by default: a client per request is slow, not broken, and low-traffic handlers may not "
        "care. Turn it on for services that call upstream APIs on their hot path.",
        "Handlers are recognised in the module itself: a decorator on an object visibly made by "
        "`FastAPI()`, `APIRouter()`, `Starlette()`, `Router()` or `web.RouteTableDef()`, or a "
        "registration call naming a function of the module. Nested helpers called by a handler are "
        "not followed.",
        "Reported at the creating call.",
    ),
    references=(AIOHTTP_CLIENT_DOC + "#client-session", HTTPX_ASYNC_DOC),
)

ROUTE_DECORATORS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "route", "api_route", "view", "websocket"}
)
ROUTE_KINDS = frozenset({Kind.WEB_APP, Kind.AIOHTTP_ROUTES})
REGISTRARS = frozenset(
    {"add_get", "add_post", "add_put", "add_patch", "add_delete", "add_head", "add_route", "add_view"}
)
AIOHTTP_ROUTE_FUNCTIONS = frozenset(
    f"aiohttp.web.{method}" for method in ("get", "post", "put", "patch", "delete", "head", "route", "view")
)
STARLETTE_ROUTES = frozenset({"starlette.routing.Route", "starlette.routing.WebSocketRoute"})


class RequestHandlerClientChecker(Checker):
    """client-session-per-request: creations inside module functions, decided at the end of the
    module once every route decorator and registration is known."""

    rules = (CLIENT_SESSION_PER_REQUEST,)
    requires = (("aiohttp", "httpx"), ("fastapi", "starlette", "aiohttp"))

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.made: list[tuple[ast.Call, ast.AST, str]] = []  # (call, function node, function name)
        self.handlers: set[ast.AST] = set()  # route-decorated function nodes
        self.registered: set[str] = set()  # names of module functions registered as handlers

    def function_start(self, scope: Scope) -> None:
        node = scope.node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            self._is_route(decorator) for decorator in node.decorator_list
        ):
            self.handlers.add(node)

    def _is_route(self, decorator: ast.AST) -> bool:
        target = decorator_target(decorator)
        if not isinstance(target, ast.Attribute) or target.attr not in ROUTE_DECORATORS:
            return False
        return kind_of(self.ctx, target.value) in ROUTE_KINDS

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in REGISTRARS:
            self._registers(node.args)
            return
        qualified = ctx.qualified_name(func)
        if qualified in AIOHTTP_ROUTE_FUNCTIONS or qualified in STARLETTE_ROUTES:
            self._registers(node.args, [k.value for k in node.keywords if k.arg in ("handler", "endpoint")])
        elif qualified in POOLED_CLIENTS:
            function = ctx.function
            if function.kind is ScopeKind.FUNCTION:
                self.made.append((node, function.node, function.name))

    def _registers(self, args: list[ast.expr], extra: list[ast.expr] = ()) -> None:
        self.registered.update(arg.id for arg in (*args, *extra) if isinstance(arg, ast.Name))

    def module_end(self) -> None:
        for call, function_node, name in self.made:
            if function_node in self.handlers or name in self.registered:
                self.ctx.report(call, CLIENT_SESSION_PER_REQUEST, call=describe(call), function=name)
