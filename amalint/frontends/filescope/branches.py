"""Which of a file's ``#define``\\ s it may make compiled alone.

A source compiled alone may take a branch the unity build skipped: zstd's ``debug.h`` defines
``assert`` itself under ``#ifndef assert``, which the unit skips because ``<assert.h>`` came
first through an earlier source. So a ``#define`` in any branch counts as the file's own, for
hidden dependencies (:mod:`amalint.analysis.hidden`), unless the branch is skipped alone too:
every macro its conditions test (the ``#if``, ``#elif`` and ``#ifdef`` lines of each enclosing
chain that the preprocessor evaluated) was, where the unit tested it, undefined, or predefined
or defined on the command line. Such a branch is decided the same way alone: json-c's
``#if defined(_MSC_VER)`` / ``#define strcasecmp _stricmp`` does not declare ``strcasecmp`` on
Linux, compiled alone or not.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from amalint import preprocess
from amalint.frontends.filescope.macros import defines_of
from amalint.frontends.filescope.source import FileText

_OPEN = ("if", "ifdef", "ifndef")
_NEXT = ("elif", "else", "elifdef", "elifndef")


def skipped_alone(file: FileText, pp: preprocess.Unit | None) -> set[int]:
    """The lines (1-based) of ``file``'s branches that the unit skipped and that compiled
    alone it skips too (see the module docstring): its code lines and ``#define``\\ s there
    (none without the preprocessor's view)."""
    inclusion = file.source.inclusion
    if pp is None or inclusion is None:
        return set()
    events = pp.events_of(inclusion)
    made = {e.line for e in events if e.kind == "define"}
    #: the first and last line (1-based) of each range of compiled code
    spans = [(file.line_index(a) + 1, file.line_index(max(a, b - 1)) + 1)
             for a, b in pp.active_ranges(pp.inclusions[inclusion])]
    firsts = [first for first, _ in spans]
    kinds = file.kinds
    defines = {d.line for d, _, _ in defines_of(file.source.directives.directives)}

    def skipped(line: int) -> bool:
        kind = kinds[line - 1] if line <= len(kinds) else "blank"
        if kind == "directive":
            return line in defines and line not in made
        k = bisect_right(firsts, line) - 1
        return kind == "code" and not (k >= 0 and spans[k][1] >= line)

    return {n for start, end in _stable(file, events) for n in range(start, end) if skipped(n)}


def defines(file: FileText, pp: preprocess.Unit | None) -> frozenset[str]:
    """The macros ``file`` (one read of it) ``#define``\\ s in a branch it may take compiled
    alone (every branch, without the preprocessor's view): one the unit made, or one in a
    branch whose conditions a source alone may decide otherwise."""
    written = list(defines_of(file.source.directives.directives))
    inclusion = file.source.inclusion
    if pp is None or inclusion is None or not written:
        return frozenset(name for _, name, _ in written)
    events = pp.events_of(inclusion)
    made = {e.line for e in events if e.kind == "define"}
    ranges = _stable(file, events)
    starts = [start for start, _ in ranges]

    def stable(line: int) -> bool:
        k = bisect_right(starts, line) - 1
        return k >= 0 and line < ranges[k][1]

    return frozenset(name for d, name, _ in written if d.line in made or not stable(d.line))


def _stable(file: FileText, events: Sequence[preprocess.MacroEvent]) -> list[tuple[int, int]]:
    """The ranges of lines (1-based, end excluded) inside conditionals whose every condition
    the unit evaluated alike alone: each macro tested undefined, predefined or defined on the
    command line (``events``: the read's own)."""
    unstable = {e.line for e in events  # conditions a source alone may decide otherwise
                if e.kind == "test" and e.macro is not None and e.macro.path is not None}
    out: list[tuple[int, int]] = []
    chains: list[list[int]] = []
    previous = 1
    for d in (*file.source.directives.directives, None):
        line = d.line if d is not None else len(file.lines) + 1
        if chains and not any(n in unstable for chain in chains for n in chain):
            out.append((previous, line))
        if d is None:
            break
        if d.name in _OPEN:
            chains.append([d.line])
        elif d.name in _NEXT and chains:
            chains[-1].append(d.line)
        elif d.name == "endif" and chains:
            chains.pop()
        previous = d.line
    return out
