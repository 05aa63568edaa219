"""Runtime witness for task-exception-never-observed: the fixture's ``keep_in_a_set`` (a task kept in a
set with ``add_done_callback(set.discard)``) fails without anyone hearing of it -- the caller returns
normally, and the failure only shows as "Task exception was never retrieved" on the ``asyncio``
logger once the task is garbage-collected.  ``with_an_inspecting_callback`` (a done-callback that
calls ``task.exception()``) reports the same failure through its own logger, and asyncio logs
nothing when that task is collected.

Only the witness functions are compiled (with the fixture's file name and line numbers), in a
namespace that stands in for the fixture's module globals; each run is bounded to 2 s.
"""

from __future__ import annotations

import asyncio
import gc
import logging

from fixture_format import compile_from_fixture, fixture_of
from rules_by_name import code

RULE = "task-exception-never-observed"
BOUND = 2
NEVER_RETRIEVED = "Task exception was never retrieved"
APP_LOGGER = "witness.task_exceptions"


def _witness(name: str):
    """The fixture's function ``name`` (with ``send_welcome_email`` and ``log_failure``), its
    module globals, and the rule's annotated lines inside it."""
    namespace = {
        "asyncio": asyncio,
        "logger": logging.getLogger(APP_LOGGER),
        "background_tasks": set(),
        "handed_out": [],
    }
    helpers = ["send_welcome_email", "log_failure"]
    fn, flagged = compile_from_fixture(fixture_of(code(RULE)), name, namespace, also=helpers)
    return fn, namespace, flagged


async def _start_and_let_fail(fn):
    await fn(7)  # returns at once: the failing work runs in the task
    for _ in range(10):  # the task runs, raises, and its done-callbacks run
        await asyncio.sleep(0)


def _run(fn):
    asyncio.run(asyncio.wait_for(_start_and_let_fail(fn), BOUND))


def _never_retrieved(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "asyncio" and NEVER_RETRIEVED in r.getMessage()]


def test_a_task_kept_only_in_a_set_fails_unheard(caplog):
    fn, namespace, flagged = _witness("keep_in_a_set")
    assert flagged, "the spawn is not flagged"
    caplog.set_level(logging.ERROR)
    _run(fn)  # no exception reaches the caller
    assert not namespace["background_tasks"], "the done-callback dropped the finished task"
    gc.collect()
    records = _never_retrieved(caplog)
    assert records, "asyncio did not log the lost exception"
    assert records[0].exc_info[0] is ConnectionError
    assert not [r for r in caplog.records if r.name == APP_LOGGER]


def test_a_task_with_an_inspecting_callback_is_heard(caplog):
    fn, namespace, flagged = _witness("with_an_inspecting_callback")
    assert not flagged, "the observed spawn is flagged"
    caplog.set_level(logging.ERROR)
    _run(fn)
    namespace["handed_out"].clear()  # drop the last reference, as keep_in_a_set's callback does
    gc.collect()
    assert not _never_retrieved(caplog), "asyncio logged an exception the callback retrieved"
    reported = [r for r in caplog.records if r.name == APP_LOGGER]
    assert reported and reported[0].exc_info[0] is ConnectionError
