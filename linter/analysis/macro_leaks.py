"""What macros one included source leaves defined do to the sources after it.

Pure functions over the file-scope facts. A *unit* (what one umbrella ``#include`` reads: the
source and the headers it reads first) leaks every macro whose last ``#define`` in it is not
followed by an ``#undef`` there, unless the umbrella ``#undef``\\ s it in between. In a later
unit, the first thing done with a leaked macro decides what the leak does:

* ``redefines``: a ``#define`` with another body (the compiler warns "redefined");
* ``breaks``: an object-like macro where the later code names a function or declares a name of
  its own (``capacity(4)``, ``static int capacity(int n)``): it no longer compiles;
* ``uses``, ``tests``: the macro's value or mere definition changes what the later code means
  (``#ifndef BUFFER_SIZE`` takes the earlier file's value);
* nothing, for an ``#undef``, an identical ``#define``, or an ``#ifndef`` whose default is the
  same.

A later unit that would read the definition when compiled alone too (it includes the header
that makes it, before) is not affected. And a source that sets a macro and then includes a
header that an earlier source already read has its setting *ignored* when that header tests the
macro: the compiler skips the header.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from amalint.analysis.alone import AloneOrder
from amalint.model import FileFacts, FileScope, MacroEvent, MacroEventKind, Skipped, Umbrella

USES = "uses it"
TESTS = "tests whether it is defined"
REDEFINES = "defines it differently"
BREAKS = "no longer compiles"
IGNORED = "is ignored"


@dataclass(frozen=True)
class Leak:
    """A macro ``unit`` leaves defined, and what it does where ``event`` is."""

    name: str
    define: MacroEvent
    unit: int
    effect: str
    event: MacroEvent
    #: For ``IGNORED``: the include the compiler skips.
    skipped: Skipped | None = None


def _by_unit(scope: FileScope) -> dict[int | None, list[MacroEvent]]:
    out: dict[int | None, list[MacroEvent]] = {}
    for facts in scope.files:
        out.setdefault(facts.unit, []).extend(facts.macros)
    for events in out.values():
        events.sort(key=lambda e: e.position)
    return out


def _effect(events: Sequence[MacroEvent], leaked: MacroEvent) -> tuple[MacroEvent, str] | None:
    """What the first of a later unit's events of the leaked macro makes of it."""
    first = events[0]
    if first.kind is MacroEventKind.USE:
        object_like = not leaked.definition.startswith("(")
        return first, BREAKS if object_like and first.context else USES
    if first.kind is MacroEventKind.TEST:
        default = next((e for e in events if e.kind is MacroEventKind.DEFINE), None)
        if default is not None and default.definition == leaked.definition:
            return None  # `#ifndef M` / `#define M` with the same value: no change
        return first, TESTS
    if first.kind is MacroEventKind.DEFINE and first.definition != leaked.definition:
        return first, REDEFINES
    return None


def leaks(scope: FileScope, umbrella: Umbrella) -> list[Leak]:
    """Every leak that changes a later unit (see the module docstring)."""
    by_unit = _by_unit(scope)
    alone = AloneOrder(umbrella, scope.files)
    own = {e.name for e in by_unit.get(None, ()) if e.kind is MacroEventKind.DEFINE}
    undefs = [e for e in by_unit.get(None, ()) if e.kind is MacroEventKind.UNDEF]
    guards = {f.guard for f in scope.files if f.guard}
    units = sorted(u for u in by_unit if u is not None)
    out: list[Leak] = []
    for index, unit in enumerate(units):
        last: dict[str, MacroEvent] = {}
        for event in by_unit[unit]:
            if event.kind in (MacroEventKind.DEFINE, MacroEventKind.UNDEF):
                last[event.name] = event
        for name, define in last.items():
            if define.kind is not MacroEventKind.DEFINE or name in own or name in guards:
                continue
            out.extend(_later(name, define, unit, units[index + 1:], by_unit, undefs, alone))
    out.extend(_ignored(scope, by_unit))
    return out


def _later(name: str, define: MacroEvent, unit: int, later: Sequence[int],
           by_unit: dict[int | None, list[MacroEvent]], undefs: Sequence[MacroEvent],
           alone: AloneOrder) -> Iterator[Leak]:
    for other in later:
        events = [e for e in by_unit[other] if e.name == name]
        if not events:
            continue
        if any(define.position < u.position < events[0].position and u.name == name
               for u in undefs):
            return  # the umbrella #undefs it before this include
        if alone.precedes(define.location, other, events[0].location):
            continue  # the later source reads that definition alone too
        found = _effect(events, define)
        if found is not None:
            yield Leak(name, define, unit, found[1], found[0])
        if any(e.kind in (MacroEventKind.DEFINE, MacroEventKind.UNDEF) for e in events):
            return  # from here on the later unit's own definition (or none) is in force


def _ignored(scope: FileScope, by_unit: dict[int | None, list[MacroEvent]]) -> Iterator[Leak]:
    """Settings a source makes for a header that an earlier source already read."""
    first_read: dict[Path, FileFacts] = {}
    for facts in scope.files:
        first_read.setdefault(facts.path, facts)
    for skipped in scope.skipped:
        header = first_read.get(skipped.path)
        if header is None or skipped.unit is None or header.unit == skipped.unit or \
                skipped.guard_file not in (None, skipped.path):
            continue
        tested = {e.name for e in header.macros
                  if e.kind in (MacroEventKind.TEST, MacroEventKind.USE)}
        for event in by_unit.get(skipped.unit, ()):
            if event.kind is MacroEventKind.DEFINE and event.name in tested \
                    and event.position < skipped.position:
                yield Leak(event.name, event, skipped.unit, IGNORED, event, skipped)
