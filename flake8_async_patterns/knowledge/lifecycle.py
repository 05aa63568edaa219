"""Application lifecycle hooks: coroutines a web or bot framework runs while the application starts
(before it serves its first request or update) or stops (after it has stopped serving), so a short
local read there -- a configuration file, a certificate, a data directory -- delays no request.

Also operator commands: a chat bot's command that only its operators may run (a NoneBot matcher made
with ``permission=SUPERUSER``, alone or ``|`` the group's admins and owner).  The operator runs it by
hand, rarely, and waits for its answer, so one short read or write of a local file there is no
latency anybody else would notice."""

from __future__ import annotations

import ast
import re

from ..semantic.context import Context
from ..semantic.scope import BindingKind, Scope
from ..semantic.text import decorator_target, keyword_value, last_segment

# ``@driver.on_startup`` (NoneBot), ``@app.before_serving`` (Quart), ``@app.before_server_start``
# (Sanic), ``@cl.on_app_startup`` (Chainlit), ``@dp.startup()`` (aiogram): the attribute names the
# moment.  Sanic's ``after_server_start``/``before_server_stop`` run while the server serves: not here.
HOOK_ATTRIBUTES = frozenset(
    {
        "on_startup",
        "on_shutdown",
        "on_cleanup",
        "before_serving",
        "after_serving",
        "before_server_start",
        "after_server_stop",
        "main_process_start",
        "main_process_stop",
        "on_app_startup",
        "on_app_shutdown",
        "startup",
        "shutdown",
    }
)
# ``@app.on_event("startup")`` (FastAPI/Starlette), ``@app.listener("before_server_start")`` (Sanic),
# ``app.add_event_handler("shutdown", close)``: the moment is the first argument.
_EVENT_METHODS = frozenset({"on_event", "listener", "add_event_handler"})
_EVENTS = frozenset(
    {"startup", "shutdown", "before_server_start", "after_server_stop", "main_process_start", "main_process_stop"}
)
# ``Starlette(on_startup=[init])``, ``FastAPI(lifespan=lifespan)``, ``start_polling(dp, on_startup=init)``.
_HOOK_KEYWORDS = frozenset({"on_startup", "on_shutdown", "lifespan"})
# ``app.on_startup.append(init)`` (aiohttp), ``dp.startup.register(init)`` (aiogram), ``app.cleanup_ctx.append``.
_HOOK_LISTS = HOOK_ATTRIBUTES | {"cleanup_ctx"}
# ``driver.on_startup(init)``; not ``server.shutdown(timeout)``, whose argument is no hook.
_CALLED_HOOKS = HOOK_ATTRIBUTES - {"startup", "shutdown"}
_CONTEXT_MANAGERS = frozenset({"contextlib.asynccontextmanager"})
# ``on_command("ban", permission=SUPERUSER | GROUP_ADMIN)``: who may run a NoneBot matcher's command.
OPERATOR_PERMISSIONS = frozenset(
    {
        "nonebot.permission.SUPERUSER",
        *(
            f"nonebot.adapters.onebot.{v}{m}.{n}"
            for v in ("v11", "v12")
            for m in ("", ".permission")
            for n in ("GROUP_ADMIN", "GROUP_OWNER")
        ),
    }
)
# ``@matcher.handle()``, ``@matcher.got("key")``: the coroutine handles the matcher's command.
_HANDLER_METHODS = frozenset({"handle", "got", "receive", "got_path"})


