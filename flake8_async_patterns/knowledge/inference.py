"""What a value is, when it is known for sure: ``kind_of(ctx, expr)``.

A kind comes from the constructor that made the value (``asyncio.Lock()``), an annotation
(``session: AsyncSession``), or the binding a name or ``self.x`` refers to.  Every question can
be asked about another scope than the traversal's current one (``scope=``): a binding's value
means what it meant where it was bound.
"""

from __future__ import annotations

import ast

from ..semantic.context import Context
from ..semantic.frames import parent_of
from ..semantic.scope import UNINFERRED, Binding, BindingKind, Scope, ScopeKind
from ..semantic.text import dotted_name, keyword_value, last_segment
from .kinds import (
    ANNOTATED_KINDS,
    ASYNC_SESSION_CLASS,
    ASYNC_SESSIONMAKER,
    ATTRIBUTE_KINDS,
    CONSTRUCTED_KINDS,
    KIND_ATTRIBUTES,
    RETURNED_KINDS,
    SELF_ENTERING_KINDS,
    SESSIONMAKER,
    TO_THREAD,
    UNPACKED_KINDS,
    UNPACKED_METHOD_KINDS,
    Kind,
    looks_like_loop_name,
)

_MAX_DEPTH = 24  # nested inferences (receiver of receiver of ...) before giving up
_ASSIGN, _WITH, _UNPACK = BindingKind.ASSIGN, BindingKind.WITH, BindingKind.UNPACK
_LOOP, _TASK_GROUP, _TASK, _PATH = Kind.LOOP, Kind.TASK_GROUP, Kind.TASK, Kind.PATH


def kind_of(ctx: Context, expr: ast.AST, scope: Scope | None = None, depth: int = 0) -> Kind | None:
    """What ``expr`` is, when known for sure (None otherwise)."""
    if depth > _MAX_DEPTH:  # a long chain of calls/attributes: give up
        return None
    depth += 1
    for _ in range(8):
        if isinstance(expr, ast.Await):
            expr = expr.value
            continue
        if isinstance(expr, ast.Call):
            return _kind_of_call(ctx, expr, scope, depth)
        if isinstance(expr, ast.Name):
            binding = ctx.lookup(expr.id, scope)
            return binding_kind(ctx, binding, depth) if binding is not None else None
        if isinstance(expr, ast.Attribute):
            kind = attribute_kind(ctx, expr, scope, depth)
            if kind is None and expr.attr in KIND_ATTRIBUTES:
                owner = kind_of(ctx, expr.value, scope, depth)
                kind = ATTRIBUTE_KINDS.get((owner, expr.attr)) if owner else None
            return kind
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            # ``base / "name"`` is a path when its left side is one
            return _PATH if kind_of(ctx, expr.left, scope, depth) is _PATH else None
        return None
    return None


def _kind_of_call(ctx: Context, call: ast.Call, scope: Scope | None, depth: int) -> Kind | None:
    func = call.func
    qn = ctx.qualified_name(func, scope)
    if qn is not None:
        kind = CONSTRUCTED_KINDS.get(qn)
        if kind is not None:
            return kind
        if qn == TO_THREAD and call.args:  # ``await asyncio.to_thread(open, path)``: made in a thread
            return CONSTRUCTED_KINDS.get(ctx.qualified_name(call.args[0], scope) or "")
    factory = session_factory_kind(ctx, func, scope)
    if factory is not None:
        return factory
    if isinstance(func, ast.Attribute):
        if func.attr in SPAWN_METHODS:
            return _TASK if task_spawner(ctx, func.value, scope, depth) is not None else None
        receiver_kind = kind_of(ctx, func.value, scope, depth)
        if receiver_kind is not None:
            return RETURNED_KINDS.get((receiver_kind, func.attr))
    return None


def binding_kind(ctx: Context, binding: Binding, depth: int = 0) -> Kind | None:
    """What the value bound by ``binding`` is (memoised on the binding)."""
    cached = binding.inferred
    if cached is not UNINFERRED:
        return cached
    binding.inferred = None  # guards against self-referential bindings
    kind = _binding_kind(ctx, binding, binding.scope, depth)
    binding.inferred = kind
    return kind


