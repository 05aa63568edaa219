"""Modern syntax lints, and rules see through it (match, except*, PEP 695 generics, walrus)."""

from __future__ import annotations

import ast
import sys

import pytest

from flake8_async_patterns.engine import Engine
from flake8_async_patterns.rules import CHECKERS
from flake8_async_patterns.runner import lint
from flake8_async_patterns.settings import Settings

from rules_by_name import code, without_stand_in_noise

UNAWAITED = code("unawaited-coroutine")

CASES = [
    (
        (3, 10),
        """\
async def fetch(): ...
async def handler(command):
    match command:
        case {"action": "go", **rest}:
            fetch()
        case [first, *others] if first:
            fetch()
        case str() as text:
            print(text)
""",
        {(5, UNAWAITED), (7, UNAWAITED)},
    ),
    (
        (3, 11),
        """\
async def fetch(): ...
async def handler():
    try:
        await fetch()
    except* ValueError as group:
        fetch()
""",
        {(6, UNAWAITED)},
    ),
    (
        (3, 12),
        """\
type Pair[T] = tuple[T, T]
async def fetch[T](item: T) -> T: ...
class Box[T]:
    async def get(self) -> T: ...
    async def refresh(self):
        self.get()
def sync[**P, *Ts](x):
    fetch(x)
""",
        {(6, UNAWAITED), (8, UNAWAITED)},
    ),
    (
        (3, 10),
        """\
async def fetch(): ...
async def handler(items):
    if (pending := fetch()):
        return "busy"
    return [await fetch() async for _ in items]
""",
        {(3, UNAWAITED)},
    ),
    (
        (3, 12),
        """\
async def fetch(): ...
async def handler(name):
    fetch()
    return f"{name!r:>{10}} {f'{name}'}"
""",
        {(3, UNAWAITED)},
    ),
]


@pytest.mark.parametrize("version, source, expected", CASES)
def test_modern_syntax(version, source, expected):
    if sys.version_info < version:
        pytest.skip(f"needs Python {version}")
    got = without_stand_in_noise({(line, message.split()[0]) for line, _, message in lint(source)})
    assert got == expected


def _node_type(name: str, fields: tuple[str, ...]) -> type:
    """The real class where this Python has it, else a stand-in with the same fields."""
    return getattr(ast, name, None) or type(name, (ast.expr,), {"_fields": fields})


def test_node_types_newer_than_the_interpreter_are_walked():
    """Python 3.14 adds t-strings (``ast.TemplateStr`` holding ``ast.Interpolation``).  The engine
    walks every node type by its ``_fields``, so a blocking call inside a t-string interpolation is
    still seen, and an unknown node type cannot crash the run."""
    source = "import time\nasync def handler(name):\n    print(time.sleep(1))\n"
    tree = ast.parse(source)
    printed = tree.body[1].body[0].value
    sleep_call = printed.args[0]
    interpolation = _node_type("Interpolation", ("value", "str", "conversion", "format_spec"))(
        value=sleep_call, str="time.sleep(1)", conversion=-1, format_spec=None
    )
    template = _node_type("TemplateStr", ("values",))(values=[interpolation])
    printed.args[0] = ast.copy_location(template, sleep_call)
    ast.copy_location(interpolation, sleep_call)
    got = {(line, col, message.split()[0]) for line, col, message in Engine(tree, Settings(), CHECKERS).run()}
    assert without_stand_in_noise(got) == {(3, 10, code("blocking-sleep"))}
