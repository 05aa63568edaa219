"""Documentation generated from the registry: ``docs/rules.md``, README's table, ``explain``."""

from __future__ import annotations

from .registry import PREFIX, Rule, all_rules

GENERATED_NOTE = "<!-- generated from the rule registry by `python -m flake8_async_patterns docs`; do not edit -->"

SELECTION = """\
Rules marked **on** are reported by a plain `flake8` run. Rules marked **off** are opinionated or
heuristic: they sit in flake8's default ignore list until you ask for them, e.g.
`flake8 --extend-select={off_codes}` (or `extend-select = {off_prefix}` in the `[flake8]` section
of `setup.cfg`, `tox.ini` or `.flake8`). An explicit `--select={prefix}` selects every {prefix} code,
the off-by-default ones included -- flake8's own rule: an explicit selection beats the default
ignore list. `# noqa: {first_code}` silences one line as usual.

"Async context" means lexically inside an `async def` body, not inside a nested `def`, `lambda`
or class body within it (those run elsewhere); comprehensions inside an `async def` are async
context. Names are matched by qualified name through imports and aliases
(`import asyncio as aio`, `from time import sleep as nap`); a name rebound locally (a parameter,
an assignment) is no longer the import.

Code inside `with pytest.raises(...)`, `pytest.warns(...)`, `pytest.deprecated_call()` or a
unittest `self.assertRaises*(...)`/`self.assertWarns*(...)` block is expected to fail: rules whose
mistake raises or warns at run time (marked below) are not reported there; the others are.
"""


def _default(rule: Rule) -> str:
    return "on" if rule.default else "off"


def _first_sentence(text: str) -> str:
    sentence = text.split(". ")[0].rstrip(".")
    return sentence + "."


def readme_table() -> str:
    lines = ["| code | name | default | flags |", "|---|---|---|---|"]
    for rule in all_rules():
        lines.append(f"| {rule.code} | {rule.name} | {_default(rule)} | {_first_sentence(rule.summary)} |")
    return "\n".join(lines)


_TABLE_START = "<!-- rules-table"
_TABLE_END = "<!-- /rules-table -->"


def refresh_readme_table(readme: str) -> str:
    """README text with the generated rule table between its markers."""
    start = readme.index("\n", readme.index(_TABLE_START)) + 1
    end = readme.index(_TABLE_END)
    return readme[:start] + readme_table() + "\n" + readme[end:]


def rule_markdown(rule: Rule) -> str:
    out = [f"## {rule.code} {rule.name}", ""]
    out.append(f"- **Default:** {_default(rule)}")
    out.append(f"- **Message:** `{rule.code} {rule.message}`")
    for variant, template in rule.variants.items():
        out.append(f"  - *{variant}:* `{rule.code} {template}`")
    out.append(f"- **Equivalent elsewhere:** {rule.peers}")
    if rule.options:
        out.append("- **Options:** " + ", ".join(f"`{option}`" for option in rule.options))
    if rule.async_only:
        out.append("- **Where:** only in async context")
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
    if not rule.default:
        example_note = f" (reported with `--extend-select={rule.code}`)"
    if rule.example_options:
        example_note = " (with " + " ".join(f"`{option}`" for option in rule.example_options) + ")"
    out += [f"### Example{example_note}", "", "```python", rule.example.rstrip("\n"), "```", ""]
    out += ["### Use instead", "", "```python", rule.use_instead.rstrip("\n"), "```", ""]
    out += ["### Seed pattern", "", rule.seed, ""]
    if rule.notes:
        out += ["### Decisions and limits", ""]
        out += [f"- {note}" for note in rule.notes]
        out.append("")
    if rule.references:
        out += ["### References", ""]
        out += [f"- <{url}>" for url in rule.references]
        out.append("")
    return "\n".join(out)


def render_rules_md() -> str:
    rules = all_rules()
    off = [rule.code for rule in rules if not rule.default]
    selection = SELECTION.format(
        off_codes=",".join(off[:2]), off_prefix=off[0][:4] if off else PREFIX, prefix=PREFIX,
        first_code=rules[0].code,
    )
    parts = [GENERATED_NOTE, "", "# flake8-async-patterns rules", "", selection, readme_table(), ""]
    parts += [rule_markdown(rule) for rule in rules]
    return "\n".join(parts).rstrip("\n") + "\n"


def explain(rule: Rule) -> str:
    """Docs for one rule (``python -m flake8_async_patterns explain <code-or-name>``)."""
    return rule_markdown(rule)
