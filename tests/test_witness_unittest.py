"""Runtime witness for async-test-in-sync-testcase: the fixture's ``ClientTests`` (a plain
``unittest.TestCase`` with an ``async def`` test whose assertion is false) passes under unittest --
the test never ran -- while ``AsyncClientTests`` (the same test on ``IsolatedAsyncioTestCase``)
fails on that assertion.  Only the two classes are compiled from the fixture; ``fetch`` returns 41
where the tests expect 42."""

from __future__ import annotations

import io
import unittest
import warnings

from fixture_format import compile_from_fixture, fixture_of
from rules_by_name import code

RULE = "async-test-in-sync-testcase"


async def _fetch():
    return 41


def _witness(name: str):
    namespace = {"unittest": unittest, "fetch": _fetch}
    case, flagged = compile_from_fixture(fixture_of(code(RULE)), name, namespace)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "coroutine ... was never awaited", "returned a value"
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(case)
        result = unittest.TextTestRunner(stream=io.StringIO(), verbosity=0).run(suite)
    return result, flagged


def test_an_async_test_on_a_plain_testcase_passes_without_running():
    result, flagged = _witness("ClientTests")
    assert flagged, "the vacuous test is not flagged"
    assert result.testsRun == 2 and result.wasSuccessful(), "the false assertion was checked"


def test_the_same_test_on_isolated_asyncio_testcase_runs_and_fails():
    result, flagged = _witness("AsyncClientTests")
    assert not flagged, "the working test is flagged"
    assert result.testsRun == 1 and len(result.failures) == 1