class LifecycleHooks:
    """The module's lifecycle hooks: an ``async def`` with a hook decorator (:data:`HOOK_ATTRIBUTES`,
    ``@app.on_event("startup")``, ``@app.listener("before_server_start")``), an
    ``@asynccontextmanager`` whose name ends in ``lifespan`` (the ASGI lifespan: startup before its
    ``yield``, shutdown after), or a function whose name the module hands to a registration
    (``app.on_startup.append(init)``, ``driver.on_startup(init)``, ``dp.startup.register(init)``,
    ``Starlette(on_startup=[init])``, ``FastAPI(lifespan=span)``, ``app.add_event_handler("startup",
    init)``, ``app.register_listener(init, "before_server_start")``; ``self.init`` counts by its
    attribute name).  One per file (:func:`lifecycle_hooks`), fed by :meth:`called` from the checker's
    ``visit_Call``; :meth:`is_hook` answers at the module end."""

    __slots__ = ("_answers", "_ctx", "_operators", "_registered")

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._registered: dict[str, int] = {}  # name handed to a registration -> how many times
        self._answers: dict[ast.AST, bool] = {}  # function node -> is_hook
        self._operators: dict[ast.AsyncFunctionDef, bool | None] = {}  # operator command's handler -> named only as one

    def called(self, node: ast.Call) -> None:
        for keyword in node.keywords:
            if keyword.arg in _HOOK_KEYWORDS:
                self._note(keyword.value)
        func = node.func
        if not isinstance(func, ast.Attribute):
            return
        if func.attr in _HANDLER_METHODS:
            self._handler(node, func.value)
        if not node.args:
            return
        method, args = func.attr, node.args
        if method in ("append", "register") and isinstance(func.value, ast.Attribute):
            if func.value.attr in _HOOK_LISTS:
                self._note(args[0])
        elif method in _CALLED_HOOKS and len(args) == 1:
            self._note(args[0])  # ``driver.on_startup(init)``, the decorator called by hand
        elif method == "add_event_handler" and len(args) == 2 and _event(args[0]):
            self._note(args[1])
        elif method == "register_listener" and len(args) == 2 and _event(args[1]):
            self._note(args[0])

    def _note(self, expr: ast.expr) -> None:
        for item in expr.elts if isinstance(expr, (ast.List, ast.Tuple)) else (expr,):
            name = last_segment(item)  # ``init``, or ``on_start`` of ``self.on_start``
            if name is not None:
                self._registered[name] = self._registered.get(name, 0) + 1

    def _handler(self, decorator: ast.Call, matcher: ast.expr) -> None:
        """``@matcher.handle()`` over an ``async def``: an operator command's handler when the
        matcher it names (as bound there) or makes was made with an operator-only permission."""
        function = self._ctx.parent()
        if not isinstance(function, ast.AsyncFunctionDef) or decorator not in function.decorator_list:
            return
        if isinstance(matcher, ast.Name):
            binding = self._ctx.lookup(matcher.id)
            matcher = binding.value if binding is not None and binding.kind is BindingKind.ASSIGN else None
        permission = keyword_value(matcher, "permission") if isinstance(matcher, ast.Call) else None
        if permission is not None and self._operators_only(permission):
            self._operators.setdefault(function, None)  # answered on first ask, at the module end

    def _operators_only(self, permission: ast.AST) -> bool:
        """``SUPERUSER``, or ``SUPERUSER | GROUP_ADMIN | GROUP_OWNER`` (any import spelling)."""
        pending = [permission]  # a worklist: ``A | B | ...`` nests to the left, as deep as it is long
        while pending:
            part = pending.pop()
            if isinstance(part, ast.BinOp) and isinstance(part.op, ast.BitOr):
                pending += (part.left, part.right)
            elif self._ctx.qualified_name(part) not in OPERATOR_PERMISSIONS:
                return False
        return True

    def is_operator_command(self, function: Scope | None) -> bool:
        """Whether ``function`` handles an operator command (and the module names it nowhere else)."""
        node = None if function is None else function.node
        if not isinstance(node, ast.AsyncFunctionDef):
            return False
        answer = self._operators.get(node, False)
        if answer is None:
            answer = self._operators[node] = self._named_only(node.name)
        return answer

    def quiet(self, function: Scope | None, one_off: bool) -> bool:
        """Whether bounded local I/O in ``function`` is excused: in a lifecycle hook; in an operator
        command when ``one_off`` (not repeated by a loop, not a walk over a directory tree)."""
        return self.is_hook(function) or (one_off and self.is_operator_command(function))

    def is_hook(self, function: Scope | None) -> bool:
        """Whether ``function`` is a hook the module names only as one: a hook that the file also
        calls or hands on elsewhere (``await reload_settings()`` in a command) runs while serving."""
        node = None if function is None else function.node
        if not isinstance(node, (ast.AsyncFunctionDef, ast.FunctionDef)):
            return False
        answer = self._answers.get(node)
        if answer is None:
            answer = self._answers[node] = self._marked(node, function) and self._named_only(node.name)
        return answer

    def _named_only(self, name: str) -> bool:
        """Every mention of ``name`` in the file's text (keyword names like ``lifespan=`` aside) is its
        ``def`` or one of its registrations (unknown text: no); ``_`` is never named."""
        if not name.strip("_"):
            return True  # ``@driver.on_startup async def _():``, a name made to be used by nobody
        text = self._ctx.text
        if text is None:
            return False
        # Not ``.name`` (another object's), ``name=`` (a keyword), ``"name"`` (``on_event("startup")``).
        mentions = len(re.findall(rf"(?<![\w.'\"])(?:self\.)?{re.escape(name)}\b(?!\s*=[^=])", text))
        return mentions == 1 + self._registered.get(name, 0)

    def _marked(self, node: ast.AsyncFunctionDef | ast.FunctionDef, function: Scope) -> bool:
        if node.name in self._registered:
            return True
        for decorator in node.decorator_list:
            target = decorator_target(decorator)
            if isinstance(target, ast.Attribute) and target.attr in HOOK_ATTRIBUTES:
                return True
            if (
                isinstance(decorator, ast.Call)
                and isinstance(target, ast.Attribute)
                and target.attr in _EVENT_METHODS
                and decorator.args
                and _event(decorator.args[0])
            ):
                return True
            if (
                node.name.endswith("lifespan")
                and self._ctx.qualified_name(target, function.parent) in _CONTEXT_MANAGERS
            ):
                return True
        return False


def _event(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value in _EVENTS


def lifecycle_hooks(ctx: Context) -> LifecycleHooks:
    """The file's :class:`LifecycleHooks` (made on first use, then shared)."""
    found = ctx.memo.get("lifecycle_hooks")
    if found is None:
        found = ctx.memo["lifecycle_hooks"] = LifecycleHooks(ctx)
    return found
