"""AM103 duplicate-provider: the same key registered twice at start-up.

## What it does
Finds registry keys that two static-initialization paths register: two init blocks, two
registration macros, or one helper reached from two initializers.

## Why is this bad?
Most registries reject a second registration of a key at start-up (tvm-ffi: "Global Function
... is already registered"); those that accept it let the later one silently win, so behaviour
depends on include order.

## Example
```c++
// a.cc
TVM_FFI_STATIC_INIT_BLOCK() { refl::GlobalDef().def("util.hash", HashA); }
// b.cc
TVM_FFI_STATIC_INIT_BLOCK() { refl::GlobalDef().def("util.hash", HashB); }
```

## Use instead
Register each key in exactly one source; rename one of the keys.

## Fix safety
No automatic fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from amalint.engine.rule import Finding, Related, Rule, RuleContext, display
from amalint.model import Severity


def check(ctx: RuleContext) -> Iterator[Finding]:
    keys = dict.fromkeys(
        eff.key for entry in ctx.analysis.order for eff in ctx.analysis.effects[entry]
        if eff.role.value == "provider"
    )
    for key in keys:
        providers = ctx.analysis.providers(key)
        first_entry, first = providers[0]
        for entry, eff in providers[1:]:
            start, end = ctx.anchor(entry)
            message = (
                f"`{key}` is registered again by `{ctx.unit_name(entry.unit)}`; "
                f"`{ctx.unit_name(first_entry.unit)}` registers it first "
                f"({display(first.site.path)}:{first.site.line})"
            )
            related = (
                Related(eff.site, f"`{key}` registered again here"),
                Related(first.site, f"`{key}` first registered here"),
            )
            yield Finding(RULE.code, RULE.name, RULE.severity, message, start, end, related)


RULE = Rule(
    code="AM103",
    name="duplicate-provider",
    severity=Severity.ERROR,
    summary="the same key registered twice",
    check=check,
    doc=__doc__ or "",
)
