"""Macros a system header defined through an earlier source, set again by a later source
whose own includes, compiled alone, do not read that header before: in the unity build the
compiler warns that they are redefined (c-ares' ``#define FD_SETSIZE 4096`` before its
includes, after another source's ``<sys/select.h>``; libarchive's ``#define CTIME 2`` after
includes that never reach ``<sys/ttydefaults.h>``). Only the preprocessor's view tells: the
events it met in every file, system headers included, and which inclusions it skipped."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path

from amalint import preprocess
from amalint.frontends.filescope.macros import macro_definition
from amalint.model import Location, SystemMacro


def system_redefinitions(pp: preprocess.Unit,
                         units: Mapping[int | None, int | None]) -> Iterator[SystemMacro]:
    """Each such redefinition, with the system header's definition it meets; ``units`` maps
    the preprocessor's inclusion of each file read to its umbrella include."""
    inclusions = pp.inclusions
    children: dict[int, list[preprocess.Inclusion]] = {}
    first_read: dict[str, int] = {}  # each file's first inclusion the compiler opened
    for inc in inclusions:
        if inc.parent is not None:
            children.setdefault(inc.parent, []).append(inc)
        if inc.skipped is None:
            first_read.setdefault(inc.path, inc.index)
    last: dict[str, preprocess.MacroEvent] = {}
    for event in pp.events:
        if event.kind == "undef":
            last.pop(event.name, None)
            continue
        if event.kind != "define" or event.inclusion is None:
            continue
        before = last.get(event.name)
        last[event.name] = event
        if before is None or before.inclusion is None or before.macro is None \
                or event.macro is None:
            continue
        here, there = inclusions[event.inclusion], inclusions[before.inclusion]
        later = units.get(here.index) if here.unit == here.index else None
        earlier = units.get(there.unit) if there.unit is not None else None
        if here.system or later is None or not there.system or earlier is None \
                or earlier >= later \
                or macro_definition(event.macro) == macro_definition(before.macro) \
                or there.path in _alone(children, first_read, here.index, event.line):
            continue
        yield SystemMacro(event.name, _where(pp, there, before), earlier,
                          _where(pp, here, event), later)


def _alone(children: Mapping[int, list[preprocess.Inclusion]], first_read: Mapping[str, int],
           source: int, line: int) -> set[str]:
    """The files the source of inclusion ``source`` reads before ``line`` when compiled alone:
    its includes before that line and all they read, an include the unity build skipped as
    read already standing for what its first read read."""
    seen: set[str] = set()
    todo = [c for c in children.get(source, ()) if c.line < line]
    while todo:
        inc = todo.pop()
        if inc.path in seen:
            continue
        seen.add(inc.path)
        read = inc.index if inc.skipped is None else first_read.get(inc.path)
        if read is not None:
            todo.extend(children.get(read, ()))
    return seen


def _where(pp: preprocess.Unit, inclusion: preprocess.Inclusion,
           event: preprocess.MacroEvent) -> Location:
    """Where the ``#define`` names the macro."""
    data = pp.data(inclusion)
    offset = data.find(event.name.encode(), event.position[-1])
    column = offset - data.rfind(b"\n", 0, offset) if offset >= 0 else 1
    return Location(Path(inclusion.path).resolve(), event.line, column)
