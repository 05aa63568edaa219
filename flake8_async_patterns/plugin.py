"""The flake8 adapter: options in, diagnostics out.  No lint logic lives here."""

from __future__ import annotations

import argparse
import ast
import logging
from typing import Any, Iterator

from . import __version__
from .engine import Engine
from .registry import all_rules, default_off_codes
from .settings import OptionError, Settings, build_settings

LOG = logging.getLogger(__name__)
_SETTINGS_ATTR = "_aio_settings"

_OPTIONS = (
    (
        "--aio-python-version",
        "python_version",
        "Target Python version (e.g. 3.10): suppress suggestions that need a newer Python "
        "(asyncio.TaskGroup and asyncio.timeout need 3.11).",
    ),
    (
        "--aio-session-names",
        "session_names",
        "Comma-separated names treated as SQLAlchemy AsyncSession receivers in async code "
        "(replaces the default: session, db, db_session, async_session).",
    ),
    (
        "--aio-session-factories",
        "session_factories",
        "Comma-separated names of AsyncSession factories, called as FACTORY() (replaces the "
        "default: async_session, async_session_maker, AsyncSessionLocal, SessionLocal, "
        "async_session_factory).",
    ),
    (
        "--aio-blocking-calls",
        "blocking_calls",
        "Comma-separated extra blocking calls (configured-blocking-call rule): 'pkg.mod.func' or "
        "'pkg.mod.func->replacement'; '*' matches like fnmatch over the qualified name.",
    ),
)


def _enabled_codes(options: argparse.Namespace) -> frozenset[str] | None:
    """The codes flake8 would report, decided by flake8's own select/ignore logic, so rules
    that nobody selected are never run.  None (run everything) if flake8's internals differ."""
    try:
        from flake8.style_guide import Decision, DecisionEngine

        decider = DecisionEngine(options)
        return frozenset(
            rule.code for rule in all_rules() if decider.decision_for(rule.code) is Decision.Selected
        )
    except Exception:  # pragma: no cover - defensive against flake8 internals changing
        LOG.debug("flake8-async-patterns: could not pre-compute selected codes", exc_info=True)
        return None


class AsyncPatternsChecker:
    """flake8 AST plugin for the ``AIO`` codes."""

    name = "flake8-async-patterns"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str = "", options: Any = None) -> None:
        self.tree = tree
        self.filename = filename
        settings = getattr(options, _SETTINGS_ATTR, None)
        self.settings: Settings = settings if isinstance(settings, Settings) else Settings()

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        for flag, _, help_text in _OPTIONS:
            option_manager.add_option(flag, default=None, parse_from_config=True, help=help_text)
        option_manager.extend_default_ignore(default_off_codes())

    @classmethod
    def parse_options(cls, option_manager: Any, options: argparse.Namespace, args: Any = None) -> None:
        """Validate the ``--aio-*`` values once per process and attach the result to the options
        namespace (flake8 hands the same namespace to every checker through ``options``)."""
        raw = {key: getattr(options, flag[2:].replace("-", "_"), None) for flag, key, _ in _OPTIONS}
        try:
            settings = build_settings(enabled=_enabled_codes(options), **raw)
        except OptionError as error:
            option_manager.parser.error(str(error))
            return
        setattr(options, _SETTINGS_ATTR, settings)

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        if self.settings.enabled is not None and not self.settings.enabled:
            return
        try:
            results = Engine(self.tree, self.settings).run()
        except Exception:  # never take flake8 down: report what the plugin failed on
            LOG.warning("flake8-async-patterns failed on %s", self.filename or "<input>", exc_info=True)
            return
        for line, col, message in results:
            yield line, col, message, type(self)
