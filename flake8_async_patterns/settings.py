"""User options: parsing, validation and the frozen :class:`Settings` the engine reads.

Every option is a plain string as flake8 hands it over (from the command line or from a config
file -- flake8 does not run config-file values through argparse ``type=`` callables, so validation
lives here, in one place).  A malformed value raises :class:`OptionError`, whose text names the
option and says what was expected; the flake8 adapter turns it into a normal flake8 usage error.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field

DEFAULT_SESSION_NAMES = ("session", "db", "db_session", "async_session")
DEFAULT_SESSION_FACTORIES = (
    "async_session",
    "async_session_maker",
    "AsyncSessionLocal",
    "SessionLocal",
    "async_session_factory",
)

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
_DOTTED_RE = re.compile(rf"^{_IDENT}(\.{_IDENT})*$")
_PATTERN_RE = re.compile(r"^[A-Za-z0-9_*?.\[\]!]+$")
_VERSION_RE = re.compile(r"^(\d+)\.(\d+)$")


class OptionError(ValueError):
    """A malformed option value; the message is shown to the user as is."""


@dataclass(frozen=True)
class BlockingCall:
    """One ``--aio-blocking-calls`` entry: an fnmatch pattern over qualified names."""

    pattern: str
    replacement: str | None = None

    @property
    def is_exact(self) -> bool:
        return not any(ch in self.pattern for ch in "*?[")

    def matches(self, qualified_name: str) -> bool:
        if self.is_exact:
            return qualified_name == self.pattern
        return fnmatch.fnmatchcase(qualified_name, self.pattern)


@dataclass(frozen=True)
class Settings:
    """Everything a lint run is configured with; built once per flake8 process."""

    enabled: frozenset[str] | None = None  # None: every registered code
    python_version: tuple[int, int] | None = None
    session_names: tuple[str, ...] = DEFAULT_SESSION_NAMES
    session_factories: tuple[str, ...] = DEFAULT_SESSION_FACTORIES
    blocking_calls: tuple[BlockingCall, ...] = field(default=())

    def is_enabled(self, code: str) -> bool:
        return self.enabled is None or code in self.enabled

    def wants(self, rule) -> bool:
        """Whether ``rule`` runs: selected, and its suggestion fits the target Python."""
        return self.is_enabled(rule.code) and self.python_at_least(rule.min_python)

    def python_at_least(self, version: tuple[int, int] | None) -> bool:
        """Whether suggestions that need ``version`` may be made for the target Python."""
        return version is None or self.python_version is None or self.python_version >= version


def _items(value: str) -> list[str]:
    """Split a comma- and/or newline-separated list, dropping blanks."""
    return [part.strip() for part in re.split(r"[,\n]", value) if part.strip()]


def parse_python_version(value: str | None, option: str = "--aio-python-version") -> tuple[int, int] | None:
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    match = _VERSION_RE.match(text)
    if not match or int(match.group(1)) != 3:
        raise OptionError(f"{option}: expected a Python 3 version like '3.11', got {text!r}")
    return int(match.group(1)), int(match.group(2))


def parse_names(value: str | None, option: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    names = _items(str(value))
    for name in names:
        if not _DOTTED_RE.match(name):
            raise OptionError(
                f"{option}: expected comma-separated Python names (like 'session' or "
                f"'db.SessionLocal'), got {name!r}"
            )
    return tuple(names)


def parse_blocking_calls(value: str | None, option: str = "--aio-blocking-calls") -> tuple[BlockingCall, ...]:
    if value is None:
        return ()
    entries = []
    for item in _items(str(value)):
        name, arrow, replacement = item.partition("->")
        name, replacement = name.strip(), replacement.strip()
        problem = None
        if not name:
            problem = "the qualified name before '->' is empty"
        elif not _PATTERN_RE.match(name) or name.startswith(".") or name.endswith(".") or ".." in name:
            problem = "a dotted qualified name such as 'mylib.client.fetch' (fnmatch '*' allowed)"
        elif arrow and not replacement:
            problem = "a replacement after '->'"
        elif "." not in name and "*" not in name:
            problem = "a qualified name with its module, such as 'mylib.fetch' (not a bare name)"
        if problem:
            raise OptionError(
                f"{option}: entry {item!r} is malformed; expected "
                f"'qualified.name' or 'qualified.name->replacement': {problem}"
            )
        entries.append(BlockingCall(name, replacement or None))
    return tuple(entries)


def build_settings(
    *,
    enabled: frozenset[str] | None = None,
    python_version: str | None = None,
    session_names: str | None = None,
    session_factories: str | None = None,
    blocking_calls: str | None = None,
) -> Settings:
    """Validate raw option strings; raises :class:`OptionError` naming the bad option."""
    return Settings(
        enabled=enabled,
        python_version=parse_python_version(python_version),
        session_names=parse_names(session_names, "--aio-session-names", DEFAULT_SESSION_NAMES),
        session_factories=parse_names(
            session_factories, "--aio-session-factories", DEFAULT_SESSION_FACTORIES
        ),
        blocking_calls=parse_blocking_calls(blocking_calls),
    )
