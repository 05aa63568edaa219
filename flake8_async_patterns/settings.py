"""User options: one table (:data:`OPTIONS`), parsing and validation, and the frozen
:class:`Settings` the engine reads.

The flake8 adapter registers every :class:`Option` of the table; README's options table and each
rule's "Options" line are generated from it.  Values arrive as flake8 hands them over, from the
command line or a config file as a string (flake8 runs config values through no argparse
``type=``), so validation lives here, in one place.  Lists are split here too, on commas and
newlines only: flake8's ``comma_separated_list`` also splits on spaces, which would turn a
mistyped ``not a name`` into three valid names.  A malformed
value raises :class:`OptionError`, whose text names the option and says what was expected; the
flake8 adapter turns it into a normal flake8 usage error.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .registry import Rule

DEFAULT_SESSION_NAMES = ("session", "db", "db_session", "async_session")
DEFAULT_SESSION_FACTORIES = (
    "async_session",
    "async_session_maker",
    "AsyncSessionLocal",
    "SessionLocal",
    "async_session_factory",
)

_IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
# Patterns, not compiled regexes: ``re`` compiles one the first time an option value needs it
# (most runs set none of these options and never pay for the compilation).
_DOTTED_RE = rf"^{_IDENT}(\.{_IDENT})*$"
_PATTERN_RE = r"^[A-Za-z0-9_*?.\[\]!]+$"
_VERSION_RE = r"^(\d+)\.(\d+)$"
KNOWN_MINORS = tuple(range(8, 16))  # Python 3.8 to 3.15: the versions the rules know about


class OptionError(ValueError):
    """A malformed option value; the message is shown to the user as is."""


class BlockingCall:
    """One ``--aio-blocking-calls`` entry: an fnmatch pattern over qualified names.  A value:
    equal to and hashed like its (pattern, replacement) (a plain class -- a dataclass costs a
    millisecond at every start-up)."""

    __slots__ = ("pattern", "replacement")

    def __init__(self, pattern: str, replacement: str | None = None) -> None:
        self.pattern = pattern
        self.replacement = replacement

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BlockingCall):
            return NotImplemented
        return (self.pattern, self.replacement) == (other.pattern, other.replacement)

    def __hash__(self) -> int:
        return hash((self.pattern, self.replacement))

    def __repr__(self) -> str:
        return f"BlockingCall({self.pattern!r}, {self.replacement!r})"

    @property
    def is_exact(self) -> bool:
        return not any(ch in self.pattern for ch in "*?[")

    def matches(self, qualified_name: str) -> bool:
        if self.is_exact:
            return qualified_name == self.pattern
        return fnmatch.fnmatchcase(qualified_name, self.pattern)


def _items(value: str | Iterable[str]) -> list[str]:
    """Split a comma- and/or newline-separated list (or flatten a list of such), dropping blanks."""
    if not isinstance(value, str):
        value = ",".join(str(part) for part in value)
    return [part.strip() for part in re.split(r"[,\n]", value) if part.strip()]


def parse_python_version(value: Any, option: str = "--aio-python-version") -> tuple[int, int] | None:
    if value is None or not str(value).strip():
        return None
    text = str(value).strip()
    match = re.match(_VERSION_RE, text)
    if not match or int(match.group(1)) != 3:
        raise OptionError(f"{option}: expected a Python 3 version like '3.11', got {text!r}")
    minor = int(match.group(2))
    if minor not in KNOWN_MINORS:
        hint = ""
        if text == "3.1":  # 3.10 written as a TOML or YAML number
            hint = '; a config file\'s number 3.10 reads as 3.1: quote it, "3.10"'
        raise OptionError(
            f"{option}: expected a Python version the plugin knows, 3.{KNOWN_MINORS[0]} to "
            f"3.{KNOWN_MINORS[-1]}, got {text!r}{hint}"
        )
    return 3, minor


def parse_names(value: Any, option: str, default: tuple[str, ...]) -> tuple[str, ...]:
    if value is None:
        return default
    names = _items(value)
    for name in names:
        if not re.match(_DOTTED_RE, name):
            raise OptionError(
                f"{option}: expected comma-separated Python names (like 'session' or 'db.SessionLocal'), got {name!r}"
            )
    return tuple(names)


def parse_blocking_calls(value: Any, option: str = "--aio-blocking-calls") -> tuple[BlockingCall, ...]:
    if value is None:
        return ()
    entries = []
    for item in _items(value):
        name, arrow, replacement = item.partition("->")
        name, replacement = name.strip(), replacement.strip()
        problem = None
        if not name:
            problem = "the qualified name before '->' is empty"
        elif not re.match(_PATTERN_RE, name) or name.startswith(".") or name.endswith(".") or ".." in name:
            problem = "a dotted qualified name such as 'mylib.client.fetch' (fnmatch '*' allowed)"
        elif arrow and not replacement:
            problem = "a replacement after '->'"
        elif "->" in replacement:
            problem = "one '->' (a name, then its replacement)"
        elif not name.replace("*", "").replace("?", "").replace(".", ""):
            problem = "a pattern naming a module or a call; one of wildcards only would match every call"
        elif "." not in name and "*" not in name:
            problem = "a qualified name with its module, such as 'mylib.fetch' (not a bare name)"
        if problem:
            raise OptionError(
                f"{option}: entry {item!r} is malformed; expected "
                f"'qualified.name' or 'qualified.name->replacement': {problem}"
            )
        entries.append(BlockingCall(name, replacement or None))
    return tuple(entries)


class Option:
    """One ``--aio-*`` option: its flag, the :class:`Settings` field it sets, how its raw value
    is parsed, its default and its help.  Read-only by convention."""

    __slots__ = ("default", "default_text", "field", "flag", "help", "parse")

    def __init__(
        self,
        *,
        flag: str,
        field: str,
        parse: Callable[[Any], Any],
        default: Any,
        default_text: str,
        help: str,
    ) -> None:
        self.flag = flag
        self.field = field
        self.parse = parse  # raw value (never None) -> parsed value; raises OptionError
        self.default = default
        self.default_text = default_text  # the default as README shows it
        self.help = help

    @property
    def dest(self) -> str:
        """The attribute flake8 stores the raw value under."""
        return "aio_" + self.field

    def value(self, raw: Any) -> Any:
        return self.default if raw is None else self.parse(raw)


PYTHON_VERSION = Option(
    flag="--aio-python-version",
    field="python_version",
    parse=parse_python_version,
    default=None,
    default_text="unset: any",
    help=(
        "Target Python version (e.g. 3.10): suggestions that need a newer Python are not made "
        "(asyncio.TaskGroup and asyncio.timeout need 3.11)."
    ),
)
SESSION_NAMES = Option(
    flag="--aio-session-names",
    field="session_names",
    parse=lambda raw: parse_names(raw, "--aio-session-names", DEFAULT_SESSION_NAMES),
    default=DEFAULT_SESSION_NAMES,
    default_text=", ".join(DEFAULT_SESSION_NAMES),
    help=(
        "Comma-separated names taken as SQLAlchemy AsyncSession receivers inside coroutines; replaces the default list."
    ),
)
SESSION_FACTORIES = Option(
    flag="--aio-session-factories",
    field="session_factories",
    parse=lambda raw: parse_names(raw, "--aio-session-factories", DEFAULT_SESSION_FACTORIES),
    default=DEFAULT_SESSION_FACTORIES,
    default_text=", ".join(DEFAULT_SESSION_FACTORIES),
    help="Comma-separated names of session factories, called as FACTORY(); replaces the default list.",
)
BLOCKING_CALLS = Option(
    flag="--aio-blocking-calls",
    field="blocking_calls",
    parse=parse_blocking_calls,
    default=(),
    default_text="none",
    help=("Extra blocking calls: 'pkg.mod.func' or 'pkg.mod.func->replacement', comma-separated, '*' as in fnmatch."),
)

DEFAULT_TEST_FILES = ("test_*.py", "*_test.py", "conftest.py", "*/tests/*", "*/test/*")


def parse_file_patterns(value: Any, option: str = "--aio-test-files") -> tuple[str, ...]:
    """fnmatch patterns; blank items are dropped and an empty value turns the policy off."""
    patterns = _items(value)
    for pattern in patterns:
        depth = 0
        for char in pattern:
            depth += char == "["
            depth -= char == "]" and depth > 0
        if depth:
            raise OptionError(
                f"{option}: pattern {pattern!r} has an unbalanced '['; expected fnmatch patterns "
                "such as 'test_*.py' or '*/tests/*'"
            )
    return tuple(pattern.replace("\\", "/") for pattern in patterns)


TEST_FILES = Option(
    flag="--aio-test-files",
    field="test_files",
    parse=parse_file_patterns,
    default=DEFAULT_TEST_FILES,
    default_text=", ".join(DEFAULT_TEST_FILES),
    help=(
        "Comma-separated fnmatch patterns of test files, where rules about event-loop latency are not "
        "reported (a pattern with '/' matches the path from the current directory, one without matches the "
        "file name); an empty value reports every rule everywhere."
    ),
)

# Command-line programs: a command runs alone on its own event loop, so blocking that loop
# delays nothing but the command itself.
# Benchmark programs are command-line programs too: each runs alone on its own loop.  Not
# ``*/examples/*``: an example is often an application (this project's own shop example), and
# users copy it.
DEFAULT_CLI_FILES = (
    "__main__.py",
    "cli.py",
    "*/cli/*",
    "*/scripts/*",
    "*/management/commands/*",
    "*/benchmarks/*",
)
CLI_FILES = Option(
    flag="--aio-cli-files",
    field="cli_files",
    parse=lambda raw: parse_file_patterns(raw, "--aio-cli-files"),
    default=DEFAULT_CLI_FILES,
    default_text=", ".join(DEFAULT_CLI_FILES),
    help=(
        "Comma-separated fnmatch patterns of command-line modules, where rules about blocking the event "
        "loop are not reported (matched like --aio-test-files); an empty value reports them everywhere."
    ),
)

_TRUE, _FALSE = frozenset({"true", "yes", "on", "1"}), frozenset({"false", "no", "off", "0"})


def parse_bool(value: Any, option: str) -> bool:
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise OptionError(f"{option}: expected true or false, got {str(value).strip()!r}")


EXPIRE_ON_COMMIT = Option(
    flag="--aio-expire-on-commit",
    field="expire_on_commit",
    parse=lambda raw: parse_bool(raw, "--aio-expire-on-commit"),
    default=True,
    default_text="true",
    help=(
        "Whether sessions whose factory is not in the linted module expire their objects on commit "
        "(SQLAlchemy's default); false when the project's factory sets expire_on_commit=False elsewhere."
    ),
)

OPTIONS: tuple[Option, ...] = (
    PYTHON_VERSION,
    SESSION_NAMES,
    SESSION_FACTORIES,
    BLOCKING_CALLS,
    TEST_FILES,
    CLI_FILES,
    EXPIRE_ON_COMMIT,
)


class Settings:
    """Everything a lint run is configured with; built once per flake8 process.  Read-only, equal
    and hashed by its fields (a plain class: a dataclass would import ``dataclasses`` and generate
    its methods at every start-up)."""

    FIELDS = (
        "enabled",
        "python_version",
        "session_names",
        "session_factories",
        "blocking_calls",
        "test_files",
        "cli_files",
        "expire_on_commit",
    )
    __slots__ = (*FIELDS, "memo")

    def __init__(
        self,
        enabled: frozenset[str] | None = None,  # None: every registered code
        python_version: tuple[int, int] | None = PYTHON_VERSION.default,
        session_names: tuple[str, ...] = SESSION_NAMES.default,
        session_factories: tuple[str, ...] = SESSION_FACTORIES.default,
        blocking_calls: tuple[BlockingCall, ...] = BLOCKING_CALLS.default,
        test_files: tuple[str, ...] = TEST_FILES.default,
        cli_files: tuple[str, ...] = CLI_FILES.default,
        expire_on_commit: bool = EXPIRE_ON_COMMIT.default,
    ) -> None:
        init = object.__setattr__
        init(self, "enabled", enabled)
        init(self, "python_version", python_version)
        init(self, "session_names", session_names)
        init(self, "session_factories", session_factories)
        init(self, "blocking_calls", blocking_calls)
        init(self, "test_files", test_files)
        init(self, "cli_files", cli_files)
        init(self, "expire_on_commit", expire_on_commit)
        # Scratch space for what the engine derives from these settings alone (which checkers
        # run, the settings of test files): computed for the first file, reused for the others.
        # Not a field: equality, hashing and ``replace`` ignore it.
        init(self, "memo", {})

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self.FIELDS)

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied (its own, empty ``memo``)."""
        return Settings(**{**dict(zip(self.FIELDS, self._values(), strict=True)), **changes})

    def __reduce__(self) -> tuple:
        """Pickled as its fields (a process pool may ship it), with a fresh ``memo``."""
        return Settings, self._values()

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Settings is read-only (cannot set {name!r})")

    def __eq__(self, other: object) -> bool:
        return self._values() == other._values() if isinstance(other, Settings) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in zip(self.FIELDS, self._values(), strict=True))
        return f"Settings({fields})"

    def wants(self, rule: Rule) -> bool:
        """Whether ``rule`` runs: selected, and its suggestion fits the target Python."""
        return (self.enabled is None or rule.code in self.enabled) and self.python_at_least(rule.min_python)

    def python_at_least(self, version: tuple[int, int] | None) -> bool:
        """Whether suggestions that need ``version`` may be made for the target Python."""
        return version is None or self.python_version is None or self.python_version >= version

    def is_test_file(self, filename: str | None) -> bool:
        """Whether ``filename`` matches ``--aio-test-files``."""
        return self.file_kinds(filename)[0]

    def is_cli_file(self, filename: str | None) -> bool:
        """Whether ``filename`` matches ``--aio-cli-files``."""
        return self.file_kinds(filename)[1]

    def file_kinds(self, filename: str | None) -> tuple[bool, bool]:
        """(a test file, a command-line module) -- its name and path worked out once for both:
        a pattern without '/' matches the file name, one with '/' the path from the current
        directory (as '/a/b.py', so '*/tests/*' also matches a top-level 'tests/' folder; a file
        outside the current directory is matched by its absolute path)."""
        if not filename or filename.startswith("<") or not (self.test_files or self.cli_files):
            return False, False
        name = filename.replace(os.sep, "/").rpartition("/")[2]
        relative: list[str] = []  # worked out on the first pattern with a '/'

        def matches(patterns: tuple[str, ...]) -> bool:
            for pattern in patterns:
                if "/" not in pattern:
                    if fnmatch.fnmatchcase(name, pattern):
                        return True
                    continue
                if not relative:
                    relative.append(_relative_path(filename))
                if fnmatch.fnmatchcase(relative[0], pattern):
                    return True
            return False

        return matches(self.test_files), matches(self.cli_files)


