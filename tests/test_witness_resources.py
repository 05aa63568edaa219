"""Runtime witnesses of the resource rules.  Every run is bounded, and the only network is a local
aiohttp server on 127.0.0.1 started by the test itself.

sync-with-async-context-manager: the fixture's ``wrong_*`` functions (each annotated with the rule)
really raise TypeError at the ``with``/``for`` the rule reports, and its ``correct_*`` functions
run.  Nothing touches the network: the failure happens before any request, and the correct session
is opened and closed without one.

unclosed-async-resource, client-session-in-loop, unreleased-response: only the fixture's
``wrong_*``/``correct_*`` functions (and module-level functions they call) are compiled, with the
fixture's file name and line numbers; the rest of a fixture imports frameworks (FastAPI, asyncpg)
these tests do not need.  A wrong function carries the rule's annotation and its leak is observed
(aiohttp's "Unclosed client session" report, an "unclosed file" ResourceWarning, one TCP connection
per request, a request that waits forever for the connection a response still holds); a correct one
carries none and does not leak.
"""

from __future__ import annotations

import ast
import asyncio
import gc
import sys
import warnings
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager

import aiofiles
import aiohttp
import httpx
import pytest
from aiohttp import web

from fixture_format import (
    all_fixtures,
    annotated_lines,
    compile_from_fixture,
    definitions,
    fixture_of,
    import_fixture,
)
from rules_by_name import code

RULE = "sync-with-async-context-manager"
BOUND = 5
# On 3.10 a plain ``with`` on an object without ``__enter__`` raises AttributeError, not TypeError,
# and asyncio.timeout does not exist: the sync-with-async-context-manager runs need 3.11.
needs_311 = pytest.mark.skipif(sys.version_info < (3, 11), reason="asyncio.timeout and with's TypeError need 3.11")


def _fixture():
    return fixture_of(code(RULE))


def _module():
    return import_fixture(_fixture())


def _witnesses(prefix: str) -> list[ast.AsyncFunctionDef]:
    return definitions(_fixture(), prefix, ast.AsyncFunctionDef)


WRONG = [n.name for n in _witnesses("wrong_")]
CORRECT = [n.name for n in _witnesses("correct_")]


def _flagged(name: str) -> set[int]:
    node = next(n for n in _witnesses(name[: name.index("_") + 1]) if n.name == name)
    return annotated_lines(_fixture(), node)


async def _run(fn):
    return await asyncio.wait_for(fn(), BOUND)


def test_there_are_wrong_and_correct_witnesses():
    assert len(WRONG) >= 4 and len(CORRECT) >= 4


@needs_311
@pytest.mark.parametrize("name", WRONG)
def test_wrong_code_raises_type_error_where_reported(name):
    (line,) = _flagged(name)
    with pytest.raises(TypeError) as failure:
        asyncio.run(_run(getattr(_module(), name)))
    assert failure.value.__traceback__ is not None
    frames = [f for f in _traceback_lines(failure.value) if f[0] == str(_fixture().path)]
    assert frames and frames[-1][1] == line, f"{name} failed at {frames}, not at the reported line {line}"
    assert "async" in str(failure.value) or "protocol" in str(failure.value) or "iterable" in str(failure.value)
    del failure  # its traceback holds what the wrong code left open (wrong_session_with's session): collect it here
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


@needs_311
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


# --- unclosed-async-resource, client-session-in-loop, unreleased-response ----------------------------

UNCLOSED = "unclosed-async-resource"
PER_REQUEST = "client-session-in-loop"
UNRELEASED = "unreleased-response"
RUN_BOUND = 10  # no run may take longer than this
HEAD_LENGTH = 10_000_000  # the Content-Length a HEAD reply announces, far beyond any socket buffer
STUCK = 1.0  # how long a wrong unreleased-response run is given (it waits forever)

