"""Opinionated advice (off by default): async-without-await."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..registry import declare
from ..semantic.fields import annotations_of
from ..semantic.frames import parent_of
from ..semantic.scope import Scope, ScopeKind
from ..semantic.source import ASYNC_CODE
from ..semantic.text import is_stub, names_in

if TYPE_CHECKING:
    from ..semantic.context import Context

ASYNC_WITHOUT_AWAIT = declare(
    code="AIO901",
    name="async-without-await",
    default_enabled=False,
    message=(
        "async function '{function}' never awaits: it runs to the end without ever letting the event "
        "loop run anything else; make it a plain 'def' (and drop the 'await' at its calls)"
    ),
    summary=(
        "A module-level `async def` with no `await`, `async for` (comprehensions included), `async "
        "with` or `yield` -- not decorated, not a stub, and not handed anywhere by name (only called)."
    ),
    why=(
        "An `async def` that never awaits is a synchronous function with extra cost: every call "
        "allocates a coroutine, callers must `await` it, and readers assume it yields to the loop. "
        "If its body is slow it blocks the event loop just like a sync call, while looking "
        "harmless at the call site."
    ),
    example="async def total(prices):\n    return sum(prices)\n",
    use_instead="def total(prices):\n    return sum(prices)\n",
    seed='002 "Mixing Sync and Async"',
    peers="flake8-async ASYNC124 (async-function-could-be-sync); ruff RUF029 (unused-async, preview)",
    notes=(
        "Off by default: often a deliberate interface (a callback the framework awaits).",
        "Every decorated function (routes, fixtures, registrations), every method "
        "(overrides and protocol implementations cannot drop `async`), stubs (`...`, `pass`, a "
        "docstring, `raise NotImplementedError`) and async generators are exempt.",
        "An `await` inside a nested function or lambda does not count: it belongs to that function.",
        "Beyond these, nested functions and functions whose name the module uses other than "
        "by calling it (`hooks.append(on_event)`, `callback=handler`, a dict of handlers, `Depends(current_user)` in "
        "an annotation) are exempt: "
        "they are callbacks something awaits. On the dev corpus (every hit judged) this took the rule "
        "from 23 true in 62 to 23 true in 25; ruff's RUF029 (preview) reports 78, 27 of them true.",
        "Reported at the `async def` line.",
    ),
    references=("https://docs.python.org/3/reference/compound_stmts.html#coroutine-function-definition",),
)


class AsyncWithoutAwaitChecker(Checker):
    """async-without-await: decided when each ``async def`` ends."""

    rules = (ASYNC_WITHOUT_AWAIT,)
    requires = ((ASYNC_CODE,),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.candidates: list[ast.AsyncFunctionDef] = []
        self.handed: set[str] = set()  # names loaded other than as the callee of a call

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            parent = parent_of(self.ctx.frame)
            if not (isinstance(parent, ast.Call) and parent.func is node):
                self.handed.add(node.id)

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """Names in annotations (``Annotated[T, Depends(get_session)]``), which the traversal does
        not walk, are handed too."""
        for annotation in annotations_of(node):
            self.handed.update(names_in(annotation))

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.handed.update(names_in(node.annotation))

    def function_end(self, scope: Scope) -> None:
        node = scope.node
        if not isinstance(node, ast.AsyncFunctionDef) or node.decorator_list:
            return
        if scope.has_await or scope.has_yield:  # async comprehensions count as awaits
            return
        parent = scope.parent
        if parent is not None and parent.kind is not ScopeKind.MODULE:
            return  # a method, or a nested function: almost always a callback something awaits
        if is_stub(node.body):
            return
        self.candidates.append(node)

    def module_end(self) -> None:
        for node in self.candidates:
            if node.name not in self.handed:  # passed or stored somewhere: a callback that is awaited
                self.ctx.report(node, ASYNC_WITHOUT_AWAIT, function=node.name)
