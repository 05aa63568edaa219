"""Facts shared by every rule, maintained during the single traversal.

The engine keeps a :class:`Context` up to date as it walks: the scope stack (module, class,
function, lambda, comprehension scopes), bindings (imports with their qualified names,
assignments with the value that made them, parameters with their annotations, ``self.x``
attributes per class), and whether the current point is *async context* -- lexically inside an
``async def`` body and not inside a nested ``def``, ``lambda`` or class body (comprehensions run
inline and stay async context).

Bindings are flow-sensitive: a name resolves to its latest binding in traversal order.  Function
bodies are traversed after the code around them (as pyflakes does), so by the time a body is
walked every module-level, class-level and enclosing-function binding is final -- which is the
state a function sees when it is called.
"""

from __future__ import annotations

import ast
import builtins
from collections import deque
from typing import TYPE_CHECKING, Iterator

from . import knowledge as K

if TYPE_CHECKING:
    from .registry import Rule
    from .settings import Settings

MODULE, CLASS, FUNCTION, LAMBDA, COMPREHENSION = "module", "class", "function", "lambda", "comprehension"

# binding kinds
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

_BUILTINS = frozenset(dir(builtins))
_UNKNOWN = object()
_MAX_CHAIN = 64  # attribute chains longer than this are not resolved (still linted)
_MAX_KIND_DEPTH = 24  # nested kind inferences (receiver of receiver of ...) before giving up

FunctionNode = (ast.FunctionDef, ast.AsyncFunctionDef)


class Scope:
    """A Python scope.  ``function`` is the enclosing function-like scope that owns facts such as
    "contains an await" (a comprehension reports to the function it runs in)."""

    __slots__ = (
        "kind", "node", "parent", "bindings", "async_context", "function", "globals",
        "nonlocals", "attrs", "has_yield", "has_await", "frame", "decorated", "index", "history",
    )

    def __init__(self, kind: str, node: ast.AST, parent: Scope | None, frame=None, index: int = 0):
        self.kind = kind
        self.node = node
        self.parent = parent
        self.frame = frame
        self.index = index
        self.bindings: dict[str, Binding] = {}
        self.globals: set[str] = set()
        self.nonlocals: set[str] = set()
        self.attrs: dict[str, list[Binding]] = {}  # class scopes: self.<name> assignments
        # For names with a watched binding: every binding of the name from the first watched one on.
        self.history: dict[str, list[Binding]] = {}
        self.has_yield = False
        self.has_await = False
        self.decorated = bool(getattr(node, "decorator_list", None))
        if kind == FUNCTION:
            self.async_context = isinstance(node, ast.AsyncFunctionDef)
            self.function = self
        elif kind == LAMBDA:
            self.async_context = False
            self.function = self
        elif kind == COMPREHENSION:
            self.async_context = parent.async_context if parent else False
            self.function = parent.function if parent else self
        else:  # module, class
            self.async_context = False
            self.function = self if kind == MODULE else (parent.function if parent else self)

    @property
    def name(self) -> str:
        return getattr(self.node, "name", "<lambda>" if self.kind == LAMBDA else "<module>")

    @property
    def is_async_def(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)

    @property
    def is_method(self) -> bool:
        return self.kind == FUNCTION and self.parent is not None and self.parent.kind == CLASS

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<Scope {self.kind} {self.name}>"


class Binding:
    """One binding of a name in a scope."""

    __slots__ = (
        "name", "kind", "node", "scope", "qualname", "value", "annotation", "index",
        "func_scope", "loads", "conflicting", "frame", "_kind_cache", "is_async_with", "_block",
    )

    def __init__(self, name: str, kind: str, node: ast.AST | None, scope: Scope, *, frame=None,
                 qualname: str | None = None, value: ast.AST | None = None,
                 annotation: ast.AST | None = None, index: int = -1,
                 func_scope: Scope | None = None, is_async_with: bool = False):
        self.name = name
        self.kind = kind
        self.node = node
        self.scope = scope
        self.frame = frame
        self.qualname = qualname
        self.value = value
        self.annotation = annotation
        self.index = index
        self.func_scope = func_scope
        self.is_async_with = is_async_with
        self.loads: list | None = None  # frames of later loads, once watched
        self.conflicting = False
        self._kind_cache = _UNKNOWN
        self._block = None

    @property
    def watched(self) -> bool:
        return self.loads is not None

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<Binding {self.kind} {self.name}>"


