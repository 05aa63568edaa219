"""The generated pages: docs/rules.md is for users (a stable anchor and a "Use instead" example on
every rule page, no seed pattern); docs/sources.md, next to it, maps each rule to its seed pattern."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flake8_async_patterns import docs
from flake8_async_patterns.registry import INTERNAL_ERROR
from flake8_async_patterns.rules import RULES

from fixture_format import ROOT
from rules_by_name import code

RULES_MD = ROOT / "docs" / "rules.md"
SOURCES_MD = ROOT / "docs" / "sources.md"
ANCHOR = re.compile(r'^<a id="([^"]+)"></a>$', re.M)
SOURCE_ROW = re.compile(
    r"^\| \[(?P<code>[^\]]+)\]\((?P<page>[^)#]+)#(?P<anchor>[^)]+)\) \| (?P<name>[^|]+) \| (?P<seed>.+) \|$"
)


@pytest.fixture(scope="module")
def rule_pages() -> dict[str, str]:
    """docs/rules.md split at its explicit anchors: anchor -> the page that follows it."""
    pieces = ANCHOR.split(RULES_MD.read_text(encoding="utf-8"))[1:]
    return dict(zip(pieces[::2], pieces[1::2], strict=True))


@pytest.fixture(scope="module")
def source_rows() -> list[re.Match]:
    """The rows of docs/sources.md's table, parsed."""
    rows = SOURCES_MD.read_text(encoding="utf-8").split("|---|---|---|\n", 1)[1].splitlines()
    matches = [SOURCE_ROW.match(row) for row in rows]
    assert all(matches), [row for row, match in zip(rows, matches, strict=True) if not match]
    return matches


def test_rules_md_has_no_seed_pattern():
    assert "Seed pattern" not in RULES_MD.read_text(encoding="utf-8")
    assert "Seed pattern" not in docs.render_rules_md()


def test_every_rule_page_has_its_stable_anchor_before_its_heading(rule_pages):
    expected = [rule.code for rule in RULES] + [INTERNAL_ERROR.code]
    assert list(rule_pages) == [docs.anchor(each) for each in expected]
    for each, page in zip(expected, rule_pages.values(), strict=True):
        assert page.startswith(f"\n\n## {each} "), page[:80]


def test_anchor_is_the_lowercase_code_whatever_the_heading():
    assert docs.anchor(code("unawaited-coroutine")) == code("unawaited-coroutine").lower()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_every_rule_page_has_use_instead_code(rule, rule_pages):
    page = rule_pages[docs.anchor(rule.code)]
    section = page.split("### Use instead\n", 1)[1].split("\n### ", 1)[0]
    block = re.search(r"```python\n(.*?)\n```", section, re.S)
    assert block and block.group(1).strip(), f"{rule.name}: no 'Use instead' code"
    assert block.group(1) == rule.use_instead.rstrip("\n")


def test_sources_md_lists_every_registered_code_once_with_its_seed(source_rows):
    assert [row["code"] for row in source_rows] == [rule.code for rule in RULES]  # each once, registry order
    for rule, row in zip(RULES, source_rows, strict=True):
        assert row["name"] == rule.name
        assert row["seed"].strip() and row["seed"] == " ".join(rule.seed.split())


def test_sources_md_links_each_code_to_an_anchor_of_rules_md(rule_pages, source_rows):
    for row in source_rows:
        assert row["page"] == RULES_MD.name
        assert row["anchor"] == docs.anchor(row["code"]) and row["anchor"] in rule_pages, row.group(0)


def test_sources_page_is_written_next_to_the_rule_reference_and_links_to_it():
    output = Path("site") / "reference.md"
    pages = docs.pages(output)
    assert list(pages) == [output, Path("site") / docs.SOURCES_PAGE]
    assert pages[output] == docs.render_rules_md()
    first = code("unawaited-coroutine")
    assert f"[{first}](reference.md#{docs.anchor(first)})" in pages[Path("site") / docs.SOURCES_PAGE]
