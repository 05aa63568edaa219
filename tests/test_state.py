"""Per-file state only: linting many files leaves nothing behind."""

from __future__ import annotations

import ast
import gc
import tracemalloc

from fixture_format import all_fixtures
from flake8_async_patterns import engine, registry
from flake8_async_patterns.plugin import AsyncPatternsChecker


def _lint_all(trees) -> int:
    return sum(len(list(AsyncPatternsChecker(tree, "f.py").run())) for tree in trees)


def test_nothing_grows_across_files():
    trees = [ast.parse(f.source) for f in all_fixtures()]
    first = _lint_all(trees)  # warm up: imports, lazily built tables
    sizes = (len(registry.REGISTRY), len(engine.CHECKERS), len(engine._CHILDREN))
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        for _ in range(20):
            assert _lint_all(trees) == first
        gc.collect()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename") if "flake8_async_patterns" in str(stat.traceback))
    assert grown < 4 * 1024, f"the plugin kept {grown} bytes across 20 runs"
    assert (len(registry.REGISTRY), len(engine.CHECKERS), len(engine._CHILDREN)) == sizes


def test_plugin_class_holds_no_mutable_state():
    """flake8 shares one plugin class across files; settings travel on the options namespace."""
    mutable = (list, dict, set)
    for name, value in vars(AsyncPatternsChecker).items():
        assert not isinstance(value, mutable), f"AsyncPatternsChecker.{name} is mutable"
