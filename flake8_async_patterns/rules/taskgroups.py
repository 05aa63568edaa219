"""Advice: gathered tasks that a TaskGroup would own (prefer-taskgroup, off by default)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.asyncio import GATHER, SPAWN_WORDS, TASKGROUP_PYTHON, is_unowned_task_spawn
from ..registry import declare
from ..semantic.frames import only_before
from ..semantic.scope import Binding, BindingKind, Scope
from ..semantic.source import ASYNC_CODE
from ..semantic.text import describe
from ..settings import PYTHON_VERSION

if TYPE_CHECKING:
    from ..semantic.context import Context

ASYNCIO_TASKS_DOC = "https://docs.python.org/3/library/asyncio-task.html"

PREFER_TASKGROUP = declare(
    code="AIO104",
    async_only=True,
    name="prefer-taskgroup",
    default_enabled=False,
    min_python=TASKGROUP_PYTHON,
    message=(
        "'{call}' over tasks made with create_task in '{function}': when one fails the others keep running; use "
        "'async with asyncio.TaskGroup()' (Python 3.11+)"
    ),
    summary=(
        "`asyncio.gather` over tasks created with `create_task`/`ensure_future` in the same "
        "function: two or more task locals, a list/comprehension of tasks, or a list filled with "
        "`append(create_task(...))`, gathered with `*tasks`."
    ),
    why=(
        "If one gathered task raises, `gather` propagates the exception but leaves the other "
        "tasks running, unowned: they leak, and their own failures go unnoticed. "
        "`asyncio.TaskGroup` cancels the siblings and reports every failure in an "
        "`ExceptionGroup`."
    ),
    example=(
        "import asyncio\n"
        "\n"
        "async def main(task1, task2):\n"
        "    first = asyncio.create_task(task1())\n"
        "    second = asyncio.create_task(task2())\n"
        "    await asyncio.gather(first, second)\n"
    ),
    use_instead=(
        "import asyncio\n"
        "\n"
        "async def main(task1, task2):\n"
        "    async with asyncio.TaskGroup() as tg:\n"
        "        tg.create_task(task1())\n"
        "        tg.create_task(task2())\n"
    ),
    seed='002 "Anti-Patterns to Avoid" §7 Not Using Task Groups; 003 Step 2',
    options=(PYTHON_VERSION,),
    notes=(
        "Off by default: gather is correct when siblings must not be cancelled.",
        "Not reported in code that only runs before 3.11 (`if sys.version_info < (3, 11):` "
        "bodies, the `else` of `>= (3, 11)`), nor at all with `--aio-python-version` below 3.11.",
    ),
    references=(ASYNCIO_TASKS_DOC + "#task-groups",),
)


class PreferTaskGroupChecker(Checker):
    """prefer-taskgroup."""

    rules = (PREFER_TASKGROUP,)
    requires = ((ASYNC_CODE,), ("gather",), SPAWN_WORDS)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.task_lists: set[Binding] = set()  # lists that received tasks through append/add

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ("append", "add")
            and isinstance(func.value, ast.Name)
            and len(node.args) == 1
            and isinstance(node.args[0], ast.Call)
            and is_unowned_task_spawn(ctx, node.args[0])
        ):
            binding = ctx.lookup(func.value.id)
            if binding is not None:
                self.task_lists.add(binding)
            return
        if ctx.qualified_name(func) != GATHER or not ctx.in_async:
            return
        function = ctx.function
        if self._gathers_tasks(node, function) and not only_before(ctx.frame, TASKGROUP_PYTHON, ctx.qualified_name):
            ctx.report(node, PREFER_TASKGROUP, call=describe(node), function=function.name)

    def _gathers_tasks(self, call: ast.Call, function: Scope) -> bool:
        ctx = self.ctx
        tasks = 0
        for arg in call.args:
            if isinstance(arg, ast.Starred):
                if self._is_task_collection(arg.value, function):
                    tasks += 2
                    continue
                return False
            if isinstance(arg, ast.Call) and is_unowned_task_spawn(ctx, arg):
                tasks += 1
                continue
            binding = ctx.binding_of(arg)
            if (
                binding is not None
                and binding.kind is BindingKind.ASSIGN
                and binding.scope.function is function
                and isinstance(binding.value, ast.Call)
                and is_unowned_task_spawn(ctx, binding.value)
            ):
                tasks += 1
                continue
            return False
        return tasks >= 2

    def _is_task_collection(self, expr: ast.AST, function: Scope) -> bool:
        ctx = self.ctx
        if isinstance(expr, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            return isinstance(expr.elt, ast.Call) and is_unowned_task_spawn(ctx, expr.elt)
        if isinstance(expr, (ast.List, ast.Tuple)):
            return bool(expr.elts) and all(isinstance(e, ast.Call) and is_unowned_task_spawn(ctx, e) for e in expr.elts)
        binding = ctx.binding_of(expr)
        if binding is None or binding.scope.function is not function:
            return False
        if binding in self.task_lists:
            return True
        return (
            binding.kind is BindingKind.ASSIGN
            and binding.value is not None
            and self._is_task_collection(binding.value, function)
        )
