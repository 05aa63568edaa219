"""Where ``aio-lint`` takes its configuration from, and what it makes of it.

Sources, a later one winning option by option: the ``[flake8]`` section of the nearest
``setup.cfg``, ``tox.ini`` or ``.flake8`` (found as flake8 finds it: from the current directory
up, not into the home directory), the ``[tool.flake8-async-patterns]`` table of the nearest
``pyproject.toml`` that has one, then the command line.  ``--config PATH`` reads that one file
instead of searching; ``--isolated`` reads none.

Values mean what they mean to flake8, because flake8's own helpers read them: lists split on
commas and whitespace, ``per-file-ignores`` by flake8's parser, path patterns made absolute from
the directory of the file that sets them (the current directory for the command line), and
select/ignore decided by flake8's ``DecisionEngine`` -- default selection, ``extend-select``, an
explicit code beating the default-off list, the longest prefix winning.  A pyproject table may also
give lists as TOML arrays, and ``per-file-ignores`` as a table of pattern -> codes.  None of this
loads pyflakes or pycodestyle.  A malformed value raises :class:`..settings.OptionError`, whose
text names the option, says what was expected and where the value came from.
"""

from __future__ import annotations

import configparser
import os
import sys
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, NamedTuple

from flake8 import defaults as flake8_defaults
from flake8 import utils as flake8_utils
from flake8.exceptions import ExecutionError
from flake8.style_guide import Decision, DecisionEngine

from ..registry import PREFIX
from ..rules import RULES
from ..settings import OPTIONS, Option, OptionError, Settings

TABLE = "flake8-async-patterns"  # [tool.flake8-async-patterns] in pyproject.toml
INI_FILES = ("setup.cfg", "tox.ini", ".flake8")
DEFAULT_EXCLUDE = (*flake8_defaults.EXCLUDE, ".venv", "build", "dist")
CODE_LISTS = ("select", "extend-select", "ignore", "extend-ignore")
PATH_LISTS = ("exclude", "extend-exclude")
AIO_OPTIONS: dict[str, Option] = {option.flag[2:]: option for option in OPTIONS}
KNOWN = (*CODE_LISTS, "per-file-ignores", *PATH_LISTS, *AIO_OPTIONS)
COMMAND_LINE = "the command line"


class Value(NamedTuple):
    """One option's raw value and where it came from."""

    raw: Any
    base: str  # the directory relative path patterns in it start from
    origin: str  # a file's path, or COMMAND_LINE


