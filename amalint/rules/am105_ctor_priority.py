"""AM105 ctor-priority: a reserved constructor priority, or one that runs a lookup before its
provider whatever the include order.

## What it does
Looks at the priorities of start-up code: `__attribute__((constructor(N)))` and
`init_priority(N)` / `[[gnu::init_priority(N)]]`.

* A priority in the range 0-100, which is reserved for the implementation: a **warning**. gcc
  warns (`-Wprio-ctor-dtor`); clang accepts it for `constructor` and rejects it for
  `init_priority`. The finding names the first initializer, earlier in the text, that it now
  runs before.
* A priority that makes an eager lookup run before every registration of its key, whatever the
  include order: an **error** (a **warning** when the lookup is optional, see AM101: the code it
  guards silently does not run). All priorities of a program share one space and lower ones run
  first, before include order is even considered; the finding explains which priority does it
  (the consumer's, lower than the provider's, or the provider's, higher than the consumer's)
  and names both places.

## Why is this bad?
Priorities override the include order that amalint (and the reader) otherwise reason with. A
lookup at priority 150 runs before a registration at the default priority (65535) although the
registering file is included first, and the program aborts at start-up; reordering includes
cannot help. Reserved priorities may run before the runtime's own initializers.

## Example
```c++
// store.cc (included first)
__attribute__((constructor)) static void Open() { Provide("store.open"); }
// cache.cc
__attribute__((constructor(150))) static void Warm() { Require("store.open"); }
```

## Use instead
Give the lookup a priority after the provider's (or none), or give the registration an earlier
one; use priorities from 101 up.

## Fix safety
No automatic fix: the right priority is a decision about the whole program.
"""

from __future__ import annotations

from collections.abc import Iterator

from amalint.analysis.requirements import Requirement, Status
from amalint.engine.rule import (
    Finding,
    Related,
    Rule,
    RuleContext,
    chain_related,
    display,
    quiet_failure,
    registration_related,
    severity_of,
)
from amalint.model import DEFAULT_PRIORITY, EntryPoint, Severity

#: Priorities up to this one are reserved for the implementation.
RESERVED = 100


def priority_inversion(req: Requirement) -> bool:
    """Whether an unsatisfiable requirement is so because of priorities (AM105, not AM104)."""
    return req.status is Status.UNSATISFIABLE and bool(req.providers) and \
        req.providers[0][0].priority != req.consumer.priority


def _priority(entry: EntryPoint) -> str:
    return "the default priority (65535)" if entry.priority == DEFAULT_PRIORITY \
        else f"priority {entry.priority}"


def check(ctx: RuleContext) -> Iterator[Finding]:
    for entry in ctx.analysis.order:
        if entry.priority <= RESERVED:
            yield _reserved(ctx, entry)
    for req in ctx.requirements:
        if priority_inversion(req):
            yield _inversion(ctx, req)


def _reserved(ctx: RuleContext, entry: EntryPoint) -> Finding:
    overtaken = [e for e in ctx.analysis.order
                 if e.position < entry.position and e.order_key > entry.order_key]
    message = (f"{entry.label} has priority {entry.priority}, in the range 0-{RESERVED} "
               "reserved for the implementation: it may run before the runtime's own "
               "initializers")
    related: tuple[Related, ...] = ()
    if overtaken:
        first = overtaken[0]
        message += f", and runs before `{display(first.location.path)}`'s {first.label}, " \
                   "which comes earlier in the text"
        related = (Related(first.location, f"{first.label} runs after it"),)
    return Finding(RULE.code, RULE.name, Severity.WARNING, message, entry.location,
                   entry.end, related)


def _inversion(ctx: RuleContext, req: Requirement) -> Finding:
    consumer = req.consumer
    provider, registration = req.providers[0]
    if consumer.priority != DEFAULT_PRIORITY and provider.priority == DEFAULT_PRIORITY:
        which = (f"the consumer's priority {consumer.priority} makes it run before every "
                 "initializer of default priority, the registration included")
    elif consumer.priority == DEFAULT_PRIORITY:
        which = (f"the provider's priority {provider.priority} makes the registration run "
                 "after every initializer of default priority, the lookup included")
    else:
        which = (f"the consumer's priority {consumer.priority} is lower than the provider's "
                 f"{provider.priority}, and lower priorities run first")
    message = (
        f"`{ctx.unit_name(consumer.unit)}` looks up `{req.lookup.key}` at start-up at "
        f"{_priority(consumer)}, and `{ctx.unit_name(provider.unit)}` registers it at "
        f"{_priority(provider)}: {which}, whatever the include order"
    )
    severity = severity_of([req.lookup])
    if severity is Severity.WARNING:
        message += "; " + quiet_failure([req.lookup])
    related = (*chain_related(req.lookup), registration_related(registration))
    return Finding(RULE.code, RULE.name, severity, message, consumer.location,
                   consumer.end, related)


RULE = Rule(
    code="AM105",
    name="ctor-priority",
    severity=Severity.ERROR,
    summary="a reserved constructor priority, or one that runs a lookup before its provider",
    check=check,
    doc=__doc__ or "",
)
