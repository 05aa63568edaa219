"""``python -m flake8_async_patterns new-rule CODE NAME --family FAMILY``: the files a new rule
needs, written with placeholders to fill in.

It appends a declaration and a checker stub to ``rules/<family>.py`` (creating the module, and
listing it in ``rules/__init__.py``, when the family is new), writes the fixture skeleton
``fixtures/<CODE>_<name>.py`` and adds the changelog bullet.  The docs and README tables are
generated afterwards (``python -m flake8_async_patterns docs ...``).  Until the placeholders are
filled in, the meta-tests fail on purpose.
"""

from __future__ import annotations

import re
from pathlib import Path

from .registry import REGISTRY, Rule

_MODULE_HEADER = '''"""{family} rules."""

from __future__ import annotations

import ast

from ..checker import Checker
from ..registry import declare
'''

_DECLARATION = '''

{constant} = declare(
    code="{code}",
    name="{name}",
    default_enabled={default},
    message="TODO what is wrong with '{{call}}'; TODO what to do",
    summary="TODO: what it flags.",
    why="TODO: why it is wrong at run time.",
    example="TODO = 'code that triggers the rule'\\n",
    use_instead="TODO = 'the fix'\\n",
    seed="TODO: the seed pattern",
    peers="none",
)


class {checker}(Checker):
    """{name}."""

    rules = ({constant},)

    def visit_Call(self, node: ast.Call) -> None:
        pass  # TODO: decide, then self.ctx.report(node, {constant}, call=...)
'''

_FIXTURE = """# {code} {name}: wrong snippets first, each expected finding annotated on its line.


def wrong():
    pass  # TODO: a wrong snippet, annotated  # error: {code} col=4


# correct


def correct():
    pass  # TODO: near misses that must stay clean
"""


class ScaffoldError(ValueError):
    """The rule cannot be scaffolded as asked (the message says why)."""


_FAMILY_IMPORT = re.compile(r"^from \. import (?:\(\n(?P<block>[^)]*)\)|(?P<line>.+))$", re.M)


def _add_family_import(text: str, family: str) -> str:
    """Add ``family`` to ``from . import ...`` -- one line, or the parenthesised form ruff writes
    once the line is too long."""
    match = _FAMILY_IMPORT.search(text)
    if match is None:
        raise ScaffoldError("rules/__init__.py has no 'from . import ...' line")
    listed = match.group("block") if match.group("block") is not None else match.group("line")
    names = sorted({name.strip() for name in listed.replace("\n", ",").split(",") if name.strip()} | {family})
    one_line = f"from . import {', '.join(names)}"
    statement = one_line if len(one_line) <= 120 else "from . import (\n" + "".join(f"    {n},\n" for n in names) + ")"
    return text[: match.start()] + statement + text[match.end() :]


def _checker_name(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("-")) + "Checker"


def new_rule(root: Path, code: str, name: str, family: str, default_enabled: bool = True) -> list[Path]:
    """Write the new rule's files under the checkout ``root``; return the paths touched."""
    code, name, family = code.upper(), name.strip(), family.strip()
    Rule(
        code=code,
        name=name,
        message="m; n",
        default_enabled=default_enabled,
        summary="",
        why="",
        example="",
        use_instead="",
        seed="",
    )  # validates the code and the name
    if code in REGISTRY or any(rule.name == name for rule in REGISTRY.values()):
        raise ScaffoldError(f"{code} or {name!r} is already declared")
    if not re.fullmatch(r"[a-z][a-z0-9_]*", family):
        raise ScaffoldError(f"family {family!r} must be a module name such as 'cancellation'")
    package = root / "flake8_async_patterns"
    rules_dir = package / "rules"
    if not rules_dir.is_dir():
        raise ScaffoldError(f"{root} is not a flake8-async-patterns checkout")
    touched = []
    module = rules_dir / f"{family}.py"
    if not module.exists():
        module.write_text(_MODULE_HEADER.format(family=family.replace("_", " ").capitalize()), encoding="utf-8")
        init = rules_dir / "__init__.py"
        text = init.read_text(encoding="utf-8")
        text = _add_family_import(text, family)
        text = text.replace("MODULES = (\n", f"MODULES = (\n    {family},\n", 1)
        init.write_text(text, encoding="utf-8")
        touched.append(init)
    constant = name.replace("-", "_").upper()
    with module.open("a", encoding="utf-8") as out:
        out.write(
            _DECLARATION.format(
                constant=constant, code=code, name=name, default=default_enabled, checker=_checker_name(name)
            )
        )
    touched.append(module)
    fixture = root / "fixtures" / f"{code}_{name.replace('-', '_')}.py"
    if fixture.exists():
        raise ScaffoldError(f"{fixture} exists already")
    fixture.write_text(_FIXTURE.format(code=code, name=name), encoding="utf-8")
    touched.append(fixture)
    changelog = root / "CHANGELOG.md"
    text = changelog.read_text(encoding="utf-8")
    marker = "### New rules\n\n"
    if marker not in text:
        raise ScaffoldError("CHANGELOG.md has no '### New rules' section under 'Unreleased'")
    off = "" if default_enabled else " (off by default)"
    text = text.replace(marker, f"{marker}- {code} {name}{off}: TODO one line on what it flags.\n", 1)
    changelog.write_text(text, encoding="utf-8")
    touched.append(changelog)
    return touched
