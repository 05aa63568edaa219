"""Documentation generated from the declarations: ``docs/rules.md``, the maintainers'
``docs/sources.md`` next to it, README's rule and option tables, and one rule's page
(``python -m flake8_async_patterns explain``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .registry import INTERNAL_ERROR, PREFIX, Rule
from .rules import RULES
from .settings import OPTIONS, Option

GENERATED_NOTE = "<!-- generated from the rule registry by `python -m flake8_async_patterns docs`; do not edit -->"
SOURCES_PAGE = "sources.md"  # written next to the rule reference (``docs --output``)

SELECTION = """\
Rules marked **on** are reported by a plain `flake8` run. Rules marked **off** are opinionated or
heuristic: they sit in flake8's default ignore list until you ask for them, e.g.
`flake8 --extend-select={off_codes}` (or `extend-select = {off_prefix}` in the `[flake8]` section
of `setup.cfg`, `tox.ini` or `.flake8`). An explicit `--select={prefix}` selects every {prefix} code,
the off-by-default ones included -- flake8's own rule: an explicit selection beats the default
ignore list. `# noqa: {first_code}` silences one line as usual.

"Async context" means lexically inside an `async def` body, not inside a nested `def` or `lambda`
within it (those run elsewhere, perhaps in a thread). Comprehensions and class bodies inside an
`async def` run at once, inside the coroutine: they are async context -- the methods of such a
class are not (they run when called). Names are matched by qualified name through imports and aliases
(`import asyncio as aio`, `from time import sleep as nap`); a name rebound locally (a parameter,
an assignment) is no longer the import.

Code inside `with pytest.raises(...)`, `pytest.warns(...)`, `pytest.deprecated_call()` or a
unittest `self.assertRaises*(...)`/`self.assertWarns*(...)` block is expected to fail: rules whose
mistake raises or warns at run time (marked below) are not reported there; the others are.
"""

SOURCES_INTRO = """\
For maintainers: the pattern of the project's internal source documents that each rule was
written from (its *seed*). Users want the rule reference, [{rules_page}]({rules_page}); each code
below links to its page there.
"""

INTERNAL_ERROR_SECTION = """\
## {code} {name}

