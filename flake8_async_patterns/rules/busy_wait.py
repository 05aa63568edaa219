"""Advice: a coroutine that polls a flag with asyncio.sleep (busy-wait-loop, off by default).

A candidate is recorded when its ``while`` statement is entered (the condition and the shape of
the body are read there, statements only); the awaits inside it are counted as the traversal
reaches them, and where the polled names and attributes are assigned is known at the end.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.asyncio import SLEEP
from ..registry import declare
from ..semantic.frames import TRY_NODES, in_statement_list, within_scope
from ..semantic.scope import Binding, BindingKind, Scope, ScopeKind
from ..semantic.source import ASYNC_CODE
from ..semantic.text import describe

if TYPE_CHECKING:
    from ..semantic.context import Context

BUSY_WAIT_LOOP = declare(
    code="AIO110",
    name="busy-wait-loop",
    default_enabled=False,
    async_only=True,
    in_test_files=False,
    message=(
        "'while' loop polls '{value}' with asyncio.sleep() until other code changes it; make that code set "
        "an asyncio.Event (or notify an asyncio.Condition) and await it here instead"
    ),
    summary=(
        "A `while` loop in async context whose only await is `await asyncio.sleep(...)` (any import "
        "spelling), whose body does nothing but wait -- the sleep, `pass`, `break`/`continue`/"
        "`return`/`raise` (under `if`s, in `try`s), logging calls and assignments to plain local "
        "names such as a timer -- and whose condition reads, without calling anything, a name or an "
        "attribute that other code of the module changes: a module global a function assigns "
        "through `global`, a variable of an enclosing function that it changes or a nested "
        "function assigns through `nonlocal`, or an attribute (`while not self.ready:`, "
        "`while self.state != State.RUNNING:`) assigned in another function or method than "
        "`__init__`."
    ),
    why=(
        "Polling trades latency for CPU: the loop notices the change only when its sleep ends "
        "(a 0.1 s sleep adds up to 0.1 s to every wait), and shorter sleeps wake the event loop "
        "more often for nothing -- with thousands of waiters, the wake-ups alone keep it busy. An "
        "`asyncio.Event` that the code changing the value sets (or an `asyncio.Condition` it "
        "notifies) wakes the waiters at once and costs nothing while they wait; "
        "`asyncio.wait_for(event.wait(), timeout)` or `asyncio.timeout()` keeps a deadline."
    ),
    example=(
        "import asyncio\n"
        "\n"
        "class Service:\n"
        "    def __init__(self):\n"
        "        self.ready = False\n"
        "\n"
        "    async def start(self, connect):\n"
        "        await connect()\n"
        "        self.ready = True\n"
        "\n"
        "    async def handle(self, process, request):\n"
        "        while not self.ready:\n"
        "            await asyncio.sleep(0.1)\n"
        "        return await process(request)\n"
    ),
    use_instead=(
        "import asyncio\n"
        "\n"
        "class Service:\n"
        "    def __init__(self):\n"
        "        self.ready = asyncio.Event()\n"
        "\n"
        "    async def start(self, connect):\n"
        "        await connect()\n"
        "        self.ready.set()\n"
        "\n"
        "    async def handle(self, process, request):\n"
        "        await self.ready.wait()\n"
        "        return await process(request)\n"
    ),
    seed='none directly: parity with the peers\' ASYNC110; 002 "Event Loop Fundamentals" (asyncio.sleep)',
    peers=(
        "ruff and flake8-async ASYNC110 (async-busy-wait), which report a `while` whose body is "
        "only the sleep, whatever its condition"
    ),
    notes=(
        "Off by default: a short poll is sometimes the simplest correct code (a value set by a "
        "thread, or by a library that offers no event).",
        "Not reported: `while True:` and other constant conditions (a loop that breaks on an "
        "awaited result awaits other work anyway); loops that await anything besides "
        "`asyncio.sleep` -- `await`, `async for`, `async with` or an async comprehension, in the "
        "body or the condition; bodies that do other work (any call other than logging, an "
        "attribute or subscript assignment, a nested loop or `with`) -- a periodic job such as "
        "`while self.running: self.flush(); await asyncio.sleep(10)` is not a busy-wait; "
        "conditions that assign a name the loop body assigns too (the loop updates its own "
        "condition).",
        "Conditions that call anything are not reported (`while not check():`, "
        "`while not event.is_set():`, `while loop.time() < deadline:`): a call can do I/O, read "
        "a clock or poll a process, and the rule cannot tell a look at shared state from a "
        "computation the loop needs; the Event fix fits only a value that other code sets. "
        "Subscripts (`while not state['ready']:`) are not reported either.",
        "'Assigned somewhere else' means changed outside the loop's own function: a name assigned "
        "by another function through `global`/`nonlocal`, or assigned twice (an initial value and "
        "a change) at module level or in the enclosing function; an attribute name assigned on any "
        "object (`self.ready = True`, `service.ready = True`: the object's class is not tracked) "
        "in a function other than the loop's and `__init__`. A name bound once at module level, "
        "or an attribute set only in `__init__` or at module level, is a constant here: another "
        "module may change it, but nothing in this one does.",
        "Not reported in test files: the harm is latency.",
        "Reported at the `while` statement.",
    ),
    references=(
        "https://docs.python.org/3/library/asyncio-sync.html#asyncio.Event",
        "https://docs.python.org/3/library/asyncio-sync.html#asyncio.Condition",
        "https://docs.astral.sh/ruff/rules/async-busy-wait/",
    ),
)

# What a polling loop's condition may be made of: names and attributes, compared and combined.
_NOT_A_POLL = (
    ast.Call,
    ast.Await,
    ast.Lambda,
    ast.NamedExpr,
    ast.Subscript,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.Yield,
    ast.YieldFrom,
)
_NOT_A_FLAG = frozenset({BindingKind.IMPORT, BindingKind.DEF, BindingKind.CLASSDEF})
_LEAVING = (ast.Pass, ast.Continue, ast.Break, ast.Raise, ast.Return)
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})


# One value a condition reads: its spelling node, the attribute names along it (outermost
# first), and the (owner scope, name) of the name it starts from, when that name can be a flag.
_Read = tuple[ast.AST, list[str], "tuple[Scope, str] | None"]


class _Poll:
    """A candidate loop: what its condition reads, and the awaits found in it so far."""

    __slots__ = ("function", "loop", "other", "reads", "sleeps")

    def __init__(self, loop: ast.While, function: Scope, reads: list[_Read]) -> None:
        self.loop = loop
        self.function = function
        self.reads = reads
        self.sleeps = 0
        self.other = False  # an await point other than asyncio.sleep


class BusyWaitChecker(Checker):
    """busy-wait-loop."""

    rules = (BUSY_WAIT_LOOP,)
    requires = ((ASYNC_CODE,), ("while",), ("sleep",))

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.polls: dict[ast.While, _Poll] = {}
        # (owner scope, name) -> the functions (or module) assigning it -> how many assignments
        self.name_setters: dict[tuple[Scope, str], dict[Scope, int]] = {}
        self.attribute_setters: dict[str, set[Scope]] = {}  # attribute name -> functions assigning it

    def visit_While(self, node: ast.While) -> None:
        ctx = self.ctx
        if not ctx.in_async or isinstance(node.test, ast.Constant):
            return
        read = _polled(node.test)
        if not read:
            return
        assigned: set[str] = set()
        if not _only_waits(node.body, assigned):
            return
        reads: list[_Read] = []
        for spelled, attributes, base in read:
            key = None
            if base is not None:
                if base.id in assigned:
                    return  # the loop updates its own condition
                binding = ctx.lookup(base.id)
                if binding is None or binding.kind not in _NOT_A_FLAG:
                    key = (binding.scope if binding is not None else ctx.module, base.id)
            reads.append((spelled, attributes, key))
        self.polls[node] = _Poll(node, ctx.function, reads)

    def visit_Await(self, node: ast.Await) -> None:
        if not self.polls:
            return
        ctx = self.ctx
        value = node.value
        sleep = isinstance(value, ast.Call) and ctx.qualified_name(value.func) == SLEEP
        for loop, child in within_scope(ctx.frame, (ast.While,)):
            poll = self.polls.get(loop)
            if poll is None:
                continue
            if sleep and in_statement_list(child, loop.body):
                poll.sleeps += 1
            else:
                poll.other = True

    def _other_await(self, node: ast.AST) -> None:
        if self.polls:
            for loop, _ in within_scope(self.ctx.frame, (ast.While,)):
                poll = self.polls.get(loop)
                if poll is not None:
                    poll.other = True

    visit_AsyncFor = visit_AsyncWith = _other_await

    def visit_comprehension(self, node: ast.comprehension) -> None:
        if node.is_async:
            self._other_await(node)

    # --- where names and attributes are assigned ------------------------------------------------
    def bound(self, binding: Binding) -> None:
        if type(binding.node) is not ast.Name:
            return  # ``self.x = ...``: seen by visit_Assign with every other attribute store
        if binding.scope.kind is not ScopeKind.CLASS:  # a class body's names are defaults and constants
            self._set_name(binding.scope, binding.name)

    def visit_Assign(self, node: ast.Assign | ast.AnnAssign | ast.AugAssign) -> None:
        ctx = self.ctx
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            for stored in _stored(target):
                if type(stored) is ast.Attribute:
                    self.attribute_setters.setdefault(stored.attr, set()).add(ctx.function)
                elif isinstance(node, ast.AugAssign):  # no binding: ``counter += 1``
                    binding = ctx.lookup(stored.id)
                    owner = binding.scope if binding is not None else ctx.module
                    self._set_name(owner, stored.id)

    visit_AnnAssign = visit_AugAssign = visit_Assign

    def _set_name(self, owner: Scope, name: str) -> None:
        setters = self.name_setters.setdefault((owner, name), {})
        maker = self.ctx.function
        setters[maker] = setters.get(maker, 0) + 1

    def module_end(self) -> None:
        for poll in self.polls.values():
            if poll.other or not poll.sleeps:
                continue
            value = self._set_elsewhere(poll)
            if value is not None:
                self.ctx.report(poll.loop, BUSY_WAIT_LOOP, value=describe(value))

    def _set_elsewhere(self, poll: _Poll) -> ast.AST | None:
        """The first value the condition reads that other code of the module changes."""
        function = poll.function
        for spelled, attributes, key in poll.reads:
            if key is not None and _changed_elsewhere(self.name_setters.get(key, {}), key[0], function):
                return spelled
            for attribute in attributes:
                # an initial value (``__init__``, module level) is not a change
                if any(
                    setter is not function and setter.kind is not ScopeKind.MODULE and setter.name != "__init__"
                    for setter in self.attribute_setters.get(attribute, ())
                ):
                    return spelled
        return None


def _changed_elsewhere(setters: dict[Scope, int], owner: Scope, function: Scope) -> bool:
    """A name is changed outside ``function``: by another function through ``global``/``nonlocal``,
    or -- when it belongs to the module or an enclosing function -- assigned there more than once
    (an initial value and a change).  A name assigned once at module level is a constant."""
    if any(setter is not function and setter is not owner for setter in setters):
        return True
    return owner is not function and setters.get(owner, 0) >= 2


def _polled(test: ast.AST) -> list[tuple[ast.AST, list[str], ast.Name | None]] | None:
    """The values a condition reads, in source order: each a name or an attribute chain (with
    the attribute names along it and the name it starts from) -- None if it calls, awaits or
    subscripts anything."""
    found = []
    todo = [test]
    while todo:
        node = todo.pop()
        if isinstance(node, _NOT_A_POLL):
            return None
        if isinstance(node, (ast.Attribute, ast.Name)):
            attributes = []
            inner = node
            while isinstance(inner, ast.Attribute):
                attributes.append(inner.attr)
                inner = inner.value
            if not isinstance(inner, ast.Name):
                return None  # ``(a or b).x``, ``"".x``: not a plain value
            found.append((node, attributes, inner))
            continue
        todo.extend(reversed(list(ast.iter_child_nodes(node))))
    return found


def _only_waits(statements: list[ast.stmt], assigned: set[str]) -> bool:
    """The statements only wait: awaits (judged as the traversal reaches them), leaving, logging,
    assignments to plain names (collected in ``assigned``), and ``if``/``try`` made of those."""
    for statement in statements:
        if isinstance(statement, _LEAVING):
            continue
        if isinstance(statement, ast.Expr):
            if isinstance(statement.value, ast.Await) or _is_logging(statement.value):
                continue
            return False
        if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if not all(isinstance(target, ast.Name) for target in targets):
                return False
            assigned.update(target.id for target in targets)
            continue
        if isinstance(statement, ast.If):
            if _only_waits(statement.body, assigned) and _only_waits(statement.orelse, assigned):
                continue
            return False
        if isinstance(statement, TRY_NODES):
            blocks = [statement.body, statement.orelse, statement.finalbody]
            blocks += [handler.body for handler in statement.handlers]
            if all(_only_waits(block, assigned) for block in blocks):
                continue
            return False
        return False
    return True


def _is_logging(expr: ast.AST) -> bool:
    """``logger.debug(...)``, ``log.info(...)``, ``print(...)``."""
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    if isinstance(func, ast.Attribute):
        return func.attr in _LOG_METHODS
    return isinstance(func, ast.Name) and func.id == "print"


def _stored(target: ast.AST) -> list[ast.AST]:
    """The names and attributes an assignment target stores (through tuples and ``*rest``)."""
    found = []
    todo = [target]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Tuple, ast.List)):
            todo.extend(node.elts)
        elif isinstance(node, ast.Starred):
            todo.append(node.value)
        elif isinstance(node, (ast.Name, ast.Attribute)):
            found.append(node)
    return found
