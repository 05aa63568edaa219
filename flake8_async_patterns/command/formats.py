"""Output formats of ``aio-lint``: ``default`` (flake8's), ``github`` (workflow annotations),
``json`` and ``sarif`` (SARIF 2.1.0, as GitHub code scanning and other viewers read it)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import quote

from .. import __version__
from ..registry import INTERNAL_ERROR, Rule
from ..rules import RULES
from .lint import READ_ERROR, SYNTAX_ERROR, Finding

TOOL = "flake8-async-patterns"
# The project's home and its rule reference; each rule's section there is '#<code>-<name>'
# (GitHub's anchor of the '## <code> <name>' heading).  One place to change when it moves.
HOMEPAGE = "https://github.com/flake8-async-patterns/flake8-async-patterns"
RULES_DOC = HOMEPAGE + "/blob/main/docs/rules.md"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# Codes that are not rules of the registry: what a file that cannot be linted is reported as.
_NOT_RULES = {
    SYNTAX_ERROR: ("syntax-error", "The file does not parse, so it was not checked."),
    READ_ERROR: ("unreadable-file", "The file could not be read, so it was not checked."),
}
_RULES: dict[str, Rule] = {rule.code: rule for rule in (*RULES, INTERNAL_ERROR)}


def rule_name(code: str) -> str:
    rule = _RULES.get(code)
    return rule.name if rule is not None else _NOT_RULES.get(code, (code.lower(),))[0]


def rule_url(code: str) -> str | None:
    """The rule's section of the rule reference; None for a code that is not a rule."""
    rule = _RULES.get(code)
    return f"{RULES_DOC}#{rule.code.lower()}-{rule.name}" if rule is not None else None


def _summary(rule: Rule) -> str:
    first = rule.summary.split(". ")[0].strip()
    return first if first.endswith(".") else first + "."


def relative_uri(path: str, cwd: str | None = None) -> str:
    """``path`` relative to ``cwd`` with '/' separators, percent-encoded as a URI reference."""
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(os.path.join(cwd, path))
    relative = os.path.relpath(absolute, cwd) if os.path.splitdrive(absolute)[0] == os.path.splitdrive(cwd)[0] else path
    return quote(relative.replace(os.sep, "/"), safe="/")


def _display(path: str, cwd: str) -> str:
    """A path for an annotation: relative to ``cwd`` with '/' separators, not encoded."""
    absolute = os.path.abspath(os.path.join(cwd, path))
    inside = absolute.startswith(cwd.rstrip(os.sep) + os.sep)
    return (os.path.relpath(absolute, cwd) if inside else path).replace(os.sep, "/")


# --- the formats --------------------------------------------------------------------------------
def default(findings: Sequence[Finding], cwd: str) -> str:
    """flake8's ``%(path)s:%(row)d:%(col)d: %(code)s %(text)s``."""
    return "".join(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}\n" for f in findings)


def _data(text: str) -> str:
    """GitHub's escaping of a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    """GitHub's escaping of a workflow command's property value."""
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Finding], cwd: str) -> str:
    """``::warning file=...,line=...,col=...,title=CODE::message`` workflow commands."""
    out = []
    for f in findings:
        where = f"file={_property(_display(f.path, cwd))}"
        if f.line > 0:
            where += f",line={f.line},col={f.char_column}"
        out.append(f"::warning {where},title={_property(f.code)}::{_data(f.message)}\n")
    return "".join(out)


def json_format(findings: Sequence[Finding], cwd: str) -> str:
    items = [
        {
            "path": f.path,
            "line": f.line,
            "column": f.column,
            "code": f.code,
            "message": f.message,
            "rule": rule_name(f.code),
            "url": rule_url(f.code),
        }
        for f in findings
    ]
    return json.dumps(items, indent=2) + "\n"


def _descriptor(code: str) -> dict:
    rule = _RULES.get(code)
    if rule is None:
        name, text = _NOT_RULES.get(code, (code.lower(), code))
        return {
            "id": code,
            "name": name,
            "shortDescription": {"text": text},
            "defaultConfiguration": {"level": "error"},
        }
    level = "error" if rule is INTERNAL_ERROR else "warning"
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _summary(rule)},
        "fullDescription": {"text": rule.summary},
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": level, "enabled": rule.default_enabled},
        "properties": {"tags": ["asyncio"]},
    }


def sarif(findings: Sequence[Finding], cwd: str) -> str:
    """One SARIF 2.1.0 run: the tool with every rule of the registry, then the results.  Paths
    are relative to ``%SRCROOT%``, the current directory; columns count characters."""
    codes = [rule.code for rule in RULES] + [INTERNAL_ERROR.code]
    codes += sorted({f.code for f in findings} - set(codes))
    index = {code: i for i, code in enumerate(codes)}
    descriptors = [_descriptor(code) for code in codes]
    results = []
    for f in findings:
        location: dict = {"artifactLocation": {"uri": relative_uri(f.path, cwd), "uriBaseId": "%SRCROOT%"}}
        if f.line > 0:
            location["region"] = {"startLine": f.line, "startColumn": f.char_column}
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": descriptors[index[f.code]]["defaultConfiguration"]["level"],
                "message": {"text": f.message},
                "locations": [{"physicalLocation": location}],
            }
        )
    root = Path(cwd).resolve().as_uri().rstrip("/") + "/"
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {"name": TOOL, "version": __version__, "informationUri": HOMEPAGE, "rules": descriptors}
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": root}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2) + "\n"


FORMATS: dict[str, Callable[[Sequence[Finding], str], str]] = {
    "default": default,
    "github": github,
    "json": json_format,
    "sarif": sarif,
}


def render(findings: Sequence[Finding], name: str, cwd: str | None = None) -> str:
    return FORMATS[name](findings, cwd or os.getcwd())