def _relative_path(filename: str) -> str:
    """'/'-separated path of ``filename`` from the current directory, with a leading '/'."""
    if os.path.isabs(filename):
        cwd = os.getcwd()
        inside = filename.startswith(cwd.rstrip(os.sep) + os.sep)
        relative = os.path.normpath(filename[len(cwd) :] if inside else filename)
    else:  # what flake8 passes: a path from the current directory, normalised without a syscall
        relative = os.path.normpath(filename)
        if relative == ".." or relative.startswith(".." + os.sep):
            relative = os.path.abspath(filename)
    return "/" + relative.replace(os.sep, "/").lstrip("/")


def settings_from_flags(flags: Iterable[str], *, enabled: frozenset[str] | None = None) -> Settings:
    """Settings from command-line style flags: ``["--aio-python-version=3.10", ...]``."""
    by_flag = {option.flag: option for option in OPTIONS}
    raw = {}
    for flag in flags:
        name, _, value = flag.partition("=")
        option = by_flag.get("--" + name.lstrip("-"))
        if option is None:
            raise OptionError(f"unknown option {name!r}")
        raw[option.field] = value
    return build_settings(enabled=enabled, **raw)


def build_settings(*, enabled: frozenset[str] | None = None, **raw: Any) -> Settings:
    """Settings from raw option values keyed by field name (``session_names="a,b"``); raises
    :class:`OptionError` naming the bad option."""
    known = {option.field: option for option in OPTIONS}
    unknown = set(raw) - set(known)
    if unknown:
        raise TypeError(f"unknown option field(s): {', '.join(sorted(unknown))}")
    values = {name: option.value(raw.get(name)) for name, option in known.items()}
    return Settings(enabled=enabled, **values)