# What aiohttp reports, in order, once the function's garbage is collected: the messages it gives the
# loop's exception handler, which are also its ResourceWarnings' (there followed by the object's repr).
SESSION_REPORTS = {
    "wrong_session_left_open": ["Unclosed client session", "Unclosed connector"],
    "correct_session_async_with": [],
}
FILE_WARNINGS = {"wrong_file_left_open": 1, "correct_file_async_with": 0}  # "unclosed file" ResourceWarnings
CONNECTIONS = {"wrong_client_per_request": 5, "correct_one_client": 1}  # TCP connections for 5 requests
# Two requests through a one-connection connector, the first response's body unfinished: how the run
# ends within STUCK s, how many requests reached the server, and what aiohttp reports once collected.
UNRELEASED_RUNS = {
    "wrong_two_requests_one_connection": ("timed out", 1, ["Unclosed connection"]),
    "correct_two_requests_one_connection": ((200, 200), 2, []),
    "correct_two_heads_one_connection": ((200, 200), 2, []),  # the headers announce the unfinished body's length
}
WITNESSES = {
    UNCLOSED: {*SESSION_REPORTS, *FILE_WARNINGS},
    PER_REQUEST: set(CONNECTIONS),
    UNRELEASED: set(UNRELEASED_RUNS),
}


def _rule_fixture(rule_name: str):
    (fixture,) = [f for f in all_fixtures() if f.code == code(rule_name)]
    return fixture


def _functions(fixture) -> dict[str, ast.AsyncFunctionDef | ast.FunctionDef]:
    return {n.name: n for n in definitions(fixture, kinds=(ast.AsyncFunctionDef, ast.FunctionDef))}


def _witness_names(rule_name: str) -> set[str]:
    return {name for name in _functions(_rule_fixture(rule_name)) if name.startswith(("wrong_", "correct_"))}


def _compiled(rule_name: str, name: str) -> Callable[..., Awaitable]:
    """The fixture's function ``name``, with the module-level functions it calls (transitively)."""
    fixture = _rule_fixture(rule_name)
    functions = _functions(fixture)
    called, todo = set(), [name]
    while todo:
        node = functions[todo.pop()]
        if node.name not in called:
            called.add(node.name)
            todo += [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id in functions]
    namespace = {"aiohttp": aiohttp, "aiofiles": aiofiles, "asyncio": asyncio, "httpx": httpx}
    fn, _ = compile_from_fixture(fixture, name, namespace, also=called)
    return fn


class _Server:
    """A local aiohttp server answering ``/`` with "ok" or, ``unfinished``, with the headers and the
    first byte of a body whose rest never comes (as a body larger than the socket buffers stays
    unfinished while the client does not read it).  It counts the requests, and keeps their
    transports: one per TCP connection accepted."""

    def __init__(self, *, unfinished: bool = False) -> None:
        self.unfinished = unfinished
        self.requests = 0
        self.transports: list = []

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.requests += 1
        if all(t is not request.transport for t in self.transports):
            self.transports.append(request.transport)
        if not self.unfinished:
            return web.Response(text="ok")
        if request.method == "HEAD":  # what a GET would get, less the body: aiohttp sends only the headers
            return web.Response(body=b"o" * HEAD_LENGTH)
        response = web.StreamResponse()
        await response.prepare(request)
        await response.write(b"o")
        await self._stopping.wait()
        return response

    @asynccontextmanager
    async def serving(self):
        """Yields the server's URL."""
        self._stopping = asyncio.Event()
        app = web.Application()
        app.router.add_get("/", self.handle)
        runner = web.AppRunner(app, shutdown_timeout=1)
        await runner.setup()
        try:
            await web.TCPSite(runner, "127.0.0.1", 0).start()
            host, port = runner.addresses[0][:2]
            yield f"http://{host}:{port}/"
        finally:
            self._stopping.set()  # the server waits for its handlers
            await asyncio.shield(runner.cleanup())


class _Observed:
    """What a run leaves behind once its garbage is collected: the messages of the contexts given to
    the loop's exception handler (aiohttp's leak reports) and of the ResourceWarnings raised.  Only
    messages are kept: a kept context or warning would keep its source, and whatever that still
    holds (a session's connector), alive, to be reported after the test."""

    def __init__(self) -> None:
        self.reported: list[str] = []
        self.warned: list[str] = []
        self.warned_of: list[str] = []  # the ResourceWarnings without their sources' reprs (and addresses)

    async def run(self, run: Callable[[], Awaitable], bound: float) -> object:
        """``run()``'s result, or "timed out" after ``bound`` s."""
        gc.collect()  # earlier tests' garbage is theirs
        asyncio.get_running_loop().set_exception_handler(lambda _loop, c: self.reported.append(c["message"]))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                outcome = await asyncio.wait_for(run(), bound)
            except asyncio.TimeoutError:
                outcome = "timed out"  # and the error, whose traceback holds the run's frames, is dropped
            for _ in range(3):  # a warning holds its source: drop it, and collect what the source held
                gc.collect()
                leaks = [(str(w.message), f" {w.source!r}") for w in caught if w.category is ResourceWarning]
                self.warned += [message for message, _ in leaks]
                self.warned_of += [message.removesuffix(source) for message, source in leaks]
                caught.clear()
        return outcome

    def against(self, server: _Server, fn, bound: float = RUN_BOUND, **kwargs) -> object:
        """Runs ``fn(url, **kwargs)`` against ``server``, in a new event loop."""

        async def main():
            async with server.serving() as url:
                return await self.run(lambda: fn(url, **kwargs), bound)

        return asyncio.run(main())


