"""transitive-blocking-call's chains: which same-module sync helper a call runs, and the shortest
chain from a helper to a blocking call."""

from __future__ import annotations

import ast
from collections import deque

from ...knowledge.lifecycle import LifecycleHooks
from ...semantic.context import Context
from ...semantic.frames import Frame, in_statement_list, repeats, statement_position
from ...semantic.scope import BindingKind, Scope
from ...semantic.text import decorator_target
from .calls import TRANSPARENT_DECORATORS

CHAIN_SHOWN = 6  # longer chains show their first helpers, a count, and the last helper
CHAIN_HEAD = 4


class Link:
    """A helper's place in its shortest blocking chain."""

    __slots__ = ("blocking", "last", "length", "next")

    def __init__(self, next: Scope | None, last: Scope, blocking: str, length: int) -> None:
        self.next = next  # the helper it calls on the way (None: it blocks directly)
        self.last = last  # the helper at the end of the chain, which makes the blocking call
        self.blocking = blocking  # that call, spelled
        self.length = length  # helpers in the chain


class QuietChains:
    """The chains a coroutine's call of a helper may not run where local I/O is excused (see
    :meth:`LifecycleHooks.quiet`): from a lifecycle hook, only chains to a call that is not local
    I/O (``remote``: helper -> that call); from an operator command, where the call is not repeated
    by a loop, also chains to a walk over a directory tree (``unbounded``); elsewhere, every chain
    (``links``).  Each set is built on first need."""

    __slots__ = ("_built", "_calls", "_lifecycle", "_links", "_remote", "_unbounded")

    def __init__(
        self,
        lifecycle: LifecycleHooks,
        remote: dict[Scope, str],
        unbounded: dict[Scope, str],
        calls: dict[Scope, list[Scope]],
        links: dict[Scope, Link],
    ) -> None:
        self._lifecycle, self._calls, self._links = lifecycle, calls, links
        self._remote, self._unbounded = remote, unbounded
        self._built: dict[bool, dict[Scope, Link]] = {}  # operator command? -> chains

    def chains(self, function: Scope, frame: Frame) -> dict[Scope, Link]:
        if self._lifecycle.is_hook(function):
            return self._chains(operator=False)
        if self._lifecycle.is_operator_command(function) and not repeats(frame):
            return self._chains(operator=True)
        return self._links

    def _chains(self, operator: bool) -> dict[Scope, Link]:
        found = self._built.get(operator)
        if found is None:
            direct = {**self._unbounded, **self._remote} if operator else self._remote
            found = self._built[operator] = blocking_chains(direct, self._calls)
        return found


def sync_helper(ctx: Context, call: ast.Call) -> Scope | None:
    """The same-module sync function (or method of the enclosing class) ``call`` runs.  A helper
    with a decorator that may change what calling it does is not followed."""
    func = call.func
    binding = None
    if isinstance(func, ast.Name):
        binding = ctx.lookup(func.id)
    elif isinstance(func, ast.Attribute):
        cls = ctx.instance_class(func.value)
        if cls is not None:
            binding = ctx.method_binding(cls, func.attr)
    if binding is None or binding.kind is not BindingKind.DEF or binding.conflicting:
        return None
    node = binding.node
    if isinstance(node, ast.AsyncFunctionDef):
        return None
    for decorator in node.decorator_list:
        if ctx.qualified_name(decorator_target(decorator)) not in TRANSPARENT_DECORATORS:
            return None
    return binding.func_scope


def blocking_chains(direct: dict[Scope, str], calls: dict[Scope, list[Scope]]) -> dict[Scope, Link]:
    """The shortest blocking chain from each sync helper, as links to the next helper, found
    backwards from the helpers that block directly (``direct``: helper -> its blocking call),
    breadth first over ``calls`` (helper -> the helpers it calls): cycles end, each helper is
    settled once, time linear in the calls.  Generator functions are left out: calling one runs
    none of its body."""
    links: dict[Scope, Link] = {}
    callers: dict[Scope, list[Scope]] = {}
    for caller, callees in calls.items():
        for callee in callees:
            callers.setdefault(callee, []).append(caller)
    queue: deque[Scope] = deque()
    for helper, blocking in direct.items():
        if not helper.has_yield:
            links[helper] = Link(None, helper, blocking, 1)
            queue.append(helper)
    while queue:
        helper = queue.popleft()
        link = links[helper]
        for caller in callers.get(helper, ()):
            if caller not in links and not caller.has_yield:
                links[caller] = Link(helper, link.last, link.blocking, link.length + 1)
                queue.append(caller)
    return links


