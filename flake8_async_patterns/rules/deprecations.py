"""asyncio APIs the target Python deprecates or removes (deprecated-asyncio-api)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.asyncio import decorated_before_311
from ..knowledge.deprecations import (
    ASYNCIO_DEPRECATIONS,
    LOOP_PARAMETER_FUNCTIONS,
    LOOP_PARAMETER_REMOVED,
    NEWEST_KNOWN,
    WHATS_NEW_310,
    WHATS_NEW_311,
    WHATS_NEW_312,
    WHATS_NEW_314_DEPRECATED,
    WHATS_NEW_314_REMOVED,
    Deprecation,
    applies,
    spelled,
)
from ..knowledge.testing import passed_to_expected_failure
from ..registry import declare
from ..semantic.frames import (
    TRY_NODES,
    VersionGate,
    branch_path,
    in_try_handling,
    never_from,
    under_feature_test,
    within_scope,
)
from ..semantic.text import describe, keyword_value
from ..settings import PYTHON_VERSION

if TYPE_CHECKING:
    from ..semantic.context import Context

DEPRECATED_ASYNCIO_API = declare(
    code="AIO306",
    name="deprecated-asyncio-api",
    default_enabled=True,
    raises_or_warns=True,
    options=(PYTHON_VERSION,),
    message="'{name}' is deprecated since Python {deprecated} and removed in {removed}; use {replacement}",
    variants={
        "removed": "'{name}' was removed in Python {removed} (deprecated since {deprecated}); use {replacement}",
        "dropped": "'{name}' was removed in Python {removed}, without a deprecation period; use {replacement}",
        "loop": (
            "'{call}' passes 'loop=', which Python {removed} removed (deprecated since {deprecated}); drop it: "
            "the running loop is used"
        ),
    },
    summary=(
        "An asyncio API that the target Python (`--aio-python-version`; unset: the newest Python the "
        "plugin knows) deprecates or no longer has: `asyncio.iscoroutinefunction` (3.14), the event-loop "
        "policy API (`get_event_loop_policy`, `set_event_loop_policy`, `AbstractEventLoopPolicy`, "
        "`DefaultEventLoopPolicy`, `WindowsSelectorEventLoopPolicy`, `WindowsProactorEventLoopPolicy`; "
        "3.14, removal in 3.16), the child watchers (deprecated 3.12, removed 3.14), `@asyncio.coroutine` "
        "(removed 3.11) and the `loop=` argument of asyncio's functions and primitives (removed 3.10) -- "
        "as `asyncio.X`, through any import spelling, at the import or the reference."
    ),
    why=(
        "A deprecated API warns on every use and then disappears: the removal turns the warning into an "
        "`AttributeError` or `TypeError` the first time the code runs on the new Python. The message "
        "names the version that deprecated or removed it and the replacement; `--aio-python-version` "
        "limits the report to what the oldest Python a project supports already deprecates."
    ),
    example=(
        "import asyncio\nimport sys\n\n"
        "if sys.platform == 'win32':\n"
        "    asyncio.set_event_loop_policy(asyncio.WindowsSelectorEventLoopPolicy())\n"
        "asyncio.run(main())\n"
    ),
    use_instead=(
        "import asyncio\nimport sys\n\n"
        "factory = asyncio.SelectorEventLoop if sys.platform == 'win32' else None\n"
        "asyncio.run(main(), loop_factory=factory)\n"
    ),
    seed='002 "Creating Event Loops Manually"; 003 Step 3',
    peers="none (ruff UP/flake8-async do not track asyncio's deprecations)",
    notes=(
        "Applies in sync and async code alike. `--aio-python-version=3.12` reports only what 3.12 itself "
        "deprecates or lacks (the child watchers, `@asyncio.coroutine`, `loop=`), not 3.14's deprecations.",
        "Each entry is a row of data (name, version deprecated, version removed, replacement, source): "
        "`asyncio.iscoroutinefunction` and the policy API from What's New in 3.14 (Deprecated), the child "
        "watchers from What's New in 3.12 (Deprecated) and 3.14 (Removed; `ThreadedChildWatcher` and "
        "`PidfdChildWatcher` went then without a deprecation period), `@asyncio.coroutine` from 3.11 "
        "(Removed), `loop=` from 3.10 (Removed).",
        "`asyncio.get_event_loop()` is deprecated-get-event-loop's.",
        "In a module that applies `@asyncio.coroutine` (removed in 3.11) -- it fails to import from 3.11 on -- "
        "what 3.11 and later deprecate is not reported (aiopool's `asyncio.iscoroutinefunction`); the "
        "decorator, and `loop=`, are.",
        "A name imported from asyncio is reported once, at the import; `asyncio.X` at each reference.",
        "Code that never runs on the deprecating version -- the body of `if sys.version_info < (3, 14):` "
        "(also `if sys.platform == 'win32' and sys.version_info < (3, 14):`), the `else` of `>= (3, 12)`, "
        "or an operand after a gate that ends the test there (`sys.version_info < (3, 14) and "
        "asyncio.iscoroutinefunction(f)`, `sys.version_info >= (3, 14) or ...`), or what follows an "
        "`if sys.version_info >= (3, 12): ... return` that leaves first on the newer versions (pgqueuer's 3.10-only "
        "policy fallback), or an `except ImportError:` fallback behind an import of the replacement (adrf's `try: "
        "from inspect import iscoroutinefunction` / `except ImportError: from asyncio import iscoroutinefunction`, "
        "and what a function or class defined in that fallback runs: pytest-aio's 3.10 runner class after `from "
        "asyncio import Runner`) "
        "-- is not reported (a module alias, `PY_VERSION = sys.version_info`, gates too, and so does a "
        "module flag storing a comparison, `PY_352 = sys.version_info >= (3, 5, 2)` ... `if not PY_352:`), "
        "nor a removed name where the code never runs on the removing version (`@asyncio.coroutine` under `if "
        "sys.version_info < (3, 11):`, `loop=` in the `else` of `if sys.version_info[0:2] >= (3, 10):`) or "
        "with a fallback for when it is gone (`try: from asyncio "
        "import coroutine` / `except ImportError:`), nor either branch of a feature test "
        "(`if hasattr(inspect, 'markcoroutinefunction'):`): all are compatibility shims. Nor the body of an `if` "
        "whose test is an `and` holding `hasattr(asyncio, 'X')` (`if os.name != 'nt' and hasattr(asyncio, "
        "'SafeChildWatcher'):`), nor an operand after that test in an `and` (`hasattr(asyncio, 'X') and "
        "isinstance(policy, asyncio.X)`), when X is the name used or goes no later than it (HAP-python's "
        "`set_child_watcher` beside `SafeChildWatcher`): that code stops running before the name is gone, and "
        "meanwhile only warns. A test of something else (`hasattr(tool, 'func')`) guards nothing, nor does "
        "it guard the `else`. Nor is `cls = getattr(asyncio, 'WindowsSelectorEventLoopPolicy', None)` with `if cls "
        "is None: return` a shim: the policy calls after it are the program's only way to pick its loop, and on "
        "3.16 that choice silently stops being made (langflow's selector loop for psycopg; reviewers split on "
        "skyvern's Proactor one, which is the default anyway): they are reported.",
        'A deprecated (not yet removed) name inside `with warnings.catch_warnings(action="ignore")` '
        "(without `lineno=`), or "
        "after a statement of a `catch_warnings()` block that ignores every DeprecationWarning "
        '(`warnings.simplefilter("ignore", DeprecationWarning)`, `filterwarnings("ignore", '
        "category=DeprecationWarning)`, no category at all; a message, module or line number narrows "
        "the filter, and then it does not count), is not reported: the block uses it knowingly -- "
        "typically a test of the deprecated behaviour itself. A removed name still is: silencing a "
        "warning does not bring it back.",
        "Nor the callable that the call form of a test's expectation calls, `f` in "
        "`self.assertRaises(TypeError, asyncio.set_event_loop_policy, object())` or "
        "`pytest.warns(DeprecationWarning, f, ...)`, as in the `with` form. Its other arguments are "
        "evaluated before the check starts and are still reported.",
        "A function that is deprecated itself (it warns `DeprecationWarning`, or is decorated `@deprecated`) is "
        "reported like any other: until the project removes it, its callers get the AttributeError once the "
        "name is gone (aio-pika's `iscoroutinepartial()` wraps `asyncio.iscoroutinefunction`, whose drop-in "
        "replacement `inspect.iscoroutinefunction` it could use today).",
    ),
    references=(
        WHATS_NEW_314_DEPRECATED,
        WHATS_NEW_314_REMOVED,
        WHATS_NEW_312,
        WHATS_NEW_311,
        WHATS_NEW_310,
    ),
)


_BEFORE_311 = (3, 10)  # the newest Python a module applying ``@asyncio.coroutine`` runs on
# A ``try`` handling these around a removed name is a fallback for when it is gone.
_FALLBACK_ERRORS = frozenset({"builtins.ImportError", "builtins.ModuleNotFoundError", "builtins.AttributeError"})


class DeprecatedAsyncioApiChecker(Checker):
    """deprecated-asyncio-api: references (``asyncio.X`` attributes, ``from asyncio import X``) and
    ``loop=`` keywords, looked up in the deprecation table."""

    rules = (DEPRECATED_ASYNCIO_API,)
    requires = (("asyncio",),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.before_311 = False  # the module applies ``@asyncio.coroutine``: it runs on 3.10 at most
        self.later: list[tuple[ast.AST, str | None, dict[str, str]]] = []  # deprecated from 3.11 on

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if decorated_before_311(self.ctx, node):
            self.before_311 = True

    visit_AsyncFunctionDef = visit_FunctionDef

    def module_end(self) -> None:
        """A module that applies ``@asyncio.coroutine`` fails to import from 3.11 on: what later
        Pythons deprecate never meets it (the decorator itself is reported)."""
        if not self.before_311:
            for node, variant, fields in self.later:
                self.ctx.report(node, DEPRECATED_ASYNCIO_API, variant, **fields)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in _LAST_SEGMENTS and isinstance(node.ctx, ast.Load):
            qualified = self.ctx.qualified_name(node)
            deprecation = ASYNCIO_DEPRECATIONS.get(qualified) if qualified else None
            if deprecation is not None:
                self._report(node, qualified, deprecation)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level or not (node.module or "").startswith("asyncio"):
            return
        for alias in node.names:
            qualified = self.ctx.canonical(f"{node.module}.{alias.name}")
            deprecation = ASYNCIO_DEPRECATIONS.get(qualified)
            if deprecation is not None:
                self._report(node, qualified, deprecation)

    def visit_Call(self, node: ast.Call) -> None:
        if (
            not node.keywords
            or keyword_value(node, "loop") is None
            or not applies(LOOP_PARAMETER_REMOVED, self._target)
        ):
            return
        ctx = self.ctx
        if ctx.qualified_name(node.func) in LOOP_PARAMETER_FUNCTIONS and not self._gated(LOOP_PARAMETER_REMOVED):
            self.ctx.report(
                node,
                DEPRECATED_ASYNCIO_API,
                "loop",
                call=describe(node),
                removed=spelled(LOOP_PARAMETER_REMOVED.removed),
                deprecated=spelled(LOOP_PARAMETER_REMOVED.deprecated),
            )

    @property
    def _target(self) -> tuple[int, int] | None:
        return self.ctx.settings.python_version

    def _gate(self, expr: ast.AST) -> str | None:
        """The qualified name of ``expr`` in a version test, through a module alias
        (``PY_VERSION = sys.version_info`` ... ``if PY_VERSION <= (3, 13)``)."""
        ctx = self.ctx
        if isinstance(expr, ast.Name):
            binding = ctx.lookup(expr.id)
            if binding is not None and binding.scope is ctx.module and isinstance(binding.value, ast.Attribute):
                return ctx.qualified_name(binding.value)
        return ctx.qualified_name(expr)

    def _stored_test(self, name: ast.Name) -> ast.AST | None:
        """The comparison a module-level flag stores (``PY_352 = sys.version_info >= (3, 5, 2)``
        ... ``if not PY_352:``)."""
        binding = self.ctx.lookup(name.id)
        value = binding.value if binding is not None and binding.scope is self.ctx.module else None
        return value if isinstance(value, ast.Compare) else None

    def _gated(self, deprecation: Deprecation, qualified: str = "") -> bool:
        """The code being handled never meets what the target deprecates or lacks: it sits where
        a version gate (``if sys.version_info < (3, 14):``) or a feature test keeps it from the
        deprecation, or -- the target lacking the API -- from the removal (``if sys.version_info <
        (3, 11): @asyncio.coroutine``, the ``else`` of ``>= (3, 10)`` passing ``loop=``), or in a
        ``try`` whose ``except ImportError`` falls back."""
        ctx = self.ctx
        gate = VersionGate(self._gate, self._stored_test)
        guards = _feature_guards(ctx, qualified, deprecation) if qualified else None
        if never_from(ctx.frame, deprecation.deprecated, gate) or under_feature_test(ctx.frame, guards):
            return True
        if self._behind_replacement(deprecation):
            return True
        removed = deprecation.removed
        return (
            removed is not None
            and (self._target or NEWEST_KNOWN) >= removed
            and (
                never_from(ctx.frame, removed, gate) or in_try_handling(ctx.frame, _FALLBACK_ERRORS, ctx.qualified_name)
            )
        )

    def _behind_replacement(self, deprecation: Deprecation) -> bool:
        """In the ``except ImportError:`` of a ``try`` that imports the replacement first (adrf's ``try:
        from inspect import iscoroutinefunction`` / ``except ImportError: from asyncio import
        iscoroutinefunction``): the replacement exists wherever the deprecation does, so the
        fallback never runs -- nor does a function or class it defines (pytest-aio's 3.10 runner class,
        after ``from asyncio import Runner``)."""
        ctx = self.ctx
        for node, child in branch_path(ctx.frame):
            if not isinstance(node, TRY_NODES) or not any(h is child for h in node.handlers):
                continue
            types = child.type.elts if isinstance(child.type, ast.Tuple) else [child.type]
            if not any(t is not None and ctx.qualified_name(t) in _FALLBACK_ERRORS for t in types):
                continue
            for statement in node.body:
                if isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
                    names = (f"'{statement.module}.{alias.name}" for alias in statement.names)
                    if any(name in deprecation.replacement for name in names):
                        return True
        return False

    def _report(self, node: ast.AST, qualified: str, deprecation: Deprecation) -> None:
        target, ctx = self._target, self.ctx
        if not applies(deprecation, target) or self._gated(deprecation, qualified):
            return
        removed = deprecation.removed
        variant = "removed" if removed is not None and (target or NEWEST_KNOWN) >= removed else None
        if variant and removed == deprecation.deprecated:
            variant = "dropped"
        if (variant is None and self._silenced()) or passed_to_expected_failure(ctx):
            return  # a deliberate use: the code ignores, or a test expects, what it causes
        fields = {
            "name": qualified,
            "deprecated": spelled(deprecation.deprecated),
            "removed": spelled(removed) if removed else "a future version",
            "replacement": deprecation.replacement,
        }
        if deprecation.deprecated > _BEFORE_311:
            self.later.append((node, variant, fields))  # decided once the module's decorators are known
        else:
            self.ctx.report(node, DEPRECATED_ASYNCIO_API, variant, **fields)

    def _silenced(self) -> bool:
        """Inside ``with warnings.catch_warnings(action="ignore")``, or after a statement of a
        ``catch_warnings()`` block that ignores every DeprecationWarning
        (``warnings.simplefilter("ignore", DeprecationWarning)``, ``filterwarnings("ignore")``; no
        category means every warning, a message, module or line number narrows it)."""
        ctx = self.ctx
        for node, child in within_scope(ctx.frame, (ast.With,)):
            for item in node.items:
                call = item.context_expr
                if not (isinstance(call, ast.Call) and ctx.qualified_name(call.func) == _CATCH_WARNINGS):
                    continue
                if _ignores(call, *_CATCH_WARNINGS_SIGNATURE):
                    return True
                for statement in node.body:
                    if statement is child:
                        break  # a filter set after the use does not cover it
                    value = statement.value if isinstance(statement, ast.Expr) else None
                    signature = _FILTERS.get(ctx.qualified_name(value.func)) if isinstance(value, ast.Call) else None
                    if signature is not None and _ignores(value, *signature):
                        return True
        return False


def _feature_guards(ctx: Context, used: str, deprecation: Deprecation) -> Callable[[ast.Call], bool]:
    """Which ``hasattr(M, "Y")`` tests keep a use of ``used`` from running where it is gone: the
    name itself, or an asyncio name removed no later (``hasattr(asyncio, "SafeChildWatcher")``
    guards ``asyncio.set_child_watcher``, both removed in 3.14).  A test of something else
    (``hasattr(tool, "func")``) guards nothing."""

    def guards(call: ast.Call) -> bool:
        if len(call.args) != 2 or not isinstance(call.args[1], ast.Constant) or not isinstance(call.args[1].value, str):
            return False
        tested = f"{ctx.qualified_name(call.args[0])}.{call.args[1].value}"
        if tested == used:
            return True
        other = ASYNCIO_DEPRECATIONS.get(tested)
        return (
            other is not None
            and other.removed is not None
            and deprecation.removed is not None
            and other.removed <= deprecation.removed
        )

    return guards


_CATCH_WARNINGS = "warnings.catch_warnings"
# Each call's signature: its positional parameters, and the parameters that restrict what it
# ignores.  ``catch_warnings``' other parameters are keyword-only, and its ``module`` is the
# warnings module to use, not a restriction.
_CATCH_WARNINGS_SIGNATURE = (("record",), ("lineno",))
_FILTERS = {
    "warnings.simplefilter": (("action", "category", "lineno", "append"), ("lineno",)),
    "warnings.filterwarnings": (
        ("action", "message", "category", "module", "lineno", "append"),
        ("message", "module", "lineno"),
    ),
}
_DEPRECATION_WARNINGS = frozenset({"DeprecationWarning", "Warning"})  # the class and its base


def _ignores(call: ast.Call, parameters: tuple[str, ...], narrowing: tuple[str, ...]) -> bool:
    """Whether ``call`` (a filter, or ``catch_warnings``, with these positional and restricting
    parameters) ignores every DeprecationWarning: action ``"ignore"``, the category absent,
    DeprecationWarning or Warning, no restriction (an empty message or module pattern, line 0),
    nothing passed through ``*``/``**``."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return False
    given = dict(zip(parameters, call.args, strict=False))  # fewer arguments than parameters
    given.update((k.arg, k.value) for k in call.keywords)
    action, category = given.get("action"), given.get("category")
    if not (isinstance(action, ast.Constant) and action.value == "ignore"):
        return False
    if any(
        not (isinstance(given[name], ast.Constant) and given[name].value in ("", 0))
        for name in narrowing
        if name in given
    ):
        return False
    return category is None or (isinstance(category, ast.Name) and category.id in _DEPRECATION_WARNINGS)


_LAST_SEGMENTS = frozenset(name.rpartition(".")[2] for name in ASYNCIO_DEPRECATIONS)
