"""Tests name rules by their stable kebab-case names; codes come from the registry only."""

from flake8_async_patterns.registry import all_rules

RULES = {rule.name: rule for rule in all_rules()}


def code(name: str) -> str:
    return RULES[name].code
