"""``aio-lint --fix`` and ``--diff``: text edits for the findings whose fix cannot change meaning.

A fix is computed from the tree (positions -> offsets in the text: ``ast`` columns count UTF-8
bytes, ``str`` indexes count characters) for one reported finding, and made only when it is
certain; anything unsure is left as it is, still reported.  Fixes are applied bottom-up, never
overlapping (one that overlaps another waits for the next round, after a re-lint), and a round
whose result does not parse is thrown away.  Rounds repeat until nothing changes, so fixing a
fixed file changes nothing.

What is fixed is data: :data:`FIXERS`, keyed by rule name (codes come from the registry).  Each
fixer says when it fixes: ``get_event_loop()`` -> ``get_running_loop()`` in a coroutine's body;
the statement ``time.sleep(x)`` in a coroutine's body -> ``await asyncio.sleep(x)``;
``asyncio.iscoroutinefunction`` -> ``inspect.iscoroutinefunction`` for a 3.12+ target;
``await asyncio.wait_for(aw, T)`` as a statement, assigned or returned -> ``async with
asyncio.timeout(T):`` around the statement, for a 3.12+ target (where ``wait_for`` *is* that)
and a positive number ``T`` (for ``T <= 0`` ``wait_for`` cancels ``aw`` before it starts).
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Callable, Iterable
from typing import NamedTuple

from ..rules import RULES
from .config import LintConfig
from .lint import STDIN, find_files, lint_lines

MAX_ROUNDS = 8
NEWEST = (3, 99)


class Edit(NamedTuple):
    """Replace ``text[start:end]`` (``str`` indexes) with ``new``."""

    start: int
    end: int
    new: str


class Fix(NamedTuple):
    edits: tuple[Edit, ...]
    imports: tuple[str, ...] = ()  # modules to ``import`` at the top of the file


class Source:
    """One parsed text and the facts the fixers share: offsets, parents, bindings."""

    def __init__(self, text: str, tree: ast.Module, findings: list[tuple[int, int, str]]) -> None:
        self.text = text
        self.tree = tree
        self.findings = findings  # (line, col, code) of every finding of this round
        self.lines = text.split("\n")
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line) + 1)
        self.parents: dict[ast.AST, ast.AST] = {}
        self.at_position: dict[tuple[int, int], list[ast.AST]] = {}
        self.bindings: dict[str, list[ast.AST]] = {}
        self.loaded: set[str] = set()
        self.strings: set[str] = set()
        self.star = False
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                self.parents[child] = node
            if isinstance(node, ast.expr):
                self.at_position.setdefault((node.lineno, node.col_offset), []).append(node)
            self._note(node)

    def _note(self, node: ast.AST) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.loaded.add(node.id)
                return
            name = node.id
        elif isinstance(node, ast.alias):
            self.star = self.star or node.name == "*"
            name = node.asname or node.name.partition(".")[0]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.strings.add(node.value)
            return
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                self.bindings.setdefault(name, []).append(node)
            return
        elif isinstance(node, ast.keyword):
            return
        else:
            name = getattr(node, "name", None) or getattr(node, "arg", None) or getattr(node, "rest", None)
            if not isinstance(name, str):
                return
        self.bindings.setdefault(name, []).append(node)

    def offset(self, line: int, col: int) -> int:
        """The ``str`` index of ``ast``'s (1-based line, UTF-8 byte column)."""
        text = self.lines[line - 1]
        if not text.isascii():
            col = len(text.encode("utf-8")[:col].decode("utf-8", "replace"))
        return self.starts[line - 1] + col

    def start(self, node: ast.AST) -> int:
        return self.offset(node.lineno, node.col_offset)

    def end(self, node: ast.AST) -> int:
        return self.offset(node.end_lineno, node.end_col_offset)

    def segment(self, node: ast.AST) -> str:
        return self.text[self.start(node) : self.end(node)]

    def at(self, line: int, col: int, kind: type) -> list:
        return [node for node in self.at_position.get((line, col), ()) if isinstance(node, kind)]

    def enclosing(self, node: ast.AST) -> ast.AST:
        """The function, lambda, class or generator expression whose body ``node`` runs in
        (decorators, defaults and annotations run in the enclosing one); else the module."""
        child, parent = node, self.parents.get(node)
        while parent is not None:
            if isinstance(parent, ast.GeneratorExp):
                return parent
            if isinstance(parent, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and child in parent.body:
                return parent
            if isinstance(parent, ast.Lambda) and child is parent.body:
                return parent
            child, parent = parent, self.parents.get(parent)
        return self.tree

    def in_coroutine(self, node: ast.AST) -> bool:
        return isinstance(self.enclosing(node), ast.AsyncFunctionDef)

    def top_level_import(self, node: ast.AST) -> ast.AST | None:
        """The module-level ``import``/``from ... import`` statement of an ``alias``."""
        statement = self.parents.get(node)
        return statement if statement in self.tree.body else None

    def imports_only(self, name: str, module: str, attribute: str | None = None) -> bool:
        """Whether every binding of ``name`` is a module-level import of ``module`` (or, with
        ``attribute``, of ``from module import attribute`` without ``as``)."""
        bindings = self.bindings.get(name)
        return bool(bindings) and not self.star and all(self._imports(b, module, attribute) for b in bindings)

    def _imports(self, binding: ast.AST, module: str, attribute: str | None) -> bool:
        statement = self.top_level_import(binding) if isinstance(binding, ast.alias) else None
        if attribute is not None:
            return (
                isinstance(statement, ast.ImportFrom)
                and statement.module == module
                and not statement.level
                and binding.name == attribute
                and binding.asname is None
            )
        if not isinstance(statement, ast.Import):
            return False
        return binding.name == module or (binding.asname is None and binding.name.startswith(module + "."))

    def module_name(self, module: str) -> tuple[str, bool] | None:
        """The name to spell ``module`` with -- and whether ``import module`` must be added --
        or None when that is not certain."""
        if self.star:
            return None
        for statement in self.tree.body:
            if isinstance(statement, ast.Import):
                for alias in statement.names:
                    name = alias.asname or alias.name.partition(".")[0]
                    if self.imports_only(name, module):
                        return name, False
        if module in self.bindings or module in self.loaded:
            return None
        return module, True

    def alone_on_its_lines(self, statement: ast.stmt) -> str | None:
        """The indentation of a statement that starts its line and ends it (before a comment);
        None if it shares a line with another."""
        line_start = self.starts[statement.lineno - 1]
        indent = self.text[line_start : self.start(statement)]
        end = self.end(statement)
        after = self.text[end : self.starts[statement.end_lineno] - 1].strip()
        if indent.strip() or (after and not after.startswith("#")):
            return None
        return indent


# --- the fixers ---------------------------------------------------------------------------------
Fixer = Callable[[Source, int, int, str, tuple[int, int]], "Fix | None"]
GET_EVENT_LOOP, GET_RUNNING_LOOP = "get_event_loop", "get_running_loop"


def _get_running_loop(src: Source, line: int, col: int, message: str, target: tuple[int, int]) -> Fix | None:
    for call in src.at(line, col, ast.Call):
        func = call.func
        if not src.in_coroutine(call):
            return None
        if isinstance(func, ast.Attribute) and func.attr == GET_EVENT_LOOP:
            end = src.end(func)
            if src.text[end - len(GET_EVENT_LOOP) : end] != GET_EVENT_LOOP:
                return None
            return Fix((Edit(end - len(GET_EVENT_LOOP), end, GET_RUNNING_LOOP),))
        if isinstance(func, ast.Name) and func.id == GET_EVENT_LOOP:
            return _bare_get_running_loop(src, call)
    return None


def _bare_get_running_loop(src: Source, call: ast.Call) -> Fix | None:
    """All the bare ``get_event_loop()`` calls reported in coroutines at once, with the import;
    made for the first of them (None for the others: the first one's fix covers them)."""
    if not src.imports_only(GET_EVENT_LOOP, "asyncio", GET_EVENT_LOOP):
        return None
    have_new = src.imports_only(GET_RUNNING_LOOP, "asyncio", GET_RUNNING_LOOP)
    if not have_new and (GET_RUNNING_LOOP in src.bindings or GET_RUNNING_LOOP in src.loaded):
        return None
    code = next(rule.code for rule in RULES if rule.name == "get-event-loop-in-coroutine")
    reported = {(line, col) for line, col, found in src.findings if found == code}
    renamed = sorted(
        (node.func for node in src.parents if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)),
        key=lambda name: (name.lineno, name.col_offset),
    )
    renamed = [name for name in renamed if name.id == GET_EVENT_LOOP and (name.lineno, name.col_offset) in reported]
    renamed = [name for name in renamed if src.in_coroutine(src.parents[name])]
    if not renamed or renamed[0] is not call.func:
        return None
    edits = [Edit(src.start(name), src.end(name), GET_RUNNING_LOOP) for name in renamed]
    alias = src.bindings[GET_EVENT_LOOP][0]
    uses = sum(1 for node in src.parents if isinstance(node, ast.Name) and node.id == GET_EVENT_LOOP)
    still_used = uses > len(renamed) or GET_EVENT_LOOP in src.strings
    if still_used and not have_new:
        edits.append(Edit(src.end(alias), src.end(alias), f", {GET_RUNNING_LOOP}"))
    elif not still_used and not have_new:
        edits.append(Edit(src.start(alias), src.end(alias), GET_RUNNING_LOOP))
    return Fix(tuple(edits))


