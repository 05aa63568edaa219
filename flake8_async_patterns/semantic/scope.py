"""Scopes and bindings: what the traversal records about names, one object per scope and binding.

Bindings are flow-sensitive: a name resolves to its latest binding in traversal order.  Function
bodies are traversed after the code around them (as pyflakes does), so by the time a body is
walked every module-level, class-level and enclosing-function binding is final -- the state a
function sees when it is called.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class ScopeKind(enum.Enum):
    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    LAMBDA = "lambda"
    COMPREHENSION = "comprehension"


class BindingKind(enum.Enum):
    IMPORT = "import"
    DEF = "def"
    CLASSDEF = "class"
    ASSIGN = "assign"
    PARAM = "param"
    LOOPVAR = "loop"
    WITH = "with"
    UNPACK = "unpack"
    OTHER = "other"
    DELETED = "deleted"


StatementMembers = Callable[[list], "set[int]"]  # a statement list -> ids of its statements
UNINFERRED = object()  # ``Binding.inferred`` before the knowledge layer has looked at the binding

# Statement-list fields of compound statements, in source order.
STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")
_DEFINITIONS = frozenset({BindingKind.DEF, BindingKind.CLASSDEF, BindingKind.IMPORT})


@dataclass(slots=True, eq=False)
class Scope:
    """A Python scope.  ``function`` is the function-like scope that owns facts such as "contains
    an await" (a comprehension reports to the function it runs in, a class body to the function
    or module around it); at module level it is the module scope itself.

    Comprehensions and class bodies run at once, where they stand: their ``async_context`` is
    that of the enclosing scope (a class defined inside a coroutine runs its body inside the
    coroutine).  The methods of a class run when called, each in a scope of its own.
    """

    kind: ScopeKind
    node: ast.AST
    parent: Scope | None
    frame: Any = None  # the engine frame of ``node``
    bindings: dict[str, Binding] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)
    attrs: dict[str, list[Binding]] = field(default_factory=dict)  # class scopes: self.<name> assignments
    # Names with a watched binding: every binding of the name from the first watched one on.
    history: dict[str, list[Binding]] = field(default_factory=dict)
    exit_lines: list[int] = field(default_factory=list)  # function scopes: lines of return/raise
    has_yield: bool = False
    has_await: bool = False
    async_context: bool = field(init=False)
    function: Scope = field(init=False)

    def __post_init__(self) -> None:
        kind, parent = self.kind, self.parent
        if kind is ScopeKind.FUNCTION:
            self.async_context = isinstance(self.node, ast.AsyncFunctionDef)
            self.function = self
        elif kind is ScopeKind.LAMBDA or parent is None:
            self.async_context = False
            self.function = self
        else:  # comprehensions and class bodies
            self.async_context = parent.async_context
            self.function = parent.function

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


@dataclass(slots=True, eq=False)
class Binding:
    """One binding of a name in a scope."""

    name: str
    kind: BindingKind
    node: ast.AST | None
    scope: Scope
    frame: Any = None  # the engine frame of ``node``
    qualname: str | None = None  # imports: the imported dotted name
    value: ast.AST | None = None  # the expression bound (assignment value, ``with`` context, default)
    annotation: ast.AST | None = None
    index: int = -1  # parameters: position; unpacking: position in the tuple
    func_scope: Scope | None = None  # ``def``/``class`` bindings: the scope of the body
    is_async_with: bool = False
    loads: list | None = None  # frames of later loads, once watched (``Context.watch``)
    conflicting: bool = False  # a def/class/import name also bound to another kind of definition
    # What the bound value is, as worked out by the knowledge layer (its memo; see
    # ``knowledge.inference``); ``UNINFERRED`` until asked.
    inferred: Any = UNINFERRED
    _block: tuple | None = None

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

    def dominates(self, frame, members: StatementMembers) -> bool:
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
