"""AM203 macro-leak: a macro defined in an included source leaks into the sources after it.

## What it does
Finds a macro that an included source `#define`s and does not `#undef` by its end, when a
source included later (or a header first read through one) uses it, tests it (`#ifdef`,
`#ifndef`, `defined(...)`) or defines it differently, before doing anything else with it. A
later file that first `#undef`s the macro, or defines it identically, is not affected. Include
guards and macros the umbrella defines itself are not leaks. A function-like macro is used only
where a `(` follows its name, as the preprocessor sees it.

One finding per leaking macro, at its `#define`, naming the first place affected in each later
file (up to five).

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

from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from amalint.analysis.unity import Cause, UnityDiagnostic, end_of
from amalint.engine.rule import (
    Finding,
    Related,
    Rule,
    RuleContext,
    compiler_related,
    display,
)
from amalint.model import FileFacts, MacroEvent, MacroEventKind, Severity
from amalint.scan.directives import is_source

#: At most this many affected files are listed per finding.
SHOWN = 5
_REDEFINES = "defines it differently"


def _effect(events: list[MacroEvent], leaked: MacroEvent) -> tuple[MacroEvent, str] | None:
    """The first thing a later file does with the leaked macro, if it matters: ``events`` are
    the file's events for the macro, in order."""
    first = events[0]
    if first.kind is MacroEventKind.USE:
        return first, "uses it"
    if first.kind is MacroEventKind.TEST:
        default = next((e for e in events if e.kind is MacroEventKind.DEFINE), None)
        if default is not None and default.definition == leaked.definition:
            return None  # `#ifndef M` / `#define M` with the same value: no change
        return first, "tests whether it is defined"
    if first.kind is MacroEventKind.DEFINE and first.definition != leaked.definition:
        return first, _REDEFINES
    return None


def check(ctx: RuleContext) -> Iterator[Finding]:
    handled: set[tuple[str, Path]] = set()
    for unity in ctx.unity:
        if unity.cause in (Cause.MACRO_REDEFINED, Cause.LEAKED_MACRO):
            name = _macro(unity)
            handled.add((name, unity.diagnostic.location.path))
            yield _from_compiler(ctx, unity, name)

    def skip(name: str, path: Path, effect: str) -> bool:
        if (name, path) in handled:
            return True  # the compiler's finding says it
        return ctx.compiler_checked and effect == _REDEFINES  # the compiler would say it

    yield from _from_facts(ctx, skip)


def _macro(unity: UnityDiagnostic) -> str:
    for note in unity.others:
        quoted = note.message.split("'")
        if note.message.startswith("expanded from macro") and len(quoted) > 1:
            return quoted[1]
    return unity.symbol


def _from_compiler(ctx: RuleContext, unity: UnityDiagnostic, name: str) -> Finding:
    diag = unity.diagnostic
    origin = unity.others[0].location.path
    where = f"`{display(origin)}`"
    if not is_source(origin):
        first = next((f.unit for f in ctx.model.filescope.files if f.path == origin), None)
        where += f" (read through `{ctx.unit_name(first)}`)"
    if unity.cause is Cause.MACRO_REDEFINED:
        what = (f"`{name}` is defined in {where} and stays defined for the files included "
                f"after it: `{display(diag.location.path)}` defines it differently")
    else:
        what = (f"`{name}`, defined in {where} and still defined in "
                f"`{display(diag.location.path)}`, rewrites its code so it no longer compiles")
    return Finding(RULE.code, RULE.name, diag.severity,
                   f"{what}; the compiler reports: {diag.message}", diag.location,
                   end_of(diag.location, unity.symbol), compiler_related(unity))


def _from_facts(ctx: RuleContext, skip: Callable[[str, Path, str], bool]
                ) -> Iterator[Finding]:
    scope = ctx.model.filescope
    umbrella = ctx.model.umbrella
    umbrella_events = [e for f in scope.files if f.unit is None for e in f.macros]
    own = {e.name for e in umbrella_events if e.kind is MacroEventKind.DEFINE}
    undefs: dict[str, list[int]] = {}
    for event in umbrella_events:
        if event.kind is MacroEventKind.UNDEF:
            undefs.setdefault(event.name, []).append(event.position[0])
    heads = {inc.resolved: index for index, inc in enumerate(umbrella.includes)
             if inc.resolved is not None}
    by_unit: dict[int, list[MacroEvent]] = {}
    for facts in scope.files:
        if facts.unit is not None:
            by_unit.setdefault(facts.unit, []).extend(facts.macros)
    for events in by_unit.values():
        events.sort(key=lambda e: e.position)
    for facts in scope.files:
        if heads.get(facts.path) != facts.unit or facts.unit is None or not is_source(facts.path):
            continue  # only the sources the umbrella includes
        yield from _leaks(ctx, facts, own, undefs, by_unit, skip)


def _leaks(ctx: RuleContext, source: FileFacts, own: set[str], undefs: dict[str, list[int]],
           by_unit: dict[int, list[MacroEvent]],
           skip: Callable[[str, Path, str], bool]) -> Iterator[Finding]:
    """The macros ``source`` leaks (not into units after an ``#undef`` in the umbrella)."""
    assert source.unit is not None
    start = ctx.include(source.unit).start_byte
    last: dict[str, MacroEvent] = {}
    for event in source.macros:
        if event.kind in (MacroEventKind.DEFINE, MacroEventKind.UNDEF):
            last[event.name] = event
    for name, define in last.items():
        if define.kind is not MacroEventKind.DEFINE or name in own or name == source.guard:
            continue
        affected: list[tuple[int, MacroEvent, str]] = []
        for unit in sorted(u for u in by_unit if u > source.unit):
            if any(start < at < ctx.include(unit).start_byte for at in undefs.get(name, ())):
                break  # the umbrella #undefs it before this include
            events = [e for e in by_unit[unit] if e.name == name]
            found = _effect(events, define) if events else None
            if found is not None and not skip(name, found[0].location.path, found[1]):
                affected.append((unit, *found))
        if not affected:
            continue
        unit, first, effect = affected[0]
        more = f" (and {len(affected) - 1} more file(s))" if len(affected) > 1 else ""
        message = (
            f"`{name}` is defined in `{display(source.path)}` and not #undef'd, so it stays "
            f"defined for the files included after it: `{display(first.location.path)}` "
            f"{effect}{more}"
        )
        related = tuple(
            Related(event.location, f"`{display(event.location.path)}` {how}")
            for _, event, how in affected[:SHOWN]
        )
        end = replace(define.location, column=define.location.column + len(name))
        yield Finding(RULE.code, RULE.name, RULE.severity, message, define.location, end,
                      related)


RULE = Rule(
    code="AM203",
    name="macro-leak",
    severity=Severity.WARNING,
    summary="a macro defined in an included source leaks into the sources after it",
    check=check,
    doc=__doc__ or "",
)