def _resource_params() -> list:
    return [
        pytest.param(rule_name, name, id=f"{rule_name}:{name}")
        for rule_name in WITNESSES
        for name in sorted(_witness_names(rule_name))
    ]


def test_every_resource_witness_is_run():
    for rule_name, run in WITNESSES.items():
        assert _witness_names(rule_name) == run, f"{rule_name}: the fixture's witnesses are not the ones run here"
        assert {n.split("_")[0] for n in run} == {"wrong", "correct"}, rule_name


@pytest.mark.parametrize("rule_name, name", _resource_params())
def test_resource_annotation(rule_name, name):
    fixture = _rule_fixture(rule_name)
    flagged = annotated_lines(fixture, _functions(fixture)[name])
    if name.startswith("wrong_"):
        assert flagged, f"{name} is wrong code the rule does not flag"
    else:
        assert not flagged, f"{name} is correct code the rule flags"


@pytest.mark.parametrize("name", sorted(SESSION_REPORTS))
def test_unclosed_session_is_reported(name):
    observed = _Observed()
    assert observed.against(_Server(), _compiled(UNCLOSED, name)) == "ok"
    assert observed.reported == SESSION_REPORTS[name], f"{name}: aiohttp reported {observed.reported}"
    assert observed.warned_of == SESSION_REPORTS[name], f"{name}: ResourceWarnings {observed.warned}"


@pytest.mark.parametrize("name", sorted(FILE_WARNINGS))
def test_unclosed_file_warns(name, tmp_path):
    """The file is closed when the function's frame goes (by the file object's finalizer, which
    warns), not by the code: the leak shows only as the warning."""
    path = tmp_path / "config.txt"
    path.write_text("ok")
    fn = _compiled(UNCLOSED, name)
    observed = _Observed()
    assert asyncio.run(observed.run(lambda: fn(str(path)), RUN_BOUND)) == "ok"
    assert observed.reported == []
    unclosed = f"unclosed file <_io.TextIOWrapper name={str(path)!r} mode='r'"
    warned = [w[: len(unclosed)] for w in observed.warned]
    assert warned == [unclosed] * FILE_WARNINGS[name], f"{name}: ResourceWarnings {observed.warned}"


@pytest.mark.parametrize("name", sorted(CONNECTIONS))
def test_connections_per_client(name):
    server, observed = _Server(), _Observed()
    observed.against(server, _compiled(PER_REQUEST, name), times=5)
    opened = len(server.transports)
    assert (server.requests, opened) == (5, CONNECTIONS[name]), (
        f"{name}: {server.requests} requests on {opened} TCP connections"
    )
    assert observed.reported == observed.warned == []


@pytest.mark.parametrize("name", sorted(UNRELEASED_RUNS))
def test_second_request_on_the_only_connection(name):
    server, observed = _Server(unfinished=True), _Observed()
    outcome = observed.against(server, _compiled(UNRELEASED, name), STUCK)
    seen = (outcome, server.requests, observed.reported)
    assert seen == UNRELEASED_RUNS[name], (
        f"{name}, within {STUCK} s: {outcome}, {server.requests} requests served, aiohttp reported {observed.reported}"
    )
    assert observed.warned_of == observed.reported


def test_unreleased_response_whose_body_has_arrived_is_released_by_aiohttp():
    """The limit of the witness above: once a whole body has arrived aiohttp releases the connection
    itself, so with a 2-byte body the wrong code happens to finish."""
    server, observed = _Server(), _Observed()
    assert observed.against(server, _compiled(UNRELEASED, "wrong_two_requests_one_connection")) == (200, 200)
    assert (server.requests, len(server.transports)) == (2, 1)
    assert observed.reported == observed.warned == []
