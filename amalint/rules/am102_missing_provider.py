"""AM102 missing-provider: an eager lookup of a key nothing in the amalgamation provides.

## What it does
Finds static initializers that look a key up in a registry at start-up (directly or through
calls, constructors and destructors) when no initializer of the amalgamation registers that key.

The libclang front end resolves calls as the compiler does. The tree-sitter front end resolves
them by name: it can report a lookup that a different overload with the same number of arguments,
or a different specialization of the same template, would make, and it misses lookups written
through macros other than a profile's init-block macros; it also sees every `#if` branch.

## Why is this bad?
The lookup fails whatever the include order: a required lookup aborts at start-up (an error), an
optional one returns nothing and the code it guards silently does not run (a warning, naming
that lookup). The profile says which lookups are optional (see AM101); the registry call at the
end of the chain decides. Usually the umbrella forgot to include the source that registers the
key, or the key is misspelled.

## Example
```c++
TVM_FFI_STATIC_INIT_BLOCK() {
  static auto f = Function::GetGlobalRequired("runtime.Missing");  // registered nowhere: error
  if (auto g = Function::GetGlobal("ffi.Hook")) (*g)();   // registered nowhere: warning
}
```

## Use instead
Include the source that registers the key, or look the key up lazily (inside a lambda that runs
on first use) if it is provided by a module loaded later.

## Fix safety
No automatic fix.
"""

from __future__ import annotations

from collections.abc import Iterator

from amalint.analysis.requirements import Requirement, Status
from amalint.engine.rule import (
    Finding,
    Rule,
    RuleContext,
    chain_related,
    lookup_api,
    quiet_failure,
    severity_of,
)
from amalint.model import Severity


def check(ctx: RuleContext) -> Iterator[Finding]:
    # one finding per consuming file and key: about a required lookup if there is one
    found: dict[tuple[int | None, str], Requirement] = {}
    for req in ctx.requirements:
        if req.status is not Status.MISSING:
            continue
        ident = (req.consumer.unit, req.lookup.key)
        if ident not in found or (found[ident].lookup.optional and not req.lookup.optional):
            found[ident] = req
    for req in found.values():
        start, end = ctx.anchor(req.consumer)
        who = f"`{ctx.unit_name(req.consumer.unit)}` looks up `{req.lookup.key}` at start-up"
        severity = severity_of([req.lookup])
        if severity is Severity.ERROR:
            message = f"{who}, but nothing in the amalgamation registers it"
        else:
            message = (f"{who} with `{lookup_api(req.lookup)}`, but nothing in the amalgamation "
                       f"registers it: {quiet_failure([req.lookup])}")
        yield Finding(RULE.code, RULE.name, severity, message, start, end,
                      chain_related(req.lookup))


RULE = Rule(
    code="AM102",
    name="missing-provider",
    severity=Severity.ERROR,
    summary="an eager lookup of a key nothing in the amalgamation provides",
    check=check,
    doc=__doc__ or "",
)
