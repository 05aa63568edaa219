"""The rule registry: every rule is declared exactly once, here or in a family module.

A :class:`Rule` carries everything that is said about a rule anywhere: its code, name, default,
message template (named fields only), and its documentation.  ``docs/rules.md``, the
``python -m flake8_async_patterns`` listing, the flake8 default-ignore list and the meta-tests are
all derived from :data:`REGISTRY`; nothing else spells a code.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

PREFIX = "AIO"
_CODE_RE = re.compile(rf"^{PREFIX}\d{{3}}$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Rule:
    """One lint rule: identity, message and documentation."""

    code: str
    name: str
    message: str
    default: bool
    summary: str
    why: str
    example: str
    use_instead: str
    seed: str
    peers: str = "none"
    options: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    variants: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    min_python: tuple[int, int] | None = None
    async_only: bool = False  # reported only in async context
    example_options: tuple[str, ...] = ()  # flake8 options the Example needs to trigger
    # The mistake raises or warns when the code runs, so a test that expects exactly that
    # (``with pytest.raises(...)``, ``self.assertWarns(...)``) is not reported.
    raises_or_warns: bool = False

    def template(self, variant: str | None = None) -> str:
        return self.message if variant is None else self.variants[variant]

    def render(self, variant: str | None = None, **fields: str) -> str:
        """Return the full flake8 message text: the code, a space, the filled-in template."""
        return f"{self.code} {self.template(variant).format(**fields)}"

    def templates(self) -> dict[str | None, str]:
        return {None: self.message, **self.variants}


def template_fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


REGISTRY: dict[str, Rule] = {}


def declare(**kwargs) -> Rule:
    """Create and register a rule.  Family modules call this once per rule."""
    variants = kwargs.pop("variants", None) or {}
    rule = Rule(variants=MappingProxyType(dict(variants)), **kwargs)
    if not _CODE_RE.match(rule.code):
        raise ValueError(f"bad rule code {rule.code!r}")
    if not _NAME_RE.match(rule.name):
        raise ValueError(f"bad rule name {rule.name!r}")
    if rule.code in REGISTRY:
        raise ValueError(f"rule {rule.code} declared twice")
    if any(r.name == rule.name for r in REGISTRY.values()):
        raise ValueError(f"rule name {rule.name!r} declared twice")
    for text in rule.templates().values():
        for _, name, spec, conv in string.Formatter().parse(text):
            if name is not None and (not name or name.isdigit()):
                raise ValueError(f"{rule.code}: message placeholders must be named: {text!r}")
    REGISTRY[rule.code] = rule
    return rule


def all_rules() -> list[Rule]:
    """Every rule, by code.  Importing the rule families populates the registry."""
    from . import rules  # noqa: F401  (import registers the families)

    return [REGISTRY[code] for code in sorted(REGISTRY)]


def default_off_codes() -> list[str]:
    return [rule.code for rule in all_rules() if not rule.default]
