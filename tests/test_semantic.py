"""The shared analyses, each on its own: how a load is used (escape), closed on every path,
how a handler ends, task spawns, and where a node stands."""

from __future__ import annotations

import ast
import textwrap

import pytest

from flake8_async_patterns.checker import Checker
from flake8_async_patterns.engine import Engine
from flake8_async_patterns.knowledge.asyncio import Spawner, task_spawn
from flake8_async_patterns.registry import PREFIX, Rule
from flake8_async_patterns.semantic.flow import (
    Outcome,
    Use,
    closed_on_every_path,
    handler_always_raises,
    handler_outcomes,
    handler_reraises,
    hands_on,
    use_of,
)
from flake8_async_patterns.semantic.frames import in_finally, only_before, parent_of
from flake8_async_patterns.settings import Settings

PROBE = Rule(
    code=f"{PREFIX}999",
    name="probe",
    message="probe; probe",
    default_enabled=True,
    summary="",
    why="",
    example="",
    use_instead="",
    seed="",
)


def _probe(source: str, name: str = "x"):
    """Run the engine over ``source``; return (context, bindings of ``name`` with their loads,
    task spawns seen)."""
    found = {"bindings": [], "spawns": []}

    class Probe(Checker):
        rules = (PROBE,)

        def bound(self, binding):
            if binding.name == name and isinstance(binding.node, ast.Name):
                self.ctx.watch(binding)
                found["bindings"].append(binding)

        def visit_Call(self, node):
            found["spawns"].append((ast.unparse(node), task_spawn(self.ctx, node)))

    engine = Engine(ast.parse(textwrap.dedent(source)), Settings(), [Probe], strict=True)
    engine.run()
    return engine.ctx, found["bindings"], found["spawns"]


def _uses(source: str) -> list[Use]:
    _, bindings, _ = _probe(source)
    return [use_of(frame) for binding in bindings for frame in binding.loads]


@pytest.mark.parametrize(
    "statement, use",
    [
        ("await x", Use.AWAITED),
        ("return x", Use.RETURNED),
        ("yield x", Use.YIELDED),
        ("y = x", Use.STORED),
        ("(y := x)", Use.STORED),
        ("[x]", Use.COLLECTED),
        ("f(*x)", Use.COLLECTED),
        ("{1: x}", Use.COLLECTED),
        ("f(x)", Use.ARGUMENT),
        ("f(k=x)", Use.KEYWORD),
        ("x()", Use.CALLED),
        ("x[0]", Use.SUBSCRIPTED),
        ("d[x]", Use.INDEX),
        ("x.close()", Use.ATTRIBUTE),
        ("lambda: x", Use.LAMBDA),
        ("x + 1", Use.OTHER),
        ("async with x: pass", Use.ENTERED),
        ("x += 1", Use.OTHER),
    ],
)
def test_use_of(statement, use):
    assert _uses(f"async def f():\n    x = g()\n    {statement}\n") == [use]


@pytest.mark.parametrize(
    "statement, handed_on",
    [
        ("return x", True),
        ("yield x", True),
        ("self.x = x", True),
        ("items.append(x)", True),
        ("Service(x)", True),
        ("await use(x)", False),
        ("await stack.enter_async_context(x)", True),
        ("await use(session=x)", True),
        ("await x.execute(q)", False),
        ("print(x.name)", False),
        ("[x]", True),
    ],
)
def test_hands_on(statement, handed_on):
    _, bindings, _ = _probe(f"async def f(stack, items, self):\n    x = g()\n    {statement}\n")
    (binding,) = bindings
    assert any(hands_on(frame, ("enter_async_context",)) for frame in binding.loads) is handed_on


CLOSING = {
    "finally": ("x = g()\ntry:\n    await x.run()\nfinally:\n    await x.close()\n", True),
    "straight after": ("x = g()\nawait x.run()\nawait x.close()\n", True),
    "after a return": ("x = g()\nif c:\n    return 1\nawait x.close()\n", False),
    "after a raise": ("x = g()\nif c:\n    raise E\nawait x.close()\n", False),
    "in a branch": ("x = g()\nif c:\n    await x.close()\n", False),
    "in a handler": ("x = g()\ntry:\n    await x.run()\nexcept E:\n    await x.close()\n", False),
}


@pytest.mark.parametrize("name", list(CLOSING))
def test_closed_on_every_path(name):
    body, expected = CLOSING[name]
    _, bindings, _ = _probe("async def f(c):\n" + textwrap.indent(body, "    "))
    (binding,) = bindings
    closes = [frame for frame in binding.loads if getattr(parent_of(frame), "attr", None) == "close"]
    assert closes and any(closed_on_every_path(binding, frame) for frame in closes) is expected


def _handler(body: str) -> ast.ExceptHandler:
    source = "try:\n    pass\nexcept E as e:\n" + textwrap.indent(textwrap.dedent(body), "    ")
    return ast.parse(source).body[0].handlers[0]


