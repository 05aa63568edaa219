"""``python -m flake8_async_patterns``: list the rules, explain one, print the rule docs,
scaffold a new rule, or lint files (``check``: the ``aio-lint`` command)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from . import __version__
from .docs import SOURCES_PAGE, MissingMarkers, pages, refresh_readme, render_rules_md, rule_markdown
from .registry import PREFIX
from .rules import RULES
from .scaffold import ScaffoldError, new_rule

if TYPE_CHECKING:
    from .registry import Rule

_CHECKOUT = Path(__file__).resolve().parent.parent
USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors on stderr, ``<prog>: error: <what>``, and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: error: {message}\n")


def _problem(error: Exception) -> str:
    """An OSError as its reason and file (``No such file or directory: 'x.md'``), anything else as is."""
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename!r}" if error.filename else error.strerror
    return str(error)


def _find(key: str) -> Rule | None:
    key = key.strip()
    for rule in RULES:
        if key.upper() == rule.code or key.lower() == rule.name:
            return rule
    return None


def main(argv: list[str] | None = None) -> int:
    """Run a subcommand; a reader that goes away (``... explain unawaited-coroutine | head -1``) ends it quietly."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # here, not at interpreter exit, so that a closed pipe is caught below
    except BrokenPipeError:
        # Python's documented way: point stdout at devnull so the flush at exit fails quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1


def _main(argv: list[str] | None) -> int:
    parser = _Parser(
        prog="python -m flake8_async_patterns",
        description="flake8-async-patterns: list the AIO rules, or explain one.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("list", help="list every rule (the default)")
    explain_parser = sub.add_parser("explain", help="print one rule's documentation")
    explain_parser.add_argument("rule", help="a rule code or a rule name (e.g. unawaited-coroutine)")
    docs_parser = sub.add_parser("docs", help="print docs/rules.md (generated from the registry)")
    docs_parser.add_argument(
        "--output", type=Path, help=f"write to this file instead of stdout, and {SOURCES_PAGE} next to it"
    )
    docs_parser.add_argument("--readme", type=Path, help="also refresh the rule and option tables in this README")
    new_parser = sub.add_parser("new-rule", help="scaffold a rule: declaration, checker stub, fixture, changelog")
    new_parser.add_argument("code", help=f"the new code: {PREFIX} and three digits")
    new_parser.add_argument("name", help="its kebab-case name, e.g. unshielded-await-in-finally")
    new_parser.add_argument("--family", required=True, help="the rules module, e.g. cancellation")
    new_parser.add_argument("--off", action="store_true", help="off by default")
    new_parser.add_argument("--root", type=Path, default=_CHECKOUT, help="the checkout to write into")
    sub.add_parser("check", add_help=False, help="lint files with these rules only: the aio-lint command")
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["check"]:  # everything after 'check' is aio-lint's, '--help' included
        from .command.cli import main as aio_lint

        return aio_lint(argv[1:], prog="python -m flake8_async_patterns check")
    args = parser.parse_args(argv)

    if args.command == "explain":
        rule = _find(args.rule)
        if rule is None:
            parser.error(f"unknown rule {args.rule!r}; run 'python -m flake8_async_patterns' for the list")
        print(rule_markdown(rule))
        return 0
    if args.command == "docs":
        if args.readme:
            try:
                args.readme.write_text(refresh_readme(args.readme.read_text(encoding="utf-8")), encoding="utf-8")
            except (OSError, MissingMarkers) as error:
                parser.error(f"--readme {args.readme}: {_problem(error)}")
        if not args.output:
            sys.stdout.write(render_rules_md())
            return 0
        for path, text in pages(args.output).items():
            try:
                path.write_text(text, encoding="utf-8")
            except OSError as error:
                parser.error(f"--output {args.output}: {_problem(error)}")
        return 0
    if args.command == "new-rule":
        try:
            touched = new_rule(args.root, args.code, args.name, args.family, default_enabled=not args.off)
        except (ScaffoldError, ValueError, OSError) as error:
            parser.error(_problem(error))
        for path in touched:
            print(path)
        return 0
    width = max(len(rule.name) for rule in RULES)
    for rule in RULES:
        default = "on " if rule.default_enabled else "off"
        print(f"{rule.code}  {rule.name:<{width}}  {default}  {rule.summary.split('. ')[0].rstrip('.')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
