"""The declarations of cancelled-error-not-reraised and cancellation-swallowed: message, docs."""

from __future__ import annotations

from ...registry import declare

ASYNCIO_TASKS_DOC = "https://docs.python.org/3/library/asyncio-task.html"
SEED_CANCELLATION = (
    '002 "Cancellation Handling" and "Anti-Patterns to Avoid" §6 Improper Exception Handling; '
    '003 Step 4 ("Catch CancelledError, clean up, re-raise")'
)
REAP_NOTE = (
    "The cancel-then-reap idiom is not reported: when the function calls `.cancel()` on anything "
    "before the handler (`task.cancel()` then `try: await task` / `except CancelledError: pass`; or an "
    "object's own `cancel_*` method before a `try` that awaits that object, llama-agents' `await "
    "run.cancel_run()` then `await run`) -- "
    "itself, in a closure it defines there (`def _cancel(): task.cancel()` handed to `loop.call_later`, a "
    "hand-rolled timeout), through a method of its class that calls `.cancel()` (`self._finished()`), or "
    "through a function of the module that does (aioshutdown's `cancel(task, signal)`) -- the "
    "CancelledError it catches is the one it asked for. Throwing a CancelledError into a generator counts the "
    "same (`await gen.athrow(asyncio.CancelledError())` then `except CancelledError: pass`; ray's streaming "
    "wrapper)."
)
PATHS_NOTE = (
    "Path by path: `raise` (or `raise e` of the caught name) re-raises; `return`, `break`, "
    "`continue` and falling off the end do not; nor does raising another exception (it replaces "
    "the cancellation). A path under `if isinstance(exc, C):` with `C` a builtin, imported or "
    "module class that is not a cancellation (`h2.exceptions.ProtocolError`, `ValueError`) is "
    "not the cancellation's path and does not count; nor is one under a class the module does not show "
    "(a parameter, `self._connection.transport_errors`: the errors the handler is about), unless its name "
    "says cancel (`cancelled_exc_class`); neither does the `else` of such a test on "
    "a cancellation class. A predicate of the module whose body is one `return` of such a test counts as the "
    "test (`if not _already_gone(error): raise` with `def _already_gone(e): return isinstance(e, "
    "ProcessLookupError)`); so does a function named for a search (`find`, `match`, `contain`, `search`) "
    "given just the exception and a class named `...Error`/`...Exception` (ddtrace's `if exc := "
    "find_exception(exception, BlockingException):`). A path that ends in `os._exit(...)` or `os.abort()` "
    "ends the process, so "
    "it swallows nothing. A hand-written `async with` re-raises: `if not await cm.__aexit__(type(exc), exc, "
    "tb): raise` swallows only what the context manager chooses to suppress, as the statement would "
    "(litestar-queues' streamed rows). A `with util.safe_reraise():` block (SQLAlchemy's) that falls off "
    "its end re-raises "
    "the exception being handled. In a nested `try` of the handler, an `except BaseException:` (or `except "
    "CancelledError:`, a bare `except:`) that re-raises its own exception (`raise`, `raise cleanup_error`) "
    "re-raises the cancellation that came again during the cleanup. Calls are not followed as paths, but see the "
    "helpers below."
)
FORWARD_NOTE = (
    "Not reported where the exception is handed on or its fate decided on purpose: the caught "
    "name passed to `fut.set_exception(exc)`, to a callback the loop runs later "
    "(`loop.call_soon_threadsafe(set_exception, promise, exc)`: mode's thread proxy sends it back to the "
    "caller's loop) or thrown into the generator being driven (`gen.throw(exc)`: it "
    "comes back out unless the generator catches it), stored in a container or attribute (`errors[i] = "
    "exc`, `errors.append(exc)`, `self.error = exc`) -- itself or wrapped by a class "
    "(`holder.append(Error(exc))`, `Result(error=exc)`; not `str(exc)`, nor `raise Wrapper(exc)`) -- "
    "returned (`return Error(exc)`), or kept in a local -- or a copy of one (`error = exc` ... `to_raise = "
    "error`; `cancellation = cancellation or exc` keeps the first one; `exc.with_traceback(None)` is the same "
    "exception, also as an arm of `exc.with_traceback(None) if keep(exc) else summary(exc)`, skyvern's "
    "boundary) -- that the function raises or hands "
    "on so later (or a `nonlocal` one that the function around it raises: llama-index's step wrapper); in "
    "`__aexit__`, a handler that first re-raises when the block raised nothing (`if exc_type "
    "is None: raise`), so that it swallows a clean-up error only while the block's own exception goes on "
    "(fastapi-async-sqlalchemy's middleware); a flag the handler sets (`cancelled = True`) that "
    "guards a later `raise CancelledError` (`if cancelled: raise CancelledError`, the standard library's "
    "`Condition.wait`); a handler that hands the cancellation to the operation it waits for (a call "
    "whose name says cancel: `lib.nng_aio_cancel(aio)`) in a function that raises `CancelledError` later "
    "(pynng, once the operation reports it stopped); a handler that falls off its end when the `try` "
    "stands in the function's own body and "
    "every path after it ends in `raise CancelledError(...)` (gcloud-aio's subscriber logs, reaps its workers, "
    "then raises the cancellation again); a coroutine function the module awaits only inside handlers that "
    "catch the cancellation and re-raise it on every path (firecrawl's `except CancelledError: await "
    "self._cancel_abandoned_crawl(job); raise`: a second cancellation swallowed during that clean-up still "
    "ends the task cancelled), and never starts as a task; `asyncio.current_task().cancel()` in the handler "
    "(cancelled again: the next await raises it); "
    "passed to a function or method of the module that raises or hands on that parameter, or "
    "re-raises with a bare `raise` (`self._convert_error(exc)` whose body ends `raise exc`; what "
    "else the helper does is not followed); "
    "`sys.exc_info()`/`sys.exception()` captured in the handler; a handler that tests the caught "
    "exception (`isinstance(exc, CancelledError)`, `isinstance(exc, Exception)`, `exc is not "
    "incoming`, `type(exc) is ...`) or asks `current_task().cancelling()`/`uncancel()` (also through "
    '`getattr(task, "cancelling", ...)`, or in a plain function of the module that the handler calls with no '
    "arguments: centrifuge's `if _task_cancelling(): raise`), or hands `current_task()` to a test of an `if` "
    "that raises (vllm-omni's `if helpers.task_is_cancelling(asyncio.current_task()): raise`: what the "
    "helper asks is not followed, but only the current task's own state can be meant); "
    "a handler nested in an outer `except` whose every path raises (an exception is already "
    "leaving), or in the `finally` of a `try` that only an exception leaves -- its body never ends normally "
    "(`while True:` with no `break` or `return`) and each of its handlers raises (kopf's peering keep-alive: "
    "the exception goes on after the `finally`; one that a normal end also reaches is reported)."
)
OWNED_NOTE = (
    "Nor in a coroutine the module starts as a task of its own -- `create_task(self._run())`, "
    "`loop.create_task(worker())`, `create_task(coro=worker())`, `ensure_future(...)`, through any wrapper "
    "named so or for a task or "
    "a future (`app.add_task(...)`, `start_pending_task(...)`, `spawn(...)`, `self.add_future(...)`, "
    "vocode's `asyncio_create_task_with_done_error_log(...)`), the `asyncio.Task(self._run())` constructor, "
    "`asyncio.run_coroutine_threadsafe(f(), loop)` "
    "(a task on another thread's loop; also handed on, `context.run(asyncio.run_coroutine_threadsafe, f(), "
    "loop=loop)`), "
    "a coroutine kept in a local first (`wrapped = self._run(); loop.create_task(wrapped)`), a spawner "
    "handed to a scheduler (`loop.call_soon_threadsafe(loop.create_task, f())`), a task group's "
    "`start_soon(self._run)`, a connection callback of `asyncio.start_server(handle, ...)`/`start_unix_server` "
    "(skyvern's broker), either of `create_task(limited() if flag else plain())`; "
    "a method started on another object (`create_task(self.cycle.run_asgi(app))`) exempts every "
    "method of that name in the module (its own recursive `await self._connect(backoff=...)` runs in the "
    "same task and awaits nothing inline; emcache's retrying pool): the task is "
    "the top of its own stack, cancelled by its owner, who reaps a normal end as well as a "
    "cancelled one. Nor where the `try` body awaits `self.<attr>` -- or a local holding the same task, "
    "bound from it or stored into it earlier in the function (`task = create_task(...); self.__task = task; "
    "await task`, bilibili-api's uploaders) -- and the class cancels that "
    "attribute somewhere (`stop()` cancels, then reaps; `task = self._task; task.cancel()` counts, and "
    "`task = getattr(self, '_task', None)` too: praisonai-bot's `stop()`), or "
    "awaits a module-global task that the module cancels somewhere (`task = _worker; task.cancel()` in "
    "`stop_worker()` counts): the CancelledError is that task's, reaped -- provided leaving the handler "
    "ends the function (the `try` is its last statement -- or only plain calls that await nothing follow it, a "
    "log line: mautrix-googlechat --, or every path of the handler returns or "
    "re-raises -- `if self._aborting: return` / `raise`): a function that goes on after the "
    "handler treats its own cancellation as the task's end. Awaiting any other task is not exempt: "
    "cancelling the awaiting task cancels the awaited one too, so the error may be the awaiting "
    "task's own. Nor a coroutine whose `try` awaits a task it is given (`await task`) when the module "
    "awaits it only right after cancelling the task it passes (`task.cancel()` then `await self.reap(task)`: "
    "djangochannelsrestframework's detached tasks, modal's log batches), leaving the handler ending the "
    "function as above; one awaited anywhere without that cancel is reported. Nor a loop that stops on "
    "cancellation -- `while ...: try: ... except "
    "CancelledError: break` (or `return`), every path of the handler leaving the loop; or a `try` "
    "around a loop that awaits, as the function's last statement, whose handler falls off its end "
    "-- in a coroutine the module never awaits inline (`await f()`, `await self.f()`), or awaits only "
    "from coroutines it only starts as tasks (aiosonic's `reader_t` task, whose body awaits "
    "`self._read_events()`): such a loop is a task's body. Awaited inline by another caller, the same "
    "handler is reported: the caller's "
    "cancellation and timeouts are what it swallows (on the dev corpus, 16 of 20 hits before these "
    "exemptions were such shrugs: consumer loops, reaps and entry points)."
)
ENTRY_NOTE = (
    "Nor the program's main coroutine: an `async def` (module-level or local) that the module names only "
    "to run it with `asyncio.run(main())` (or `uvloop.run(main())`, `aiorun.run(main())`, `anyio.run(main)`, "
    "`trio.run(main)`, "
    "`runner.run(main())` of an `asyncio.Runner`, `loop.run_until_complete(main())` of a loop from "
    "`asyncio.new_event_loop()` or `asyncio.ProactorEventLoop()`/`SelectorEventLoop()`, as a thread that needs "
    "a loop of its own does; or by a plain def of the module that "
    "runs the coroutine it is given so, `run_in_background(run_asgi())` where `def run_in_background(coro)` calls "
    "`asyncio.run(coro)` in a thread's target (restate's test harness); or a private method run so, "
    "`asyncio.run(self._serve())` or `self.loop.run_until_complete(self._serve())` where every `self.loop = ...` "
    "of the class makes a new loop, when every `._serve` spelled in the file -- comments included -- is such a run: "
    "gunicorn's control thread and workers, whose `serve_forever()` ends in a CancelledError on `server.close()`; a "
    "coroutine the module also awaits or gathers is not one -- one it also starts as a task falls "
    "under the task exemption above; a coroutine named only to be awaited by one as its first await, and in "
    "an argparse program whose module starts no other work on the loop one it awaits anywhere, is one too: "
    "the blocking rules' note says how), a "
    "command-line command (click/typer), or a `try` that also handles `KeyboardInterrupt` -- in the same "
    "handler or another one that does not just re-raise it (ring-doorbell's command group; `except "
    "(SystemExit, KeyboardInterrupt): raise` beside `except BaseException:` is no such stop) -- "
    "swallowing the cancellation Ctrl-C brings there ends the program gracefully: `asyncio.run` "
    "(3.11+) then returns normally (it raises KeyboardInterrupt only when the main task ends "
    "cancelled). Likewise, in a module that installs a SIGINT handler (`loop.add_signal_handler(signal.SIGINT, "
    "...)`, `signal.signal(signal.SIGINT, ...)`), a `try` that awaits a task by name (`await self.current`, "
    "`await task`; not a coroutine call): an interactive shell whose Ctrl-C cancels the running command "
    "and goes back to its prompt (pyinsteon's tools, aiosmb's aiocmd)."
)
TRIO_NOTE = (
    "Nor in a module that imports trio or Twisted and neither asyncio nor anyio (an import under `if TYPE_CHECKING:` "
    "is for annotations only and does not count): trio's cancellation is "
    "level-triggered -- a swallowed `Cancelled` is raised again at the task's next checkpoint -- and "
    "Twisted runs coroutines through Deferreds, whose cancellation is Twisted's `CancelledError`, an "
    "`Exception` that `except BaseException:` catches no more than `except Exception:` does (trial's AMP "
    "worker); so the mistake these rules describe is asyncio's (and anyio's, whose code may run under a "
    "plain asyncio cancellation)."
)
AWAIT_NOTE = (
    "Only handlers of a `try` whose body has an await point (`await`, `async for`, `async with`): "
    "without one, the exception cannot be this task's cancellation (a `task.result()` of a "
    "cancelled task raises CancelledError too, and handling that is fine). Nor when every await point "
    "there awaits, or iterates, a call of a coroutine or async generator function of the module that has "
    "no await point of its own and is neither decorated nor a stub -- one named directly, or a method of "
    "the class called through `self` (letta's `async for m in self._process_event(e)` over a generator "
    "that only yields): such a call runs to its end without giving the event loop a turn, and a task's "
    "cancellation arrives only where it suspends. An `await F` of a future or task that an `if F.done():` "
    "around the `try` found over (also as an operand of an `and`; not in its `else`) does not suspend "
    "either: it gives back F's outcome at once, so a CancelledError there is F's own (azure-cosmos' "
    "health-check task)."
)
STATE_NOTE = (
    "Nor a handler that first tests `F.cancelled()` or `F.done()` of a future or task the `try` awaits "
    "through `shield` (`await asyncio.shield(connect_task)`, `await wait_for(shield(wrap_future(future)), "
    "t)`; a plain `await F` cancels F along with the awaiting task, so F's state tells nothing: marimo's chat "
    "prompt is reported), leaves "
    "without raising only where F is over and re-raises where it still runs (`if future.cancelled(): "
    "return None` then `raise`; `if not connect_task.done(): ... raise`): a CancelledError there is F's "
    "own when F is over (openhands, camel-ai). `if F.done(): raise` that goes on when F still runs "
    "swallows the task's own cancellation and is reported (asgiref). Likewise a handler that first asks "
    "whether its object is shutting down -- a `self` flag or method named `closed`, `closing`, `stopped`, "
    "`stopping`, `should_stop`, `shutdown`, `terminating`, `interrupted` or `sigint...` (also `_`-prefixed, "
    "`is_`-prefixed, called, or-ed together: `self._conn.is_closed()`, aioconsole's `self._sigint_received`), "
    "or not `connected`, `running`, `alive` or `open` (`not self.is_connected`), also and-ed with other "
    "tests -- and re-raises where it is not (`if not self.closed: raise`; `if self.is_closed(): raise "
    "ClientClosed` then `raise`; pysnooz's `if not self.is_connected and reason == USER: pass` / `else: "
    "raise`): the cancellation the other arm swallows or replaces is the shutdown's own, which cancels the "
    "object's tasks (slack-sdk, modal, pysnooz's disconnect). The two tests may be or-ed together "
    "(litestar-security's `if task.cancelled() or self._closed: return` then `raise`). A comparison of a "
    "`self` attribute with a value that the class's cancelling methods never set it to before they call "
    "`.cancel()` counts as such a test too (ophyd-async's `if self._stop_state == StopState.NONE: raise`, "
    "where `stop()` sets `USER_SUCCESS`/`USER_FAILURE` and then cancels the move). Leaving quietly "
    "while the object still runs "
    "(`if self.is_closed: raise`, then a retry; `if self.is_connected and ...: pass`) is reported. Nor is "
    "a handler reported that first compares the cancellation's message (`str(exc)`, `exc.args[0]`) with a "
    'string and re-raises on some path (langflow\'s `if str(e) != "LANGFLOW_USER_CANCELLED": raise`): the '
    "tag its owner's `task.cancel(msg)` gave tells the stop it asked for from any other; without a `raise` "
    "it is."
)

