"""Tests name rules by their stable kebab-case names; codes come from the registry only."""

from flake8_async_patterns.rules import RULES as ALL_RULES

RULES = {rule.name: rule for rule in ALL_RULES}


def code(name: str) -> str:
    return RULES[name].code


# ``lint()`` runs every rule, off-by-default ones included.  The small snippets of the unit tests
# define stand-in coroutines (``async def fetch(): return 1``), each of them an async-without-await
# finding; tests about other rules leave that one out.
STAND_IN_NOISE = "async-without-await"


def without_stand_in_noise(codes):
    """``codes`` (an iterable of tuples or strings whose last item is a code) minus that rule's."""
    noise = code(STAND_IN_NOISE)
    return type(codes)(item for item in codes if (item[-1] if isinstance(item, tuple) else item) != noise)
