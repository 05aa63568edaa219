"""Gathered exceptions nobody looks at (unchecked-gather-exceptions)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.asyncio import GATHER, SHIELD, WAIT_FOR
from ..registry import declare
from ..semantic.flow import Use, use_of
from ..semantic.frames import grandparent_of, parent_frame, parent_of, statement_frame
from ..semantic.scope import Binding, BindingKind, Scope, ScopeKind
from ..semantic.symbols import Symbol
from ..semantic.text import describe, is_true, keyword_value
from .tasks import ASYNCIO_TASKS_DOC

if TYPE_CHECKING:
    from ..semantic.context import Context
    from ..semantic.frames import Frame

UNCHECKED_GATHER = declare(
    code="AIO103",
    async_only=True,
    name="unchecked-gather-exceptions",
    default_enabled=True,
    message=(
        "'{call}' with return_exceptions=True: its results are used in '{function}' but never checked for exceptions; "
        "test each with isinstance(result, BaseException)"
    ),
    summary=(
        "`asyncio.gather(..., return_exceptions=True)` whose results are used -- iterated, "
        "indexed, unpacked, returned or handed on -- in a function that never tests a value with "
        "`isinstance` (`isinstance(x, BaseException)`, or any other class it expects)."
    ),
    why=(
        "With `return_exceptions=True` a failed awaitable does not raise: its exception object "
        "takes its place in the result list. Code that uses the results as values then works "
        "on exception objects (`result.json()` on a `TimeoutError`) or silently drops failures."
    ),
    example=(
        "import asyncio\n"
        "\n"
        "async def load_all(fetch, ids):\n"
        "    results = await asyncio.gather(*(fetch(i) for i in ids), return_exceptions=True)\n"
        "    return [r['name'] for r in results]\n"
    ),
    use_instead=(
        "import asyncio\n"
        "\n"
        "async def load_all(fetch, ids):\n"
        "    results = await asyncio.gather(*(fetch(i) for i in ids), return_exceptions=True)\n"
        "    return [r['name'] for r in results if not isinstance(r, BaseException)]\n"
    ),
    seed='002 "Anti-Patterns to Avoid" §5 "Silencing errors in gather()"; 003 Gotcha on gather',
    notes=(
        "Any `isinstance` test anywhere in the function (nested comprehensions, lambdas and defs "
        "included) counts as inspecting the results: checking for the expected type "
        "(`isinstance(r, dict)`) sorts exceptions out as well as checking for them; so does a "
        "test for a literal value (`results[0] is True`, `r == 'ok'`), which no exception passes. Passing "
        "the results (or one of them, `unpack(results[0])`, or, in a `for` loop over them -- also paired through "
        "`zip(requests, results)` or "
        "`enumerate(results)` into a tuple target -- each one) to a function other than a few builtins "
        "that cannot inspect them (`list`, `zip`, `enumerate`, `sum`, `max`, `print`, ...) is assumed to "
        "inspect them -- also through such a builtin (`ProbeResult(tuple(results))`); so is raising each one "
        "(`for ex in results: if ex is not None: raise ex`, for "
        "awaitables that return `None` on success). Results returned -- at once, or in the `return` statement's "
        "value (`return dict(zip(keys, results))`) -- from a function whose return "
        "annotation names `BaseException` or `Exception` (`-> list[R | BaseException]`) are that function's API: "
        "its callers check them. So are results returned at once (`return await gather(...)`) from a "
        "def nested in a function that tests values -- or returned later, in its `return` only (osubot's "
        "`return results[0], results[1]`): the function around it runs it and checks what it "
        "hands back (freqtrade's batch helpers run by `loop.run_until_complete`).",
        "The cancel-and-drain idiom -- `t.cancel()` for each task, then "
        "`await gather(*tasks, return_exceptions=True)` with the result discarded -- is not "
        "reported: results that are never used need no check.",
    ),
    references=(ASYNCIO_TASKS_DOC + "#asyncio.gather",),
)

# Builtins that take the results as values without looking at them.
_TRANSPARENT_BUILTINS = frozenset(
    f"builtins.{name}"
    for name in (
        "list",
        "tuple",
        "zip",
        "enumerate",
        "iter",
        "next",
        "sorted",
        "reversed",
        "dict",
        "set",
        "frozenset",
        "len",
        "print",
        "sum",
        "min",
        "max",
        "any",
        "all",
        "str",
        "repr",
    )
)


class _Results:
    """What happens to the results of one ``gather(..., return_exceptions=True)``."""

    USED = Symbol("used where they are made")
    BOUND = Symbol("bound to a name; its loads decide")


class _Gather:
    __slots__ = ("binding", "call", "function", "results", "returned")

    def __init__(self, call: ast.Call, function: Scope, results: _Results, returned: bool) -> None:
        self.call = call
        self.function = function
        self.results = results
        self.returned = returned  # ``return await gather(...)``: the results go to the caller as they are
        self.binding: Binding | None = None  # for BOUND: the watched name, once bound


class GatherChecker(Checker):
    """unchecked-gather-exceptions: results of ``gather(..., return_exceptions=True)`` used in a
    function that never tests a value."""

    rules = (UNCHECKED_GATHER,)
    requires = (("gather",),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.gathers: list[_Gather] = []
        self.checked_functions: set[Scope] = set()
        self.awaited_gathers: dict[ast.Await, _Gather] = {}  # results about to be bound

    def bound(self, binding: Binding) -> None:
        value = binding.value
        if binding.kind is BindingKind.ASSIGN and isinstance(value, ast.Await):
            gather = self.awaited_gathers.pop(value, None)
            if gather is not None:
                self.ctx.watch(binding)
                gather.binding = binding

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        qn = ctx.qualified_name(node.func)
        if qn == "builtins.isinstance" and len(node.args) == 2:  # the code looks at what it got back
            self._checks()
            return
        if qn != GATHER or not ctx.in_async or not is_true(keyword_value(node, "return_exceptions")):
            return
        results = self._results(ctx.frame)
        if results is None:
            return
        frame = self._awaited_frame(ctx.frame)
        gather = _Gather(node, ctx.function, results, isinstance(grandparent_of(frame), ast.Return))
        if results is _Results.BOUND:
            self.awaited_gathers[parent_of(frame)] = gather
        self.gathers.append(gather)

    def visit_Compare(self, node: ast.Compare) -> None:
        """``result[0] is True``, ``r == "ok"``: an exception object never passes such a test."""
        for op, right in zip(node.ops, node.comparators, strict=False):
            if isinstance(op, (ast.Is, ast.Eq)) and isinstance(right, ast.Constant) and right.value is not None:
                self._checks()
                return

    def _checks(self) -> None:
        scope = self.ctx.scope
        while scope is not None:
            self.checked_functions.add(scope.function)
            scope = scope.parent

    def _awaited_frame(self, frame: Frame) -> Frame:
        """The frame of the gather call, or of the ``wait_for``/``shield`` wrapping it."""
        parent = parent_of(frame)
        if isinstance(parent, ast.Call) and self.ctx.qualified_name(parent.func) in (WAIT_FOR, SHIELD):
            return parent_frame(frame)
        return frame

    def _results(self, frame: Frame) -> _Results | None:
        """How the gathered results are used: USED, BOUND (decided by the name's loads), or None
        (discarded, or handed to code that may look at them)."""
        frame = self._awaited_frame(frame)
        if not isinstance(parent_of(frame), ast.Await):
            return None
        holder = grandparent_of(frame)
        if isinstance(holder, ast.Expr):
            return None
        if isinstance(holder, ast.Return) and _returns_exceptions(self.ctx.function.node):
            return None  # ``-> list[R | BaseException]``: the results, exceptions included, are the API
        if isinstance(holder, (ast.Assign, ast.AnnAssign)):
            targets = holder.targets if isinstance(holder, ast.Assign) else [holder.target]
            if len(targets) == 1 and isinstance(targets[0], ast.Name):
                return _Results.BOUND
            return _Results.USED
        if isinstance(holder, ast.Call):
            return _Results.USED if self.ctx.qualified_name(holder.func) in _TRANSPARENT_BUILTINS else None
        return _Results.USED

    def module_end(self) -> None:
        for gather in self.gathers:
            if gather.function in self.checked_functions or (gather.returned and self._checked_around(gather.function)):
                continue
            if gather.results is _Results.BOUND:
                binding = gather.binding
                if binding is None or not binding.loads or not self._results_used(binding):
                    continue
                if self._returned_to_checker(binding):
                    continue
            self.ctx.report(gather.call, UNCHECKED_GATHER, call=describe(gather.call), function=gather.function.name)

    def _checked_around(self, function: Scope) -> bool:
        """A function around this nested one tests values: ``async def batch(coros): return await
        gather(*coros, return_exceptions=True)`` defined in the function that runs it and checks each result."""
        scope = function.parent
        while scope is not None:
            if scope.function in self.checked_functions and scope.function.kind is ScopeKind.FUNCTION:
                return True
            scope = scope.parent
        return False

    def _returned_to_checker(self, binding: Binding) -> bool:
        """Every use of the results is in a ``return`` of a def nested in a function that tests values
        (osubot's ``prepare_resources`` returning ``results[0], results[1]`` to ``draw_info``, which
        checks each with ``isinstance``)."""
        return all(_handed_back(frame) for frame in binding.loads) and self._checked_around(binding.scope)

    def _results_used(self, binding: Binding) -> bool:
        """Every load must be a use that does not hand the results to unknown code."""
        ctx = self.ctx
        used = False
        annotated = _returns_exceptions(binding.scope.node)
        for frame in binding.loads:
            if annotated and isinstance(statement_frame(frame)[0], ast.Return):
                return False  # ``return dict(zip(keys, results))`` under ``-> dict[K, R | BaseException]``
            outer = frame  # ``Probe(tuple(results))``: what a builtin makes of them goes on
            subscript = parent_of(outer)
            if isinstance(subscript, ast.Subscript) and subscript.value is outer[0]:
                outer = parent_frame(outer)  # ``unpack(results[0], default)``: one result, handed on
            while use_of(outer) is Use.ARGUMENT and ctx.qualified_name(parent_of(outer).func) in _TRANSPARENT_BUILTINS:
                outer = parent_frame(outer)
            if use_of(outer) is Use.ARGUMENT:
                return False  # passed to code that may inspect them
            parent = parent_of(frame)
            if isinstance(parent, ast.For) and parent.iter is frame[0] and self._passes_each(parent, parent.target):
                return False  # ``for r in results: self.log_result(r)``: each one, to such code
            loop = grandparent_of(frame)
            if (
                isinstance(loop, ast.For)
                and loop.iter is parent
                and self._passes_each(loop, _paired(loop, parent, frame[0]))
            ):
                return False  # ``for request, result in zip(requests, results): settle(request, result)``
            used = True
        return used

    def _passes_each(self, loop: ast.For, target: ast.AST | None) -> bool:
        """The loop passes its variable ``target`` to a call of code that may inspect it, or raises
        it (``for ex in results: if ex is not None: raise ex``: the exceptions come out)."""
        if not isinstance(target, ast.Name):
            return False
        name, ctx = target.id, self.ctx
        return any(
            (
                isinstance(node, ast.Call)
                and ctx.qualified_name(node.func) not in _TRANSPARENT_BUILTINS
                and any(isinstance(arg, ast.Name) and arg.id == name for arg in node.args)
            )
            or (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Name) and node.exc.id == name)
            for statement in loop.body
            for node in ast.walk(statement)
        )


def _handed_back(frame: Frame) -> bool:
    """``return results``, ``return results[0], results[1]``: the results themselves go back, untouched."""
    if isinstance(parent_of(frame), ast.Subscript) and parent_of(frame).value is frame[0]:
        frame = parent_frame(frame)
    if isinstance(parent_of(frame), ast.Tuple):
        frame = parent_frame(frame)
    return isinstance(parent_of(frame), ast.Return)


def _paired(loop: ast.For, call: ast.Call, results: ast.AST) -> ast.AST | None:
    """The loop variable that takes each result when ``results`` is iterated through ``call`` --
    ``zip(..., results, ...)`` or ``enumerate(results)`` -- into a tuple target of the loop."""
    target, func = loop.target, call.func
    if not isinstance(target, ast.Tuple) or not isinstance(func, ast.Name) or call.keywords:
        return None
    if func.id == "zip" and len(target.elts) == len(call.args):
        return target.elts[call.args.index(results)]
    if func.id == "enumerate" and len(target.elts) == 2 and call.args[:1] == [results]:
        return target.elts[1]
    return None


def _returns_exceptions(function: ast.AST) -> bool:
    """The function's return annotation names ``BaseException`` or ``Exception`` (also in a string)."""
    returns = getattr(function, "returns", None)
    if returns is None:
        return False
    for node in ast.walk(returns):
        name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None
        if name in ("BaseException", "Exception"):
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "Exception" in node.value:
            return True
    return False
