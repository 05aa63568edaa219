"""Tasks that vanish and gathered exceptions nobody looks at (dangling-task,
unchecked-gather-exceptions)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.asyncio import (
    GATHER,
    LOOP_RUNNERS,
    SHIELD,
    SPAWN_WORDS,
    WAIT_FOR,
    is_unowned_task_spawn,
    taskgroup_variant,
)
from ..registry import declare
from ..semantic.flow import Use, use_of
from ..semantic.frames import grandparent_of, parent_frame, parent_of
from ..semantic.scope import Binding, BindingKind, Scope, ScopeKind
from ..semantic.symbols import Symbol
from ..semantic.text import describe, is_stub, is_true, keyword_value
from ..settings import PYTHON_VERSION

if TYPE_CHECKING:
    from ..semantic.context import Context
    from ..semantic.frames import Frame

ASYNCIO_TASKS_DOC = "https://docs.python.org/3/library/asyncio-task.html"

DANGLING_TASK = declare(
    code="AIO102",
    raises_or_warns=True,
    name="dangling-task",
    default_enabled=True,
    message=(
        "task from '{call}' is discarded; keep a reference until it finishes (e.g. a set plus "
        "add_done_callback(set.discard)) or use asyncio.TaskGroup"
    ),
    variants={
        "unused": (
            "task '{name}' from '{call}' is never used again; keep a reference until it finishes (e.g. a set plus "
            "add_done_callback(set.discard)) or use asyncio.TaskGroup"
        ),
        "gather": "'{call}' is neither awaited nor kept; await it, or its results and exceptions are lost",
        # --aio-python-version below 3.11: no TaskGroup to suggest
        "no_taskgroup": (
            "task from '{call}' is discarded; keep a reference until it finishes (e.g. a set plus "
            "add_done_callback(set.discard))"
        ),
        "unused_no_taskgroup": (
            "task '{name}' from '{call}' is never used again; keep a reference until it finishes (e.g. a set plus "
            "add_done_callback(set.discard))"
        ),
    },
    summary=(
        "The Task/Future returned by `asyncio.create_task`, `asyncio.ensure_future` or "
        "`loop.create_task` (on any event loop object), or an un-awaited `asyncio.gather(...)`, "
        "thrown away by a statement -- on its own, or as part of what the statement throws away "
        "(`[create_task(f(x)) for x in xs]`, `flag and create_task(...)`) -- or bound to a "
        "function local that is never used again."
    ),
    why=(
        "The event loop keeps only a weak reference to tasks. A task nobody references can be "
        'garbage-collected before it finishes ("Task was destroyed but it is pending!"), and '
        "an exception it raises is never retrieved. A discarded `gather(...)` future loses its "
        "results and exceptions the same way. Seed 000 shows a bare "
        '`asyncio.create_task(...)` as "correct fire-and-forget": the asyncio documentation '
        "says otherwise, and so does this rule."
    ),
    example=(
        "import asyncio\n"
        "\n"
        "async def process(result, log_to_external_service):\n"
        "    asyncio.create_task(log_to_external_service(result))\n"
        "    return result\n"
    ),
    use_instead=(
        "import asyncio\n"
        "\n"
        "background_tasks = set()\n"
        "\n"
        "async def process(result, log_to_external_service):\n"
        "    task = asyncio.create_task(log_to_external_service(result))\n"
        "    background_tasks.add(task)\n"
        "    task.add_done_callback(background_tasks.discard)\n"
        "    return result\n"
    ),
    seed=(
        '000 "Background Tasks" (its fire-and-forget example is the bug); 002 "Task Coordination"; 003 Step 4 '
        '("Detached create_task without a strong reference")'
    ),
    peers="ruff RUF006 (asyncio-dangling-task); flake8-async ASYNC300 (create-task-no-reference)",
    notes=(
        "`tg.create_task(...)` on an `asyncio.TaskGroup` is never reported: the group owns its "
        "tasks. A `.create_task` receiver counts as an event loop when it was made by "
        "`get_event_loop/get_running_loop/new_event_loop`, is annotated as a loop, or is spelled "
        "`loop`, `_loop`, `event_loop` or `*_loop`; other receivers are not reported.",
        "A task stored in a set/list/attribute, returned, awaited, passed to a call or given "
        "`add_done_callback` is kept; any later use of the local (including in a nested "
        "function) counts. Module-level bindings are not locals and are not reported, nor are "
        "tasks bound through `global`/`nonlocal` (the outer scope keeps the reference).",
        "`task = other = create_task(...)` is one task: it is used when either name is, and reported once.",
        "A local of a sync function that later runs the loop itself (`_ = loop.create_task(broker.start())` then "
        "`loop.run_forever()` or `run_until_complete(...)`) is not reported: the frame, and the local with it, "
        "lives as long as the loop runs.",
        "Not reported in a finalizer -- `__del__`, or a function (or a method, `self.close_session`) this module "
        "registers with `weakref.ref(obj, callback)`/`weakref.finalize` -- where best-effort cleanup is scheduled "
        "with nobody left to keep the task.",
        "Not reported when the task runs an `async def` of this module (a function, or a method through "
        "`self`) that never suspends -- no `await`, `async for` or `async with` in its body "
        "(`create_task(self.terminate())` where `terminate` only calls `.cancel()`), is not decorated and is "
        "no stub (`async def on_timeout(self): pass` is a hook that subclasses fill in): the task ends in its "
        "first step, and until then the loop's queue of ready callbacks holds it. Keeping a reference would "
        "change nothing -- an exception it raises goes unobserved either way.",
    ),
    options=(PYTHON_VERSION,),
    references=(ASYNCIO_TASKS_DOC + "#asyncio.create_task",),
)

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
        "the results (or, in a `for` loop over them -- also paired through `zip(requests, results)` or "
        "`enumerate(results)` into a tuple target -- each one) to a function other than a few builtins "
        "that cannot inspect them (`list`, `zip`, `enumerate`, `sum`, `max`, `print`, ...) is assumed to "
        "inspect them; so is raising each one (`for ex in results: if ex is not None: raise ex`, for "
        "awaitables that return `None` on success). Results returned at once from a function whose return "
        "annotation names `BaseException` or `Exception` (`-> list[R | BaseException]`) are that function's API: "
        "its callers check them.",
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


_FINALIZER_REGISTRATIONS = frozenset({"weakref.ref", "weakref.finalize"})

# Expressions whose value is (part of) their own value: what is thrown away with them is lost.
_PASSING_ON = {
    ast.List: ("elts",),
    ast.Tuple: ("elts",),
    ast.Set: ("elts",),
    ast.Starred: ("value",),
    ast.IfExp: ("test", "body", "orelse"),
    ast.BoolOp: ("values",),
    ast.ListComp: ("elt",),
    ast.SetComp: ("elt",),
    ast.GeneratorExp: ("elt",),
    ast.DictComp: ("key", "value"),
    ast.Dict: ("keys", "values"),
}


def _dropped_calls(expr: ast.AST) -> list[ast.Call]:
    """Calls whose value an expression statement throws away: ``expr`` itself when a call, or
    calls it holds only as parts of displays, comprehensions, conditions and boolean operators
    (never as arguments, awaited, or stored).  Bounded by the statement's own size."""
    found: list[ast.Call] = []
    todo = [expr]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Call):
            found.append(node)
            continue
        for name in _PASSING_ON.get(type(node), ()):
            value = getattr(node, name)
            if isinstance(value, list):
                todo.extend(item for item in value if item is not None)
            else:
                todo.append(value)
    return found


