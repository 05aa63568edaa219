"""The main-coroutine exemption for the blocking checkers that report at once."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...checker import Checker
from ...knowledge.asyncio import steps_coroutine_by_hand
from ...knowledge.entry import main_coroutines

if TYPE_CHECKING:
    from ...registry import Rule
    from ...semantic.context import Context
    from ...semantic.scope import Scope


class StartupAwareChecker(Checker):
    """Base of a blocking checker whose findings need nothing but the node: a finding in a
    coroutine that may be the program's main coroutine, before its first await point, waits for
    the module end and is dropped if the coroutine is one (see ``MainCoroutines``); in a module
    that drives its coroutines by hand (:func:`steps_coroutine_by_hand`) nothing is.  A subclass
    that handles calls itself calls ``super().visit_Call(node)``."""

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.main_coroutines = main_coroutines(ctx)
        self.waiting: list[tuple[Scope, ast.AST, Rule, dict[str, str]]] = []

    def leave_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.main_coroutines.defined(node)

    def visit_Call(self, node: ast.Call) -> None:
        self.main_coroutines.called(node)
        if steps_coroutine_by_hand(self.ctx, node):
            self.ctx.mute(self.rules)  # the module's coroutines run with no event loop to block

    def report_blocking(self, node: ast.AST, rule: Rule, **fields: str) -> None:
        startup = self.main_coroutines.startup(self.ctx.function)
        if startup is not None:
            self.waiting.append((startup, node, rule, fields))
        else:
            self.ctx.report(node, rule, **fields)

    def module_end(self) -> None:
        for function, node, rule, fields in self.waiting:
            if not self.main_coroutines.is_main(function):
                self.ctx.report(node, rule, **fields)
