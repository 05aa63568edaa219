"""Modern syntax lints, and rules see through it (match, except*, PEP 695 generics, walrus)."""

from __future__ import annotations

import sys

import pytest

from flake8_async_patterns.engine import lint
from rules_by_name import code

UNAWAITED = code("unawaited-coroutine")

CASES = [
    ((3, 10), """\
async def fetch(): ...
async def handler(command):
    match command:
        case {"action": "go", **rest}:
            fetch()
        case [first, *others] if first:
            fetch()
        case str() as text:
            print(text)
""", {(5, UNAWAITED), (7, UNAWAITED)}),
    ((3, 11), """\
async def fetch(): ...
async def handler():
    try:
        await fetch()
    except* ValueError as group:
        fetch()
""", {(6, UNAWAITED)}),
    ((3, 12), """\
type Pair[T] = tuple[T, T]
async def fetch[T](item: T) -> T: ...
class Box[T]:
    async def get(self) -> T: ...
    async def refresh(self):
        self.get()
def sync[**P, *Ts](x):
    fetch(x)
""", {(6, UNAWAITED), (8, UNAWAITED)}),
    ((3, 10), """\
async def fetch(): ...
async def handler(items):
    if (pending := fetch()):
        return "busy"
    return [await fetch() async for _ in items]
""", {(3, UNAWAITED)}),
    ((3, 12), '''\
async def fetch(): ...
async def handler(name):
    fetch()
    return f"{name!r:>{10}} {f'{name}'}"
''', {(3, UNAWAITED)}),
]


@pytest.mark.parametrize("version, source, expected", CASES)
def test_modern_syntax(version, source, expected):
    if sys.version_info < version:
        pytest.skip(f"needs Python {version}")
    got = {(line, message.split()[0]) for line, _, message in lint(source)}
    assert got == expected
