"""The rule registry: every rule is declared exactly once, next to its checker.

A :class:`Rule` carries everything that is said about a rule anywhere: its code, name, default,
message template (named fields only), and its documentation.  ``docs/rules.md``, the
``python -m flake8_async_patterns`` listing, the flake8 default-ignore list and the meta-tests are
all derived from the declarations; nothing else spells a code.  This module imports nothing of
the package: the rule families import it, never the other way round.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .settings import Option

PREFIX = "AIO"


def _valid_code(code: str) -> bool:
    """``AIO`` and three digits (string methods: a regex would be compiled at every start-up)."""
    digits = code[len(PREFIX) :]
    return code.startswith(PREFIX) and len(digits) == 3 and digits.isascii() and digits.isdigit()


def _valid_name(name: str) -> bool:
    """Lower-case words of letters and digits joined by '-', starting with a letter."""
    parts = name.split("-")
    return name[:1].isalpha() and all(
        part and part.isascii() and part.isalnum() and part == part.lower() for part in parts
    )


class Rule:
    """One lint rule: identity, message and documentation.  Read-only by convention (a plain
    slotted class: a dataclass costs a millisecond at every start-up)."""

    __slots__ = (
        "async_only",
        "code",
        "default_enabled",
        "example",
        "example_options",
        "in_cli_files",
        "in_test_files",
        "message",
        "min_python",
        "name",
        "notes",
        "options",
        "peers",
        "raises_or_warns",
        "references",
        "seed",
        "summary",
        "use_instead",
        "variants",
        "why",
    )

    def __init__(
        self,
        *,
        code: str,
        name: str,
        message: str,
        default_enabled: bool,
        summary: str,
        why: str,
        example: str,
        use_instead: str,
        seed: str,
        peers: str = "none",
        options: tuple[Option, ...] = (),
        notes: tuple[str, ...] = (),
        references: tuple[str, ...] = (),
        variants: Mapping[str, str] | None = None,
        min_python: tuple[int, int] | None = None,
        async_only: bool = False,
        example_options: tuple[str, ...] = (),
        raises_or_warns: bool = False,
        in_test_files: bool = True,
        in_cli_files: bool = True,
    ) -> None:
        self.code = code
        self.name = name
        self.message = message
        self.default_enabled = default_enabled
        self.summary = summary
        self.why = why
        self.example = example
        self.use_instead = use_instead
        self.seed = seed
        self.peers = peers
        self.options = options
        self.notes = notes
        self.references = references
        self.variants: Mapping[str, str] = MappingProxyType(dict(variants or {}))
        self.min_python = min_python  # the suggested fix needs this Python
        self.async_only = async_only  # reported only in async context
        self.example_options = example_options  # flake8 options the Example needs to trigger
        # The mistake raises or warns when the code runs, so a test that expects exactly that
        # (``with pytest.raises(...)``, ``self.assertWarns(...)``) is not reported.
        self.raises_or_warns = raises_or_warns
        # Reported in test files (``--aio-test-files``): no for rules whose harm is event-loop
        # latency (a test pays it once); yes for mistakes that make a test pass vacuously, leak or crash.
        self.in_test_files = in_test_files
        # Reported in command-line modules (``--aio-cli-files``): no for rules about blocking the
        # event loop -- a command runs alone on its loop, so blocking it delays nothing else.
        self.in_cli_files = in_cli_files
        self._validate()

    def __repr__(self) -> str:
        return f"Rule(code={self.code!r}, name={self.name!r})"

    def _validate(self) -> None:
        if not _valid_code(self.code):
            raise ValueError(f"bad rule code {self.code!r}")
        if not _valid_name(self.name):
            raise ValueError(f"bad rule name {self.name!r}")
        for text in self.templates().values():
            for _, name, _, _ in string.Formatter().parse(text):
                if name is not None and (not name or name.isdigit()):
                    raise ValueError(f"{self.code}: message placeholders must be named: {text!r}")

    def reported_in(self, test_file: bool, cli_file: bool) -> bool:
        """Whether the rule is reported in a file of that kind (``--aio-test-files``, ``--aio-cli-files``)."""
        return (self.in_test_files or not test_file) and (self.in_cli_files or not cli_file)

    def template(self, variant: str | None = None) -> str:
        return self.message if variant is None else self.variants[variant]

    def render(self, variant: str | None = None, **fields: str) -> str:
        """Return the full flake8 message text: the code, a space, the filled-in template."""
        return f"{self.code} {self.template(variant).format(**fields)}"

    def templates(self) -> dict[str | None, str]:
        return {None: self.message, **self.variants}


REGISTRY: dict[str, Rule] = {}


def declare(**kwargs: Any) -> Rule:
    """Create a rule and register it.  Family modules call this once per rule."""
    rule = Rule(**kwargs)
    if rule.code in REGISTRY:
        raise ValueError(f"rule {rule.code} declared twice")
    if any(r.name == rule.name for r in REGISTRY.values()):
        raise ValueError(f"rule name {rule.name!r} declared twice")
    REGISTRY[rule.code] = rule
    return rule


# Not a lint rule: what the plugin reports when one of its own checkers fails on a file.  Never
# registered (no fixture can trigger it); documented on its own in docs/rules.md.
INTERNAL_ERROR = Rule(
    code="AIO000",
    name="internal-error",
    default_enabled=True,
    message="internal error in {rules} ({error}); please report it",
    summary=(
        "One of the plugin's checkers raised an exception on this file. The checker's own "
        "findings for the file are dropped; every other rule still reports."
    ),
    why="A bug in the plugin must neither crash flake8 nor silently hide every finding of the file.",
    example="",
    use_instead="",
    seed="",
)
