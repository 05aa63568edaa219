"""A blocking call whose other branch runs the same callable in a worker thread: the code chose,
per case, to pay a thread only when the call can wait (starlette's ``UploadFile``: ``if
self._in_memory: self.file.read(n)`` / ``else: await run_in_threadpool(self.file.read, n)`` --
the in-memory branch touches a ``BytesIO``).  The test that picks the branch is what the author
knows and the linter does not."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...semantic.frames import in_other_branch
from ...semantic.text import dotted_name, last_segment

if TYPE_CHECKING:
    from ...semantic.context import Context

# Functions that run a callable passed to them in a worker thread.
_OFFLOADERS = frozenset({"run_in_threadpool", "to_thread", "run_sync", "run_in_executor", "run_sync_in_worker_thread"})


def offloaded_in_other_branch(ctx: Context, call: ast.Call) -> bool:
    """Whether the innermost ``if`` around ``call`` hands ``call.func`` itself to a thread in its
    other branch (:func:`other_branch`)."""
    spelled = dotted_name(call.func)
    return spelled is not None and in_other_branch(
        ctx.frame,
        lambda inner: (
            isinstance(inner, ast.Call)
            and last_segment(inner.func) in _OFFLOADERS
            and any(dotted_name(arg) == spelled for arg in inner.args)
        ),
    )
