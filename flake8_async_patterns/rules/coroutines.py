"""Coroutines that are never awaited (unawaited-coroutine)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..knowledge.asyncio import COROUTINE_WORDS, CoroutineKind, CoroutineSource, coroutine_source
from ..registry import declare
from ..semantic.flow import Use, use_of
from ..semantic.frames import enclosing_function_node, in_other_branch, in_statement_list, parent_of, within_scope
from ..semantic.scope import Binding, BindingKind, Scope, ScopeKind
from ..semantic.text import describe, dotted_name
from .sqlalchemy._shared import AwaitedReceivers

if TYPE_CHECKING:
    from ..semantic.context import Context
    from ..semantic.frames import Frame

ASYNCIO_TASKS_DOC = "https://docs.python.org/3/library/asyncio-task.html"

UNAWAITED_COROUTINE = declare(
    code="AIO101",
    raises_or_warns=True,
    name="unawaited-coroutine",
    default_enabled=True,
    message="coroutine '{call}' is never awaited; add 'await' (or schedule it with create_task and keep the task)",
    variants={
        "asyncgen": (
            "async generator '{call}' is never iterated; iterate it with 'async for' (calling it alone runs nothing)"
        ),
        "returned": (
            "coroutine '{call}' is returned un-awaited from async function '{function}'; use 'return await' (the "
            "caller gets a coroutine, not its result)"
        ),
        "stored": (
            "coroutine '{call}' is kept in '{name}' but never awaited; await it, or hand it to create_task/gather"
        ),
    },
    summary=(
        "A call that produces a coroutine whose value is thrown away: used as a bare statement "
        "(in sync or async code), returned from an `async def` without `await`, or kept in a "
        "local of a coroutine that is never awaited, passed on or stored. Recognised coroutine "
        "producers: `async def` functions of the same module, `self.m()`/`cls.m()` for async "
        "methods of the enclosing class (and its same-module bases), known library coroutine "
        "functions (`asyncio.sleep`, `wait_for`, `wait`, `to_thread`, `open_connection`, "
        "`create_subprocess_exec/_shell`, ...), and coroutine methods of known async objects: a "
        'known SQLAlchemy session (`commit`, `execute`, `get(entity, ident)`, ... -- `session.get("runs")`, '
        'one argument, or `session.get("cursor", 0)`, a literal key, is a mapping\'s), a local aiohttp '
        "`ClientSession` or httpx `AsyncClient` (`get`, `post`, ..., `close`/`aclose`), asyncio "
        "locks, events, queues, streams and event loops. A bare call of a same-module async "
        "generator function is reported as never iterated."
    ),
    why=(
        "Calling a coroutine function only creates a coroutine object; nothing runs until it is "
        "awaited or scheduled. The statement silently does nothing and Python prints "
        "`RuntimeWarning: coroutine ... was never awaited` at garbage collection, far from the "
        "cause. A forgotten `await session.commit()` loses the transaction; a forgotten "
        "`await asyncio.sleep(1)` removes the back-off it was meant to add. Returning the "
        "coroutine from an `async def` hands the caller a coroutine where it expects a value."
    ),
    example=("async def fetch_user(user_id):\n    ...\n\nasync def handler(user_id):\n    fetch_user(user_id)\n"),
    use_instead=(
        "async def fetch_user(user_id):\n    ...\n\nasync def handler(user_id):\n    await fetch_user(user_id)\n"
    ),
    seed='002 "Anti-Patterns to Avoid" §1 Not Awaiting Coroutines; 003 Step 2',
    peers=(
        "mypy `unused-coroutine` and pyright `reportUnusedCoroutine` (need type information); "
        "flake8-async ASYNC105 (trio functions only)"
    ),
    notes=(
        "In async context a local bound to a coroutine call is reported when it is "
        "never awaited, passed to a call or stored (attribute, container, other name) -- "
        "`result = fetch(); return result` from an `async def` included, and so is using it as "
        "if it were the result (`result.scalars()`, `rows[0]`); only the coroutine's own "
        "`close`/`send`/`throw`/`cr_*` count as handling it.",
        "`return fetch()` inside an `async def` is reported; returning the "
        "coroutine from a plain `def` hands ownership to the caller and is not, nor is `return f()` under "
        "`if inspect.isasyncgenfunction(f):` (agentscope's tool base, whose subclasses may make `f` an async "
        "generator, handed back as it is).",
        "A method call left un-awaited in one arm of an `if` whose other arm awaits the same call "
        "(`if isinstance(db, AsyncDb): await db.close()` / `else: db.close()`) is not reported: the test "
        "told the async object from the sync one. A same-module `async def` is a coroutine in every arm.",
        "A stub `async def` (docstring, `pass`, `...`, `raise NotImplementedError`) annotated to return "
        "`AsyncGenerator`/`AsyncIterator`/`AsyncIterable` is taken at its word: its overrides are async "
        "generators, and `return self.stream(url)` hands one to be iterated.",
        "A same-module `async def` whose decorators are not known to keep it a coroutine function "
        "(`staticmethod`, `classmethod`, `abstractmethod`, `override`, `functools.wraps`) is not "
        "treated as one: decorators such as Celery's `@app.task` change what a call returns.",
        "A name bound both to an `async def` and to something else in the same scope (a sync "
        "fallback under `if`/`else`) is ambiguous and not reported.",
        "Calls of coroutine functions imported from other modules are out of reach without type "
        "information; mypy/pyright cover typed code.",
        "A session known by its name alone (`db.commit()`, `self.session.execute(...)`: no annotation, no "
        "visible factory) counts only in a module that awaits a method of that same spelling somewhere: "
        "a module that never does treats it as a sync `Session` (JupyterHub's `self.db.commit()`).",
        "aiohttp request methods (`session.get(...)`, ...) and `aiofiles.open(...)` return "
        "awaitable context managers: a bare call loses them and is reported, but returning one "
        "or keeping it for a later `async with` is fine.",
    ),
    references=(ASYNCIO_TASKS_DOC + "#coroutines",),
)

# What code may legitimately touch on a coroutine object.
_COROUTINE_ATTRIBUTES = frozenset(
    {
        "close",
        "send",
        "throw",
        "cr_await",
        "cr_frame",
        "cr_running",
        "cr_code",
        "cr_origin",
        "__await__",
        "__name__",
        "__qualname__",
    }
)
# Uses of a coroutine local that await it, hand it on or keep it.
_HANDLING_USES = frozenset(
    {
        Use.AWAITED,
        Use.ARGUMENT,
        Use.KEYWORD,
        Use.COLLECTED,
        Use.STORED,
        Use.YIELDED,
        Use.LAMBDA,
        Use.INDEX,
        Use.ENTERED,
    }
)


def _handles(frame: Frame) -> bool:
    """Whether a load of the coroutine local awaits it, passes it on or stores it.  Using it
    as if it were the result (``result.scalars()``, ``rows[0]``) is the bug, not a use."""
    use = use_of(frame)
    if use is Use.RETURNED:
        return not isinstance(enclosing_function_node(frame), ast.AsyncFunctionDef)
    if use is Use.ATTRIBUTE:
        return parent_of(frame).attr in _COROUTINE_ATTRIBUTES
    return use in _HANDLING_USES


_IS_ASYNC_GENERATOR_FUNCTION = "inspect.isasyncgenfunction"


class _Candidate:
    """A coroutine call that may be lost; decided at module end, when every ``async def`` of
    the module is known."""

    __slots__ = ("call", "returned_from", "source", "stored_in")

    def __init__(
        self,
        call: ast.Call,
        source: CoroutineSource,
        returned_from: Scope | None = None,
        stored_in: Binding | None = None,
    ) -> None:
        self.call = call
        self.source = source
        self.returned_from = returned_from  # ``return call()`` in this async function
        self.stored_in = stored_in  # ``name = call()``: a watched local


class CoroutineChecker(AwaitedReceivers):
    """unawaited-coroutine."""

    rules = (UNAWAITED_COROUTINE,)
    requires = (COROUTINE_WORDS,)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.candidates: list[_Candidate] = []

    def visit_Expr(self, node: ast.Expr) -> None:
        call = node.value
        if isinstance(call, ast.Call):
            source = coroutine_source(self.ctx, call)
            if source is not None and not (source.binding is None and self._awaited_in_other_branch(call)):
                self.candidates.append(_Candidate(call, source))

    def _awaited_in_other_branch(self, call: ast.Call) -> bool:
        """``if isinstance(db, AsyncDb): await db.close()`` / ``else: db.close()``: the test told the
        async object from the sync one (a method of an object of a known kind, or of a session by name)."""
        if not isinstance(call.func, ast.Attribute):
            return False
        spelled = dotted_name(call.func)
        return in_other_branch(
            self.ctx.frame,
            lambda inner: (
                isinstance(inner, ast.Await)
                and isinstance(inner.value, ast.Call)
                and dotted_name(inner.value.func) == spelled
            ),
        )

    def visit_Return(self, node: ast.Return) -> None:
        ctx = self.ctx
        call = node.value
        if isinstance(call, ast.Call) and ctx.in_async and not self._tested_as_generator(call):
            source = coroutine_source(ctx, call)
            if source is not None and not source.awaitable_context:
                self.candidates.append(_Candidate(call, source, returned_from=ctx.function))

    def _tested_as_generator(self, call: ast.Call) -> bool:
        """``if inspect.isasyncgenfunction(self.call): return self.call(**kwargs)`` (agentscope's tool
        base): in that arm the callee makes an async generator, which is handed back, not awaited."""
        spelled = dotted_name(call.func)
        for node, child in within_scope(self.ctx.frame, ast.If):
            test = node.test
            if (
                in_statement_list(child, node.body)
                and isinstance(test, ast.Call)
                and len(test.args) == 1
                and self.ctx.qualified_name(test.func) == _IS_ASYNC_GENERATOR_FUNCTION
                and spelled is not None
                and dotted_name(test.args[0]) == spelled
            ):
                return True
        return False

    def bound(self, binding: Binding) -> None:
        call = binding.value
        if (
            binding.kind is BindingKind.ASSIGN
            and isinstance(call, ast.Call)
            and isinstance(binding.node, ast.Name)
            and binding.scope.kind is ScopeKind.FUNCTION
            and binding.scope.async_context
        ):
            ctx = self.ctx
            source = coroutine_source(ctx, call)
            if source is not None and not source.awaitable_context:
                ctx.watch(binding)
                self.candidates.append(_Candidate(call, source, stored_in=binding))

    def module_end(self) -> None:
        ctx = self.ctx
        for candidate in self.candidates:
            kind = candidate.source.kind(ctx)
            named = candidate.source.named
            if kind is None or (named is not None and named not in self.awaited_receivers):
                continue  # a session by name that the module never awaits anything of: a sync one
            call = describe(candidate.call)
            if candidate.stored_in is not None:
                binding = candidate.stored_in
                if kind is CoroutineKind.ASYNC_GENERATOR or any(_handles(frame) for frame in binding.loads):
                    continue
                ctx.report(candidate.call, UNAWAITED_COROUTINE, "stored", call=call, name=binding.name)
            elif candidate.returned_from is not None:
                if kind is CoroutineKind.ASYNC_GENERATOR:
                    continue  # returning an async generator object hands it to the caller
                ctx.report(
                    candidate.call, UNAWAITED_COROUTINE, "returned", call=call, function=candidate.returned_from.name
                )
            elif kind is CoroutineKind.ASYNC_GENERATOR:
                ctx.report(candidate.call, UNAWAITED_COROUTINE, "asyncgen", call=call)
            else:
                ctx.report(candidate.call, UNAWAITED_COROUTINE, call=call)
