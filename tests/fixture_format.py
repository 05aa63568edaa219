"""Reading fixture files: expected diagnostics are annotated on the line they belong to.

Grammar (a trailing comment, several annotations separated by ';')::

    fetch()  # error: <CODE> col=4 msg="coroutine 'fetch()' is never awaited"

``msg`` is optional; when present it must occur in the reported message.  A header comment
``# options: --aio-python-version=3.10`` sets options for the whole file.  Everything after a
``# correct`` line is a near miss: it must not carry annotations of the fixture's own code.
"""

from __future__ import annotations
import __future__

import ast
import importlib.util
import io
import re
import shlex
import textwrap
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

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
    silenced: str | None = None  # ``# silenced: why``: a fact of the whole file keeps the rule quiet

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
        elif text.startswith("silenced:"):
            fixture.silenced = text[len("silenced:") :].strip()
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


# --- samples for the front ends (aio-lint, flake8) ------------------------------------------------

# Line 9's ``fetch()`` is never awaited.
SAMPLE = textwrap.dedent(
    """\
    import asyncio


    async def fetch():
        return 1


    async def handler():
        fetch()
        first = asyncio.create_task(fetch())
        second = asyncio.create_task(fetch())
        await asyncio.gather(first, second)
    """
)
# SAMPLE and two un-awaited commits: line 16's on ``uow`` (a session by --aio-session-names only),
# line 17's on ``session`` (a session by the default names).
SAMPLE_WITH_COMMITS = SAMPLE + (
    "\n\nasync def save(uow, session):\n    uow.commit()\n    session.commit()\n"
    # the module awaits methods of both names: sessions known by name alone count only then
    "\n\nasync def load(uow, session, item):\n    await uow.refresh(item)\n    await session.refresh(item)\n"
)


# --- runtime witnesses: pieces of a fixture compiled and run --------------------------------------


def fixture_of(code: str) -> Fixture:
    """The rule's fixture: the first of its files by name, the plain one before its variants."""
    return next(f for f in all_fixtures() if f.code == code)


def definitions(
    fixture: Fixture,
    prefix: str | tuple[str, ...] = "",
    kinds: type | tuple[type, ...] = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef),
) -> list[Any]:
    """The fixture's top-level definitions of ``kinds`` whose names start with ``prefix``, in order."""
    tree = ast.parse(fixture.source, str(fixture.path))
    return [node for node in tree.body if isinstance(node, kinds) and node.name.startswith(prefix)]


def annotated_lines(fixture: Fixture, *nodes: ast.stmt) -> set[int]:
    """The lines within ``nodes`` (statements of the fixture) annotated with the fixture's own code."""
    return {
        e.line
        for e in fixture.expected
        if e.code == fixture.code and any(node.lineno <= e.line <= node.end_lineno for node in nodes)
    }


def compile_from_fixture(
    fixture: Fixture, name: str, namespace: dict[str, Any], *, also: Iterable[str] = (), drop_decorators: bool = False
) -> tuple[Any, set[int]]:
    """The fixture's top-level function or class ``name`` and the lines inside it annotated with the
    fixture's own code.  Only ``name`` and the definitions named in ``also`` (what it calls) are
    compiled, in source order, with the fixture's file name and line numbers, and run in
    ``namespace``: it stands in for the fixture's imports and globals, which the witness may not
    have (FastAPI, a Django app...).  ``drop_decorators``: a route decorator needs the app, not the
    witness."""
    wanted = {name, *also}
    nodes = [node for node in definitions(fixture) if node.name in wanted]
    if drop_decorators:
        for node in nodes:
            node.decorator_list = []
    # annotations stay unevaluated: they name types (``AsyncSession``...) the namespace does not hold
    future = __future__.annotations.compiler_flag
    exec(compile(ast.Module(body=nodes, type_ignores=[]), str(fixture.path), "exec", flags=future), namespace)
    node = next(node for node in nodes if node.name == name)
    return namespace[name], annotated_lines(fixture, node)


def import_fixture(fixture: Fixture) -> ModuleType:
    """The fixture file imported whole, as module ``witness_<file stem>`` (its imports must be installed)."""
    spec = importlib.util.spec_from_file_location(f"witness_{fixture.path.stem}", fixture.path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
