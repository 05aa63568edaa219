"""Behaviours that concern a whole module, which a fixture's wrong/correct snippets cannot show."""

from __future__ import annotations

from flake8_async_patterns.runner import lint

from rules_by_name import code

OLD_STYLE = """\
import asyncio


@asyncio.coroutine
def legacy():
    yield from asyncio.sleep(1)


loop = asyncio.get_event_loop()
loop.run_until_complete(legacy())
"""


def test_a_module_with_old_style_coroutines_runs_only_before_311():
    """``@asyncio.coroutine`` was removed in Python 3.11: the module cannot run where
    ``get_event_loop()`` warns or raises, so deprecated-get-event-loop has nothing to say there."""
    codes = {message.split()[0] for _, _, message in lint(OLD_STYLE)}
    assert code("deprecated-get-event-loop") not in codes
    modern = OLD_STYLE.replace("@asyncio.coroutine\ndef legacy():\n    yield from", "async def legacy():\n    await")
    assert code("deprecated-get-event-loop") in {message.split()[0] for _, _, message in lint(modern)}