def _asyncio_sleep(src: Source, line: int, col: int, message: str, target: tuple[int, int]) -> Fix | None:
    for call in src.at(line, col, ast.Call):
        func = call.func
        if not (isinstance(func, ast.Attribute) and func.attr == "sleep" and isinstance(func.value, ast.Name)):
            continue
        statement = src.parents.get(call)
        if (
            not isinstance(statement, ast.Expr)
            or len(call.args) != 1
            or call.keywords
            or isinstance(call.args[0], ast.Starred)
            or not src.in_coroutine(statement)
            or src.text[src.end(func) : src.end(func) + 1] != "("
        ):
            return None
        spelled = src.module_name("asyncio")
        if spelled is None:
            return None
        name, add = spelled
        return Fix((Edit(src.start(func), src.end(func), f"await {name}.sleep"),), ("asyncio",) if add else ())
    return None


def _inspect_iscoroutinefunction(src: Source, line: int, col: int, message: str, target: tuple[int, int]) -> Fix | None:
    if target < (3, 12) or "'asyncio.iscoroutinefunction'" not in message:
        return None
    for node in src.at(line, col, ast.Attribute):
        if node.attr == "iscoroutinefunction" and isinstance(node.ctx, ast.Load):
            spelled = src.module_name("inspect")
            if spelled is None:
                return None
            name, add = spelled
            return Fix(
                (Edit(src.start(node), src.end(node), f"{name}.iscoroutinefunction"),), ("inspect",) if add else ()
            )
    return None


