"""Per-file facts, kept up to date by the engine during its single traversal.

The context knows where the traversal stands (``scope``, ``frame``), every binding made so far,
and what a name or attribute chain refers to through imports (``qualified_name``).  It knows no
library: the knowledge layer asks it questions and keeps its own memo in ``memo``.
"""

from __future__ import annotations

import ast
import builtins
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from .frames import Frame, branch_arms
from .scope import Binding, BindingKind, Scope, ScopeKind
from .source import defines_coroutines
from .text import MAX_CHAIN

if TYPE_CHECKING:
    from ..registry import Rule
    from ..settings import Settings

_BUILTINS = frozenset(dir(builtins))
_IMPORT, _DEF, _CLASSDEF, _DELETED = BindingKind.IMPORT, BindingKind.DEF, BindingKind.CLASSDEF, BindingKind.DELETED
_MODULE, _CLASS = ScopeKind.MODULE, ScopeKind.CLASS
TYPE_CHECKING_NAMES = frozenset({"typing.TYPE_CHECKING", "typing_extensions.TYPE_CHECKING"})
_TYPE_CHECKING = "TYPE_CHECKING"
_MAX_TEST_DEPTH = 16  # nested ``and``/``or`` levels an ``if`` test is followed through


def _same(name: str) -> str:
    return name


def _unknown_exports(module: str) -> None:
    return None


