"""Tests name rules by their stable kebab-case names; codes come from the registry only."""

from flake8_async_patterns.rules import RULES as ALL_RULES

RULES = {rule.name: rule for rule in ALL_RULES}


def code(name: str) -> str:
    return RULES[name].code
