"""The program's entry points: coroutines the module runs as the first and only task of a new
event loop (``asyncio.run(main())``).  Until its first await point such a coroutine is the only
code on its loop, and the cancellation it receives is the one ``Ctrl-C`` brings to the program."""

from __future__ import annotations

import ast
import re
from typing import TYPE_CHECKING

from ..semantic.frames import before_first_suspension, runs_after_await
from ..semantic.scope import Binding, BindingKind, Scope, ScopeKind
from ..semantic.text import is_none, last_segment
from .asyncio import ASYNCIO_RUN

if TYPE_CHECKING:
    from ..semantic.context import Context
    from ..semantic.frames import Frame

# Calls that start a new event loop whose only task is one coroutine: made by the call's argument
# (``asyncio.run(main())``) or, for anyio and trio, by the function passed (``anyio.run(main, x)``).
_RUNS_COROUTINE = frozenset({ASYNCIO_RUN, "uvloop.run", "aiorun.run"})  # aiorun: runs it, then serves on
_RUNS_FUNCTION = frozenset({"anyio.run", "trio.run"})
_AWAITED_DEPTH = 8  # ``main`` awaits ``run``, which awaits ``step`` ...: that far
_ARGUMENT_PARSER = "argparse.ArgumentParser"
# The last name of a call that starts work beside the main coroutine: a task, a task group, a
# server, a callback, a thread (conservative: ``worker.start()`` counts too).
_STARTS_WORK = frozenset(
    {
        "create_task",
        "ensure_future",
        "gather",
        "as_completed",
        "TaskGroup",
        "create_task_group",
        "open_nursery",
        "start_soon",
        "start_server",
        "start_unix_server",
        "create_server",
        "create_unix_server",
        "create_datagram_endpoint",
        "serve",
        "serve_forever",
        "run_app",
        "start",
        "spawn",
        "call_soon",
        "call_soon_threadsafe",
        "call_later",
        "call_at",
        "add_reader",
        "add_writer",
        "add_signal_handler",
        "run_forever",
    }
)


_TASK_STARTERS = frozenset({"create_task", "ensure_future"})
# An async API of these names may start a library's background work -- a host's or bot's services,
# a connection's keep-alive pings (libp2p's ``async with host.run():``, ``await nc.connect()``):
# counted where it is awaited or entered with ``async with`` (not ``sqlite3.connect(...)``).
_STARTS_SERVICE = frozenset({"run", "connect", "ws_connect", "login", "listen", "run_until_disconnected"})


class _Late:
    """A blocking call of a coroutine after its first await point: excused only if the module is a
    command-line program and the coroutine its main one (see :meth:`MainCoroutines.is_main`)."""

    __slots__ = ("function",)

    def __init__(self, function: Scope) -> None:
        self.function = function


# A loop's method that runs a coroutine on it -> what made the loop (a local or ``self.<attr>``
# of that origin).
_RUNS_ON_OWN_LOOP = {
    "run_until_complete": frozenset(
        {
            "asyncio.new_event_loop",
            "uvloop.new_event_loop",
            "asyncio.ProactorEventLoop",  # a loop class made directly (praisonai's Windows runner thread)
            "asyncio.SelectorEventLoop",
            "uvloop.Loop",
        }
    ),
    "run": frozenset({"asyncio.Runner"}),
}


def started_coroutine(ctx: Context, call: ast.Call) -> ast.Name | ast.Attribute | None:
    """The name ``main`` when ``call`` runs ``main`` as the first and only task of a new event loop:
    ``asyncio.run(main())``, ``uvloop.run(main())``, ``aiorun.run(main())``, ``anyio.run(main, ...)``, ``trio.run(main,
    ...)``, any import spelling (``from asyncio import run as arun``); or on a loop the code made
    itself: ``loop = asyncio.new_event_loop(); loop.run_until_complete(main())``, ``with
    asyncio.Runner() as runner: runner.run(main())``.  A method of the instance counts the same
    way, as ``self.m`` (``asyncio.run(self._serve())``, ``self.loop.run_until_complete(self._run())``
    where every ``self.loop = ...`` makes a new loop)."""
    if not call.args:
        return None
    func, started = call.func, call.args[0]
    if isinstance(started, ast.Call):
        started = started.func
    if not (isinstance(started, ast.Name) or _instance_method(ctx, started)):
        return None
    own_loop = _RUNS_ON_OWN_LOOP.get(func.attr) if isinstance(func, ast.Attribute) else None  # the cheap test first
    if own_loop is not None and started is not call.args[0] and _loop_origins(ctx, func.value) <= own_loop:
        return started
    if not (last_segment(func) == "run" or isinstance(func, ast.Name)):
        return None
    runners = _RUNS_FUNCTION if started is call.args[0] else _RUNS_COROUTINE  # passed, or called
    return started if ctx.qualified_name(func) in runners else None