def _key(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def _where(value: Value) -> str:
    return "" if value.origin == COMMAND_LINE else f" (in {value.origin})"


# --- finding and reading the files --------------------------------------------------------------
def _directories(start: str) -> Iterator[str]:
    """``start`` and its parents, stopping below the home directory as flake8 does."""
    home = os.path.expanduser("~")
    path = os.path.abspath(start)
    while True:
        yield path
        parent = os.path.dirname(path)
        if parent in (path, home):
            return
        path = parent


def _load_toml(path: str) -> dict:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise OptionError(f"{path}: not valid TOML: {error}") from None
    except OSError as error:
        raise OptionError(f"{path}: cannot be read: {error.strerror or error}") from None


def read_pyproject(path: str) -> dict[str, Value] | None:
    """The ``[tool.flake8-async-patterns]`` table of ``path``; None if it has none."""
    table = _load_toml(path).get("tool", {}).get(TABLE)
    if table is None:
        return None
    if not isinstance(table, dict):
        raise OptionError(f"{path}: [tool.{TABLE}] must be a table")
    base = os.path.dirname(os.path.abspath(path))
    found = {}
    for name, raw in table.items():
        key = _key(name)
        if key not in KNOWN:
            raise OptionError(f"{path}: unknown option {name!r} in [tool.{TABLE}]; expected one of {', '.join(KNOWN)}")
        found[key] = Value(raw, base, path)
    return found


def _read_ini(path: str) -> configparser.RawConfigParser | None:
    parser = configparser.RawConfigParser()
    try:
        parser.read(path, encoding="UTF-8")
    except (UnicodeDecodeError, configparser.Error):
        return None  # flake8 ignores an unparseable candidate while searching
    return parser


def read_ini(path: str, *, explicit: bool = False) -> dict[str, Value] | None:
    """Our options from the ``[flake8]`` section of ``path`` (others are flake8's, not ours);
    None if it has no such section."""
    if explicit:
        parser = configparser.RawConfigParser()
        try:
            with open(path, encoding="UTF-8") as handle:
                parser.read_file(handle)
        except (OSError, UnicodeDecodeError, configparser.Error) as error:
            raise OptionError(f"{path}: cannot be read as a config file: {error}") from None
    else:
        parser = _read_ini(path)
    if parser is None or not parser.has_section("flake8"):
        return None
    base = os.path.dirname(os.path.abspath(path))
    return {_key(name): Value(raw, base, path) for name, raw in parser.items("flake8") if _key(name) in KNOWN}


def _find_ini(start: str) -> str | None:
    for directory in _directories(start):
        for name in INI_FILES:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                parser = _read_ini(path)
                if parser is not None and (parser.has_section("flake8") or parser.has_section("flake8:local-plugins")):
                    return path
    return None


def _find_pyproject(start: str) -> tuple[str, dict[str, Value]] | None:
    for directory in _directories(start):
        path = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(path):
            found = read_pyproject(path)
            if found is not None:
                return path, found
    return None


def file_values(cwd: str, config: str | None = None, isolated: bool = False) -> tuple[dict[str, Value], list[str]]:
    """The options set by configuration files, and the files read."""
    if isolated:
        return {}, []
    if config is not None:
        path = os.path.join(cwd, config)
        if not os.path.isfile(path):
            raise OptionError(
                f"--config: expected a pyproject.toml, setup.cfg, tox.ini or .flake8 file, got {config!r}"
            )
        found = read_pyproject(path) if path.endswith(".toml") else read_ini(path, explicit=True)
        return dict(found or {}), [path]
    values: dict[str, Value] = {}
    read = []
    ini = _find_ini(cwd)
    if ini is not None:
        values.update(read_ini(ini) or {})
        read.append(ini)
    pyproject = _find_pyproject(cwd)
    if pyproject is not None:
        values.update(pyproject[1])  # pyproject wins, option by option
        read.append(pyproject[0])
    return values, read


def command_line_values(namespace: Any, cwd: str) -> dict[str, Value]:
    """Options given as flags (argparse destinations: ``Option.dest``, or the name with '_' for
    '-'); unset ones are None."""
    found = {}
    for key in KNOWN:
        dest = AIO_OPTIONS[key].dest if key in AIO_OPTIONS else key.replace("-", "_")
        raw = getattr(namespace, dest, None)
        if raw is not None:
            found[key] = Value(raw, cwd, COMMAND_LINE)
    return found


# --- values -------------------------------------------------------------------------------------
def _strings(value: Value, key: str, expected: str) -> list[str]:
    """A string or a list of strings, split as flake8 splits comma-separated lists."""
    raw = value.raw
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise OptionError(f"--{key}: expected {expected} (a string or a list of strings), got {raw!r}{_where(value)}")
    return [part for item in items for part in flake8_utils.parse_comma_separated_list(item)]


def _codes(value: Value, key: str) -> list[str]:
    codes = _strings(value, key, "error codes or prefixes")
    for code in codes:
        if not flake8_defaults.VALID_CODE_PREFIX.match(code):
            raise OptionError(
                f"--{key}: expected error codes or prefixes such as '{PREFIX}' or '{PREFIX}1' "
                f"(upper-case letters, then up to three digits), got {code!r}{_where(value)}"
            )
    return codes


def _per_file_ignores(value: Value) -> list[tuple[str, list[str]]]:
    """``(absolute-or-name pattern, codes)`` pairs, from a flake8-style string (or list of
    lines) or from a TOML table of pattern -> codes."""
    key, raw = "per-file-ignores", value.raw
    expected = "'PATTERN: CODES' pairs such as 'tests/*: AIO2' (a string or a table of pattern -> codes)"
    if isinstance(raw, dict):
        pairs = []
        for pattern, codes in raw.items():
            pairs.append((pattern, _codes(Value(codes, value.base, value.origin), key)))
    elif isinstance(raw, str) or (isinstance(raw, list) and all(isinstance(item, str) for item in raw)):
        try:
            pairs = flake8_utils.parse_files_to_codes_mapping(raw)
        except ExecutionError:
            raise OptionError(f"--{key}: expected {expected}, got {raw!r}{_where(value)}") from None
        for _, codes in pairs:
            _codes(Value(codes, value.base, value.origin), key)
    else:
        raise OptionError(f"--{key}: expected {expected}, got {raw!r}{_where(value)}")
    return [(flake8_utils.normalize_path(pattern, value.base), codes) for pattern, codes in pairs]


def _aio_value(option: Option, value: Value) -> Any:
    raw = value.raw
    if isinstance(raw, list) and not all(isinstance(item, (str, int, float)) for item in raw):
        raise OptionError(f"{option.flag}: expected a string or a list of strings, got {raw!r}{_where(value)}")
    try:
        return option.value(raw)
    except OptionError as error:
        raise OptionError(f"{error}{_where(value)}") from None


# --- the result ---------------------------------------------------------------------------------
class Guide:
    """What applies to the files a ``per-file-ignores`` pattern matches (``pattern`` None: to
    every other file): flake8's decision engine and the settings that run the selected rules."""

    __slots__ = ("decider", "pattern", "settings")

    def __init__(self, pattern: str | None, decider: DecisionEngine, settings: Settings) -> None:
        self.pattern = pattern
        self.decider = decider
        self.settings = settings

    def reports(self, code: str) -> bool:
        return self.decider.decision_for(code) is Decision.Selected


class LintConfig:
    """Everything one ``aio-lint`` run is configured with.  Picklable: worker processes get it."""

    __slots__ = ("exclude", "files", "guides")

    def __init__(self, guides: list[Guide], exclude: list[str], files: list[str]) -> None:
        self.guides = guides  # the default guide first, then one per per-file-ignores pattern
        self.exclude = exclude
        self.files = files  # the configuration files read

    def guide_for(self, filename: str) -> Guide:
        """The guide of the longest matching pattern, as flake8's ``StyleGuideManager`` picks it."""
        best = self.guides[0]
        for guide in self.guides[1:]:
            if len(guide.pattern) > len(best.pattern or "") and _matches(filename, [guide.pattern]):
                best = guide
        return best

    def is_excluded(self, path: str) -> bool:
        return _matches(path, self.exclude)


def _matches(path: str, patterns: list[str]) -> bool:
    """flake8's match of a path against exclude-style patterns: its name, or its absolute path."""
    if not patterns:
        return False
    name = os.path.basename(path)
    if name not in {".", ".."} and flake8_utils.fnmatch(name, patterns):
        return True
    return flake8_utils.fnmatch(os.path.abspath(path), patterns)


def _selection(values: dict[str, Value]) -> SimpleNamespace:
    """What flake8's ``DecisionEngine`` reads, as flake8 would have it with only this plugin."""
    chosen = {key: (_codes(values[key], key) if key in values else None) for key in CODE_LISTS}
    return SimpleNamespace(
        select=chosen["select"],
        extend_select=chosen["extend-select"],
        ignore=chosen["ignore"],
        extend_ignore=chosen["extend-ignore"],
        extended_default_select=[PREFIX],
        extended_default_ignore=[rule.code for rule in RULES if not rule.default_enabled],
    )


def _guide(pattern: str | None, options: SimpleNamespace, base: Settings) -> Guide:
    decider = DecisionEngine(options)
    enabled = frozenset(rule.code for rule in RULES if decider.decision_for(rule.code) is Decision.Selected)
    return Guide(pattern, decider, base.replace(enabled=enabled))


def build(values: dict[str, Value], files: list[str] | None = None) -> LintConfig:
    """The run's configuration from merged option values; raises :class:`OptionError`."""
    base = Settings(
        **{
            option.field: _aio_value(option, values[key]) if key in values else option.default
            for key, option in AIO_OPTIONS.items()
        }
    )
    options = _selection(values)
    guides = [_guide(None, options, base)]
    if "per-file-ignores" in values:
        for pattern, codes in _per_file_ignores(values["per-file-ignores"]):
            extended = SimpleNamespace(**vars(options))
            extended.extend_ignore = [*(options.extend_ignore or []), *codes]
            guides.append(_guide(pattern, extended, base))
    if "exclude" in values:
        exclude = flake8_utils.normalize_paths(
            _strings(values["exclude"], "exclude", "path patterns"), values["exclude"].base
        )
    else:
        exclude = list(DEFAULT_EXCLUDE)
    if "extend-exclude" in values:
        extra = values["extend-exclude"]
        exclude += flake8_utils.normalize_paths(_strings(extra, "extend-exclude", "path patterns"), extra.base)
    return LintConfig(guides, exclude, list(files or []))


def load(namespace: Any, cwd: str | None = None) -> LintConfig:
    """Configuration files (unless ``namespace.isolated``), then the flags in ``namespace``."""
    cwd = cwd or os.getcwd()
    values, files = file_values(cwd, getattr(namespace, "config", None), getattr(namespace, "isolated", False))
    values.update(command_line_values(namespace, cwd))
    return build(values, files)
