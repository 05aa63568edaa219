"""Per-file state only: linting many files leaves nothing behind."""

from __future__ import annotations

import ast
import gc
import sys
import tracemalloc

from flake8_async_patterns import checker, engine, registry, rules
from flake8_async_patterns.plugin import AsyncPatternsChecker
from flake8_async_patterns.semantic import context, fields, scope
from flake8_async_patterns.settings import Settings

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
    sizes = (len(registry.REGISTRY), len(rules.CHECKERS), len(fields.CHILDREN))
    for _ in range(5):
        assert _lint_all(trees) == first
    assert _live_per_file_objects() == before
    assert (len(registry.REGISTRY), len(rules.CHECKERS), len(fields.CHILDREN)) == sizes


def test_what_the_settings_remember_stays_bounded():
    """The engine keeps what it derives from the settings alone (which checkers run, the
    settings of test files) on the settings object: one entry per kind of file, however many
    files -- and a bounded number when callers keep passing new checker lists."""

    class Options:
        _aio_settings = Settings()

    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    lines = source.splitlines(True)
    tree = ast.parse(source)
    found = set()
    for i in range(40):
        name = f"pkg/test_{i}.py" if i % 2 else f"pkg/mod_{i}.py"
        found.add(tuple(r[2].split()[0] for r in AsyncPatternsChecker(tree, name, lines, Options).run()))
    assert len(found) == 2  # test files report fewer rules
    assert len(Options._aio_settings.memo) == 2
    settings = Settings()
    for _ in range(100):
        engine.Engine(tree, settings, list(rules.CHECKERS)[:5]).run()
    assert len(settings.memo) == 1
    for size in range(1, 60):
        engine.Engine(tree, settings, list(rules.CHECKERS)[:size]).run()
    assert len(settings.memo) <= 32


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
