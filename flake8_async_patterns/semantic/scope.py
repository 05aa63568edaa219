"""Scopes and bindings: what the traversal records about names, one object per scope and binding.

Bindings are flow-sensitive: a name resolves to its latest binding in traversal order.  Function
bodies are traversed after the code around them (as pyflakes does), so by the time a body is
walked every module-level, class-level and enclosing-function binding is final -- the state a
function sees when it is called.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .symbols import Symbol

if TYPE_CHECKING:
    from .frames import Frame


class ScopeKind:
    MODULE = Symbol("module")
    CLASS = Symbol("class")
    FUNCTION = Symbol("function")
    LAMBDA = Symbol("lambda")
    COMPREHENSION = Symbol("comprehension")


class BindingKind:
    IMPORT = Symbol("import")
    DEF = Symbol("def")
    CLASSDEF = Symbol("class")
    ASSIGN = Symbol("assign")
    PARAM = Symbol("param")
    LOOPVAR = Symbol("loop")
    WITH = Symbol("with")
    UNPACK = Symbol("unpack")
    OTHER = Symbol("other")
    DELETED = Symbol("deleted")


StatementMembers = Callable[[list], "set[int]"]  # a statement list -> ids of its statements
UNINFERRED = object()
_NO_NAMES: frozenset[str] = frozenset()
_NO_ENTRIES: Mapping = MappingProxyType({})  # ``Binding.inferred`` before the knowledge layer has looked at the binding

# Statement-list fields of compound statements, in source order.
STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")
_DEFINITIONS = frozenset({BindingKind.DEF, BindingKind.CLASSDEF, BindingKind.IMPORT})


class Scope:
    """A Python scope.  ``function`` is the function-like scope that owns facts such as "contains
    an await" (a comprehension reports to the function it runs in, a class body to the function
    or module around it); at module level it is the module scope itself.

    Comprehensions and class bodies run at once, where they stand: their ``async_context`` is
    that of the enclosing scope (a class defined inside a coroutine runs its body inside the
    coroutine).  The methods of a class run when called, each in a scope of its own.

    (A plain slotted class rather than a dataclass, like the other per-file records: a
    dataclass costs about a millisecond to create at import, which every flake8 run pays.)
    """

    __slots__ = (
        "async_context",
        "attrs",
        "bindings",
        "exit_lines",
        "frame",
        "function",
        "globals",
        "has_await",
        "has_yield",
        "history",
        "kind",
        "node",
        "nonlocals",
        "parent",
    )

    def __init__(self, kind: ScopeKind, node: ast.AST, parent: Scope | None, frame: Any = None) -> None:
        self.kind = kind
        self.node = node
        self.parent = parent
        self.frame = frame  # the engine frame of ``node``
        self.bindings: dict[str, Binding] = {}
        # The rarely filled collections start as one shared empty value each (most scopes --
        # comprehensions, small functions -- never need their own); the ``add_*`` methods below
        # give a scope its own on the first write.
        self.globals: AbstractSet[str] = _NO_NAMES
        self.nonlocals: AbstractSet[str] = _NO_NAMES
        self.attrs: Mapping[str, list[Binding]] = _NO_ENTRIES  # class scopes: self.<name> assignments
        # Names with a watched binding: every binding of the name from the first watched one on.
        self.history: Mapping[str, list[Binding]] = _NO_ENTRIES
        self.exit_lines: Sequence[int] = ()  # function scopes: lines of return/raise
        self.has_yield = False
        self.has_await = False
        self.async_context: bool
        self.function: Scope
        if kind is ScopeKind.FUNCTION:
            self.async_context = isinstance(node, ast.AsyncFunctionDef)
            self.function = self
        elif kind is ScopeKind.LAMBDA or parent is None:
            self.async_context = False
            self.function = self
        else:  # comprehensions and class bodies
            self.async_context = parent.async_context
            self.function = parent.function

    def add_globals(self, names: Iterable[str]) -> None:
        self.globals = {*self.globals, *names}

    def add_nonlocals(self, names: Iterable[str]) -> None:
        self.nonlocals = {*self.nonlocals, *names}

    def add_attr(self, name: str, binding: Binding) -> None:
        if self.attrs is _NO_ENTRIES:
            self.attrs = {}
        self.attrs.setdefault(name, []).append(binding)  # type: ignore[attr-defined]

    def history_of(self, name: str) -> list[Binding]:
        """The (watched) binding history of ``name``, started if need be."""
        if self.history is _NO_ENTRIES:
            self.history = {}
        return self.history.setdefault(name, [])  # type: ignore[attr-defined]

    def add_exit(self, line: int) -> None:
        if not self.exit_lines:
            self.exit_lines = []
        self.exit_lines.append(line)  # type: ignore[attr-defined]

    @property
    def name(self) -> str:
        return getattr(self.node, "name", "<lambda>" if self.kind is ScopeKind.LAMBDA else "<module>")

    @property
    def is_async_def(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)

    @property
    def is_method(self) -> bool:
        return self.kind is ScopeKind.FUNCTION and self.parent is not None and self.parent.kind is ScopeKind.CLASS

    def inside_coroutine(self) -> bool:
        """Whether an ``async def`` encloses this scope (itself excluded)."""
        scope = self.parent
        while scope is not None:
            if scope.kind is ScopeKind.FUNCTION and scope.is_async_def:
                return True
            scope = scope.parent
        return False

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<Scope {self.kind.value} {self.name}>"


class Binding:
    """One binding of a name in a scope."""

    __slots__ = (
        "_block",
        "alternative",
        "annotation",
        "conflicting",
        "frame",
        "func_scope",
        "index",
        "inferred",
        "is_async_with",
        "kind",
        "loads",
        "name",
        "node",
        "qualname",
        "scope",
        "value",
    )

    def __init__(
        self,
        name: str,
        kind: BindingKind,
        node: ast.AST | None,
        scope: Scope,
        frame: Any = None,
        qualname: str | None = None,
        value: ast.AST | None = None,
        annotation: ast.AST | None = None,
        index: int = -1,
        func_scope: Scope | None = None,
        is_async_with: bool = False,
    ) -> None:
        self.name = name
        self.kind = kind
        self.node = node
        self.scope = scope
        self.frame = frame  # the engine frame of ``node``
        self.qualname = qualname  # imports: the imported dotted name
        self.value = value  # the expression bound (assignment value, ``with`` context, default)
        self.annotation = annotation
        self.index = index  # parameters: position; unpacking: position in the tuple
        self.func_scope = func_scope  # ``def``/``class`` bindings: the scope of the body
        self.is_async_with = is_async_with
        self.loads: list | None = None  # frames of later loads, once watched (``Context.watch``)
        self.conflicting = False  # a def/class/import name also bound to another kind of definition
        # An import in one arm of an ``if`` whose other arm imports the name from elsewhere: (that
        # other import, the ``if`` test, whether this one is in the body)
        self.alternative: tuple[Binding, ast.expr, bool] | None = None
        # What the bound value is, as worked out by the knowledge layer (its memo; see
        # ``knowledge.inference``); ``UNINFERRED`` until asked.
        self.inferred: Any = UNINFERRED
        self._block: tuple | None = None

    @property
    def is_definition(self) -> bool:
        return self.kind in _DEFINITIONS

    def statement_block(self, members: StatementMembers) -> tuple[ast.AST | None, set[int] | None]:
        """(holder node, ids of its statement list) for the statement that makes this binding.
        ``members`` gives the ids of a statement list's statements (computed once per list)."""
        if self._block is None:
            block: tuple = (None, None)
            if self.frame is not None:
                child, frame = self.frame[0], self.frame[1]
                while frame is not None:
                    holder = frame[0]
                    if isinstance(child, ast.stmt):
                        for name in STATEMENT_LISTS:
                            statements = getattr(holder, name, None)
                            if isinstance(statements, list) and statements:
                                ids = members(statements)
                                if id(child) in ids:
                                    block = (holder, ids)
                                    break
                        break
                    child, frame = holder, frame[1]
            self._block = block
        return self._block

    def dominates(self, frame: Frame, members: StatementMembers) -> bool:
        """Whether the node of ``frame`` sits later in the statement list of this binding's
        statement (so this binding, made before it, runs on every path to it)."""
        holder, ids = self.statement_block(members)
        if holder is None:
            return False
        child, frame = frame[0], frame[1]
        while frame is not None:
            if frame[0] is holder:
                return id(child) in ids
            child, frame = frame[0], frame[1]
        return False

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<Binding {self.kind.value} {self.name}>"
