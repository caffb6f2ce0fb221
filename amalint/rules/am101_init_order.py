"""AM101 init-order: an eager lookup runs before the include that provides the key.

## What it does
Finds static initializers (constructor functions, init blocks, dynamic initializers of globals)
that look a key up in a registry at start-up, directly or through calls, constructors and
destructors, while the file that registers the key is included *later* in the umbrella.

The libclang front end resolves calls as the compiler does. The tree-sitter front end resolves
them by name: it can report a lookup that a different overload with the same number of arguments,
or a different specialization of the same template, would make, and it misses lookups written
through macros other than a profile's init-block macros; it also sees every `#if` branch.

## Why is this bad?
In a unity build all sources share one translation unit, and their static initializers run in
include order. The lookup runs before the registration and fails: a required lookup aborts the
program at start-up ("Function ... not found"), an optional one silently returns nothing.
The profile says which is which (optional: tvm-ffi's `Function::GetGlobal` and
`TVMFFIFunctionGetGlobal`, legacy tvm's `Registry::Get`, a user profile's `optional = true`
consumers); the registry call at the end of the chain decides. A required lookup is an error; an
optional one a warning that names the lookup whose guarded code silently does not run.
Nothing in the consuming file need name the key: in Apache TVM, `refl::ObjectDef<T>()` in an
init block reached `GetGlobalRequired("ffi.GetKwargsObject")` through the temporary's destructor.

## Example
```c++
// umbrella.cc
#include "src/users.cc"    // init block: ObjectDef<Foo>() → ~ObjectDef → GetGlobalRequired("k")
#include "src/object.cc"   // init block: GlobalDef().def("k", ...)
```

## Use instead
```c++
#include "src/object.cc"   // registers "k"
#include "src/users.cc"
```

## Fix safety
Fixable: `--fix` reorders the umbrella's includes so that every start-up requirement is met at
once, keeping as many includes as possible where they are and moving each other one (with the
comment lines directly above it) to the nearest valid place; blank lines stay put, and nothing
moves across `#if`/`#else`/`#endif`, `#define`/`#undef` or code (such a finding says why it is
not fixable). The fix is *safe* when it moves no include across another that shares a registry
key with it other than through the requirement being fixed; otherwise it is *unsafe* (for
example, it changes which of two providers of a key registers first) and needs
`--unsafe-fixes`. One finding is reported per consuming file and provider file (optional
lookups apart, by API); the fix is the same for required and optional lookups.
"""

from __future__ import annotations

from collections.abc import Iterator

from amalint.analysis.effects import Effect
from amalint.analysis.requirements import Requirement, Status
from amalint.engine.rule import (
    Finding,
    Fix,
    Related,
    Rule,
    RuleContext,
    chain_related,
    lookup_api,
    quiet_failure,
    registration_related,
    severity_of,
)
from amalint.model import EntryPoint, Severity


def check(ctx: RuleContext) -> Iterator[Finding]:
    groups: dict[tuple[int | None, int | None, str], list[Requirement]] = {}
    for req in ctx.requirements:
        if req.status is not Status.MISORDERED:
            continue
        provider_unit = req.movable[0][0].unit
        if req.consumer.unit in ctx.units_in_cycles and provider_unit in ctx.units_in_cycles:
            continue  # reported by AM104 as a cycle
        # required lookups together; optional ones by API, as their message names it
        quiet = lookup_api(req.lookup) if req.lookup.optional else ""
        groups.setdefault((req.consumer.unit, provider_unit, quiet), []).append(req)
    for (_, provider_unit, _), reqs in groups.items():
        first = reqs[0]
        registration = first.movable[0][1]
        keys = list(dict.fromkeys(r.lookup.key for r in reqs))
        yield _finding(ctx, first.consumer, [r.lookup for r in reqs], registration, keys,
                       provider_unit)


def _finding(
    ctx: RuleContext, consumer: EntryPoint, lookups: list[Effect], registration: Effect,
    keys: list[str], provider_unit: int | None,
) -> Finding:
    start, end = ctx.anchor(consumer)
    lookup = lookups[0]
    key_text = ", ".join(f"`{k}`" for k in keys)
    where = (
        f" (included at line {ctx.include(provider_unit).line})"
        if provider_unit is not None else ""
    )
    severity = severity_of(lookups)
    api = f" with `{lookup_api(lookup)}`" if severity is Severity.WARNING else ""
    message = (
        f"`{ctx.unit_name(consumer.unit)}` looks up {key_text} at start-up{api} before "
        f"`{ctx.unit_name(provider_unit)}`{where} registers it"
    )
    if severity is Severity.WARNING:
        message += ": " + quiet_failure(lookups)
    related: list[Related] = [*chain_related(lookup), registration_related(registration)]
    fix: Fix | None = None
    if provider_unit is not None:
        related.append(ctx.include_related(provider_unit, "the provider is included here"))
        if consumer.unit is not None:
            found = ctx.reorder_fix((provider_unit, consumer.unit))
            if isinstance(found, str):
                message += f" (not fixable: {found})"
            else:
                fix = found
    return Finding(RULE.code, RULE.name, severity, message, start, end, tuple(related), fix)


RULE = Rule(
    code="AM101",
    name="init-order",
    severity=Severity.ERROR,
    summary="an eager lookup runs before the include that provides the key",
    check=check,
    doc=__doc__ or "",
)
