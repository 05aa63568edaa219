"""Imports run on the event loop (blocking-import, off by default)."""

from __future__ import annotations

import ast

from ...knowledge.cli import runs_alone
from ...semantic.context import TYPE_CHECKING_NAMES
from ...semantic.frames import ancestors
from ...semantic.source import ASYNC_CODE
from ...semantic.text import describe
from .declarations import blocking_rule
from .startup import StartupAwareChecker

_IMPORT_FUNCTIONS = frozenset({"importlib.import_module", "builtins.__import__"})

BLOCKING_IMPORT = blocking_rule(
    code="AIO213",
    name="blocking-import",
    default_enabled=False,
    summary=(
        "In async context: `importlib.import_module(...)`, `__import__(...)`, and `import`/`from ... "
        "import` statements in an `async def` body (not under `if TYPE_CHECKING:`)."
    ),
    why=(
        "An import runs on the event loop's thread. The first import of a module finds, reads and "
        "compiles (or unmarshals) its files and runs its top-level code -- milliseconds to seconds for "
        "a large package -- while every other task waits; Home Assistant's run-time detector reports it "
        "among the most common stalls. Import at module level, or in a thread."
    ),
    example="async def render(template):\n    import jinja2\n    return jinja2.Template(template).render()\n",
    use_instead="import jinja2\n\nasync def render(template):\n    return jinja2.Template(template).render()\n",
    peers="none",
    notes=(
        "Off by default: a module already imported costs a dictionary lookup, and deferred imports are "
        "often deliberate (optional dependencies, import cycles). Enable it with "
        "`--extend-select=AIO213` to find the first-import stalls.",
        "Reported at the import statement or call.",
    ),
    references=("https://developers.home-assistant.io/docs/asyncio_blocking_operations/#import_module",),
)


class BlockingImportChecker(StartupAwareChecker):
    """blocking-import: import statements and import calls in async context."""

    rules = (BLOCKING_IMPORT,)
    requires = ((ASYNC_CODE,), ("import",))

    def _in_loop(self) -> bool:
        ctx = self.ctx
        return ctx.in_async and not runs_alone(ctx)

    def visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        if not self._in_loop() or self._type_checking_only():
            return
        names = ", ".join(alias.name for alias in node.names)
        if isinstance(node, ast.Import):
            self._report(node, f"import {names}")
        else:
            self._report(node, f"from {'.' * (node.level or 0)}{node.module or ''} import {names}")

    visit_ImportFrom = visit_Import

    def visit_Call(self, node: ast.Call) -> None:
        super().visit_Call(node)
        if self._in_loop() and self.ctx.qualified_name(node.func) in _IMPORT_FUNCTIONS:
            self._report(node, describe(node))

    def _report(self, node: ast.AST, call: str) -> None:
        self.report_blocking(
            node,
            BLOCKING_IMPORT,
            call=call,
            function=self.ctx.function.name,
            replacement="an import at module level, or 'await asyncio.to_thread(importlib.import_module, ...)'",
        )

    def _type_checking_only(self) -> bool:
        ctx = self.ctx
        for ancestor in ancestors(ctx.frame):
            if isinstance(ancestor, ast.If) and ctx.qualified_name(ancestor.test) in TYPE_CHECKING_NAMES:
                return True
        return False
