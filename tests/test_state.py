"""Per-file state only: linting many files leaves nothing behind."""

from __future__ import annotations

import ast
import gc
import sys
import tracemalloc

from flake8_async_patterns import checker, engine, registry, rules
from flake8_async_patterns.plugin import AsyncPatternsChecker
from flake8_async_patterns.semantic import context, scope

from fixture_format import all_fixtures

PER_FILE_TYPES = (context.Context, scope.Scope, scope.Binding, engine.Engine, checker.Checker)


def _lint_all(trees) -> int:
    return sum(len(list(AsyncPatternsChecker(tree, "f.py").run())) for tree in trees)


def _live_per_file_objects() -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, PER_FILE_TYPES))


def test_no_per_file_object_outlives_its_file():
    trees = [ast.parse(f.source) for f in all_fixtures() if not f.min_version or sys.version_info >= f.min_version]
    first = _lint_all(trees)  # the first run imports the rule families
    before = _live_per_file_objects()
    sizes = (len(registry.REGISTRY), len(rules.CHECKERS), len(engine._CHILDREN))
    for _ in range(5):
        assert _lint_all(trees) == first
    assert _live_per_file_objects() == before
    assert (len(registry.REGISTRY), len(rules.CHECKERS), len(engine._CHILDREN)) == sizes


def test_memory_does_not_grow_with_files():
    """After warm-up, more files cost no retained memory (3.11+: CPython 3.10 keeps bounded
    frame and deque free lists that tracemalloc would count)."""
    if sys.version_info < (3, 11):
        return
    trees = [ast.parse(f.source) for f in all_fixtures() if not f.min_version or sys.version_info >= f.min_version]
    for _ in range(3):
        _lint_all(trees)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(20):
            _lint_all(trees)
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(
        s.size_diff for s in after.compare_to(before, "filename") if "flake8_async_patterns" in str(s.traceback)
    )
    assert grown < 2 * 1024, f"the plugin kept {grown} bytes across 20 runs"


def test_plugin_class_holds_no_mutable_state():
    """flake8 shares one plugin class across files; settings travel on the options namespace."""
    mutable = (list, dict, set)
    for name, value in vars(AsyncPatternsChecker).items():
        assert not isinstance(value, mutable), f"AsyncPatternsChecker.{name} is mutable"
