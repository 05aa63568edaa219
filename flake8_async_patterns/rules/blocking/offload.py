"""A blocking call whose other branch runs the same callable in a worker thread: the code chose,
per case, to pay a thread only when the call can wait (starlette's ``UploadFile``: ``if
self._in_memory: self.file.read(n)`` / ``else: await run_in_threadpool(self.file.read, n)`` --
the in-memory branch touches a ``BytesIO``).  The test that picks the branch is what the author
knows and the linter does not."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING

from ...semantic.frames import SCOPE_NODES, branch_path, in_statement_list, statement_lists, statement_position
from ...semantic.text import dotted_name, last_segment

if TYPE_CHECKING:
    from ...semantic.context import Context

# Functions that run a callable passed to them in a worker thread.
_OFFLOADERS = frozenset({"run_in_threadpool", "to_thread", "run_sync", "run_in_executor", "run_sync_in_worker_thread"})


def offloaded_in_other_branch(ctx: Context, call: ast.Call) -> bool:
    """Whether the innermost ``if`` around ``call`` hands ``call.func`` itself to a thread in its
    other branch: the ``else`` of the body (or the statements after the ``if`` when the body
    ends in ``return``/``raise``), or the body of the ``else``."""
    path = branch_path(ctx.frame)
    for node, child in path:
        if isinstance(node, SCOPE_NODES):
            return False
        if not isinstance(node, ast.If) or child is node.test:
            continue
        if not in_statement_list(child, node.body):
            other = node.body
        elif node.orelse or not isinstance(node.body[-1], (ast.Return, ast.Raise)):
            other = node.orelse
        else:
            holder = next(path, (None, None))[0]
            other = []  # the statements after the ``if`` in its holder's list
            for statements in statement_lists(holder):
                index = statement_position(node, statements)
                if index is not None:
                    other = statements[index + 1 :]
                    break
        spelled = dotted_name(call.func)
        return spelled is not None and any(
            isinstance(inner, ast.Call)
            and last_segment(inner.func) in _OFFLOADERS
            and any(dotted_name(arg) == spelled for arg in inner.args)
            for statement in other
            for inner in ast.walk(statement)
        )
    return False
