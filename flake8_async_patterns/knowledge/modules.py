"""Module paths: internal submodules whose public names their package re-exports."""

from __future__ import annotations

import importlib

_REEXPORTING_PACKAGES: dict[str, frozenset[str]] = {
    "asyncio": frozenset(
        {
            "base_events",
            "coroutines",
            "events",
            "exceptions",
            "futures",
            "locks",
            "queues",
            "runners",
            "streams",
            "subprocess",
            "taskgroups",
            "tasks",
            "threads",
            "timeouts",
            "unix_events",
            "windows_events",
        }
    ),
    "aiohttp": frozenset({"client", "connector", "client_reqrep"}),  # aiohttp.web is a namespace of its own
    "aiohttp.web": frozenset({"web_routedef", "web_app", "web_request", "web_response"}),
    "aiofiles": frozenset({"threadpool"}),
    "httpx": frozenset({"_client", "_api", "_models"}),
    "httpx2": frozenset({"_client", "_api", "_models"}),
    "sqlalchemy.ext.asyncio": frozenset({"session", "engine", "result", "scoping"}),
    "sqlalchemy.orm": frozenset({"session"}),
    "sqlalchemy": frozenset({"engine"}),
    "requests": frozenset({"api", "sessions"}),
    "redis": frozenset({"client"}),
    "urllib3": frozenset({"poolmanager", "connectionpool", "_request_methods"}),
    "concurrent.futures": frozenset({"thread", "process", "_base"}),
    "psycopg": frozenset({"connection"}),
    "pymongo": frozenset({"mongo_client"}),
    "multiprocessing": frozenset({"context", "queues", "synchronize", "process"}),
    "pathlib": frozenset({"_local"}),
}


# First dotted segment -> the re-exporting packages starting with it, longest first.
_BY_HEAD: dict[str, tuple[tuple[str, frozenset[str]], ...]] = {}
for _package, _submodules in sorted(_REEXPORTING_PACKAGES.items(), key=lambda item: -len(item[0])):
    _BY_HEAD.setdefault(_package.partition(".")[0], ())
    _BY_HEAD[_package.partition(".")[0]] += ((_package, _submodules),)


def canonical(qualified_name: str) -> str:
    """Fold internal module paths onto their public spelling (``asyncio.tasks.sleep`` → ``asyncio.sleep``)."""
    candidates = _BY_HEAD.get(qualified_name.partition(".")[0])
    if candidates is None:
        return qualified_name
    for package, submodules in candidates:
        if qualified_name.startswith(package + "."):
            rest = qualified_name[len(package) + 1 :]
            head, dot, tail = rest.partition(".")
            if dot and head in submodules and "." not in tail:
                return f"{package}.{tail}"
    return qualified_name


# Standard-library modules whose star exports are looked up (by importing them, once per process)
# when a file star-imports them: the modules the rules know names of.
_STAR_MODULES = frozenset(
    {
        "asyncio",
        "time",
        "os",
        "io",
        "codecs",
        "socket",
        "subprocess",
        "threading",
        "queue",
        "shutil",
        "ssl",
        "glob",
        "pathlib",
        "multiprocessing",
        "concurrent.futures",
        "sqlite3",
        "smtplib",
        "ftplib",
        "urllib.request",
        "http.client",
        "importlib",
        "contextlib",
    }
)
_EXPORTS: dict[str, frozenset[str]] = {}


def star_exports(module: str) -> frozenset[str] | None:
    """The names ``from module import *`` binds, for the standard-library modules the rules
    know; None for any other module (its exports are unknown)."""
    if module not in _STAR_MODULES:
        return None
    exports = _EXPORTS.get(module)
    if exports is None:
        try:
            imported = importlib.import_module(module)
        except ImportError:  # pragma: no cover - every listed module is in the standard library
            return None
        names = getattr(imported, "__all__", None) or [n for n in vars(imported) if not n.startswith("_")]
        exports = _EXPORTS[module] = frozenset(names)
    return exports
