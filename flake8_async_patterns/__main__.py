"""``python -m flake8_async_patterns``: list the rules, explain one, or print the rule docs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__
from .docs import explain, refresh_readme_table, render_rules_md
from .registry import all_rules


def _find(key: str):
    key = key.strip()
    for rule in all_rules():
        if key.upper() == rule.code or key.lower() == rule.name:
            return rule
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m flake8_async_patterns",
        description="flake8-async-patterns: list the AIO rules, or explain one.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("list", help="list every rule (the default)")
    explain_parser = sub.add_parser("explain", help="print one rule's documentation")
    explain_parser.add_argument("rule", help="a rule code or a rule name (e.g. unawaited-coroutine)")
    docs_parser = sub.add_parser("docs", help="print docs/rules.md (generated from the registry)")
    docs_parser.add_argument("--output", type=Path, help="write to this file instead of stdout")
    docs_parser.add_argument("--readme", type=Path, help="also refresh the rule table in this README")
    args = parser.parse_args(argv)

    if args.command == "explain":
        rule = _find(args.rule)
        if rule is None:
            parser.error(f"unknown rule {args.rule!r}; run 'python -m flake8_async_patterns' for the list")
        print(explain(rule))
        return 0
    if args.command == "docs":
        if args.readme:
            args.readme.write_text(refresh_readme_table(args.readme.read_text(encoding="utf-8")), encoding="utf-8")
        text = render_rules_md()
        if args.output:
            args.output.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0
    width = max(len(rule.name) for rule in all_rules())
    for rule in all_rules():
        default = "on " if rule.default else "off"
        print(f"{rule.code}  {rule.name:<{width}}  {default}  {rule.summary.split('. ')[0].rstrip('.')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