@pytest.mark.parametrize(
    "body, outcomes",
    [
        ("raise", {Outcome.RERAISE}),
        ("raise e", {Outcome.RERAISE}),
        ("raise e from None", {Outcome.RERAISE}),  # ``from`` only sets __cause__: the same object
        ("raise e from other", {Outcome.RERAISE}),
        ("raise Other()", {Outcome.RAISE}),
        ("log()", {Outcome.FALL}),
        ("return", {Outcome.EXIT}),
        ("if c:\n    raise\n", {Outcome.RERAISE, Outcome.FALL}),
        ("if c:\n    raise\nelse:\n    raise", {Outcome.RERAISE}),
        ("if c:\n    return\nraise", {Outcome.EXIT, Outcome.RERAISE}),
        ("for i in x:\n    break\nraise", {Outcome.RERAISE}),
        ("while True:\n    raise", {Outcome.RERAISE}),
        ("while True:\n    if c:\n        break\nraise", {Outcome.RERAISE}),
        ("while c:\n    pass\n", {Outcome.FALL}),
        ("try:\n    cleanup()\nexcept Exception:\n    raise\nraise", {Outcome.RAISE, Outcome.RERAISE}),
        ("try:\n    cleanup()\nfinally:\n    raise", {Outcome.RERAISE}),
        ("try:\n    raise\nexcept E:\n    pass", {Outcome.RERAISE, Outcome.FALL}),
        ("with lock:\n    raise", {Outcome.RERAISE}),
        ("match c:\n    case 1:\n        raise\n    case _:\n        return", {Outcome.RERAISE, Outcome.EXIT}),
        ("match c:\n    case 1:\n        raise", {Outcome.RERAISE, Outcome.FALL}),
        ("helper_that_always_raises()", {Outcome.FALL}),
        ("...", {Outcome.FALL}),
    ],
)
def test_handler_outcomes(body, outcomes):
    handler = _handler(body)
    assert handler_outcomes(handler) == outcomes
    assert handler_reraises(handler) is (outcomes == {Outcome.RERAISE})
    assert handler_always_raises(handler) is (outcomes <= {Outcome.RERAISE, Outcome.RAISE})


def test_handler_outcomes_with_a_same_class_predicate():
    """``same`` lets a rule count a fresh exception of the caught class as re-raising it."""
    handler = _handler("if c:\n    raise Mine()\nelse:\n    raise Other()")
    mine = lambda exc: isinstance(exc, ast.Call) and getattr(exc.func, "id", None) == "Mine"  # noqa: E731
    assert handler_outcomes(handler) == {Outcome.RAISE}
    assert handler_outcomes(handler, mine) == {Outcome.RERAISE, Outcome.RAISE}


def test_handler_outcomes_of_deep_nesting_do_not_recurse_without_bound():
    """Deeper than any parser allows (built by hand): no RecursionError, a conservative answer."""
    body: list = [ast.Raise(exc=None, cause=None)]
    for _ in range(5000):
        body = [ast.If(test=ast.Name(id="c", ctx=ast.Load()), body=body, orelse=[ast.Raise(exc=None, cause=None)])]
    handler = ast.ExceptHandler(type=None, name=None, body=body)
    assert handler_outcomes(handler) == {Outcome.RERAISE, Outcome.FALL}


SPAWNS = """\
import asyncio
from asyncio import create_task as spawn

async def f(tg: asyncio.TaskGroup, other):
    loop = asyncio.get_running_loop()
    asyncio.create_task(g())
    spawn(g())
    asyncio.ensure_future(g())
    loop.create_task(g())
    self_loop = asyncio.new_event_loop()
    tg.create_task(g())
    other.create_task(g())
    g()
"""


def test_task_spawn_recognises_every_spelling():
    _, _, spawns = _probe(SPAWNS)
    via = {text: (spawn.via if spawn else None) for text, spawn in spawns}
    assert via["asyncio.create_task(g())"] is Spawner.FUNCTION
    assert via["spawn(g())"] is Spawner.FUNCTION
    assert via["asyncio.ensure_future(g())"] is Spawner.FUNCTION
    assert via["loop.create_task(g())"] is Spawner.LOOP
    assert via["tg.create_task(g())"] is Spawner.GROUP
    assert via["other.create_task(g())"] is None
    assert via["g()"] is None
    spawn = next(spawn for text, spawn in spawns if text == "tg.create_task(g())")
    assert ast.unparse(spawn.coroutine) == "g()" and ast.unparse(spawn.receiver) == "tg"


def test_in_finally_and_version_gates():
    ctx, bindings, _ = _probe(
        "import sys\n"
        "async def f():\n"
        "    try:\n        pass\n    finally:\n        x = g()\n"
        "    if sys.version_info < (3, 11):\n        x = g()\n    else:\n        x = g()\n"
    )
    first, older, newer = bindings
    assert in_finally(first.frame) and not in_finally(older.frame)
    assert only_before(older.frame, (3, 11), ctx.qualified_name)
    assert not only_before(newer.frame, (3, 11), ctx.qualified_name)


