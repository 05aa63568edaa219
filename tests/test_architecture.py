"""The layers keep their direction, every rule module is listed, and modules stay small."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from flake8_async_patterns import rules
from flake8_async_patterns.registry import REGISTRY

from fixture_format import ROOT

PACKAGE = ROOT / "flake8_async_patterns"
MAX_MODULE_LINES = 500


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Absolute names of the package modules ``path`` imports (``from . import x`` resolved)."""
    return _imports_of(path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py")


def _imports_of(source: str, module: str, is_package: bool = False) -> set[str]:
    package = module if is_package else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                prefix = ".".join(base + ([node.module] if node.module else []))
            else:
                prefix = node.module or ""
            found.add(prefix)
            found.update(f"{prefix}.{alias.name}" for alias in node.names)
    return {name for name in found if name.startswith("flake8_async_patterns")}


def _modules(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


def _reaches(imported: set[str], layer: str) -> set[str]:
    prefix = f"flake8_async_patterns.{layer}"
    return {name for name in imported if name == prefix or name.startswith(prefix + ".")}


@pytest.mark.parametrize("path", _modules("semantic"), ids=lambda p: p.name)
def test_semantic_imports_neither_knowledge_nor_rules(path):
    imported = _imports(path)
    assert not _reaches(imported, "knowledge") and not _reaches(imported, "rules"), imported


@pytest.mark.parametrize("path", _modules("knowledge"), ids=lambda p: p.name)
def test_knowledge_does_not_import_rules(path):
    imported = _imports(path)
    assert not _reaches(imported, "rules"), imported
    assert not {f"flake8_async_patterns.{m}" for m in ("engine", "plugin", "checker", "runner")} & imported


@pytest.mark.parametrize("name", ["engine.py", "registry.py", "checker.py", "settings.py"])
def test_the_traversal_and_the_registry_do_not_import_rules(name):
    assert not _reaches(_imports(PACKAGE / name), "rules")


_BELOW_THE_COMMAND = [
    *_modules("semantic"),
    *_modules("knowledge"),
    *_modules("rules"),
    *(PACKAGE / name for name in ("engine.py", "registry.py", "checker.py", "settings.py", "runner.py", "plugin.py")),
]


@pytest.mark.parametrize("path", _BELOW_THE_COMMAND, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_below_the_command_line_adapter_imports_it(path):
    """``command/`` (aio-lint) is an adapter like plugin.py: it imports the layers, never the reverse."""
    assert not _reaches(_imports(path), "command")


def test_the_import_check_sees_a_violation():
    """Not vacuous: relative, absolute and nested imports of a higher layer are all caught."""
    module = "flake8_async_patterns.semantic.fake"
    for source in (
        "from ..knowledge.kinds import Kind\n",
        "from .. import rules\n",
        "def f():\n    import flake8_async_patterns.knowledge.asyncio\n",
    ):
        imported = _imports_of(source, module)
        assert _reaches(imported, "knowledge") or _reaches(imported, "rules"), source
    assert not _reaches(_imports_of("from .scope import Scope\n", module), "knowledge")


def test_every_rule_module_is_listed():
    on_disk = {_module_name(path) for path in (PACKAGE / "rules").rglob("*.py") if path.name != "__init__.py"}
    listed = {module.__name__ for module in rules.MODULES}
    assert listed == on_disk


def test_every_registered_rule_has_exactly_one_checker():
    owners: dict[str, list[str]] = {}
    for checker in rules.CHECKERS:
        for rule in checker.rules:
            owners.setdefault(rule.code, []).append(checker.__name__)
    assert {code: len(names) for code, names in owners.items()} == dict.fromkeys(REGISTRY, 1)
    assert [rule.code for rule in rules.RULES] == sorted(REGISTRY)


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_modules_stay_small(path):
    lines = path.read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{path.name} has {lines} lines: split it (a family becomes a package)"


def test_on_and_off_rules_do_not_share_a_rule_module():
    for module in rules.MODULES:
        defaults = {
            rule.default_enabled
            for checker in rules.CHECKERS
            if checker.__module__ == module.__name__
            for rule in checker.rules
        }
        assert len(defaults) <= 1, f"{module.__name__} mixes on-by-default and off-by-default rules"


def test_no_checker_handles_a_node_the_traversal_never_reaches():
    from flake8_async_patterns.rules import CHECKERS
    from flake8_async_patterns.semantic.fields import UNVISITED_TYPES

    for checker in CHECKERS:
        handled = {node_type for node_type, _ in (*checker.visits, *checker.leaves)}
        assert not handled & UNVISITED_TYPES, checker.__name__
