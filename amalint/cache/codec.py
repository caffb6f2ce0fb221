"""A lint result as JSON and back. The cache directory may hold anything (a linted repository
could even ship one), so decoding trusts nothing: every value is checked for its type and shape
and anything else raises :class:`~amalint.cache.checked.Malformed`: positions must lie in their
file, a fix must edit the umbrella within its text. JSON data executes nothing when read.

The umbrella's bytes and include list are not stored: the cache reads (or is given) the bytes
anyway to check them, and scans them again (:mod:`amalint.engine.cached`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from amalint.analysis.startup import Entry, Link, Startup
from amalint.cache.checked import (
    Malformed,
    expect,
    fields,
    file_path,
    integer,
    items,
    optional,
    string,
)
from amalint.engine.result import Result, Summary
from amalint.engine.rule import Edit, Finding, Fix, Related
from amalint.model import Diagnostic, EntryKind, Location, Severity, Umbrella

# ------------------------------------------------------------------------------------ encode


def _loc(loc: Location) -> list[Any]:
    return [str(loc.path), loc.line, loc.column]


def _finding(f: Finding) -> dict[str, Any]:
    fix = None if f.fix is None else {
        "applicability": f.fix.applicability,
        "edits": [[e.content, _loc(e.location), _loc(e.end_location)] for e in f.fix.edits],
        "constraint": None if f.fix.constraint is None else list(f.fix.constraint),
    }
    return {"code": f.code, "name": f.name, "severity": f.severity.value,
            "message": f.message, "location": _loc(f.location), "end": _loc(f.end_location),
            "related": [[_loc(r.location), r.message, r.step] for r in f.related], "fix": fix}


def _startup(startup: Startup) -> dict[str, Any]:
    return {
        "entries": [[e.label, e.kind.value, e.priority, _loc(e.location), _loc(e.end), e.unit,
                     list(e.provides), list(e.requires), [list(u) for u in e.unmet]]
                    for e in startup.entries],
        "links": [[k.provider, k.consumer, k.key, k.hazard] for k in startup.links],
    }


def encode(result: Result) -> dict[str, Any]:
    s = result.summary
    return {
        "startup": _startup(result.startup),
        "findings": [_finding(f) for f in result.findings],
        "frontend": result.frontend,
        "reason": result.reason,
        "warnings": list(result.warnings),
        "notes": list(result.notes),
        "files": [str(p) for p in s.files],
        "units": [[str(p), u] for p, u in s.units],
        "diagnostics": [[_loc(d.location), d.message, d.kind] for d in s.diagnostics],
        "incomplete": [str(p) for p in s.incomplete],
        "entry_points": s.entry_points,
        "unresolved": [[name, count] for name, count in s.unresolved],
        "unknown_keys": [_loc(loc) for loc in s.unknown_keys],
    }


# ------------------------------------------------------------------------------------ decode


def _location(value: Any) -> Location:
    path, line, column = fields(value, 3)
    location = Location(file_path(path), integer(line), integer(column))
    if location.line < 1 or location.column < 1:
        raise Malformed("a position before the start of its file")
    return location


def _fix(value: Any, umbrella: Umbrella) -> Fix | None:
    if value is None:
        return None
    data = expect(dict, value)
    lines = umbrella.data.count(b"\n") + 1

    def edit(item: Any) -> Edit:
        content, start, end = fields(item, 3)
        found = Edit(string(content), _location(start), _location(end))
        for loc in (found.location, found.end_location):
            if loc.path != umbrella.path or loc.line > lines:
                raise Malformed("a fix outside the umbrella")
        return found

    constraint = data.get("constraint")
    pair = None if constraint is None else fields(constraint, 2)
    return Fix(string(data.get("applicability")), items(data.get("edits"), edit),
               None if pair is None else (integer(pair[0]), integer(pair[1])))


def _related(value: Any) -> Related:
    location, message, step = fields(value, 3)
    return Related(_location(location), string(message), expect(bool, step))


def _decode_finding(value: Any, umbrella: Umbrella) -> Finding:
    data = expect(dict, value)
    try:
        severity = Severity(string(data.get("severity")))
    except ValueError:
        raise Malformed("unknown severity") from None
    return Finding(
        code=string(data.get("code")), name=string(data.get("name")), severity=severity,
        message=string(data.get("message")), location=_location(data.get("location")),
        end_location=_location(data.get("end")),
        related=items(data.get("related"), _related), fix=_fix(data.get("fix"), umbrella),
    )


def _diagnostic(value: Any) -> Diagnostic:
    location, message, kind = fields(value, 3)
    return Diagnostic(_location(location), string(message), string(kind))


def _unit(value: Any) -> tuple[Path, int | None]:
    path, unit = fields(value, 2)
    return file_path(path), optional(integer, unit)


def _count(value: Any) -> tuple[str, int]:
    name, count = fields(value, 2)
    return string(name), integer(count)


def _decode_startup(value: Any, umbrella: Umbrella) -> Startup:
    data = expect(dict, value)

    def unit(item: Any) -> int | None:
        found = optional(integer, item)
        if found is not None and not 0 <= found < len(umbrella.includes):
            raise Malformed("an entry point behind an include the umbrella does not have")
        return found

    def entry(item: Any) -> Entry:
        label, kind, priority, location, end, where, provides, requires, unmet = fields(item, 9)
        try:
            entry_kind = EntryKind(string(kind))
        except ValueError:
            raise Malformed("unknown entry point kind") from None
        return Entry(string(label), entry_kind, integer(priority), _location(location),
                     _location(end), unit(where), items(provides, string),
                     items(requires, string), items(unmet, _unmet))

    def link(item: Any) -> Link:
        provider, consumer, key, hazard = fields(item, 4)
        return Link(unit(provider), unit(consumer), string(key), expect(bool, hazard))

    entries = items(data.get("entries"), entry)
    if any(n is not None and not 1 <= n <= len(entries) for e in entries for _, n in e.unmet):
        raise Malformed("a provider outside the start-up order")
    return Startup(entries, items(data.get("links"), link))


def _unmet(value: Any) -> tuple[str, int | None]:
    key, provider = fields(value, 2)
    return string(key), optional(integer, provider)


def decode(value: Any, umbrella: Umbrella, warnings: tuple[str, ...]) -> Result:
    """The result stored as ``value``, for ``umbrella`` as scanned now; raise
    :class:`~amalint.cache.checked.Malformed` if ``value`` is not what :func:`encode` makes."""
    data = expect(dict, value)
    units = items(data.get("units"), _unit)
    if any(unit is not None and not 0 <= unit < len(umbrella.includes) for _, unit in units):
        raise Malformed("a file read through an include the umbrella does not have")
    summary = Summary(
        umbrella=umbrella,
        files=items(data.get("files"), file_path),
        units=units,
        diagnostics=items(data.get("diagnostics"), _diagnostic),
        incomplete=items(data.get("incomplete"), file_path),
        entry_points=integer(data.get("entry_points")),
        unresolved=items(data.get("unresolved"), _count),
        unknown_keys=items(data.get("unknown_keys"), _location),
    )
    findings = items(data.get("findings"), lambda f: _decode_finding(f, umbrella))
    stored = items(data.get("warnings"), string)
    return Result(findings, summary, string(data.get("frontend")), string(data.get("reason")),
                  tuple(dict.fromkeys((*warnings, *stored))), items(data.get("notes"), string),
                  _decode_startup(data.get("startup"), umbrella))
