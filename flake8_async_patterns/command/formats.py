"""Output formats of ``aio-lint``: ``default`` (flake8's), ``github`` (workflow annotations),
``json``, ``sarif`` (SARIF 2.1.0, as GitHub code scanning and other viewers read it) and
``gitlab`` (a GitLab Code Quality report)."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import quote

from .. import __version__
from ..docs import anchor
from ..registry import INTERNAL_ERROR, Rule
from ..rules import RULES
from .lint import READ_ERROR, SYNTAX_ERROR, Finding, read_lines

TOOL = "flake8-async-patterns"
# The project's home and its rule reference; each rule's section there has the stable anchor
# '#<code in lower case>' (docs.anchor).  One place to change when it moves.
HOMEPAGE = "https://github.com/flake8-async-patterns/flake8-async-patterns"
RULES_DOC = HOMEPAGE + "/blob/main/docs/rules.md"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
# Codes that are not rules of the registry: what a file that cannot be linted is reported as.
_NOT_RULES = {
    SYNTAX_ERROR: ("syntax-error", "The file does not parse, so it was not checked."),
    READ_ERROR: ("unreadable-file", "The file could not be read, so it was not checked."),
}
_RULES: dict[str, Rule] = {rule.code: rule for rule in (*RULES, INTERNAL_ERROR)}
# GitLab Code Quality's severity of each SARIF level: a rule's finding is 'major', a file that was
# not checked (it does not parse, cannot be read, or the engine failed on it) is 'critical'.
_GITLAB_SEVERITY = {"warning": "major", "error": "critical"}


def rule_name(code: str) -> str:
    rule = _RULES.get(code)
    return rule.name if rule is not None else _NOT_RULES.get(code, (code.lower(),))[0]


def rule_url(code: str) -> str | None:
    """The rule's section of the rule reference; None for a code that is not a rule."""
    rule = _RULES.get(code)
    return f"{RULES_DOC}#{anchor(rule.code)}" if rule is not None else None


def _level(code: str) -> str:
    """SARIF's level of a code: 'warning' for a rule, 'error' for a file that was not checked."""
    rule = _RULES.get(code)
    return "warning" if rule is not None and rule is not INTERNAL_ERROR else "error"


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
            "defaultConfiguration": {"level": _level(code)},
        }
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": _summary(rule)},
        "fullDescription": {"text": rule.summary},
        "helpUri": rule_url(rule.code),
        "defaultConfiguration": {"level": _level(code), "enabled": rule.default_enabled},
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


def _line_text(sources: dict[str, list[str]], path: str, cwd: str, line: int) -> str:
    """Line ``line`` of ``path``, stripped, read again as it was linted; '' when there is no such
    file (stdin's name) or no such line.  ``sources`` keeps each file's lines for the next call."""
    if path not in sources:
        try:
            sources[path] = read_lines(os.path.join(cwd, path))
        except OSError:
            sources[path] = []
    lines = sources[path]
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def gitlab(findings: Sequence[Finding], cwd: str) -> str:
    """A GitLab Code Quality report: a JSON array of issues.  Each fingerprint is the SHA-256 of
    the path, the code, the flagged line's stripped text and the finding's rank among those with
    the same three (in line order): it survives the line moving, not the line changing."""
    sources: dict[str, list[str]] = {}
    seen: Counter[tuple[str, str, str]] = Counter()
    issues = []
    for f in findings:
        path = _display(f.path, cwd)
        key = (path, f.code, _line_text(sources, f.path, cwd, f.line))
        rank = seen[key]
        seen[key] += 1
        fingerprint = hashlib.sha256("\0".join((*key, str(rank))).encode("utf-8", "surrogatepass")).hexdigest()
        issues.append(
            {
                "description": f"{f.code} {f.message}",
                "check_name": f.code,
                "fingerprint": fingerprint,
                "severity": _GITLAB_SEVERITY[_level(f.code)],
                "location": {"path": path, "lines": {"begin": max(f.line, 1)}},
            }
        )
    return json.dumps(issues, indent=2) + "\n"


FORMATS: dict[str, Callable[[Sequence[Finding], str], str]] = {
    "default": default,
    "github": github,
    "json": json_format,
    "sarif": sarif,
    "gitlab": gitlab,
}


def render(findings: Sequence[Finding], name: str, cwd: str | None = None) -> str:
    return FORMATS[name](findings, cwd or os.getcwd())
