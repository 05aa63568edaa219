"""Runtime witnesses for sync-with-async-context-manager: the fixture's ``wrong_*`` functions
(each annotated with the rule) really raise TypeError at the ``with``/``for`` the rule reports, and
its ``correct_*`` functions run.  Nothing here touches the network: the failure happens before any
request, and the correct session is opened and closed without one.  Every run is bounded."""

from __future__ import annotations

import ast
import asyncio
import importlib.util
import sys

import pytest

from fixture_format import all_fixtures
from rules_by_name import code

RULE = "sync-with-async-context-manager"
BOUND = 5
pytestmark = pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout and TaskGroup need 3.11")


def _fixture():
    return next(f for f in all_fixtures() if f.code == code(RULE))


def _module():
    path = _fixture().path
    spec = importlib.util.spec_from_file_location(f"witness_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _witnesses(prefix: str) -> list[ast.AsyncFunctionDef]:
    tree = ast.parse(_fixture().source)
    return [n for n in tree.body if isinstance(n, ast.AsyncFunctionDef) and n.name.startswith(prefix)]


WRONG = [n.name for n in _witnesses("wrong_")]
CORRECT = [n.name for n in _witnesses("correct_")]


def _flagged(name: str) -> set[int]:
    node = next(n for n in _witnesses(name[: name.index("_") + 1]) if n.name == name)
    lines = {e.line for e in _fixture().expected if e.code == code(RULE)}
    return lines & set(range(node.lineno, node.end_lineno + 1))


async def _run(fn):
    return await asyncio.wait_for(fn(), BOUND)


def test_there_are_wrong_and_correct_witnesses():
    assert len(WRONG) >= 4 and len(CORRECT) >= 4


@pytest.mark.parametrize("name", WRONG)
def test_wrong_code_raises_type_error_where_reported(name):
    (line,) = _flagged(name)
    with pytest.raises(TypeError) as failure:
        asyncio.run(_run(getattr(_module(), name)))
    assert failure.value.__traceback__ is not None
    frames = [f for f in _traceback_lines(failure.value) if f[0] == str(_fixture().path)]
    assert frames and frames[-1][1] == line, f"{name} failed at {frames}, not at the reported line {line}"
    assert "async" in str(failure.value) or "protocol" in str(failure.value) or "iterable" in str(failure.value)


@pytest.mark.parametrize("name", CORRECT)
def test_correct_code_runs(name):
    assert not _flagged(name)
    asyncio.run(_run(getattr(_module(), name)))


def _traceback_lines(error: BaseException) -> list[tuple[str, int]]:
    found = []
    tb = error.__traceback__
    while tb is not None:
        found.append((tb.tb_frame.f_code.co_filename, tb.tb_lineno))
        tb = tb.tb_next
    return found