def _binding_kind(ctx: Context, binding: Binding, scope: Scope, depth: int) -> Kind | None:
    kind = None
    if binding.annotation is not None:
        kind = annotation_kind(ctx, binding.annotation, scope)
    value = binding.value
    if kind is not None or value is None:
        return kind
    if binding.kind is _WITH:
        inner = kind_of(ctx, value, scope, depth)
        return inner if inner in SELF_ENTERING_KINDS else None
    if binding.kind is _UNPACK:
        if isinstance(value, ast.Await):
            value = value.value
        if isinstance(value, ast.Call):
            func = value.func
            kinds = UNPACKED_KINDS.get(ctx.qualified_name(func, scope) or "")
            if kinds is None and isinstance(func, ast.Attribute):
                receiver_kind = kind_of(ctx, func.value, scope, depth)
                kinds = UNPACKED_METHOD_KINDS.get((receiver_kind, func.attr)) if receiver_kind else None
            if kinds and 0 <= binding.index < len(kinds):
                return kinds[binding.index]
        elif isinstance(value, (ast.Tuple, ast.List)):  # ``a, b = Path(x), Path(y)``
            element = _unpacked_element(binding, value)
            return kind_of(ctx, element, scope, depth) if element is not None else None
        return None
    if binding.kind is _ASSIGN:
        return kind_of(ctx, value, scope, depth)
    return None


def _unpacked_element(binding: Binding, value: ast.Tuple | ast.List) -> ast.AST | None:
    """The element of a tuple display that an unpacking binding receives, when positions match
    one to one (no starred target or element)."""
    target = parent_of(binding.frame) if binding.frame is not None else None
    if not isinstance(target, (ast.Tuple, ast.List)) or len(target.elts) != len(value.elts):
        return None
    if any(isinstance(elt, ast.Starred) for elt in (*target.elts, *value.elts)):
        return None
    return value.elts[binding.index] if 0 <= binding.index < len(value.elts) else None


_ANNOTATION_DEPTH = 16  # unions and aliases followed inside one another


def annotation_kind(ctx: Context, annotation: ast.AST, scope: Scope | None = None, depth: int = 0) -> Kind | None:
    """The kind an annotation names: ``AsyncSession``, ``Optional[AsyncSession]``,
    ``Annotated[AsyncSession, ...]``, ``AsyncSession | None``, a string of one of those.  ``depth``
    bounds the nesting followed: an alias may name itself (``T = Union[T, Extra]`` in an ``else``)."""
    if depth > _ANNOTATION_DEPTH:
        return None
    for _ in range(8):
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            annotation = _parse_annotation(ctx, annotation.value)
            if annotation is None:
                return None
            continue
        if isinstance(annotation, ast.Subscript):
            wrapper = ctx.qualified_name(annotation.value, scope) or ""
            inner = annotation.slice
            wrapper_name = wrapper.rsplit(".", 1)[-1]
            if wrapper_name == "Optional":
                annotation = inner
                continue
            if wrapper_name in ("Annotated", "Union") and isinstance(inner, ast.Tuple) and inner.elts:
                if wrapper.endswith("Annotated"):
                    annotation = inner.elts[0]
                    continue
                kinds = {annotation_kind(ctx, elt, scope, depth + 1) for elt in inner.elts} - {None}
                return kinds.pop() if len(kinds) == 1 else None
            return ANNOTATED_KINDS.get(wrapper)  # a generic class: ``IO[str]``, ``asyncio.Queue[int]``
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            sides = (annotation.left, annotation.right)
            kinds = {annotation_kind(ctx, side, scope, depth + 1) for side in sides} - {None}
            return kinds.pop() if len(kinds) == 1 else None
        qn = ctx.qualified_name(annotation, scope)
        if qn is not None:
            return ANNOTATED_KINDS.get(qn)
        alias = _type_alias(ctx, annotation, scope)
        if alias is None:
            return None
        annotation, scope = alias  # ``SessionDep = Annotated[AsyncSession, Depends(...)]``
    return None


def _type_alias(ctx: Context, annotation: ast.AST, scope: Scope | None) -> tuple[ast.AST, Scope] | None:
    """The value of a module-level type alias an annotation names (``X = ...``, ``X: TypeAlias =
    ...``, ``type X = ...``), with its scope."""
    if not isinstance(annotation, ast.Name):
        return None
    binding = ctx.lookup(annotation.id, scope)
    if binding is None or binding.kind is not _ASSIGN or binding.value is None:
        return None
    if binding.scope.kind is not ScopeKind.MODULE or not isinstance(
        binding.value, (ast.Subscript, ast.Name, ast.Attribute, ast.BinOp, ast.Constant)
    ):
        return None
    return binding.value, binding.scope


def _parse_annotation(ctx: Context, text: str) -> ast.AST | None:
    cache = ctx.memo.setdefault("annotations", {})
    if text not in cache:
        try:
            cache[text] = ast.parse(text.strip(), mode="eval").body if len(text) < 200 else None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            cache[text] = None
    return cache[text]


def attribute_kind(ctx: Context, expr: ast.Attribute, scope: Scope | None = None, depth: int = 0) -> Kind | None:
    """What ``self.x`` is, when every binding of it in the class agrees."""
    kinds = {binding_kind(ctx, b, depth) for b in ctx.attribute_bindings(expr, scope)} - {None}
    return kinds.pop() if len(kinds) == 1 else None


