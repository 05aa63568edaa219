"""The single traversal.

One pass over the tree with an explicit stack (no recursion, so any depth ``ast.parse`` accepts
is fine) and a dispatch table from node type to the handlers of the *selected* checkers.  Each
stack entry is a frame ``(node, parent_frame, phase)`` (see :mod:`semantic.frames`); a handler
reads ``ctx.frame`` to see the ancestors of the node it handles.  Fields are visited in evaluation
order where that matters (``x = f(x)`` visits ``f(x)`` before binding ``x``).  Function and lambda
bodies are deferred until the code around them is done, as pyflakes does, so names resolve to
their final module-level bindings.  Checkers that need a whole scope decide in their
``function_end``/``module_end`` hooks, from facts collected on the way -- nothing is walked twice.

A checker that raises loses its own findings for the file and is switched off for the rest of
it; the others go on, and the failure is reported as an ``internal-error`` finding at the line
being checked.  (``strict=True`` re-raises instead: the project's own tests run that way.)
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from .checker import Checker
from .knowledge.modules import canonical, star_exports
from .knowledge.testing import note_expected_failure
from .registry import INTERNAL_ERROR
from .semantic.context import Context
from .semantic.fields import CHILDREN, LEAF_TYPES, child_fields
from .semantic.frames import COMPREHENSION_NODES, FUNCTION_NODES
from .semantic.scope import Binding, BindingKind, Scope, ScopeKind
from .semantic.source import SourceText, may_decide_branches
from .settings import Settings

if TYPE_CHECKING:
    from .semantic.frames import Frame

ENTER, EXIT, CLASS_BODY = 0, 1, 2

_TYPE_ALIAS = getattr(ast, "TypeAlias", None)
_IMPORT, _ASSIGN, _PARAM, _LOOPVAR = BindingKind.IMPORT, BindingKind.ASSIGN, BindingKind.PARAM, BindingKind.LOOPVAR
_WITH, _UNPACK, _OTHER, _DELETED = BindingKind.WITH, BindingKind.UNPACK, BindingKind.OTHER, BindingKind.DELETED


def _selection(settings: Settings, checkers: tuple, test_file: bool, cli_file: bool) -> tuple[Settings, tuple]:
    """The settings a file is linted with and the checkers that have a selected rule -- decided once
    per settings object, checker list and kind of file (test, command-line, other), then reused."""
    key = ("selection", checkers, test_file, cli_file)
    found = settings.memo.get(key)
    if found is None:
        effective = settings
        if test_file or cli_file:
            rules = [r for c in checkers for r in c.rules if r.reported_in(test_file, cli_file)]
            effective = settings.replace(enabled=frozenset(r.code for r in rules if settings.wants(r)))
        selected = tuple(cls for cls in checkers if any(effective.wants(r) for r in cls.rules))
        if len(settings.memo) >= 32:  # callers that pass ever new checker lists (tests) stay bounded
            settings.memo.clear()
        found = settings.memo[key] = (effective, selected)
    return found


class Engine:
    """Lints one tree.  ``run()`` returns ``(line, col, message)`` tuples."""

    def __init__(
        self,
        tree: ast.AST,
        settings: Settings,
        checkers: Iterable[type[Checker]],
        *,
        source: str | None = None,
        filename: str | None = None,
        strict: bool = False,
        prefilter: bool = True,
    ) -> None:
        """``source``, the file's text when known (``ctx.text``), lets checkers that cannot report in it
        stay out (``Checker.requires``, unless ``prefilter`` is off); ``filename`` decides whether it is a
        test file or a command-line module, where some rules are not reported (``--aio-test-files``...)."""
        test_file, cli_file = settings.file_kinds(filename)
        settings, selected = _selection(settings, tuple(checkers), test_file, cli_file)
        self.results: list[tuple[int, int, str]] = []
        self.strict = strict
        self.ctx = Context(tree, settings, self.results, canonical, star_exports, text=source)
        self._pending_scope: dict[ast.AST, Scope] = {}
        if source is not None and selected and prefilter:
            text = SourceText(source, settings)
            selected = [cls for cls in selected if cls.can_report_in(text)]
        self.checkers = [cls(self.ctx) for cls in selected]
        if not self.checkers:
            return  # nothing to walk (``run`` returns at once): no handler tables either
        self.enter: dict[type, list[Callable]] = {}
        self.exit: dict[type, list[Callable]] = {}
        self._core_handlers(source)
        self.hook_tables: dict[str, list[Callable]] = {
            hook: [] for hook in ("bound", "function_start", "function_end", "module_end")
        }
        self.on_bind = self.hook_tables["bound"]
        for checker in self.checkers:
            for node_type, attr in checker.visits:
                self.enter.setdefault(node_type, []).append(getattr(checker, attr))
            for node_type, attr in checker.leaves:
                self.exit.setdefault(node_type, []).append(getattr(checker, attr))
            for hook in checker.hooks:
                self.hook_tables[hook].append(getattr(checker, hook))
        self._plan: dict[type, tuple] = {}
        # Nodes nobody handles and that hold no nodes (constants...) are not worth a stack entry.
        self._silent = frozenset(c for c in LEAF_TYPES if c not in self.enter and c not in self.exit)
        # A loaded name only matters to the engine when it is watched; skip the handler call.
        self._fast_names = self.enter.get(ast.Name) == [self._name]
        # Better still, a load of a name nobody watches need not even be pushed -- when nothing between
        # pushing it and reaching it can start watching its name.  Names start being watched when bound, and
        # the only binding an earlier sibling can make is a walrus: without ``:=``, unwatched stays so.
        self._skip_unwatched = self._fast_names and source is not None and ":=" not in source

    # --- core handlers: keep the context up to date ------------------------------------------
    def _core_handlers(self, source: str | None) -> None:
        core = {
            ast.Import: self._import,
            ast.ImportFrom: self._import,
            ast.Name: self._name,
            ast.Assign: self._attribute_assign,
            ast.AnnAssign: self._attribute_assign,
            ast.Global: self._global,
            ast.Nonlocal: self._global,
            ast.ExceptHandler: self._named_node,
            ast.MatchAs: self._named_node,
            ast.MatchStar: self._named_node,
            ast.MatchMapping: self._match_mapping,
            ast.Yield: self._yield,
            ast.YieldFrom: self._yield,
            ast.Await: self._await,
            ast.AsyncFor: self._await,
            ast.AsyncWith: self._await,
            ast.Return: self._exit_statement,
            ast.Raise: self._exit_statement,
            ast.FunctionDef: self._enter_function,
            ast.AsyncFunctionDef: self._enter_function,
            ast.Lambda: self._enter_function,
            ast.ClassDef: self._enter_class,
        }
        if source is None or may_decide_branches(source):  # ``if _IS_SYNC:``, ``if TYPE_CHECKING:``
            core[ast.If] = self.ctx.constant_test
        settings = self.ctx.settings
        if any(rule.raises_or_warns and settings.wants(rule) for checker in self.checkers for rule in checker.rules):
            core[ast.With] = self._with
        for comp in COMPREHENSION_NODES:
            core[comp] = self._enter_comprehension
        for node_type, handler in core.items():
            self.enter[node_type] = [handler]
        for node_type in (*FUNCTION_NODES, ast.Lambda):
            self.exit[node_type] = [self._leave_function]
        self.exit[ast.ClassDef] = [self._leave_class]
        for comp in COMPREHENSION_NODES:
            self.exit[comp] = [self._leave_comprehension]

    def _bind(self, binding: Binding) -> None:
        self.ctx.bind(binding)
        if binding.kind is not _ASSIGN:
            return
        for hook in self.on_bind:
            try:
                hook(binding)
            except Exception as error:
                self._fault(hook, error)

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        ctx = self.ctx
        scope, frame = ctx.scope, ctx.frame
        bind = self.ctx.bind  # import bindings reach no ``bound`` hook
        if type(node) is ast.Import:
            for alias in node.names:
                if alias.asname:
                    name, qualname = alias.asname, alias.name
                else:
                    name = qualname = alias.name.partition(".")[0]
                bind(Binding(name, _IMPORT, node, scope, frame, qualname))
            return
        module = "." * (node.level or 0) + (node.module or "")
        prefix = module if module.endswith(".") or not module else module + "."
        for alias in node.names:
            if alias.name == "*":
                ctx.star_imports.append(module)
                continue
            bind(Binding(alias.asname or alias.name, _IMPORT, node, scope, frame, prefix + alias.name))

    def _name(self, node: ast.Name) -> None:
        ctx = self.ctx
        kind = type(node.ctx)
        if kind is ast.Load:
            if node.id in ctx.watched_names:
                ctx.record_load(node.id, ctx.frame)
            return
        if kind is ast.Del:
            self._bind(Binding(node.id, _DELETED, node, ctx.scope, frame=ctx.frame))
            return
        frame = ctx.frame
        parent = frame[1][0]
        ptype = type(parent)
        scope = ctx.scope
        if ptype is ast.Assign:
            binding = Binding(node.id, _ASSIGN, node, scope, frame=frame, value=parent.value)
        elif ptype is ast.AnnAssign:
            binding = Binding(
                node.id, _ASSIGN, node, scope, frame=frame, value=parent.value, annotation=parent.annotation
            )
        elif ptype is ast.AugAssign:
            # ``x += 1`` reads x and rebinds it to a value of the same nature: count a load.
            if node.id in ctx.watched_names:
                ctx.record_load(node.id, frame)
            return
        elif ptype is _TYPE_ALIAS:  # ``type X = ...`` (3.12+)
            binding = Binding(node.id, _ASSIGN, node, scope, frame=frame, value=parent.value)
        elif ptype is ast.NamedExpr:
            while scope.kind is ScopeKind.COMPREHENSION:
                scope = scope.parent
            binding = Binding(node.id, _ASSIGN, node, scope, frame=frame, value=parent.value)
        elif ptype is ast.withitem:
            outer = frame[1][1][0]
            binding = Binding(
                node.id,
                _WITH,
                node,
                scope,
                frame=frame,
                value=parent.context_expr,
                is_async_with=type(outer) is ast.AsyncWith,
            )
        elif ptype in (ast.For, ast.AsyncFor, ast.comprehension):
            binding = Binding(node.id, _LOOPVAR, node, scope, frame=frame)
        elif ptype in (ast.Tuple, ast.List, ast.Starred):
            binding = self._unpacked(node, frame)
        else:
            binding = Binding(node.id, _OTHER, node, scope, frame=frame)
        self._bind(binding)

    def _unpacked(self, node: ast.Name, frame: Frame) -> Binding:
        """``a, b = value``: a binding that knows its position in the (top-level) tuple."""
        ctx = self.ctx
        container_frame = frame[1]
        container = container_frame[0]
        index = -1
        if isinstance(container, (ast.Tuple, ast.List)):
            for i, elt in enumerate(container.elts):
                if elt is node:
                    index = i
                    break
        statement = container_frame[1][0] if container_frame[1] is not None else None
        if isinstance(statement, (ast.For, ast.AsyncFor, ast.comprehension)):
            return Binding(node.id, _LOOPVAR, node, ctx.scope, frame=frame)
        value = statement.value if isinstance(statement, (ast.Assign, ast.AnnAssign)) else None
        if isinstance(statement, ast.withitem):
            value = statement.context_expr
        return Binding(node.id, _UNPACK, node, ctx.scope, frame=frame, value=value, index=index)

    def _attribute_assign(self, node: ast.Assign | ast.AnnAssign) -> None:
        """``self.x = value`` in a method: remember it on the class (``Scope.attrs``)."""
        ctx = self.ctx
        targets = node.targets if isinstance(node, ast.Assign) else (node.target,)
        annotation = node.annotation if isinstance(node, ast.AnnAssign) else None
        for target in targets:
            if not isinstance(target, ast.Attribute):
                continue
            cls = ctx.instance_class(target.value)
            if cls is None:
                continue
            binding = Binding(
                target.attr, _ASSIGN, target, ctx.scope, frame=ctx.frame, value=node.value, annotation=annotation
            )
            cls.add_attr(target.attr, binding)
            for hook in self.on_bind:
                try:
                    hook(binding)
                except Exception as error:
                    self._fault(hook, error)

    def _with(self, node: ast.With) -> None:
        note_expected_failure(self.ctx, node)

    def _global(self, node: ast.Global | ast.Nonlocal) -> None:
        scope = self.ctx.scope
        if isinstance(node, ast.Global):
            scope.add_globals(node.names)
        else:
            scope.add_nonlocals(node.names)

    def _named_node(self, node: ast.ExceptHandler | ast.MatchAs | ast.MatchStar) -> None:
        name = getattr(node, "name", None)
        if name:
            ctx = self.ctx
            self._bind(Binding(name, _OTHER, node, ctx.scope, frame=ctx.frame))

    def _match_mapping(self, node: ast.MatchMapping) -> None:
        if node.rest:
            ctx = self.ctx
            self._bind(Binding(node.rest, _OTHER, node, ctx.scope, frame=ctx.frame))

    def _yield(self, node: ast.Yield | ast.YieldFrom) -> None:
        self.ctx.scope.function.has_yield = True

    def _await(self, node: ast.Await | ast.AsyncFor | ast.AsyncWith) -> None:
        ctx = self.ctx
        ctx.scope.function.has_await = True
        ctx.await_points += 1

    def _exit_statement(self, node: ast.Return | ast.Raise) -> None:
        self.ctx.scope.function.add_exit(node.lineno)

    def _enter_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        ctx = self.ctx
        kind = ScopeKind.LAMBDA if isinstance(node, ast.Lambda) else ScopeKind.FUNCTION
        self._pending_scope[node] = Scope(kind, node, ctx.scope, ctx.frame)

    def _leave_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        ctx = self.ctx
        scope = self._pending_scope.pop(node)
        if not isinstance(node, ast.Lambda):
            self._bind(Binding(node.name, BindingKind.DEF, node, ctx.scope, frame=ctx.frame, func_scope=scope))
        ctx.deferred.append(scope)

    def _enter_class(self, node: ast.ClassDef) -> None:
        ctx = self.ctx
        self._pending_scope[node] = Scope(ScopeKind.CLASS, node, ctx.scope, ctx.frame)

    def _leave_class(self, node: ast.ClassDef) -> None:
        ctx = self.ctx
        scope = self._pending_scope.pop(node)
        ctx.scope = scope.parent
        self._bind(Binding(node.name, BindingKind.CLASSDEF, node, ctx.scope, frame=ctx.frame, func_scope=scope))

    def _enter_comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        ctx = self.ctx
        for generator in node.generators:
            if generator.is_async:  # ``async for`` in a comprehension: an await point of the function
                ctx.scope.function.has_await = True
                ctx.await_points += 1
                break
        ctx.scope = Scope(ScopeKind.COMPREHENSION, node, ctx.scope, ctx.frame)

    def _leave_comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp) -> None:
        ctx = self.ctx
        ctx.scope = ctx.scope.parent

    # --- faults ------------------------------------------------------------------------------
    def _fault(self, handler: Callable, error: Exception) -> None:
        """A handler raised.  A checker's fault switches that checker off for the rest of the
        file, drops its findings and reports an internal error; an engine fault propagates."""
        checker = getattr(handler, "__self__", None)
        if self.strict or not isinstance(checker, Checker):
            raise error
        codes = {rule.code for rule in checker.rules}
        for table in (*self.enter.values(), *self.exit.values(), *self.hook_tables.values()):
            table[:] = [h for h in table if getattr(h, "__self__", None) is not checker]
        self.results[:] = [r for r in self.results if r[2].split(" ", 1)[0] not in codes]
        detail = " ".join(f"{type(error).__name__}: {error}".split())
        detail = detail if len(detail) <= 120 else detail[:117] + "..."
        wanted = [rule.code for rule in checker.rules if self.ctx.settings.wants(rule)]
        message = INTERNAL_ERROR.render(rules=",".join(wanted or sorted(codes)), error=detail)
        line, col = self.ctx.current_position()
        self.results.append((line, col, message))

    def _dispatch(self, handlers: list[Callable], node: ast.AST) -> None:
        """Run ``handlers`` on ``node``, isolating faults (the slow path, after a failure)."""
        for handler in list(handlers):
            try:
                handler(node)
            except Exception as error:
                self._fault(handler, error)

    def _hook(self, name: str, *args: Scope) -> None:
        for hook in list(self.hook_tables[name]):
            try:
                hook(*args)
            except Exception as error:
                self._fault(hook, error)

    # --- traversal ---------------------------------------------------------------------------
    def run(self) -> list[tuple[int, int, str]]:
        if not self.checkers:
            return self.results  # no checker can report in this file: nothing to walk
        ctx = self.ctx
        tree = ctx.tree
        root = (tree, None, ENTER)
        body = getattr(tree, "body", None)
        if isinstance(body, list):
            self._walk([(stmt, root, ENTER) for stmt in reversed(body)])
        elif isinstance(tree, ast.AST):
            self._walk([(tree, None, ENTER)])
        while ctx.deferred:
            scope = ctx.deferred.popleft()
            self._function_body(scope)
        ctx.scope, ctx.frame = ctx.module, None
        self._hook("module_end")
        ctx.drop_dead_findings()
        return self.results

    def _function_body(self, scope: Scope) -> None:
        ctx = self.ctx
        node = scope.node
        frame = scope.frame
        ctx.scope = scope
        ctx.frame = frame
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults = [None] * (len(positional) - len(args.defaults)) + list(args.defaults)
        params = [(arg, i, default) for i, (arg, default) in enumerate(zip(positional, defaults, strict=True))]
        if args.vararg:
            params.append((args.vararg, -1, None))
        params.extend((arg, -1, default) for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True))
        if args.kwarg:
            params.append((args.kwarg, -1, None))
        for arg, index, default in params:
            self._bind(
                Binding(arg.arg, _PARAM, arg, scope, frame=frame, annotation=arg.annotation, value=default, index=index)
            )
        self._hook("function_start", scope)
        if isinstance(node, ast.Lambda):
            self._walk([(node.body, frame, ENTER)])
        else:
            self._walk([(stmt, frame, ENTER) for stmt in reversed(node.body)])
        ctx.scope = scope
        ctx.frame = frame
        self._hook("function_end", scope)

    def _plan_for(self, cls: type) -> tuple:
        """What entering a node of type ``cls`` takes: its handlers (or None), whether it has
        leave handlers, and its child fields -- one lookup per node in the hot loop."""
        entry = (self.enter.get(cls), cls in self.exit, CHILDREN.get(cls) or child_fields(cls))
        self._plan[cls] = entry
        return entry

    def _walk(self, stack: list) -> None:  # noqa: C901 - the hot loop stays in one frame, by design
        ctx = self.ctx
        plan_get = self._plan.get
        exits = self.exit
        push = stack.append
        pop = stack.pop
        AST = ast.AST
        Name, Load, ClassDef = ast.Name, ast.Load, ast.ClassDef
        silent = self._silent
        fast_names = self._fast_names
        skip_unwatched = self._skip_unwatched
        watched = ctx.watched_names
        while stack:
            frame = pop()
            node, parent, phase = frame
            if phase == ENTER:
                cls = type(node)
                if cls is Name and fast_names and type(node.ctx) is Load:
                    if node.id in watched:
                        ctx.frame = frame
                        ctx.record_load(node.id, frame)
                    continue
                entry = plan_get(cls) or self._plan_for(cls)
                handlers, leaves, fields = entry
                if handlers:
                    ctx.frame = frame  # what a handler reads; nodes nobody handles leave it alone
                    try:
                        for handler in handlers:
                            handler(node)
                    except Exception as error:
                        failed = handlers.index(handler)
                        rest = handlers[failed + 1 :]
                        self._fault(handler, error)
                        self._dispatch(rest, node)
                if leaves:
                    push((node, frame, EXIT))
                if cls is ClassDef:
                    for stmt in reversed(node.body):
                        push((stmt, frame, ENTER))
                    push((node, frame, CLASS_BODY))
                for name in fields:
                    value = getattr(node, name, None)
                    if type(value) is list:
                        for child in reversed(value):
                            ctype = type(child)
                            if ctype is Name:
                                if skip_unwatched and type(child.ctx) is Load and child.id not in watched:
                                    continue
                                push((child, frame, ENTER))
                            elif ctype not in silent and isinstance(child, AST):
                                push((child, frame, ENTER))
                    elif value is not None:
                        ctype = type(value)
                        if ctype is Name:
                            if skip_unwatched and type(value.ctx) is Load and value.id not in watched:
                                continue
                            push((value, frame, ENTER))
                        elif ctype not in silent and isinstance(value, AST):
                            push((value, frame, ENTER))
            elif phase == EXIT:
                ctx.frame = parent  # exit entries carry the node's own frame
                handlers = exits[type(node)]
                try:
                    for handler in handlers:
                        handler(node)
                except Exception as error:
                    rest = handlers[handlers.index(handler) + 1 :]
                    self._fault(handler, error)
                    self._dispatch(rest, node)
            else:  # CLASS_BODY: the header is done; the body runs in the class scope
                ctx.scope = self._pending_scope[node]
