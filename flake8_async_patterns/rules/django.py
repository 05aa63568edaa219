"""Django's synchronous ORM called from async code (django-sync-orm-in-async)."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ..checker import Checker
from ..registry import declare
from ..semantic.scope import BindingKind
from ..semantic.source import ASYNC_CODE
from ..semantic.text import describe

if TYPE_CHECKING:
    from ..semantic.context import Context

DJANGO_ASYNC_DOC = "https://docs.djangoproject.com/en/stable/topics/async/"
DJANGO_QUERIES_DOC = "https://docs.djangoproject.com/en/stable/topics/db/queries/#asynchronous-queries"

# QuerySet methods that run the query and have an ``a``-prefixed twin (Django 4.1+; checked
# against Django 5.2: every ``a<name>`` exists on QuerySet).
EVALUATING = frozenset(
    {
        "get", "create", "count", "exists", "first", "last", "update", "delete", "get_or_create",
        "update_or_create", "aggregate", "in_bulk", "earliest", "latest", "bulk_create",
        "bulk_update", "contains", "explain", "iterator",
    }
)  # fmt: skip
# Methods that return another (lazy) QuerySet.
CHAINING = frozenset(
    {
        "all", "filter", "exclude", "order_by", "select_related", "prefetch_related", "annotate",
        "alias", "values", "values_list", "distinct", "only", "defer", "using", "reverse", "none",
        "select_for_update", "union", "intersection", "difference", "dates", "datetimes",
    }
)  # fmt: skip
# Model instance methods with async twins (Django 4.2+).
INSTANCE_METHODS = frozenset({"save", "delete", "refresh_from_db"})
MODEL_BASE = "django.db.models.Model"

DJANGO_SYNC_ORM_IN_ASYNC = declare(
    code="AIO701",
    name="django-sync-orm-in-async",
    default_enabled=True,
    async_only=True,
    message=(
        "{what} in async function '{function}' runs a synchronous database query, which Django "
        "refuses there (SynchronousOnlyOperation); use {instead}"
    ),
    summary=(
        "In async context, in a module that imports Django: a `Model.objects...` query method that "
        "has an `a`-prefixed twin (`get`, `create`, `count`, `exists`, `first`, `last`, `update`, "
        "`delete`, `get_or_create`, `update_or_create`, `aggregate`, `in_bulk`, `earliest`, "
        "`latest`, `bulk_create`, `bulk_update`, `contains`, `explain`, `iterator`); a plain `for`, "
        "`list()`, `len()`, `bool()` or `if` over such a queryset (or a local bound to one, or a "
        "related manager's `.all()`); `.save()`, `.delete()`, `.refresh_from_db()` on an instance "
        "loaded through `objects` in the function or made from a model class of the module or of a "
        "`models` module."
    ),
    why=(
        "Django's ORM is synchronous: called from a coroutine, it would block the event loop on "
        'database I/O, so Django raises `SynchronousOnlyOperation` instead ("You cannot call this '
        'from an async context"). Since Django 4.1 querysets have async twins (`aget`, `acount`, '
        "`async for`...), and since 4.2 model instances too (`asave`, `adelete`)."
    ),
    example=(
        "from django.http import JsonResponse\n\n"
        "from .models import Ticket\n\n"
        "async def ticket_view(request, pk):\n"
        "    ticket = Ticket.objects.get(pk=pk)\n"
        "    ticket.views += 1\n"
        "    ticket.save()\n"
        "    return JsonResponse({'views': ticket.views})\n"
    ),
    use_instead=(
        "from django.http import JsonResponse\n\n"
        "from .models import Ticket\n\n"
        "async def ticket_view(request, pk):\n"
        "    ticket = await Ticket.objects.aget(pk=pk)\n"
        "    ticket.views += 1\n"
        "    await ticket.asave()\n"
        "    return JsonResponse({'views': ticket.views})\n"
    ),
    seed='002 "Django Async Views"',
    peers="none",
    notes=(
        "Only in modules that import Django. Code handed to `sync_to_async(...)` (a lambda, a "
        "function reference such as `sync_to_async(Ticket.objects.get)`, a sync def decorated with "
        "`sync_to_async`/`database_sync_to_async`) runs in a thread and is not reported.",
        "Querysets are `<anything>.objects` chains and locals bound to them; "
        "instances are locals loaded through `objects` in the function or constructed from a class "
        "the module defines as a `models.Model` subclass or imports from a `models` module.",
        "Comprehensions count: `[t.title for t in queryset]` evaluates the queryset synchronously "
        "(reported at the iterable); `[t.title async for t in queryset]` does not.",
        "Reported at the call, the `for` statement or the `if`.",
    ),
    references=(DJANGO_ASYNC_DOC, DJANGO_QUERIES_DOC),
)


class DjangoOrmChecker(Checker):
    """django-sync-orm-in-async: decided at each call, ``for`` and ``if`` from the expression's shape
    and the bindings of the names in it."""

    rules = (DJANGO_SYNC_ORM_IN_ASYNC,)
    requires = ((ASYNC_CODE,), ("django",))

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.models: set[str] = set()  # names of model classes (defined here or from ``models``)
        self.imports_django = False
        self.pending: list[tuple[ast.AST, str, str, str]] = []  # reported at the end if Django is imported

    def visit_Import(self, node: ast.Import) -> None:
        if any(alias.name == "django" or alias.name.startswith("django.") for alias in node.names):
            self.imports_django = True

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if not node.level and (module == "django" or module.startswith("django.")):
            self.imports_django = True
        if module == "models" or module.endswith(".models") or (node.level and module in ("", "models")):
            self.models.update(alias.asname or alias.name for alias in node.names if alias.name[:1].isupper())

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        ctx = self.ctx
        if any(
            ctx.qualified_name(b) == MODEL_BASE or (isinstance(b, ast.Name) and b.id in self.models) for b in node.bases
        ):
            self.models.add(node.name)

    # --- what an expression is ---------------------------------------------------------------
    def _queryset(self, expr: ast.AST, depth: int = 0) -> bool:
        if depth > 20:
            return False
        if isinstance(expr, ast.Attribute):
            return expr.attr == "objects"
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            method, receiver = expr.func.attr, expr.func.value
            if method not in CHAINING:
                return False
            if self._queryset(receiver, depth + 1):
                return True
            # a related manager: ``user.orders.all()``
            return method == "all" and isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name)
        if isinstance(expr, ast.Name):
            binding = self.ctx.lookup(expr.id)
            if binding is not None and binding.kind is BindingKind.ASSIGN and binding.scope is self.ctx.function:
                value = binding.value
                return value is not None and value is not expr and self._queryset(value, depth + 1)
        return False

    def _instance(self, expr: ast.AST) -> bool:
        if not isinstance(expr, ast.Name):
            return False
        binding = self.ctx.lookup(expr.id)
        if binding is None or binding.kind is not BindingKind.ASSIGN or binding.scope is not self.ctx.function:
            return False
        value = binding.value
        if isinstance(value, ast.Await):
            value = value.value
        if not isinstance(value, ast.Call):
            return False
        func = value.func
        if isinstance(func, ast.Name):
            return func.id in self.models
        return isinstance(func, ast.Attribute) and (
            self._queryset(func.value) or _has_objects(func) or self._model_of_models_module(func)
        )

    def _model_of_models_module(self, func: ast.Attribute) -> bool:
        """``models.Order`` after ``from shop import models``, ``shop.models.Order``: a class of
        a project's ``models`` module (not Django's own ``django.db.models``)."""
        if not func.attr[:1].isupper():
            return False
        module = self.ctx.qualified_name(func.value) or ""
        return (module == "models" or module.endswith(".models")) and module != "django.db.models"

    # --- reports -----------------------------------------------------------------------------
    def _report(self, node: ast.AST, what: str, instead: str) -> None:
        self.pending.append((node, what, instead, self.ctx.function.name))

    def module_end(self) -> None:
        """Only a module that imports Django: another ORM's ``objects`` (mongoengine) is not Django's."""
        if self.imports_django:
            for node, what, instead, function in self.pending:
                self.ctx.report(node, DJANGO_SYNC_ORM_IN_ASYNC, what=what, instead=instead, function=function)

    def visit_Call(self, node: ast.Call) -> None:
        if not self.ctx.in_async:
            return
        func = node.func
        if isinstance(func, ast.Attribute):
            method, receiver = func.attr, func.value
            if method in EVALUATING and self._queryset(receiver):
                if method == "iterator":
                    self._report(node, f"'{describe(node)}'", f"'async for ... in {describe(receiver)}.aiterator()'")
                else:
                    self._report(node, f"'{describe(node)}'", f"'await {describe(receiver)}.a{method}()'")
            elif method in INSTANCE_METHODS and self._instance(receiver):
                self._report(node, f"'{describe(node)}'", f"'await {describe(receiver)}.a{method}()'")
            return
        if isinstance(func, ast.Name) and func.id in _BUILTIN_EVALUATIONS and len(node.args) == 1:
            argument = node.args[0]
            if self._queryset(argument):
                instead = _BUILTIN_EVALUATIONS[func.id].format(qs=describe(argument))
                self._report(node, f"'{func.id}({describe(argument)})'", instead)

    def visit_For(self, node: ast.For) -> None:
        if self.ctx.in_async and self._queryset(node.iter):
            self._report(node, f"a plain 'for' over '{describe(node.iter)}'", "'async for'")

    def visit_comprehension(self, node: ast.comprehension) -> None:
        if self.ctx.in_async and not node.is_async and self._queryset(node.iter):
            self._report(node.iter, f"a plain 'for' over '{describe(node.iter)}' in a comprehension", "'async for'")

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            test = test.operand
        if self.ctx.in_async and isinstance(test, ast.Name) and self._queryset(test):
            self._report(node, f"'if {test.id}:'", f"'if await {test.id}.aexists():'")


_BUILTIN_EVALUATIONS = {
    "list": "'[item async for item in {qs}]'",
    "len": "'await {qs}.acount()'",
    "bool": "'await {qs}.aexists()'",
}


def _has_objects(func: ast.Attribute) -> bool:
    """``Ticket.objects.get`` / ``Ticket.objects.filter(...).first``: the call goes through ``objects``."""
    node: ast.AST = func.value
    for _ in range(20):
        if isinstance(node, ast.Attribute):
            if node.attr == "objects":
                return True
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        else:
            return False
    return False
