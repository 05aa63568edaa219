"""The file-level prefilter (``Checker.requires``) is exact: whatever the source text lets the
engine skip, the findings are the same as when every selected checker runs."""

from __future__ import annotations

import ast
import sys
import warnings

import hypothesmith
import pytest
from hypothesis import assume, given, settings
from test_properties import PROPERTY, parses, programs

from flake8_async_patterns.checker import Checker
from flake8_async_patterns.rules import CHECKERS
from flake8_async_patterns.runner import lint
from flake8_async_patterns.semantic.source import ASYNC_CODE, LOCK_NAME, SourceText, Whole
from flake8_async_patterns.settings import Settings

from fixture_format import ROOT, all_fixtures, fixture_settings

FIXTURES = [f for f in all_fixtures() if not f.min_version or sys.version_info >= f.min_version]
EXAMPLES = sorted((ROOT / "examples").rglob("*.py"))


def _both(source: str, options: Settings | None = None) -> tuple[list, list]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return lint(source, options, prefilter=True), lint(source, options, prefilter=False)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.path.name)
def test_fixtures_report_the_same_with_the_prefilter(fixture):
    filtered, full = _both(fixture.source, fixture_settings(fixture))
    assert filtered == full


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_report_the_same_with_the_prefilter(path):
    filtered, full = _both(path.read_text(encoding="utf-8"))
    assert filtered == full


@PROPERTY
@given(programs())
def test_generated_programs_report_the_same_with_the_prefilter(source):
    assume(parses(source))
    filtered, full = _both(source)
    assert filtered == full


@settings(PROPERTY, max_examples=200)
@given(hypothesmith.from_grammar())
def test_grammar_programs_report_the_same_with_the_prefilter(source):
    assume(parses(source))
    filtered, full = _both(source)
    assert filtered == full


def test_every_checker_declares_what_it_needs():
    for checker in CHECKERS:
        assert checker.requires, f"{checker.__name__} declares no requirement: it would run on every file"


def test_a_file_no_checker_can_report_in_is_not_walked(monkeypatch):
    walked = []
    from flake8_async_patterns.engine import Engine

    original = Engine._walk
    monkeypatch.setattr(Engine, "_walk", lambda self, stack: walked.append(1) or original(self, stack))
    assert lint("import os\n\n\ndef f(path):\n    return os.listdir(path)\n") == []
    assert walked == []
    lint("import asyncio\n\n\nasync def f():\n    asyncio.sleep(1)\n")
    assert walked


@pytest.mark.parametrize(
    "text, expected",
    [
        ("async def f(): pass", True),
        ("async  def f(): pass", True),
        ("async\\\n def f(): pass", True),
        ("import asyncio", False),
        ("x = 'asynchronous definition'", False),
        ("def async_def(): pass", False),
    ],
)
def test_async_code_is_an_async_def(text, expected):
    assert SourceText(text, Settings()).has(ASYNC_CODE) is expected


REDIS = Whole("redis")


@pytest.mark.parametrize(
    "word, text, expected",
    [
        (LOCK_NAME, "with lock:\n    pass", True),
        (LOCK_NAME, "with self._lock:", True),
        (LOCK_NAME, "WRITE_LOCK = make()", True),
        (LOCK_NAME, "with self.Lock:", True),
        (LOCK_NAME, "lock", True),
        (LOCK_NAME, "# a non-blocking clock, never locked; locks and blocks", False),
        (LOCK_NAME, "mylock = 1", False),
        (LOCK_NAME, "élock = 1", True),  # a non-ASCII neighbour: true for nothing, never false for a lock
        (LOCK_NAME, "with 锁.lock:", True),
        (LOCK_NAME, "blöck = lockdown", False),
        (REDIS, "import redis", True),
        (REDIS, "from redis.asyncio import Redis", True),
        (REDIS, "import os, redis as r", True),
        (REDIS, "# Permission to redistribute", False),
        (REDIS, "aioredis_client = 1", False),
    ],
)
def test_whole_names_are_not_parts_of_longer_ones(word, text, expected):
    assert SourceText(text, Settings()).has(word) is expected


def test_a_whole_word_is_answered_apart_from_the_plain_word():
    source = SourceText("# Permission to redistribute", Settings())
    assert source.has("redis") is True
    assert source.has(REDIS) is False


def test_configured_names_are_words_too():
    class NeedsFactory(Checker):
        rules = ()
        requires = ((lambda s: s.session_factories,),)

    text = "from app.db import make_session\n"
    assert not NeedsFactory.can_report_in(SourceText(text, Settings()))
    assert NeedsFactory.can_report_in(SourceText(text, Settings(session_factories=("app.db.make_session",))))


def test_the_prefilter_sees_through_aliases_because_imports_spell_the_name():
    source = "from time import sleep as nap\n\n\nasync def f():\n    nap(1)\n"
    filtered, full = _both(source)
    assert filtered == full and filtered
    tree_names = {n.id for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Name)}
    assert "sleep" not in tree_names  # only the import spells it; the async def is what lets it run
