"""The house stays in lockstep: registry, docs, fixtures, changelog and README agree."""

from __future__ import annotations

import ast
import io
import re
import string
import tokenize

import pytest

from flake8_async_patterns import docs
from flake8_async_patterns.registry import INTERNAL_ERROR, PREFIX, REGISTRY
from flake8_async_patterns.rules import RULES as ALL_RULES
from flake8_async_patterns.runner import lint
from flake8_async_patterns.settings import settings_from_flags

from fixture_format import FIXTURES, ROOT, all_fixtures

CODE = re.compile(rf"\b{PREFIX}\d{{3}}\b")
RULES = list(ALL_RULES)
CODES = {rule.code for rule in RULES}
# Not a rule: the finding a failing checker is reported as.  Documented, never registered.
INTERNAL = INTERNAL_ERROR.code


def test_registry_is_not_empty_and_codes_are_unique():
    assert len(RULES) == len(CODES) == len(REGISTRY) >= 11
    assert INTERNAL not in REGISTRY and INTERNAL not in CODES
    assert len({rule.name for rule in RULES}) == len(RULES)


def test_docs_list_exactly_the_registered_codes():
    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert set(re.findall(rf"^## ({PREFIX}\d{{3}}) ", text, re.M)) == CODES | {INTERNAL}


def test_fixtures_cover_exactly_the_registered_codes():
    assert {fixture.code for fixture in all_fixtures()} == CODES


def test_changelog_lists_exactly_the_registered_codes():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    unreleased = text.split("## Unreleased", 1)[1].split("\n## ", 1)[0]
    bullets = re.findall(rf"^- ({PREFIX}\d{{3}})\b", unreleased, re.M)
    assert set(bullets) == CODES
    assert set(CODE.findall(text)) <= CODES | {INTERNAL}


def test_readme_table_lists_exactly_the_registered_codes():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.readme_table() in text, "README's rule table is stale: paste docs.readme_table()"
    assert set(CODE.findall(text)) <= CODES | {INTERNAL}


def test_readme_options_table_is_generated_from_the_option_table():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert docs.options_table() in text, (
        "README's options table is stale: run `python -m flake8_async_patterns docs --readme README.md`"
    )
    assert docs.refresh_readme(text) == text


def test_docs_are_generated_from_the_registry():
    """docs/rules.md and the docs/sources.md written next to it."""
    for path, page in docs.pages(ROOT / "docs" / "rules.md").items():
        assert path.read_text(encoding="utf-8") == page, (
            f"docs/{path.name} is stale: run `python -m flake8_async_patterns docs --output docs/rules.md`"
        )


def _declaration_lines(tree: ast.AST) -> set[int]:
    """Lines of rule declarations: calls with a ``code="..."`` keyword (``declare`` or a
    family's wrapper around it)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and any(
            k.arg == "code" and isinstance(k.value, ast.Constant) for k in node.keywords
        ):
            lines.update(range(node.lineno, node.end_lineno + 1))
    return lines


def test_codes_are_spelled_only_in_their_declarations():
    """In the package a code appears once, as the ``code="..."`` of its declaration; other rule
    docs may cross-reference it.  Comments, docstrings and logic use rule names.  Tests and
    benchmarks spell no code at all."""
    declared: dict[str, int] = {}
    for path in sorted((ROOT / "flake8_async_patterns").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        allowed = _declaration_lines(ast.parse(source))
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            found = CODE.findall(token.string) if token.type in (tokenize.STRING, tokenize.COMMENT) else []
            for code in found:
                where = f"{path.relative_to(ROOT)}:{token.start[0]}"
                assert token.type == tokenize.STRING and token.start[0] in allowed, f"{code} spelled at {where}"
                if token.string.strip("\"'") == code:
                    declared[code] = declared.get(code, 0) + 1
    assert declared == dict.fromkeys(CODES | {INTERNAL}, 1)
    numbers = {code[len(PREFIX) :] for code in CODES}
    for path in sorted((ROOT / "flake8_async_patterns").rglob("*.py")):
        for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            if token.type == tokenize.NAME:
                spelled = set(re.findall(r"(?<![0-9])([0-9]{3})(?![0-9])", token.string)) & numbers
                assert not spelled, f"{token.string!r} at {path.relative_to(ROOT)}:{token.start[0]} names a code"
    for folder in ("tests", "benchmarks"):  # their own files, not the caches/corpus below them
        for path in sorted((ROOT / folder).glob("*.py")):
            found = CODE.findall(path.read_text(encoding="utf-8"))
            assert not found, f"{path.relative_to(ROOT)} spells {found}; use the rule name"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_message_grammar(rule):
    """One line; 'what is wrong with the named thing; what to do'; named fields; no final period."""
    for template in rule.templates().values():
        assert "\n" not in template
        assert "; " in template, template
        assert not template.endswith("."), template
        for _, name, _, _ in string.Formatter().parse(template):
            assert name is None or (name and not name.isdigit())


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_docs_are_complete(rule):
    for field in ("summary", "why", "example", "use_instead", "seed", "peers"):
        assert getattr(rule, field).strip(), f"{rule.code} has no {field}"
    text = docs.rule_markdown(rule)
    for heading in ("### What it flags", "### Why is this wrong", "### Example", "### Use instead"):
        assert heading in text
    assert "Seed pattern" not in text  # the seed is for maintainers: docs/sources.md


def _codes(source: str, options: tuple[str, ...] = ()) -> list[str]:
    return [message.split()[0] for _, _, message in lint(source, settings_from_flags(options))]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_example_triggers_and_use_instead_does_not(rule):
    compile(rule.example, "example", "exec")
    compile(rule.use_instead, "use_instead", "exec")
    assert rule.code in _codes(rule.example, rule.example_options)
    assert rule.code not in _codes(rule.use_instead, rule.example_options)
    on_by_default = {r.code for r in RULES if r.default_enabled}
    assert not set(_codes(rule.use_instead, rule.example_options)) & on_by_default, (
        "the fix must be clean of default rules"
    )


def test_fixture_folder_holds_only_fixtures():
    for path in FIXTURES.iterdir():
        if path.is_dir():
            assert path.name in ("seeds", "fixes"), path.name  # the seeds' examples re-written; --fix pairs
            continue
        assert path.suffix == ".py" and path.name.startswith(PREFIX), path.name


def test_lifecycle_hook_note_is_on_exactly_the_local_io_rules():
    """The rules an application's startup/shutdown hook is excused from (bounded local I/O) say so on
    their pages, as does transitive-blocking-call, whose chains may end in them; no other rule does."""
    from flake8_async_patterns.rules.blocking.conditions import LOCAL_IO
    from flake8_async_patterns.rules.blocking.notes import LIFECYCLE_NOTE, LOCAL_IO_NAMES

    assert {rule.name for rule in LOCAL_IO} == LOCAL_IO_NAMES
    with_note = {rule.name for rule in ALL_RULES if LIFECYCLE_NOTE[0] in rule.notes}
    assert with_note == LOCAL_IO_NAMES | {"transitive-blocking-call"}


def test_terminal_program_note_is_on_blocking_input_only():
    from flake8_async_patterns.rules.blocking.notes import PROMPT_NOTE

    assert {rule.name for rule in ALL_RULES if PROMPT_NOTE[0] in rule.notes} == {"blocking-input"}
