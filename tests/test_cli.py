"""``python -m flake8_async_patterns``: list, explain, docs."""

from __future__ import annotations

import subprocess
import sys

from flake8_async_patterns import docs
from flake8_async_patterns.rules import RULES as ALL_RULES

from rules_by_name import RULES


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flake8_async_patterns", *args], capture_output=True, text=True, timeout=60
    )


def test_list_shows_every_rule_with_its_default():
    result = run()
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(ALL_RULES)
    for rule, line in zip(ALL_RULES, lines, strict=True):
        assert line.split()[:3] == [rule.code, rule.name, "on" if rule.default_enabled else "off"]


def test_explain_by_code_and_by_name():
    rule = RULES["unawaited-coroutine"]
    by_code = run("explain", rule.code.lower())
    by_name = run("explain", rule.name)
    assert by_code.returncode == by_name.returncode == 0
    assert by_code.stdout == by_name.stdout == docs.rule_markdown(rule) + "\n"
    assert "### Why is this wrong" in by_code.stdout and rule.example.splitlines()[0] in by_code.stdout


def test_explain_unknown_rule_is_a_usage_error():
    result = run("explain", "no-such-rule")
    assert result.returncode == 2
    assert "unknown rule 'no-such-rule'" in result.stderr and "Traceback" not in result.stderr


def test_docs_prints_the_generated_reference():
    result = run("docs")
    assert result.returncode == 0
    assert result.stdout == docs.render_rules_md()


def test_docs_output_also_writes_the_sources_page_next_to_it(tmp_path):
    target = tmp_path / "rules.md"
    result = run("docs", "--output", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8") == docs.render_rules_md()
    assert (tmp_path / docs.SOURCES_PAGE).read_text(encoding="utf-8") == docs.render_sources_md()
