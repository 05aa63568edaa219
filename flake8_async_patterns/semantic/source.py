"""The file's text, for deciding which checkers can report in it at all (before any walk)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

# A word the text is asked about: a literal substring, ``ASYNC_CODE`` (the module has an
# ``async def``), or a function of the settings giving names (configured ones; the last dotted
# segment of one must appear).
ASYNC_CODE = "<async def>"
Word = str | Callable[[Any], Iterable[str]]
# No ``\b`` around it: a literal start lets ``re`` jump from one "async" to the next instead of
# trying every position (a tenth of the time on large files).  Without the boundaries it matches
# a little more text ("myasync def" in a comment), which only lets a checker run for nothing.
_ASYNC_DEF = re.compile(r"async[\s\\]+def")
_ASYNC = "async"


# What can make an ``if`` statement's arm dead (``Context.constant_test``): a name bound to
# ``True``/``False`` by a statement of its own (``_IS_SYNC = True``, maybe with a comment after it;
# not ``f(flag=True)`` or a parameter's default), or ``TYPE_CHECKING``.  Substring tests only: a
# regular expression over every file cost more than the handler it spares.
_DECIDING_TEXTS = ("TYPE_CHECKING", "= True\n", "= False\n", "= True  #", "= False  #", "= True #", "= False #")


def may_decide_branches(text: str) -> bool:
    return any(word in text for word in _DECIDING_TEXTS)


class SourceText:
    """The file's text, asked which words it contains (each answer computed once per file)."""

    __slots__ = ("_answers", "settings", "text")

    def __init__(self, text: str, settings: Any) -> None:
        self.text = text
        self.settings = settings
        self._answers: dict[Word, bool] = {}

    def has(self, word: Word) -> bool:
        answer = self._answers.get(word)
        if answer is None:
            text = self.text
            if word is ASYNC_CODE:
                answer = self.has(_ASYNC) and _ASYNC_DEF.search(text) is not None
            elif callable(word):
                answer = any(name.rpartition(".")[2] in text for name in word(self.settings))
            elif _ASYNC in word and word != _ASYNC:
                # "asyncio", "asyncpg": one scan for "async" answers them all in most sync files
                answer = self.has(_ASYNC) and word in text
            else:
                answer = word in text
            self._answers[word] = answer
        return answer
