"""Macros a system header defined through an earlier source, set again by a later source
before its first ``#include``: compiled alone nothing defined them there, in the unity build
the compiler warns that they are redefined (c-ares' ``#define FD_SETSIZE 4096`` after another
source's ``<sys/select.h>``). Only the preprocessor's view tells: the events it met in every
file, system headers included."""

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
    first_include: dict[int, int] = {}  # a source's first #include line
    for inc in inclusions:
        if inc.parent is not None:
            line = first_include.get(inc.parent)
            first_include[inc.parent] = inc.line if line is None else min(line, inc.line)
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
                or event.line >= first_include.get(here.index, event.line + 1) \
                or macro_definition(event.macro) == macro_definition(before.macro):
            continue
        yield SystemMacro(event.name, _where(pp, there, before), earlier,
                          _where(pp, here, event), later)


def _where(pp: preprocess.Unit, inclusion: preprocess.Inclusion,
           event: preprocess.MacroEvent) -> Location:
    """Where the ``#define`` names the macro."""
    data = pp.data(inclusion)
    offset = data.find(event.name.encode(), event.position[-1])
    column = offset - data.rfind(b"\n", 0, offset) if offset >= 0 else 1
    return Location(Path(inclusion.path).resolve(), event.line, column)