def spell_chain(helper: Scope, links: dict[Scope, Link]) -> str:
    """``load() -> read_cfg() -> open()``; a long chain shows its first and last helpers."""
    link = links[helper]
    shown: list[str] = []
    current: Scope | None = helper
    limit = link.length if link.length <= CHAIN_SHOWN else CHAIN_HEAD
    while current is not None and len(shown) < limit:
        shown.append(current.name + "()")
        current = links[current].next
    if link.length > CHAIN_SHOWN:
        shown.append(f"... {link.length - CHAIN_HEAD - 1:,} more ...")
        shown.append(link.last.name + "()")
    return " -> ".join([*shown, link.blocking])


Gate = tuple[str, int, bool]  # (parameter, position, leaving it out keeps the gate shut)


class Gates:
    """Helpers that block only when the caller asks: their blocking calls, and their calls of
    blocking helpers, all come after ``if not wait: return`` at the top of their body, with
    ``wait`` a parameter whose default is false (flet's ``_invoke_method(...,
    wait_for_result=False)`` waits on its ``threading.Event`` only then), or all sit in the body of
    ``if sync:`` at the top of their body, ``sync`` a parameter (langchain-litellm's
    ``_make_ocr_request(payload, sync=False)``, whose other branch hands back a coroutine).  A call
    that passes a false literal for the parameter -- or leaves it out, where its default is
    false -- does not reach the blocking call."""

    __slots__ = ("_candidates", "blocks", "calls", "edges", "gate")

    def __init__(self) -> None:
        self._candidates: dict[Scope, list[tuple[int, str, int]]] = {}  # function -> its gates
        self.blocks: dict[Scope, Gate | None] = {}  # function -> the gate of its blocking calls
        self.edges: dict[tuple[Scope, Scope], Gate | None] = {}  # (caller, helper) -> their gate
        self.calls: dict[tuple[Scope, Scope], list[ast.Call]] = {}  # (caller, helper) -> the calls
        self.gate: dict[Scope, Gate] = {}  # helper -> (parameter, position, left out = shut), once settled

    def _gate_at(self, function: Scope, frame: Frame) -> Gate | None:
        candidates = self._candidates.get(function)
        if candidates is None:
            candidates = self._candidates[function] = _gates_of(function.node)
        if not candidates:
            return None
        statement, child = _top_statement(frame, function.node)
        position = statement_position(statement, function.node.body) if statement is not None else None
        if position is None:
            return None
        for at, name, index, inside, omitted_shut in candidates:
            if at < position and not inside:
                return (name, index, omitted_shut)  # after ``if not wait: return``
            if at == position and inside and in_statement_list(child, statement.body):
                return (name, index, omitted_shut)  # in the body of ``if sync:``
        return None

    def note_block(self, function: Scope, frame: Frame) -> None:
        _merge(self.blocks, function, self._gate_at(function, frame))

    def note_call(self, function: Scope, helper: Scope, call: ast.Call, frame: Frame) -> None:
        _merge(self.edges, (function, helper), self._gate_at(function, frame))
        self.calls.setdefault((function, helper), []).append(call)

    def settle(self, direct: dict[Scope, str], calls: dict[Scope, list[Scope]], links: dict) -> bool:
        """Which blocking helpers are gated; whether any is."""
        for helper in links:
            found = {self.blocks.get(helper)} if helper in direct else set()
            found.update(self.edges.get((helper, callee)) for callee in calls.get(helper, ()) if callee in links)
            if len(found) == 1 and None not in found:
                self.gate[helper] = found.pop()
        return bool(self.gate)

    def open_calls(self, calls: dict[Scope, list[Scope]]) -> dict[Scope, list[Scope]]:
        """``calls`` (helper -> helpers it calls) without the calls that leave a gate shut."""
        return {f: [c for c in callees if not self._shut(f, c)] for f, callees in calls.items()}

    def _shut(self, caller: Scope, helper: Scope) -> bool:
        calls = self.calls.get((caller, helper))
        return helper in self.gate and bool(calls) and all(self.leaves_shut(helper, call) for call in calls)

    def leaves_shut(self, helper: Scope, call: ast.Call) -> bool:
        """``call`` of ``helper`` passes its gate's parameter a false literal, or leaves it out
        where its default is false."""
        gate = self.gate.get(helper)
        if gate is None:
            return False
        name, index, omitted_shut = gate
        if any(isinstance(arg, ast.Starred) for arg in call.args) or any(k.arg is None for k in call.keywords):
            return False  # ``*args``/``**kwargs``: anything may be passed
        if isinstance(call.func, ast.Attribute) and helper.is_method:
            index -= 1  # ``self.m(...)``: the instance is not among the arguments
        value = next((k.value for k in call.keywords if k.arg == name), None)
        if value is None and 0 <= index < len(call.args):
            value = call.args[index]
        if value is None:
            return omitted_shut
        return isinstance(value, ast.Constant) and not value.value