Not a rule: the plugin reports `{code} {message}` when one of its own checkers raises on a file.
That checker's findings for the file are dropped and every other rule still reports, so one bug
neither crashes flake8 nor hides the rest. Please report it with the file (or a reduced
snippet); until it is fixed, `extend-ignore = {code}` silences it.
"""


def _default(rule: Rule) -> str:
    return "on" if rule.default_enabled else "off"


def _first_sentence(text: str) -> str:
    sentence = text.split(". ")[0].rstrip(".")
    return sentence + "."


def readme_table(rules: Sequence[Rule] = RULES) -> str:
    lines = ["| code | name | default | flags |", "|---|---|---|---|"]
    for rule in rules:
        lines.append(f"| {rule.code} | {rule.name} | {_default(rule)} | {_first_sentence(rule.summary)} |")
    return "\n".join(lines)


def options_table(options: Sequence[Option] = OPTIONS) -> str:
    lines = ["| option | meaning | default |", "|---|---|---|"]
    for option in options:
        default = (
            option.default_text if option.default_text.startswith(("unset", "none")) else f"`{option.default_text}`"
        )
        lines.append(f"| `{option.flag}` | {option.help} | {default} |")
    return "\n".join(lines)


_MARKERS = {"rules-table": readme_table, "options-table": options_table}


class MissingMarkers(ValueError):
    """The README has no markers around a generated table."""


def refresh_readme(readme: str) -> str:
    """README text with each generated table between its markers (``<!-- rules-table ... -->``
    ... ``<!-- /rules-table -->``, likewise ``options-table``)."""
    for marker, render in _MARKERS.items():
        start_marker, end_marker = f"<!-- {marker}", f"<!-- /{marker} -->"
        if start_marker not in readme or end_marker not in readme:
            raise MissingMarkers(f"README has no '{start_marker} ...' / '{end_marker}' markers")
        start = readme.index("\n", readme.index(start_marker)) + 1
        end = readme.index(end_marker)
        readme = readme[:start] + render() + "\n" + readme[end:]
    return readme


def rule_markdown(rule: Rule) -> str:
    out = [f"## {rule.code} {rule.name}", ""]
    out.append(f"- **Default:** {_default(rule)}")
    out.append(f"- **Message:** `{rule.code} {rule.message}`")
    for variant, template in rule.variants.items():
        out.append(f"  - *{variant}:* `{rule.code} {template}`")
    out.append(f"- **Equivalent elsewhere:** {rule.peers}")
    if rule.options:
        out.append("- **Options:** " + ", ".join(f"`{option.flag}`" for option in rule.options))
    if rule.async_only:
        out.append("- **Where:** only in async context")
    out.append(
        "- **Reported in test files:** "
        + ("yes" if rule.in_test_files else "no (its harm is event-loop latency; see `--aio-test-files`)")
    )
    if not rule.in_cli_files:
        out.append("- **Reported in command-line modules:** no (a command runs alone on its loop; `--aio-cli-files`)")
    if rule.raises_or_warns:
        out.append(
            "- **Fails at run time:** yes -- not reported inside `pytest.raises`/`pytest.warns`/"
            "`assertRaises*`/`assertWarns*` blocks, where a test expects the failure"
        )
    if rule.min_python:
        out.append(
            f"- **Needs:** Python {rule.min_python[0]}.{rule.min_python[1]}+ for the suggested fix; "
            "not reported when `--aio-python-version` is older"
        )
    out += ["", "### What it flags", "", rule.summary, "", "### Why is this wrong", "", rule.why, ""]
    example_note = ""
    if not rule.default_enabled:
        example_note = f" (reported with `--extend-select={rule.code}`)"
    if rule.example_options:
        example_note = " (with " + " ".join(f"`{option}`" for option in rule.example_options) + ")"
    out += [f"### Example{example_note}", "", "```python", rule.example.rstrip("\n"), "```", ""]
    out += ["### Use instead", "", "```python", rule.use_instead.rstrip("\n"), "```", ""]
    if rule.notes:
        out += ["### Decisions and limits", ""]
        out += [f"- {note}" for note in rule.notes]
        out.append("")
    if rule.references:
        out += ["### References", ""]
        out += [f"- <{url}>" for url in rule.references]
        out.append("")
    return "\n".join(out)


def anchor(code: str) -> str:
    """The stable anchor of a code's page in the rule reference (``rules.md#<anchor>``): the code
    in lower case, set by an explicit ``<a id>``, so it outlives a change of the heading text."""
    return code.lower()


def _anchored(code: str, page: str) -> str:
    return f'<a id="{anchor(code)}"></a>\n\n{page}'


def render_rules_md(rules: Sequence[Rule] = RULES) -> str:
    off = [rule.code for rule in rules if not rule.default_enabled]
    selection = SELECTION.format(
        off_codes=",".join(off[:2]),
        off_prefix=off[0][:4] if off else PREFIX,
        prefix=PREFIX,
        first_code=rules[0].code,
    )
    parts = [GENERATED_NOTE, "", "# flake8-async-patterns rules", "", selection, readme_table(rules), ""]
    parts += [_anchored(rule.code, rule_markdown(rule)) for rule in rules]
    internal = INTERNAL_ERROR_SECTION.format(
        code=INTERNAL_ERROR.code, name=INTERNAL_ERROR.name, message=INTERNAL_ERROR.message
    )
    parts.append(_anchored(INTERNAL_ERROR.code, internal))
    return "\n".join(parts).rstrip("\n") + "\n"


def render_sources_md(rules: Sequence[Rule] = RULES, rules_page: str = "rules.md") -> str:
    """The maintainers' table: each rule's code (linked to its page in ``rules_page``), name and seed."""
    lines = [
        GENERATED_NOTE,
        "",
        "# flake8-async-patterns rule sources",
        "",
        SOURCES_INTRO.format(rules_page=rules_page),
    ]
    lines += ["| code | name | seed pattern |", "|---|---|---|"]
    for rule in rules:
        seed = " ".join(rule.seed.split()).replace("|", "\\|")
        lines.append(f"| [{rule.code}]({rules_page}#{anchor(rule.code)}) | {rule.name} | {seed} |")
    return "\n".join(lines) + "\n"


def pages(output: Path) -> dict[Path, str]:
    """What ``docs --output`` writes: the rule reference at ``output`` and the sources page next to it."""
    return {output: render_rules_md(), output.with_name(SOURCES_PAGE): render_sources_md(rules_page=output.name)}
