"""AM206 hidden-dependency: a source uses a name that only an earlier source's includes declare.

## What it does
Finds a source of the unit (or a header it is the first to read) that uses a name (a type,
function, variable, enumerator, template, namespace or macro) whose every declaration in the
project lies outside the files the source reads compiled alone, while a file that an earlier
source of the unit reads (that source itself, or a header it includes) declares it. The
finding is at the first use and names the declaration, the header that declares it, the
earlier source through which it reaches the use by accident, and the other names the file uses
from the same header. A name the file declares itself (a redeclaration, a local, a parameter) is
not a use; nor are names a class member may stand for, and declarations of a header the
umbrella itself includes or a forced include (`-include`, CMake's precompiled headers) reads
(a prelude for every source after it). Any declaration in the source's own closure is enough,
a forward declaration too, except where the compiler needs the type's definition (`T::`, a
base class, an object by value, a function definition returning it by value, `new T`; not in
a template) and for a member accessed after `.` or `->` that only a class of an earlier
source's files declares; the names the macros a source invokes call or expand are its uses
too. `std` counts as declared when the closure reads any system header.
A name only system headers declare (`strlen`, `std::vector`) is reported when a system header
an earlier source reads spells it and no system header of the source's closure does; so is a
member no project file declares (`h_name` of `struct hostent`, which the source's headers only
forward-declare) when no file the source reads alone spells it.

**Preview.** This rule runs only when named in full: `--extend-select AM206` (or
`extend-select = ["AM206"]` in the config); not by default, nor through `ALL` or `AM2`. On the
fixtures and generated programs it names every source that fails alone and nothing else; on
real projects it is measured by deleting includes (see the benchmarks page), and it stays
opt-in until it is as quiet on real code as the other rules.

## Why is this bad?
In the unity build the source compiles because the earlier source's `#include` came first. The
plain build compiles each source alone and fails with an undeclared name; so does every other
batching that puts the source first in its unit, or without that earlier source (CMake's
`UNITY_BUILD_BATCH_SIZE`, a source added or removed, another platform's source list). Projects
with unity builds collect such "non-unified build fixes" by hand (WebKit, Qt, curl, Godot).

## Example
```c++
// util.h
#pragma once
#define SCALE 3
struct Point { int x, y; };
// a.cc
#include "util.h"
// b.cc (included after a.cc): no #include "util.h"
int scaled(Point p) { return p.x * SCALE; }
```

## Use instead
Include what you use: add `#include "util.h"` to `b.cc`.

## Fix safety
The fix inserts the missing `#include` into the source (not the umbrella), after its last
unconditional `#include`, spelled as its neighbours are: quotes or angle brackets, and the path
relative to the same directory as the neighbour's. It is safe when the header has an include
guard (or `#pragma once`): the unity build already read it before the source, so there the new
line is skipped and nothing changes, while compiled alone the source reads the declarations it
uses, as in the unity build. It is unsafe when the header has no guard (reading it twice may
redefine what it defines). A name declared only in another source (not a header) has no fix:
its declaration belongs in a header that both sources include. For a name of a system header
the fix is the `#include` the earlier source wrote (`<stdio.h>`), which is safe: system headers
are guarded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path, PurePath

from amalint.analysis.hidden import MACRO, HiddenDependency
from amalint.engine.rule import Edit, Finding, Fix, Related, Rule, RuleContext, display
from amalint.model import FileFacts, Location, Severity, Written
from amalint.scan.directives import is_source

#: At most this many other uses are listed per finding.
SHOWN = 5


def check(ctx: RuleContext) -> Iterator[Finding]:
    facts = {f.path: f for f in reversed(ctx.model.filescope.files)}
    for dep in ctx.hidden:
        yield _finding(ctx, dep, facts[dep.path])


def _what(kind: str, name: str) -> str:
    article = "an" if kind[:1] in "aeiou" else "a"
    return f"{article} {kind} `{name}`" if kind != MACRO else f"the macro `{name}`"


def _finding(ctx: RuleContext, dep: HiddenDependency, user: FileFacts) -> Finding:
    uses = dep.named
    first = uses[0]
    name = first.reference.name
    header = display(dep.header)
    names = list(dict.fromkeys(u.reference.name for u in uses))
    also = f"; it uses {', '.join(f'`{n}`' for n in names[1:SHOWN + 1])} from there too" \
        if len(names) > 1 else ""
    if len(names) > SHOWN + 1:
        also += f" (and {len(names) - SHOWN - 1} more)"
    provider = ctx.unit_name(dep.provider)
    what = (f"`{display(dep.path)}` uses {_what(first.declared.kind, name)}, "
            f"{'defined' if first.declared.kind == MACRO else 'declared'} in `{header}`")
    if dep.system is not None:
        header = dep.system
        what = (f"`{display(dep.path)}` uses `{name}`, which only the system header "
                f"`{header}` declares, and which reaches it only because `{provider}` "
                f"(included before it) includes `{header}`: compiled alone, or first in its "
                "unit, it does not compile")
    elif is_source(dep.header):
        what += (", an earlier source of the unit, and in no header it includes: compiled "
                 "alone, or first in its unit, it does not compile (declare it in a header "
                 "both sources include)")
    else:
        what += (f", which reaches it only because `{provider}` (included before it) reads "
                 f"`{header}`: compiled alone, or first in its unit, it does not compile")
    message = what + also
    related = [Related(first.declared.location, f"`{name}` is declared here")]
    if dep.via is not None:
        related.append(Related(dep.via, f"`{display(dep.via.path)}` includes `{header}` here"))
    related.append(ctx.include_related(dep.provider, f"`{provider}` is included here"))
    seen = {name}
    for use in uses[1:]:
        if use.reference.name not in seen and len(seen) <= SHOWN:
            seen.add(use.reference.name)
            related.append(Related(use.reference.location,
                                   f"`{use.reference.name}` is used here"))
    where = first.reference.location
    end = replace(where, column=where.column + len(name))
    return Finding(RULE.code, RULE.name, RULE.severity, message, where, end, tuple(related),
                   _fix(dep, user))


def _fix(dep: HiddenDependency, user: FileFacts) -> Fix | None:
    """The ``#include`` of the declaring header, inserted into the file that uses it."""
    if is_source(dep.header) or dep.header == dep.path:
        return None
    allowed = 1 if user.guard and user.guard != "#pragma once" else 0
    plain = [w for w in user.written if w.depth <= allowed]
    line = plain[-1].line + 1 if plain else 1
    at = Location(dep.path, line, 1)
    if dep.system is not None:
        return Fix("safe", (Edit(f"#include {dep.system}\n", at, at),))
    return Fix("safe" if dep.guarded else "unsafe",
               (Edit(f"#include {spelling(dep.header, dep.path, user.written)}\n", at, at),))


