"""Reading fixture files: expected diagnostics are annotated on the line they belong to.

Grammar (a trailing comment, several annotations separated by ';')::

    fetch()  # error: <CODE> col=4 msg="coroutine 'fetch()' is never awaited"

``msg`` is optional; when present it must occur in the reported message.  A header comment
``# options: --aio-python-version=3.10`` sets options for the whole file.  Everything after a
``# correct`` line is a near miss: it must not carry annotations of the fixture's own code.
"""

from __future__ import annotations

import io
import re
import shlex
import tokenize
from dataclasses import dataclass, field
from pathlib import Path

from flake8_async_patterns.rules import RULES
from flake8_async_patterns.settings import Settings, settings_from_flags

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
FIXTURE_NAME = re.compile(r"^(AIO\d{3})_([a-z0-9_]+?)(?:_(py3\d+))?\.py$")
_ANNOTATION = re.compile(r'(AIO\d{3}) col=(\d+)(?: msg="([^"]*)")?')


@dataclass
class Expected:
    line: int
    col: int
    code: str
    message: str | None


@dataclass
class Fixture:
    path: Path
    code: str
    min_version: tuple[int, int] | None
    options: dict[str, str] = field(default_factory=dict)
    expected: list[Expected] = field(default_factory=list)
    correct_from: int | None = None

    @property
    def source(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def option_args(self) -> list[str]:
        return [f"--{key}={value}" for key, value in self.options.items()]


def load(path: Path) -> Fixture:
    match = FIXTURE_NAME.match(path.name)
    if not match:
        raise ValueError(f"fixture file name {path.name!r} does not follow CODE_rule_name[_py3NN].py")
    version = match.group(3)
    fixture = Fixture(path, match.group(1), (3, int(version[3:])) if version else None)
    return _read_annotations(fixture)


def load_annotated(path: Path) -> Fixture:
    """Any annotated Python file (the seed shapes), whatever its name."""
    return _read_annotations(Fixture(path, "", None))


def _read_annotations(fixture: Fixture) -> Fixture:
    path = fixture.path
    source = path.read_text(encoding="utf-8")
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type != tokenize.COMMENT:
            continue
        line = token.start[0]
        # the annotation may follow another comment: ``# error: ...``
        text = token.string.lstrip("#").strip()
        if "# error:" in text:
            text = text[text.index("# error:") + 2 :]
        if text.startswith("options:"):
            for arg in shlex.split(text[len("options:") :]):
                key, _, value = arg.lstrip("-").partition("=")
                fixture.options[key] = value
        elif text == "correct" or text.startswith(("correct:", "correct ")):
            fixture.correct_from = fixture.correct_from or line
        elif text.startswith("error:"):
            found = _ANNOTATION.findall(text)
            if not found:
                raise ValueError(f"{path.name}:{line}: unreadable annotation {token.string!r}")
            for code, col, message in found:
                fixture.expected.append(Expected(line, int(col), code, message or None))
    return fixture


# Rules whose findings are compared in their own fixtures only: nearly every other fixture's
# examples trigger them by construction (a blocking-call example is an ``async def`` that never
# awaits), and annotating hundreds of such lines would bury the annotations that matter.
OWN_FIXTURE_ONLY = frozenset({"async-without-await"})


def checked(fixture: Fixture, code: str) -> bool:
    """Whether ``code``'s findings are compared in ``fixture``."""
    return code == fixture.code or code not in {rule.code for rule in RULES if rule.name in OWN_FIXTURE_ONLY}


def all_fixtures() -> list[Fixture]:
    return [load(path) for path in sorted(FIXTURES.glob("AIO*.py"))]


def fixture_settings(fixture: Fixture) -> Settings:
    return settings_from_flags(fixture.option_args())
