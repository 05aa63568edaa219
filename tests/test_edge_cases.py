"""Behaviours that concern a whole module, which a fixture's wrong/correct snippets cannot show."""

from __future__ import annotations

import sys

import pytest

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


CANCELLATION_SHAPES = {
    "handler bodies that are only '...'": """\
import asyncio
async def f(g):
    try:
        await g()
    except asyncio.CancelledError: ...
    except BaseException: ...
""",
    "finally inside except inside finally": """\
import asyncio
async def f(g):
    try:
        await g()
    finally:
        try:
            await g()
        except asyncio.CancelledError:
            try:
                await g()
            finally:
                await g()
            raise
""",
    "except* nests": """\
import asyncio
async def f(g):
    try:
        try:
            await g()
        except* asyncio.CancelledError:
            try:
                await g()
            except* ValueError:
                pass
    except* BaseException:
        pass
""",
}


@pytest.mark.parametrize("name", list(CANCELLATION_SHAPES))
def test_cancellation_shapes_lint(name):
    """The cancellation rules' flow analysis takes every handler shape without an internal error
    (``lint`` is strict: a rule that raises fails the test), with every rule selected."""
    source = CANCELLATION_SHAPES[name]
    if "except*" in source and sys.version_info < (3, 11):
        pytest.skip("except* needs Python 3.11")
    reported = {message.split()[0] for _, _, message in lint(source)}
    reraises = "raise\n" in source  # the handler of that shape re-raises on its one path
    assert (code("cancelled-error-not-reraised") in reported) is not reraises
