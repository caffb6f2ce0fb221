"""AM107 dropped-registrar: a static-library member that registers at start-up is left out of
the program, because nothing references its symbols.

## What it does
Checks a whole program (`amalint check --program TARGET`). A linker takes a member of a static
library only when it defines a symbol that is undefined when the linker searches that library
(GNU ld and gold scan each library once, at its place on the link line; lld also resolves later
references). A member whose only job is to register something at start-up (a static-init block,
a `__attribute__((constructor))` function, a registrar object) is referenced by nobody, so it is
silently left out, and its registrations never happen. The finding names the member, what it
registers, who looks it up at start-up, and the remedies for the build system.

## Why is this bad?
The program builds and links without a word, then runs without the registrations: a required
lookup of one of the keys aborts (an error); with no start-up lookup the keys are simply absent
when looked up later (a warning). It is a classic of plugin registries ("the linker optimized out
the library because we don't use any symbols in it explicitly").

## Example
```cmake
add_library(plugins STATIC plugin_a.cc)     # plugin_a.cc only registers "a" at start-up
target_link_libraries(app PRIVATE plugins)  # app never names a symbol of plugin_a.cc
```

## Use instead
Link the library whole: in CMake 3.24+, `target_link_libraries(app PRIVATE
"$<LINK_LIBRARY:WHOLE_ARCHIVE,plugins>")`; or make it an OBJECT library (`add_library(plugins
OBJECT ...)`), whose objects are always linked; on a link line,
`-Wl,--whole-archive libplugins.a -Wl,--no-whole-archive`. Or reference an anchor symbol of
the member from code that is linked.

## Fix safety
For a program read from a CMake build directory (`-p BUILD`), an **unsafe** fix writes
`"$<LINK_LIBRARY:WHOLE_ARCHIVE,lib>"` in place of `lib` in the target's own
`target_link_libraries` (CMake 3.24 or newer). It is offered only when the program model,
linked that way, takes the member, defines no symbol twice and fails no start-up lookup. A
library linked whole comes after the target's own objects, so when one of them looks a key of
the member up at start-up, the registration would still run too late (AM106): then there is
no fix, and the finding says to make the library an OBJECT library or to look the key up
later. Unsafe because every member of the library is then linked, with its own start-up code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

from amalint.analysis.requirements import Status
from amalint.engine.rule import (
    Finding,
    Related,
    Rule,
    chain_related,
    display,
    severity_of,
)
from amalint.model import Severity

if TYPE_CHECKING:
    from amalint.engine.program import ProgramContext


def remedy(build_system: str, target: str, archive: str, looked_up: bool) -> str:
    """How to link the library whole, in the words of the build system."""
    name = archive.rsplit("/", 1)[-1]
    first = (", before the objects that look its keys up at start-up (else AM106)"
             if looked_up else "")
    if build_system == "cmake":
        library = name.removeprefix("lib").removesuffix(".a")
        return (f"link it whole: make `{library}` an OBJECT library (Ninja links its objects "
                f"first), or `target_link_libraries({target} PRIVATE "
                f"\"$<LINK_LIBRARY:WHOLE_ARCHIVE,{library}>\")` (CMake 3.24+){first}")
    if build_system == "meson":
        library = name.removeprefix("lib").removesuffix(".a")
        return (f"link it whole: `link_whole: [{library}]` in `{target}`'s `executable()` "
                f"(or its `dependencies`' `link_whole`){first}")
    return f"link it whole: `-Wl,--whole-archive {archive} -Wl,--no-whole-archive`{first}"


def check_program(ctx: ProgramContext) -> Iterator[Finding]:
    for obj in ctx.resolution.dropped:
        registrations = ctx.registrations(obj)
        if not registrations:
            continue
        keys = list(dict.fromkeys(effect.key for _, effect in registrations))
        lookups = [req for req in ctx.sequence.requirements
                   if req.status is Status.MISSING and req.lookup.key in keys]
        member = ctx.object_name(obj)
        shown = ", ".join(f"`{k}`" for k in keys)
        message = (f"`{member}` is left out of `{ctx.link.target}`: nothing linked references "
                   f"its symbols, so its start-up registration of {shown} never runs")
        if lookups:
            who = list(dict.fromkeys(display(r.consumer.location.path) for r in lookups))
            message += f"; {', '.join(f'`{w}`' for w in who)} look(s) it up at start-up"
        severity = severity_of([r.lookup for r in lookups]) if lookups else Severity.WARNING
        entry, effect = registrations[0]
        related = [Related(effect.site, f"`{effect.key}` is registered here, by {entry.label}"),
                   Related(entry.location, remedy(ctx.link.build_system, ctx.link.target,
                                                  ctx.object_name(replace(obj, member=None)),
                                                  bool(lookups)))]
        for req in lookups:  # who looks it up, through which calls
            related += chain_related(req.lookup)
        yield Finding(RULE.code, RULE.name, severity, message, entry.location, entry.end,
                      tuple(related))


RULE = Rule(
    code="AM107",
    name="dropped-registrar",
    severity=Severity.ERROR,
    summary="a static-library member that only registers at start-up is left out of the link",
    doc=__doc__ or "",
    program=check_program,
)
