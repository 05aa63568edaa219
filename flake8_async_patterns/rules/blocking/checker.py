"""One detector for the blocking family, used directly in async context and, for
transitive-blocking-call, to learn which sync helpers of the module block."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...checker import Checker
from ...knowledge.asyncio import steps_coroutine_by_hand
from ...knowledge.caching import built_once, memoized
from ...knowledge.cli import is_cli_command, runs_alone
from ...knowledge.entry import main_coroutines
from ...knowledge.inference import kind_of, session_factory_kind
from ...knowledge.kinds import Kind
from ...knowledge.lifecycle import lifecycle_hooks
from ...semantic.frames import Frame, awaited_chain, parent_of
from ...semantic.scope import Binding, BindingKind, Scope, ScopeKind
from ...semantic.source import ASYNC_CODE
from ...semantic.text import describe, dotted_name, is_false, is_zero, keyword_value
from .arguments import (
    NUMERIC_RESOLVERS,
    console_stream,
    does_not_wait,
    in_memory_database,
    is_pipe_transport,
    numeric_host,
    pseudo_file,
)
from .calls import (
    ANY_METHOD,
    BLOCKING_CONTEXT_KINDS,
    BLOCKING_FUNCTIONS,
    BLOCKING_METHODS,
    CONNECTING_CONSTRUCTORS,
    CONNECTING_KINDS,
    EAGER_KINDS,
    MORE_BLOCKING_METHODS,
    REDIS_LOCAL_METHODS,
    WAITING_FUNCTIONS,
    Family,
)
from .conditions import (
    EXCUSED,
    LOCAL_IO,
    Condition,
    file_condition,
    one_off,
    pipe_end,
    pipe_used_on_loop,
    socket_condition,
    tree_operation,
)
from .declarations import (
    BLOCKING_DATABASE,
    BLOCKING_DIRECTORY_SCAN,
    BLOCKING_FILE_IO,
    BLOCKING_FILE_OBJECT_METHOD,
    BLOCKING_INPUT,
    BLOCKING_NETWORK,
    BLOCKING_SSL_CONTEXT,
    BLOCKING_WAIT,
    CONFIGURED_BLOCKING_CALL,
    TRANSITIVE_BLOCKING_CALL,
)
from .found import FAMILY_RULES, Blocking
from .offload import offloaded_in_other_branch
from .scans import iterated_later, iterates, lazy_scan
from .transitive import Gates, QuietChains, blocking_chains, spell_chain, sync_helper
from .waits import filled, helper_get, reentrant, signalled_done, takes_seen_item, unbounded

if TYPE_CHECKING:
    from ...semantic.context import Context

_DEFAULT_CONFIGURED_REPLACEMENT = "an async equivalent or 'await asyncio.to_thread(...)'"
_SYNC_SESSION_REPLACEMENT = "'AsyncSession' (from 'async_sessionmaker')"
_OPENERS = frozenset({"builtins.open", "io.open"})


class BlockingChecker(Checker):
    """The blocking family."""

    rules = (*FAMILY_RULES.values(), CONFIGURED_BLOCKING_CALL, TRANSITIVE_BLOCKING_CALL)
    requires = ((ASYNC_CODE,),)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        settings = ctx.settings
        self.configured_exact = {entry.pattern: entry for entry in settings.blocking_calls if entry.is_exact}
        self.configured_patterns = [entry for entry in settings.blocking_calls if not entry.is_exact]
        self.want_transitive = settings.wants(TRANSITIVE_BLOCKING_CALL)
        # configured calls end transitive chains too, whether or not their own rule is selected
        self.want_configured = bool(settings.blocking_calls) and (
            settings.wants(CONFIGURED_BLOCKING_CALL) or self.want_transitive
        )
        # sync function -> its blocking calls in order, each with what could still excuse it (the
        # list ends at the first one nothing can)
        self.helper_blocks: dict[Scope, list[tuple[str, Condition | None]]] = {}
        self.helper_calls: dict[Scope, list[Scope]] = {}  # sync function -> same-module callees
        self.once_calls: set[tuple[Scope, Scope]] = set()  # (caller, callee) called where built once
        self.every_time_calls: set[tuple[Scope, Scope]] = set()  # the other (caller, callee) calls
        self.ssl_helpers: set[Scope] = set()  # helpers whose first blocking call builds an SSL context
        self.remote_blocks: dict[Scope, str] = {}  # helper -> its first blocking call that is not local I/O
        self.unbounded_blocks: dict[Scope, str] = {}  # helper -> its first walk over a directory tree
        self.async_calls: list[tuple[ast.Call, Scope, Scope, Scope | None, Frame]] = []
        self.gates = Gates()  # helpers that block only when a parameter asks them to
        self.main_coroutines = main_coroutines(ctx)
        self.lifecycle = lifecycle_hooks(ctx)
        # blocking calls in async context whose report waits for the module end
        self.deferred: list[tuple[ast.Call, Blocking, str, Condition]] = []
        self.nonblocking_sockets: set[Binding] = set()
        self.held_locks: dict[ast.With, list[tuple[ast.AST, str]]] = {}  # ``with thread_lock:`` being walked
        self.held_since: dict[ast.With, int] = {}  # ``with thread_lock:`` -> await points before it
        self.nonblocking_attributes: set[tuple[Scope, str]] = set()  # (class, attribute)
        self.fdopened: dict[ast.Call, Condition] = {}  # os.fdopen call -> the files it made
        self.lazy_scans: dict[ast.Call, Condition] = {}  # ``gen = root.walk()`` -> the locals it made
        self.file_data: set[tuple[Scope, str]] = set()  # (function, file object) read or written there

    # --- detection -------------------------------------------------------------------------
    def detect(self, call: ast.Call) -> Blocking | None:
        ctx = self.ctx
        func = call.func
        qn = ctx.qualified_name(func)
        if qn is not None:
            found = BLOCKING_FUNCTIONS.get(qn)
            if found is not None:
                if qn in WAITING_FUNCTIONS and does_not_wait(call, qn):
                    return None  # ``concurrent.futures.wait(fs, timeout=0)`` polls
                if qn in NUMERIC_RESOLVERS and numeric_host(ctx, call):
                    return None  # an IP address: nothing for DNS to resolve
                if qn == "sqlite3.connect" and in_memory_database(call):
                    return None
                if qn in _OPENERS and pseudo_file(call):
                    return None  # ``open("/proc/self/stat")``: the kernel answers from memory
                return Blocking(FAMILY_RULES[found[0]], describe(call), found[1])
            found = CONNECTING_CONSTRUCTORS.get(qn)
            if found is not None:
                if self._connects(call):
                    return Blocking(FAMILY_RULES[found[0]], describe(call), found[1])
                return None
        elif isinstance(func, ast.Name) and session_factory_kind(ctx, func) is Kind.SYNC_SESSION:
            return Blocking(BLOCKING_DATABASE, describe(call), _SYNC_SESSION_REPLACEMENT)
        if isinstance(func, ast.Attribute):
            found = self._blocking_method(call, func)
            if found is not None:
                return found
        if self.want_configured:
            return self._configured(call, qn)
        return None

    def _blocking_method(self, call: ast.Call, func: ast.Attribute) -> Blocking | None:
        receiver = func.value
        kind = kind_of(self.ctx, receiver)
        if kind is None or awaited_chain(self.ctx.frame):
            return None  # ``await file.write(data)``, ``await conn.ft(name).info()``: async, whatever it looked like
        method = func.attr
        if kind is Kind.SYNC_SESSION:
            if method == "query":
                return Blocking(
                    BLOCKING_DATABASE, describe(call), "an 'AsyncSession' and 'await session.execute(select(...))'"
                )
            return None
        more = MORE_BLOCKING_METHODS.get(kind)
        if more is not None and method in more[1]:
            return Blocking(FAMILY_RULES[more[0]], describe(call), more[2])
        entry = BLOCKING_METHODS.get(kind)
        if entry is None:
            return None
        family, methods, replacement = entry
        if methods is ANY_METHOD:
            if method in REDIS_LOCAL_METHODS or method.startswith("_"):
                return None
        elif method not in methods or (kind is Kind.SYNC_FILE and console_stream(receiver)):
            return None  # ``stdout.write(line)`` on a ``stdout: TextIO`` parameter is print()'s write
        if kind is Kind.PATH and type(receiver) is ast.Call and pseudo_file(receiver):
            return None  # ``Path(f"/proc/{pid}/stat").read_text()``: the kernel answers from memory
        if family is Family.WAIT and (
            does_not_wait(call, method)
            or (method == "put" and unbounded(self.ctx, receiver))
            or (method == "get" and filled(self.ctx.frame, dotted_name(receiver)))
            or (kind is Kind.THREAD and signalled_done(self.ctx, receiver, self.ctx.frame))
            or (kind is Kind.THREAD_LOCK and self._made_here(receiver) is not None)
            or (method == "acquire" and reentrant(self.ctx, receiver))
        ):
            return None  # a lock made in this very function (nobody else holds it yet), or an RLock
        if kind in EAGER_KINDS or kind in CONNECTING_KINDS:
            made_by = self._made_here(receiver)
            if made_by is not None and (kind in EAGER_KINDS or self._connects(made_by)):
                return None  # reported once, where it connected
        return Blocking(FAMILY_RULES[family], describe(call), replacement)

    @staticmethod
    def _connects(constructor: ast.Call) -> bool:
        """``smtplib.SMTP(host)`` connects at once; ``smtplib.SMTP()`` does not."""
        return bool(constructor.args) or keyword_value(constructor, "host") is not None

    def _made_here(self, expr: ast.AST) -> ast.Call | None:
        """The call in this function that made the client ``expr`` (so reported, or would have been)."""
        ctx = self.ctx
        for _ in range(8):
            if isinstance(expr, ast.Call):
                func = expr.func
                if isinstance(func, ast.Attribute) and ctx.qualified_name(func) is None:
                    entry = BLOCKING_METHODS.get(kind_of(ctx, func.value))
                    if entry is None or func.attr not in entry[1]:
                        expr = func.value  # conn.cursor(): where conn came from
                        continue
                return expr  # a constructor, or a blocking method that made it (``path.open()``)
            binding = ctx.binding_of(expr)
            if binding is None or binding.scope.function is not ctx.function:
                return None
            if binding.value is None or binding.kind not in (BindingKind.ASSIGN, BindingKind.WITH):
                return None
            expr = binding.value
        return None

    def _configured(self, call: ast.Call, qn: str | None) -> Blocking | None:
        if isinstance(self.ctx.parent(), ast.Await):
            return None  # a configured call awaited on the spot is an async API, not a blocking one
        names = []
        if qn is not None:
            names.append(qn)
        func = call.func
        if isinstance(func, ast.Attribute):
            origin = self.ctx.origin(func.value)
            if origin is not None:
                names.append(f"{origin}.{func.attr}")
        for name in names:
            entry = self.configured_exact.get(name)
            if entry is None:
                entry = next((e for e in self.configured_patterns if e.matches(name)), None)
            if entry is not None:
                replacement = f"'{entry.replacement}'" if entry.replacement else _DEFAULT_CONFIGURED_REPLACEMENT
                return Blocking(CONFIGURED_BLOCKING_CALL, describe(call), replacement)
        return None

    # --- traversal -------------------------------------------------------------------------
    def visit_Call(self, node: ast.Call) -> None:
        ctx = self.ctx
        function = ctx.function
        self.lifecycle.called(node)  # ``app.on_startup.append(init)``
        if ctx.in_async:
            self._async_call(node, function)
            return
        self._sync_call(node)
        if not self.want_transitive or function.kind is not ScopeKind.FUNCTION or function.is_async_def:
            return
        blocks = self.helper_blocks.get(function)
        settled = blocks is not None and blocks[-1][1] is None  # an unexcusable blocking call already
        if not settled or function not in self.remote_blocks:
            found = self.detect(node)
            condition = None if found is None else self._condition(node, found)
            remote = found is not None and found.rule not in LOCAL_IO
            if found is not None and condition is None and (remote or tree_operation(ctx, node)):
                known = self.remote_blocks if remote else self.unbounded_blocks
                known.setdefault(function, found.call)  # what a lifecycle hook (operator command) may not call
            if found is not None and not settled:
                queue = helper_get(node) if condition is None and found.rule is BLOCKING_WAIT else None
                if queue is not None:  # ``self.jobs.get()``: the coroutine calling it decides
                    condition = Condition(queue=queue)
                if condition is not EXCUSED:
                    blocks = self.helper_blocks.setdefault(function, [])
                    if not blocks and found.rule is BLOCKING_SSL_CONTEXT:
                        self.ssl_helpers.add(function)
                    blocks.append((found.call, condition))
                    self.gates.note_block(function, ctx.frame)
                return
        helper = sync_helper(self.ctx, node)
        if helper is not None:
            self.helper_calls.setdefault(function, []).append(helper)
            self.gates.note_call(function, helper, node, ctx.frame)
            if built_once(ctx):  # ``if key not in CACHE: CACHE[key] = make_context()``
                self.once_calls.add((function, helper))
            else:
                self.every_time_calls.add((function, helper))

    def visit_With(self, node: ast.With) -> None:
        """``with thread_lock:`` in a coroutine.  A lock (``Lock``/``RLock``, or the lock of a
        ``Condition``, which its waiters release inside ``wait()``) is reported only when it is held
        across an await point: a short section of in-memory work under a lock shared with threads
        is the usual design and waits only for other threads' equally short sections (a
        condition's ``wait()`` is reported where it is called).  A semaphore is there to make
        callers wait: always reported."""
        ctx = self.ctx
        if not ctx.in_async or runs_alone(ctx):
            return
        for item in node.items:
            expr = item.context_expr
            kind = kind_of(ctx, expr)
            replacement = BLOCKING_CONTEXT_KINDS.get(kind)
            if replacement is None:
                continue
            if kind is Kind.THREAD_LOCK or kind is Kind.THREAD_CONDITION:
                if not reentrant(ctx, expr):  # an RLock: another task of the loop's thread re-enters it
                    self.held_locks.setdefault(node, []).append((expr, replacement))
                    self.held_since.setdefault(node, self.ctx.await_points)
                continue
            self._report_with(expr, "with", replacement)

    def _report_with(self, expr: ast.AST, variant: str, replacement: str) -> None:
        self.ctx.report(
            expr, BLOCKING_WAIT, variant, call=describe(expr), function=self.ctx.function.name, replacement=replacement
        )

    def leave_With(self, node: ast.With) -> None:
        """A thread lock held across an await point of the block (``await``, ``async for/with``, ...)."""
        held = self.held_locks.pop(node, None)
        if held and self.ctx.await_points > self.held_since.pop(node):
            for expr, replacement in held:
                self._report_with(expr, "held_across_await", replacement)

    # --- reports that depend on what the function does next ---------------------------------
    def _async_call(self, node: ast.Call, function: Scope) -> None:
        if is_cli_command(self.ctx, function):
            return  # a command-line command runs alone: blocking its loop delays nothing
        self.main_coroutines.called(node)  # ``await run_action()``, the main coroutine's first await
        found = self.detect(node)
        if found is not None:
            if not runs_alone(self.ctx):  # ``if __name__ == "__main__":`` in the coroutine
                self._report_or_defer(node, found, function.name)
        elif self.want_transitive:
            helper = sync_helper(self.ctx, node)
            if helper is not None and not runs_alone(self.ctx):
                startup = self.main_coroutines.startup(function)
                self.async_calls.append((node, helper, function, startup, self.ctx.frame))

    def _sync_call(self, node: ast.Call) -> None:
        """A call outside async context: ``asyncio.run(main())``, or a coroutine trampoline."""
        self.main_coroutines.called(node)
        if steps_coroutine_by_hand(self.ctx, node):
            self.ctx.mute(self.rules)  # the module's coroutines run with no event loop to block

    def _report_or_defer(self, call: ast.Call, found: Blocking, function: str) -> None:
        """Report now, never, or at the module end when the function may still excuse the call."""
        condition = self._condition(call, found)
        if condition is not EXCUSED:
            startup, local = self.main_coroutines.startup(self.ctx.function), found.rule in LOCAL_IO
            if startup is not None or local or found.rule is BLOCKING_INPUT:  # see _excused
                condition = condition or Condition()
                condition.startup, condition.hook = startup, self.ctx.function if local else None
                condition.one_off = local and one_off(self.ctx, call)
                condition.prompt = found.rule is BLOCKING_INPUT
        if condition is None:
            self.ctx.report(call, found.rule, call=found.call, function=function, replacement=found.replacement)
        elif condition is not EXCUSED:
            self.deferred.append((call, found, function, condition))

    def _condition(self, call: ast.Call, found: Blocking) -> Condition | None:
        """None: the call blocks.  ``EXCUSED``: it does not (a socket call in a ``try`` handling
        ``BlockingIOError``, a descriptor's file handed to the event loop's pipe transport).  A
        condition: the module end decides (a socket made non-blocking later, or elsewhere in
        its class; a file handed to a pipe transport later)."""
        ctx = self.ctx
        func = call.func
        if (found.rule is BLOCKING_SSL_CONTEXT and built_once(ctx)) or offloaded_in_other_branch(ctx, call):
            return EXCUSED  # built once (what the rule asks for), or the other branch uses a thread
        if (
            found.rule is BLOCKING_NETWORK
            and isinstance(func, ast.Attribute)
            and kind_of(ctx, func.value) is Kind.SOCKET
        ):
            return socket_condition(ctx, call, self._made_here)
        if found.rule is BLOCKING_FILE_OBJECT_METHOD:
            return file_condition(ctx.function, call, self.file_data)
        if found.rule is BLOCKING_DIRECTORY_SCAN and lazy_scan(ctx, call):
            parent = ctx.parent()
            if iterates(parent, call):
                return None
            if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
                condition = self.lazy_scans[call] = Condition()
                return condition
            return EXCUSED  # handed on un-iterated: whoever iterates it scans
        if found.rule is BLOCKING_FILE_IO and ctx.qualified_name(func) == "os.fdopen":
            parent = ctx.parent()
            if isinstance(parent, ast.Call) and is_pipe_transport(parent):
                return EXCUSED
            if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
                condition = self.fdopened[call] = Condition()
                condition.pipe = pipe_end(ctx, call)
                return condition
        return None

    def leave_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self.main_coroutines.defined(node)

    def bound(self, binding: Binding) -> None:
        condition = self.fdopened.get(binding.value)
        scan = self.lazy_scans.get(binding.value) if condition is None else None
        if condition is not None or scan is not None:
            self.ctx.watch(binding)
            (condition.files if condition is not None else scan.scans).append(binding)

    def visit_Expr(self, node: ast.Expr) -> None:
        """``sock.setblocking(False)`` / ``self.sock.settimeout(0)``: that socket does not block."""
        call = node.value
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and len(call.args) == 1):
            return
        method, arg, receiver = call.func.attr, call.args[0], call.func.value
        if not ((method == "setblocking" and is_false(arg)) or (method == "settimeout" and is_zero(arg))):
            return
        ctx = self.ctx
        if isinstance(receiver, ast.Name):
            binding = ctx.lookup(receiver.id)
            if binding is not None:
                self.nonblocking_sockets.add(binding)
        elif isinstance(receiver, ast.Attribute):
            cls = ctx.instance_class(receiver.value)
            if cls is not None:
                self.nonblocking_attributes.add((cls, receiver.attr))

    def _excused(self, condition: Condition | None) -> bool:
        if condition is None:
            return False
        if self.main_coroutines.is_main(condition.startup) or self.lifecycle.quiet(condition.hook, condition.one_off):
            return True  # the main coroutine before its first await; local I/O in a startup hook
        if condition.prompt and self.main_coroutines.is_script():
            return True  # ``input()`` in a terminal program: the prompt is what it is for
        if condition.socket is not None:
            return condition.socket in self.nonblocking_sockets
        if condition.attribute is not None:
            return condition.attribute in self.nonblocking_attributes
        if condition.scans:
            return not any(iterated_later(binding) for binding in condition.scans)
        if condition.seek is not None:
            return condition.seek not in self.file_data
        if condition.pipe:
            return not pipe_used_on_loop(condition.files)
        parents = (parent_of(load) for binding in condition.files for load in binding.loads)
        return any(isinstance(parent, ast.Call) and is_pipe_transport(parent) for parent in parents)

    def module_end(self) -> None:
        ctx = self.ctx
        for call, found, function, condition in self.deferred:
            if not self._excused(condition):
                ctx.report(call, found.rule, call=found.call, function=function, replacement=found.replacement)
        if not self.async_calls:
            return
        firsts = {
            h: next((c for c, why in blocks if not self._excused(why)), None)
            for h, blocks in self.helper_blocks.items()
        }
        direct = {helper: blocking for helper, blocking in firsts.items() if blocking is not None}
        helper_calls = self.helper_calls
        links = blocking_chains(direct, helper_calls)
        if self.gates.settle(direct, helper_calls, links):  # some helpers block only when asked to
            helper_calls = self.gates.open_calls(helper_calls)
            links = blocking_chains(direct, helper_calls)
        # An SSL context (blocking-ssl-context) built once: by a helper ``@functools.cache`` memoizes, or
        # by one whose every call here sits behind a cache test.
        once = {h for h, link in links.items() if link.last in self.ssl_helpers and memoized(ctx, h)}
        cached = {
            edge
            for edge in self.once_calls - self.every_time_calls
            if edge[1] in links and links[edge[1]].last in self.ssl_helpers
        }
        cached |= {(f, c) for f, callees in helper_calls.items() for c in callees if c in once}
        if cached:
            calls = {f: [c for c in callees if (f, c) not in cached] for f, callees in helper_calls.items()}
            links = blocking_chains(direct, calls)
        quiet = QuietChains(self.lifecycle, self.remote_blocks, self.unbounded_blocks, helper_calls, links)
        for call, helper, function, startup, frame in self.async_calls:
            chains = quiet.chains(function, frame)  # a hook (operator command) may do local I/O
            if helper not in chains or self.main_coroutines.is_main(startup) or self.gates.leaves_shut(helper, call):
                continue
            if helper in once and chains[helper].last in self.ssl_helpers:
                continue  # ``@functools.cache def ssl_context(...)``: built once per arguments
            if not any(callee in links for callee in self.helper_calls.get(helper, ())) and takes_seen_item(
                call, frame, self.helper_blocks.get(helper, ()), self._excused
            ):
                continue  # ``self.take()`` that takes the item the coroutine just saw in ``self.jobs``
            chain = spell_chain(helper, chains)
            ctx.report(call, TRANSITIVE_BLOCKING_CALL, call=describe(call), function=function.name, chain=chain)
