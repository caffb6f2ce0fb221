"""AM203 macro-leak: a macro defined in an included source leaks into the sources after it.

## What it does
Finds a macro that an included source `#define`s and does not `#undef` by its end, when a
source included later (or a header first read through one) uses it, tests it (`#ifdef`,
`#ifndef`, `defined(...)`) or defines it differently, before doing anything else with it. A
later file that first `#undef`s the macro, or defines it identically, is not affected; nor is
one whose `#ifndef X` / `#define X` default differs but which only ever tests whether `X` is
defined (`#ifdef X`, `defined(X)`): defined either way, the value is read nowhere. Nor is a
test whose branch compiles nothing in the unity build and that has no other branch (a header's
optional part, already read, behind `#ifdef LZ4_STATIC_LINKING_ONLY`). Include
guards, macros the umbrella defines itself and those of a header the umbrella itself includes
(a prelude meant for every source after it) are not leaks. A function-like macro is used only
where a `(` follows its name, as the preprocessor sees it. A later source that uses the macro
of a header only an earlier source includes does not compile alone: that is AM206's hidden
dependency, not a leak.

Where the leak changes what compiles, the finding is an error at the later file's line: a
declaration the macro rewrites (`#define capacity (4)` before `static int capacity(int)`), or
what the compiler reports there (with libclang, the compiler's own diagnostic); a declarator
the macro renames into a name the same declaration declares too (`#define _buffer buffer`
before `char _buffer[16], *buffer;`) is one. A different
redefinition is a warning at the redefinition (the compiler's "redefined" warning), and says so
when the later file's setting is lost because a header it includes was already read. A silent
change (a use, an `#ifdef`) is one warning per leaking macro at its `#define`, naming the first
place affected in each later file (up to five). Two headers that share one include guard, so
that the second is skipped, are an error at the second's `#include`. A `#pragma GCC poison` (or
`#pragma poison`) leaks the same way: a later source's use of the poisoned name is an error.
A system header's macro leaks too: a later source whose own includes do not read
`<sys/select.h>` and that sets `FD_SETSIZE`, after an earlier source read that header,
redefines it (a warning).

## Why is this bad?
Each source was written to be compiled alone, with only its own macros in effect. In a unity
build a macro stays defined for the rest of the translation unit: a later `#ifndef SIZE` /
`#define SIZE 4096` default silently takes the earlier file's value, a later function or
variable that happens to share the macro's name is rewritten by the preprocessor, and a
different redefinition draws a compiler warning (an error with `-Werror`) and changes what the
earlier value meant.

## Example
```c++
// fast_log.cc
#define BUFFER_SIZE 16
// net.cc (included after it)
#ifndef BUFFER_SIZE
#define BUFFER_SIZE 4096   // skipped in the unity build: net.cc gets 16
#endif
```

## Use instead
`#undef` file-local macros at the end of the file that defines them (as WebKit's unified
sources require), or replace them by `constexpr` constants and inline functions.

## Fix safety
No automatic fix: the `#undef` belongs in the source, where only a person can tell whether a
later file relies on the macro.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from amalint.analysis.hidden import MACRO
from amalint.analysis.macro_leaks import BREAKS, IGNORED, REDEFINES, TESTS, USES, Leak
from amalint.analysis.unity import Cause, UnityDiagnostic, end_of, own_errors
from amalint.engine.rule import (
    Finding,
    Related,
    Rule,
    RuleContext,
    compiler_related,
    display,
)
from amalint.model import (
    REDECLARES,
    Location,
    MacroEvent,
    Poisoned,
    Severity,
    Skipped,
    SystemMacro,
    macro_body,
)
from amalint.scan.directives import is_source

#: At most this many affected files are listed per finding.
SHOWN = 5


def check(ctx: RuleContext) -> Iterator[Finding]:
    # a later source that uses a macro of a header only an earlier source includes does not
    # compile alone: a hidden dependency (AM206), not a leak into code that compiles alone
    hidden = {(use.reference.name, use.reference.location) for dep in ctx.hidden
              for use in dep.uses if use.declared.kind == MACRO}
    found = [leak for leak in ctx.leaks if (leak.name, leak.event.location) not in hidden]
    ignored = {id(leak.event): leak for leak in found if leak.effect == IGNORED}
    at = {(leak.event.location.path, leak.event.location.line): id(leak.event)
          for leak in ignored.values()}
    handled: set[tuple[str, Path]] = set()
    for unity in ctx.unity:
        if unity.cause in (Cause.MACRO_REDEFINED, Cause.LEAKED_MACRO):
            name = _macro(unity)
            handled.add((name, unity.diagnostic.location.path))
            where = unity.diagnostic.location
            also = ignored.pop(at.get((where.path, where.line), 0), None)
            yield _from_compiler(ctx, unity, name, also)
    found = [leak for leak in found if (leak.name, leak.event.location.path) not in handled
             and not (ctx.compiler_checked and leak.effect in (REDEFINES, BREAKS))]
    for leak in found:
        if leak.effect in (REDEFINES, BREAKS):
            yield _at_the_effect(ctx, leak, ignored.pop(id(leak.event), None))
    yield from (_ignored(ctx, leak) for leak in ignored.values())
    silent: dict[int, list[Leak]] = {}
    for leak in found:
        if leak.effect in (USES, TESTS):
            silent.setdefault(id(leak.define), []).append(leak)
    yield from (_at_the_define(ctx, group) for group in silent.values())
    yield from (_guard_clash(ctx, s) for s in ctx.model.filescope.skipped
                if s.guard_file is not None and s.guard_file != s.path)
    yield from (_poisoned(ctx, p) for p in ctx.model.filescope.poisoned)
    if not ctx.compiler_checked:  # else the compiler's own warning said it
        yield from (_system(ctx, m) for m in ctx.model.filescope.system_macros)


def _system(ctx: RuleContext, macro: SystemMacro) -> Finding:
    """A system header's macro, read through an earlier source, that a later source sets
    before its first ``#include``."""
    message = (f"`{macro.name}` is defined in `{display(macro.location.path)}` (a system header "
               f"`{ctx.unit_name(macro.unit)}` includes) and stays defined for the files "
               f"included after it: `{display(macro.redefinition.path)}`, whose own includes do "
               "not read that header, defines it differently (the compiler warns that "
               f"`{macro.name}` is redefined, an error with -Werror)")
    where = macro.redefinition
    return Finding(RULE.code, RULE.name, Severity.WARNING, message, where,
                   replace(where, column=where.column + len(macro.name)),
                   (Related(macro.location, "the system header's definition"),))


