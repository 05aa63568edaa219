"""Every fixture: the exact set of (line, col, code), the annotated messages, nothing else."""

from __future__ import annotations

import re
import sys

import pytest

from flake8_async_patterns.rules import RULES as ALL_RULES
from flake8_async_patterns.runner import lint
from flake8_async_patterns.settings import settings_from_flags

from fixture_format import all_fixtures, checked, fixture_settings
from rules_by_name import code

FIXTURES = all_fixtures()


def _id(fixture):
    return fixture.path.name


def lint_fixture(fixture):
    found = lint(fixture.source, fixture_settings(fixture), str(fixture.path))
    return [(line, col, message) for line, col, message in found if checked(fixture, message.split()[0])]


@pytest.mark.parametrize("fixture", FIXTURES, ids=_id)
def test_fixture_compiles(fixture):
    if fixture.min_version and sys.version_info < fixture.min_version:
        pytest.skip(f"needs Python {fixture.min_version}")
    compile(fixture.source, str(fixture.path), "exec")


@pytest.mark.parametrize("fixture", FIXTURES, ids=_id)
def test_fixture_diagnostics(fixture):
    if fixture.min_version and sys.version_info < fixture.min_version:
        pytest.skip(f"needs Python {fixture.min_version}")
    results = lint_fixture(fixture)
    got = {(line, col, message.split()[0]) for line, col, message in results}
    want = {(e.line, e.col, e.code) for e in fixture.expected}
    assert sorted(got - want) == [], "unexpected diagnostics (line, col, code)"
    assert sorted(want - got) == [], "missing diagnostics (line, col, code)"
    assert len(results) == len(got), "a diagnostic was reported twice"
    messages = {(line, col, message.split()[0]): message for line, col, message in results}
    for expected in fixture.expected:
        if expected.message:
            actual = messages[(expected.line, expected.col, expected.code)]
            assert expected.message in actual, f"line {expected.line}: {actual!r}"


# A rule that does not repeat another rule's finding while that rule is selected (manual-event-loop
# leaves a driven ``get_event_loop()`` to deprecated-get-event-loop).
LEAVES_TO = {"manual-event-loop": ("deprecated-get-event-loop",)}
RULE_NAMES = {rule.code: rule.name for rule in ALL_RULES}


@pytest.mark.parametrize("fixture", FIXTURES, ids=_id)
def test_fixture_code_selected_alone(fixture):
    """The fixture's own code, selected alone (``--select`` of that one code), finds what it finds beside every
    other rule: no rule's answer may depend on another checker running (a shared fact fed by only
    some of them) -- but for a rule that leaves a finding to another one when that one is on."""
    if fixture.min_version and sys.version_info < fixture.min_version:
        pytest.skip(f"needs Python {fixture.min_version}")
    selected = {fixture.code, *(code(name) for name in LEAVES_TO.get(RULE_NAMES[fixture.code], ()))}
    settings = settings_from_flags(fixture.option_args(), enabled=frozenset(selected))
    found = lint(fixture.source, settings, str(fixture.path))
    alone = {(line, col) for line, col, message in found if message.split()[0] == fixture.code}
    beside = {(line, col) for line, col, message in lint_fixture(fixture) if message.split()[0] == fixture.code}
    assert sorted(alone ^ beside) == [], "findings that differ with the code selected alone"


@pytest.mark.parametrize("fixture", FIXTURES, ids=_id)
def test_fixture_structure(fixture):
    """Wrong snippets first (annotated with the fixture's own code), then a ``# correct``
    section of near misses that carry none of its own code."""
    own = [e for e in fixture.expected if e.code == fixture.code]
    # An option fixture may show that its options silence the rule entirely, and a ``# silenced:``
    # fixture that a fact of the whole file does (tests/test_edge_cases.py shows it without the fact).
    assert own or fixture.options or fixture.silenced, f"{fixture.path.name} has no {fixture.code} annotation"
    assert fixture.correct_from is not None, f"{fixture.path.name} has no '# correct' section"
    late = [e.line for e in own if e.line > fixture.correct_from]
    assert not late, f"{fixture.code} annotated in the correct section at lines {late}"
    correct_lines = fixture.source.count("\n") - fixture.correct_from
    assert correct_lines >= 5, "the correct section needs real near-miss snippets"


def _template_regex(code: str, template: str) -> re.Pattern:
    parts = re.split(r"\{[^}]*\}", template)
    return re.compile("^" + re.escape(code + " ") + ".+?".join(re.escape(p) for p in parts) + "$")


def test_every_message_template_is_rendered_by_some_fixture():
    """Each message, variants included, is produced somewhere in the fixtures, fully filled in."""
    messages = []
    unparsable = set()  # codes with a fixture this Python cannot parse (``except*`` on 3.10...)
    for fixture in FIXTURES:
        if fixture.min_version and sys.version_info < fixture.min_version:
            unparsable.add(fixture.code)
            continue
        messages += [message for _, _, message in lint_fixture(fixture)]
    assert all("{" not in m and "}" not in m for m in messages)
    for rule in ALL_RULES:
        for variant, template in rule.templates().items():
            pattern = _template_regex(rule.code, template)
            if rule.code in unparsable and not any(pattern.match(m) for m in messages):
                continue  # rendered by the newer-syntax fixture, checked on the newer interpreters
            assert any(pattern.match(m) for m in messages), f"{rule.code} variant {variant!r} never reported"
