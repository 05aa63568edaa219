"""The flake8 adapter: options in, diagnostics out.  No lint logic lives here."""

from __future__ import annotations

import argparse
import ast
import logging
from collections.abc import Iterator
from typing import Any

from . import __version__
from .registry import INTERNAL_ERROR
from .rules import RULES
from .runner import lint_tree
from .settings import OPTIONS, OptionError, Settings, build_settings

LOG = logging.getLogger(__name__)
_SETTINGS_ATTR = "_aio_settings"


def _enabled_codes(options: argparse.Namespace) -> frozenset[str] | None:
    """The codes flake8 would report, decided by flake8's own select/ignore logic, so rules
    that nobody selected are never run.  None (run everything) if flake8's internals differ."""
    try:
        from flake8.style_guide import Decision, DecisionEngine

        decider = DecisionEngine(options)
        return frozenset(rule.code for rule in RULES if decider.decision_for(rule.code) is Decision.Selected)
    except Exception:  # pragma: no cover - defensive against flake8 internals changing
        LOG.debug("flake8-async-patterns: could not pre-compute selected codes", exc_info=True)
        return None


class AsyncPatternsChecker:
    """flake8 AST plugin for the ``AIO`` codes."""

    name = "flake8-async-patterns"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str = "", lines: list[str] | None = None, options: Any = None) -> None:
        self.tree = tree
        self.filename = filename
        self.lines = lines
        settings = getattr(options, _SETTINGS_ATTR, None)
        self.settings: Settings = settings if isinstance(settings, Settings) else Settings()

    @classmethod
    def add_options(cls, option_manager: Any) -> None:
        for option in OPTIONS:
            option_manager.add_option(
                option.flag, dest=option.dest, default=None, parse_from_config=True, help=option.help
            )
        option_manager.extend_default_ignore([rule.code for rule in RULES if not rule.default_enabled])

    @classmethod
    def parse_options(cls, option_manager: Any, options: argparse.Namespace, args: Any = None) -> None:
        """Validate the ``--aio-*`` values once per process and attach the result to the options
        namespace (flake8 hands the same namespace to every checker through ``options``)."""
        raw = {option.field: getattr(options, option.dest, None) for option in OPTIONS}
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
            source = "".join(self.lines) if self.lines is not None else None
            results = lint_tree(self.tree, self.settings, source=source, filename=self.filename)
        except Exception as error:  # the engine itself failed: say so, never take flake8 down
            LOG.debug("flake8-async-patterns failed on %s", self.filename or "<input>", exc_info=True)
            detail = " ".join(f"{type(error).__name__}: {error}".split())[:120]
            results = [(1, 0, INTERNAL_ERROR.render(rules="the engine", error=detail))]
        for line, col, message in results:
            yield line, col, message, type(self)