def _instance_method(ctx: Context, expr: ast.AST) -> bool:
    return isinstance(expr, ast.Attribute) and ctx.instance_class(expr.value) is not None


def _loop_origins(ctx: Context, loop: ast.AST) -> frozenset[str | None]:
    """What made ``loop``: a local's value, or every value but ``None`` the class assigns to
    ``self.<attr>``."""
    if isinstance(loop, ast.Attribute):  # ``self._loop = None`` in ``__init__`` only says "none yet"
        values = [b.value for b in ctx.attribute_bindings(loop) if not is_none(b.value)]
        return frozenset(ctx.origin(v) if v is not None else None for v in values) or frozenset({None})
    return frozenset({ctx.origin(loop)})


class MainCoroutines:
    """The module's main coroutines: ``async def``s (at module level, or local to a function) that
    the module names *only* to run them, each as the first and only task of a new event loop
    (``asyncio.run(main())``, ``new_event_loop().run_until_complete(main())``, see
    :func:`started_coroutine`), also through a plain def that runs the coroutine it is given so
    (``run_in_background(main())`` where ``def run_in_background(coro)`` calls
    ``asyncio.run(coro)``).  A function the module also awaits, gathers, makes into a task,
    passes on or rebinds is not one.  A private method (``_serve``) is one when every ``._serve``
    attribute spelled in the file's text is such a run (``asyncio.run(self._serve())`` in a thread or a worker process's
    ``run()``): any other mention -- an ``await self._serve()``, a callback, ``super()._serve()``,
    even one in a comment -- and it is not.  Until its first await point a main coroutine is the
    only code on its loop; and the cancellation it receives is the one ``Ctrl-C`` brings to the
    program.

    One per file, shared by the checkers that ask (:func:`main_coroutines`).  Each feeds it from
    its own handlers -- :meth:`defined` from ``leave_AsyncFunctionDef``, :meth:`called` from
    ``visit_Call`` -- and a node fed by two checkers counts once.  :meth:`is_main` answers at the
    module end, when every use of the function's name has been seen."""

    __slots__ = (
        "_awaited",
        "_concurrent",
        "_ctx",
        "_defined",
        "_functions",
        "_handed",
        "_last_call",
        "_method_runs",
        "_methods",
        "_parsers",
        "_program_text",
        "_run_sites",
        "_runners",
        "_runs",
        "_script_text",
    )

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._functions: dict[ast.AST, Binding] = {}  # ``async def`` -> its binding, watched
        self._methods: set[ast.AST] = set()  # ``async def`` in a class body
        self._runs: set[ast.Name] = set()  # ``main`` in ``asyncio.run(main())``
        self._method_runs: dict[str, int] = {}  # ``_serve`` in ``asyncio.run(self._serve())`` -> how many
        self._last_call: ast.Call | None = None
        self._runners: set[tuple[ast.AST, int]] = set()  # (def, position) of ``def bg(coro): asyncio.run(coro)``
        self._handed: list[tuple[Binding, int, ast.Name]] = []  # ``bg(main())``: (bg's binding, 0, main)
        self._awaited: dict[ast.Name, tuple[Scope, bool]] = {}  # ``run`` in ``await run()`` -> (caller, first?)
        # A command-line program: a sync function that makes an ``argparse.ArgumentParser`` and runs
        # the main coroutine, in a module that starts no other work on the loop.
        self._program_text = ctx.text is not None and "ArgumentParser" in ctx.text
        self._parsers: set[Scope] = set()  # sync functions calling ``argparse.ArgumentParser(...)``
        self._run_sites: set[Scope] = set()  # sync functions running a main coroutine
        self._concurrent = False  # a call that starts work beside the main coroutine (a task, a server...)
        # A script: a module run as ``__main__`` that runs a coroutine (:meth:`is_script`).
        self._script_text = ctx.text is not None and "__main__" in ctx.text
        self._defined: dict[str, bool] = {}  # ``connect`` -> the file defines ``async def connect``

    def defined(self, node: ast.AsyncFunctionDef) -> None:
        """``node``'s header has just been left: at module level or in a function, watch its name's
        every use; in a class, its uses are counted in the text at the end (methods are named through
        ``self``)."""
        ctx = self._ctx
        if node in self._functions or node in self._methods:
            return
        if ctx.scope.kind is ScopeKind.CLASS:
            if node.name.startswith("_"):  # a public one is an API: other modules await it too
                self._methods.add(node)
            return
        binding = ctx.lookup(node.name)
        if binding is not None and binding.node is node:
            self._functions[node] = binding
            ctx.watch(binding)

    def called(self, call: ast.Call) -> None:
        """A call: ``asyncio.run(main())`` names ``main`` to run it (not in async context, where
        ``asyncio.run`` raises ``RuntimeError``)."""
        if call is self._last_call:  # the checkers' handlers for one node run one after another
            return
        self._last_call = call
        ctx = self._ctx
        func = call.func
        if (self._program_text or self._script_text) and not self._concurrent:
            self._concurrent = self._starts_work(func, call)
        if ctx.in_async:
            if type(func) is ast.Name and type(ctx.parent()) is ast.Await:  # ``await run_action()``
                self._awaited[func] = (ctx.function, self._early(ctx.function))
            return
        if self._program_text and ctx.qualified_name(func) == _ARGUMENT_PARSER:
            self._parsers.add(ctx.function)
        started = started_coroutine(self._ctx, call)
        if isinstance(started, ast.Name):
            self._runs.add(started)
            self._run_sites.add(ctx.function)
        elif started is not None:
            self._method_runs[started.attr] = self._method_runs.get(started.attr, 0) + 1
        else:
            self._runner_helper(call)

    def _runner_helper(self, call: ast.Call) -> None:
        """A helper that runs the coroutine it is given on a new loop -- ``def run_in_background(coro):
        ... asyncio.run(coro)``, maybe in a def nested in it (a thread's target) -- and a call handing
        one to such a helper, ``run_in_background(run_asgi())`` (resolved at the end)."""
        ctx, func, arguments = self._ctx, call.func, call.args
        if (
            len(arguments) == 1
            and isinstance(arguments[0], ast.Name)
            and (isinstance(func, ast.Name) or last_segment(func) == "run")  # the cheap test first, as above
            and ctx.qualified_name(func) in _RUNS_COROUTINE
        ):
            binding = ctx.binding_of(arguments[0])
            helper = binding.scope.node if binding is not None and binding.kind is BindingKind.PARAM else None
            if isinstance(helper, ast.FunctionDef):
                positions = [a.arg for a in (*helper.args.posonlyargs, *helper.args.args)]
                if binding.name in positions:
                    self._runners.add((helper, positions.index(binding.name)))
            return
        handed = [
            (p, a.func) for p, a in enumerate(arguments) if isinstance(a, ast.Call) and isinstance(a.func, ast.Name)
        ]
        binding = ctx.binding_of(func) if handed else None  # (a Name callee only: anything else gives None)
        if binding is not None and binding.kind is BindingKind.DEF:
            self._handed += [(binding, position, started) for position, started in handed]

    def _starts_work(self, func: ast.expr, call: ast.Call) -> bool:
        """The call being handled starts work beside its caller -- but for a task awaited at once
        (``await create_task(step())``, ``await drain(create_task(step()))``): its creator waits
        for it, so it runs alone too, as a coroutine the creator awaits (``step``)."""
        name = func.attr if type(func) is ast.Attribute else getattr(func, "id", None)
        if name in _STARTS_SERVICE:  # ``await client.connect()``: unless the module's own ``async def connect``
            return self._entered_async(self._ctx.frame[1]) and not self._defines(name)
        if name not in _STARTS_WORK:
            return False
        if name not in _TASK_STARTERS:
            return True
        outer = self._ctx.frame[1]
        if outer is not None and type(outer[0]) is ast.Call and outer[1] is not None:
            outer = outer[1]  # ``drain(create_task(...))``: the call it is an argument of
        if outer is None or type(outer[0]) is not ast.Await:
            return True
        started = call.args[0] if call.args else None
        if type(started) is ast.Call and type(started.func) is ast.Name and self._ctx.in_async:
            self._awaited[started.func] = (self._ctx.function, False)
        return False

    def _defines(self, name: str) -> bool:
        """The file's text defines ``async def name`` (a method of the module's own class, say)."""
        found = self._defined.get(name)
        if found is None:
            text = self._ctx.text
            found = self._defined[name] = text is not None and re.search(rf"async\s+def\s+{name}\b", text) is not None
        return found

    @staticmethod
    def _entered_async(outer: Frame | None) -> bool:
        """The call being handled (``outer`` its parent's frame) is awaited or entered by ``async with``."""
        if outer is None:
            return False
        if type(outer[0]) is ast.Await:
            return True
        return type(outer[0]) is ast.withitem and outer[1] is not None and type(outer[1][0]) is ast.AsyncWith

    def startup(self, function: Scope) -> Scope | _Late | None:
        """``function`` when it may turn out to be a main coroutine (known before its body is
        walked) and the node being handled in it runs before its first await point, in no loop
        that reaches one: it then runs once, alone on the loop.  Later in its body, in a module that
        may be a command-line program, a :class:`_Late` mark of it.  Ask :meth:`is_main` at the end."""
        node = function.node
        if node not in self._functions and node not in self._methods:
            return None
        if self._early(function):
            return function
        return _Late(function) if self._program_text and node in self._functions else None

    def _early(self, function: Scope) -> bool:
        """The node being handled runs before ``function``'s first await point, in no loop that
        reaches one."""
        frame = self._ctx.frame
        if function.has_await and not before_first_suspension(frame):
            return False
        return not runs_after_await(frame)

    def is_main(self, function: Scope | _Late | None) -> bool:
        """Whether ``function`` is a main coroutine -- or a coroutine the module names only to await it as
        the first await of one (pr-agent's ``await run_action()``): until its own first await point
        it, too, runs alone on the loop.  In a command-line program (:meth:`_program`), also a
        coroutine awaited by a main one anywhere: the whole of it runs alone (a :class:`_Late` mark
        asks about a call after the first await point, which only that can excuse)."""
        if function is None:
            return False
        if self._handed:  # every helper is known now: the coroutines handed to one are run by it
            for binding, position, started in self._handed:
                if (binding.node, position) in self._runners:
                    self._runs.add(started)
            self._handed.clear()
        if type(function) is _Late:
            return self._program() and self._main(function.function, 0, late=True)
        return self._main(function, 0, late=False) or (self._program() and self._main(function, 0, late=True))

    def _main(self, function: Scope, depth: int, late: bool) -> bool:
        if function.node in self._methods:
            return self._only_run(function.node.name)
        binding = self._functions.get(function.node)
        return bool(binding and binding.loads) and all(
            load[0] in self._runs or self._awaited_by_main(load[0], depth, late) for load in binding.loads
        )

    def _awaited_by_main(self, name: ast.AST, depth: int, late: bool) -> bool:
        owner, first = self._awaited.get(name, (None, False))
        return owner is not None and (first or late) and depth < _AWAITED_DEPTH and self._main(owner, depth + 1, late)

    def _program(self) -> bool:
        """A command-line program: a sync function makes an ``ArgumentParser`` and runs the main
        coroutine, and nothing in the module starts other work on the loop."""
        return not self._concurrent and bool(self._parsers & self._run_sites)

    def is_script(self) -> bool:
        """Whether the module is a terminal program: its text names ``__main__``, it runs a coroutine
        as a main one (``asyncio.run(main())``, ``asyncio.run(self._serve())``), and nothing in it
        starts other work on the loop (as for :meth:`_program`).  Ask at the module end."""
        return self._script_text and not self._concurrent and bool(self._runs or self._method_runs)

    def _only_run(self, name: str) -> bool:
        """Every ``.name`` of the file's text is one of the runs seen (unknown text: no)."""
        runs = self._method_runs.get(name)
        text = self._ctx.text
        if not runs or text is None:
            return False
        return len(re.findall(rf"\.\s*{re.escape(name)}(?!\w)", text)) == runs


def main_coroutines(ctx: Context) -> MainCoroutines:
    """The file's :class:`MainCoroutines` (made on first use, then shared)."""
    found = ctx.memo.get("main_coroutines")
    if found is None:
        found = ctx.memo["main_coroutines"] = MainCoroutines(ctx)
    return found
