"""``amalint rule``: the rules, or one rule's documentation (its module docstring)."""

from __future__ import annotations

import click

from amalint.cli.options import EXIT_CODES, fail
from amalint.rules import RULES


@click.command(epilog=EXIT_CODES)
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Print every rule's documentation.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="markdown: the docs/rules.md page.")
def rule(code: str | None, show_all: bool, fmt: str) -> None:
    """Print a rule's documentation (from its module docstring): CODE is a rule code (AM101)
    or name (init-order); without one, list the rules."""
    if show_all and fmt == "markdown":
        from amalint.reporters.ruledocs import markdown

        click.echo(markdown(RULES.values()), nl=False)
        return
    if show_all:
        click.echo("\n\n".join(r.doc.strip() for r in RULES.values()))
        return
    if code is None:
        for r in RULES.values():
            click.echo(f"{r.code}  {r.name:24s} {r.summary}")
        return
    found = RULES.get(code.upper()) or next(
        (r for r in RULES.values() if r.name == code.lower().replace("_", "-")), None)
    if found is None:
        fail(f"unknown rule {code!r} (known: {', '.join(RULES)}, or their names: "
             f"{', '.join(r.name for r in RULES.values())})")
    if fmt == "markdown":
        from amalint.reporters.ruledocs import markdown

        click.echo(markdown([found]), nl=False)
        return
    click.echo(found.doc.strip())