_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")


def _statement_block(binding: Binding):
    """(holder node, statement list) holding the statement that makes ``binding``."""
    if binding._block is None:
        child, frame = binding.frame[0], binding.frame[1]
        block = (None, None)
        while frame is not None:
            holder = frame[0]
            if isinstance(child, ast.stmt):
                for field in _STATEMENT_LISTS:
                    statements = getattr(holder, field, None)
                    if isinstance(statements, list) and any(s is child for s in statements):
                        block = (holder, statements)
                        break
                break
            child, frame = holder, frame[1]
        binding._block = block
    return binding._block


def _block_contains(binding: Binding, frame) -> bool:
    """Whether the node of ``frame`` sits in the statement list of ``binding``'s statement
    (so ``binding``, which came before, runs on every path to it)."""
    if binding.frame is None:
        return False
    holder, statements = _statement_block(binding)
    if holder is None:
        return False
    child, frame = frame[0], frame[1]
    while frame is not None:
        if frame[0] is holder:
            return any(s is child for s in statements)
        child, frame = frame[0], frame[1]
    return False


def _short_source(node: ast.AST) -> str:
    """``(Path(base) / 'x')`` for a small expression, ``(...)`` for anything bigger."""
    size = 0
    for _ in ast.walk(node):
        size += 1
        if size > 12:
            return "(...)"
    try:
        text = ast.unparse(node)
    except (ValueError, RecursionError):  # pragma: no cover - unparse is total on parsed trees
        return "(...)"
    return f"({text})" if len(text) <= 40 else "(...)"


