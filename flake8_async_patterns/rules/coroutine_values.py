"""Coroutine calls used as if they were their results (coroutine-used-as-value)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.asyncio import COROUTINE_WORDS, CoroutineKind, CoroutineSource, coroutine_source
from ..registry import declare
from ..semantic.text import describe

if TYPE_CHECKING:
    from ..semantic.context import Context
    from ..semantic.frames import Frame

COROUTINE_USED_AS_VALUE = declare(
    code="AIO107",
    name="coroutine-used-as-value",
    default_enabled=True,
    raises_or_warns=True,
    message="coroutine '{call}' is used {use} without 'await': the coroutine object {effect}; add 'await'",
    summary=(
        "A known coroutine call (the provenance of unawaited-coroutine: same-module `async def`s and "
        "async methods, asyncio and library coroutine functions and methods) used directly as a value "
        "that needs its result: an `if`/`while`/`assert`/conditional-expression condition, an operand "
        "of `not`/`and`/`or`, a comparison operand, the iterable of a `for` or comprehension, the base "
        "of a subscript or attribute (`fetch()['id']`, `load().name`), an f-string field, or the "
        "argument of `len`/`list`/`tuple`/`set`/`sorted`/`str`/`int`/`float`/`bool`."
    ),
    why=(
        "Calling a coroutine function only creates a coroutine object; without `await` the body never "
        "runs. Used as a value, that object is always true (`if token_expired(user):` takes the branch "
        "every time), compares unequal to everything, is not iterable or subscriptable (TypeError), has "
        "none of the result's attributes (AttributeError) and formats as `<coroutine object ...>` -- and "
        "Python adds a 'coroutine was never awaited' RuntimeWarning at garbage collection. In untyped code "
        "no type checker sees it."
    ),
    example=(
        "async def token_expired(user): ...\n\n"
        "async def refresh(user):\n"
        "    if token_expired(user):\n"
        "        await user.renew()\n"
    ),
    use_instead=(
        "async def token_expired(user): ...\n\n"
        "async def refresh(user):\n"
        "    if await token_expired(user):\n"
        "        await user.renew()\n"
    ),
    seed='002 "Not Awaiting Coroutines"; 003 Step 2',
    peers=(
        "none in untyped code (mypy's truthy-bool and pyright's reportUnusedCoroutine need types and cover "
        "only some of these uses)"
    ),
    notes=(
        "A coroutine kept in a local and then used as a value (`r = fetch(); r.json()`) is "
        "unawaited-coroutine's, not this rule's: the two never report the same call.",
        "Not reported: the call awaited, handed to a scheduling or consuming call (`create_task`, "
        "`gather`, `run`, `wait_for`, `ensure_future` -- any call but the builtins above), returned, "
        "`asyncio.iscoroutine(...)`, and the coroutine's own methods (`.send()`, `.close()`, `.throw()`, "
        "`cr_*`).",
        "The last operand of `and`/`or` is not tested: it is the expression's value "
        "(`await gather(task or idle())`, nonebot-plugin-admin's coroutine-or-None with a fallback), "
        "and is reported only where that value is itself tested (`if cached or expired():`, `not (a and "
        "expired())`).",
        "Reported at the call.",
    ),
    references=("https://docs.python.org/3/library/asyncio-task.html#coroutines",),
)

# The coroutine object's own API: using it is handling the coroutine, not mistaking it for a result.
_COROUTINE_ATTRIBUTES = frozenset(
    {"send", "throw", "close", "cr_await", "cr_code", "cr_frame", "cr_running", "cr_origin", "cr_suspended"}
)
_CONDITION = ("as a condition", "is always true")
_OPERAND = ("as an operand of 'and'/'or'", "is always true")
_VALUE_PARENTS = frozenset(
    {
        ast.If,
        ast.While,
        ast.Assert,
        ast.IfExp,
        ast.UnaryOp,
        ast.BoolOp,
        ast.Compare,
        ast.For,
        ast.comprehension,
        ast.Subscript,
        ast.Attribute,
        ast.FormattedValue,
        ast.Call,
    }
)
# builtin -> what it does with a coroutine object
_CONSUMERS = {
    **dict.fromkeys(("len", "list", "tuple", "set", "sorted", "int", "float"), "raises TypeError there"),
    "str": "formats as '<coroutine object ...>'",
    "bool": "is always true",
}


class CoroutineUsedAsValueChecker(Checker):
    """coroutine-used-as-value: calls collected where their value is used, decided at the end of the
    module (once every ``async def`` of the module is known to be a coroutine function or not)."""

    rules = (COROUTINE_USED_AS_VALUE,)
    requires = (COROUTINE_WORDS,)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.found: list[tuple[ast.Call, CoroutineSource, str, str]] = []

    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        parent = ctx.frame[1][0]
        if type(parent) not in _VALUE_PARENTS:
            return  # the common case (a statement, an assignment, an await, a keyword): one set lookup
        use = _value_use(node, parent, ctx)
        if use is _OPERAND and node is parent.values[-1] and not _truth_tested(ctx.frame[1]):
            return  # the last operand is the expression's value, not tested: it flows on (``task or idle()``)
        if use is None:
            return
        source = coroutine_source(ctx, node)
        if source is not None and not source.awaitable_context:
            self.found.append((node, source, *use))

    def module_end(self) -> None:
        ctx = self.ctx
        for call, source, use, effect in self.found:
            if source.kind(ctx) is CoroutineKind.COROUTINE:
                ctx.report(call, COROUTINE_USED_AS_VALUE, call=describe(call), use=use, effect=effect)


def _value_use(node: ast.Call, parent: ast.AST | None, ctx: Context) -> tuple[str, str] | None:
    """How ``parent`` uses ``node``'s value, when it needs the result: (how, what goes wrong)."""
    if isinstance(parent, (ast.If, ast.While, ast.Assert, ast.IfExp)):
        return _CONDITION if parent.test is node else None
    if isinstance(parent, ast.UnaryOp):
        return ("as the operand of 'not'", "is always true") if isinstance(parent.op, ast.Not) else None
    if isinstance(parent, ast.BoolOp):
        return _OPERAND
    if isinstance(parent, ast.Compare):
        return ("in a comparison", "compares as itself, never as its result")
    if isinstance(parent, ast.For) or (isinstance(parent, ast.comprehension) and not parent.is_async):
        return ("as the iterable of a loop", "is not iterable (TypeError)") if parent.iter is node else None
    if isinstance(parent, ast.Subscript):
        return ("with a subscript", "cannot be subscripted (TypeError)") if parent.value is node else None
    if isinstance(parent, ast.Attribute) and parent.value is node:
        if parent.attr in _COROUTINE_ATTRIBUTES or parent.attr.startswith("__"):
            return None
        return (f"for its attribute '{parent.attr}'", "has no such attribute (AttributeError)")
    if isinstance(parent, ast.FormattedValue):
        return ("in an f-string", "formats as '<coroutine object ...>'")
    if isinstance(parent, ast.Call) and node in parent.args and isinstance(parent.func, ast.Name):
        name = parent.func.id
        effect = _CONSUMERS.get(name)
        if effect is not None and ctx.qualified_name(parent.func) == f"builtins.{name}":
            return (f"as the argument of '{name}()'", effect)
    return None


def _truth_tested(frame: Frame) -> bool:
    """Whether the value of the expression at ``frame`` is tested for truth: a condition, the
    operand of ``not``, a comprehension's filter, an operand of ``and``/``or`` other than the last --
    or the last one of an ``and``/``or`` whose own value is tested."""
    node, up = frame[0], frame[1]
    while up is not None:
        parent = up[0]
        if not isinstance(parent, ast.BoolOp):
            break
        if node is not parent.values[-1]:
            return True
        node, up = parent, up[1]
    else:
        return False
    if isinstance(parent, (ast.If, ast.While, ast.Assert, ast.IfExp)):
        return parent.test is node
    if isinstance(parent, ast.comprehension):
        return node in parent.ifs
    return isinstance(parent, ast.UnaryOp) and isinstance(parent.op, ast.Not)
