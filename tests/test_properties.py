"""Property tests: the plugin never crashes, and its answers survive meaning-preserving rewrites."""

from __future__ import annotations

import ast
import io
import keyword
import sys
import tokenize
import warnings

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flake8_async_patterns.plugin import AsyncPatternsChecker
from flake8_async_patterns.rules import RULES as ALL_RULES
from flake8_async_patterns.runner import lint

from fixture_format import all_fixtures

FIXTURES = [f for f in all_fixtures() if not f.options and (not f.min_version or sys.version_info >= f.min_version)]
ASYNC_ONLY = {rule.code for rule in ALL_RULES if rule.async_only}
PROPERTY = settings(deadline=None, suppress_health_check=list(HealthCheck))


def parses(source: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


def positions(source: str) -> set[tuple[int, int, str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {(line, col, message.split()[0]) for line, col, message in lint(source)}


def lint_like_flake8(source: str) -> list:
    """What flake8 does: parse once, construct the plugin with the tree, drain ``run()``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(source)
    return list(AsyncPatternsChecker(tree, "generated.py").run())


# --- generated programs ------------------------------------------------------------------------
# Programs built from the shapes the rules look at, nested at random: coroutines, tasks, loops,
# sessions, closures, classes.  Far more likely than grammar-level fuzzing to reach rule code.
_CALLS = st.sampled_from(
    [
        "fetch(i)",
        "asyncio.sleep(0)",
        "aio.sleep(1)",
        "session.commit()",
        "self.run()",
        "db.execute(q)",
        "asyncio.create_task(fetch(i))",
        "loop.create_task(fetch(i))",
        "asyncio.gather(fetch(1), fetch(2))",
        "asyncio.gather(*tasks, return_exceptions=True)",
        "asyncio.get_event_loop()",
        "asyncio.run(fetch(1))",
        "loop.run_until_complete(fetch(2))",
        "asyncio.new_event_loop()",
        "client.get(url)",
        "lock.acquire()",
        "ticks(3)",
        "loop.run_in_executor(None, print, 1)",
        "asyncio.wait_for(fetch(1), 2)",
        "Repo.build()",
        "isinstance(r, Exception)",
        "tasks.append(asyncio.create_task(fetch(i)))",
        "asyncio.Runner().run(fetch(1))",
    ]
)
_SIMPLE = st.one_of(
    _CALLS,
    _CALLS.map(lambda c: f"await {c}"),
    _CALLS.map(lambda c: f"x = {c}"),
    _CALLS.map(lambda c: f"r = await {c}"),
    _CALLS.map(lambda c: f"return {c}"),
    _CALLS.map(lambda c: f"t = {c}\nprint(t)"),
    st.sampled_from(
        [
            "pass",
            "break",
            "continue",
            "return",
            "yield i",
            "global loop",
            "nonlocal_ = 1",
            "del x",
            "loop = asyncio.get_running_loop()",
            "session = async_session()",
            "fetch = print",
            "asyncio = None",
            "r, s = await asyncio.open_connection('h', 1)",
            "self.client = httpx.AsyncClient()",
            "cb = lambda: asyncio.get_event_loop()",
            "[await fetch(i) for i in xs]",
            "(y := fetch(2))",
            "for r in results: print(r)",
            "print(results[0])",
        ]
    ),
)
_HEADERS = st.sampled_from(
    [
        "async def f{n}(i, session, loop, xs):",
        "def g{n}(i, loop):",
        "for i in xs:",
        "async for i in xs:",
        "while xs:",
        "if i:",
        "else:",
        "try:",
        "with lock:",
        "async with async_session() as session:",
        "async with asyncio.TaskGroup() as tg:",
        "class C{n}(Repo):",
        "if sys.version_info < (3, 11):",
    ]
)


def _indent(block: str) -> str:
    return "\n".join("    " + line for line in block.splitlines())


def _compose(children: list[str]) -> str:
    return "\n".join(children)


@st.composite
def programs(draw) -> str:
    counter = iter(range(10_000))

    def block(depth: int) -> str:
        count = draw(st.integers(1, 4))
        lines = []
        for _ in range(count):
            if depth < 5 and draw(st.booleans()):
                header = draw(_HEADERS).format(n=next(counter))
                body = block(depth + 1)
                if header == "try:":
                    lines.append(f"try:\n{_indent(body)}\nexcept Exception:\n    pass")
                elif header == "else:":
                    lines.append(f"if xs:\n    pass\nelse:\n{_indent(body)}")
                else:
                    lines.append(f"{header}\n{_indent(body)}")
            else:
                lines.append(draw(_SIMPLE))
        return _compose(lines)

    prelude = (
        "import asyncio\nimport asyncio as aio\nimport sys\nimport httpx\n"
        "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
        "async_session = async_sessionmaker()\n"
        "async def fetch(i):\n    return i\n"
        "async def ticks(n):\n    yield n\n"
        "class Repo:\n    async def run(self):\n        return 1\n"
        "    @classmethod\n    async def build(cls):\n        return cls()\n"
    )
    return prelude + block(0) + "\n"


@settings(PROPERTY, max_examples=300)
@given(programs())
def test_generated_async_programs_never_crash(source):
    assume(parses(source))
    lint(source)  # raises on any internal error


@settings(PROPERTY, max_examples=300)
@given(hypothesmith.from_grammar())
def test_hypothesmith_grammar_programs_never_crash(source):
    assume(parses(source))
    lint(source)


@pytest.mark.slow
@settings(PROPERTY, max_examples=600)
@given(hypothesmith.from_grammar())
def test_hypothesmith_grammar_programs_never_crash_long(source):
    assume(parses(source))
    lint(source)


@pytest.mark.slow
@settings(PROPERTY, max_examples=300)
@given(hypothesmith.from_node())
def test_hypothesmith_node_programs_never_crash(source):
    assume(parses(source))
    lint(source)


@pytest.mark.slow
@settings(PROPERTY, max_examples=5000)
@given(programs())
def test_generated_async_programs_never_crash_long(source):
    assume(parses(source))
    lint(source)


# --- aliasing keeps the diagnostics ------------------------------------------------------------
def alias_asyncio(source: str, alias: str) -> str:
    """``import asyncio`` -> ``import asyncio as <alias>``; every other use of the name renamed
    (``from asyncio import x`` and attribute names ``.asyncio`` are left alone)."""
    tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    out = []
    statement = None  # first keyword of the current logical line
    for index, token in enumerate(tokens):
        if token.type in (tokenize.NEWLINE, tokenize.ENDMARKER) or token.string == ";":
            statement = None
        elif statement is None and token.type not in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT):
            statement = token.string
        if token.type == tokenize.NAME and token.string == "asyncio":
            before = tokens[index - 1].string if index else ""
            after = tokens[index + 1].string if index + 1 < len(tokens) else ""
            if statement == "import":
                if before in ("import", ",") and after not in ("as", "."):
                    token = token._replace(string=f"asyncio as {alias}")
            elif statement != "from" and before != ".":
                token = token._replace(string=alias)
        out.append(token)
    return tokenize.untokenize(out)


_ALIASES = st.from_regex(r"\Azq[a-z]{5}\Z").filter(lambda name: not keyword.iskeyword(name))


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.path.name)
@settings(PROPERTY, max_examples=5)
@given(alias=_ALIASES)
def test_aliasing_asyncio_keeps_the_diagnostics(fixture, alias):
    source = fixture.source
    assume(alias not in source)
    renamed = alias_asyncio(source, alias)
    if "import asyncio\n" in source:
        assert f"import asyncio as {alias}" in renamed
    assert positions(renamed) == positions(source)


@PROPERTY
@given(programs(), _ALIASES)
def test_aliasing_asyncio_keeps_the_diagnostics_of_generated_programs(source, alias):
    assume(parses(source) and alias not in source)
    assert positions(alias_asyncio(source, alias)) == positions(source)


# --- stripping async/await removes every async-only diagnostic --------------------------------
def strip_async(source: str) -> str:
    out = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.NAME and token.string in ("async", "await"):
            continue
        out.append((token.type, token.string))
    return tokenize.untokenize(out)


@pytest.mark.parametrize("fixture", FIXTURES, ids=lambda f: f.path.name)
def test_stripping_async_removes_async_only_diagnostics(fixture):
    stripped = strip_async(fixture.source)
    if not parses(stripped):
        pytest.skip("not valid Python once async/await are removed")
    before = {code for *_, code in positions(fixture.source)}
    after = {code for *_, code in positions(stripped)}
    assert not after & ASYNC_ONLY, sorted(after & ASYNC_ONLY)
    assert before & ASYNC_ONLY or fixture.code not in ASYNC_ONLY or fixture.silenced  # silenced: quiet by design


@PROPERTY
@given(programs())
def test_stripping_async_removes_async_only_diagnostics_generated(source):
    stripped = strip_async(source)
    assume(parses(source) and parses(stripped))
    assert not {code for *_, code in positions(stripped)} & ASYNC_ONLY


# --- depth -------------------------------------------------------------------------------------
def _deep_sources() -> dict[str, str]:
    nested_ifs = (
        "async def f():\n" + "".join("    " * (i + 1) + "if x:\n" for i in range(97)) + "    " * 98 + "fetch()\n"
    )
    nested_defs = (
        "".join("    " * i + ("async def" if i % 2 else "def") + f" f{i}():\n" for i in range(90))
        + "    " * 90
        + "asyncio.sleep(1)\n"
    )
    nested_classes = (
        "".join("    " * i + f"class C{i}:\n" for i in range(95)) + "    " * 95 + "x = asyncio.get_event_loop()\n"
    )
    depth = 95  # the tokenizer allows 100 indentation levels
    nested_tries = (
        "import asyncio\nasync def f():\n"
        + "".join("    " * (i + 1) + "try:\n" for i in range(depth))
        + "    " * (depth + 1)
        + "await g()\n"
        + "".join(
            "    " * (i + 1) + "except asyncio.CancelledError:\n" + "    " * (i + 2) + "...\n"
            if i % 3
            else "    " * (i + 1) + "finally:\n" + "    " * (i + 2) + "await g()\n"
            for i in reversed(range(depth))
        )
    )
    return {
        "nested tries": nested_tries,
        "nested ifs": "import asyncio\nasync def fetch(): pass\n" + nested_ifs,
        "nested defs": "import asyncio\n" + nested_defs,
        "nested classes": "import asyncio\n" + nested_classes,
        "nested calls": "async def f():\n    " + "g(" * 150 + "fetch()" + ")" * 150 + "\n",
        "nested lists": "x = " + "[" * 150 + "asyncio.gather()" + "]" * 150 + "\n",
        "nested lambdas": "f = " + "lambda: " * 300 + "asyncio.run(g())\n",
        "nested comprehensions": "async def f(xs):\n    return "
        + "[" * 60
        + "await g(x)"
        + " for x in xs]" * 60
        + "\n",
        "long operator chain": lambda n: "async def f():\n    return " + " + ".join(["await g()"] * n) + "\n",
        "long boolean chain": lambda n: "async def f():\n    return " + " and ".join(["g()"] * n) + "\n",
        "long attribute chain": lambda n: "async def f():\n    return asyncio" + ".a" * n + "()\n",
        "long call chain": lambda n: "async def f(s):\n    s" + ".m()" * n + "\n",
        "long subscript chain": lambda n: "async def f(s):\n    return s" + "[0]" * n + "\n",
        "nested awaits": "async def f():\n    return " + "await (" * 150 + "g()" + ")" * 150 + "\n",
        "nested tuples in except": "async def f():\n    try:\n        await g()\n    except "
        + "(" * 150
        + "E"
        + ",)" * 150
        + ":\n        pass\n",
        "nested annotations": "async def f(s: "
        + "Optional[" * 150
        + "AsyncSession"
        + "]" * 150
        + "):\n    s.commit()\n",
    }


def _deepest(make) -> str:
    """The longest chain (at least 100 deep) this interpreter's parser accepts."""
    for size in (5000, 2000, 1000, 600, 300, 150, 100):
        source = make(size)
        if parses(source):
            return source
    pytest.skip("this Python's parser rejects even 100 levels")


@pytest.mark.parametrize("name, source", list(_deep_sources().items()))
def test_deep_nesting_does_not_recurse(name, source):
    """Whatever ``ast.parse`` accepts must lint: the engine walks with an explicit stack."""
    if callable(source):
        source = _deepest(source)
    if not parses(source):
        pytest.skip(f"this Python's parser rejects {name}")
    lint_like_flake8(source)
    lint(source)
