"""The text report, ruff-style: a header line per finding, a code frame, then the call chain
and the other related places as clang-style ``file:line:col: note:`` lines."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from amalint.engine.rule import Finding, display
from amalint.model import Location, Severity


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


#: A chain tail this long, printed once, is not printed again: later findings point to it.
MIN_REPEATED_TAIL = 3


def render(findings: Sequence[Finding], out: TextIO, sources: Mapping[Path, Sequence[str]],
           fixable: Collection[int] = (), color: bool = True) -> None:
    """Print each finding: a header line, the code frame, then every related location as a
    clang-style ``file:line:col: note: ...`` line (editors' quickfix lists jump to them). A
    tail of the call chain that an earlier finding printed is shown once: its first step, then
    where it was shown. ``fixable`` holds the ``id()`` of findings ``--fix`` would fix, marked
    ``[*]`` as ruff does. Colors only when ``out`` is a terminal, ``color`` is set and the
    ``NO_COLOR`` variable is not."""
    color = color and not os.environ.get("NO_COLOR")
    console = Console(file=out, highlight=False, soft_wrap=True,
                      color_system="auto" if color else None)
    tails: dict[tuple[tuple[Location, str], ...], str] = {}
    for finding in findings:
        mark = " [*]" if id(finding) in fixable else ""
        loc = finding.location
        where = f"{display(loc.path)}:{loc.line}:{loc.column}"
        style = "bold red" if finding.severity is Severity.ERROR else "bold yellow"
        console.print(
            f"[bold]{escape(where)}:[/bold] [{style}]{finding.code}[/{style}]{mark} "
            f"{escape(finding.message)}"
        )
        _frame(console, finding.location, finding.end_location,
               sources.get(finding.location.path, ()), finding.code)
        steps = [(r.location, r.message) for r in finding.related if r.step]
        shared, first_shown = _shared_tail(steps, tails)
        cut = len(steps) - shared  # the first step of the tail printed before
        index = 0
        for related in finding.related:
            message = related.message
            if related.step:
                index += 1
                if shared and index - 1 > cut:
                    continue
                if shared and index - 1 == cut:
                    message += (f", then {shared - 1} more step(s) as shown above for "
                                f"{first_shown}")
            _note(console, related.location, message)
        for k in range(MIN_REPEATED_TAIL, len(steps) + 1):
            tails.setdefault(tuple(steps[-k:]), where)
        console.print()


def _shared_tail(steps: list[tuple[Location, str]],
                 tails: Mapping[tuple[tuple[Location, str], ...], str]) -> tuple[int, str]:
    """The length of the longest tail of ``steps`` printed before, and where; ``(0, "")``."""
    for k in range(len(steps), MIN_REPEATED_TAIL - 1, -1):
        shown = tails.get(tuple(steps[-k:]))
        if shown is not None:
            return k, shown
    return 0, ""


def _note(console: Console, loc: Location, message: str) -> None:
    where = f"{display(loc.path)}:{loc.line}:{loc.column}:"
    console.print(f"[bold]{escape(where)}[/bold] [cyan]note:[/cyan] {escape(message)}")
