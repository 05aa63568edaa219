"""Cancellation swallowed by exception handlers (cancelled-error-not-reraised,
cancellation-swallowed)."""

from __future__ import annotations

import ast

from ..checker import Checker
from ..knowledge.asyncio import CANCELLED_ERROR
from ..registry import Rule, declare
from ..semantic.context import Context
from ..semantic.flow import Outcome, handler_outcomes
from ..semantic.frames import TRY_NODES, in_statement_list, within_scope
from ..semantic.scope import Scope
from ..semantic.source import ASYNC_CODE

ASYNCIO_TASKS_DOC = "https://docs.python.org/3/library/asyncio-task.html"
SEED_CANCELLATION = (
    '002 "Cancellation Handling" and "Anti-Patterns to Avoid" §6 Improper Exception Handling; '
    '003 Step 4 ("Catch CancelledError, clean up, re-raise")'
)
REAP_NOTE = (
    "The cancel-then-reap idiom is not reported: when the function calls `.cancel()` on anything "
    "before the handler (`task.cancel()` then `try: await task` / `except CancelledError: pass`), "
    "the CancelledError it catches is the one it asked for."
)
PATHS_NOTE = (
    "Path by path: `raise` (or `raise e` of the caught name) re-raises; `return`, `break`, "
    "`continue` and falling off the end do not; nor does raising another exception (it replaces "
    "the cancellation), nor a call to a helper, even one that always raises (it is not followed)."
)
AWAIT_NOTE = (
    "Only handlers of a `try` whose body has an await point (`await`, `async for`, `async with`): "
    "without one, the exception cannot be this task's cancellation (a `task.result()` of a "
    "cancelled task raises CancelledError too, and handling that is fine)."
)

CANCELLED_ERROR_NOT_RERAISED = declare(
    code="AIO401",
    name="cancelled-error-not-reraised",
    default_enabled=True,
    async_only=True,
    message=(
        "handler for '{exception}' in async function '{function}' does not re-raise it on every path; "
        "the task then never ends cancelled (timeouts, TaskGroup and shutdown wait on it): end the "
        "handler with 'raise'"
    ),
    variants={
        "replaced": (
            "handler for '{exception}' in async function '{function}' raises another exception instead; "
            "that replaces the cancellation, so the task never ends cancelled: clean up, then 'raise'"
        ),
    },
    summary=(
        "An `except` handler for `asyncio.CancelledError` -- any import spelling, alone, in a tuple, "
        "or in an `except*` group -- in async context, around an await point, with a path that "
        "ends without re-raising it."
    ),
    why=(
        "Cancellation is delivered as a `CancelledError` raised at an await point. A handler that "
        "swallows it turns `task.cancel()` into a no-op the caller cannot see: `asyncio.timeout` "
        "never raises `TimeoutError`, a `TaskGroup` waits forever for a sibling, and shutdown "
        "hangs. The asyncio documentation asks coroutines that catch it to clean up and re-raise."
    ),
    example=(
        "import asyncio\n\n"
        "async def worker(queue, handle):\n"
        "    while True:\n"
        "        try:\n"
        "            item = await queue.get()\n"
        "        except asyncio.CancelledError:\n"
        "            print('stopping')\n"
        "            break\n"
        "        await handle(item)\n"
    ),
    use_instead=(
        "import asyncio\n\n"
        "async def worker(queue, handle):\n"
        "    while True:\n"
        "        try:\n"
        "            item = await queue.get()\n"
        "        except asyncio.CancelledError:\n"
        "            print('stopping')\n"
        "            raise\n"
        "        await handle(item)\n"
    ),
    seed=SEED_CANCELLATION,
    peers="flake8-async ASYNC104 (cancelled-not-raised; trio/anyio wording)",
    notes=(
        PATHS_NOTE,
        AWAIT_NOTE,
        REAP_NOTE,
        "`concurrent.futures.CancelledError` is a different class since Python 3.8 (asyncio's derives "
        "from `BaseException`): a handler for it does not catch a task's cancellation and is not "
        "reported.",
        "A handler that calls `.uncancel()` (Python 3.11+) decides deliberately whether to absorb the "
        "cancellation and is not reported.",
        "Reported at the `except` line.",
    ),
    references=(ASYNCIO_TASKS_DOC + "#task-cancellation", ASYNCIO_TASKS_DOC + "#asyncio.Task.uncancel"),
)

