"""Two locks taken in opposite orders in one module (inconsistent-lock-order)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..knowledge.inference import kind_of
from ..knowledge.kinds import Kind
from ..registry import declare
from ..semantic.scope import BindingKind, Scope, ScopeKind
from ..semantic.source import LOCK_NAME
from ..semantic.text import describe, last_segment

if TYPE_CHECKING:
    from ..semantic.context import Context

LOCK_KINDS = frozenset(
    {
        Kind.ASYNC_LOCK,
        Kind.ASYNC_SEMAPHORE,
        Kind.ASYNC_CONDITION,
        Kind.THREAD_LOCK,
        Kind.THREAD_SEMAPHORE,
        Kind.THREAD_CONDITION,
    }
)

INCONSISTENT_LOCK_ORDER = declare(
    code="AIO801",
    name="inconsistent-lock-order",
    default_enabled=True,
    message=(
        "'{inner}' is acquired while holding '{outer}' here, but line {other_line} acquires them the "
        "other way round; two tasks interleaving these deadlock: take them in one order everywhere"
    ),
    summary=(
        "Two places in one module that hold one lock while acquiring another, in opposite orders -- "
        "`async with a: async with b:` here, `async with b: async with a:` there (or the same with "
        "`await x.acquire()` before the matching `release()`). Locks are names and `self` attributes "
        "bound to `asyncio.Lock/Semaphore/BoundedSemaphore/Condition()` or `threading.Lock/RLock/"
        "Semaphore/Condition()`, or named `lock`/`*_lock`."
    ),
    why=(
        "If task 1 holds `a` and waits for `b` while task 2 holds `b` and waits for `a`, neither ever "
        "runs again: a deadlock that only shows under load, when the two paths interleave at an "
        "await. The classic cure is a global acquisition order: every path that needs both takes "
        "them in the same order."
    ),
    example=(
        "import asyncio\n\n"
        "accounts_lock = asyncio.Lock()\n"
        "audit_lock = asyncio.Lock()\n\n"
        "async def transfer(db):\n"
        "    async with accounts_lock:\n"
        "        async with audit_lock:\n"
        "            await db.move_money()\n\n"
        "async def report(db):\n"
        "    async with audit_lock:\n"
        "        async with accounts_lock:\n"
        "            await db.summarise()\n"
    ),
    use_instead=(
        "import asyncio\n\n"
        "accounts_lock = asyncio.Lock()\n"
        "audit_lock = asyncio.Lock()\n\n"
        "async def transfer(db):\n"
        "    async with accounts_lock, audit_lock:\n"
        "        await db.move_money()\n\n"
        "async def report(db):\n"
        "    async with accounts_lock, audit_lock:\n"
        "        await db.summarise()\n"
    ),
    seed='000 "Avoiding Deadlocks" (consistent lock ordering)',
    peers="none",
    notes=(
        "Only nested acquisition counts (lexically nested `with`/`async "
        "with`, or a second `acquire()` before the first `release()`); module globals are keyed by "
        "name, `self.x` by (class, name), locals by (function, name); a pair is enough (longer "
        "cycles are not searched). `clock` or `block` are not lock names.",
        "A local made by a call in the function itself (`lock = threading.Lock(); lock.acquire()`) is "
        "a new object on every call, which no other task can be holding: not counted. Parameters and "
        "other locals (closures over them included) are.",
        "Reported once per pair, at the later of the two inner acquisitions; the message gives the line of the other.",
        "Cost: one entry per (held lock, acquired lock) pair seen, each acquisition paired with at "
        "most the 16 innermost locks held -- linear in the number of acquisitions, decided at the "
        "end of the module (`async with` of 1,000 locks in one statement makes 16,000 pairs, not "
        "half a million).",
    ),
    references=("https://docs.python.org/3/library/asyncio-sync.html#asyncio.Lock",),
)

_PAIRED_DEPTH = 16  # a lock is paired with the innermost 16 held: no quadratic blow-up on long lists
LockKey = tuple  # ("global", name) | ("attr", class node, name) | ("local", function node, name)


class LockOrderChecker(Checker):
    """inconsistent-lock-order: a per-function stack of held locks feeds a module-wide map of
    ordered pairs, compared at the end of the module."""

    rules = (INCONSISTENT_LOCK_ORDER,)
    # a lock is named so (decision 17) or made by a class named ``...Lock``/``...Semaphore``/``...Condition``
    requires = ((LOCK_NAME, "Lock", "Semaphore", "Condition"),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.held: dict[Scope, list[tuple[LockKey, ast.AST]]] = {}  # function -> locks held (with/acquire)
        self.pairs: dict[tuple[LockKey, LockKey], tuple[ast.AST, str, str]] = {}  # (outer, inner) -> place

    # --- what is a lock --------------------------------------------------------------------
    def _key(self, expr: ast.AST) -> LockKey | None:
        ctx = self.ctx
        name = last_segment(expr)
        if name is None:
            return None
        lowered = name.lower()
        named = lowered == "lock" or lowered.endswith("_lock")
        if not named and kind_of(ctx, expr) not in LOCK_KINDS:
            return None
        if isinstance(expr, ast.Name):
            binding = ctx.lookup(expr.id)
            if binding is None or binding.scope.kind is ScopeKind.MODULE:
                return ("global", expr.id)
            if binding.kind is BindingKind.ASSIGN and isinstance(binding.value, ast.Call):
                return None  # made in this call of the function: no other task holds it
            return ("local", binding.scope.node, expr.id)
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls"):
            owner = ctx.instance_class(expr.value)  # also from functions nested in the method
            return ("attr", owner.node, expr.attr) if owner is not None else None
        return None

    # --- acquisitions ----------------------------------------------------------------------
    def _acquire(self, key: LockKey, expr: ast.AST, place: ast.AST) -> None:
        stack = self.held.setdefault(self.ctx.function, [])
        for outer_key, outer_expr in stack[-_PAIRED_DEPTH:]:
            if outer_key != key:
                self.pairs.setdefault((outer_key, key), (place, describe(outer_expr), describe(expr)))
        stack.append((key, expr))

    def _release(self, key: LockKey) -> None:
        stack = self.held.get(self.ctx.function)
        if stack:
            for index in range(len(stack) - 1, -1, -1):
                if stack[index][0] == key:
                    del stack[index]
                    return

    def _enter(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            key = self._key(item.context_expr)
            if key is not None:
                self._acquire(key, item.context_expr, node)

    def _leave(self, node: ast.With | ast.AsyncWith) -> None:
        for item in reversed(node.items):
            key = self._key(item.context_expr)
            if key is not None:
                self._release(key)

    visit_With = visit_AsyncWith = _enter
    leave_With = leave_AsyncWith = _leave

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if not isinstance(func, ast.Attribute) or func.attr not in ("acquire", "release"):
            return
        key = self._key(func.value)
        if key is None:
            return
        if func.attr == "acquire":
            self._acquire(key, func.value, node)
        else:
            self._release(key)

    def function_end(self, scope: Scope) -> None:
        self.held.pop(scope, None)

    def module_end(self) -> None:
        for (outer, inner), (place, outer_text, inner_text) in self.pairs.items():
            other = self.pairs.get((inner, outer))
            if other is None:
                continue
            other_place = other[0]
            if (place.lineno, place.col_offset) < (other_place.lineno, other_place.col_offset):
                continue  # reported once, at the later place
            self.ctx.report(
                place, INCONSISTENT_LOCK_ORDER, inner=inner_text, outer=outer_text, other_line=str(other_place.lineno)
            )
