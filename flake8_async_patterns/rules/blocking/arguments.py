"""What a call's own arguments say about whether it blocks: ``get(block=False)`` and the other
polling forms of a wait, an in-memory database, a kernel pseudo-file, a descriptor handed to the
event loop's pipe transport, ``connect`` on a datagram socket."""

from __future__ import annotations

import ast
import ipaddress
from typing import TYPE_CHECKING

from ...semantic.scope import BindingKind, ScopeKind
from ...semantic.text import is_false, is_zero, keyword_value, last_segment
from .calls import POLLING_FLAGS, WAIT_PARAMETERS, WAITING_FUNCTIONS

if TYPE_CHECKING:
    from ...semantic.context import Context

# Resolvers that ask DNS only for a host name: given an IP address they parse it and return at once.
NUMERIC_RESOLVERS = frozenset({"socket.getaddrinfo", "socket.gethostbyname"})


def is_pipe_transport(call: ast.Call) -> bool:
    return isinstance(call.func, ast.Attribute) and call.func.attr in ("connect_read_pipe", "connect_write_pipe")


def does_not_wait(call: ast.Call, method: str) -> bool:
    """``acquire(False)``, ``get(block=False)``, ``wait(0)``, ``join(timeout=0)``,
    ``concurrent.futures.wait(fs, 0)``, ``getaddrinfo(..., flags=AI_NUMERICHOST)``,
    ``os.waitpid(pid, os.WNOHANG)``..."""
    params = WAIT_PARAMETERS.get(method) or WAITING_FUNCTIONS.get(method, ())
    values = dict(zip(params, call.args, strict=False))  # fewer arguments than parameters is usual
    for keyword in call.keywords:
        if keyword.arg:
            values[keyword.arg] = keyword.value
    polls = any(
        word in (last_segment(node) or "")
        for parameter, word in POLLING_FLAGS.items()
        if parameter in values
        for node in ast.walk(values[parameter])
    )
    return polls or is_false(values.get("blocking")) or is_false(values.get("block")) or is_zero(values.get("timeout"))


def in_memory_database(call: ast.Call) -> bool:
    """``sqlite3.connect(":memory:")``, or a ``file::memory:`` / ``mode=memory`` URI: no file behind it."""
    database = call.args[0] if call.args else keyword_value(call, "database")
    name = database.value if isinstance(database, ast.Constant) else None
    return isinstance(name, str) and (name == ":memory:" or name.startswith("file::memory:") or "mode=memory" in name)


# Kernel pseudo-file systems: their files are made in memory by the kernel when read, no disk behind them.
_PSEUDO_FILE_ROOTS = ("/proc/", "/sys/")


def pseudo_file(call: ast.Call) -> bool:
    """``open("/proc/meminfo")``, ``open(f"/proc/{pid}/stat")``, ``open("/sys/class/...")``: the path is
    a literal (or an f-string whose literal start) under ``/proc`` or ``/sys``."""
    path = call.args[0] if call.args else keyword_value(call, "file")
    if isinstance(path, ast.JoinedStr):
        path = path.values[0] if path.values else None
    text = path.value if isinstance(path, ast.Constant) else None
    return isinstance(text, str) and text.startswith(_PSEUDO_FILE_ROOTS)


def datagram_call(call: ast.Call, made_by: ast.Call | None) -> bool:
    """``connect``/``send``/``sendto`` on a socket made here with ``SOCK_DGRAM``: connecting a UDP
    socket only records the peer (the local-address probe ``s.connect(("8.8.8.8", 80));
    s.getsockname()``), and sending a datagram hands it to the kernel without waiting for the network
    (nonebot-plugin-wake-on-lan's magic packet) -- unless the address names a host by a literal that
    is not an IP address, which asks DNS first."""
    if made_by is None or call.func.attr not in _DATAGRAM_METHODS:
        return False
    kind = made_by.args[1] if len(made_by.args) > 1 else keyword_value(made_by, "type")
    if kind is None or not any(last_segment(node) == "SOCK_DGRAM" for node in ast.walk(kind)):
        return False
    if call.func.attr == "connect":
        address = call.args[0] if call.args else None
    else:
        address = call.args[-1] if call.func.attr == "sendto" and len(call.args) > 1 else None
    host = address.elts[0] if isinstance(address, ast.Tuple) and address.elts else None
    if isinstance(host, ast.Constant) and isinstance(host.value, str) and host.value:
        return _ip_address(host.value)  # a host name: resolved by a blocking DNS lookup
    return True


_DATAGRAM_METHODS = frozenset({"connect", "send", "sendto"})


def numeric_host(ctx: Context, call: ast.Call) -> bool:
    """``getaddrinfo("239.255.255.250", None)``, ``gethostbyname(BROADCAST_ADDR)`` with a module
    constant bound to an IP address literal: nothing to look up (pymediaroom's multicast socket)."""
    host = call.args[0] if call.args else keyword_value(call, "host")
    binding = ctx.binding_of(host) if isinstance(host, ast.Name) else None
    if binding is not None and binding.kind is BindingKind.ASSIGN and binding.scope.kind is ScopeKind.MODULE:
        host = binding.value
    text = host.value if isinstance(host, ast.Constant) else None
    return isinstance(text, str) and _ip_address(text)


def _ip_address(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


_CONSOLE_STREAMS = frozenset({"stdout", "stderr"})


def console_stream(receiver: ast.AST) -> bool:
    """A file object named for the console (``stdout``, ``self._stderr``): a ``stdout: TextIO``
    parameter defaults to ``sys.stdout`` and is written like ``print()``, which no rule reports."""
    return (last_segment(receiver) or "").lstrip("_") in _CONSOLE_STREAMS