def describe(expr: ast.AST) -> str:
    """A short readable spelling of an expression for messages: ``self.client.get()``."""
    parts: list[str] = []
    node = expr
    for _ in range(12):
        if isinstance(node, ast.Name):
            parts.append(node.id)
            break
        if isinstance(node, ast.Attribute):
            parts.append("." + node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            parts.append("()")
            node = node.func
        elif isinstance(node, ast.Subscript):
            parts.append("[...]")
            node = node.value
        elif isinstance(node, ast.Await):
            parts.append("(await ...)")
            break
        else:
            parts.append(_short_source(node))
            break
    else:
        parts.append("...")
    return "".join(reversed(parts))


def dotted_name(expr: ast.AST) -> str | None:
    """``a.b.c`` for a pure Name/Attribute chain, else None."""
    parts = []
    node = expr
    for _ in range(_MAX_CHAIN):
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        else:
            return None
    return None


def last_segment(expr: ast.AST) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return None


class Context:
    """Per-file facts.  One instance per linted file; nothing outlives it."""

    def __init__(self, tree: ast.AST, settings: Settings, results: list):
        self.tree = tree
        self.settings = settings
        self.results = results
        self.module = Scope(MODULE, tree, None)
        self.scope = self.module
        self.scopes: list[Scope] = [self.module]
        self.frame = None  # (node, parent_frame, phase) of the node being handled
        self.deferred: deque = deque()
        self.watched_names: set[str] = set()
        self._qn_cache: dict[int, str | None] = {}
        # Line ranges of ``with pytest.raises(...)`` / ``self.assertRaises(...)`` bodies: code
        # there is meant to fail, so mistakes that raise or warn are not reported in them.
        self.expected_failures: list[tuple[int, int]] = []
        self._annotation_cache: dict[str, ast.AST | None] = {}
        self._kind_depth = 0

    # --- reporting -------------------------------------------------------------------------
    def report(self, node: ast.AST, rule: Rule, variant: str | None = None, **fields: str) -> None:
        if self.settings.wants(rule):
            if rule.raises_or_warns:
                line = node.lineno
                for start, end in self.expected_failures:
                    if start <= line <= end:
                        return
            self.results.append(
                (node.lineno, node.col_offset, rule.render(variant, **fields))
            )

    def note_expected_failure(self, node: ast.With) -> None:
        for item in node.items:
            call = item.context_expr
            if not isinstance(call, ast.Call):
                continue
            func = call.func
            if (isinstance(func, ast.Attribute) and func.attr.startswith(("assertRaises", "assertWarns"))) or (
                self.qualified_name(func) in K.EXPECTED_FAILURE_CONTEXTS
            ):
                self.expected_failures.append((node.lineno, node.end_lineno or node.lineno))
                return

    def enabled(self, rule: Rule) -> bool:
        return self.settings.wants(rule)

    # --- position ----------------------------------------------------------------------------
    @property
    def in_async(self) -> bool:
        return self.scope.async_context

    @property
    def function(self) -> Scope | None:
        """The innermost function-like scope (``def``/``async def``/lambda), or None at module
        and class level."""
        fn = self.scope.function
        return fn if fn.kind in (FUNCTION, LAMBDA) else None

    def parent(self) -> ast.AST | None:
        frame = self.frame[1] if self.frame else None
        return frame[0] if frame else None

    @staticmethod
    def ancestors(frame) -> Iterator[ast.AST]:
        """Nodes enclosing the node of ``frame``, innermost first (not including it)."""
        frame = frame[1]
        while frame is not None:
            yield frame[0]
            frame = frame[1]

    @staticmethod
    def parent_of(frame) -> ast.AST | None:
        parent = frame[1]
        return parent[0] if parent is not None else None

    # --- scopes --------------------------------------------------------------------------------
    def new_scope(self, kind: str, node: ast.AST, frame) -> Scope:
        scope = Scope(kind, node, self.scope, frame, len(self.scopes))
        self.scopes.append(scope)
        return scope

    # --- bindings ------------------------------------------------------------------------------
    def bind(self, binding: Binding) -> Binding:
        scope = binding.scope
        name = binding.name
        if scope.kind != MODULE and name in scope.globals:
            scope = binding.scope = self.module
        previous = scope.bindings.get(name)
        if previous is not None and previous.kind in (DEF, CLASSDEF, IMPORT) and binding.kind in (DEF, CLASSDEF, IMPORT):
            binding.conflicting = previous.kind != binding.kind or (
                binding.kind == DEF and type(previous.node) is not type(binding.node)
            ) or previous.conflicting
        scope.bindings[name] = binding
        history = scope.history.get(name)
        if history is not None:
            history.append(binding)
        return binding

    def lookup(self, name: str, scope: Scope | None = None) -> Binding | None:
        """The binding ``name`` refers to from ``scope`` (default: the current scope)."""
        scope = scope or self.scope
        first = True
        while scope is not None:
            if scope.kind == CLASS and not first:
                scope = scope.parent
                continue
            if scope.kind != MODULE and name in scope.globals:
                return self.module.bindings.get(name)
            binding = scope.bindings.get(name)
            if binding is not None:
                return binding if binding.kind != DELETED else None
            first = False
            scope = scope.parent
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
                history = binding.scope.history.setdefault(binding.name, [])
                if binding not in history:
                    history.append(binding)

    def record_load(self, name: str, frame) -> None:
        """A load of a watched name: tell every watched binding it reaches."""
        binding = self.lookup(name)
        if binding is None:
            return
        history = binding.scope.history.get(name)
        if not history:
            if binding.loads is not None:
                binding.loads.append(frame)
            return
        for index, candidate in enumerate(history):
            if candidate.loads is None:
                continue
            if not any(_block_contains(later, frame) for later in history[index + 1:]):
                candidate.loads.append(frame)

    def binding_of(self, expr: ast.AST) -> Binding | None:
        if isinstance(expr, ast.Name):
            return self.lookup(expr.id)
        return None

    # --- qualified names ----------------------------------------------------------------------
    def qualified_name(self, expr: ast.AST) -> str | None:
        """The dotted name ``expr`` refers to through imports, or None.

        ``aio.sleep`` after ``import asyncio as aio`` → ``asyncio.sleep``; ``nap`` after
        ``from time import sleep as nap`` → ``time.sleep``; an unshadowed builtin ``open`` →
        ``builtins.open``; a name rebound locally → None.  Cached per node, so the answer is the
        one valid where the node stands.
        """
        key = id(expr)
        cache = self._qn_cache
        if key in cache:
            return cache[key]
        result = None
        attrs: list[str] = []
        node = expr
        for _ in range(_MAX_CHAIN):
            if isinstance(node, ast.Attribute):
                attrs.append(node.attr)
                node = node.value
                continue
            if isinstance(node, ast.Name):
                binding = self.lookup(node.id)
                if binding is None:
                    if node.id in _BUILTINS:
                        result = "builtins." + node.id
                elif binding.kind == IMPORT:
                    result = binding.qualname
                if result is not None and attrs:
                    result = result + "." + ".".join(reversed(attrs))
            break
        if result is not None:
            result = K.canonical(result)
        cache[key] = result
        return result

    def call_name(self, call: ast.Call) -> str | None:
        return self.qualified_name(call.func)

    # --- what a value is -------------------------------------------------------------------
    def origin(self, expr: ast.AST, _depth: int = 0) -> str | None:
        """Qualified name of the callable that produced ``expr``'s value, through local
        bindings: ``loop = asyncio.new_event_loop(); loop`` → ``asyncio.new_event_loop``."""
        for _ in range(8):
            if isinstance(expr, ast.Await):
                expr = expr.value
                continue
            if isinstance(expr, ast.Call):
                return self.qualified_name(expr.func)
            binding = self.binding_of(expr)
            if binding is None or binding.kind not in (ASSIGN, WITH) or binding.value is None:
                return None
            expr = binding.value
            if binding.kind == WITH:
                return self.qualified_name(expr.func) if isinstance(expr, ast.Call) else None
        return None

    def kind_of(self, expr: ast.AST) -> str | None:
        """What ``expr`` is, when known for sure (see :mod:`knowledge`): from the constructor
        that made it, an annotation, or the binding it names (``self.x`` included)."""
        if self._kind_depth > _MAX_KIND_DEPTH:  # a long chain of calls/attributes: give up
            return None
        self._kind_depth += 1
        try:
            return self._kind_of(expr)
        finally:
            self._kind_depth -= 1

    def _kind_of(self, expr: ast.AST) -> str | None:
        for _ in range(8):
            if isinstance(expr, ast.Await):
                expr = expr.value
                continue
            if isinstance(expr, ast.Call):
                return self._kind_of_call(expr)
            if isinstance(expr, ast.Name):
                binding = self.lookup(expr.id)
                return self.binding_kind(binding) if binding is not None else None
            if isinstance(expr, ast.Attribute):
                kind = self.attribute_kind(expr)
                if kind is None and expr.attr in K.KIND_ATTRIBUTES:
                    owner = self.kind_of(expr.value)
                    kind = K.ATTRIBUTE_KINDS.get((owner, expr.attr)) if owner else None
                return kind
            if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
                # ``base / "name"`` is a path when its left side is one
                return K.PATH if self.kind_of(expr.left) == K.PATH else None
            return None
        return None

    def _kind_of_call(self, call: ast.Call) -> str | None:
        qn = self.qualified_name(call.func)
        if qn is not None:
            kind = K.CONSTRUCTED_KINDS.get(qn)
            if kind is not None:
                return kind
        factory = self.session_factory_kind(call.func)
        if factory is not None:
            return factory
        func = call.func
        if isinstance(func, ast.Attribute):
            if func.attr in ("create_task", "ensure_future"):
                if self.is_loop(func.value) or self.kind_of(func.value) == K.TASK_GROUP:
                    return K.TASK
                return None
            receiver_kind = self.kind_of(func.value)
            if receiver_kind is not None:
                return K.RETURNED_KINDS.get((receiver_kind, func.attr))
        return None

    def binding_kind(self, binding: Binding) -> str | None:
        cached = binding._kind_cache
        if cached is not _UNKNOWN:
            return cached
        binding._kind_cache = None  # guards against self-referential bindings
        current, self.scope = self.scope, binding.scope  # a value means what it meant where bound
        try:
            kind = self._binding_kind(binding)
        finally:
            self.scope = current
        binding._kind_cache = kind
        return kind

    def _binding_kind(self, binding: Binding) -> str | None:
        kind = None
        if binding.annotation is not None:
            kind = self.annotation_kind(binding.annotation)
        if kind is None and binding.value is not None:
            if binding.kind == WITH:
                inner = self.kind_of(binding.value)
                kind = inner if inner in K.SELF_ENTERING_KINDS else None
            elif binding.kind == UNPACK:
                value = binding.value
                if isinstance(value, ast.Await):
                    value = value.value
                if isinstance(value, ast.Call):
                    func = value.func
                    kinds = K.UNPACKED_KINDS.get(self.qualified_name(func) or "")
                    if kinds is None and isinstance(func, ast.Attribute):
                        receiver_kind = self.kind_of(func.value)
                        kinds = K.UNPACKED_METHOD_KINDS.get((receiver_kind, func.attr)) if receiver_kind else None
                    if kinds and 0 <= binding.index < len(kinds):
                        kind = kinds[binding.index]
            elif binding.kind == ASSIGN:
                kind = self.kind_of(binding.value)
        return kind

    def annotation_kind(self, annotation: ast.AST) -> str | None:
        for _ in range(8):
            if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                annotation = self._parse_annotation(annotation.value)
                if annotation is None:
                    return None
                continue
            if isinstance(annotation, ast.Subscript):
                wrapper = self.qualified_name(annotation.value) or ""
                inner = annotation.slice
                if wrapper.rsplit(".", 1)[-1] == "Optional":
                    annotation = inner
                    continue
                if wrapper.rsplit(".", 1)[-1] in ("Annotated", "Union") and isinstance(inner, ast.Tuple) and inner.elts:
                    if wrapper.endswith("Annotated"):
                        annotation = inner.elts[0]
                        continue
                    kinds = {self.annotation_kind(elt) for elt in inner.elts} - {None}
                    return kinds.pop() if len(kinds) == 1 else None
                return None
            if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
                kinds = {self.annotation_kind(annotation.left), self.annotation_kind(annotation.right)} - {None}
                return kinds.pop() if len(kinds) == 1 else None
            qn = self.qualified_name(annotation)
            return K.ANNOTATED_KINDS.get(qn) if qn else None
        return None

    def _parse_annotation(self, text: str) -> ast.AST | None:
        cache = self._annotation_cache
        if text not in cache:
            try:
                cache[text] = ast.parse(text.strip(), mode="eval").body if len(text) < 200 else None
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                cache[text] = None
        return cache[text]

    # --- self.<attr> -----------------------------------------------------------------------
    def instance_class(self, expr: ast.AST) -> Scope | None:
        """The class scope whose instance (or class, for ``cls``) ``expr`` is: the first
        parameter of a method (and of functions nested in it)."""
        if not isinstance(expr, ast.Name):
            return None
        binding = self.lookup(expr.id)
        if binding is None or binding.kind != PARAM or binding.index != 0:
            return None
        method = binding.scope
        if not method.is_method:
            return None
        for decorator in method.node.decorator_list:
            if self.qualified_name(decorator) == "builtins.staticmethod":
                return None
        return method.parent

    def attribute_bindings(self, expr: ast.Attribute) -> list[Binding]:
        """Bindings of ``self.x``: assignments in the class's methods and class-level bindings
        (annotations such as ``session: AsyncSession``)."""
        cls = self.instance_class(expr.value)
        if cls is None:
            return []
        found = list(cls.attrs.get(expr.attr, ()))
        class_level = cls.bindings.get(expr.attr)
        if class_level is not None and class_level.kind in (ASSIGN, OTHER):
            found.append(class_level)
        return found

    def method_binding(self, cls: Scope, name: str) -> Binding | None:
        """``name`` looked up in a class and its same-module base classes (breadth first)."""
        seen: set[int] = set()
        todo = deque([cls])
        while todo:
            scope = todo.popleft()
            if id(scope) in seen:
                continue
            seen.add(id(scope))
            binding = scope.bindings.get(name)
            if binding is not None:
                return binding
            for base in scope.node.bases:
                base_binding = self.lookup(base.id, scope.parent) if isinstance(base, ast.Name) else None
                if base_binding is not None and base_binding.kind == CLASSDEF:
                    todo.append(base_binding.func_scope)
        return None

    def attribute_kind(self, expr: ast.Attribute) -> str | None:
        kinds = {self.binding_kind(b) for b in self.attribute_bindings(expr)} - {None}
        return kinds.pop() if len(kinds) == 1 else None

    # --- objects rules ask about --------------------------------------------------------------
    def is_loop(self, expr: ast.AST) -> bool:
        """An asyncio event loop: made by ``get_event_loop/get_running_loop/new_event_loop``,
        annotated as one, or spelled ``loop``/``self._loop``/``*_loop`` when nothing says
        otherwise."""
        kind = self.kind_of(expr)
        if kind is not None:
            return kind == K.LOOP
        name = last_segment(expr)
        return name is not None and K.looks_like_loop_name(name)

    def session_factory_kind(self, func: ast.AST) -> str | None:
        """``ASYNC_SESSION``/``SYNC_SESSION`` when calling ``func`` makes a SQLAlchemy session.

        Factories: ``AsyncSession``/``Session`` themselves, module-level names bound to
        ``async_sessionmaker(...)`` or ``sessionmaker(...)`` (async with ``class_=AsyncSession``),
        and the configured ``--aio-session-factories`` names.  An explicit sync ``sessionmaker``
        binding beats the configured names.
        """
        if isinstance(func, ast.Name):
            binding = self.lookup(func.id)
            if binding is not None and binding.kind == ASSIGN and isinstance(binding.value, ast.Call):
                made_by = self.qualified_name(binding.value.func)
                if made_by == K.ASYNC_SESSIONMAKER:
                    return K.ASYNC_SESSION
                if made_by == K.SESSIONMAKER:
                    for keyword in binding.value.keywords:
                        if keyword.arg == "class_" and self.qualified_name(keyword.value) == K.ASYNC_SESSION_CLASS:
                            return K.ASYNC_SESSION
                    return K.SYNC_SESSION
        spelled = dotted_name(func)
        if spelled is None:
            return None
        factories = self.settings.session_factories
        if spelled in factories or spelled.rsplit(".", 1)[-1] in factories:
            binding = self.binding_of(func)
            if binding is None or binding.kind in (IMPORT, ASSIGN, PARAM):
                return K.ASYNC_SESSION
        return None

    def db_receiver(self, expr: ast.AST) -> str | None:
        """The spelling of ``expr`` when it is a known session or a DB connection that runs one
        statement at a time (AsyncSession, AsyncConnection, asyncpg/aiosqlite connection)."""
        spelled = dotted_name(expr)
        if spelled is None:
            return None
        if self.kind_of(expr) in K.SERIAL_DB_KINDS or self.is_async_session(expr):
            return spelled
        return None

    def is_async_session(self, expr: ast.AST) -> bool:
        """A *known session* receiver (spec: "Known session"; decisions 3 and 4)."""
        kind = self.kind_of(expr)
        if kind is not None:
            return kind == K.ASYNC_SESSION
        if not self.in_async:
            return False
        # The name heuristic is for names nobody typed: an annotation naming another class
        # (a MongoDB ``ClientSession``, an ``aiohttp.ClientSession``...) is the author's word.
        if isinstance(expr, ast.Name):
            binding = self.lookup(expr.id)
            if binding is not None and (binding.kind == IMPORT or binding.annotation is not None):
                return False
            return expr.id in self.settings.session_names
        if isinstance(expr, ast.Attribute) and self.instance_class(expr.value) is not None:
            if any(b.annotation is not None for b in self.attribute_bindings(expr)):
                return False
            return expr.attr in self.settings.session_names
        return False
