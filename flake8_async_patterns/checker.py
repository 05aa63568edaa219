"""The base class of rule implementations ("checkers"), how the engine finds their handlers, and
which files a checker can report anything in at all."""

from __future__ import annotations

import ast
from collections.abc import Iterable
from typing import Any, ClassVar

from .registry import Rule
from .semantic.context import Context
from .semantic.source import SourceText, Word

HOOKS = ("bound", "function_start", "function_end", "module_end")


class Checker:
    """Base of rule implementations.  One instance per file, created only when one of its
    ``rules`` is selected and the file can hold one of its findings.

    Handlers are methods named ``visit_<NodeType>`` (called on entering the node, before its
    children) and ``leave_<NodeType>`` (after them).  Optional hooks: ``bound(binding)`` (for
    assignment bindings only: ``=``, ``:=``, annotated assignments, ``self.x = ...``),
    ``function_start(scope)``, ``function_end(scope)``, ``module_end()``.  A subclass's handler
    table is computed once, when the class is defined.

    ``requires`` says which files the checker can report anything in at all: groups of words,
    each group needing one of its words in the source text -- ``((ASYNC_CODE,), ("commit",
    "begin"))`` is "an ``async def``, and ``commit`` or ``begin``".  The words must be
    *necessary* for every rule of the checker: a name a rule resolves through imports still
    appears in the text, at the import or at the use.  A checker whose requirement fails is not
    created for the file, and a file where no checker can report is not walked at all
    (``tests/test_prefilter.py`` compares the findings with and without the filter).
    """

    rules: ClassVar[tuple[Rule, ...]] = ()
    requires: ClassVar[tuple[tuple[Word, ...], ...]] = ()
    visits: ClassVar[tuple[tuple[type, str], ...]] = ()
    leaves: ClassVar[tuple[tuple[type, str], ...]] = ()
    hooks: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.visits, cls.leaves = _handler_names(cls)
        cls.hooks = tuple(hook for hook in HOOKS if callable(getattr(cls, hook, None)))

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    @classmethod
    def can_report_in(cls, source: SourceText) -> bool:
        """Whether the file whose text is ``source`` can hold one of this checker's findings."""
        has = source.has
        for group in cls.requires:  # plain loops: this runs for every checker on every file
            for word in group:
                if has(word):
                    break
            else:
                return False
        return True


def _handler_names(cls: type) -> tuple[tuple[tuple[type, str], ...], tuple[tuple[type, str], ...]]:
    """``(visits, leaves)``: the ``visit_<NodeType>`` and ``leave_<NodeType>`` handlers of ``cls``
    (one scan of its attributes: this runs at import, for every checker class)."""
    found: dict[str, list[tuple[type, str]]] = {"visit_": [], "leave_": []}
    for attr in dir(cls):
        prefix = attr[:6]
        if prefix in found:
            node_type = getattr(ast, attr[6:], None)
            if isinstance(node_type, type) and issubclass(node_type, ast.AST):
                found[prefix].append((node_type, attr))
    return tuple(found["visit_"]), tuple(found["leave_"])


def checkers_in(modules: Iterable[object]) -> tuple[type[Checker], ...]:
    """Every checker class defined in ``modules`` that implements at least one rule."""
    found: list[type[Checker]] = []
    for module in modules:
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Checker)
                and value.rules
                and value.__module__ == getattr(module, "__name__", None)
                and value not in found
            ):
                found.append(value)
    return tuple(found)
