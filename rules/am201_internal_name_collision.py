"""AM201 internal-name-collision: one internal-linkage name defined in two included sources.

## What it does
Finds a name with internal linkage, defined at namespace scope in two files of the amalgamation
that come through different umbrella includes, in the same enclosing namespace: `static`
functions and variables, everything in an anonymous namespace (functions, variables, classes),
and (in C++) namespace-scope `const`/`constexpr` variables, which are internal too.

* Two functions with the same parameter types, two variables, two classes, or a function and a
  variable: an **error**. Each file compiles alone; in one translation unit the second is a
  redefinition and the unity build fails. In C every pair of same-named functions is an error
  (C has no overloading); two C tentative definitions (`static int n;` without an initializer)
  are allowed by the language and not reported.
* Two functions with different parameter types: a **warning**, "overload capture". Both now
  form one overload set: a call in the later file sees the earlier file's overload too and may
  silently bind to it (`Half(3)` picks `Half(int)` over the file's own `Half(double)`). Reported
  only when the later file calls or names the function.

The finding points at the later definition and names the earlier one. Definitions that are both
inside `#if` branches (other than include guards) are not reported: the branches may exclude
each other.

## Why is this bad?
Internal linkage is how a file keeps a helper private; a unity build breaks that promise. The
redefinition stops the build (CMake `UNITY_BUILD`, WebKit unified sources and Godot SCU builds
meet it whenever two files pick the same helper name); overload capture does not even do that,
it changes which function runs.

## Example
```c++
// a.cc
static int Half(int x) { return x / 2; }
// b.cc
static double Half(double x) { return x / 2; }
double HalfOfThree() { return Half(3); }   // 1.5 alone, 1 in the unity build
```

## Use instead
Give each helper a name or a namespace of its own (`namespace b_detail { ... }`), or move a
shared helper into a header both include. In a unity build that a build system makes, the
other remedy is to keep one of the two sources out of it: with CMake,
`set_source_files_properties(b.cc PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)`. Findings in
CMake targets (`amalint check -p BUILD`, `--unity-readiness`) name both remedies.

## Fix safety
No automatic fix: only a person can choose the new name.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from amalint.engine.rule import Finding, Related, Rule, RuleContext, display
from amalint.model import Declaration, DeclKind, FileFacts, Location, Severity

_KINDS = (DeclKind.FUNCTION, DeclKind.VARIABLE, DeclKind.TYPE)


def _shown(decl: Declaration) -> str:
    name = "::".join((*decl.scope, decl.name))
    if decl.kind is DeclKind.FUNCTION and decl.signature is not None:
        return f"{name}{decl.signature}" if not decl.signature.startswith("template") \
            else f"{decl.signature.split(' ', 1)[0]} {name}{decl.signature.split(' ', 1)[1]}"
    return name


def _end(decl: Declaration) -> Location:
    return replace(decl.location, column=decl.location.column + len(decl.name))


def _clash(a: Declaration, b: Declaration, is_c: bool) -> str | None:
    """How two same-named internal definitions clash: ``redefinition``, ``overload`` or not at
    all (``None``)."""
    kinds = {a.kind, b.kind}
    if kinds == {DeclKind.FUNCTION}:
        return "redefinition" if is_c or a.signature == b.signature else "overload"
    if DeclKind.TYPE in kinds:
        return "redefinition" if kinds == {DeclKind.TYPE} else None
    return "redefinition"


def check(ctx: RuleContext) -> Iterator[Finding]:
    scope = ctx.model.filescope
    groups: dict[tuple[tuple[str, ...], str], list[tuple[FileFacts, Declaration]]] = {}
    for facts in scope.files:
        for decl in facts.declarations:
            if decl.internal and decl.kind in _KINDS:
                groups.setdefault((decl.scope, decl.name), []).append((facts, decl))
    for found in groups.values():
        found.sort(key=lambda item: item[1].position)
        for index, (later_file, later) in enumerate(found):
            for earlier_file, earlier in found[:index]:
                if earlier_file.unit == later_file.unit or (earlier.conditional
                                                            and later.conditional):
                    continue
                clash = _clash(earlier, later, scope.is_c)
                if clash == "redefinition":
                    yield _redefinition(earlier_file, earlier, later_file, later)
                    break
                if clash == "overload":
                    finding = _overload(ctx, earlier_file, earlier, later_file, later)
                    if finding is not None:
                        yield finding
                        break


def _redefinition(earlier_file: FileFacts, earlier: Declaration, later_file: FileFacts,
                  later: Declaration) -> Finding:
    message = (
        f"`{_shown(later)}` ({later.internal}) is also defined in "
        f"`{display(earlier_file.path)}` ({earlier.internal}): each file compiles alone, but "
        "in the unity build this is a redefinition and the build fails"
    )
    return Finding(RULE.code, RULE.name, Severity.ERROR, message, later.location,
                   _end(later), (Related(earlier.location, "first defined here"),))


def _overload(ctx: RuleContext, earlier_file: FileFacts, earlier: Declaration,
              later_file: FileFacts, later: Declaration) -> Finding | None:
    uses = [
        use for facts in ctx.model.filescope.files if facts.unit == later_file.unit
        and later.name not in facts.local_names
        for use in facts.uses
        if use.name == later.name and use.scope[: len(later.scope)] == later.scope
        and use.position > later.position
    ]
    if not uses:
        return None
    message = (
        f"`{_shown(later)}` ({later.internal}) overloads `{_shown(earlier)}` from "
        f"`{display(earlier_file.path)}`: in the unity build calls in "
        f"`{display(later_file.path)}` see both and may silently bind to the other file's "
        "function"
    )
    related = [Related(earlier.location, "the other file's overload")]
    related += [Related(use.location, f"`{use.name}` is used here") for use in uses[:3]]
    return Finding(RULE.code, RULE.name, Severity.WARNING, message, later.location,
                   _end(later), tuple(related))


RULE = Rule(
    code="AM201",
    name="internal-name-collision",
    severity=Severity.ERROR,
    summary="one internal-linkage name defined in two included sources",
    check=check,
    doc=__doc__ or "",
)
