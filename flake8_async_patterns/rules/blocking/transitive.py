"""transitive-blocking-call's chains: which same-module sync helper a call runs, and the shortest
chain from a helper to a blocking call."""

from __future__ import annotations

import ast
from collections import deque

from ...semantic.context import Context
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
