"""The text report, ruff-style: a header line per finding, a code frame, the call chain."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from amalint.engine.rule import Finding, display
from amalint.model import Location
from rich.console import Console
from rich.markup import escape
from rich.text import Text


def _frame(console: Console, loc: Location, end: Location, lines: Sequence[str], code: str) -> None:
    if not 0 < loc.line <= len(lines):
        return
    number = str(loc.line)
    pad = " " * len(number)
    source = lines[loc.line - 1]
    width = max(1, (end.column - loc.column) if end.line == loc.line else len(source) - loc.column)
    console.print(Text(f"{pad} |", style="blue"))
    console.print(Text.assemble((f"{number} | ", "blue"), source))
    console.print(Text.assemble((f"{pad} | ", "blue"), " " * (loc.column - 1),
                                ("^" * width + f" {code}", "bold red")))
    console.print(Text(f"{pad} |", style="blue"))


def render(findings: Sequence[Finding], out: TextIO, sources: Mapping[Path, Sequence[str]],
           fixable: Collection[int] = (), color: bool = True) -> None:
    """Print each finding; ``fixable`` holds the ``id()`` of findings ``--fix`` would fix,
    marked ``[*]`` as ruff does. Colors only when ``out`` is a terminal, ``color`` is set and
    the ``NO_COLOR`` variable is not."""
    console = Console(file=out, highlight=False, soft_wrap=True,
                      color_system="auto" if color else None)
    for finding in findings:
        mark = " [*]" if id(finding) in fixable else ""
        loc = finding.location
        where = f"{display(loc.path)}:{loc.line}:{loc.column}"
        console.print(
            f"[bold]{escape(where)}:[/bold] [bold red]{finding.code}[/bold red]{mark} "
            f"{escape(finding.message)}"
        )
        _frame(console, finding.location, finding.end_location,
               sources.get(finding.location.path, ()), finding.code)
        for related in finding.related:
            loc = related.location
            console.print(
                f"  [blue]=[/blue] {escape(related.message)} "
                f"[dim]({escape(display(loc.path))}:{loc.line}:{loc.column})[/dim]"
            )
        console.print()


def report(findings: Sequence[Finding], sources: Any, fixable: set[int], out: TextIO, *,
          fixed: int, fix: bool, hidden: int, quiet: bool, no_color: bool) -> None:
    """The findings and ruff's summary lines (\"All checks passed!\", \"Found N errors.\", what
    ``--fix`` would fix)."""
    if findings:  # NO_COLOR (no-color.org): no escape sequences at all, like --no-color
        color = not no_color and not os.environ.get("NO_COLOR")
        render(findings, out, sources, fixable, color=color)
    if quiet:
        return
    if not findings and not fixed:
        out.write("All checks passed!\n")
        return
    errors = len(findings) + fixed
    summary = f"Found {errors} error{'s' if errors != 1 else ''}"
    out.write(f"{summary} ({fixed} fixed, {len(findings)} remaining).\n" if fix
              else f"{summary}.\n")
    if fixable and not fix:
        out.write(f"[*] {len(fixable)} fixable with the `--fix` option.\n")
    if hidden and not fix:
        out.write(f"{hidden} hidden fix(es) can be enabled with the `--unsafe-fixes` option.\n")