SPAWN_METHODS = frozenset({"create_task", "ensure_future"})


def task_spawner(ctx: Context, receiver: ast.AST, scope: Scope | None = None, depth: int = 0) -> Kind | None:
    """``LOOP`` or ``TASK_GROUP`` when ``receiver.create_task(...)`` starts a task on an event
    loop or in a task group; None for any other receiver."""
    kind = kind_of(ctx, receiver, scope, depth)
    if kind is _TASK_GROUP:
        return _TASK_GROUP
    if kind is not None:
        return _LOOP if kind is _LOOP else None
    name = last_segment(receiver)
    return _LOOP if name is not None and looks_like_loop_name(name) else None


def is_loop(ctx: Context, expr: ast.AST, scope: Scope | None = None, depth: int = 0) -> bool:
    """An asyncio event loop: made by ``get_event_loop/get_running_loop/new_event_loop``,
    annotated as one, or spelled ``loop``/``self._loop``/``*_loop`` when nothing says
    otherwise."""
    kind = kind_of(ctx, expr, scope, depth)
    if kind is not None:
        return kind is _LOOP
    name = last_segment(expr)
    return name is not None and looks_like_loop_name(name)


def session_factory_kind(ctx: Context, func: ast.AST, scope: Scope | None = None) -> Kind | None:
    """``ASYNC_SESSION``/``SYNC_SESSION`` when calling ``func`` makes a SQLAlchemy session.

    Factories: names (and ``self.<attr>`` of the class) bound to ``async_sessionmaker(...)`` or
    ``sessionmaker(...)`` (async with ``class_=AsyncSession``), and the configured
    ``--aio-session-factories`` names.
    An explicit sync ``sessionmaker`` binding beats the configured names.
    """
    if isinstance(func, ast.Name):
        binding = ctx.lookup(func.id, scope)
        bindings = [binding] if binding is not None else []
    elif isinstance(func, ast.Attribute):  # ``self.SessionLocal = sessionmaker(...)`` in the class
        bindings = ctx.attribute_bindings(func, scope)
    else:
        bindings = []
    for binding in bindings:
        if binding.kind is _ASSIGN and isinstance(binding.value, ast.Call):
            made_by = ctx.qualified_name(binding.value.func, binding.scope)
            if made_by == ASYNC_SESSIONMAKER:
                return Kind.ASYNC_SESSION
            if made_by == SESSIONMAKER:
                for keyword in binding.value.keywords:
                    if (
                        keyword.arg == "class_"
                        and ctx.qualified_name(keyword.value, binding.scope) == ASYNC_SESSION_CLASS
                    ):
                        return Kind.ASYNC_SESSION
                return Kind.SYNC_SESSION
    spelled = dotted_name(func)
    if spelled is None:
        return None
    factories = ctx.settings.session_factories
    if (
        spelled in factories
        or spelled.rsplit(".", 1)[-1] in factories
        or ctx.qualified_name(func, scope) in factories  # a qualified entry: ``app.db.make``
    ):
        binding = ctx.binding_of(func, scope)
        if binding is None or binding.kind in (BindingKind.IMPORT, _ASSIGN, BindingKind.PARAM):
            # a name alone says nothing in a module with no ``async def``: FastAPI's sync tutorial calls its
            # ``sessionmaker`` ``SessionLocal`` too (langchain-chatchat's ``session_scope()``)
            return Kind.ASYNC_SESSION if ctx.defines_coroutines else Kind.SYNC_SESSION
    return None


def constructor_call(ctx: Context, expr: ast.AST, scope: Scope | None = None) -> tuple[ast.Call, Scope] | None:
    """The call that made the value of a name or ``self.x`` (every binding of ``self.x`` must be
    made by calls to the same callable), with the scope it stands in; None when not visible."""
    if isinstance(expr, ast.Call):
        return expr, scope or ctx.scope
    if isinstance(expr, ast.Name):
        binding = ctx.lookup(expr.id, scope)
        bindings = [binding] if binding is not None else []
    elif isinstance(expr, ast.Attribute):
        bindings = ctx.attribute_bindings(expr, scope)
    else:
        return None
    calls = [(b.value, b.scope) for b in bindings if b.kind is _ASSIGN and isinstance(b.value, ast.Call)]
    if not calls or len(calls) != len(bindings):
        return None
    spelled = {ast.dump(call.func) for call, _ in calls}
    return calls[0] if len(spelled) == 1 else None


def without_bound(queue: ast.Call) -> bool:
    """A queue constructor call without a positive ``maxsize`` (first argument or keyword): its
    ``put`` never waits for room."""
    maxsize = keyword_value(queue, "maxsize") or (queue.args[0] if queue.args else None)
    if maxsize is None:
        return True
    return isinstance(maxsize, ast.Constant) and type(maxsize.value) is int and maxsize.value <= 0
