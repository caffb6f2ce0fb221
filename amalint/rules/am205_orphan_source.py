"""AM205 orphan-source: a source that registers a missing key exists but is not included.

## What it does
When a start-up lookup has no provider in the amalgamation (AM102), looks for a source that
provides it: a `.c`/`.cc`/`.cpp` file, not part of the unit, among the `sources` globs of the
config (relative to the config file) or, without them, in the directories of the umbrella and of
the sources it includes. A candidate counts when a build of the umbrella with the candidate
included (before the first include that needs the key) shows one of its initializers
registering the key. That trial build reads only the start-up model, with tree-sitter whatever
the front end of the run (libclang would parse the whole unit again for each candidate). The
finding names the lookup, the registration in the candidate, and the
line where the `#include` would go. It is a warning when every lookup it would satisfy is
optional (see AM101).

## Why is this bad?
The program aborts at start-up (or an optional lookup silently finds nothing) because the
umbrella's include list fell behind the tree: a source was added, split or renamed and the
amalgamation was not updated, while the normal build, which compiles every source, works.

## Example
```c++
// umbrella.cc
#include "codec_png.cc"
#include "viewer.cc"     // looks up "codec.webp" at start-up
// codec_webp.cc, next to them, registers "codec.webp" but is not included
```

## Use instead
```c++
#include "codec_png.cc"
#include "codec_webp.cc"
#include "viewer.cc"
```

## Fix safety
Fixable, unsafe: `--fix --unsafe-fixes` inserts the `#include` (spelled relative to the
umbrella) just above the first include that needs the key, with the umbrella's line ending, when
that placement satisfies every lookup of the key. It is unsafe because the new source brings all
its code into the unit: its other initializers, its internal names and its macros.
"""

from __future__ import annotations

from collections.abc import Iterator

from amalint.engine.rule import (
    Finding,
    Related,
    Rule,
    RuleContext,
    display,
    registration_related,
    severity_of,
)
from amalint.model import Location, Severity


def check(ctx: RuleContext) -> Iterator[Finding]:
    umbrella = ctx.model.umbrella
    for orphan in ctx.orphans:
        keys = ", ".join(f"`{k}`" for k in dict.fromkeys(e.key for e in orphan.registrations))
        consumers = ", ".join(dict.fromkeys(f"`{ctx.unit_name(r.consumer.unit)}`"
                                            for r in orphan.lookups))
        include = orphan.line.decode("utf-8", "replace").strip()
        if orphan.before is not None:
            start, end = ctx.include_range(orphan.before)
            where = f"above line {start.line}"
        else:
            line = umbrella.data.count(b"\n", 0, orphan.offset) + 1
            start = end = Location(umbrella.path, line)
            where = "after the last include"
        message = (f"`{display(orphan.path)}` registers {keys}, which {consumers} looks up at "
                   f"start-up, but the umbrella does not include it; add `{include}` {where}")
        fix = None
        if orphan.satisfies:
            fix = ctx.umbrella_fix("unsafe", [(orphan.offset, orphan.offset, orphan.line)])
        else:
            message += " (not fixable: included there it still runs after the lookup)"
        related = (
            *(registration_related(e) for e in orphan.registrations),
            *(Related(r.lookup.site, f"`{r.lookup.key}` is looked up here")
              for r in orphan.lookups),
        )
        # a warning when every lookup it would satisfy is optional (nothing aborts)
        severity = severity_of(r.lookup for r in orphan.lookups)
        yield Finding(RULE.code, RULE.name, severity, message, start, end, related, fix)


RULE = Rule(
    code="AM205",
    name="orphan-source",
    severity=Severity.ERROR,
    summary="a source that registers a missing key exists but is not included",
    check=check,
    doc=__doc__ or "",
)
