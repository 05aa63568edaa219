"""Behaviours that concern a whole module, which a fixture's wrong/correct snippets cannot show."""

from __future__ import annotations

import itertools
import sys

import pytest

from flake8_async_patterns.runner import lint

from fixture_format import FIXTURES
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


def test_a_thousand_locks_stay_linear():
    """1,000 locks in one ``async with`` and 1,000 functions taking pairs of them: the lock-order
    rule pairs each acquisition with a bounded number of held locks, so this lints like any file
    (and still finds the one inverted pair)."""
    names = [f"lock_{i}" for i in range(1000)]
    source = "import asyncio\n" + "".join(f"{n} = asyncio.Lock()\n" for n in names)
    source += "async def all_of_them():\n    async with " + ", ".join(names) + ":\n        pass\n"
    source += "".join(
        f"async def pair_{i}():\n    async with {a}:\n        async with {b}:\n            pass\n"
        for i, (a, b) in enumerate(itertools.pairwise(names))
    )
    source += "async def inverted():\n    async with lock_1:\n        async with lock_0:\n            pass\n"
    found = [message for _, _, message in lint(source) if message.startswith(code("inconsistent-lock-order"))]
    assert len(found) == 1 and "'lock_0' is acquired while holding 'lock_1'" in found[0]


OTHER_ORM = '''\
"""User lookups; ported from the old django app to mongoengine."""
from mongoengine import Document, StringField


class User(Document):
    name = StringField()


async def find_user(name):
    return User.objects.get(name=name)
'''


@pytest.mark.parametrize("django_import", ["", "import django.db\n", "from django.http import JsonResponse\n"])
def test_django_rule_needs_a_django_import(django_import):
    """django-sync-orm-in-async speaks of Django's ORM only in a module that imports Django: a
    mongoengine module whose docstring mentions django has its own ``objects``."""
    source = OTHER_ORM.replace("from mongoengine", django_import + "from mongoengine", 1)
    rule = code("django-sync-orm-in-async")
    found = [line for line, _, message in lint(source) if message.startswith(rule)]
    assert found == ([10 + django_import.count("\n")] if django_import else [])


TWIN = """\
import asyncio
from typing import TYPE_CHECKING

_IS_SYNC = {value}


async def close(conns):
    if not _IS_SYNC:
        asyncio.create_task(conns[0].close())
    if _IS_SYNC and conns:
        asyncio.create_task(conns[1].close())
    if TYPE_CHECKING:
        asyncio.create_task(conns[2].close())
    else:
        asyncio.create_task(conns[3].close())
"""


@pytest.mark.parametrize(("value", "lines"), [("True", {11, 15}), ("False", {9, 15}), ("None", {9, 11, 15})])
def test_arms_a_module_constant_rules_out_report_nothing(value, lines):
    """pymongo's generated twins guard each flavour's code with ``if _IS_SYNC:``: the arm the
    module's constant rules out never runs, and neither does the body of ``if TYPE_CHECKING:``."""
    found = {line for line, _, message in lint(TWIN.format(value=value)) if message.startswith(code("dangling-task"))}
    assert found == lines


LITERAL_ARMS = """\
import asyncio


async def close(conn):
    if {value}:  # ASYNC
        await conn.close()
    else:
        asyncio.create_task(conn.close())
"""


@pytest.mark.parametrize(("value", "lines"), [("True", set()), ("False", {8}), ("flag", {8})])
def test_the_arm_a_literal_test_rules_out_reports_nothing(value, lines):
    """psycopg's generated twins keep the sync flavour in the ``else`` of ``if True:  # ASYNC``."""
    source = LITERAL_ARMS.format(value=value)
    found = {line for line, _, message in lint(source) if message.startswith(code("dangling-task"))}
    assert found == lines


def test_a_constant_rebound_elsewhere_decides_nothing():
    source = TWIN.format(value="True") + "\n\ndef make_async():\n    global _IS_SYNC\n    _IS_SYNC = False\n"
    found = {line for line, _, message in lint(source) if message.startswith(code("dangling-task"))}
    assert found == {9, 11, 15}


TRIO_MODULE = """\
import trio


async def receive(stream):
    try:
        return await stream.receive_some()
    except BaseException:
        return b""
"""