_AWAITABLE_AS_IS = (ast.Name, ast.Attribute, ast.Call, ast.Subscript)  # ``await x`` needs no parentheses


def _wait_for_arguments(call: ast.Call) -> tuple[ast.expr, ast.expr] | None:
    args, keywords = call.args, call.keywords
    if any(isinstance(arg, ast.Starred) for arg in args):
        return None
    if len(args) == 2 and not keywords:
        return args[0], args[1]
    if len(args) == 1 and len(keywords) == 1 and keywords[0].arg == "timeout":
        return args[0], keywords[0].value
    return None


def _positive_number(node: ast.expr) -> bool:
    value = getattr(node, "value", None)
    return isinstance(node, ast.Constant) and type(value) in (int, float) and value > 0


def _spans_lines_in_a_string(statement: ast.stmt) -> bool:
    return any(
        isinstance(node, (ast.Constant, ast.JoinedStr)) and node.lineno != node.end_lineno
        for node in ast.walk(statement)
    )


def _asyncio_timeout(src: Source, line: int, col: int, message: str, target: tuple[int, int]) -> Fix | None:
    if target < (3, 12):
        return None
    for call in src.at(line, col, ast.Call):
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr == "wait_for" and isinstance(func.value, ast.Name):
            break
    else:
        return None
    arguments = _wait_for_arguments(call)
    awaiting = src.parents.get(call)
    statement = src.parents.get(awaiting)
    if (
        arguments is None
        or not isinstance(arguments[0], _AWAITABLE_AS_IS)
        or not _positive_number(arguments[1])
        or not isinstance(awaiting, ast.Await)
        or not isinstance(statement, (ast.Expr, ast.Assign, ast.AnnAssign, ast.Return))
        or statement.value is not awaiting
        or not src.in_coroutine(statement)
        or not src.imports_only(func.value.id, "asyncio")
        or _spans_lines_in_a_string(statement)
    ):
        return None
    indent = src.alone_on_its_lines(statement)
    awaited, timeout = arguments
    call_start, call_end = src.start(call), src.end(call)
    dropped = src.text[call_start : src.start(awaited)] + src.text[src.end(awaited) : call_end]
    if indent is None or "#" in dropped:
        return None
    start, end = src.start(statement), src.end(statement)
    body = src.text[start:call_start] + src.segment(awaited) + src.text[call_end:end]
    step = "\t" if "\t" in indent else "    "
    body = "\n".join(text if not text.strip() or not i else step + text for i, text in enumerate(body.split("\n")))
    new = f"async with {func.value.id}.timeout({src.segment(timeout)}):\n{indent}{step}{body}"
    return Fix((Edit(start, end, new),))


