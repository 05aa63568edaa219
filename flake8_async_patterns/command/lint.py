"""Finding the files, linting each one, and doing it in parallel.

Files are found by flake8's own ``expand_paths`` (directories walked for ``*.py``, excluded paths
pruned, an explicitly named file linted whatever its name unless excluded) and read as flake8
reads them (the encoding its coding cookie declares, latin-1 when that fails; a UTF-8 BOM
dropped), so paths, lines and columns come out as flake8 prints them.  Each file is linted with
the settings of its ``per-file-ignores`` guide, then its findings pass the guide's decision
(for the internal-error code) and ``# noqa``.  A file that does not parse is reported as
flake8 reports it (``E999``), one that cannot be read likewise (``E902``), whatever the selection
(a file for which ``per-file-ignores`` leaves no rule on is not even parsed).

``-j N`` runs ``N`` worker processes (``concurrent.futures.ProcessPoolExecutor``), each given
the configuration once; ``-j 1`` -- or a single file -- lints in this process.
"""

from __future__ import annotations

import ast
import io
import os
import sys
import tokenize
import warnings
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from typing import NamedTuple

from flake8.discover_files import expand_paths

from ..registry import INTERNAL_ERROR
from ..runner import lint_tree
from . import noqa
from .config import LintConfig

SYNTAX_ERROR = "E999"  # flake8's codes for a file that does not parse / cannot be read
READ_ERROR = "E902"
STDIN = "-"


class Finding(NamedTuple):
    """One reported problem.  ``column`` is 1-based and counts UTF-8 bytes, as flake8 prints it
    (from ``ast``'s offsets); ``char_column`` counts characters (SARIF, GitHub annotations)."""

    path: str
    line: int
    column: int
    code: str
    message: str
    char_column: int


def find_files(paths: Iterable[str], config: LintConfig, stdin_name: str) -> list[str]:
    """The files to lint, as flake8 would find them, each once, in the order found."""
    found = expand_paths(
        paths=list(paths) or ["."], stdin_display_name=stdin_name, filename_patterns=["*.py"], exclude=config.exclude
    )
    return list(dict.fromkeys(found))


def read_lines(path: str) -> list[str]:
    """The lines of a file as flake8 reads them."""
    try:
        with tokenize.open(path) as handle:
            return handle.readlines()
    except (SyntaxError, UnicodeError):
        with open(path, encoding="latin-1") as handle:
            return handle.readlines()


def read_stdin() -> list[str]:
    """Standard input's lines as flake8 reads them (its coding cookie honoured)."""
    data = sys.stdin.buffer.read()
    stream = io.BytesIO(data)
    try:
        coding, _ = tokenize.detect_encoding(stream.readline)
        stream.seek(0)
        text = io.TextIOWrapper(stream, coding).read()
    except (LookupError, SyntaxError, UnicodeError):
        text = data.decode("utf-8", "replace")
    return list(io.StringIO(text))


def _char_column(line_text: str, col: int) -> int:
    """1-based character column of the UTF-8 byte offset ``col`` in ``line_text``."""
    if line_text.isascii():
        return col + 1
    return len(line_text.encode("utf-8")[:col].decode("utf-8", "replace")) + 1


def lint_lines(display: str, lines: list[str], config: LintConfig) -> list[Finding]:
    """Lint one file's lines; ``display`` is its path as reported (and matched against
    ``per-file-ignores`` and the test-file patterns)."""
    if lines and lines[0][:1] == "\ufeff":
        lines[0] = lines[0][1:]
    elif lines and lines[0][:3] == "\xef\xbb\xbf":
        lines[0] = lines[0][3:]
    text = "".join(lines)
    if noqa.file_is_ignored(text, lines):
        return []
    guide = config.guide_for(display)
    settings = guide.settings
    if not settings.enabled:
        return []  # every rule is ignored for this file: nothing to parse for
    try:
        tree = ast.parse(text)
    except SyntaxError as error:
        line, offset = (error.lineno, error.offset or 0) if error.lineno else (1, 0)
        return [Finding(display, line, offset + 1, SYNTAX_ERROR, f"SyntaxError: {error.args[0]}", offset + 1)]
    except (ValueError, RecursionError, MemoryError) as error:  # null bytes (before 3.12), too deep
        return [Finding(display, 1, 1, SYNTAX_ERROR, f"{type(error).__name__}: {error}", 1)]
    try:
        results = lint_tree(tree, settings, source=text, filename=display)
    except Exception as error:  # the engine itself failed: say so, as the flake8 plugin does
        detail = " ".join(f"{type(error).__name__}: {error}".split())[:120]
        results = [(1, 0, INTERNAL_ERROR.render(rules="the engine", error=detail))]
    if not results:
        return []
    findings = []
    suppressible = noqa.may_suppress(text)
    mapping = None
    for line, col, message in results:
        code, _, description = message.partition(" ")
        if code not in settings.enabled and not guide.reports(code):
            continue
        if suppressible:
            if mapping is None:
                mapping = noqa.noqa_lines(lines)
            if noqa.is_suppressed(code, line, mapping, lines):
                continue
        line_text = lines[line - 1] if 0 < line <= len(lines) else ""
        findings.append(Finding(display, line, col + 1, code, description, _char_column(line_text, col)))
    return findings


def lint_file(path: str, config: LintConfig) -> list[Finding]:
    try:
        lines = read_lines(path)
    except OSError as error:
        return [Finding(path, 0, 1, READ_ERROR, f"{type(error).__name__}: {error}", 1)]
    return lint_lines(path, lines, config)


# --- processes ----------------------------------------------------------------------------------
_WORKER_CONFIG: LintConfig | None = None


def _start_worker(config: LintConfig) -> None:
    global _WORKER_CONFIG
    _WORKER_CONFIG = config
    warnings.simplefilter("ignore", SyntaxWarning)  # ast.parse's warnings about the linted code


def _lint_in_worker(path: str) -> list[Finding]:
    assert _WORKER_CONFIG is not None
    return lint_file(path, _WORKER_CONFIG)


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def run(
    paths: Iterable[str],
    config: LintConfig,
    *,
    jobs: int | None = None,
    stdin_name: str = "stdin",
    stdin_lines: list[str] | None = None,
) -> list[Finding]:
    """Lint ``paths`` (``-`` is ``stdin_lines``); findings sorted by path, line and column."""
    files = find_files(paths, config, stdin_name)
    findings: list[Finding] = []
    jobs = jobs or default_jobs()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        if STDIN in files:
            files.remove(STDIN)
            findings += lint_lines(stdin_name, list(stdin_lines or []), config)
        if jobs > 1 and len(files) > 1:
            workers = min(jobs, len(files))
            chunk = max(1, min(16, len(files) // (workers * 8)))
            with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(config,)) as pool:
                for found in pool.map(_lint_in_worker, files, chunksize=chunk):
                    findings += found
        else:
            for path in files:
                findings += lint_file(path, config)
    findings.sort(key=lambda f: (f.path, f.line, f.column, f.code, f.message))
    return findings
