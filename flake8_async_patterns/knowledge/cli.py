"""Command-line frameworks: a command's coroutine runs alone in its program (``asyncio.run`` of one
command), so blocking its event loop delays nothing else."""

from __future__ import annotations

import ast

from ..semantic.context import Context
from ..semantic.frames import in_statement_list, within_scope
from ..semantic.scope import BindingKind, Scope
from ..semantic.text import decorator_target, last_segment
from .inference import kind_of
from .kinds import Kind

TYPER_SUFFIX = "Typer"
# Decorators that make a function a command on their own: ``@click.command()``.
COMMAND_DECORATORS = frozenset(
    {"click.command", "click.group", "asyncclick.command", "asyncclick.group", "cyclopts.command"}
)


# ``@app.command()`` registers a command; cyclopts' ``@app.default`` the command run with no name.
_COMMAND_METHODS = frozenset({"command", "default"})


def is_cli_command(ctx: Context, function: Scope) -> bool:
    """Whether ``function`` is decorated as a command of a command-line app: ``@click.command()``,
    ``@app.command()`` (or cyclopts' ``@app.default``) on a ``typer.Typer``/``cyclopts.App``, on a
    ``click.group``-decorated function, or on an instance of a class named ``...Typer`` (a
    project's Typer subclass), any import spelling.  Decided once per function and file (several
    rules ask)."""
    known = ctx.memo.setdefault("cli_commands", {})
    answer = known.get(function)
    if answer is None:
        answer = known[function] = _is_cli_command(ctx, function)
    return answer


def runs_alone(ctx: Context) -> bool:
    """Whether the code being visited runs alone in its program: in a command-line command's
    coroutine, or in the body of an ``if __name__ == "__main__":`` inside its own function -- a
    debugging path taken only when the module is run as a script (nonebot-plugin-tvseries dumps the
    page it parsed there)."""
    if is_cli_command(ctx, ctx.function):
        return True
    return any(
        _is_main_test(node.test) and in_statement_list(child, node.body)
        for node, child in within_scope(ctx.frame, ast.If)
    )


def _is_main_test(test: ast.expr) -> bool:
    """``__name__ == "__main__"``, either way round."""
    if not isinstance(test, ast.Compare) or len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = (test.left, test.comparators[0])
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and any(
        isinstance(s, ast.Constant) and s.value == "__main__" for s in sides
    )


def _is_cli_command(ctx: Context, function: Scope) -> bool:
    node = function.node
    for decorator in getattr(node, "decorator_list", ()):
        target = decorator_target(decorator)
        if ctx.qualified_name(target, function.parent) in COMMAND_DECORATORS:
            return True
        if (
            isinstance(target, ast.Attribute)
            and target.attr in _COMMAND_METHODS
            and _is_cli_app(ctx, target.value, function.parent)
        ):
            return True
    return False


def _is_cli_app(ctx: Context, expr: ast.AST, scope: Scope | None) -> bool:
    if kind_of(ctx, expr, scope) is Kind.CLI_APP:
        return True
    binding = ctx.binding_of(expr, scope)  # ``@click.group() def cli(): ...`` then ``@cli.command()``
    if binding is not None and binding.kind is BindingKind.ASSIGN and isinstance(binding.value, ast.Call):
        # A project's own Typer subclass (``app = ProjectTyper(...)``): the name says what it is.
        return (last_segment(binding.value.func) or "").endswith(TYPER_SUFFIX)
    if binding is None or binding.kind is not BindingKind.DEF:
        return False
    return any(
        ctx.qualified_name(decorator_target(d), binding.scope) in COMMAND_DECORATORS
        for d in binding.node.decorator_list
    )
