"""Tasks kept in a collection or an attribute whose outcome nothing looks at
(task-exception-never-observed, off by default).

Facts are collected on the way -- where each spawned task goes, which names and ``self``
attributes hold tasks, every later load of them (``Context.watch``) -- and decided in
``module_end``: a task is reported when every holder it went into is never awaited, gathered,
inspected or handed on anywhere in the module.
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, NamedTuple

from ..checker import Checker
from ..knowledge.asyncio import SPAWN_WORDS, coroutine_source, is_unowned_task_spawn
from ..knowledge.task_outcomes import (
    COPY_BUILTINS,
    IGNORING_METHODS,
    SIZE_BUILTINS,
    OutcomeReader,
    handles_own_errors,
    is_new_collection,
)
from ..registry import declare
from ..semantic.frames import Frame, parent_frame, parent_of
from ..semantic.scope import Binding, BindingKind, Scope, ScopeKind
from ..semantic.text import describe, is_none

if TYPE_CHECKING:
    from ..semantic.context import Context

ASYNCIO_TASKS_DOC = "https://docs.python.org/3/library/asyncio-task.html"

TASK_EXCEPTION_NEVER_OBSERVED = declare(
    code="AIO109",
    name="task-exception-never-observed",
    default_enabled=False,
    message=(
        "task from '{call}' is kept in '{holder}' but never awaited, gathered or checked, so if it fails its "
        "exception is only logged when the task is garbage-collected; await or gather it (at shutdown, say), "
        "or give it a done-callback that calls task.exception()"
    ),
    summary=(
        "A task from `asyncio.create_task`, `asyncio.ensure_future` or `loop.create_task` that the "
        "module keeps only in a collection or an attribute -- `tasks.add(task)`, `append`, "
        "`tasks[key] = task`, `self._task = create_task(...)`, a module global, a list or dict of "
        "tasks built by a comprehension -- with or without `add_done_callback(tasks.discard)`, when "
        "nothing in the module awaits it or the collection, gathers or waits on them, calls "
        "`.result()`/`.exception()`, hands them on, or gives the task a done-callback other than "
        "the collection's `discard`/`remove`."
    ),
    why=(
        "A task that fails keeps its exception until someone asks for it. If nobody awaits it, "
        "gathers it or calls `result()`/`exception()`, asyncio only notices when the task object "
        "is garbage-collected -- right after it finishes when `add_done_callback(tasks.discard)` "
        "drops the last reference, at shutdown or never when an attribute keeps it -- and then "
        'logs "Task exception was never retrieved" with the traceback on the `asyncio` logger. '
        "Nothing is raised: the request that started the work has long returned, the caller "
        "never learns of the failure, and a test that exercises it passes. Keeping a reference, "
        "as the documentation asks and dangling-task enforces, keeps the task alive; it does not "
        "make anyone look at its result."
    ),
    example=(
        "import asyncio\n"
        "\n"
        "background_tasks = set()\n"
        "\n"
        "async def register(user_id, send_welcome_email):\n"
        "    task = asyncio.create_task(send_welcome_email(user_id))\n"
        "    background_tasks.add(task)\n"
        "    task.add_done_callback(background_tasks.discard)\n"
    ),
    use_instead=(
        "import asyncio\n"
        "import logging\n"
        "\n"
        "logger = logging.getLogger(__name__)\n"
        "background_tasks = set()\n"
        "\n"
        "def task_done(task):\n"
        "    background_tasks.discard(task)\n"
        "    if not task.cancelled() and task.exception() is not None:\n"
        "        logger.error('background task failed', exc_info=task.exception())\n"
        "\n"
        "async def register(user_id, send_welcome_email):\n"
        "    task = asyncio.create_task(send_welcome_email(user_id))\n"
        "    background_tasks.add(task)\n"
        "    task.add_done_callback(task_done)\n"
    ),
    seed=(
        '003 Step 2 ("asyncio.create_task + keep a strong reference") and its Gotcha ("create_task '
        'results that nobody awaits"); 000 "Background Tasks" (fire-and-forget logging)'
    ),
    peers="none",
    notes=(
        "Off by default: a coroutine that handles its own errors needs no observer, and the rule "
        "sees that only for coroutine functions of the module. A task running one whose body -- "
        "or a loop, `with` or `try` at its top -- holds a `try` with `except Exception`, `except "
        "BaseException` or a bare `except:` is not reported; one from another module is.",
        "Holders are names bound in the module to a new collection (`set()`, `[]`, `{}`, a "
        "comprehension, `deque()`, `WeakSet()`...), to `None` or to a task -- module globals "
        "(assigned through `global`), locals and closures (through `nonlocal`) -- and `self.<attr>` "
        "attributes, keyed by class (a subclass and its same-module bases share them), whose every "
        "binding in the class is such a value. A parameter, or an attribute also bound to "
        "something else, may be a collection someone else gathers: not a holder. A function-local "
        "name bound to a task is the task itself, not a holder: `heartbeat = create_task(...)` "
        "then `heartbeat.cancel()` in a `finally:` is not reported (and one never used again is "
        "dangling-task's).",
        "A holder or the task counts as observed when it is awaited; passed as an argument to any "
        "call (`gather`, `wait`, `wait_for`, `shield`, `as_completed`, or anything unknown), "
        "except `len()`/`bool()`; when `.result()`/`.exception()` or any method not known to "
        "leave the outcome alone is called on it; when `add_done_callback` is given anything "
        "but a collection's `discard`/`remove`/`pop` (or a lambda calling one); when it is "
        "returned, yielded, assigned to another name or put in a display (handed on); or when it "
        "is iterated other than by a `for` loop whose body only calls `cancel()`/`done()`/"
        "`cancelled()`/`get_name()`... on the loop variable or discards it. An element taken out "
        "(`tasks[k]`, `tasks.pop(k)`, `tasks.values()`, `list(tasks)`) is judged by what is done "
        "with it. Not observing: `add`, `append`, `discard`, `remove`, `clear`, `cancel`, "
        "`done`, `cancelled`, `get_name`, `set_name`, `len(tasks)`, comparisons and truth tests.",
        "Any use of the attribute name on an object other than `self` (`service._task`, "
        "`type(self)._tasks`) in an observing place counts for every class: the object's class "
        "is not known.",
        "Only the module is seen: a collection that another module imports and gathers, or a "
        "public attribute awaited from outside, is reported here.",
        "A collection gathered or waited on anywhere (at shutdown, say) counts as observed, "
        "although with `add_done_callback(tasks.discard)` that gather only "
        "sees the tasks still running then: one that failed earlier was already dropped, and its "
        "exception logged. A done-callback that calls `task.exception()` sees every failure.",
        "Reported once per spawn call, at the `create_task(`/`ensure_future(` call; a task that "
        "dangling-task reports (discarded, or a local never used again) is not reported here.",
    ),
    references=(
        ASYNCIO_TASKS_DOC + "#asyncio.create_task",
        ASYNCIO_TASKS_DOC + "#asyncio.Task.exception",
        "https://docs.python.org/3/library/asyncio-dev.html#detect-never-retrieved-exceptions",
    ),
)


class _Key(NamedTuple):
    """A holder: a name of a scope, or (``attr``) an attribute of a class's instances."""

    attr: bool
    scope: Scope
    name: str


