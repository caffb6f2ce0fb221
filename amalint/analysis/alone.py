"""What a source of the unity build would see compiled alone: the files it reads, in order.

In the unity build a file sees everything the umbrella's earlier includes declared; compiled
alone it sees only what it includes itself. A clash between two places is the unity build's
doing only if the earlier place would not come first when the later place's source is compiled
alone. Pure: computed from the include lists of the file-scope facts: of every read of a file, and
the ``#include`` lines that no ``#if`` (other than its include guard) encloses, which a read in
the unit may have skipped (a neighbour defined the guard, or the file is read again).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from amalint.model import FileFacts, Location, Umbrella


class AloneOrder:
    """Where each file an umbrella include reads would come when that source is compiled alone
    (as far as the unit's files show): a note that would precede the diagnostic there too is the
    file's own business, not the unity build's."""

    def __init__(self, umbrella: Umbrella, files: Sequence[FileFacts]) -> None:
        self.umbrella = umbrella
        self.includes: dict[Path, tuple[tuple[int, Path], ...]] = {}
        merged: dict[Path, dict[int, Path]] = {}
        for facts in files:
            lines = merged.setdefault(facts.path, {})
            lines.update(zip(facts.include_lines, facts.includes, strict=True))
            # the unit may read a header with its guard already defined by a neighbour, or
            # again without its guarded part: alone, the guarded part is read, and with it
            # every #include it holds outside any further #if
            unconditional = 1 if facts.guard else 0
            lines.update((w.line, w.resolved) for w in facts.written
                         if w.resolved is not None and w.depth <= unconditional)
        for path, lines in merged.items():
            self.includes[path] = tuple(sorted(lines.items()))
        self._memo: dict[int | None, dict[Path, tuple[int, ...]]] = {}

    def order(self, unit: int | None) -> dict[Path, tuple[int, ...]]:
        """For each file the unit reads alone, the lines of the ``#include``\\ s leading to it
        (each file read once, at its first inclusion, as include guards make it)."""
        if unit not in self._memo:
            root = self.umbrella.path if unit is None \
                else self.umbrella.includes[unit].resolved
            found: dict[Path, tuple[int, ...]] = {}
            todo: list[tuple[Path, tuple[int, ...]]] = [(root, ())] if root is not None else []
            while todo:  # depth first, in include order
                path, prefix = todo.pop()
                if path in found:
                    continue
                found[path] = prefix
                todo.extend((child, (*prefix, line))
                            for line, child in reversed(self.includes.get(path, ())))
            self._memo[unit] = found
        return self._memo[unit]

    def precedes(self, earlier: Location, unit: int | None, later: Location) -> bool:
        """Whether ``earlier`` comes before ``later`` when the source of ``unit`` is compiled
        alone (``False`` if it does not read ``earlier``'s file at all)."""
        order = self.order(unit)
        if earlier.path not in order or later.path not in order:
            return False
        return (*order[earlier.path], earlier.line) < (*order[later.path], later.line)
