"""AM104 order-cycle: start-up requirements that no include order can satisfy.

## What it does
Finds eager lookups that would still run before their provider whatever the umbrella's include
order: requirements between included files that form a cycle (`a.cc` needs a key from `b.cc`
and `b.cc` one from `a.cc`), and single requirements that order cannot fix: a constructor
function (`__attribute__((constructor))`, `TVM_FFI_STATIC_INIT_BLOCK` on gcc/clang) looking up a
key registered only by a dynamic initializer (every constructor function of a unit runs before
every dynamic initializer of equal priority), or a provider later in the same file. A provider
held back by priorities is AM105's.

## Why is this bad?
The program fails at start-up, and reordering includes cannot help; AM101's fix does not apply.
When every lookup involved is optional (see AM101) nothing aborts, but the code they guard never
runs: a warning.

## Example
```c++
// a.cc
__attribute__((constructor)) static void use() { Need("k"); }
// b.cc
static bool registered = Register("k");   // dynamic initializer: always runs after use()
```

## Use instead
Break the cycle: move one registration to a file both can be ordered after, make one lookup lazy
(inside a lambda resolved on first use), or register and look up with the same mechanism.

## Fix safety
No automatic fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from amalint.analysis.requirements import Status
from amalint.engine.rule import (
    Finding,
    Related,
    Rule,
    RuleContext,
    chain_related,
    quiet_failure,
    registration_related,
    severity_of,
)
from amalint.model import Severity
from amalint.rules.am105_ctor_priority import priority_inversion


def check(ctx: RuleContext) -> Iterator[Finding]:
    for req in ctx.requirements:
        if req.status is not Status.UNSATISFIABLE or priority_inversion(req):
            continue
        provider, registration = req.providers[0]
        start, end = ctx.anchor(req.consumer)
        message = (
            f"`{ctx.unit_name(req.consumer.unit)}` looks up `{req.lookup.key}` at start-up, "
            f"and no include order lets `{ctx.unit_name(provider.unit)}` register it first: "
            f"{req.reason}"
        )
        severity = severity_of([req.lookup])
        if severity is Severity.WARNING:
            message += "; " + quiet_failure([req.lookup])
        related = (*chain_related(req.lookup), registration_related(registration))
        yield Finding(RULE.code, RULE.name, severity, message, start, end, related)
    for group in ctx.cycles:
        members = set(group)
        edges = [
            req for req in ctx.requirements
            if req.constraint is not None and set(req.constraint) <= members
        ]
        parts = []
        links: list[Related] = []
        for req in edges:
            provider, registration = req.movable[0]
            parts.append(
                f"`{ctx.unit_name(req.consumer.unit)}` needs `{req.lookup.key}` from "
                f"`{ctx.unit_name(provider.unit)}`"
            )
            links.append(Related(req.lookup.site, f"`{req.lookup.key}` is looked up here"))
            links.append(registration_related(registration))
        links.extend(ctx.include_related(u, "part of the cycle") for u in group)
        start, end = ctx.include_range(group[0])
        message = (
            "start-up requirements form a cycle, so no include order satisfies them all: "
            + "; ".join(dict.fromkeys(parts))
        )
        lookups = [req.lookup for req in edges]
        severity = severity_of(lookups)
        if severity is Severity.WARNING:
            message += "; " + quiet_failure(lookups)
        yield Finding(RULE.code, RULE.name, severity, message, start, end, tuple(links))


RULE = Rule(
    code="AM104",
    name="order-cycle",
    severity=Severity.ERROR,
    summary="start-up requirements that no include order can satisfy",
    check=check,
    doc=__doc__ or "",
)