@pytest.mark.parametrize("framework", ["import trio\n", "from twisted.internet import defer\n"])
@pytest.mark.parametrize(
    ("extra", "reported"),
    [
        ("", False),
        ("import asyncio\n", True),
        ("import anyio\n", True),
        ("import typing\nif typing.TYPE_CHECKING:\n    import asyncio\n", False),  # urwid: for annotations only
        ("import typing\nif not typing.TYPE_CHECKING:\n    import asyncio\n", True),
    ],
)
def test_trio_or_twisted_cancellation_is_not_asyncio_s(framework, extra, reported):
    """A trio-only module's swallowed Cancelled comes back at the next checkpoint, and a Twisted
    module's coroutines are cancelled through their Deferred with an Exception: not asyncio's mistake."""
    source = extra + TRIO_MODULE.replace("import trio\n", framework)
    codes = {message.split()[0] for _, _, message in lint(source)}
    assert (code("cancellation-swallowed") in codes) is reported


def test_a_long_not_chain_in_an_if_test_is_unwound_without_recursion():
    """``if not not ... not X:`` -- far deeper than the recursion limit -- decides its arm."""
    test = "not " * 2001 + "_IS_SYNC"  # an odd number of ``not``: false when the constant is true
    source = (
        f"import asyncio\n\n_IS_SYNC = True\n\n\nasync def close(c):\n    if {test}:\n"
        "        asyncio.create_task(c.close())\n"
    )
    assert not [m for _, _, m in lint(source) if m.startswith(code("dangling-task"))]
    assert [m for _, _, m in lint(source.replace("= True", "= False")) if m.startswith(code("dangling-task"))]


def test_a_long_not_chain_in_a_handler_test_is_unwound_without_recursion():
    test = "not " * 2001 + "isinstance(exc, ValueError)"  # true for a cancellation: the bare raise
    source = (
        "async def f(job):\n    try:\n        await job()\n    except BaseException as exc:\n"
        f"        if {test}:\n            raise\n        raise RuntimeError('bad job') from exc\n"
    )
    assert not [m for _, _, m in lint(source) if m.startswith(code("cancellation-swallowed"))]
    flipped = source.replace(test, "not " + test)  # now the raise of another exception is the cancellation's
    assert [m for _, _, m in lint(flipped) if m.startswith(code("cancellation-swallowed"))]


def test_a_coroutine_trampoline_silences_the_blocking_family_in_its_whole_module():
    """A sync function that steps its coroutine parameter with ``send(None)`` and takes the result
    from ``StopIteration`` runs the module's coroutines with no event loop: the blocking calls of
    the fixture are reported once that function is no trampoline, and only the blocking family is
    silenced with it."""
    path = FIXTURES / "AIO201_blocking_sleep_by_hand.py"
    source = path.read_text(encoding="utf-8")
    silenced = {message.split()[0] for _, _, message in lint(source, filename=str(path))}
    assert silenced == {code("cancelled-error-not-reraised"), code("dangling-task")}
    stepped = source.replace("coro.send(None)", "coro.send(1)")
    assert stepped != source
    reported = {message.split()[0] for _, _, message in lint(stepped, filename=str(path))}
    blocking = {code("blocking-sleep"), code("blocking-network-call"), code("blocking-wait")}
    assert reported == silenced | blocking


def test_prompts_of_a_terminal_program_are_reported_once_it_is_no_program():
    """``input()`` is excused in a module run as ``__main__`` that runs its coroutine and starts
    nothing else on the loop: the fixture's three prompts are reported once the module no longer
    runs it, or once it also starts a task (the other blocking calls are reported all along)."""
    path = FIXTURES / "AIO206_blocking_input_script.py"
    source = path.read_text(encoding="utf-8")
    prompt = code("blocking-input")

    def prompts(text: str) -> int:
        return sum(message.startswith(prompt) for _, _, message in lint(text, filename=str(path)))

    assert prompts(source) == 0
    run = "    asyncio.run(main())\n"
    assert run in source
    assert prompts(source.replace(run, "    print(main)\n")) == 3
    with_task = source.replace(run, "    asyncio.run(main())\n    asyncio.create_task(main())\n")
    assert prompts(with_task) == 3