# rule name -> fixer: which findings ``--fix`` fixes
FIXERS: dict[str, Fixer] = {
    "get-event-loop-in-coroutine": _get_running_loop,
    "blocking-sleep": _asyncio_sleep,
    "deprecated-asyncio-api": _inspect_iscoroutinefunction,
    "prefer-asyncio-timeout": _asyncio_timeout,
}


def fixable_codes() -> dict[str, Fixer]:
    """Code -> fixer, from :data:`FIXERS` through the registry."""
    return {rule.code: FIXERS[rule.name] for rule in RULES if rule.name in FIXERS}


# --- applying -----------------------------------------------------------------------------------
def _overlaps(one: Edit, other: Edit) -> bool:
    return one.start == other.start or (one.start < other.end and other.start < one.end)


def _import_edit(src: Source, modules: set[str]) -> Edit | None:
    """``import m`` lines at the top: among the leading plain imports, in sorted place; else
    before the first statement (after the docstring and ``from __future__`` imports)."""
    body, first = src.tree.body, 0
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0].value, "value", None), str):
        first = 1
    while first < len(body) and isinstance(body[first], ast.ImportFrom) and body[first].module == "__future__":
        first += 1
    new = "".join(f"import {module}\n" for module in sorted(modules))
    leading = []
    for statement in body[first:]:
        if not isinstance(statement, (ast.Import, ast.ImportFrom)):
            break
        leading.append(statement)
    plain = [statement for statement in leading if isinstance(statement, ast.Import)]
    for statement in plain:
        if statement.names[0].name > min(modules):
            return _before(src, statement, new)
    if plain:
        return _after(src, plain[-1], new)
    if first < len(body):
        return _before(src, body[first], new if leading else new + "\n")
    return _after(src, body[first - 1], new) if first else Edit(0, 0, new)


def _before(src: Source, statement: ast.stmt, new: str) -> Edit | None:
    line = min([statement.lineno, *(d.lineno for d in getattr(statement, "decorator_list", ()))])
    index = src.tree.body.index(statement)
    if statement.col_offset or (index and src.tree.body[index - 1].end_lineno >= line):
        return None
    return Edit(src.starts[line - 1], src.starts[line - 1], new)


def _after(src: Source, statement: ast.stmt, new: str) -> Edit | None:
    index = src.tree.body.index(statement) + 1
    if index < len(src.tree.body) and src.tree.body[index].lineno <= statement.end_lineno:
        return None
    if statement.end_lineno < len(src.lines):
        offset = src.starts[statement.end_lineno]
        return Edit(offset, offset, new)
    return Edit(len(src.text), len(src.text), "\n" + new.rstrip("\n"))