def spelling(header: Path, user: Path, written: tuple[Written, ...]) -> str:
    """How ``user`` should name ``header`` in an ``#include``: as its last neighbour that
    names a project file does (quotes or angles, relative to the same directory), else in
    quotes relative to ``user``'s directory."""
    for neighbour in reversed(written):
        base = _base(neighbour)
        if base is not None and header.is_relative_to(base):
            text = header.relative_to(base).as_posix()
            return f"<{text}>" if neighbour.angled else f'"{text}"'
    return f'"{PurePath(os.path.relpath(header, user.parent)).as_posix()}"'


def _base(written: Written) -> Path | None:
    """The directory the spelling of an ``#include`` is relative to (``None`` when the
    spelling does not end the path it resolves to, or climbs with ``..``)."""
    if written.resolved is None:
        return None
    parts = PurePath(written.spelling).parts
    if not parts or ".." in parts or parts[0] == ".":
        return None
    if written.resolved.parts[-len(parts):] != parts:
        return None
    return written.resolved.parents[len(parts) - 1]


RULE = Rule(
    code="AM206",
    name="hidden-dependency",
    severity=Severity.ERROR,
    summary="a source uses a name that only an earlier source's includes declare (preview)",
    check=check,
    doc=__doc__ or "",
    preview=True,
)