@pytest.mark.parametrize(
    "imports, name, expected",
    [
        ("from time import *", "sleep", "time.sleep"),
        ("from asyncio import *\nfrom time import *", "sleep", "time.sleep"),
        ("from time import *\nfrom asyncio import *", "sleep", "asyncio.sleep"),
        ("from asyncio import *\nfrom time import *", "create_task", "asyncio.create_task"),
        ("from os import *", "open", "os.open"),
        ("from time import *", "open", "builtins.open"),
        ("from mylib import *", "open", "builtins.open"),
        ("from mylib import *", "fetch", "mylib.fetch"),
        ("from asyncio import *\nfrom mylib import *", "create_task", "asyncio.create_task"),
        ("from asyncio import *\nfrom mylib import *", "fetch", "mylib.fetch"),
        ("import os", "fetch", None),
    ],
)
def test_star_imports_resolve_unbound_names(imports, name, expected):
    ctx, _, spawns = _probe(f"{imports}\n{name}()\n")
    ((call_text, _),) = [item for item in spawns if item[0] == f"{name}()"]
    call = next(n for n in ast.walk(ctx.tree) if isinstance(n, ast.Call))
    assert call_text == f"{name}()"
    assert ctx.qualified_name(call.func) == expected


def test_annotations_are_not_walked_but_defaults_are():
    """The traversal skips annotations (types, not code that runs in the loop) and visits a
    function's parameters only through their default values."""
    source = """
    def f(x: ann_a() = default_a(), *, y: ann_b() = default_b()) -> ann_c():
        body_call()

    z: ann_d() = value_d()
    g = lambda w=default_e(): body_e()
    """
    _, _, calls = _probe(source)
    seen = {call for call, _ in calls}
    assert seen == {"default_a()", "default_b()", "body_call()", "value_d()", "default_e()", "body_e()"}


def test_symbols_keep_their_identity_through_pickle_and_copy():
    """Symbols replace enums: one object per member, whatever copies or pickles it (a
    ``--jobs`` worker that unpickles settings or results must still compare with ``is``)."""
    import copy
    import pickle

    from flake8_async_patterns.knowledge.kinds import Kind
    from flake8_async_patterns.semantic.scope import ScopeKind

    for symbol in (Kind.TASK, ScopeKind.MODULE):
        assert pickle.loads(pickle.dumps(symbol)) is symbol
        assert copy.deepcopy(symbol) is symbol
    assert (Kind.TASK.name, Kind.TASK.value) == ("TASK", "asyncio.Task")
    assert repr(ScopeKind.MODULE) == "<ScopeKind.MODULE: 'module'>"
    assert Kind.TASK != Kind.TASK_GROUP and len({Kind.TASK, Kind.TASK, Kind.LOOP}) == 2


def test_settings_are_read_only_and_compare_by_value():
    settings = Settings(session_names=("db",))
    assert settings == Settings(session_names=("db",)) and hash(settings) == hash(Settings(session_names=("db",)))
    assert settings != Settings() and settings.replace(session_names=Settings().session_names) == Settings()
    with pytest.raises(AttributeError, match="read-only"):
        settings.session_names = ("x",)
    assert settings.replace(enabled=frozenset()).memo == {}  # a copy has its own scratch space
    assert "session_names=('db',)" in repr(settings)
    import pickle

    assert pickle.loads(pickle.dumps(settings)) == settings


def test_an_import_chosen_by_a_flag_resolves_under_the_same_test():
    """``if REST: from requests import Session`` / ``else: from aiohttp import ClientSession as
    Session``: under another ``if REST:`` (or ``if not REST:``) the name is that arm's import;
    elsewhere, the one made last."""
    seen = {}

    class Names(Checker):
        rules = (PROBE,)

        def visit_Call(self, node):
            seen[ast.unparse(node)] = self.ctx.qualified_name(node.func)

    source = (
        "REST = False\n"
        "if REST:\n    from requests import Session\nelse:\n    from aiohttp import ClientSession as Session\n"
        "if REST:\n    class Sync:\n        def open(self):\n            return Session(1)\n"
        "if not REST:\n    Session(2)\n"
        "else:\n    Session(3)\n"
        "Session(4)\n"
        "try:\n    import ujson as json\nexcept ImportError:\n    import json\n"
        "json.loads(5)\n"
    )
    Engine(ast.parse(source), Settings(), [Names], strict=True).run()
    assert seen["Session(1)"] == "requests.Session"
    assert seen["Session(2)"] == "aiohttp.ClientSession"
    assert seen["Session(3)"] == "requests.Session"
    assert seen["Session(4)"] == "aiohttp.ClientSession"
    assert seen["json.loads(5)"] == "json.loads"