def _choose(src: Source, fixes: list[Fix]) -> list[Edit]:
    """The edits of the fixes that overlap no earlier one, and the imports they need."""
    chosen: list[Fix] = []
    taken: list[Edit] = []
    for fix in fixes:
        if not any(_overlaps(edit, other) for edit in fix.edits for other in taken):
            chosen.append(fix)
            taken.extend(fix.edits)
    modules = {module for fix in chosen for module in fix.imports}
    if not modules:
        return taken
    added = _import_edit(src, modules)
    if added is None or any(_overlaps(added, edit) for edit in taken):
        return [edit for fix in chosen if not fix.imports for edit in fix.edits]
    return [*taken, added]


def fix_once(text: str, findings: Iterable[tuple[int, int, str, str]], target: tuple[int, int] | None) -> str:
    """One round: the text with the fixable ``(line, 0-based byte col, code, message)`` findings
    fixed (the text unchanged when the result would not parse)."""
    fixers = fixable_codes()
    findings = sorted(findings)
    wanted = [finding for finding in findings if finding[2] in fixers]
    if not wanted:
        return text
    tree = ast.parse(text)
    src = Source(text, tree, [(line, col, code) for line, col, code, _ in findings])
    fixes = []
    for line, col, code, message in wanted:
        fix = fixers[code](src, line, col, message, target or NEWEST)
        if fix is not None:
            fixes.append(fix)
    new = text
    for edit in sorted(_choose(src, fixes), reverse=True):
        new = new[: edit.start] + edit.new + new[edit.end :]
    try:
        ast.parse(new)
    except (SyntaxError, ValueError):
        return text
    return new


def fix_text(text: str, display: str, config: LintConfig) -> str:
    """``text`` (``\\n`` line ends) with every fixable finding fixed, round after round."""
    target = config.guide_for(display).settings.python_version
    for _ in range(MAX_ROUNDS):
        found = lint_lines(display, io.StringIO(text).readlines(), config)
        findings = [(f.line, f.column - 1, f.code, f"{f.code} {f.message}") for f in found]
        try:
            new = fix_once(text, findings, target)
        except (SyntaxError, ValueError, RecursionError):
            return text
        if new == text:
            break
        text = new
    return text


# --- files --------------------------------------------------------------------------------------
class FileFix(NamedTuple):
    path: str
    before: str
    after: str
    encoding: str

    def diff(self) -> str:
        import difflib  # only --diff pays for it

        before, after = self.before.splitlines(keepends=True), self.after.splitlines(keepends=True)
        return "".join(difflib.unified_diff(before, after, self.path, self.path))

    def write(self) -> None:
        with open(self.path, "w", encoding=self.encoding, newline="") as handle:
            handle.write(self.after)


def fix_file(path: str, config: LintConfig) -> FileFix | None:
    """The file's fix, or None when nothing changes -- or the file cannot be fixed safely: not
    readable, not decodable, or with line ends other than all ``\\n`` or all ``\\r\\n``."""
    try:
        with open(path, "rb") as handle:
            data = handle.read()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        before = data.decode(encoding)
    except (OSError, SyntaxError, LookupError, UnicodeError):
        return None
    newline = "\r\n" if "\r\n" in before else "\n"
    text = before.replace("\r\n", "\n")
    if "\r" in text or (newline == "\r\n" and before.count("\n") != before.count("\r\n")):
        return None
    try:
        after = fix_text(text, path, config).replace("\n", newline)
    except Exception:  # a fixer's bug must not stop the run: the file stays as it is, and is reported
        return None
    return FileFix(path, before, after, encoding) if after != before else None


def fix_files(paths: Iterable[str], config: LintConfig, stdin_name: str = "stdin") -> list[FileFix]:
    """The fixes of every file ``aio-lint`` would lint (stdin is not fixed)."""
    found = [path for path in find_files(paths, config, stdin_name) if path != STDIN]
    fixes = [fix_file(path, config) for path in found]
    return [fix for fix in fixes if fix is not None]