class Context:
    """Per-file facts.  One instance per linted file; nothing outlives it."""

    def __init__(
        self,
        tree: ast.AST,
        settings: Settings,
        results: list,
        canonical: Callable[[str], str] = _same,
        star_exports: Callable[[str], frozenset[str] | None] | None = None,
        text: str | None = None,
    ) -> None:
        self.tree = tree
        self.text = text  # the file's source, when the caller gave it
        self.settings = settings
        self.results = results
        self.canonical = canonical  # folds internal module paths onto their public spelling
        # ``from module import *`` (module level, in order), and what such a module exports when
        # known (None when not)
        self.star_imports: list[str] = []
        self.star_exports = star_exports or _unknown_exports
        self.module = Scope(_MODULE, tree, None)
        self.scope = self.module
        self.frame: Frame | None = None  # the frame of the node being handled
        self.deferred: deque[Scope] = deque()  # function bodies still to walk
        self.watched_names: set[str] = set()
        # ``await`` expressions, ``async for``/``async with`` statements and async comprehensions
        # walked so far in this file: a rule compares two readings to know whether a block has an
        # await point of its own.
        self.await_points = 0
        self._qualified: dict[ast.AST, str | None] = {}
        self._coroutines: bool | None = None  # whether the file has an ``async def``, read when first asked
        # Line ranges of blocks that a test expects to fail (``with pytest.raises(...)``): rules
        # whose mistake raises or warns are not reported there.
        self.expected_failures: list[tuple[int, int]] = []
        # Arms of ``if`` statements that never run: (first line, last line, the module constants
        # deciding it).  Findings there are dropped at the end.
        self.dead_arms: list[tuple[int, int, list[Binding]]] = []
        self.muted: set[str] = set()  # codes whose findings in this file are dropped at the end (``mute``)
        self.memo: dict[str, Any] = {}  # per-file scratch space of the knowledge layer
        self._members: dict[int, set[int]] = {}  # id(statement list) -> ids of its statements

    # --- reporting -------------------------------------------------------------------------
    def report(self, node: ast.AST, rule: Rule, variant: str | None = None, **fields: str) -> None:
        if not self.settings.wants(rule):
            return
        line = node.lineno
        if rule.raises_or_warns:
            for start, end in self.expected_failures:
                if start <= line <= end:
                    return
        self.results.append((line, node.col_offset, rule.render(variant, **fields)))

    def constant_test(self, node: ast.If) -> None:
        """``if _IS_SYNC:`` / ``if not _IS_SYNC and x:`` on a module constant bound to ``True`` or
        ``False`` (pymongo's generated sync and async twins), ``if TYPE_CHECKING:``, or a literal
        ``if True:`` / ``if False:``: one arm never runs."""
        test = node.test
        kind = type(test)
        if kind is ast.Name:  # the common ``if x:``: only a module name can be a constant
            if test.id not in self.module.bindings and test.id != _TYPE_CHECKING:
                return
        elif kind is ast.Attribute:
            if test.attr != _TYPE_CHECKING:
                return
        elif kind is not ast.UnaryOp and kind is not ast.BoolOp and kind is not ast.Constant:
            return  # a comparison or a call: never a constant
        deciding: list[Binding] = []
        value = self._constant(test, deciding)
        if value is None:
            return
        arm = node.orelse if value else node.body
        if arm:
            self.dead_arms.append((arm[0].lineno, arm[-1].end_lineno or arm[-1].lineno, deciding))

    def _constant(self, test: ast.expr, deciding: list[Binding], depth: int = 0) -> bool | None:
        """The value of ``test`` when module constants decide it (their bindings go to
        ``deciding``), else None.  ``not`` chains are unwound in a loop, nested ``and``/``or``
        followed a few levels only: no depth of nesting can exhaust the stack."""
        negated = False
        while type(test) is ast.UnaryOp and type(test.op) is ast.Not:
            test, negated = test.operand, not negated
        value = None
        kind = type(test)
        if kind is ast.BoolOp and depth < _MAX_TEST_DEPTH:
            # an operand equal to ``decisive`` decides ``and`` (False) / ``or`` (True)
            decisive = type(test.op) is ast.Or
            if any(self._constant(v, deciding, depth + 1) is decisive for v in test.values):
                value = decisive
        elif kind is ast.Name:
            binding = self.lookup(test.id) if test.id in self.module.bindings else None
            if binding is not None and binding.scope is self.module and type(binding.value) is ast.Constant:
                if type(binding.value.value) is bool:
                    deciding.append(binding)
                    value = binding.value.value
            elif test.id == _TYPE_CHECKING and self.qualified_name(test) in TYPE_CHECKING_NAMES:
                value = False
        elif kind is ast.Attribute and test.attr == _TYPE_CHECKING and self.qualified_name(test) in TYPE_CHECKING_NAMES:
            value = False
        elif kind is ast.Constant and type(test.value) is bool:  # ``if True:  # ASYNC`` (psycopg's generated twins)
            value = test.value
        return None if value is None else value is not negated

    def drop_dead_findings(self) -> None:
        """Drop the findings in arms that never run (their constants never rebound after all), and
        those of muted rules."""
        module = self.module.bindings
        arms = [
            (start, end) for start, end, deciding in self.dead_arms if all(module.get(b.name) is b for b in deciding)
        ]
        if arms:
            self.results[:] = [r for r in self.results if not any(start <= r[0] <= end for start, end in arms)]
        if self.muted:
            self.results[:] = [r for r in self.results if r[2].partition(" ")[0] not in self.muted]

    def mute(self, rules: Iterable[Rule]) -> None:
        """Whatever ``rules`` report in this file -- before or after this call -- is dropped at the end:
        a fact found anywhere in the file (a coroutine trampoline) says their harm cannot happen here."""
        self.muted.update(rule.code for rule in rules)

    def expect_failure(self, node: ast.stmt) -> None:
        """The block of ``node`` is expected to raise or warn (a test says so)."""
        self.expected_failures.append((node.lineno, node.end_lineno or node.lineno))

    # --- position --------------------------------------------------------------------------
    @property
    def in_async(self) -> bool:
        """Lexically in an ``async def`` body (comprehensions and class bodies included; nested
        ``def`` and ``lambda`` excluded)."""
        return self.scope.async_context

    @property
    def function(self) -> Scope:
        """The innermost ``def``/``async def``/``lambda`` scope around the current node -- the
        module scope at module level and in module-level class bodies."""
        return self.scope.function

    def parent(self) -> ast.AST | None:
        """The node enclosing the node being handled."""
        frame = self.frame[1] if self.frame else None
        return frame[0] if frame else None

    def current_position(self) -> tuple[int, int]:
        """(line, column) of the node being handled, or of its nearest ancestor with one;
        (1, 0) outside the traversal."""
        frame = self.frame
        while frame is not None:
            line = getattr(frame[0], "lineno", None)
            if line is not None:
                return line, frame[0].col_offset
            frame = frame[1]
        return 1, 0

    # --- bindings --------------------------------------------------------------------------
    def bind(self, binding: Binding) -> Binding:
        scope = binding.scope
        name = binding.name
        if scope.kind is not _MODULE:
            if name in scope.globals:
                scope = binding.scope = self.module
            elif name in scope.nonlocals:
                scope = binding.scope = self.nonlocal_owner(scope, name)
        previous = scope.bindings.get(name)
        if previous is not None and previous.is_definition and binding.is_definition:
            binding.conflicting = (
                previous.kind is not binding.kind
                or (binding.kind is _DEF and type(previous.node) is not type(binding.node))
                or previous.conflicting
            )
            if binding.kind is _IMPORT and previous.kind is _IMPORT and previous.qualname != binding.qualname:
                binding.alternative = _other_arm(previous, binding)
        scope.bindings[name] = binding
        history = scope.history.get(name)
        if history is not None:
            history.append(binding)
        return binding

    @staticmethod
    def nonlocal_owner(scope: Scope, name: str) -> Scope:
        """The enclosing function scope a ``nonlocal name`` refers to: the nearest one binding
        ``name`` (class bodies are skipped, as Python does), else the nearest function."""
        nearest = None
        outer = scope.parent
        while outer is not None and outer.kind is not _MODULE:
            if outer.kind in (ScopeKind.FUNCTION, ScopeKind.LAMBDA):
                if name in outer.bindings:
                    return outer
                nearest = nearest or outer
            outer = outer.parent
        return nearest or scope

    def lookup(self, name: str, scope: Scope | None = None) -> Binding | None:
        """The binding ``name`` refers to from ``scope`` (default: the current scope)."""
        scope = scope or self.scope
        first = True
        while scope is not None:
            if scope.kind is _CLASS and not first:
                scope = scope.parent
                continue
            if scope.kind is not _MODULE and name in scope.globals:
                return self.module.bindings.get(name)
            binding = scope.bindings.get(name)
            if binding is not None:
                return binding if binding.kind is not _DELETED else None
            first = False
            scope = scope.parent
        return None

    def binding_of(self, expr: ast.AST, scope: Scope | None = None) -> Binding | None:
        """The binding a ``Name`` expression refers to; None for anything else."""
        if isinstance(expr, ast.Name):
            return self.lookup(expr.id, scope)
        return None

    def watch(self, binding: Binding) -> None:
        """Record every later load that ``binding`` may reach (as frames) in ``binding.loads``.

        Call it on a binding just made (from a ``bound`` hook).  Branches are respected: after
        ``if c: t = a()`` / ``else: t = b()`` a load of ``t`` is reached by both bindings; a
        rebinding only hides an earlier one from loads in its own statement list.
        """
        if binding.loads is None:
            binding.loads = []
            self.watched_names.add(binding.name)
            if isinstance(binding.node, ast.Name):
                history = binding.scope.history_of(binding.name)
                if not history or history[-1] is not binding:  # ``bind`` may have added it
                    history.append(binding)

    def statement_members(self, statements: list) -> set[int]:
        """The ids of a statement list's statements (computed once per list and file)."""
        key = id(statements)
        members = self._members.get(key)
        if members is None:
            members = self._members[key] = {id(statement) for statement in statements}
        return members

    def record_load(self, name: str, frame: Frame) -> None:
        """A load of a watched name: tell every watched binding it reaches -- the latest binding
        that dominates the load and every binding after it (an earlier one is hidden by it)."""
        binding = self.lookup(name)
        if binding is None:
            return
        history = binding.scope.history.get(name)
        if not history:
            if binding.loads is not None:
                binding.loads.append(frame)
            return
        members = self.statement_members
        start = 0
        for index in range(len(history) - 1, 0, -1):
            if history[index].dominates(frame, members):
                start = index
                break
        for candidate in history[start:]:
            if candidate.loads is not None:
                candidate.loads.append(frame)

    # --- qualified names -------------------------------------------------------------------
    def qualified_name(self, expr: ast.AST, scope: Scope | None = None) -> str | None:
        """The dotted name ``expr`` refers to through imports, or None.

        ``aio.sleep`` after ``import asyncio as aio`` → ``asyncio.sleep``; ``nap`` after
        ``from time import sleep as nap`` → ``time.sleep``; an unshadowed builtin ``open`` →
        ``builtins.open``; a name rebound locally → None.  Cached per node, so the answer is the
        one valid where (and when) the node is first asked about.
        """
        cache = self._qualified
        if expr in cache:
            return cache[expr]
        result = None
        attrs: list[str] = []
        node = expr
        for _ in range(MAX_CHAIN):
            if isinstance(node, ast.Attribute):
                attrs.append(node.attr)
                node = node.value
                continue
            if isinstance(node, ast.Name):
                binding = self.lookup(node.id, scope)
                if binding is None:
                    result = self._unbound(node.id)
                elif binding.kind is _IMPORT:
                    result = (binding if binding.alternative is None else self._arm_import(binding)).qualname
                if result is not None and attrs:
                    result = result + "." + ".".join(reversed(attrs))
            break
        if result is not None:
            result = self.canonical(result)
        cache[expr] = result
        return result

    def _arm_import(self, binding: Binding) -> Binding:
        """``if REST: from requests import Session`` / ``else: from aiohttp import ClientSession as
        Session``: inside a block under the same test (``if REST:`` again, or ``if not REST:``)
        the name is that arm's import; elsewhere the one made last."""
        other, test, in_body = binding.alternative
        wanted = ast.dump(test)
        frame = self.frame
        child = frame[0] if frame else None
        frame = frame[1] if frame else None
        while frame is not None:
            node = frame[0]
            if type(node) is ast.If and child is not node.test:
                negated = type(node.test) is ast.UnaryOp and type(node.test.op) is ast.Not
                tested = ast.dump(node.test.operand if negated else node.test)
                if tested == wanted:
                    body = any(statement is child for statement in node.body) is not negated
                    return binding if body is in_body else other
            child, frame = node, frame[1]
        return binding

    def _unbound(self, name: str) -> str | None:
        """What a name no binding explains refers to: the last star-imported module that exports it
        (``from time import *`` makes ``sleep`` ``time.sleep``; ``from os import *`` rebinds
        ``open``), else -- for a non-builtin name -- the last star-imported module whose exports are
        unknown, else a builtin."""
        unknown = None
        for module in reversed(self.star_imports):
            exports = self.star_exports(module)
            if exports is None:
                unknown = unknown or module
            elif name in exports:
                return f"{module}.{name}"
        if name in _BUILTINS:
            return "builtins." + name
        return f"{unknown}.{name}" if unknown else None

    def origin(self, expr: ast.AST) -> str | None:
        """Qualified name of the callable that produced ``expr``'s value, through local
        bindings: ``loop = asyncio.new_event_loop(); loop`` → ``asyncio.new_event_loop``."""
        for _ in range(8):
            if isinstance(expr, ast.Await):
                expr = expr.value
                continue
            if isinstance(expr, ast.Call):
                return self.qualified_name(expr.func)
            binding = self.binding_of(expr)
            if binding is None or binding.kind not in (BindingKind.ASSIGN, BindingKind.WITH) or binding.value is None:
                return None
            expr = binding.value
            if binding.kind is BindingKind.WITH:
                return self.qualified_name(expr.func) if isinstance(expr, ast.Call) else None
        return None

    @property
    def defines_coroutines(self) -> bool:
        """Whether the file has an ``async def`` (assumed when its text was not given)."""
        if self._coroutines is None:
            self._coroutines = self.text is None or defines_coroutines(self.text)
        return self._coroutines

    # --- self.<attr> -----------------------------------------------------------------------
    def instance_class(self, expr: ast.AST, scope: Scope | None = None) -> Scope | None:
        """The class scope whose instance (or class, for ``cls``) ``expr`` is: the first
        parameter of a method (and of functions nested in it)."""
        if not isinstance(expr, ast.Name):
            return None
        binding = self.lookup(expr.id, scope)
        if binding is None or binding.kind is not BindingKind.PARAM or binding.index != 0:
            return None
        method = binding.scope
        if not method.is_method:
            return None
        for decorator in method.node.decorator_list:
            if self.qualified_name(decorator) == "builtins.staticmethod":
                return None
        return method.parent

    def attribute_bindings(self, expr: ast.Attribute, scope: Scope | None = None) -> list[Binding]:
        """Bindings of ``self.x``: assignments in the class's methods and class-level bindings
        (annotations such as ``session: AsyncSession``)."""
        cls = self.instance_class(expr.value, scope)
        if cls is None:
            return []
        found = list(cls.attrs.get(expr.attr, ()))
        class_level = cls.bindings.get(expr.attr)
        if class_level is not None and class_level.kind in (BindingKind.ASSIGN, BindingKind.OTHER):
            found.append(class_level)
        return found

    def class_chain(self, cls: Scope) -> Iterator[Scope]:
        """The class of scope ``cls`` and the classes of this module it derives from, each once
        (depth first)."""
        seen: set[Scope] = set()
        todo = [cls]
        while todo:
            scope = todo.pop()
            if scope in seen or not isinstance(scope.node, ast.ClassDef):
                continue
            seen.add(scope)
            yield scope
            for base in scope.node.bases:
                binding = self.binding_of(base, scope.parent)
                if binding is not None and binding.kind is _CLASSDEF:
                    todo.append(binding.func_scope)

    def method_binding(self, cls: Scope, name: str) -> Binding | None:
        """``name`` looked up in a class and its same-module base classes (breadth first)."""
        seen: set[Scope] = set()
        todo = deque([cls])
        while todo:
            scope = todo.popleft()
            if scope in seen:
                continue
            seen.add(scope)
            binding = scope.bindings.get(name)
            if binding is not None:
                return binding
            for base in scope.node.bases:
                base_binding = self.lookup(base.id, scope.parent) if isinstance(base, ast.Name) else None
                if base_binding is not None and base_binding.kind is _CLASSDEF:
                    todo.append(base_binding.func_scope)
        return None


def _other_arm(previous: Binding, binding: Binding) -> tuple[Binding, ast.expr, bool] | None:
    """(previous, the test, whether ``binding`` is in the body) when the two imports sit in the
    two arms of one ``if`` (``else`` or ``elif``-free): a flag chooses between them."""
    if previous.frame is None or binding.frame is None:
        return None
    arms = dict(branch_arms(binding.frame))
    for node, in_body in branch_arms(previous.frame):
        if node in arms and arms[node] is not in_body:
            return previous, node.test, arms[node]
    return None
