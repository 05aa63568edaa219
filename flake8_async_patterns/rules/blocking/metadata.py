"""File-system metadata calls on the event loop (blocking-path-metadata, off by default).

Its own checker, so that it costs nothing unless selected and never joins a
transitive-blocking-call chain."""

from __future__ import annotations

import ast

from ...knowledge.cli import runs_alone
from ...knowledge.inference import kind_of
from ...knowledge.kinds import Kind
from ...semantic.source import ASYNC_CODE
from ...semantic.text import describe
from .calls import METADATA_FUNCTIONS, METADATA_REPLACEMENT, PATH_METADATA_METHODS
from .declarations import blocking_rule
from .startup import StartupAwareChecker

BLOCKING_PATH_METADATA = blocking_rule(
    code="AIO215",
    name="blocking-path-metadata",
    default_enabled=False,
    summary=(
        "In async context: `os.path` queries (`exists`, `isfile`, `isdir`, `islink`, `getsize`, "
        "`getmtime`, `realpath`, ...), `os.stat/lstat/access/mkdir/makedirs/remove/unlink/rmdir/rename/"
        "replace/chmod/...`, and `exists`, `stat`, `is_file`, `is_dir`, `mkdir`, `unlink`, `rmdir`, "
        "`touch`, `rename`, `resolve`, ... on a known `pathlib.Path` (the paths blocking-file-io knows)."
    ),
    why=(
        "Each is a system call on the event loop's thread. On a local disk with a warm cache it takes "
        "microseconds; on a network file system, a sleeping disk or a FUSE mount it can take seconds, "
        "and every task waits."
    ),
    example=(
        "import os\n\nasync def cached(path, fetch):\n    if os.path.exists(path):\n"
        "        return path\n    return await fetch(path)\n"
    ),
    use_instead=(
        "import asyncio\nimport os\n\nasync def cached(path, fetch):\n"
        "    if await asyncio.to_thread(os.path.exists, path):\n        return path\n"
        "    return await fetch(path)\n"
    ),
    peers="ruff ASYNC240 (async-function-with-os-path, preview: `os.path` only); flake8-async ASYNC240",
    notes=(
        "Off by default: on local disks these calls are quick, and a thread hop for each costs more "
        "than the call. Enable it (`--extend-select=AIO215`) for services whose files live on network "
        "or removable storage.",
        "Pathlib reads and writes (`read_text`, `open`...) are blocking-file-io's and scans (`iterdir`, "
        "`glob`...) blocking-directory-scan's, where ruff's ASYNC240 reports them too; pure path "
        "arithmetic (`os.path.join/normpath`, `Path.absolute()`, `with_suffix`) makes no system call and "
        "is not reported.",
        "Never part of a transitive-blocking-call chain: a sync helper that only checks a path is "
        "not reported through its callers.",
        "Reported at the call.",
    ),
    references=(
        "https://docs.python.org/3/library/os.path.html",
        "https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread",
    ),
)


class PathMetadataChecker(StartupAwareChecker):
    rules = (BLOCKING_PATH_METADATA,)
    requires = ((ASYNC_CODE,), ("os", "path", "Path"))

    def visit_Call(self, node: ast.Call) -> None:
        super().visit_Call(node)
        ctx = self.ctx
        if not ctx.in_async:
            return
        func = node.func
        if ctx.qualified_name(func) not in METADATA_FUNCTIONS and not (
            isinstance(func, ast.Attribute)
            and func.attr in PATH_METADATA_METHODS
            and kind_of(ctx, func.value) is Kind.PATH
        ):
            return
        if runs_alone(ctx):
            return  # a command-line command runs alone: blocking its loop delays nothing
        self.report_blocking(
            node,
            BLOCKING_PATH_METADATA,
            call=describe(node),
            function=ctx.function.name,
            replacement=METADATA_REPLACEMENT,
        )
