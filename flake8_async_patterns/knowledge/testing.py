"""Test frameworks: blocks in which a test expects the code to raise or warn."""

from __future__ import annotations

import ast

from ..semantic.context import Context
from ..semantic.scope import BindingKind, Scope

# Context managers whose body is expected to raise or warn.
EXPECTED_FAILURE_CONTEXTS = frozenset(
    {
        "pytest.raises",
        "pytest.warns",
        "pytest.deprecated_call",
        "test.support.warnings_helper.check_warnings",
        "test.support.check_warnings",
    }
)
# Decorators of pytest fixtures (``@pytest.fixture``, ``@pytest.fixture(scope=...)``, pytest-asyncio's).
FIXTURE_DECORATORS = frozenset({"pytest.fixture", "pytest_asyncio.fixture"})
# unittest's ``self.assertRaises(...)``/``self.assertWarns(...)`` (and the ``Regex`` variants).
EXPECTED_FAILURE_METHOD_PREFIXES = ("assertRaises", "assertWarns")


def _expects_failure(ctx: Context, call: ast.Call) -> bool:
    """``pytest.raises(...)``, ``self.assertRaises(...)``, ``self.assertWarns(...)`` and the like."""
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr.startswith(EXPECTED_FAILURE_METHOD_PREFIXES)) or (
        ctx.qualified_name(func) in EXPECTED_FAILURE_CONTEXTS
    )


def note_expected_failure(ctx: Context, node: ast.With) -> None:
    """Tell the context when a ``with`` block is one a test expects to raise or warn."""
    for item in node.items:
        call = item.context_expr
        if isinstance(call, ast.Call) and _expects_failure(ctx, call):
            ctx.expect_failure(node)
            return


def passed_to_expected_failure(ctx: Context) -> bool:
    """Whether the node being handled is the callable that the call form of those checks calls
    expecting it to raise or warn: ``f`` in ``self.assertRaises(TypeError, f, x)``,
    ``self.assertWarnsRegex(W, "text", f)``, ``pytest.warns(DeprecationWarning, f)`` or
    ``pytest.deprecated_call(f)`` (not an argument evaluated before the check starts)."""
    frame = ctx.frame
    parent = frame[1][0] if frame is not None and frame[1] is not None else None
    if not isinstance(parent, ast.Call) or frame[0] not in parent.args or not _expects_failure(ctx, parent):
        return False
    func = parent.func
    if isinstance(func, ast.Attribute) and func.attr.endswith("Regex"):
        position = 2  # ``assertRaisesRegex(E, pattern, f, ...)``
    elif ctx.qualified_name(func) == "pytest.deprecated_call":
        position = 0  # ``pytest.deprecated_call(f, ...)``
    else:
        position = 1  # ``assertRaises(E, f, ...)``, ``pytest.warns(W, f, ...)``
    return len(parent.args) > position and parent.args[position] is frame[0]


ASYNC_TEST_CASE = "unittest.IsolatedAsyncioTestCase"


def derives_from(ctx: Context, cls: Scope, qualified: str) -> bool:
    """Whether the class of scope ``cls`` derives from the class named ``qualified`` (any import
    spelling), directly or through classes of this module."""
    return any(
        ctx.qualified_name(base, scope.parent) == qualified
        for scope in ctx.class_chain(cls)
        for base in scope.node.bases
    )


# unittest's synchronous TestCase: it calls an ``async def test_*`` and drops the coroutine.
SYNC_TEST_CASES = frozenset({"unittest.TestCase", "unittest.case.TestCase"})
# Test case classes that run ``async def`` tests: unittest's own, and Django's (since 3.1).
ASYNC_RUNNING_TEST_CASES = frozenset(
    {
        ASYNC_TEST_CASE,
        "unittest.async_case.IsolatedAsyncioTestCase",
        *(
            f"django.test.{module}{name}"
            for module in ("", "testcases.")
            for name in ("SimpleTestCase", "TransactionTestCase", "TestCase", "LiveServerTestCase")
        ),
    }
)
# Bases that neither run tests nor stop a class from being a plain TestCase.
NEUTRAL_BASES = frozenset({"builtins.object", "abc.ABC", "typing.Generic"})


def runs_async_tests(ctx: Context, cls: Scope) -> bool | None:
    """For the class of scope ``cls``: False when it is a plain ``unittest.TestCase`` (through
    classes of this module, any import spelling) that does not run ``async def`` tests; True when
    one of its bases runs them; None when it is no TestCase or a base cannot be resolved (an
    imported mixin or framework class: it may run them)."""
    plain = False
    for scope in ctx.class_chain(cls):
        for base in scope.node.bases:
            qualified = ctx.qualified_name(base, scope.parent)
            if qualified in ASYNC_RUNNING_TEST_CASES:
                return True
            if qualified in SYNC_TEST_CASES:
                plain = True
                continue
            binding = ctx.binding_of(base, scope.parent)
            if (binding is None or binding.kind is not BindingKind.CLASSDEF) and qualified not in NEUTRAL_BASES:
                return None
        if scope.node.keywords:
            return None  # ``metaclass=...``: it may change how tests run
    return False if plain else None
