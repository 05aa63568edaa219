"""Analyses of how values and control flow move, shared by every rule that needs them.

* ``use_of(frame)``: what the code does with one load of a local -- awaits it, returns it, stores
  it, passes it on, calls a method on it...  Rules decide what each use means for them (handing
  a coroutine to ``gather`` handles it; handing a session to an awaited helper does not close it).
* ``hands_on(frame)``: the load passes ownership of the object elsewhere (escape).
* ``closed_on_every_path(binding, close_frame)``: a close call that runs on every path after the
  binding was made.
* ``outcomes(statements)`` / ``handler_reraises(handler)``: how a block can end -- re-raising the
  caught exception, raising another one, leaving (return/break/continue) or falling off its end --
  path by path.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

from .frames import TRY_NODES, Frame, in_finally, in_statement_list, parent_frame, statement_frame, statement_lists
from .scope import Binding
from .symbols import Symbol
from .text import last_segment


class Use:
    """What the code around one load of a name does with the value."""

    AWAITED = Symbol("await x")
    RETURNED = Symbol("return x")
    YIELDED = Symbol("yield x")
    STORED = Symbol("y = x")  # the value of an assignment or walrus
    COLLECTED = Symbol("[x]")  # an element of a list/tuple/set/dict display, or ``*x``
    ARGUMENT = Symbol("f(x)")  # a positional argument
    KEYWORD = Symbol("f(k=x)")
    ENTERED = Symbol("with x")
    CALLED = Symbol("x()")
    SUBSCRIPTED = Symbol("x[i]")
    INDEX = Symbol("d[x]")
    ATTRIBUTE = Symbol("x.attr")
    LAMBDA = Symbol("lambda: x")
    OTHER = Symbol("other")


_SIMPLE_USES: dict[type, Use] = {
    ast.Await: Use.AWAITED,
    ast.Return: Use.RETURNED,
    ast.Yield: Use.YIELDED,
    ast.YieldFrom: Use.YIELDED,
    ast.List: Use.COLLECTED,
    ast.Tuple: Use.COLLECTED,
    ast.Set: Use.COLLECTED,
    ast.Dict: Use.COLLECTED,
    ast.Starred: Use.COLLECTED,
    ast.keyword: Use.KEYWORD,
    ast.withitem: Use.ENTERED,
    ast.Attribute: Use.ATTRIBUTE,
    ast.Lambda: Use.LAMBDA,
}


def use_of(frame: Frame) -> Use:
    """How the load at ``frame`` is used by its parent node."""
    node = frame[0]
    parent = frame[1][0]
    use = _SIMPLE_USES.get(type(parent))
    if use is not None:
        return use
    if isinstance(parent, ast.Call):
        return Use.CALLED if node is parent.func else Use.ARGUMENT
    if isinstance(parent, ast.Subscript):
        return Use.SUBSCRIPTED if node is parent.value else Use.INDEX
    if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)) and node is parent.value:
        return Use.STORED
    return Use.OTHER


def argument_of_awaited_call(frame: Frame) -> bool:
    """``await f(x)``: the load at ``frame`` is an argument of a call that is awaited at once."""
    call_frame = parent_frame(frame)
    outer = call_frame[1] if call_frame is not None else None
    return outer is not None and isinstance(outer[0], ast.Await)


_HANDED_ON = frozenset({Use.RETURNED, Use.YIELDED, Use.STORED, Use.COLLECTED, Use.KEYWORD, Use.ENTERED})


def hands_on(frame: Frame, takers: Iterable[str] = ()) -> bool:
    """Whether the load at ``frame`` hands the object elsewhere, so the function no longer owns
    it: returned, yielded, entered with ``with``, stored in another name or a container, passed
    by keyword, or passed to a call that is not awaited at once (a constructor, a registry) or
    to a method named in ``takers`` (``stack.enter_async_context(x)``)."""
    use = use_of(frame)
    if use in _HANDED_ON:
        return True
    if use is Use.ARGUMENT:
        call = frame[1][0]
        taker = isinstance(call.func, ast.Attribute) and call.func.attr in takers
        return taker or not argument_of_awaited_call(frame)
    return False


# --- closing ------------------------------------------------------------------------------------
def closed_on_every_path(binding: Binding, close_frame: Frame) -> bool:
    """Whether a close at ``close_frame`` runs on every path after ``binding`` was made: it sits
    in a ``finally:``, or later in the same statement list as the binding's statement with no
    ``return``/``raise`` of the function between them.  (Exceptions other than a ``raise``
    statement are not counted as paths.)"""
    if in_finally(close_frame):
        return True
    created = statement_frame(binding.frame)
    closing = statement_frame(close_frame)
    if created is None or closing is None or created[1] is None or closing[1] is None:
        return False
    holder = created[1][0]
    if holder is not closing[1][0]:
        return False
    made, closed = created[0], closing[0]
    same_list = any(
        in_statement_list(made, statements) and in_statement_list(closed, statements)
        for statements in statement_lists(holder)
    )
    if not same_list:
        return False
    start, end = made.lineno, closed.lineno
    return start < end and not any(start < line < end for line in binding.scope.function.exit_lines)


# --- how a block ends ---------------------------------------------------------------------------
class Outcome:
    """How control can leave a block of statements."""

    RERAISE = Symbol("re-raises the caught exception")  # ``raise`` or ``raise e`` of the caught name
    RAISE = Symbol("raises another exception")
    EXIT = Symbol("returns")  # ``return``
    BREAK = Symbol("breaks out of a loop")
    CONTINUE = Symbol("continues a loop")
    FALL = Symbol("falls off its end")


_MAX_DEPTH = 200  # nested blocks deeper than this are assumed to fall through (no recursion error)
_FALL = frozenset({Outcome.FALL})
RAISES = frozenset({Outcome.RERAISE, Outcome.RAISE})  # every way out that raises


Same = Callable[[ast.expr], bool] | None  # ``raise X(...)`` that counts as re-raising the caught one
# The value an ``if`` test has whenever the exception followed takes the path (None: unknown):
# ``isinstance(exc, ValueError)`` is false for a cancellation, so its body is not the cancellation's.
Decided = Callable[[ast.expr], bool | None] | None


def outcomes(
    statements: list[ast.stmt],
    caught: frozenset[str] = frozenset(),
    bare: bool = True,
    _depth: int = 0,
    same: Same = None,
    decided: Decided = None,
) -> frozenset[Outcome]:
    """Every way control can leave ``statements``, path by path.

    In a handler: ``caught`` holds the names bound to the caught exception (``except E as e``);
    ``raise e`` of one of them re-raises it, and so does a bare ``raise`` while ``bare`` is true
    (inside a nested handler a bare ``raise`` re-raises the nested handler's exception instead).
    A call is never assumed to raise (a helper that always raises is not known), except that
    ``os._exit()`` / ``os.abort()`` end the process (the path leaves no way at all); a context
    manager is never assumed to swallow an exception.  ``same(exc)`` says whether raising the
    expression ``exc`` counts as re-raising too (a fresh exception of the caught class), and
    ``decided(test)`` what an ``if`` test is known to be on the paths followed (that arm alone).
    """
    if _depth > _MAX_DEPTH:
        return _FALL
    found: set[Outcome] = set()
    for statement in statements:
        ends = _statement_outcomes(statement, caught, bare, _depth + 1, same, decided)
        found |= ends - _FALL
        if Outcome.FALL not in ends:
            return frozenset(found)
    found.add(Outcome.FALL)
    return frozenset(found)


def _loop_outcomes(body: frozenset[Outcome], orelse: frozenset[Outcome], forever: bool) -> frozenset[Outcome]:
    """A loop: ``break`` falls out of it, ``continue`` and falling off the body run it again."""
    found = set(body - {Outcome.BREAK, Outcome.CONTINUE, Outcome.FALL})
    if Outcome.BREAK in body:
        found.add(Outcome.FALL)
    if not forever:  # the loop may end normally (or not run at all): then its ``else`` runs
        found |= orelse
    return frozenset(found)


_LEAVING = {
    ast.Return: frozenset({Outcome.EXIT}),
    ast.Break: frozenset({Outcome.BREAK}),
    ast.Continue: frozenset({Outcome.CONTINUE}),
}
# Calls that end the process on the spot (spelled with the module's name): the path goes nowhere.
_ENDS_PROCESS = frozenset({"_exit", "abort"})


_RERAISING = frozenset({Outcome.RERAISE})
# Context managers whose exit raises the exception being handled again: SQLAlchemy's ``util.safe_reraise()``.
_RERAISING_MANAGERS = frozenset({"safe_reraise"})


def _reraises_on_exit(item: ast.withitem) -> bool:
    call = item.context_expr
    func = call.func if type(call) is ast.Call else None
    name = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else None
    return name in _RERAISING_MANAGERS


def _ends_process(statement: ast.Expr) -> bool:
    call = statement.value
    func = call.func if type(call) is ast.Call else None
    return (
        type(func) is ast.Attribute
        and func.attr in _ENDS_PROCESS
        and type(func.value) is ast.Name
        and func.value.id == "os"
    )


def _statement_outcomes(
    statement: ast.stmt, caught: frozenset[str], bare: bool, depth: int, same: Same, decided: Decided
) -> frozenset[Outcome]:
    leaving = _LEAVING.get(type(statement))
    if leaving is not None:
        return leaving
    if isinstance(statement, ast.Raise):
        return _raise_outcomes(statement, caught, bare, same)
    if type(statement) is ast.Expr and _ends_process(statement):
        return frozenset()  # ``os._exit(1)``: nothing after it runs, nothing leaves
    if isinstance(statement, ast.If):
        known = decided(statement.test) if decided is not None else None
        body = outcomes(statement.body, caught, bare, depth, same, decided) if known is not False else frozenset()
        if known is True:
            return body
        return body | (outcomes(statement.orelse, caught, bare, depth, same, decided) if statement.orelse else _FALL)
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        body = outcomes(statement.body, caught, bare, depth, same, decided)
        if bare and Outcome.FALL in body and any(_reraises_on_exit(item) for item in statement.items):
            return (body - _FALL) | _RERAISING  # ``with util.safe_reraise():`` re-raises what is being handled
        return body
    if isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
        forever = (
            isinstance(statement, ast.While) and isinstance(statement.test, ast.Constant) and bool(statement.test.value)
        )
        orelse = outcomes(statement.orelse, caught, bare, depth, same, decided) if statement.orelse else _FALL
        return _loop_outcomes(outcomes(statement.body, caught, bare, depth, same, decided), orelse, forever)
    if isinstance(statement, TRY_NODES):
        return _try_outcomes(statement, caught, bare, depth, same, decided)
    if isinstance(statement, ast.Match):
        return _match_outcomes(statement, caught, bare, depth, same, decided)
    return _FALL


def _raise_outcomes(statement: ast.Raise, caught: frozenset[str], bare: bool, same: Same) -> frozenset[Outcome]:
    exc = statement.exc
    if exc is None:
        return frozenset({Outcome.RERAISE if bare else Outcome.RAISE})
    # ``raise e from cause`` raises the same object (``from`` only sets its ``__cause__``).
    if isinstance(exc, ast.Name) and exc.id in caught:
        return frozenset({Outcome.RERAISE})
    if same is not None and same(exc):
        return frozenset({Outcome.RERAISE})
    return frozenset({Outcome.RAISE})


def _match_outcomes(
    statement: ast.Match, caught: frozenset[str], bare: bool, depth: int, same: Same, decided: Decided
) -> frozenset[Outcome]:
    found: set[Outcome] = set()
    exhaustive = False
    for case in statement.cases:
        found |= outcomes(case.body, caught, bare, depth, same, decided)
        pattern = case.pattern
        if case.guard is None and isinstance(pattern, ast.MatchAs) and pattern.pattern is None:
            exhaustive = True  # ``case _:`` (or ``case name:``) catches everything left
    if not exhaustive:
        found.add(Outcome.FALL)
    return frozenset(found)


def _try_outcomes(
    statement: ast.Try, caught: frozenset[str], bare: bool, depth: int, same: Same, decided: Decided
) -> frozenset[Outcome]:
    body = outcomes(statement.body, caught, bare, depth, same, decided)
    found = set(body - _FALL)
    if Outcome.FALL in body:
        found |= outcomes(statement.orelse, caught, bare, depth, same, decided) if statement.orelse else _FALL
    for handler in statement.handlers:
        # Inside a nested handler a bare ``raise`` re-raises *its* exception, not ours -- unless, as
        # ``same`` tells, that handler catches what ours caught (``except BaseException: raise``
        # around the cleanup in a cancellation handler re-raises a cancellation that came again).
        if same is not None and _catches_same(handler.type, same):
            names, nested_bare = (caught | {handler.name} if handler.name else caught), bare
        else:
            names, nested_bare = (caught - {handler.name} if handler.name else caught), False
        found |= outcomes(handler.body, names, nested_bare, depth, same, decided)
    if statement.finalbody:
        final = outcomes(statement.finalbody, caught, bare, depth, same, decided)
        if Outcome.FALL not in final:
            return final  # the finally block's own exit replaces whatever the try did
        found |= final - _FALL
    return frozenset(found)


def _catches_same(caught: ast.expr | None, same: Same) -> bool:
    """A nested handler's class catches what ``same`` stands for: a bare ``except:``,
    ``BaseException``, or a class ``same`` accepts (in a tuple too)."""
    if caught is None:
        return True
    classes = caught.elts if isinstance(caught, ast.Tuple) else [caught]
    return any(last_segment(c) == "BaseException" or (same is not None and same(c)) for c in classes)


def handler_outcomes(handler: ast.ExceptHandler, same: Same = None, decided: Decided = None) -> frozenset[Outcome]:
    """How an ``except`` handler's body can end."""
    caught = frozenset({handler.name}) if handler.name else frozenset()
    return outcomes(handler.body, caught, same=same, decided=decided)


def handler_reraises(handler: ast.ExceptHandler) -> bool:
    """Every path through the handler re-raises the exception it caught."""
    return handler_outcomes(handler) <= {Outcome.RERAISE}


def handler_always_raises(handler: ast.ExceptHandler) -> bool:
    """Every path through the handler raises something (the caught exception or another)."""
    return handler_outcomes(handler) <= RAISES
