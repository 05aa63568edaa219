"""Linting without flake8 around it: for tests, the command line and the benchmarks.  flake8
itself goes through :mod:`plugin` with the tree it parsed; both run the same engine and rules."""

from __future__ import annotations

import ast

from .engine import Engine
from .rules import CHECKERS
from .settings import Settings


def lint_tree(
    tree: ast.AST,
    settings: Settings | None = None,
    *,
    source: str | None = None,
    filename: str | None = None,
    strict: bool = False,
    prefilter: bool = True,
) -> list[tuple[int, int, str]]:
    """``(line, col, message)`` findings for a parsed tree, in the order they were found.
    ``source`` (the text the tree was parsed from) lets checkers that cannot report in it stay out
    (unless ``prefilter`` is off); ``filename`` says whether it is a test file."""
    settings = settings or Settings()
    return Engine(tree, settings, CHECKERS, source=source, filename=filename, strict=strict, prefilter=prefilter).run()


def lint(
    source: str,
    settings: Settings | None = None,
    filename: str = "<string>",
    *,
    strict: bool = True,
    prefilter: bool = True,
) -> list[tuple[int, int, str]]:
    """Lint Python source text; ``(line, col, message)`` sorted by position.  A checker that
    raises propagates its exception (``strict``), as the project's tests want."""
    tree = ast.parse(source, filename)
    return sorted(lint_tree(tree, settings, source=source, filename=filename, strict=strict, prefilter=prefilter))
