"""A blocking call found by the blocking family's detector: which rule reports it, how it is shown,
and what to use instead."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .calls import Family
from .declarations import (
    BLOCKING_DATABASE,
    BLOCKING_DIRECTORY_SCAN,
    BLOCKING_FILE_IO,
    BLOCKING_FILE_OBJECT_METHOD,
    BLOCKING_HTTP,
    BLOCKING_INPUT,
    BLOCKING_NETWORK,
    BLOCKING_SLEEP,
    BLOCKING_SSL_CONTEXT,
    BLOCKING_SUBPROCESS,
    BLOCKING_WAIT,
)

if TYPE_CHECKING:
    from ...registry import Rule

FAMILY_RULES = {
    Family.SLEEP: BLOCKING_SLEEP,
    Family.HTTP: BLOCKING_HTTP,
    Family.FILE: BLOCKING_FILE_IO,
    Family.SUBPROCESS: BLOCKING_SUBPROCESS,
    Family.DATABASE: BLOCKING_DATABASE,
    Family.INPUT: BLOCKING_INPUT,
    Family.NETWORK: BLOCKING_NETWORK,
    Family.WAIT: BLOCKING_WAIT,
    Family.SCAN: BLOCKING_DIRECTORY_SCAN,
    Family.SSL: BLOCKING_SSL_CONTEXT,
    Family.FILE_OBJECT: BLOCKING_FILE_OBJECT_METHOD,
}


class Blocking:
    """A blocking call found: which rule, what to show, what to use instead."""

    __slots__ = ("call", "replacement", "rule")

    def __init__(self, rule: Rule, call: str, replacement: str) -> None:
        self.rule = rule
        self.call = call
        self.replacement = replacement
