"""The ``aio-lint`` command line (also ``python -m flake8_async_patterns check``).

Exit status: 0 when nothing is reported, 1 when something is (or ``--exit-zero``: 0), 2 for a
usage error -- an unknown flag or a malformed option value, reported on one line naming the
option, never with a traceback.  ``--fix`` rewrites the files with the safe fixes of
:mod:`.fix`, then reports what remains; ``--diff`` prints those fixes as a unified diff, writes
nothing, and exits with 1 when there is any.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import NoReturn

from .. import __version__
from ..registry import PREFIX
from ..settings import OPTIONS, OptionError
from . import config as lint_config
from .fix import fix_files
from .formats import FORMATS, render
from .lint import STDIN, read_stdin, run

PROG = "aio-lint"
USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``aio-lint: error: <what>`` and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _jobs(value: str) -> int:
    if value == "auto":
        return 0
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"expected a number of processes (1 or more) or 'auto', got {value!r}")
    return jobs


def build_parser(prog: str = PROG) -> argparse.ArgumentParser:
    parser = _Parser(
        prog=prog,
        description=(
            "Lint Python files with flake8-async-patterns' rules only (no pyflakes, no pycodestyle). "
            "Reads [tool.flake8-async-patterns] from the nearest pyproject.toml and the [flake8] section "
            "of setup.cfg, tox.ini or .flake8; flags override both."
        ),
    )
    parser.add_argument(
        "paths", nargs="*", metavar="PATH", help="files and directories to lint ('-': stdin); default ."
    )
    codes = parser.add_argument_group("selection (as flake8's)")
    codes.add_argument("--select", metavar="CODES", help=f"the codes to report, replacing the default (e.g. {PREFIX})")
    codes.add_argument("--extend-select", metavar="CODES", help="codes to report besides the selection")
    codes.add_argument("--ignore", metavar="CODES", help="codes (or prefixes) not to report")
    codes.add_argument("--extend-ignore", metavar="CODES", help="codes not to report, besides --ignore")
    codes.add_argument("--per-file-ignores", metavar="PAIRS", help="'PATTERN: CODES' pairs, e.g. 'tests/*: AIO2'")
    files = parser.add_argument_group("files")
    files.add_argument("--exclude", metavar="PATTERNS", help="paths to skip, replacing the default list")
    files.add_argument("--extend-exclude", metavar="PATTERNS", help="paths to skip besides --exclude")
    files.add_argument("--stdin-filename", metavar="NAME", help="the name of the file read from stdin ('-')")
    files.add_argument("--config", metavar="PATH", help="read this pyproject.toml or setup.cfg-style file only")
    files.add_argument("--isolated", action="store_true", help="read no configuration file")
    aio = parser.add_argument_group("rule options")
    for option in OPTIONS:
        aio.add_argument(option.flag, dest=option.dest, metavar="VALUE", help=option.help.replace("%", "%%"))
    run_group = parser.add_argument_group("running")
    run_group.add_argument(
        "-j", "--jobs", type=_jobs, default=0, metavar="N", help="worker processes (default: one per CPU; 1: none)"
    )
    run_group.add_argument("--format", choices=tuple(FORMATS), default="default", help="output format")
    run_group.add_argument("--exit-zero", action="store_true", help="exit with 0 even when something is reported")
    run_group.add_argument(
        "--fix", action="store_true", help="fix what can be fixed safely, in place; then report what remains"
    )
    run_group.add_argument(
        "--diff", action="store_true", help="print the fixes as a unified diff; write nothing (exit 1 if any)"
    )
    parser.add_argument("--version", action="version", version=f"{prog} (flake8-async-patterns {__version__})")
    return parser


def _write(text: str) -> bool:
    """Write to stdout; False when the reader went away (``aio-lint . | head -1``)."""
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        # Python's documented way: point stdout at devnull so the flush at exit fails quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return False
    return True


def main(argv: list[str] | None = None, prog: str = PROG) -> int:
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    try:
        configuration = lint_config.load(args)
    except OptionError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        return USAGE_ERROR
    if args.fix or args.diff:
        if STDIN in args.paths:
            parser.error("--fix and --diff do not read stdin ('-')")
        fixes = fix_files(args.paths, configuration, args.stdin_filename or "stdin")
        if args.diff:
            if not _write("".join(fix.diff() for fix in fixes)):
                return 1
            return 1 if fixes and not args.exit_zero else 0
        for fix in fixes:
            fix.write()
    stdin_lines = read_stdin() if STDIN in args.paths else None
    findings = run(
        args.paths,
        configuration,
        jobs=args.jobs,
        stdin_name=args.stdin_filename or "stdin",
        stdin_lines=stdin_lines,
    )
    if not _write(render(findings, args.format)):
        return 1
    return 1 if findings and not args.exit_zero else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
