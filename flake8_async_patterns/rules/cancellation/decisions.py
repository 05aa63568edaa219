"""Cancellation swallowed by exception handlers: deciding the handlers the checker collected, at
the end of the module, once its ``.cancel()`` calls, task spawns and exception classes are known."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...knowledge.asyncio import BASE_EXCEPTION, CANCELLED_ERROR, cancelled_elsewhere, caught_exceptions
from ...knowledge.cli import is_cli_command
from ...semantic.flow import Outcome, handler_always_raises, handler_outcomes
from ...semantic.frames import await_points_in
from ...semantic.scope import BindingKind
from .declarations import CANCELLED_ERROR_NOT_RERAISED
from .structure import awaits_parameter, class_of, only_cleanup_of, raises_unless_unwinding, reraised_after
from .suspension import (
    never_suspends,
    shielded_names,
    spelled_value,
    tells_awaited_apart,
    tells_closing_apart,
    tells_message_apart,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from ...knowledge.entry import MainCoroutines
    from ...registry import Rule
    from ...semantic.context import Context
    from ...semantic.scope import Scope
    from .classes import ExceptionClasses

LEAVES_WITHOUT_RERAISE = frozenset({Outcome.FALL, Outcome.EXIT, Outcome.BREAK, Outcome.CONTINUE})
KEYBOARD_INTERRUPT = "builtins.KeyboardInterrupt"
_CATCHES_IT = frozenset({CANCELLED_ERROR, BASE_EXCEPTION})
_ENDS_FUNCTION = frozenset({Outcome.EXIT, Outcome.RERAISE})  # leaving the handler leaves the function


def _awaits_name(try_node: ast.AST, names: list[str]) -> bool:
    """The ``try`` body awaits one of ``names`` itself (``await run``)."""
    return any(
        type(point) is ast.Await and type(point.value) is ast.Name and point.value.id in names
        for statement in try_node.body
        for point in await_points_in(statement, (ast.Await,))
    )


class Candidate:
    __slots__ = ("ends", "fields", "function", "handler", "rule", "star", "stops_loop", "try_node")

    def __init__(
        self,
        handler: ast.ExceptHandler,
        rule: Rule,
        fields: dict[str, str],
        function: Scope,
        try_node: ast.AST,
        star: bool,
        stops_loop: frozenset[Outcome] | None,
    ) -> None:
        self.handler = handler
        self.rule = rule
        self.fields = fields
        self.function = function
        self.try_node = try_node
        self.star = star
        self.stops_loop = stops_loop  # the handler's ends that stop the function's loop (None: no loop)
        self.ends: frozenset[Outcome] | None = None  # how leaving the handler goes, once asked (_ends)


class Decisions:
    """The deciding half of the cancellation checker (mixed into it): which collected handlers
    an idiom excuses, and how the others are reported.  The facts are the checker's."""

    ctx: Context
    candidates: list[Candidate]
    deliberate: set[ast.AST]
    helper_calls: dict[ast.AST, set[str]]
    keepers: set[str]
    askers: set[Scope]
    asker_calls: dict[ast.AST, set[str]]
    classes: ExceptionClasses
    main_coroutines: MainCoroutines
    scopes: dict[ast.AST, Scope]
    found_done: dict[ast.AST, frozenset[str]]
    spawned: dict[Scope | None, set[str]]
    spawned_methods: set[str]
    awaited_calls: dict[tuple, list]
    awaited_attrs: dict[ast.AST, set[str]]
    cancelled_attrs: dict[Scope | None, set[str]]
    awaited_globals: dict[ast.AST, set[str]]
    cancelled_globals: set[str]
    last_statements: set[ast.AST]
    first_cancel: dict[Scope, int]
    named_cancels: dict[Scope, list[tuple[str, int]]]
    cancelling_methods: dict[Scope | None, dict[str, set[str]]]
    self_calls: dict[Scope, list[tuple[str, int]]]
    name_calls: dict[Scope, list[tuple[str, int]]]
    copies: dict[Scope, dict[str, set[str]]]
    saved: dict[ast.AST, set[str]]
    raised: dict[Scope, set[str]]
    flags: dict[ast.AST, set[str]]
    forwards: set[ast.AST]
    flag_raises: dict[Scope, list[tuple[ast.expr, set[str]]]]
    awaited_objects: set[ast.AST]
    awaiting_callers: dict[tuple, set[Scope]]
    sigint_handled: bool

    def module_end(self) -> None:
        if cancelled_elsewhere(self.ctx):
            return
        for candidate in self.candidates:
            if not self._excused(candidate):
                self._decide(candidate)

    def _excused(self, candidate: Candidate) -> bool:
        handler, function = candidate.handler, candidate.function
        if self._cancels_before(function, handler.lineno, candidate.try_node):
            return True  # the cancel-then-reap idiom
        if self._reaps_for_callers(candidate):
            return True  # the reap half of it: each caller cancels the task it hands in
        if handler in self.deliberate or self.helper_calls.get(handler, set()) & self.keepers:
            return True
        if any(self._helper(name, function) in self.askers for name in self.asker_calls.get(handler, ())):
            return True  # ``if _task_cancelling(): raise``, the helper asking ``current_task().cancelling()``
        shielded = shielded_names(candidate.try_node)
        told_apart = (
            tells_awaited_apart(shielded, handler)
            or tells_closing_apart(handler, shielded, self._canceller_setter(function))
            or tells_message_apart(handler)
        )
        if told_apart and Outcome.RERAISE in self._ends(candidate):
            return True  # ``if fut.cancelled(): return`` / ``raise``: the awaited future's own cancellation
        if self._entry_point(candidate.try_node, function):
            return True
        if self._kept(handler, function):
            return True  # kept in a local, raised or handed on later
        if raises_unless_unwinding(handler, function):
            return True  # ``__aexit__``: swallowed only while the block's own exception goes on
        if reraised_after(self._ends(candidate), candidate.try_node, function, self.classes.same):
            return True  # falls through to clean-up that raises CancelledError again
        if never_suspends(
            self.ctx, candidate.try_node, function, self.scopes, self.found_done.get(candidate.try_node, frozenset())
        ):
            return True  # no cancellation can arrive in the ``try`` body
        owner = class_of(function)
        spawned = self._spawned(function)
        if spawned and not self._awaited_inline(function):
            return True  # only ever started as a task: its owner cancels it and reaps the end
        sites = self.awaited_calls.get((owner if function.is_method else None, function.name))
        if not spawned and only_cleanup_of(sites, lambda h: bool(_CATCHES_IT & caught_exceptions(self.ctx, h))):
            return True  # awaited only by handlers that re-raise the cancellation afterwards
        try_node = candidate.try_node
        if not (self.awaited_attrs.get(try_node, set()) & self.cancelled_attrs.get(owner, set())) and not (
            self.awaited_globals.get(try_node, set()) & self.cancelled_globals
        ):
            return False
        # reaps the class's (or the module's) task, which something cancels: fine when leaving the
        # handler ends the function, not when the function goes on as if the task had failed
        return try_node in self.last_statements or self._ends(candidate) <= _ENDS_FUNCTION

    def _reaps_for_callers(self, candidate: Candidate) -> bool:
        """The ``try`` awaits a parameter of a coroutine function that the module awaits only right
        after cancelling the task it passes there (``task.cancel()`` then ``await self.reap(task)``:
        djangochannelsrestframework's detached tasks, modal's log batches), and leaving the handler
        ends the function: the CancelledError is that task's, reaped."""
        function = candidate.function
        positions = self.reaped_arguments.get((class_of(function) if function.is_method else None, function.name))
        if not positions or None in positions or len(set(positions)) != 1:
            return False
        if not awaits_parameter(self.ctx, candidate.try_node, function, positions[0]):
            return False
        return candidate.try_node in self.last_statements or self._ends(candidate) <= _ENDS_FUNCTION

    def _canceller_setter(self, function: Scope) -> Callable[[str], frozenset[str] | None]:
        """What the methods of ``function``'s class that call ``.cancel()`` set ``self.<attr>`` to before
        their first cancel, spelled (both arms of an ``a if c else b``); None where some value has no
        spelling or no such method sets the attribute."""
        cls = class_of(function)

        def values(attr: str) -> frozenset[str] | None:
            found: set[str | None] = set()
            for binding in cls.attrs.get(attr, ()) if cls is not None else ():
                first = self.first_cancel.get(binding.scope)
                value = binding.value
                if first is None or value is None or getattr(binding.node, "lineno", first) >= first:
                    continue
                arms = (value.body, value.orelse) if type(value) is ast.IfExp else (value,)
                found.update(spelled_value(arm) for arm in arms)
            return frozenset(found) if found and None not in found else None  # type: ignore[arg-type]

        return values

    def _helper(self, name: str, function: Scope) -> Scope | None:
        """The body of the def that ``name()`` calls from ``function``, if the module shows one."""
        binding = self.ctx.lookup(name, function)
        return binding.func_scope if binding is not None and binding.kind is BindingKind.DEF else None

    def _cancels_before(self, function: Scope, line: int, try_node: ast.AST) -> bool:
        """Whether ``function`` calls ``.cancel()`` before ``line``: itself, in a closure it defines
        (nested bodies are walked after their function, hence this is asked at the module's end),
        or through a method of its class that cancels the very ``self.<attr>`` the ``try`` awaits
        (``self._finished()`` cancelling ``self._task``, then ``await self._task``)."""
        first_cancel = self.first_cancel.get(function)
        if first_cancel is not None and first_cancel < line:
            return True
        named = [name for name, at in self.named_cancels.get(function, ()) if at < line]
        if named and _awaits_name(try_node, named):
            return True  # llama-agents: ``await run.cancel_run()``, then ``try: await run``
        for name, at in self.name_calls.get(function, ()):
            if at < line and self._helper(name, function) in self.first_cancel:
                return True  # ``cancel(task, signal)``, a plain def of the module that calls ``task.cancel()``
        awaited = self.awaited_attrs.get(try_node)
        if not awaited or not function.is_method:
            return False
        cancelling = self.cancelling_methods.get(class_of(function), {})
        return any(
            at < line and awaited & cancelling.get(name, set()) for name, at in self.self_calls.get(function, ())
        )

    def _kept(self, handler: ast.ExceptHandler, function: Scope) -> bool:
        """The caught exception saved in a local (or a copy of one: ``error = exc`` ... ``to_raise =
        error``) that the function raises or hands on later (or, through ``nonlocal``, the function
        around it: llama-index's step wrapper), or a flag the handler sets that guards
        a later ``raise CancelledError`` (``cancelled = True`` ... ``if cancelled: raise
        CancelledError``, the standard library's ``Condition.wait``), or a handler that hands the
        cancellation to the operation (``lib.nng_aio_cancel(aio)``) in a function that raises
        CancelledError later (pynng, once the operation reports it stopped): the cancellation is
        deferred."""
        copies = self.copies.get(function, {})
        saved, pending = set(), list(self.saved.get(handler, ()))
        while pending:
            name = pending.pop()
            if name not in saved:
                saved.add(name)
                pending.extend(copies.get(name, ()))
        if saved & self.raised.get(function, set()):
            return True
        for name in saved & function.nonlocals:  # ``nonlocal caught; caught = exc``: the enclosing function
            if name in self.raised.get(self.ctx.nonlocal_owner(function, name), ()):  # raises it later
                return True
        flags = self.flags.get(handler)
        later = self.flag_raises.get(function, ())
        if handler in self.forwards and any(exc.lineno > handler.lineno and self.classes.same(exc) for exc, _ in later):
            return True  # the operation is told to stop; the function raises CancelledError when it did
        return bool(flags) and any(flags & tests and self.classes.same(exc) for exc, tests in later)

    def _spawned(self, function: Scope) -> bool:
        """The module starts ``function`` as a task (``create_task(self.f())``, ``create_task(f())``)."""
        owner = class_of(function) if function.is_method else None
        return function.name in self.spawned.get(owner, ()) or (
            function.is_method and function.name in self.spawned_methods
        )

    def _task_body(self, function: Scope) -> bool:
        """Nothing awaits ``function`` but coroutines the module only starts as tasks (aiosonic's
        ``reader_t`` task, whose body is ``await self._read_events()``): its loop stopping ends a task."""
        callers = self.awaiting_callers.get((class_of(function) if function.is_method else None, function.name))
        return not callers or all(
            caller is not function and self._spawned(caller) and not self._awaited_inline(caller) for caller in callers
        )

    def _awaited_inline(self, function: Scope) -> bool:
        """The module awaits ``function`` (``await f()``/``self.f()``): its caller's cancellation is at stake."""
        return (class_of(function) if function.is_method else None, function.name) in self.awaited_calls

    def _entry_point(self, try_node: ast.Try, function: Scope) -> bool:
        """The program's main coroutine (``asyncio.run(main())``, a command-line command, or a
        ``try`` whose handlers also catch ``KeyboardInterrupt``, in the same handler or another):
        swallowing the cancellation that Ctrl-C brings there ends the program gracefully.  In a
        module whose SIGINT handler turns Ctrl-C into a cancellation, a ``try`` awaiting a task by
        name (``await self._command_task``) reaps the command Ctrl-C cancelled: an interactive
        shell goes back to its prompt."""
        if self.main_coroutines.is_main(function) or is_cli_command(self.ctx, function):
            return True
        if self.sigint_handled and try_node in self.awaited_objects:
            return True
        return any(
            KEYBOARD_INTERRUPT in caught_exceptions(self.ctx, handler) and not handler_always_raises(handler)
            for handler in try_node.handlers
        )  # ``except KeyboardInterrupt: raise`` beside ``except BaseException: log(...)`` is no graceful stop

    def _decide(self, candidate: Candidate) -> None:
        handler, rule = candidate.handler, candidate.rule
        ends = self._ends(candidate)
        stops = candidate.stops_loop
        if stops is not None and ends <= stops and self._task_body(candidate.function):
            return  # a task's ``while ...: try: ... except CancelledError: break``: the loop stops
        variant = None
        if ends <= {Outcome.RERAISE}:
            if not (candidate.star and rule is CANCELLED_ERROR_NOT_RERAISED):
                return
            variant = "group"
        elif rule is CANCELLED_ERROR_NOT_RERAISED and not ends & LEAVES_WITHOUT_RERAISE:
            variant = "replaced"  # every path raises, but not a CancelledError
        self.ctx.report(handler, rule, variant, **candidate.fields)

    def _ends(self, candidate: Candidate) -> frozenset[Outcome]:
        """The ways leaving the candidate's handler can go, computed once."""
        if candidate.ends is None:
            handler = candidate.handler
            classes = self.classes
            candidate.ends = handler_outcomes(handler, classes.same, classes.cancellation_test(handler))
        return candidate.ends