def _poisoned(ctx: RuleContext, poison: Poisoned) -> Finding:
    """A ``#pragma GCC poison`` of an earlier source that a later source's use runs into."""
    message = (f"`#pragma GCC poison {poison.name}` in `{display(poison.location.path)}` stays "
               f"in effect for the files included after it: "
               f"`{ctx.unit_name(poison.use_unit)}` uses `{poison.name}` here, so it "
               "no longer compiles (the compiler reports: attempt to use poisoned "
               f"\"{poison.name}\")")
    end = replace(poison.use, column=poison.use.column + len(poison.name))
    return Finding(RULE.code, RULE.name, Severity.ERROR, message, poison.use, end,
                   (Related(poison.location, "poisoned here"),))


def _macro(unity: UnityDiagnostic) -> str:
    for note in unity.others:
        quoted = note.message.split("'")
        if note.message.startswith("expanded from macro") and len(quoted) > 1:
            return quoted[1]
    return unity.symbol


def _from_compiler(ctx: RuleContext, unity: UnityDiagnostic, name: str,
                   ignored: Leak | None = None) -> Finding:
    diag = unity.diagnostic
    origin = unity.others[0].location.path
    where = f"`{display(origin)}`"
    readers = [f.unit for f in ctx.model.filescope.files if f.path == origin]
    if not readers:
        where += " (a system header an earlier source includes)"
    elif not is_source(origin):
        where += f" (read through `{ctx.unit_name(readers[0])}`)"
    if unity.cause is Cause.MACRO_REDEFINED:
        what = (f"`{name}` is defined in {where} and stays defined for the files included "
                f"after it: `{display(diag.location.path)}` defines it differently")
        if ignored is not None:
            what += f"; {_ignored_text(ctx, ignored)}"
    else:
        what = (f"`{name}`, defined in {where} and still defined in "
                f"`{display(diag.location.path)}`, rewrites its code so it no longer compiles")
    return Finding(RULE.code, RULE.name, diag.severity,
                   f"{what}; the compiler reports: {diag.message}", diag.location,
                   end_of(diag.location, unity.symbol), compiler_related(unity))


def _origin(ctx: RuleContext, leak: Leak) -> str:
    """Where a leaked definition is, and which source it is read through, for messages."""
    path = leak.define.location.path
    where = f"`{display(path)}`"
    if ctx.unit_name(leak.unit) != display(path):
        where += f" (read through `{ctx.unit_name(leak.unit)}`)"
    return where


def _end(event: MacroEvent) -> Location:
    return replace(event.location, column=event.location.column + len(event.name))


