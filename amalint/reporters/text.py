"""The text report, ruff-style: a header line per finding, a code frame, then the call chain
and the other related places as clang-style ``file:line:col: note:`` lines.

Each line is a list of pieces of text, each with a style or none. On a terminal with colors
they are printed by rich; otherwise (a pipe, a file, ``--no-color``, ``NO_COLOR``) by
:class:`Plain`, which writes what rich would without importing it (a tenth of a small run's
start-up): control characters rich drops (BEL, BS, VT, FF, CR) dropped, tabs expanded to
stops of 8 cells.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TextIO

from amalint.engine.rule import Finding, display
from amalint.model import Location, Severity

#: A piece of a line and its rich style (``None``: plain).
Piece = tuple[str, str | None]
#: The control characters rich removes from text (``rich.control.STRIP_CONTROL_CODES``).
_STRIP = dict.fromkeys((7, 8, 11, 12, 13))
TAB_SIZE = 8


class Lines(Protocol):
    def line(self, *pieces: Piece) -> None: ...


class Plain:
    """Lines without styles, as rich prints them uncolored."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def line(self, *pieces: Piece) -> None:
        text = "".join(piece for piece, _ in pieces).translate(_STRIP)
        self.out.write(expand_tabs(text) + "\n")


def _cells(text: str) -> int:
    return sum(0 if unicodedata.combining(c) else
               2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def expand_tabs(text: str) -> str:
    """Tabs as spaces up to the next stop of :data:`TAB_SIZE` cells, counted from the start
    of each line (as ``rich.text.Text.expand_tabs``)."""
    if "\t" not in text:
        return text
    lines = []
    for line in text.split("\n"):
        parts = line.split("\t")
        position = 0
        done = []
        for part in parts[:-1]:
            position += _cells(part) + 1
            spaces = -position % TAB_SIZE
            position += spaces
            done.append(part + " " * (1 + spaces))
        lines.append("".join(done) + parts[-1])
    return "\n".join(lines)


class Rich:
    """Lines with styles, printed by rich (colors where the stream and settings allow)."""

    def __init__(self, out: TextIO) -> None:
        from rich.console import Console

        self.console = Console(file=out, highlight=False, soft_wrap=True, color_system="auto")

    def line(self, *pieces: Piece) -> None:
        from rich.text import Text

        self.console.print(Text.assemble(*((t, s or "") for t, s in pieces)))


def colored(out: TextIO, color: bool) -> bool:
    """Whether rich would color ``out``: ``color`` is set, ``NO_COLOR`` is not, and ``out``
    is a terminal (or rich is told to treat it as one: ``FORCE_COLOR``, ``TTY_COMPATIBLE``)."""
    if not color or os.environ.get("NO_COLOR"):
        return False
    isatty: Any = getattr(out, "isatty", None)
    try:
        terminal = bool(isatty and isatty())
    except ValueError:  # a closed stream
        terminal = False
    return terminal or bool(os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE"))


def _frame(lines_out: Lines, loc: Location, end: Location, lines: Sequence[str],
           code: str) -> None:
    if not 0 < loc.line <= len(lines):
        return
    number = str(loc.line)
    pad = " " * len(number)
    source = lines[loc.line - 1]
    width = max(1, (end.column - loc.column) if end.line == loc.line else len(source) - loc.column)
    lines_out.line((f"{pad} |", "blue"))
    lines_out.line((f"{number} | ", "blue"), (source, None))
    lines_out.line((f"{pad} | ", "blue"), (" " * (loc.column - 1), None),
                   ("^" * width + f" {code}", "bold red"))
    lines_out.line((f"{pad} |", "blue"))


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
    console: Lines = Rich(out) if colored(out, color) else Plain(out)
    tails: dict[tuple[tuple[Location, str], ...], str] = {}
    for finding in findings:
        mark = " [*]" if id(finding) in fixable else ""
        loc = finding.location
        where = f"{display(loc.path)}:{loc.line}:{loc.column}"
        style = "bold red" if finding.severity is Severity.ERROR else "bold yellow"
        console.line((f"{where}:", "bold"), (" ", None), (finding.code, style),
                     (f"{mark} {finding.message}", None))
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
        console.line()


def _shared_tail(steps: list[tuple[Location, str]],
                 tails: Mapping[tuple[tuple[Location, str], ...], str]) -> tuple[int, str]:
    """The length of the longest tail of ``steps`` printed before, and where; ``(0, "")``."""
    for k in range(len(steps), MIN_REPEATED_TAIL - 1, -1):
        shown = tails.get(tuple(steps[-k:]))
        if shown is not None:
            return k, shown
    return 0, ""


def _note(console: Lines, loc: Location, message: str) -> None:
    where = f"{display(loc.path)}:{loc.line}:{loc.column}:"
    console.line((where, "bold"), (" ", None), ("note:", "cyan"), (f" {message}", None))
