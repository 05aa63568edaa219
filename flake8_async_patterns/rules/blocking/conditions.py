"""What would excuse a blocking call, and the excuses decided by the call's own receiver: a
socket in the non-blocking idiom or made non-blocking somewhere, a file object's ``seek()`` that
moves no data."""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import TYPE_CHECKING

from ...semantic.frames import enclosing_function_node, in_try_handling, repeats
from ...semantic.scope import BindingKind
from ...semantic.text import dotted_name, is_true, keyword_value
from .arguments import datagram_call
from .declarations import BLOCKING_DIRECTORY_SCAN, BLOCKING_FILE_IO, BLOCKING_FILE_OBJECT_METHOD, BLOCKING_SSL_CONTEXT

if TYPE_CHECKING:
    from ...semantic.context import Context
    from ...semantic.scope import Binding, Scope


class Condition:
    """What would excuse a blocking call, known only at the module end: the socket made
    non-blocking (a local, or a ``self`` attribute anywhere in its class), the file from a
    descriptor handed to the event loop's pipe transport, a lazy directory scan kept in a local
    that the coroutine never iterates, or the coroutine that runs it turning out to be the
    program's main coroutine (the call is before its first await point).  A helper's ``get()``
    of a ``self`` queue is excused where the coroutine calling it just saw an item there; a
    ``seek()`` where its function neither reads nor writes that file object (it moves no data)."""

    __slots__ = (
        "attribute",
        "files",
        "hook",
        "one_off",
        "pipe",
        "prompt",
        "queue",
        "scans",
        "seek",
        "socket",
        "startup",
    )

    def __init__(
        self,
        socket: Binding | None = None,
        attribute: tuple[Scope, str] | None = None,
        files: list[Binding] | None = None,
        startup: Scope | None = None,
        queue: str | None = None,
        seek: tuple[Scope, str] | None = None,
    ) -> None:
        self.socket = socket
        self.startup = startup
        self.attribute = attribute
        self.files = [] if files is None else files
        self.scans: list[Binding] = []
        self.pipe = False  # ``os.fdopen`` of an ``os.pipe()`` end: excused unless the coroutine reads or writes it
        self.queue = queue  # a helper's ``self.jobs.get()``: excused where the caller just saw an item
        self.seek = seek  # (function, file object) of a ``seek()``
        self.hook: Scope | None = None  # a local-I/O call's function: excused if it is a lifecycle hook
        self.one_off = False  # ... or an operator command, where it runs once (:func:`one_off`)
        self.prompt = False  # ``input()``: excused in a module that is a terminal program


EXCUSED = Condition()  # excused already: never blocking
# Bounded local I/O: what an application's startup and shutdown hooks may do on the loop
# (:mod:`...knowledge.lifecycle`), as nothing is being served then; their pages say so (``LOCAL_IO_NAMES``).
LOCAL_IO = frozenset({BLOCKING_FILE_IO, BLOCKING_DIRECTORY_SCAN, BLOCKING_SSL_CONTEXT, BLOCKING_FILE_OBJECT_METHOD})
# Local I/O whose cost grows with a directory tree: never "one short read or write".
_TREE_FUNCTIONS = frozenset({"shutil.rmtree", "shutil.copytree", "os.walk", "os.fwalk"})
_TREE_METHODS = frozenset({"rglob", "walk"})  # ``Path.rglob``, ``Path.walk``


def tree_operation(ctx: Context, call: ast.Call) -> bool:
    """``shutil.rmtree(d)``, ``os.walk(d)``, ``root.rglob("*.json")``, ``glob.glob(p, recursive=True)``."""
    func = call.func
    name = ctx.qualified_name(func)
    if name in _TREE_FUNCTIONS or (name in ("glob.glob", "glob.iglob") and is_true(keyword_value(call, "recursive"))):
        return True
    return name is None and isinstance(func, ast.Attribute) and func.attr in _TREE_METHODS