CANCELLED_ERROR_NOT_RERAISED = declare(
    code="AIO401",
    name="cancelled-error-not-reraised",
    default_enabled=True,
    async_only=True,
    message=(
        "handler for '{exception}' in async function '{function}' does not re-raise it on every path; "
        "the task then never ends cancelled (timeouts, TaskGroup and shutdown wait on it): end the "
        "handler with 'raise'"
    ),
    variants={
        "group": (
            "'except* {exception}' in async function '{function}' re-raises the cancellation wrapped in "
            "a BaseExceptionGroup, so the task never ends cancelled; catch it with a plain "
            "'except asyncio.CancelledError:' and 'raise'"
        ),
        "replaced": (
            "handler for '{exception}' in async function '{function}' raises another exception instead; "
            "that replaces the cancellation, so the task never ends cancelled: clean up, then 'raise'"
        ),
    },
    summary=(
        "An `except` handler for `asyncio.CancelledError` -- any import spelling, alone, in a tuple, "
        "or in an `except*` group; anyio's `get_cancelled_exc_class()`, which is that class under "
        "asyncio, counts too -- in async context, around an await point, with a path that "
        "ends without re-raising it."
    ),
    why=(
        "Cancellation is delivered as a `CancelledError` raised at an await point. A handler that "
        "swallows it turns `task.cancel()` into a no-op the caller cannot see: `asyncio.timeout` "
        "never raises `TimeoutError`, a `TaskGroup` waits forever for a sibling, and shutdown "
        "hangs. The asyncio documentation asks coroutines that catch it to clean up and re-raise."
    ),
    example=(
        "import asyncio\n\n"
        "async def fetch_all(client, urls):\n"
        "    pages = []\n"
        "    for url in urls:\n"
        "        try:\n"
        "            pages.append(await client.get(url))\n"
        "        except asyncio.CancelledError:\n"
        "            print('skipped', url)\n"
        "    return pages\n"
    ),
    use_instead=(
        "import asyncio\n\n"
        "async def fetch_all(client, urls):\n"
        "    pages = []\n"
        "    for url in urls:\n"
        "        try:\n"
        "            pages.append(await client.get(url))\n"
        "        except asyncio.CancelledError:\n"
        "            print('stopped at', url)\n"
        "            raise\n"
        "    return pages\n"
    ),
    seed=SEED_CANCELLATION,
    peers="flake8-async ASYNC104 (cancelled-not-raised; trio/anyio wording)",
    notes=(
        PATHS_NOTE,
        AWAIT_NOTE,
        STATE_NOTE,
        REAP_NOTE,
        "`concurrent.futures.CancelledError` is a different class since Python 3.8 (asyncio's derives "
        "from `BaseException`): a handler for it does not catch a task's cancellation and is not "
        "reported.",
        FORWARD_NOTE,
        OWNED_NOTE,
        ENTRY_NOTE,
        TRIO_NOTE,
        "`except* CancelledError` is reported even when it re-raises: `raise` in an `except*` block "
        "re-raises a BaseExceptionGroup, and a task whose coroutine raises a group does not end "
        "cancelled (checked on 3.11-3.13). A TaskGroup cancelled from outside raises a plain "
        "CancelledError, so a plain `except` catches it.",
        "Raising a fresh `CancelledError` -- `asyncio.CancelledError()`, a class of the module "
        "derived from it, or an imported class whose name ends in `CancelledError` (assumed to "
        "derive from it) -- still ends the task cancelled and counts as re-raising.",
        "Reported at the `except` line.",
    ),
    references=(ASYNCIO_TASKS_DOC + "#task-cancellation", ASYNCIO_TASKS_DOC + "#asyncio.Task.uncancel"),
)