CANCELLATION_SWALLOWED = declare(
    code="AIO402",
    name="cancellation-swallowed",
    default_enabled=True,
    async_only=True,
    message=(
        "'{clause}' in async function '{function}' catches the task's cancellation and does not "
        "re-raise it on every path; add 'raise' to that path, or catch 'Exception' instead"
    ),
    summary=(
        "A bare `except:` or `except BaseException:` (alone or in a tuple) in async context whose "
        "`try` body has an await point, with a path that ends without re-raising."
    ),
    why=(
        "`asyncio.CancelledError` derives from `BaseException`, not `Exception`, precisely so "
        "that `except Exception` lets cancellation through. A bare `except:` or `except "
        "BaseException:` catches it too; unless the handler re-raises, the task survives its "
        "cancellation, and timeouts, task groups and shutdown stop working."
    ),
    example=(
        "import logging\n\n"
        "async def poll(fetch):\n"
        "    try:\n"
        "        return await fetch()\n"
        "    except BaseException:\n"
        "        logging.exception('poll failed')\n"
        "        return None\n"
    ),
    use_instead=(
        "import logging\n\n"
        "async def poll(fetch):\n"
        "    try:\n"
        "        return await fetch()\n"
        "    except Exception:\n"
        "        logging.exception('poll failed')\n"
        "        return None\n"
    ),
    seed=SEED_CANCELLATION,
    peers="flake8-async ASYNC103 (no-reraise-cancelled; trio/anyio wording)",
    notes=(
        PATHS_NOTE,
        "Only when the `try` body has an await point (`await`, `async for`, `async with`): cancellation arrives there.",
        REAP_NOTE,
        "A handler that names `CancelledError` as well is cancelled-error-not-reraised's (AIO401) "
        "finding, not this one's.",
        "Reported at the `except` line.",
    ),
    references=(
        ASYNCIO_TASKS_DOC + "#task-cancellation",
        "https://docs.python.org/3/library/exceptions.html#BaseException",
    ),
)

_BASE_EXCEPTION = "builtins.BaseException"
_LEAVES_WITHOUT_RERAISE = frozenset({Outcome.FALL, Outcome.EXIT, Outcome.BREAK, Outcome.CONTINUE})


def caught(ctx: Context, handler: ast.ExceptHandler) -> set[str]:
    """Qualified names of the exceptions a handler names (``None`` -> bare ``except:``)."""
    if handler.type is None:
        return {_BASE_EXCEPTION}
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return {ctx.qualified_name(t) or "" for t in types}


class CancellationChecker(Checker):
    """cancelled-error-not-reraised and cancellation-swallowed: handlers decided when their
    ``try`` is left, once its body's await points and the function's ``.cancel()`` calls are known."""

    rules = (CANCELLED_ERROR_NOT_RERAISED, CANCELLATION_SWALLOWED)
    requires = ((ASYNC_CODE,), ("except",))

    def __init__(self, ctx):
        super().__init__(ctx)
        self.awaiting: set[ast.AST] = set()  # try statements whose body has an await point
        self.cancelling: dict[Scope, int] = {}  # function -> line of its first ``.cancel()`` call
        self.uncancelling: set[ast.AST] = set()  # handlers that call ``.uncancel()``

    def _await_point(self, node: ast.AST) -> None:
        for try_node, child in within_scope(self.ctx.frame, TRY_NODES):
            if in_statement_list(child, try_node.body):
                self.awaiting.add(try_node)

    visit_Await = visit_AsyncFor = visit_AsyncWith = _await_point

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute):
            return
        if func.attr == "cancel":
            self.cancelling.setdefault(self.ctx.function, node.lineno)
        elif func.attr == "uncancel":
            self.uncancelling.update(handler for handler, _ in within_scope(self.ctx.frame, (ast.ExceptHandler,)))

    def leave_Try(self, node: ast.Try) -> None:
        ctx = self.ctx
        if node not in self.awaiting or not ctx.in_async:
            return
        self.awaiting.discard(node)
        function = ctx.function
        first_cancel = self.cancelling.get(function)
        for handler in node.handlers:
            if first_cancel is not None and first_cancel < handler.lineno:
                continue  # the cancel-then-reap idiom
            if handler in self.uncancelling:
                continue  # decides deliberately whether to absorb the cancellation
            names = caught(ctx, handler)
            if CANCELLED_ERROR in names:
                self._decide(handler, CANCELLED_ERROR_NOT_RERAISED, exception=_spelling(handler))
            elif _BASE_EXCEPTION in names:
                self._decide(handler, CANCELLATION_SWALLOWED, clause=_handler_spelling(handler))

    leave_TryStar = leave_Try

    def _decide(self, handler: ast.ExceptHandler, rule: Rule, **fields: str) -> None:
        ends = handler_outcomes(handler)
        if ends <= {Outcome.RERAISE}:
            return
        variant = None
        if rule is CANCELLED_ERROR_NOT_RERAISED and not ends & _LEAVES_WITHOUT_RERAISE:
            variant = "replaced"  # every path raises, but not the CancelledError
        self.ctx.report(handler, rule, variant, function=self.ctx.function.name, **fields)


def _spelling(handler: ast.ExceptHandler) -> str:
    return ast.unparse(handler.type) if handler.type is not None else "BaseException"


def _handler_spelling(handler: ast.ExceptHandler) -> str:
    return "except:" if handler.type is None else f"except {ast.unparse(handler.type)}:"