def one_off(ctx: Context, call: ast.Call) -> bool:
    """One bounded local operation, run once per run of its function: what an operator command may
    do on the loop (:meth:`...knowledge.lifecycle.LifecycleHooks.quiet`)."""
    return not repeats(ctx.frame) and not tree_operation(ctx, call)


# A socket call in a ``try`` handling these is the non-blocking idiom: it fails instead of waiting.
NONBLOCKING_ERRORS = frozenset(
    {"builtins.BlockingIOError", "builtins.InterruptedError", "ssl.SSLWantReadError", "ssl.SSLWantWriteError"}
)


def socket_condition(ctx: Context, call: ast.Call, made_here: Callable[[ast.AST], ast.Call | None]) -> Condition | None:
    """A socket method call: excused in a ``try`` handling ``BlockingIOError`` & co. (the
    non-blocking idiom) or when it connects a datagram socket (that only records the peer) or sends a
    datagram on it; else
    blocking unless the module end finds the socket made non-blocking (a local, or a ``self``
    attribute anywhere in its class)."""
    func = call.func
    if in_try_handling(ctx.frame, NONBLOCKING_ERRORS, ctx.qualified_name) or datagram_call(call, made_here(func.value)):
        return EXCUSED
    if isinstance(func.value, ast.Name):
        binding = ctx.lookup(func.value.id)
        if binding is not None:
            return Condition(socket=binding)
    elif isinstance(func.value, ast.Attribute):
        cls = ctx.instance_class(func.value.value)
        if cls is not None:
            return Condition(attribute=(cls, func.value.attr))
    return None


def file_condition(function: Scope, call: ast.Call, file_data: set[tuple[Scope, str]]) -> Condition | None:
    """A file object's method call.  ``seek()`` moves no data: it blocks only where the same
    function also reads or writes that object (``file_data`` collects those, for the module end)."""
    func = call.func
    key = (function, dotted_name(func.value))
    if func.attr != "seek" or key[1] is None:
        file_data.add(key)
        return None
    if _seeks_where_it_is(call, key[1]):
        return EXCUSED  # ``stream.seek(stream.tell())``: a probe of seekability, no move at all
    return Condition(seek=key)


def _seeks_where_it_is(call: ast.Call, name: str) -> bool:
    arguments = call.args if not call.keywords else ()
    if len(arguments) != 1 or not isinstance(arguments[0], ast.Call):
        return False
    tell = arguments[0].func
    return (
        isinstance(tell, ast.Attribute)
        and tell.attr == "tell"
        and not arguments[0].args
        and dotted_name(tell.value) == name
    )


_FILE_IO = frozenset({"read", "readline", "readlines", "readinto", "write", "writelines", "flush"})


def pipe_end(ctx: Context, call: ast.Call) -> bool:
    """``os.fdopen(read_fd)`` with ``read_fd, write_fd = os.pipe()``: wrapping a pipe's end reads
    and writes nothing (daytona hands the ends to a thread and an executor; see
    :func:`pipe_used_on_loop`)."""
    binding = ctx.binding_of(call.args[0]) if call.args else None
    value = binding.value if binding is not None and binding.kind is BindingKind.UNPACK else None
    return type(value) is ast.Call and ctx.qualified_name(value.func) == "os.pipe"


def pipe_used_on_loop(files: list[Binding]) -> bool:
    """A pipe end's file object read or written (``f.read()``, ``for line in f``) in a coroutine --
    not in a ``def`` run by a thread, nor handed on (``run_in_executor(None, f.read)``)."""
    for binding in files:
        for load in binding.loads:
            parent = load[1]
            if parent is None:
                continue
            node = parent[0]
            if type(node) is ast.Attribute and node.attr in _FILE_IO and parent[1] is not None:
                call = parent[1][0]
                if type(call) is not ast.Call or call.func is not node:
                    continue  # ``f.read`` handed on, not called here
            elif not (isinstance(node, (ast.For, ast.comprehension)) and node.iter is load[0]):
                continue
            if type(enclosing_function_node(parent)) is ast.AsyncFunctionDef:
                return True
    return False