CANCELLATION_SWALLOWED = declare(
    code="AIO402",
    name="cancellation-swallowed",
    default_enabled=True,
    async_only=True,
    message=(
        "'{clause}' in async function '{function}' catches the task's cancellation and does not "
        "re-raise it on every path; add 'raise' to that path, or catch 'Exception' instead"
    ),
    summary=(
        "A bare `except:` or `except BaseException:` (alone or in a tuple) in async context whose "
        "`try` body has an await point, with a path that ends without re-raising."
    ),
    why=(
        "`asyncio.CancelledError` derives from `BaseException`, not `Exception`, precisely so "
        "that `except Exception` lets cancellation through. A bare `except:` or `except "
        "BaseException:` catches it too; unless the handler re-raises, the task survives its "
        "cancellation, and timeouts, task groups and shutdown stop working."
    ),
    example=(
        "import logging\n\n"
        "async def poll(fetch):\n"
        "    try:\n"
        "        return await fetch()\n"
        "    except BaseException:\n"
        "        logging.exception('poll failed')\n"
        "        return None\n"
    ),
    use_instead=(
        "import logging\n\n"
        "async def poll(fetch):\n"
        "    try:\n"
        "        return await fetch()\n"
        "    except Exception:\n"
        "        logging.exception('poll failed')\n"
        "        return None\n"
    ),
    seed=SEED_CANCELLATION,
    peers="flake8-async ASYNC103 (no-reraise-cancelled; trio/anyio wording)",
    notes=(
        PATHS_NOTE,
        AWAIT_NOTE,
        STATE_NOTE,
        REAP_NOTE,
        FORWARD_NOTE,
        OWNED_NOTE,
        ENTRY_NOTE,
        TRIO_NOTE,
        "A handler after one for `CancelledError` in the same `try` never sees the cancellation and is not reported.",
        "A handler that names `CancelledError` as well is cancelled-error-not-reraised's (AIO401) "
        "finding, not this one's.",
        "Reported at the `except` line.",
    ),
    references=(
        ASYNCIO_TASKS_DOC + "#task-cancellation",
        "https://docs.python.org/3/library/exceptions.html#BaseException",
    ),
)
