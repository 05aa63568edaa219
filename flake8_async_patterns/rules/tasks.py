"""Tasks that vanish (dangling-task).  Gathered exceptions are in :mod:`.gathers`."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.asyncio import (
    GATHER,
    LOOP_RUNNERS,
    SPAWN_WORDS,
    is_unowned_task_spawn,
    taskgroup_variant,
)
from ..knowledge.inference import constructor_call, without_bound
from ..knowledge.kinds import CONSTRUCTED_KINDS, Kind
from ..registry import declare
from ..semantic.flow import Outcome, outcomes
from ..semantic.frames import (
    FUNCTION_LIKE_NODES,
    ancestors,
    holding_list,
    parent_of,
    statement_frame,
)
from ..semantic.scope import Binding, BindingKind, Scope, ScopeKind
from ..semantic.text import describe, is_stub
from ..settings import PYTHON_VERSION

if TYPE_CHECKING:
    from ..semantic.context import Context

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
        "Nor is a local followed by statements that never end -- a `while True:` with no `break` or `return` "
        "(`_ = create_task(keepalive(writer))`, then a reader loop): only an error leaves the function, and "
        "until then its frame holds the task; nor a local rebound inside a loop that reads it, when control "
        "may go round again after the binding (`task = ensure_future(factory()); continue` back to "
        "`await shield(task)`): the next round uses the new task.",
        "Not reported in a finalizer -- `__del__`, or a function (or a method, `self.close_session`) this module "
        "registers with `weakref.ref(obj, callback)`/`weakref.finalize`, an exit hook (`@atexit.register`, "
        "`atexit.register(f, ...)`, also of a method, `atexit.register(self.close)`: it runs at interpreter "
        "exit), a module function that only finalizers call (xinference-client's `_schedule_session_close(self)` "
        "in two `__del__`: every other mention of its name in the file, a comment too, makes it an ordinary "
        "function), or a function defined inside one (the "
        "callback it hands the loop: pydantic-ai's `loop.call_soon_threadsafe(request_exit)`) -- where "
        "best-effort cleanup is scheduled with nobody left to keep the task.",
        "Not reported: a task whose coroutine (an `async def` of this module) first stores its own task on an "
        "object (`session_info.task = asyncio.current_task()`, chatlas' MCP sessions, awaited when they close).",
        "Not reported: `asyncio.ensure_future(task)` of a local holding a task (`release = create_task(...)`), "
        "which hands back that very task (asyncdb's `ensure_future(release, loop=...)` then `await release`).",
        "Not reported when the task runs an `async def` of this module (a function, or a method through "
        "`self`) that never suspends -- no `await`, `async for` or `async with` in its body "
        "(`create_task(self.terminate())` where `terminate` only calls `.cancel()`), is not decorated and is "
        "no stub (`async def on_timeout(self): pass` is a hook that subclasses fill in): the task ends in its "
        "first step, and until then the loop's queue of ready callbacks holds it. Keeping a reference would "
        "change nothing -- an exception it raises goes unobserved either way. `functools.wraps` copies metadata "
        "and does not count as a decorator here (coc.py's trigger wrapper). So is a task of `q.put(item)` on an "
        "`asyncio.Queue` (or `LifoQueue`/`PriorityQueue`) that the module makes without a positive `maxsize`: `put` "
        "waits only while the queue is full, which it never is (pyblackbird's `ensure_future(self.q.put(data))` "
        "in `data_received`). A bounded queue's, or one made where the module cannot see, is reported.",
        "Nor when the call given to `create_task` is a plain `def` of this module (a function, or a method "
        "through `self`) that returns nothing -- annotated `-> None`, or with no `return` of a value and no "
        "`yield`: `create_task(None)` raises TypeError at once, and no task exists to be lost (ably's "
        "generated sync copy of its async code). That TypeError is a type checker's to report.",
    ),
    options=(PYTHON_VERSION,),
    references=(ASYNCIO_TASKS_DOC + "#asyncio.create_task",),
)


_GOES_ON = frozenset({Outcome.FALL, Outcome.CONTINUE})  # ways on to a loop's next round
_FINALIZER_REGISTRATIONS = frozenset({"weakref.ref", "weakref.finalize"})
_ATEXIT_REGISTER = "atexit.register"
_CURRENT_TASK = "asyncio.current_task"
_WRAPS = "functools.wraps"

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


class TaskChecker(Checker):
    """dangling-task."""

    rules = (DANGLING_TASK,)
    requires = ((*SPAWN_WORDS, "gather"),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.unused_candidates: dict[ast.Call, list[Binding]] = {}  # a task call -> the names it was bound to
        self.finalizers: set[Scope] = set()  # functions registered as weakref callbacks
        # thrown-away tasks and gathers, with their function: a finalizer's are excused at the end,
        # once every ``weakref.finalize(obj, callback)`` of the module has been seen
        self.dropped: list[tuple[ast.Call, str | None, Scope]] = []
        self.loop_runs: dict[Scope, list[int]] = {}  # sync function -> lines of its ``loop.run_forever()``...
        self.callees: dict[ast.Call, tuple[Scope, str, bool]] = {}  # task call -> where its coroutine function is
        self.puts: set[ast.Call] = set()  # tasks of ``q.put(x)`` on an asyncio queue without a bound
        self.finalizer_calls: dict[str, int] = {}  # ``helper`` -> its ``helper(...)`` calls in finalizers

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

    def _finalizer(self, function: Scope | None) -> bool:
        """``__del__``, or a function registered as a ``weakref.ref``/``weakref.finalize`` callback
        in this module, or a function defined inside one (the callback it hands the loop, pydantic-ai's
        ``loop.call_soon_threadsafe(request_exit)``): best-effort cleanup, where nobody is left to
        keep the task."""
        while function is not None and function.kind is not ScopeKind.MODULE:
            if (function.is_method and function.name == "__del__") or function in self.finalizers:
                return True
            decorators = getattr(function.node, "decorator_list", ())
            if any(self.ctx.qualified_name(decorator) == _ATEXIT_REGISTER for decorator in decorators):
                return True  # ``@atexit.register``: runs at interpreter exit
            if function.parent is self.ctx.module and self._only_finalizers_call(function.name):
                return True  # ``_schedule_session_close(self)``, called by ``__del__`` methods only
            function = function.parent
        return False

    def _only_finalizers_call(self, name: str) -> bool:
        """Every mention of module function ``name`` in the file's text but its ``def`` is a call
        from a finalizer (xinference-client's ``_schedule_session_close``, called by two ``__del__``;
        unknown text, or a mention anywhere else -- a comment too: no)."""
        calls = self.finalizer_calls.get(name)
        text = self.ctx.text
        if not calls or text is None:
            return False
        return len(re.findall(rf"(?<![\w.]){re.escape(name)}(?!\w)", text)) == calls + 1

    def bound(self, binding: Binding) -> None:
        value = binding.value
        if (
            binding.kind is BindingKind.ASSIGN
            and isinstance(value, ast.Call)
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
        if isinstance(func, ast.Attribute) and func.attr == "put" and _unbounded_async_queue(self.ctx, func.value):
            self.puts.add(call)
        elif isinstance(func, ast.Attribute):
            cls = self.ctx.instance_class(func.value)
            if cls is not None:
                self.callees[call] = (cls, func.attr, True)
        elif isinstance(func, ast.Name):
            self.callees[call] = (self.ctx.scope, func.id, False)

    def _callee(self, call: ast.Call) -> Binding | None:
        """The def of this module whose call the task is given (``self.M()`` or ``f()``), if seen."""
        where = self.callees.get(call)
        if where is None:
            return None
        scope, name, method = where
        binding = self.ctx.method_binding(scope, name) if method else self.ctx.lookup(name, scope)
        return binding if binding is not None and binding.kind is BindingKind.DEF else None

    def _no_task(self, call: ast.Call) -> bool:
        """The task's coroutine comes from an ``async def`` of this module that never suspends (no
        ``await``, ``async for`` or ``async with``): it ends in its first step, while the loop's
        ready queue still holds it -- nothing is left for the garbage collector to lose.  Or from a
        plain ``def`` that returns nothing (``-> None``, or no ``return`` of a value): ``create_task``
        raises ``TypeError`` at once, and no task exists (ably's generated sync copy).  A decorator
        other than ``functools.wraps`` (which copies metadata only) may change what the call gives.
        Or from ``q.put(x)`` on an asyncio queue made without a bound, which never waits."""
        if call in self.puts:
            return True
        binding = self._callee(call)
        node = binding.node if binding is not None else None
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            return False
        qualified_name, scope = self.ctx.qualified_name, binding.scope
        if any(qualified_name(d.func if isinstance(d, ast.Call) else d, scope) != _WRAPS for d in node.decorator_list):
            return False
        if is_stub(node.body):  # ``async def on_timeout(self): pass``: a hook that subclasses fill in
            return False
        if isinstance(node, ast.FunctionDef):  # a generator function gives a generator, not None
            return not binding.func_scope.has_yield and _returns_nothing(node)
        return not binding.func_scope.has_await or self._keeps_itself(node, binding.func_scope)

    def _keeps_itself(self, node: ast.AsyncFunctionDef, scope: Scope) -> bool:
        """The coroutine's first statement stores its own task on an object (chatlas' MCP sessions:
        ``session_info.task = asyncio.current_task()``, later awaited by whoever closes them)."""
        body = node.body
        docstring = type(body[0]) is ast.Expr and type(body[0].value) is ast.Constant
        first = body[1] if docstring and len(body) > 1 else body[0]
        return (
            type(first) is ast.Assign
            and type(first.value) is ast.Call
            and self.ctx.qualified_name(first.value.func, scope) == _CURRENT_TASK
            and all(type(target) in (ast.Attribute, ast.Subscript) for target in first.targets)
        )

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        if type(node.func) is ast.Name and ctx.function.kind is ScopeKind.FUNCTION and self._finalizer(ctx.function):
            self.finalizer_calls[node.func.id] = self.finalizer_calls.get(node.func.id, 0) + 1
        if isinstance(node.func, ast.Attribute) and node.func.attr in LOOP_RUNNERS and not ctx.in_async:
            self.loop_runs.setdefault(ctx.function, []).append(node.lineno)
        qn = ctx.qualified_name(node.func)
        if qn == _ATEXIT_REGISTER and node.args:
            self._finalizer_callback(node.args[0])  # ``atexit.register(flush, client)``: an exit hook
        elif qn in _FINALIZER_REGISTRATIONS and len(node.args) >= 2:
            self._finalizer_callback(node.args[1])

    def _finalizer_callback(self, registered: ast.expr) -> None:
        """The def a finalizer registration names: a function, or a method (``weakref.finalize(self,
        self.close_session, ...)``, raganything's ``atexit.register(self.close)``)."""
        ctx = self.ctx
        callback = ctx.binding_of(registered)
        if isinstance(registered, ast.Attribute):
            cls = ctx.instance_class(registered.value)
            callback = ctx.method_binding(cls, registered.attr) if cls is not None else None
        if callback is not None and callback.kind is BindingKind.DEF:
            self.finalizers.add(callback.func_scope)

    def module_end(self) -> None:
        ctx = self.ctx
        for call, variant, function in self.dropped:
            if not self._finalizer(function) and not self._no_task(call):
                ctx.report(call, DANGLING_TASK, variant, call=describe(call))
        for call, bindings in self.unused_candidates.items():
            if self._finalizer(bindings[0].scope) or self._no_task(call):
                continue
            if any(line > call.lineno for line in self.loop_runs.get(bindings[0].scope, ())):
                continue  # ``_ = loop.create_task(main())`` then ``loop.run_forever()``: held while it runs
            if _never_left(bindings[0]) or any(_used_next_round(binding) for binding in bindings):
                continue  # held by a frame that never returns, or read by the loop's next round
            if not any(binding.loads for binding in bindings):  # ``task = other = create_task(...)``
                variant = taskgroup_variant(ctx, "unused")
                ctx.report(call, DANGLING_TASK, variant, name=bindings[0].name, call=describe(call))


def _rest(binding: Binding) -> list[ast.stmt] | None:
    """The statements after the one that makes ``binding``, in its own statement list."""
    statement = statement_frame(binding.frame) if binding.frame is not None else None
    found = holding_list(statement[0], parent_of(statement)) if statement is not None else None
    return found[0][found[1] + 1 :] if found is not None else None


def _never_left(binding: Binding) -> bool:
    """The statements after the one that makes ``binding`` never end -- ``while True:`` with no
    ``break`` or ``return``: only an error leaves the function, so its frame holds the local as
    long as the function runs."""
    rest = _rest(binding)
    return bool(rest) and not outcomes(rest)


def _used_next_round(binding: Binding) -> bool:
    """``task`` rebound in a loop that reads it (``await shield(task)`` at the top), and control
    may go round again after the binding: the next round uses the new task."""
    rest = _rest(binding)
    if rest is None or (rest and not outcomes(rest) & _GOES_ON):
        return False
    for node in ancestors(binding.frame):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            return False
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            name = binding.name
            return any(
                type(found) is ast.Name and found.id == name and type(found.ctx) is ast.Load for found in ast.walk(node)
            )
    return False


def _returns_nothing(node: ast.FunctionDef) -> bool:
    """``def f() -> None``, or a body (its nested defs, lambdas and classes aside) with no ``return``
    of a value: a call of ``f``, no generator, gives ``None``."""
    if isinstance(node.returns, ast.Constant) and node.returns.value is None:
        return True
    pending: list[ast.AST] = list(node.body)
    while pending:
        child = pending.pop()
        if isinstance(child, ast.Return) and child.value is not None:
            return False
        if not isinstance(child, (*FUNCTION_LIKE_NODES, ast.ClassDef)):
            pending.extend(ast.iter_child_nodes(child))
    return True


def _unbounded_async_queue(ctx: Context, queue: ast.AST) -> bool:
    """``queue`` (a name or ``self.x``) is an asyncio queue the module makes without a positive
    ``maxsize``: its ``put`` never waits."""
    made = constructor_call(ctx, queue)
    if made is None:
        return False
    call, scope = made
    return CONSTRUCTED_KINDS.get(ctx.qualified_name(call.func, scope)) is Kind.ASYNC_QUEUE and without_bound(call)