def _merge(found: dict, key: object, gate: Gate | None) -> None:
    """One more place: the key keeps its gate only while every place has the same one."""
    known = found.get(key, gate)
    found[key] = gate if known == gate else None


def _gates_of(node: ast.AST) -> list[tuple[int, str, int, bool, bool]]:
    """(position, parameter, index, inside, omitted_shut) of each ``if not P: return`` at the top of
    ``node``'s body, P a parameter whose default is a false literal, and of each ``if P:`` there
    (inside: only its body is gated), P any parameter (omitted_shut: its default is false)."""
    arguments = getattr(node, "args", None)
    if arguments is None:
        return []
    positional = [*arguments.posonlyargs, *arguments.args]
    with_defaults = [a.arg for a in positional[len(positional) - len(arguments.defaults) :]]
    defaults = dict(zip(with_defaults, arguments.defaults, strict=True))
    keyword_only = zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
    defaults.update((a.arg, d) for a, d in keyword_only if d is not None)
    names = [a.arg for a in positional]
    parameters = {*names, *(a.arg for a in arguments.kwonlyargs)}
    found = []
    rebound: set[str] = set()  # ``sync = sync or force`` before the test: the caller's value no longer decides
    for position, statement in enumerate(node.body):
        if isinstance(statement, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            rebound.update(t.id for t in targets if isinstance(t, ast.Name))
        test = statement.test if isinstance(statement, ast.If) else None
        if isinstance(test, ast.Name) and test.id in parameters and test.id not in rebound:
            name = test.id
            default = defaults.get(name)
            omitted_shut = isinstance(default, ast.Constant) and not default.value
            found.append((position, name, names.index(name) if name in names else -1, True, omitted_shut))
        elif (
            isinstance(test, ast.UnaryOp)
            and isinstance(test.op, ast.Not)
            and isinstance(test.operand, ast.Name)
            and len(statement.body) == 1
            and isinstance(statement.body[0], ast.Return)
            and not statement.orelse
        ):
            name = test.operand.id
            default = defaults.get(name)
            if isinstance(default, ast.Constant) and not default.value:
                found.append((position, name, names.index(name) if name in names else -1, False, True))
    return found


def _top_statement(frame: Frame | None, function_node: ast.AST) -> tuple[ast.AST | None, ast.AST | None]:
    """The statement of ``function_node``'s own body that holds the node of ``frame``, and that
    statement's child on the way to the node."""
    child = grandchild = None
    while frame is not None:
        if frame[0] is function_node:
            return child, grandchild
        child, grandchild, frame = frame[0], child, frame[1]
    return None, None
