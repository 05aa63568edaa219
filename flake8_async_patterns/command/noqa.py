"""``# noqa`` as flake8 applies it, with flake8's own patterns.

* A line of the file that is ``# flake8: noqa`` (any case, ``:`` or ``=``) skips the whole file.
* ``# noqa`` suppresses every finding reported on its line; ``# noqa: CODES`` (``:`` then codes
  separated by commas and/or whitespace, matched as prefixes) suppresses those.
* "Its line" is the line flake8 searches: the physical lines of one tokenizer line joined -- the
  lines between two NEWLINE/NL tokens, so a string spanning lines 3-5, or a backslash
  continuation, shares one ``# noqa`` among all its lines, while a bracketed expression broken
  over lines does not (flake8's ``FileProcessor._noqa_line_mapping``, rebuilt here with the
  ``tokenize`` module).  A file that does not tokenize falls back to the physical line.

Tokenizing is as slow as parsing, so it happens only for a file that has findings and mentions
``noqa`` at all.
"""

from __future__ import annotations

import re
import tokenize

from flake8.defaults import NOQA_FILE, NOQA_INLINE_REGEXP
from flake8.utils import parse_comma_separated_list

_MENTIONS_FLAKE8 = re.compile("flake8", re.IGNORECASE)
_MENTIONS_NOQA = re.compile("noqa", re.IGNORECASE)
_SKIPPED_TOKENS = (tokenize.ENDMARKER, tokenize.DEDENT)
_LINE_ENDS = (tokenize.NL, tokenize.NEWLINE)


def file_is_ignored(text: str, lines: list[str]) -> bool:
    """Whether a ``# flake8: noqa`` line skips the file (``text`` is ``lines`` joined)."""
    return _MENTIONS_FLAKE8.search(text) is not None and any(NOQA_FILE.match(line) for line in lines)


def may_suppress(text: str) -> bool:
    """Whether any finding of this file can be suppressed by a ``# noqa`` comment."""
    return _MENTIONS_NOQA.search(text) is not None


def noqa_lines(lines: list[str]) -> dict[int, str]:
    """Line number -> the text flake8 searches for ``# noqa`` when a finding is on that line."""
    line_iter = iter(lines)
    try:
        tokens = list(tokenize.generate_tokens(lambda: next(line_iter)))
    except (tokenize.TokenError, SyntaxError):
        return {}
    mapping: dict[int, str] = {}
    unset = len(lines) + 2
    first, last = unset, -1
    for kind, _, (start, _), (end, _), _ in tokens:
        if kind in _SKIPPED_TOKENS:
            continue
        first = min(first, start)
        last = max(last, end)
        if kind in _LINE_ENDS:
            joined = "".join(lines[first - 1 : last])
            for number in range(first, last + 1):
                mapping[number] = joined
            first, last = unset, -1
    return mapping


def is_suppressed(code: str, line: int, mapping: dict[int, str], lines: list[str]) -> bool:
    """Whether a ``# noqa`` comment suppresses ``code`` reported at ``line`` (flake8's
    ``Violation.is_inline_ignored``)."""
    searched = mapping.get(line)
    if searched is None:
        searched = lines[line - 1] if 0 < line <= len(lines) else ""
    match = NOQA_INLINE_REGEXP.search(searched)
    if match is None:
        return False
    listed = match.group("codes")
    if listed is None:
        return True
    codes = set(parse_comma_separated_list(listed))
    return code in codes or code.startswith(tuple(codes))
