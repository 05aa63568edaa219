"""Test frameworks: blocks in which a test expects the code to raise or warn."""

from __future__ import annotations

import ast

from ..semantic.context import Context

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
# unittest's ``self.assertRaises(...)``/``self.assertWarns(...)`` (and the ``Regex`` variants).
EXPECTED_FAILURE_METHOD_PREFIXES = ("assertRaises", "assertWarns")


def note_expected_failure(ctx: Context, node: ast.With) -> None:
    """Tell the context when a ``with`` block is one a test expects to raise or warn."""
    for item in node.items:
        call = item.context_expr
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        if (isinstance(func, ast.Attribute) and func.attr.startswith(EXPECTED_FAILURE_METHOD_PREFIXES)) or (
            ctx.qualified_name(func) in EXPECTED_FAILURE_CONTEXTS
        ):
            ctx.expect_failure(node)
            return
