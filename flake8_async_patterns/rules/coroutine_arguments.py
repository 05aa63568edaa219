"""Coroutines handed to asyncio APIs that do not take them (coroutine-passed-to-wait)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.asyncio import SHIELD, WAIT, CoroutineKind, CoroutineSource, coroutine_source
from ..knowledge.inference import kind_of
from ..knowledge.kinds import Kind
from ..registry import declare
from ..semantic.scope import BindingKind
from ..semantic.text import describe, keyword_value

if TYPE_CHECKING:
    from ..semantic.context import Context

COROUTINE_PASSED_TO_WAIT = declare(
    code="AIO108",
    name="coroutine-passed-to-wait",
    default_enabled=True,
    raises_or_warns=True,
    message=(
        "'{call}' is given coroutines ({coroutine}); asyncio.wait() takes only tasks and futures "
        "(TypeError since Python 3.11): wrap each in asyncio.create_task(), or use asyncio.gather()"
    ),
    variants={
        "single": (
            "'{call}' is given one coroutine ({coroutine}) where it takes a collection of tasks and "
            "futures (TypeError); await it directly, or pass [asyncio.create_task(...)]"
        ),
        "shield": (
            "'{call}' shields a bare coroutine ({coroutine}): the task it makes is referenced by nothing "
            "once the caller is cancelled and may be garbage-collected mid-run; create the task first "
            "and keep a reference (task = asyncio.create_task(...); await asyncio.shield(task))"
        ),
    },
    summary=(
        "`asyncio.wait(...)` given a coroutine: a known coroutine call (the same provenance as "
        "unawaited-coroutine: same-module `async def`s, asyncio and library coroutine functions and "
        "methods), a list/set/tuple literal or comprehension of them, or a local of the same function "
        "bound to one; and `asyncio.shield(...)` given a bare coroutine call."
    ),
    why=(
        "`asyncio.wait` works on tasks and futures: it deprecated coroutines in Python 3.8 and raises "
        "`TypeError: Passing coroutines is forbidden, use tasks explicitly.` since 3.11, so the code "
        "fails the first time it runs on a current Python. `asyncio.shield(coro)` wraps the coroutine "
        "in a task that only the shield holds; when the caller is cancelled the shield is gone, the "
        "event loop keeps only a weak reference to the task, and the work the shield was meant to "
        "protect can be garbage-collected before it ends -- the documentation says to keep a "
        "reference to the task."
    ),
    example=(
        "import asyncio\n\n"
        "async def fetch(mirror): ...\n\n"
        "async def first_reply(mirrors):\n"
        "    done, pending = await asyncio.wait([fetch(m) for m in mirrors], return_when=asyncio.FIRST_COMPLETED)\n"
        "    return done.pop().result()\n"
    ),
    use_instead=(
        "import asyncio\n\n"
        "async def fetch(mirror): ...\n\n"
        "async def first_reply(mirrors):\n"
        "    tasks = [asyncio.create_task(fetch(m)) for m in mirrors]\n"
        "    done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)\n"
        "    for task in pending:\n"
        "        task.cancel()\n"
        "    return done.pop().result()\n"
    ),
    seed='002 "Task Coordination"; 003 Step 2 ("race to first success / failure: asyncio.wait")',
    peers="none (mypy and pyright accept the call in untyped code; the error comes at run time)",
    notes=(
        "`asyncio.gather`, `asyncio.as_completed` and `asyncio.wait_for` accept coroutines and are not "
        "reported; nor are tasks, futures, or values whose origin is not known to be a coroutine.",
        "A local counts when its visible binding in the same function is the literal or "
        "comprehension (`coros = [fetch(u) for u in urls]`).",
        "Reported at the `asyncio.wait(...)`/`asyncio.shield(...)` call.",
        "Not `asyncio.shield(asyncio.to_thread(f))`: the shield is there so that `f` finishes, and a function "
        "running in a thread finishes whatever becomes of the task that waits for it. Nor the shield of a "
        "call of a same-module `async def` whose every await point awaits such a thread -- `asyncio.to_thread(...)` "
        "or `loop.run_in_executor(...)`, maybe inside `asyncio.wait_for(...)` (aioserial's `_cancel_read_async()`): "
        "the thread holds the task through the future it completes, and finishes anyway.",
        "Nor the shield of `event.wait()` on an `asyncio.Event` (agentscope's `shield(ready.wait())`): it only "
        "waits, so no work is lost, and the event's waiter future holds the task until `set()`. A `Condition`'s "
        "`wait()` is still reported: woken after the caller left, it takes the lock for nobody to release.",
    ),
    references=(
        "https://docs.python.org/3/library/asyncio-task.html#asyncio.wait",
        "https://docs.python.org/3/library/asyncio-task.html#asyncio.shield",
    ),
)

_NAMES = frozenset({WAIT.rpartition(".")[2], SHIELD.rpartition(".")[2]})
_TO_THREAD = "asyncio.to_thread"
_WAIT_FOR = "asyncio.wait_for"
_COLLECTIONS = (ast.List, ast.Set, ast.Tuple)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp)


class CoroutinePassedToWaitChecker(Checker):
    """coroutine-passed-to-wait: decided at the end of the module, once every ``async def`` of
    the module is known (an async generator is not a coroutine)."""

    rules = (COROUTINE_PASSED_TO_WAIT,)
    # only asyncio's, reached through an import of it; "asyncio" first: without "async" in the text
    # it is answered without a scan
    requires = (("asyncio",), ("wait", "shield"))

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.found: list[tuple[ast.Call, ast.Call, CoroutineSource, str | None]] = []
        self.offloading: dict[ast.AST, bool] = {}  # ``async def`` -> every await point awaits a thread

    def _await_point(self, node: ast.AST) -> None:
        value = node.value if type(node) is ast.Await else None
        if type(value) is ast.Call and self.ctx.qualified_name(value.func) == _WAIT_FOR and value.args:
            value = value.args[0]  # ``await asyncio.wait_for(loop.run_in_executor(...), timeout)``
        function = self.ctx.function.node
        self.offloading[function] = self.offloading.get(function, True) and self._in_thread(value)

    visit_Await = visit_AsyncFor = visit_AsyncWith = _await_point

    def _in_thread(self, value: ast.AST | None) -> bool:
        if type(value) is not ast.Call:
            return False
        func = value.func
        return (type(func) is ast.Attribute and func.attr == "run_in_executor") or self.ctx.qualified_name(
            func
        ) == _TO_THREAD

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr not in _NAMES:
            return  # the cheap test first: ``x.wait(...)`` is asyncio's only if spelled so
        qualified = self.ctx.qualified_name(func)
        if qualified == WAIT:
            argument = node.args[0] if node.args else keyword_value(node, "fs")
            value = self._value(argument)
            for call in self._coroutine_calls(value):
                self._note(node, call, "single" if call is value else None)
        elif (
            qualified == SHIELD
            and node.args
            and isinstance(node.args[0], ast.Call)
            and self.ctx.qualified_name(node.args[0].func) != _TO_THREAD  # its thread runs to the end anyway
            and not self._event_wait(node.args[0])
        ):
            self._note(node, node.args[0], "shield")

    def _event_wait(self, call: ast.Call) -> bool:
        """``event.wait()`` of an ``asyncio.Event``: it only waits, so there is no work to lose, and the
        event's waiter future holds the task until ``set()`` (agentscope's ``shield(ready.wait())``).  Not a
        ``Condition``'s, which takes the lock again when it wakes, for nobody to release."""
        func = call.func
        return (
            type(func) is ast.Attribute
            and func.attr == "wait"
            and not call.args
            and kind_of(self.ctx, func.value) is Kind.ASYNC_EVENT
        )

    def _value(self, argument: ast.AST | None) -> ast.AST | None:
        """``argument``, or the value a local of this function named by it was bound to."""
        if isinstance(argument, ast.Name):
            binding = self.ctx.lookup(argument.id)
            if binding is None or binding.kind is not BindingKind.ASSIGN or binding.scope is not self.ctx.scope:
                return None
            return binding.value
        return argument

    def _coroutine_calls(self, argument: ast.AST | None) -> list[ast.Call]:
        argument = self._value(argument)
        if isinstance(argument, _COLLECTIONS):
            found = []
            for elt in argument.elts:  # ``[fetch(a), *[fetch(u) for u in urls]]``
                if isinstance(elt, ast.Starred):
                    found.extend(self._coroutine_calls(elt.value))
                elif isinstance(elt, ast.Call):
                    found.append(elt)
            return found
        if isinstance(argument, _COMPREHENSIONS) and isinstance(argument.elt, ast.Call):
            return [argument.elt]
        if isinstance(argument, ast.Call):
            return [argument]  # ``asyncio.wait(fetch())``: one coroutine where a collection belongs
        return []

    def _note(self, outer: ast.Call, call: ast.Call, variant: str | None) -> None:
        source = coroutine_source(self.ctx, call)
        if source is not None and not source.awaitable_context:
            self.found.append((outer, call, source, variant))

    def module_end(self) -> None:
        reported: set[ast.Call] = set()
        for outer, call, source, variant in self.found:
            if variant == "shield" and source.binding is not None and self.offloading.get(source.binding.node):
                continue  # ``shield(self._cancel_read_async())``: its work is a thread's, which ends anyway
            if outer not in reported and source.kind(self.ctx) is CoroutineKind.COROUTINE:
                reported.add(outer)
                self.ctx.report(
                    outer, COROUTINE_PASSED_TO_WAIT, variant, call=describe(outer), coroutine=describe(call)
                )
