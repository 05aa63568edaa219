"""Runtime witness for deprecated-asyncio-api, run under every interpreter the suite runs on: each
kind of API the fixture flags warns (DeprecationWarning) on the Pythons that deprecate it and is gone
(AttributeError/TypeError) on the Pythons that removed it -- and does neither on the Pythons before
the deprecation, which is why ``--aio-python-version`` decides what is reported."""

from __future__ import annotations

import asyncio
import sys
import warnings

import pytest

from fixture_format import all_fixtures
from rules_by_name import code

RULE = "deprecated-asyncio-api"
VERSION = sys.version_info[:2]


def _flagged_source_lines() -> list[str]:
    fixture = next(f for f in all_fixtures() if f.code == code(RULE) and not f.options)
    lines = fixture.source.splitlines()
    return [lines[e.line - 1] for e in fixture.expected if e.code == code(RULE)]


def _outcome(action) -> str:
    """'ok', 'warns' (DeprecationWarning), or 'gone' (AttributeError/TypeError)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            action()
        except (AttributeError, TypeError):
            return "gone"
    return "warns" if any(issubclass(w.category, DeprecationWarning) for w in caught) else "ok"


def _api(name: str):
    """``asyncio.<name>`` looked up at run time (spelled out, the plugin's self-lint would flag it)."""
    return getattr(asyncio, name)


def _sleep_with_loop():
    async def main():
        removed = {"loop": asyncio.get_running_loop()}  # built apart: the self-lint would flag 'loop='
        await asyncio.sleep(0, **removed)

    asyncio.run(main())


def _legacy_coroutine():
    def legacy():
        yield

    return _api("coroutine")(legacy)


# (what the fixture flags, the action, expected outcome by version)
CASES = {
    "iscoroutinefunction": (lambda: _api("iscoroutinefunction")(print), lambda v: "warns" if v >= (3, 14) else "ok"),
    "get_event_loop_policy": (lambda: _api("get_event_loop_policy")(), lambda v: "warns" if v >= (3, 14) else "ok"),
    "coroutine": (_legacy_coroutine, lambda v: "gone" if v >= (3, 11) else "warns"),
    "loop=": (_sleep_with_loop, lambda v: "gone"),
}
if sys.platform != "win32":  # child watchers are a Unix API
    CASES["get_child_watcher"] = (
        lambda: _api("get_child_watcher")(),
        lambda v: "gone" if v >= (3, 14) else "warns" if v >= (3, 12) else "ok",
    )


@pytest.mark.parametrize("spelling", sorted(CASES))
def test_the_flagged_api_behaves_as_the_message_says_on_this_python(spelling):
    assert any(spelling in line for line in _flagged_source_lines()), f"the fixture flags no use of {spelling}"
    action, expected = CASES[spelling]
    assert _outcome(action) == expected(VERSION)
