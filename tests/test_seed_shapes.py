"""The seeds' SQLAlchemy/FastAPI examples (re-written as fixtures/seeds/): exactly the annotated
codes fire -- concurrent-session-use on the "concurrent" dashboard and dangling-task on the
"fire-and-forget" task, the two bugs seed 000 calls correct -- and none on the examples that are
right."""

from __future__ import annotations

import ast

from flake8_async_patterns.runner import lint

from fixture_format import FIXTURES, load_annotated
from rules_by_name import code

SHAPES = load_annotated(FIXTURES / "seeds" / "seed_000_001_shapes.py")


def _by_function() -> dict[str, set[str]]:
    """Codes reported inside each top-level function (default selection)."""
    tree = ast.parse(SHAPES.source)
    spans = [
        (n.name, n.lineno, n.end_lineno) for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    found: dict[str, set[str]] = {name: set() for name, _, _ in spans}
    for line, _, message in lint(SHAPES.source):
        for name, start, end in spans:
            if start <= line <= end:
                found[name].add(message.split()[0])
    return found


def test_exactly_the_annotated_diagnostics():
    got = {(line, col, message.split()[0]) for line, col, message in lint(SHAPES.source)}
    assert got == {(e.line, e.col, e.code) for e in SHAPES.expected}


def test_which_seed_examples_are_bugs():
    found = _by_function()
    assert found["member_overview"] == {
        code("concurrent-session-use")
    }  # seed: "CORRECT: Concurrent independent queries"
    assert found["visit"] == {code("dangling-task")}  # seed: "CORRECT: asyncio.create_task for fire-and-forget"
    assert found["count_members"] == {code("unclosed-session")}  # seed: "WRONG: Forgetting to close"
    clean = [
        "provide_session",
        "read_member",
        "member_overview_in_turn",
        "member_with_squad",
        "move_member",
        "move_member_in_block",
        "enrol",
        "move_credits",
        "member_or_404",
        "record_visit",
        "send_welcome",
    ]
    for name in clean:
        assert found[name] == set(), name
