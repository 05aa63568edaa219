"""asyncio APIs that a Python version deprecates or removes -- data, one row per name, each citing
the "What's New" section it comes from.  A new Python adds rows, not code."""

from __future__ import annotations

WHATS_NEW_310 = "https://docs.python.org/3/whatsnew/3.10.html#removed"
WHATS_NEW_311 = "https://docs.python.org/3/whatsnew/3.11.html#removed"
WHATS_NEW_312 = "https://docs.python.org/3/whatsnew/3.12.html#deprecated"
WHATS_NEW_314_DEPRECATED = "https://docs.python.org/3/whatsnew/3.14.html#deprecated"
WHATS_NEW_314_REMOVED = "https://docs.python.org/3/whatsnew/3.14.html#removed"
NEWEST_KNOWN = (3, 15)  # the target when --aio-python-version is unset


class Deprecation:
    """One deprecated or removed name: since when, until when, what to use instead, the source."""

    __slots__ = ("deprecated", "removed", "replacement", "source")

    def __init__(
        self, deprecated: tuple[int, int], removed: tuple[int, int] | None, replacement: str, source: str
    ) -> None:
        self.deprecated = deprecated
        self.removed = removed
        self.replacement = replacement
        self.source = source


_POLICY = Deprecation(
    (3, 14),
    (3, 16),
    "'asyncio.run(main(), loop_factory=...)' or 'asyncio.Runner(loop_factory=...)'",
    WHATS_NEW_314_DEPRECATED,
)
# ThreadedChildWatcher and PidfdChildWatcher went in 3.14 without a deprecation period.
_WATCHER_DROPPED = Deprecation(
    (3, 14), (3, 14), "no watcher at all (asyncio's subprocesses no longer need one)", WHATS_NEW_314_REMOVED
)
_CHILD_WATCHER = Deprecation(
    (3, 12), (3, 14), "no watcher at all (asyncio's subprocesses no longer need one)", WHATS_NEW_314_REMOVED
)

# qualified name -> its deprecation
ASYNCIO_DEPRECATIONS: dict[str, Deprecation] = {
    "asyncio.iscoroutinefunction": Deprecation(
        (3, 14), (3, 16), "'inspect.iscoroutinefunction()'", WHATS_NEW_314_DEPRECATED
    ),
    **dict.fromkeys(
        (
            "asyncio.get_event_loop_policy",
            "asyncio.set_event_loop_policy",
            "asyncio.AbstractEventLoopPolicy",
            "asyncio.DefaultEventLoopPolicy",
            "asyncio.WindowsSelectorEventLoopPolicy",
            "asyncio.WindowsProactorEventLoopPolicy",
        ),
        _POLICY,
    ),
    **dict.fromkeys(
        (
            "asyncio.get_child_watcher",
            "asyncio.set_child_watcher",
            "asyncio.AbstractChildWatcher",
            "asyncio.SafeChildWatcher",
            "asyncio.FastChildWatcher",
            "asyncio.MultiLoopChildWatcher",
        ),
        _CHILD_WATCHER,
    ),
    **dict.fromkeys(("asyncio.ThreadedChildWatcher", "asyncio.PidfdChildWatcher"), _WATCHER_DROPPED),
    "asyncio.coroutine": Deprecation((3, 8), (3, 11), "'async def'", WHATS_NEW_311),
}

# asyncio functions and classes whose ``loop=`` parameter Python 3.10 removed (deprecated in 3.8).
LOOP_PARAMETER_REMOVED = Deprecation((3, 8), (3, 10), "the call without it (the running loop)", WHATS_NEW_310)
LOOP_PARAMETER_FUNCTIONS = frozenset(
    f"asyncio.{name}"
    for name in (
        "sleep",
        "gather",
        "shield",
        "wait_for",
        "wait",
        "as_completed",
        "open_connection",
        "start_server",
        "open_unix_connection",
        "start_unix_server",
        "create_subprocess_exec",
        "create_subprocess_shell",
        "Queue",
        "PriorityQueue",
        "LifoQueue",
        "Lock",
        "Event",
        "Condition",
        "Semaphore",
        "BoundedSemaphore",
    )
)


def applies(deprecation: Deprecation, target: tuple[int, int] | None) -> bool:
    """Whether the target Python (None: the newest the plugin knows) deprecates or lacks it."""
    return (target or NEWEST_KNOWN) >= deprecation.deprecated


def spelled(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
