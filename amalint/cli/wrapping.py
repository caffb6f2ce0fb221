"""A table cell that wraps only where a name ends: after a space, or after one of the
separators its column names (``/`` in a path, ``.`` in a registry key), so that a narrow
terminal never splits a file name, a directory or a key in the middle. Only a single name wider
than the whole column is folded."""

from __future__ import annotations

import re
from collections.abc import Iterator

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.measure import Measurement
from rich.text import Text


class Wrapped:
    """``markup`` (rich markup, lines separated by ``\\n``) that wraps after a space or one of
    ``separators``."""

    def __init__(self, markup: str, separators: str) -> None:
        self.text = Text.from_markup(markup)
        ends = f"[{re.escape(separators)}]+|" if separators else ""
        self._piece = re.compile(rf"[^\s{re.escape(separators)}]*(?:{ends}\s+|$)")

    def _pieces(self, line: str) -> list[str]:
        return [p for p in self._piece.findall(line) if p]

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        lines = self.text.plain.split("\n")
        longest = max((cell_len(p.rstrip()) for line in lines for p in self._pieces(line)),
                      default=0)
        return Measurement(longest, max(cell_len(line) for line in lines)).clamp(
            max_width=options.max_width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        width = options.max_width
        offsets: list[int] = []
        start = 0
        for line in self.text.plain.split("\n"):
            used = 0
            position = start
            for piece in self._pieces(line):
                if used and used + cell_len(piece.rstrip()) > width:
                    offsets.append(position)
                    used = 0
                used += cell_len(piece)
                position += len(piece)
            start += len(line) + 1
            offsets.append(start)
        for part in self.text.divide(offsets[:-1]):
            part.rstrip()
            part.remove_suffix("\n")
            part.overflow = "fold"  # a single name wider than the column
            yield part
