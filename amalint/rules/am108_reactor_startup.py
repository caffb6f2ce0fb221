"""AM108 reactor-startup: a WebAssembly reactor registers or looks keys up in its
constructors, which run only if the host calls `_initialize`.

## What it does
Checks a whole program (`amalint check --program TARGET`) linked for WebAssembly as a
*reactor* (`-mexec-model=reactor`, `-Wl,--no-entry`, emscripten's `-sSTANDALONE_WASM` with
`--no-entry`). A WebAssembly *command* runs its constructors from `_start`, before `main`
(wasm-ld calls them in link order, stable-sorted by priority). A reactor has no `_start`:
nothing runs its constructors until the host calls its `_initialize` export (or
`__wasm_call_ctors`). The finding names every registration and lookup of the program's
start-up code, which is exactly what will not have happened when the host calls an export
without `_initialize` first; and the constructors of linked objects whose source amalint
does not have, such as the `__tvm_module_startup` that TVM's code generator adds to a
compiled model's object (it registers the model's functions with
`TVMBackendRegisterSystemLibSymbol`): what they do is not seen, but they do not run either.

## Why is this bad?
A host that instantiates the module and calls an export at once (as hosts written for
commands, and many JavaScript loaders, do) gets a program whose registry is empty: lookups of
the keys find nothing, and the code they guard silently does not run, or aborts. TVM's
WebAssembly runtime met it: "the registration of the lib was not called ... I had to call
`__wasm_call_ctors()` explicitly". A warning: amalint cannot see the host; when it calls
`_initialize` first, all is well.

## Example
```c++
// plugin.cc, linked with -mexec-model=reactor
static bool r = Registry::Register("codec.zip");   // runs only from _initialize
extern "C" __attribute__((export_name("decode"))) int decode() {
  return Registry::Get("codec.zip") ? 0 : 1;         // fails if the host skipped it
}
```

## Use instead
Make the host call `_initialize` once, right after instantiating (WASI hosts such as
wasmtime's `Linker` for reactors do; check yours), or build a command (drop
`-mexec-model=reactor`) if the module has a `main`, or register on first use instead of at
start-up. Once the host is known to call it, ignore the rule for the target
(`--ignore AM108`).

## Fix safety
No automatic fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from amalint.config.profiles import Role
from amalint.engine.rule import Finding, Related, Rule, display
from amalint.model import Location, Severity
from amalint.program.model import StartUp

if TYPE_CHECKING:
    from amalint.engine.program import ProgramContext


def check_program(ctx: ProgramContext) -> Iterator[Finding]:
    if ctx.link.startup is not StartUp.REACTOR:
        return
    analysis = ctx.sequence.analysis
    registered: list[str] = []
    looked_up: list[str] = []
    related: list[Related] = []
    first = None
    for entry in analysis.order:
        effects = analysis.effects[entry]
        if not effects:
            continue
        first = first or entry
        for effect in effects:
            (registered if effect.role is Role.PROVIDER else looked_up).append(effect.key)
            verb = "registers" if effect.role is Role.PROVIDER else "looks up"
            related.append(Related(effect.site, f"{entry.label} {verb} `{effect.key}` here, "
                                   "only when the host calls `_initialize`"))
    generated = [(obj, name) for obj in ctx.sourceless for name in obj.constructors]
    if first is None and not generated:
        return
    parts = []
    if registered:
        parts.append("registration of " + ", ".join(f"`{k}`" for k in dict.fromkeys(registered)))
    if looked_up:
        parts.append("lookup of " + ", ".join(f"`{k}`" for k in dict.fromkeys(looked_up)))
    if generated:
        parts.append("constructors without a source (" + ", ".join(
            f"`{name}` of `{ctx.object_name(obj)}`" for obj, name in generated) + ")")
    message = (f"`{ctx.link.target}` is a WebAssembly reactor: its constructors run only when "
               f"the host calls `_initialize` (or `__wasm_call_ctors`); until then the "
               f"start-up {' and '.join(parts)} has not happened")
    related += [Related(Location(obj.path, 1), f"`{name}` is a constructor of "
                        f"`{ctx.object_name(obj)}`, whose source amalint does not have (code "
                        "a compiler generated?): what it registers is not seen, and it runs "
                        "only when the host calls `_initialize`") for obj, name in generated]
    if first is None:
        obj = generated[0][0]
        yield Finding(RULE.code, RULE.name, RULE.severity, message, Location(obj.path, 1),
                      Location(obj.path, 1), tuple(related))
        return
    related.insert(0, Related(first.location, f"the first constructor with an effect, in "
                              f"`{display(first.location.path)}`"))
    yield Finding(RULE.code, RULE.name, RULE.severity, message, first.location, first.end,
                  tuple(related))


RULE = Rule(
    code="AM108",
    name="reactor-startup",
    severity=Severity.WARNING,
    summary="a WebAssembly reactor's start-up registrations run only if the host calls "
            "`_initialize`",
    doc=__doc__ or "",
    program=check_program,
)