def test_local_io_of_operator_commands_is_reported_once_anybody_may_send_them():
    """Bounded local I/O is excused in a NoneBot command only its operators may run: the fixture's
    correct snippets are all reported once the matchers take no permission (``rule=`` instead)."""
    path = FIXTURES / "AIO203_blocking_file_io_operator_commands.py"
    source = path.read_text(encoding="utf-8")
    correct = source.splitlines().index("# correct") + 1

    def late(text: str) -> set[tuple[int, str]]:
        return {(line, message.split()[0]) for line, _, message in lint(text, filename=str(path)) if line > correct}

    assert late(source) == set()
    anybody = source.replace("permission=", "rule=")
    assert anybody.count("rule=") == 8
    found = late(anybody)
    local = {"blocking-file-io", "blocking-directory-scan", "blocking-ssl-context", "blocking-file-object-method"}
    assert {rule for _, rule in found} == {code(name) for name in (*local, "transitive-blocking-call")}
    assert len(found) == 8  # a read, write, listing, certificate load or helper writing in six handlers


def test_a_permission_of_two_thousand_operands_is_read_without_recursion():
    """``SUPERUSER | SUPERUSER | ...`` nests to the left as deep as it is long: still an operator
    command (nothing reported), and one other permission among them makes it anybody's."""
    operands = ["SUPERUSER"] * 2000
    head = "from nonebot import on_command\nfrom nonebot.permission import SUPERUSER\n\n"
    tail = ")\n\n\n@m.handle()\nasync def _():\n    open('a.json').read()\n"
    source = head + "m = on_command('x', permission=" + " | ".join(operands) + tail
    assert lint(source) == []
    operands[0] = "MEMBER"
    anybody = head + "m = on_command('x', permission=" + " | ".join(operands) + tail
    assert [message.split()[0] for _, _, message in lint(anybody)] == [code("blocking-file-io")]


def test_a_factory_known_by_its_name_makes_sync_sessions_in_a_module_without_async_code():
    """``SessionLocal()`` imported, in a module with no async code: a sync ``Session`` (FastAPI's
    sync tutorial, langchain-chatchat).  One coroutine function in the module makes the configured
    name an AsyncSession factory's again, and the un-awaited calls are reported."""
    path = FIXTURES / "AIO101_unawaited_coroutine_sync_factory_module.py"
    source = path.read_text(encoding="utf-8")

    def found(text: str) -> list[int]:
        unawaited = code("unawaited-coroutine")
        return sorted(line for line, _, message in lint(text, filename=str(path)) if message.split()[0] == unawaited)

    assert not found(source)
    with_async = source + "\n\nasync def ping():\n    return 1\n"
    assert found(with_async) == [18, 20, 23, 31]  # commit, rollback and the two close() calls


def test_a_session_known_by_its_name_needs_an_await_somewhere_in_the_module():
    """``self.db.query(...)``/``db.commit()`` in a module that never awaits a method of ``db``:
    a sync ``Session`` (JupyterHub's handlers).  One ``await db.flush()`` in the module makes the
    name an AsyncSession's again, and the fixture's calls are reported."""
    path = FIXTURES / "AIO607_sync_session_api_on_async_session_sync_module.py"
    source = path.read_text(encoding="utf-8")
    wanted = {code("sync-session-api-on-async-session"), code("unawaited-coroutine")}

    def found(text: str) -> list[tuple[int, str]]:
        return sorted(
            (line, message.split()[0])
            for line, _, message in lint(text, filename=str(path))
            if message.split()[0] in wanted
        )

    assert not found(source)
    awaited = source + "\n\nasync def flush(db):\n    await db.flush()\n"
    assert {name for _, name in found(awaited)} == wanted
    assert [line for line, _ in found(awaited)] == [32, 37]  # ``db`` only: ``self.db`` is another name
    both = awaited + "\n\nclass Other:\n    async def save(self):\n        await self.db.commit()\n"
    assert [line for line, _ in found(both)] == [23, 27, 28, 32, 37]


def test_a_type_alias_that_names_itself_is_not_followed_forever():
    """ddtrace: ``T = Union[T, Extra]`` in an ``else`` -- the alias's name looked up from its own
    value is the alias again.  Linting ends (no RecursionError) and the parameter is no known kind."""
    source = (
        "from typing import Union\ntry:\n    from x import Extra\nexcept ImportError:\n    T = int\n"
        "else:\n    T = Union[T, Extra]\n    U = T | Extra\n\n\nasync def f(session: T, other: U):\n"
        "    session.close()\n    other.close()\n"
    )
    codes = [message.split()[0] for _, _, message in lint(source)]  # strict: a rule that raises fails here
    assert code("unawaited-coroutine") not in codes
