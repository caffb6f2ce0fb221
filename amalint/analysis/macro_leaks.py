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
  same, or whose default differs but the later unit only ever tests whether the macro is
  defined (``#ifdef``, ``defined``): defined either way, its value read nowhere.

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
from amalint.model import (
    INERT,
    OBJECT_LIKE,
    REDECLARES,
    FileFacts,
    FileScope,
    MacroEvent,
    MacroEventKind,
    Skipped,
    Umbrella,
    macro_body,
)
from amalint.scan.directives import is_source

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
    """What the first of a later unit's events of the leaked macro makes of it (a test whose
    taken branch compiles nothing, with no other branch, does nothing)."""
    events = [e for e in events if not (e.kind is MacroEventKind.TEST and e.context == INERT)]
    if not events:
        return None
    first = events[0]
    if first.kind is MacroEventKind.USE:
        if first.definition and first.definition != leaked.definition:
            return None  # a header the project does not own (<assert.h>) defined it again
        return first, BREAKS if breaks(leaked.definition, first.context) else USES
    if first.kind is MacroEventKind.TEST:
        if first.location.path == leaked.location.path:
            return None  # a header read again tests its own macro: its guard or default
        default = first.definition or next(
            (e.definition for e in events if e.kind is MacroEventKind.DEFINE), "")
        if default == leaked.definition:
            return None  # `#ifndef M` / `#define M` with the same value: no change
        if default and not any(e.kind is MacroEventKind.USE for e in events):
            return None  # `#ifndef M` / `#define M` and only tests after: defined either way
        return first, TESTS
    if first.kind is MacroEventKind.DEFINE and first.definition != leaked.definition:
        return first, REDEFINES
    return None


def breaks(definition: str, context: str) -> bool:
    """Whether an object-like macro with this replacement breaks the code where a name it
    rewrites is declared (anything but another name) or called (a literal, or nothing)."""
    if context == REDECLARES:
        return True  # `char _buffer[16], *buffer;` with `_buffer` renamed to `buffer`
    if not definition.startswith(OBJECT_LIKE) or not context:
        return False  # function-like, or used as a value: the meaning may change, silently
    definition = macro_body(definition)
    renamed = definition.replace("_", "a").isalnum() and not definition[:1].isdigit()
    if context == "declarator":
        return not renamed
    return not definition or definition[:1].isdigit() or definition[:1] in "\"'"


def leaks(scope: FileScope, umbrella: Umbrella) -> list[Leak]:
    """Every leak that changes a later unit (see the module docstring)."""
    by_unit = _by_unit(scope)
    alone = AloneOrder(umbrella, scope.files)
    own = {e.name for e in by_unit.get(None, ()) if e.kind is MacroEventKind.DEFINE}
    undefs = [e for e in by_unit.get(None, ()) if e.kind is MacroEventKind.UNDEF]
    guards = {f.guard for f in scope.files if f.guard}
    units = sorted(u for u in by_unit if u is not None)
    defines: dict[str, list[MacroEvent]] = {}
    for events in by_unit.values():
        for event in events:
            if event.kind is MacroEventKind.DEFINE:
                defines.setdefault(event.name, []).append(event)
    mentioned = _mentioned(scope, umbrella)
    tops: dict[int, FileFacts] = {}
    for facts in scope.files:
        if facts.unit is not None:
            tops.setdefault(facts.unit, facts)  # the source the umbrella includes comes first
    named: dict[tuple[int, str], list[MacroEvent]] = {}  # each unit's events of each name
    for unit in units:
        for event in by_unit[unit]:
            named.setdefault((unit, event.name), []).append(event)
    out: list[Leak] = []
    for index, unit in enumerate(units):
        if unit in tops and not is_source(tops[unit].path):
            continue  # a header the umbrella itself includes: there for all that follows
        last: dict[str, MacroEvent] = {}
        for event in by_unit[unit]:
            if event.kind in (MacroEventKind.DEFINE, MacroEventKind.UNDEF):
                last[event.name] = event
        for name, define in last.items():
            if define.kind is not MacroEventKind.DEFINE or name in own or name in guards:
                continue
            out.extend(_later(name, define, unit, units[index + 1:], named, undefs, alone,
                              defines.get(name, []), mentioned, tops))
    out.extend(_ignored(scope, by_unit))
    return out


def _mentioned(scope: FileScope, umbrella: Umbrella) -> dict[int, set[Path]]:
    """For each umbrella include, the files its source names in ``#include``\\ s of any
    branch, directly or not, that the unity build does not read for it: compiled alone the
    source may read them (an ``#ifndef X_INCLUDED`` around an include of a file an earlier
    source already read, say)."""
    mentions: dict[Path, tuple[Path, ...]] = {}
    read: dict[int | None, set[Path]] = {}
    for facts in scope.files:
        mentions.setdefault(facts.path, facts.mentions)
        read.setdefault(facts.unit, set()).add(facts.path)
    out: dict[int, set[Path]] = {}
    for index, inc in enumerate(umbrella.includes):
        seen: set[Path] = set()
        todo = [inc.resolved] if inc.resolved is not None else []
        while todo:
            path = todo.pop()
            if path not in seen:
                seen.add(path)
                todo.extend(mentions.get(path, ()))
        out[index] = seen - read.get(index, set())
    return out


def _later(name: str, define: MacroEvent, unit: int, later: Sequence[int],
           named: dict[tuple[int, str], list[MacroEvent]], undefs: Sequence[MacroEvent],
           alone: AloneOrder, defines: Sequence[MacroEvent],
           mentioned: dict[int, set[Path]], tops: dict[int, FileFacts]) -> Iterator[Leak]:
    for other in later:
        events = named.get((other, name), [])
        if not events:
            continue
        if any(d.location.path in mentioned.get(other, ()) for d in defines) \
                and not _defines_first(events[0], tops.get(other)):
            continue  # compiled alone, the later source may well define it itself
        if any(define.position < u.position < events[0].position and u.name == name
               for u in undefs):
            return  # the umbrella #undefs it before this include
        if any(d.location.path != events[0].location.path and alone.precedes(
                d.location, other, events[0].location) for d in defines):
            continue  # compiled alone, the later source defines it too, through a header it
            # reads (another read of the same file, as a source included twice, has its own
            # branches)
        found = _effect(events, define)
        if found is not None:
            yield Leak(name, define, unit, found[1], found[0])
        if any(e.kind in (MacroEventKind.DEFINE, MacroEventKind.UNDEF) for e in events):
            return  # from here on the later unit's own definition (or none) is in force


def _defines_first(event: MacroEvent, top: FileFacts | None) -> bool:
    """Whether ``event`` is a ``#define`` the later source itself makes before any of its
    ``#include``\\ s (``#define BITS 8`` / ``#include "impl.c"``): no header it reads alone
    comes first."""
    return top is not None and event.kind is MacroEventKind.DEFINE \
        and event.location.path == top.path \
        and all(line > event.location.line for line in top.include_lines)


def _ignored(scope: FileScope, by_unit: dict[int | None, list[MacroEvent]]) -> Iterator[Leak]:
    """Settings a source makes for a header that an earlier source already read."""
    everything = sorted((e for events in by_unit.values() for e in events),
                        key=lambda e: e.position)
    first_read: dict[Path, FileFacts] = {}
    for facts in scope.files:
        first_read.setdefault(facts.path, facts)
    for skipped in scope.skipped:
        header = first_read.get(skipped.path)
        if header is None or skipped.unit is None or header.unit == skipped.unit or \
                skipped.guard_file not in (None, skipped.path):
            continue
        tested = {e.name: e for e in reversed(header.macros)
                  if e.kind in (MacroEventKind.TEST, MacroEventKind.USE)}
        for event in by_unit.get(skipped.unit, ()):
            if event.kind is MacroEventKind.DEFINE and event.name in tested \
                    and event.position < skipped.position and \
                    _state(everything, event.name, tested[event.name]) != event.definition:
                yield Leak(event.name, event, skipped.unit, IGNORED, event, skipped)


def _state(events: Sequence[MacroEvent], name: str, at: MacroEvent) -> str | None:
    """The definition of ``name`` in force where ``at`` is (``None``: not defined)."""
    state: str | None = None
    for event in events:
        if event.position >= at.position:
            break
        if event.name == name and event.kind is MacroEventKind.DEFINE:
            state = event.definition
        elif event.name == name and event.kind is MacroEventKind.UNDEF:
            state = None
    return state
