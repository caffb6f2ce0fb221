"""AM106 link-order: a start-up lookup in one object runs before the object that registers the
key, in the order the linker lays the program out.

## What it does
Checks a whole program (`amalint check --program TARGET`): its link inputs in order, which
static-library members the linker takes, and the start-up sequence that follows. On ELF (GNU ld,
gold and lld alike) the `.init_array` entries with a priority run first, lowest first, then the
rest in the order the objects are linked; inside one object, the unit's own order. The eager
lookups of every entry (through calls, constructors and destructors, as AM101 finds them) are
checked against that sequence: a lookup is flagged when every registration of its key is in
another object that runs later.

## Why is this bad?
This is the static-initialization order fiasco across translation units: the lookup runs before
the registration, so a required lookup aborts before `main` (an error), an optional one returns
nothing and the code it guards silently does not run (a warning). It depends on the order of
the link line, which nothing in the sources shows, and changes when a build system reorders
sources or libraries.

## Example
```c++
// a.cc, linked first: g++ a.o b.o
static auto f = Registry::Get("b.ready");      // runs before b.o's registration
// b.cc
static bool r = Registry::Register("b.ready");
```

## Use instead
Link the registering object first (move its source before the consumer's in the target's source
list, or the library before), give the registration a lower constructor priority, or look the
key up lazily, on first use, instead of at start-up.

## Fix safety
For a program read from a CMake build directory (`-p BUILD`), an **unsafe** fix lists the
target's own sources so that each registering object is linked before the objects that look
its keys up (the other sources keep their order, the libraries their places), in the target's
literal `add_executable`/`target_sources` lists. It is offered only when the program model,
linked that way, meets the lookup and fails no other; otherwise the finding says why there is
no fix (the provider is in a library, the lookups form a circle, a source is listed through a
variable). Unsafe because every other start-up entry of the objects that move moves with them.
CMake must configure and build again for the new order to count. A link given as `--link` has
no fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from amalint.analysis.requirements import Status
from amalint.engine.rule import (
    Finding,
    Related,
    Rule,
    chain_related,
    display,
    registration_related,
    severity_of,
)
from amalint.model import Severity

if TYPE_CHECKING:
    from amalint.engine.program import ProgramContext


def check_program(ctx: ProgramContext) -> Iterator[Finding]:
    seen: set[tuple[int | None, str]] = set()
    for req in ctx.unmet:
        if req.status is Status.MISSING or not req.providers:
            continue
        consumer = req.consumer
        others = [(p, e) for p, e in req.providers if p.unit != consumer.unit]
        if not others or (consumer.unit, req.lookup.key) in seen:
            continue  # inside one object: AM101's and AM105's
        seen.add((consumer.unit, req.lookup.key))
        provider, effect = others[0]
        mine = ctx.sequence.step_of(consumer)
        theirs = ctx.sequence.step_of(provider)
        why = (f"at priority {consumer.priority}, before priority {provider.priority}"
               if consumer.priority != provider.priority
               else f"from link position {mine.rank + 1}, before position {theirs.rank + 1}")
        message = (f"`{display(consumer.location.path)}` looks up `{req.lookup.key}` at "
                   f"start-up {why}, where `{ctx.object_name(theirs.object)}` registers it")
        related = (*chain_related(req.lookup), registration_related(effect),
                   Related(provider.location, f"`{ctx.object_name(theirs.object)}` is linked "
                           f"at position {theirs.rank + 1}: {ctx.reason(theirs.rank)}"))
        yield Finding(RULE.code, RULE.name, severity_of([req.lookup]), message,
                      consumer.location, consumer.end, related)


RULE = Rule(
    code="AM106",
    name="link-order",
    severity=Severity.ERROR,
    summary="a start-up lookup runs before another object, later in the link, registers the key",
    doc=__doc__ or "",
    program=check_program,
)