class _Spawn:
    """One spawn call and where its task went."""

    __slots__ = ("call", "coroutine", "holders", "local")

    def __init__(self, call: ast.Call, coroutine: Binding | None) -> None:
        self.call = call
        self.coroutine = coroutine  # the ``def`` binding of a same-module coroutine function it runs
        self.holders: list[tuple[_Key, str]] = []  # (holder, its spelling for the message)
        self.local: Binding | None = None  # a function local bound to the task


# Methods that store their argument at this index: ``tasks.add(task)``, ``tasks.insert(0, task)``.
_STORE_METHODS = {"add": 0, "append": 0, "appendleft": 0, "insert": 1}
_GROUP_STORE_METHODS = frozenset({"extend", "update"})  # ``tasks.extend([create_task(...), ...])``
_BUILTIN_NAMES = frozenset(name.rpartition(".")[2] for name in SIZE_BUILTINS | COPY_BUILTINS)


def _in_display(node: ast.AST, parent: ast.AST) -> bool:
    """``node`` is an element (a value, not a key) of the display or comprehension ``parent``."""
    if isinstance(parent, (ast.List, ast.Set, ast.Tuple)):
        return any(e is node for e in parent.elts)
    if isinstance(parent, ast.Dict):
        return any(v is node for v in parent.values)
    if isinstance(parent, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
        return parent.elt is node
    return isinstance(parent, ast.DictComp) and parent.value is node


class TaskExceptionChecker(Checker):
    """task-exception-never-observed."""

    rules = (TASK_EXCEPTION_NEVER_OBSERVED,)
    requires = (SPAWN_WORDS,)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.spawns: list[_Spawn] = []
        self.spawn_calls: set[ast.Call] = set()
        self.pending: dict[ast.AST, list[_Spawn]] = {}  # assigned values waiting for their name's binding
        self.task_locals: dict[Binding, _Spawn] = {}
        self.stored_into: dict[ast.Name, tuple[_Key, str]] = {}  # a task local's load that stores it in a holder
        self.name_holders: dict[Binding, Scope] = {}  # watched holder bindings -> the function that made them
        self.instance_params: list[Binding] = []  # watched ``self``/``cls`` of every method
        self.sizers: set[ast.Call] = set()  # ``len(x)``, ``bool(x)``
        self.copiers: set[ast.Call] = set()  # ``list(x)``, ``sorted(x)``...
        self.foreign_attrs: set[str] = set()  # attributes observed on objects other than ``self``
        self._observed: dict[_Key, bool] = {}
        self._name_loads: dict[_Key, list[Frame]] = {}
        self._made_in_owner: set[_Key] = set()  # name holders bound in their own scope
        self._ancestry: dict[Scope, set[Scope]] = {}
        self._self_reads: dict[str, list[tuple[Scope, Frame]]] | None = None
        self.reader = OutcomeReader(self.sizers, self.copiers)

    # --- collecting --------------------------------------------------------------------------
    def function_start(self, scope: Scope) -> None:
        """Watch the instance parameter of methods: its loads show every ``self.<attr>`` use."""
        if not scope.is_method:
            return
        node = scope.node
        params = [*node.args.posonlyargs, *node.args.args]
        if not params:
            return
        ctx = self.ctx
        if any(ctx.qualified_name(d) == "builtins.staticmethod" for d in node.decorator_list):
            return
        binding = scope.bindings.get(params[0].arg)
        if binding is not None and binding.kind is BindingKind.PARAM:
            ctx.watch(binding)
            self.instance_params.append(binding)

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        func = node.func
        if type(func) is ast.Name and func.id in _BUILTIN_NAMES:
            qualified = ctx.qualified_name(func)
            if qualified in SIZE_BUILTINS:
                self.sizers.add(node)
            elif qualified in COPY_BUILTINS:
                self.copiers.add(node)
        elif type(func) is ast.Attribute:
            if func.attr not in IGNORING_METHODS:
                self._note_foreign(func.value)
            index = _STORE_METHODS.get(func.attr)
            if index is not None and len(node.args) == index + 1 and type(node.args[index]) is ast.Name:
                self._store(func.value, node.args[index])
        if node not in self.sizers:
            for arg in node.args:
                self._note_foreign(arg.value if isinstance(arg, ast.Starred) else arg)
            for keyword in node.keywords:
                self._note_foreign(keyword.value)
        if is_unowned_task_spawn(ctx, node):
            self.spawn_calls.add(node)
            self._destination(node)

    def visit_Assign(self, node: ast.Assign | ast.AnnAssign) -> None:
        value = node.value
        if value is None:
            return
        self._note_foreign(value)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if len(targets) != 1 or type(value) is not ast.Name:
            return
        target = targets[0]
        if type(target) is ast.Attribute:  # ``self._task = task``
            self._store(target, value)
        elif type(target) is ast.Subscript:  # ``self._tasks[key] = task``
            self._store(target.value, value)

    visit_AnnAssign = visit_Assign

    def visit_Await(self, node: ast.Await) -> None:
        self._note_foreign(node.value)

    def visit_Return(self, node: ast.Return | ast.Yield | ast.YieldFrom) -> None:
        if node.value is not None:
            self._note_foreign(node.value)

    visit_Yield = visit_YieldFrom = visit_Return

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._note_foreign(node.iter)

    visit_AsyncFor = visit_For

    def bound(self, binding: Binding) -> None:
        """Names bound to a task, a new collection or ``None``: task locals and holders."""
        if type(binding.node) is not ast.Name:
            return  # ``self.x = ...``: decided from the class's bindings at the end
        owner = binding.scope
        if owner.kind is ScopeKind.CLASS:
            return
        ctx = self.ctx
        value = binding.value
        spawns = self.pending.pop(value, None) if value is not None else None
        maker = ctx.scope.function
        local = owner.kind is ScopeKind.FUNCTION and owner is maker
        if spawns is not None and local and isinstance(value, ast.Call):
            spawn = spawns[0]
            spawn.local = binding
            self.task_locals[binding] = spawn
            ctx.watch(binding)
            return
        outer_name = not local and type(value) is ast.Name  # ``global _task; _task = task``
        if not (spawns is not None or outer_name or is_none(value) or self._fresh(value, owner)):
            return
        self.name_holders[binding] = maker
        ctx.watch(binding)
        key = _Key(False, owner, binding.name)
        for spawn in spawns or ():
            spawn.holders.append((key, binding.name))
        if outer_name and ctx.lookup(value.id) in self.task_locals:
            self.stored_into[value] = (key, binding.name)

    def _fresh(self, value: ast.AST | None, scope: Scope) -> bool:
        return is_new_collection(value, lambda func: self.ctx.qualified_name(func, scope))

    def _note_foreign(self, expr: ast.AST) -> None:
        """``service._task`` / ``service._tasks[k]`` in an observing place: the attribute is
        observed for every class (the object's class is not known)."""
        while type(expr) is ast.Subscript:
            expr = expr.value
        if type(expr) is ast.Attribute and self.ctx.instance_class(expr.value) is None:
            self.foreign_attrs.add(expr.attr)

    def _holder(self, expr: ast.AST) -> tuple[_Key, str] | None:
        """The holder ``expr`` names, if it is one: a watched holder name, or ``self.<attr>``."""
        ctx = self.ctx
        if type(expr) is ast.Name:
            binding = ctx.lookup(expr.id)
            if binding is None or binding not in self.name_holders:
                return None
            return _Key(False, binding.scope, expr.id), expr.id
        if type(expr) is ast.Attribute:
            cls = ctx.instance_class(expr.value)
            if cls is not None:
                return _Key(True, cls, expr.attr), describe(expr)
        return None

    def _store(self, holder: ast.AST, value: ast.Name) -> None:
        """``holder.add(task)``, ``holder[k] = task`` or ``self.x = task``, for a task local."""
        if self.ctx.lookup(value.id) not in self.task_locals:
            return
        found = self._holder(holder)
        if found is not None:
            self.stored_into[value] = found

    def _destination(self, call: ast.Call) -> None:
        """Where a new task goes: a name (decided when it is bound), an attribute, an element of
        a holder, or -- through a display or comprehension -- a holder of several."""
        frame = self.ctx.frame
        node, parent = call, parent_of(frame)
        display = False
        while parent is not None and _in_display(node, parent):
            frame = parent_frame(frame)
            node, parent = parent, parent_of(frame)
            display = True
        argument = call.args[0] if call.args else None
        source = coroutine_source(self.ctx, argument) if isinstance(argument, ast.Call) else None
        spawn = _Spawn(call, source.binding if source is not None else None)
        holder = None
        if isinstance(parent, (ast.Assign, ast.AnnAssign)) and node is parent.value:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            if len(targets) != 1:
                return
            target = targets[0]
            if type(target) is ast.Name:
                self.pending.setdefault(node, []).append(spawn)
                self.spawns.append(spawn)
                return
            if type(target) is ast.Attribute:
                holder = self._holder(target)
            elif type(target) is ast.Subscript and not display:
                holder = self._holder(target.value)
        elif isinstance(parent, ast.Call) and type(parent.func) is ast.Attribute:
            method = parent.func.attr
            args = parent.args
            if display:
                stores = method in _GROUP_STORE_METHODS and len(args) == 1 and args[0] is node
            else:
                index = _STORE_METHODS.get(method)
                stores = index is not None and len(args) == index + 1 and args[index] is node
            if stores:
                holder = self._holder(parent.func.value)
        if holder is not None:
            spawn.holders.append(holder)
            self.spawns.append(spawn)

    # --- deciding ----------------------------------------------------------------------------
    def module_end(self) -> None:
        if not self.spawns:
            return
        for binding, maker in self.name_holders.items():
            key = _Key(False, binding.scope, binding.name)
            self._name_loads.setdefault(key, []).extend(binding.loads or ())
            if maker is binding.scope:
                self._made_in_owner.add(key)
        for spawn in self.spawns:
            if spawn.local is not None and not self._kept_only(spawn):
                continue
            coroutine = spawn.coroutine  # a coroutine that catches everything has no failure to lose
            if (
                coroutine is not None
                and isinstance(coroutine.node, ast.AsyncFunctionDef)
                and handles_own_errors(self.ctx, coroutine.node)
            ):
                continue
            if not spawn.holders or any(self._holder_observed(key) for key, _ in spawn.holders):
                continue
            self.ctx.report(
                spawn.call, TASK_EXCEPTION_NEVER_OBSERVED, call=describe(spawn.call), holder=spawn.holders[0][1]
            )

    def _kept_only(self, spawn: _Spawn) -> bool:
        """The task local's loads: stores into holders (added to ``spawn.holders``) and uses that
        leave the outcome alone -- no load observes it.  A local never used again is
        dangling-task's."""
        loads = spawn.local.loads
        if not loads:
            return False
        for frame in loads:
            stored = self.stored_into.get(frame[0])
            if stored is not None:
                spawn.holders.append(stored)
            elif self.reader.observes(frame):
                return False
        return True

    def _holder_observed(self, key: _Key) -> bool:
        found = self._observed.get(key)
        if found is None:
            if key.attr:
                found = self._attribute_observed(key)
            else:
                found = key not in self._made_in_owner or any(
                    self.reader.observes(frame) for frame in self._name_loads.get(key, ())
                )
            self._observed[key] = found
        return found

    def _attribute_observed(self, key: _Key) -> bool:
        """``self.<attr>``: observed through any related class, or through another object; a
        holder is also 'observed' (not judged) when some binding of it holds something else."""
        if key.name in self.foreign_attrs:
            return True
        family = self._family(key.scope)
        bindings = []
        for cls in family:
            bindings.extend(cls.attrs.get(key.name, ()))
            class_level = cls.bindings.get(key.name)
            if class_level is not None:
                bindings.append(class_level)
        if not bindings or not all(self._holds_tasks(binding) for binding in bindings):
            return True
        return any(
            cls in family and self.reader.observes(frame) for cls, frame in self._attribute_loads().get(key.name, ())
        )

    def _attribute_loads(self) -> dict[str, list[tuple[Scope, Frame]]]:
        """Every ``self.<attr>`` read in the module, by attribute name: (class, frame of the
        attribute) -- indexed once, from the loads of the watched instance parameters."""
        if self._self_reads is None:
            self._self_reads = {}
            for param in self.instance_params:
                cls = param.scope.parent
                for frame in param.loads or ():
                    parent = parent_of(frame)
                    # not ``self._task = ...`` nor ``del self._task``
                    if type(parent) is ast.Attribute and type(parent.ctx) is ast.Load:
                        self._self_reads.setdefault(parent.attr, []).append((cls, parent_frame(frame)))
        return self._self_reads

    def _holds_tasks(self, binding: Binding) -> bool:
        """An attribute binding whose value is a task, a new collection, ``None`` or nothing."""
        if binding.kind is not BindingKind.ASSIGN:
            return False
        value = binding.value
        if value is None or is_none(value) or value in self.spawn_calls:
            return True
        if type(value) is ast.Name:
            return value in self.stored_into
        return self._fresh(value, binding.scope)

    def _family(self, cls: Scope) -> set[Scope]:
        """``cls`` with its same-module bases and the module's classes derived from it."""
        classes = {param.scope.parent for param in self.instance_params} | {cls}
        ancestors = self._ancestors
        return {c for c in classes if c is cls or c in ancestors(cls) or cls in ancestors(c)}

    def _ancestors(self, cls: Scope) -> set[Scope]:
        """The same-module base classes of ``cls``, transitively (memoised)."""
        found = self._ancestry.get(cls)
        if found is None:
            found = self._ancestry[cls] = set(self.ctx.class_chain(cls)) - {cls}
        return found
