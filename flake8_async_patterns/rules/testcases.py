"""Test-framework rules: async-test-in-sync-testcase."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.testing import runs_async_tests
from ..registry import declare
from ..semantic.scope import Scope, ScopeKind
from ..semantic.source import ASYNC_CODE
from ..semantic.text import decorator_target

if TYPE_CHECKING:
    from ..semantic.context import Context

ASYNC_TEST_IN_SYNC_TESTCASE = declare(
    code="AIO702",
    name="async-test-in-sync-testcase",
    default_enabled=True,
    message=(
        "'{method}' is an async test in '{cls}', a plain unittest.TestCase: unittest calls it, drops the "
        "coroutine and reports a pass -- the test never runs; derive '{cls}' from "
        "unittest.IsolatedAsyncioTestCase"
    ),
    summary=(
        "An `async def test*` method of a class whose bases resolve -- through classes of the same "
        "module, any import spelling -- to `unittest.TestCase` and not to a test case that runs "
        "coroutines (`unittest.IsolatedAsyncioTestCase`, Django's `SimpleTestCase`/"
        "`TransactionTestCase`/`TestCase`/`LiveServerTestCase`)."
    ),
    why=(
        "`unittest.TestCase` calls each test method and ignores what it returns. An `async def` "
        "test returns a coroutine, which is dropped without ever running: no assertion in it is "
        "checked, the runner counts a pass, and all Python prints is a `RuntimeWarning: coroutine "
        "... was never awaited` (plus, on 3.11+, a `DeprecationWarning` about a test returning a "
        "value) that most test runs hide. The test suite looks green while the test does nothing."
    ),
    example=(
        "import unittest\n\n"
        "class ClientTests(unittest.TestCase):\n"
        "    async def test_fetch(self):\n"
        "        self.assertEqual(await fetch(), 42)\n"
    ),
    use_instead=(
        "import unittest\n\n"
        "class ClientTests(unittest.IsolatedAsyncioTestCase):\n"
        "    async def test_fetch(self):\n"
        "        self.assertEqual(await fetch(), 42)\n"
    ),
    seed='002 "Related Skills" (testing async code); 003 Step 3 ("Test suite" bridge)',
    peers="none (pytest warns at run time for its own test functions, not for unittest classes)",
    notes=(
        "A class with a base that cannot be resolved -- an imported mixin or framework class "
        "(`asynctest.TestCase`, `aiounittest.AsyncTestCase`, a project's base test class from "
        "another module) -- or a `metaclass=` keyword is not reported: it may run coroutines.",
        "A decorated test is reported only when every decorator is one that keeps it a coroutine "
        "function (`unittest.skip*`, `unittest.mock.patch*`, `pytest.mark.*`); any other decorator "
        "(`@async_test`, `@async_to_sync`) may turn it into a plain function that runs the coroutine.",
        "Reported in test files, where it lives: the harm is a test that passes vacuously.",
        "Reported at the `async def` line.",
    ),
    references=(
        "https://docs.python.org/3/library/unittest.html#unittest.IsolatedAsyncioTestCase",
        "https://docs.python.org/3/whatsnew/3.11.html#unittest",
    ),
)

# Decorators that leave an ``async def`` test a coroutine function.
_KEEPS_COROUTINE = ("unittest.skip", "unittest.mock.patch", "pytest.mark.")


class AsyncTestInSyncTestcaseChecker(Checker):
    """async-test-in-sync-testcase: async test methods collected as their bodies end, their
    classes decided at the end of the module (when every base class is known)."""

    rules = (ASYNC_TEST_IN_SYNC_TESTCASE,)
    requires = ((ASYNC_CODE,), ("TestCase",))

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.tests: list[Scope] = []

    def function_end(self, scope: Scope) -> None:
        node = scope.node
        parent = scope.parent
        if (
            isinstance(node, ast.AsyncFunctionDef)
            and node.name.startswith("test")
            and parent is not None
            and parent.kind is ScopeKind.CLASS
            and all(self._keeps_coroutine(d, parent) for d in node.decorator_list)
        ):
            self.tests.append(scope)

    def _keeps_coroutine(self, decorator: ast.expr, where: Scope) -> bool:
        qualified = self.ctx.qualified_name(decorator_target(decorator), where) or ""
        return qualified.startswith(_KEEPS_COROUTINE)

    def module_end(self) -> None:
        verdicts: dict[Scope, bool | None] = {}
        for scope in self.tests:
            cls = scope.parent
            if cls not in verdicts:
                verdicts[cls] = runs_async_tests(self.ctx, cls)
            if verdicts[cls] is False:
                self.ctx.report(scope.node, ASYNC_TEST_IN_SYNC_TESTCASE, method=scope.node.name, cls=cls.node.name)
