"""The prose the blocking family's rule pages share: the seed, and the notes on what no rule of it reports."""

from __future__ import annotations

SEED_BLOCKING = '002 "Avoid Blocking the Event Loop" and Anti-Patterns §4; 003 Step 5'
COMMON_NOTES = (
    "Only in async context: the body of an `async def`, not a nested `def` or `lambda` inside it (those may run "
    "in a thread), and not a function passed to `asyncio.to_thread` or `loop.run_in_executor` -- passing a "
    "callable is not calling it. Not a method call awaited on the spot (`await file.write(data)` behind an "
    "`inspect.iscoroutinefunction(file.write)` test, aioboto3): its receiver is an async object, whatever it "
    "looked like.",
    "Not a call whose other branch of the same `if` runs that very callable in a thread (`if self._in_memory: "
    "return self.file.read(n)` / `return await run_in_threadpool(self.file.read, n)`, starlette's `UploadFile`): "
    "the test that picks the branch is the author's knowledge of when the call can wait.",
    "Not in the coroutine of a command-line command (`@click.command()`, `@app.command()` on a `typer.Typer` -- "
    "or an instance of a project class named `...Typer` --, `cyclopts.App` or `click.group`): it runs alone in "
    "its program, so blocking its loop delays nothing. A chat bot's or web framework's command is a request "
    'handler and stays checked. Nor in the body of an `if __name__ == "__main__":` inside the coroutine '
    "(nonebot-plugin-tvseries dumps the page it parsed to a file there): that path runs only when the module is "
    "run as a script, with nothing else on its loop; `!=` and the `else` are the imported module's path and are "
    "checked.",
    "Not reported in test files (`--aio-test-files`) nor in command-line modules (`--aio-cli-files`).",
    "Not reported in a module that drives its coroutines by hand: a sync function that steps a coroutine it is "
    "given with `coro.send(None)` and takes the result from `StopIteration` (gel's blocking client runs its "
    "async connection code so). Such coroutines run in the caller's thread with no event loop, where blocking "
    "waits for nobody else. Stepping an attribute (`self._gen.send(None)`) or priming a generator without "
    "catching `StopIteration` is no trampoline.",
)
# Where the detector of :mod:`.checker` runs (not the import and path-metadata checkers).
MAIN_COROUTINE_NOTE = (
    "Not a call (or import) in the program's main coroutine before its first await point: an `async def` (module-level "
    "or local) that the module names only to run it, in `asyncio.run(main())` (`uvloop.run`, `aiorun.run`, "
    "`anyio.run(main)`, `trio.run(main)`, `runner.run(main())` of an `asyncio.Runner`, "
    "`loop.run_until_complete(main())` of a loop from "
    "`asyncio.new_event_loop()` or `asyncio.ProactorEventLoop()`/`SelectorEventLoop()`), or by a plain def of "
    "the module that runs the coroutine it is given so "
    "(`run_in_background(main())` where `def run_in_background(coro)` calls `asyncio.run(coro)`, maybe in a thread's "
    "target) -- never awaited, gathered, made a task or handed on otherwise; or a private method run "
    "the same way, `asyncio.run(self._serve())` in a thread or `self.loop.run_until_complete(self._serve())` "
    "where every `self.loop = ...` of the class makes a new loop, when every `._serve` spelled in the file (comments "
    "included) is such a run (gunicorn's control thread and workers; a public method run by a sync twin, "
    "`def upload(): asyncio.run(self.aupload())`, is an API other modules await too). Until it first awaits, it "
    "is the only code its new event loop has, so reading a manifest or a certificate there delays nothing -- "
    "also in the operand of that first await itself, which runs before it suspends (dashscope's `async with "
    "build_session() as session:` opening `main`) -- and in a coroutine of the module named only to be awaited "
    "as that first await (pr-agent's `await run_action()`), until its own first await point. In an argparse "
    "program -- a sync function that makes an `argparse.ArgumentParser` and runs the main coroutine, in a module "
    "that starts no other work on the loop (no task but one awaited at once, no `gather`, task group, server, "
    "callback or `.start()`, no `async with host.run()` or `await client.connect()` that may start a library's "
    "background work) -- the main coroutine and the coroutines it alone awaits are never reported "
    "(langflow's upgrade controller), as a click or typer command is not. After an "
    "await -- including one in the call's own arguments, or in a loop or comprehension that runs the call again -- "
    "servers and tasks may be running, and the call is reported.",
)
# The rules of bounded local I/O (a file, a directory, a certificate), which an application's startup
# and shutdown hooks (and, once, a bot's operator commands) may do on the loop -- and
# transitive-blocking-call chains that end in them.
LOCAL_IO_NAMES = frozenset(
    {"blocking-file-io", "blocking-directory-scan", "blocking-ssl-context", "blocking-file-object-method"}
)
LIFECYCLE_NOTE = (
    "Not in an application's startup or shutdown hook (these run "
    "before the first request is served or after the last one, so a short local read there -- a configuration file, "
    "a certificate, a data directory -- delays no request; it is where the blocking-ssl-context and "
    "loop-bound-client-at-import pages tell you to build things): an `async def` decorated as a hook "
    '(`@driver.on_startup`/`on_shutdown` of NoneBot, `@app.on_event("startup")` of FastAPI/Starlette, Quart\'s '
    "`@app.before_serving`/`after_serving`, Sanic's `@app.before_server_start`/`after_server_stop`/"
    '`main_process_start` or `@app.listener("before_server_start")`, aiogram\'s `@dp.startup()`/`shutdown()`, '
    "Chainlit's `@cl.on_app_startup`), an `@asynccontextmanager` whose name ends in `lifespan`, or a function "
    "the module registers by name (`app.on_startup.append(init)`/`on_shutdown`/`on_cleanup`/`cleanup_ctx` of aiohttp, "
    "`driver.on_startup(init)`, `dp.startup.register(init)`, `Starlette(on_startup=[init])`, "
    '`FastAPI(lifespan=span)`, `app.add_event_handler("startup", init)`, '
    '`app.register_listener(init, "before_server_start")`), and named nowhere else in the file (comments and '
    "docstrings included): a hook the module also awaits or hands on (`await reload_settings()` in a command) "
    "runs while serving too, and is checked. Only local I/O is excused there: a sleep, an HTTP "
    "call, a subprocess, a database call or a chain to one still blocks whatever the loop already runs -- other "
    "hooks, a bot's connections, background tasks -- and is reported. Sanic's `after_server_start` and "
    "`before_server_stop` run while the server serves and are checked.",
    "Not, either, for one short local read or write in a chat bot's operator command: the handler "
    "(`@matcher.handle()`, `.got(...)`, `.receive()`) of a NoneBot matcher made with `permission=SUPERUSER`, "
    'alone or `|` OneBot\'s `GROUP_ADMIN`/`GROUP_OWNER` (`on_command("ban", permission=SUPERUSER)`), named '
    "nowhere else in the file. Its operator sends it by hand, rarely, and waits for the answer: rewriting the "
    "bot's small settings file there costs the other chats a few milliseconds once (the held-out review judged "
    "97 of 104 such reports noise and 3 false; the 4 true ones are of the kinds below). Still reported in such "
    "a command: local I/O repeated by a loop or a "
    "comprehension (one file per group member), a walk over a directory tree (`shutil.rmtree`/`copytree`, "
    "`os.walk`, `rglob`, a recursive `glob`) or a helper chain reaching one, which grow with the data, and "
    "everything that is not local I/O. A matcher any user may trigger (no permission, or one that lets "
    "group members in) is checked as usual.",
)
# blocking-input only: the prompt of a terminal program.
PROMPT_NOTE = (
    "Not in a terminal program: a module whose text names `__main__`, that runs a coroutine as its main one "
    '(`if __name__ == "__main__": asyncio.run(main())`, or any run the main-coroutine note above lists), and '
    "that starts no other work on the loop -- no task but one awaited at once, no `gather`, task group, server, "
    "callback or `.start()`, no library service awaited or entered (`await client.connect()`, `async with "
    "host.run()`; a `run`/`connect` the module defines itself as an `async def` is its own code, not a "
    "library's). Its prompts, wherever they sit in the module (lightrag's cleanup tool asks from the methods "
    "of its menu class), are what it is for: nothing else on the loop waits for the human. The other blocking "
    "rules still report such a module (only an argparse program's main coroutine is excused from them).",
)
# FastAPI's page on lifespan events: startup code "will be executed once, before the application
# starts receiving requests" (its own example loads a model from disk there).
LIFESPAN_DOC = "https://fastapi.tiangolo.com/advanced/events/"
# NoneBot's page on permissions: the checks run before the matcher does; SUPERUSER lets only the
# users of the bot's SUPERUSERS setting through (its example: a command to switch a plugin off).
NONEBOT_PERMISSION_DOC = "https://nonebot.dev/docs/appendices/permission"
EXTRA_REFERENCES = dict.fromkeys(LOCAL_IO_NAMES, (LIFESPAN_DOC, NONEBOT_PERMISSION_DOC))
# Notes that only some rules of the family carry, by rule name.
EXTRA_NOTES = {**dict.fromkeys(LOCAL_IO_NAMES, LIFECYCLE_NOTE), "blocking-input": PROMPT_NOTE}
