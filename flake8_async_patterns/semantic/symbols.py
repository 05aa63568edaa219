"""Named constants of a closed set (``ScopeKind.MODULE``, ``Kind.TASK``).

What the package used ``enum.Enum`` for, at a fraction of the start-up cost: on Python 3.11
defining an enum member costs about 40,000 interpreter instructions, and the package's nine
sets (105 members) were paid for at every flake8 start.  A :class:`Symbol` is compared by
identity, hashed by identity, and knows its ``name`` and ``value``; a class whose attributes
are symbols is the set.  Nothing iterates over a set or looks a member up by value, which is
all an enum would add.
"""

from __future__ import annotations


class Symbol:
    """One member of a set of constants: ``LOOP = Symbol("asyncio event loop")`` in a class body."""

    __slots__ = ("name", "owner", "value")

    def __init__(self, value: str) -> None:
        self.value = value
        self.name = ""
        self.owner: type | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.owner, self.name = owner, name

    def __repr__(self) -> str:
        owner = self.owner.__name__ if self.owner is not None else "?"
        return f"<{owner}.{self.name}: {self.value!r}>"

    def __reduce__(self) -> tuple:
        """Pickled and copied as a reference to the member, so identity survives."""
        return getattr, (self.owner, self.name)