class _Results:
    """What happens to the results of one ``gather(..., return_exceptions=True)``."""

    USED = Symbol("used where they are made")
    BOUND = Symbol("bound to a name; its loads decide")


class _Gather:
    __slots__ = ("binding", "call", "function", "results")

    def __init__(self, call: ast.Call, function: Scope, results: _Results, binding: Binding | None = None) -> None:
        self.call = call
        self.function = function
        self.results = results
        self.binding = binding  # for BOUND: the watched name, once bound


class TaskChecker(Checker):
    """dangling-task and unchecked-gather-exceptions."""

    rules = (DANGLING_TASK, UNCHECKED_GATHER)
    requires = ((*SPAWN_WORDS, "gather"),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.unused_candidates: dict[ast.Call, list[Binding]] = {}  # a task call -> the names it was bound to
        self.gathers: list[_Gather] = []
        self.checked_functions: set[Scope] = set()
        self.finalizers: set[Scope] = set()  # functions registered as weakref callbacks
        self.awaited_gathers: dict[ast.Await, _Gather] = {}  # results about to be bound
        # thrown-away tasks and gathers, with their function: a finalizer's are excused at the end,
        # once every ``weakref.finalize(obj, callback)`` of the module has been seen
        self.dropped: list[tuple[ast.Call, str | None, Scope]] = []
        self.loop_runs: dict[Scope, list[int]] = {}  # sync function -> lines of its ``loop.run_forever()``...
        self.callees: dict[ast.Call, tuple[Scope, str, bool]] = {}  # task call -> where its coroutine function is

    # --- dangling-task -----------------------------------------------------------------------
    def visit_Expr(self, node: ast.Expr) -> None:
        """Tasks whose value the statement throws away: the statement itself, or what it is made
        of without handing it on -- ``[create_task(x) for x in xs]``, ``a if create_task(x) else
        b``, ``flag and create_task(x)``."""
        ctx = self.ctx
        for call in _dropped_calls(node.value):
            if is_unowned_task_spawn(ctx, call):
                self._note_callee(call)
                self.dropped.append((call, taskgroup_variant(ctx, None), ctx.function))
            elif call is node.value and ctx.qualified_name(call.func) == GATHER:
                self.dropped.append((call, "gather", ctx.function))

    def _finalizer(self, function: Scope) -> bool:
        """``__del__``, or a function registered as a ``weakref.ref``/``weakref.finalize`` callback
        in this module: best-effort cleanup, where nobody is left to keep the task."""
        return (function.is_method and function.name == "__del__") or function in self.finalizers

    def bound(self, binding: Binding) -> None:
        value = binding.value
        if binding.kind is not BindingKind.ASSIGN:
            return
        if isinstance(value, ast.Await):
            gather = self.awaited_gathers.pop(value, None)
            if gather is not None:
                self.ctx.watch(binding)
                gather.binding = binding
            return
        if (
            isinstance(value, ast.Call)
            and isinstance(binding.node, ast.Name)
            and binding.scope.kind is ScopeKind.FUNCTION
            and binding.scope is self.ctx.scope  # not kept in an outer scope (global/nonlocal)
            and is_unowned_task_spawn(self.ctx, value)
        ):
            self.ctx.watch(binding)
            self._note_callee(value)
            self.unused_candidates.setdefault(value, []).append(binding)

    def _note_callee(self, call: ast.Call) -> None:
        """Where the module's end looks up the coroutine function the task runs: ``self.M()`` ->
        (class, M, True), ``f()`` -> (scope, f, False)."""
        coroutine = call.args[0] if call.args else None
        func = coroutine.func if isinstance(coroutine, ast.Call) else None
        if isinstance(func, ast.Attribute):
            cls = self.ctx.instance_class(func.value)
            if cls is not None:
                self.callees[call] = (cls, func.attr, True)
        elif isinstance(func, ast.Name):
            self.callees[call] = (self.ctx.scope, func.id, False)

    def _one_step(self, call: ast.Call) -> bool:
        """The task runs an ``async def`` of this module that never suspends (no ``await``, ``async
        for`` or ``async with``): it ends in its first step, while the loop's ready queue still
        holds it -- nothing is left for the garbage collector to lose."""
        where = self.callees.get(call)
        if where is None:
            return False
        scope, name, method = where
        binding = self.ctx.method_binding(scope, name) if method else self.ctx.lookup(name, scope)
        node = binding.node if binding is not None and binding.kind is BindingKind.DEF else None
        return (
            isinstance(node, ast.AsyncFunctionDef)
            and not binding.func_scope.has_await
            and not node.decorator_list
            and not is_stub(node.body)  # ``async def on_timeout(self): pass``: a hook subclasses fill in
        )

    # --- unchecked-gather-exceptions -----------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        if isinstance(node.func, ast.Attribute) and node.func.attr in LOOP_RUNNERS and not ctx.in_async:
            self.loop_runs.setdefault(ctx.function, []).append(node.lineno)
        qn = ctx.qualified_name(node.func)
        if qn in _FINALIZER_REGISTRATIONS and len(node.args) >= 2:
            registered = node.args[1]
            callback = ctx.binding_of(registered)
            if isinstance(registered, ast.Attribute):  # ``weakref.finalize(self, self.close_session, ...)``
                cls = ctx.instance_class(registered.value)
                callback = ctx.method_binding(cls, registered.attr) if cls is not None else None
            if callback is not None and callback.kind is BindingKind.DEF:
                self.finalizers.add(callback.func_scope)
            return
        if qn == "builtins.isinstance" and len(node.args) == 2:  # the code looks at what it got back
            self._checks()
            return
        if qn != GATHER or not ctx.in_async or not is_true(keyword_value(node, "return_exceptions")):
            return
        results = self._results(ctx.frame)
        if results is None:
            return
        gather = _Gather(node, ctx.function, results)
        if results is _Results.BOUND:
            self.awaited_gathers[parent_of(self._awaited_frame(ctx.frame))] = gather
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
        ctx = self.ctx
        for call, variant, function in self.dropped:
            if not self._finalizer(function) and not self._one_step(call):
                ctx.report(call, DANGLING_TASK, variant, call=describe(call))
        for call, bindings in self.unused_candidates.items():
            if self._finalizer(bindings[0].scope) or self._one_step(call):
                continue
            if any(line > call.lineno for line in self.loop_runs.get(bindings[0].scope, ())):
                continue  # ``_ = loop.create_task(main())`` then ``loop.run_forever()``: held while it runs
            if not any(binding.loads for binding in bindings):  # ``task = other = create_task(...)``
                variant = taskgroup_variant(ctx, "unused")
                ctx.report(call, DANGLING_TASK, variant, name=bindings[0].name, call=describe(call))
        for gather in self.gathers:
            if gather.function in self.checked_functions:
                continue
            if gather.results is _Results.BOUND:
                binding = gather.binding
                if binding is None or not binding.loads or not self._results_used(binding):
                    continue
            ctx.report(gather.call, UNCHECKED_GATHER, call=describe(gather.call), function=gather.function.name)

    def _results_used(self, binding: Binding) -> bool:
        """Every load must be a use that does not hand the results to unknown code."""
        ctx = self.ctx
        used = False
        for frame in binding.loads:
            parent = parent_of(frame)
            if use_of(frame) is Use.ARGUMENT and ctx.qualified_name(parent.func) not in _TRANSPARENT_BUILTINS:
                return False  # passed to code that may inspect them
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