def _at_the_effect(ctx: RuleContext, leak: Leak, ignored: Leak | None) -> Finding:
    later = display(leak.event.location.path)
    if leak.effect == REDEFINES:
        what = (f"`{later}` defines it differently (the compiler warns that `{leak.name}` is "
                "redefined, an error with -Werror)")
        if ignored is not None and ignored.skipped is not None:
            what += f"; {_ignored_text(ctx, ignored)}"
        severity = Severity.WARNING
    elif leak.event.context == REDECLARES:
        what = (f"`{later}` declares `{leak.name}` here, which the macro renames to "
                f"`{macro_body(leak.define.definition)}`, a name the same declaration declares "
                "too, so it no longer compiles")
        severity = Severity.ERROR
    else:
        how = "names a function" if leak.event.context == "call" else "declares a name"
        what = (f"`{later}` {how} `{leak.name}` here, which the macro rewrites, so it no longer "
                "compiles")
        severity = Severity.ERROR
    message = (f"`{leak.name}` is defined in {_origin(ctx, leak)} and not #undef'd, so it "
               f"stays defined for the files included after it: {what}")
    return Finding(RULE.code, RULE.name, severity, message, leak.event.location,
                   _end(leak.event), (Related(leak.define.location, "defined here"),))


def _ignored_text(ctx: RuleContext, leak: Leak) -> str:
    assert leak.skipped is not None
    header = display(leak.skipped.path)
    first = next((f.unit for f in ctx.model.filescope.files if f.path == leak.skipped.path),
                 None)
    return (f"its setting for `{header}` is ignored: `{header}` was already read through "
            f"`{ctx.unit_name(first)}`, so the compiler skips it at line "
            f"{leak.skipped.location.line}")


def _ignored(ctx: RuleContext, leak: Leak) -> Finding:
    assert leak.skipped is not None
    message = (f"`{leak.name}` is set in `{display(leak.event.location.path)}`, but "
               f"{_ignored_text(ctx, leak)}; the header keeps the earlier source's setting")
    broken = ctx.compiler_checked and any(  # errors no other unity-only cause explains
        d.unit == leak.unit for errors in own_errors(ctx.model, ctx.unity).values()
        for d in errors)
    if broken:
        message += ", and the compiler rejects what follows"
    return Finding(RULE.code, RULE.name, Severity.ERROR if broken else Severity.WARNING,
                   message, leak.event.location,
                   _end(leak.event),
                   (Related(leak.skipped.location, "the include the compiler skips"),))


def _at_the_define(ctx: RuleContext, group: list[Leak]) -> Finding:
    # a header without guard read through several later sources is affected once per read:
    # one place to show
    group = list({leak.event.location: leak for leak in reversed(group)}.values())[::-1]
    first = group[0]
    more = f" (and {len(group) - 1} more place(s))" if len(group) > 1 else ""
    message = (
        f"`{first.name}` is defined in {_origin(ctx, first)} and not #undef'd, so it stays "
        f"defined for the files included after it: `{display(first.event.location.path)}` "
        f"{first.effect}{more}"
    )
    related = tuple(Related(leak.event.location,
                            f"`{display(leak.event.location.path)}` {leak.effect}")
                    for leak in group[:SHOWN])
    return Finding(RULE.code, RULE.name, RULE.severity, message, first.define.location,
                   _end(first.define), related)


def _guard_clash(ctx: RuleContext, skipped: Skipped) -> Finding:
    assert skipped.guard_file is not None
    other = f"`{display(skipped.guard_file)}`"
    if ctx.unit_name(skipped.guard_unit) != display(skipped.guard_file):
        other += f" (read through `{ctx.unit_name(skipped.guard_unit)}`)"
    what = (f"`{display(skipped.path)}` has the include guard `{skipped.guard}` of {other}, "
            "which is already defined here, so in the unity build the compiler skips its "
            "content")
    related = [Related(Location(skipped.guard_file, 1), f"`{skipped.guard}` guards this file")]
    if skipped.missing:
        names = ", ".join(f"`{n}`" for n, _ in skipped.missing[:3])
        what += f": {names}, declared only there, then no longer compile"
        related += [Related(where, f"`{name}` is used here") for name, where in
                    skipped.missing[:SHOWN]]
    end = replace(skipped.location, column=skipped.location.column + len("#include"))
    return Finding(RULE.code, RULE.name,
                   Severity.ERROR if skipped.missing else Severity.WARNING,
                   f"{what}; each file compiles alone", skipped.location, end, tuple(related))


RULE = Rule(
    code="AM203",
    name="macro-leak",
    severity=Severity.WARNING,
    summary="a macro defined in an included source leaks into the sources after it",
    check=check,
    doc=__doc__ or "",
)
