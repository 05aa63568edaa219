"""The file's text, for deciding which checkers can report in it at all (before any walk)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

# A word the text is asked about: a literal substring, ``ASYNC_CODE`` (the module has an
# ``async def``), or a function of the settings giving names (configured ones; the last dotted
# segment of one must appear).
ASYNC_CODE = "<async def>"
LOCK_NAME = "<a lock's name>"  # ``lock`` as a whole name, or a name ending in ``_lock`` (any case)


class Whole:
    """A word that counts only as a whole name, not inside a longer one (``redis``, not
    ``redistribute``): for module names, which imports spell whole.  Not a ``str``: its answer
    is cached apart from the plain word's (one instance per word, compared by identity)."""

    __slots__ = ("word",)

    def __init__(self, word: str) -> None:
        self.word = word


Word = str | Whole | Callable[[Any], Iterable[str]]
# No ``\b`` around it: a literal start lets ``re`` jump from one "async" to the next instead of
# trying every position (a tenth of the time on large files).  Without the boundaries it matches
# a little more text ("myasync def" in a comment), which only lets a checker run for nothing.
_ASYNC_DEF = re.compile(r"async[\s\\]+def")
_ASYNC = "async"


# What can make an ``if`` statement's arm dead (``Context.constant_test``): a name bound to
# ``True``/``False`` by a statement of its own (``_IS_SYNC = True``, maybe with a comment after it;
# not ``f(flag=True)`` or a parameter's default), ``TYPE_CHECKING``, or a literal ``if True:``.
# Substring tests only: a regular expression over every file cost more than the handler it spares.
_DECIDING_TEXTS = (
    "TYPE_CHECKING",
    "= True\n",
    "= False\n",
    "= True  #",
    "= False  #",
    "= True #",
    "= False #",
    "if True:",
    "if False:",
)


def defines_coroutines(text: str) -> bool:
    """Whether the source has an ``async def`` (comments and strings aside, a cheap reading)."""
    return _ASYNC in text and _ASYNC_DEF.search(text) is not None


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
            elif word is LOCK_NAME:
                answer = _names_a_lock(text)
            elif type(word) is Whole:
                answer = _whole_name(text, word.word)
            elif callable(word):
                answer = any(name.rpartition(".")[2] in text for name in word(self.settings))
            elif _ASYNC in word and word != _ASYNC:
                # "asyncio", "asyncpg": one scan for "async" answers them all in most sync files
                answer = self.has(_ASYNC) and word in text
            else:
                answer = word in text
            self._answers[word] = answer
        return answer


def _whole_name(text: str, word: str, after_underscore: bool = False) -> bool:
    """Whether ``word`` stands in ``text`` as a whole name, not inside a longer one -- or, with
    ``after_underscore``, also as the end of one after an underscore."""
    size = len(word)
    start = text.find(word)
    while start != -1:
        before = text[start - 1] if start else " "
        after = text[start + size : start + size + 1]
        if ((after_underscore and before == "_") or not (before.isalnum() or before == "_")) and not (
            after.isalnum() or after == "_"
        ):
            return True
        start = text.find(word, start + size)
    return False


def _names_a_lock(text: str) -> bool:
    """Whether ``text`` holds ``lock`` (any case) as a whole name or at the end of one after an
    underscore (``self._lock``, ``WRITE_LOCK``) -- not ``block``, ``clock`` or ``locked``.  Case is
    folded on ASCII: ``str.lower()`` of an ASCII text copies it once, but of a text with one
    non-Latin-1 character it takes twelve bytes per character (a 750 kB file cost 10 MB), so such
    a text's other characters become ``?`` first -- a non-ASCII neighbour then only ever makes
    the answer true for nothing, never false for a lock."""
    if not text.isascii():
        text = text.encode("ascii", "replace").decode("ascii")
    return _whole_name(text.lower(), "lock", after_underscore=True)
