"""AM201 internal-name-collision: one internal-linkage name defined in two included sources.

## What it does
Finds namespace-scope declarations of one name, in one scope, from two included sources (or
from one header without include guard that two sources read), that the compiler cannot accept
in one translation unit, by the rules of C and C++:

* two definitions: `static` functions and variables, everything in an anonymous namespace,
  C++ namespace-scope `const` variables, and just as well external functions, classes, structs,
  unions, enums and initialized variables (C's tentative definitions `int n;` merge);
* declarations whose types disagree: a C function's parameters or return type, a variable's
  type, a typedef's target (equal typedefs are fine; `uint32_t` and the other standard
  typedefs are what the compiler's target makes them);
* a `static` declaration after an external one, or a C variable without storage class after a
  `static` one;
* one name for two kinds of entity: a function and a variable, a typedef and anything else, an
  enumerator and anything else.

Each is an **error**: every file compiles alone, the unity build fails. The finding points at
the later declaration and names the earlier. Only pairs that the unity build brings together
count: if the later file would see the earlier declaration when compiled alone (through a header
it includes first), the clash is that file's own.

C++ functions with different parameter types in two files **overload**: a call in the later file
sees the earlier file's function too (unless a function of its name in a nearer namespace hides
it). When the compiler then finds the call ambiguous, that is an **error**; when it binds to the
other file's function instead of the one it bound to alone (`Half(3)` picks `Half(int)` over the
file's own `Half(double)`), a **warning**. Only calls can change: the finding needs a call (or
a use) in the later file for which the other function is viable and chosen over the file's own
(or ties with it), as C++ overload resolution decides on the argument types the file tells
(literals, declared variables, `&x`, casts): arity with default arguments and `...`, pointer
levels, cv-qualification, reference binding, standard conversions. An argument of unknown type
still converts to the file's own parameter, so a function whose parameter no such argument
converts to (`const char*` for `const char**`) is not viable; otherwise an unknown type leaves
a warning that the call *may* bind to the other function. A function the file's own includes
declare is its own, whichever source read them first. libclang takes the compiler's choice.

A name an earlier source declares also makes a later source's uses **ambiguous** (an error)
when the later source's own `using namespace N;` brings N's name of the same spelling to the
same place: N's names appear as if declared in the namespace enclosing both the directive and N,
where lookup now finds the earlier source's name too (`reference to 'ALPHABET' is ambiguous`).
The finding points at the first use in each file and names the directive. (When an earlier
source's directive brings the other name, that is AM202.)

With the libclang front end, the compiler's own diagnostics decide which errors there are (in its
words: `redefinition of 'x'`, `call to 'f' is ambiguous`...); the facts add the warnings, and
gcc's follow-ons that clang does not report: once clang says a struct or an anonymous struct's
typedef is defined twice, gcc also rejects each later declaration spelled like an earlier one that
names the new type (`conflicting types for 'x_ptr'`, the prototypes that take it).
With tree-sitter and the build's flags, the facts come from the preprocessor's view of the unit:
only active `#if` branches, macros expanded (a storage class or a name written by a macro
counts). With no flags known, every branch counts, and a finding about declarations inside `#if`
branches says so.

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

import re
from collections.abc import Iterator
from dataclasses import replace

from amalint.analysis.alone import AloneOrder
from amalint.analysis.lookup import Ambiguity, declared_ambiguities
from amalint.analysis.overloads import Outcome, Resolution, found_by_lookup, judge
from amalint.analysis.redeclarations import (
    NEW_TYPE,
    Clash,
    Pair,
    clashes,
    hidden_pairs,
    overloads,
)
from amalint.analysis.typeversions import mentions
from amalint.analysis.unity import Cause, UnityDiagnostic, end_of, through_using
from amalint.engine.rule import (
    Finding,
    Related,
    Rule,
    RuleContext,
    compiler_related,
    display,
)
from amalint.model import (
    ANONYMOUS,
    Declaration,
    DeclKind,
    Location,
    NameUse,
    Severity,
    visible_scope,
)


def _shown(decl: Declaration) -> str:
    name = "::".join((*decl.scope, decl.name))
    if decl.kind is DeclKind.FUNCTION and decl.signature is not None:
        return f"{name}{decl.signature}" if not decl.signature.startswith("template") \
            else f"{decl.signature.split(' ', 1)[0]} {name}{decl.signature.split(' ', 1)[1]}"
    return name


def _end(decl: Declaration) -> Location:
    return replace(decl.location, column=decl.location.column + len(decl.name))


#: How a finding on a header without guard names the read that redefines (one per read).
_AGAIN = re.compile(r"and again through `([^`]+)`")


def check(ctx: RuleContext) -> Iterator[Finding]:
    """The findings, those on one line of a header without guard read again by several
    sources merged into one that names every read."""
    merged: dict[tuple[object, ...], tuple[Finding, list[str]]] = {}
    for finding in _check(ctx):
        again = _AGAIN.search(finding.message)
        key = (finding.location, finding.severity,
               _AGAIN.sub("", finding.message) if again else id(finding))
        if key in merged:
            if again is not None and again.group(1) not in merged[key][1]:
                merged[key][1].append(again.group(1))
            continue
        merged[key] = (finding, [again.group(1)] if again is not None else [])
    for finding, readers in merged.values():
        if len(readers) > 1:
            names = ", ".join(f"`{r}`" for r in readers[:-1]) + f" and `{readers[-1]}`"
            again = _AGAIN.search(finding.message)
            assert again is not None
            message = finding.message
            finding = replace(finding, message=f"{message[:again.start()]}and again through "
                                               f"{names}{message[again.end():]}")
        yield finding


def _check(ctx: RuleContext) -> Iterator[Finding]:
    compiled = [u for u in ctx.unity if u.cause is Cause.REDECLARATION or (
        u.cause is Cause.AMBIGUITY and not through_using(ctx.model, u))]
    yield from (_from_compiler(ctx, u) for u in compiled)
    ambiguous = {u.symbol for u in compiled if u.cause is Cause.AMBIGUITY}
    said = {(u.diagnostic.location.path, u.diagnostic.location.line) for u in compiled}
    confirmed = {u.symbol for u in compiled if u.cause is Cause.REDECLARATION}
    facts = list(_from_facts(ctx))
    # gcc's follow-ons of a type the compiler says is made twice (and theirs): clang is silent
    while more := {n for n, _, names in facts if names & confirmed} - confirmed:
        confirmed |= more
    for name, finding, names in facts:
        where = (finding.location.path, finding.location.line)
        follows = bool(names & confirmed) and where not in said
        if not follows and finding.severity is Severity.ERROR and ctx.compiler_checked and (
                where in said or name not in confirmed):
            continue  # the compiler says which redefinitions there are (clang: a name's first)
        if finding.severity is Severity.WARNING and name in ambiguous:
            continue  # not a silent capture: the compiler rejects the call
        yield finding


def _from_compiler(ctx: RuleContext, unity: UnityDiagnostic) -> Finding:
    diag = unity.diagnostic
    files = ", ".join(f"`{display(p)}`" for p in dict.fromkeys(
        n.location.path for n in unity.others if n.location.path != diag.location.path))
    if unity.cause is Cause.AMBIGUITY:
        what = f"`{unity.symbol}` has another candidate in {files or 'another source'}"
    elif unity.follows:  # the compiler keeps the typedef's first definition
        what = f"`{unity.symbol}` names `{unity.follows}`, which {files} defines first"
    elif not unity.unguarded:
        what = f"`{unity.symbol}` is also declared in {files}"
    else:
        readers = [f.unit for f in ctx.model.filescope.files if f.path == diag.location.path]
        first = readers[0] if readers else None
        # clang names the file, not the read: the later read is this one, or the next one
        again = diag.unit if diag.unit != first else next(
            (u for u in readers if u != first), diag.unit)
        what = (f"`{unity.symbol}` is defined in `{display(diag.location.path)}`, which has "
                f"no include guard and is read through `{ctx.unit_name(first)}` and again "
                f"through `{ctx.unit_name(again)}`")
    message = (f"{what}: each file compiles alone, but in the unity build the compiler "
               f"reports: {diag.message}")
    return Finding(RULE.code, RULE.name, Severity.ERROR, message, diag.location,
                   end_of(diag.location, unity.symbol), compiler_related(unity))


def _from_facts(ctx: RuleContext) -> Iterator[tuple[str, Finding, frozenset[str]]]:
    """Each finding of the file-scope facts, with the name it is about and, for a clash of
    declarations spelled alike, the type names they spell (one of them made twice is why gcc
    reports the clash: its follow-on of a redefinition clang reports alone)."""
    scope, umbrella = ctx.model.filescope, ctx.model.umbrella
    for found in clashes(scope.files, umbrella, scope.is_c, scope.builtin_types):
        names = frozenset(n.rpartition(" ")[2] for n in mentions(found.later)) \
            if found.reason == NEW_TYPE else frozenset()
        yield found.later.name, _clash(ctx, found), names - {found.later.name}
    if scope.is_c:
        return
    for pair in hidden_pairs(scope.files, umbrella):
        finding = _hidden(ctx, pair)
        if finding is not None:
            yield pair.later.name, finding, frozenset()
    for same in declared_ambiguities(scope, umbrella):
        yield same[0].use.name, _declared(same), frozenset()
    done: set[int] = set()
    alone = AloneOrder(umbrella, scope.files)
    for pair in overloads(scope.files, umbrella):
        if id(pair.later) not in done:
            finding = _overload(ctx, pair, alone)
            if finding is not None:
                done.add(id(pair.later))
                yield pair.later.name, finding, frozenset()


def _what(decl: Declaration) -> str:
    if decl.kind is DeclKind.TYPE:
        return decl.tag or "type"
    names = {DeclKind.ALIAS: "typedef", DeclKind.ENUMERATOR: "enumerator"}
    return names.get(decl.kind, str(decl.kind.value))


def _type(decl: Declaration) -> str:
    if "<anonymous" in decl.type:
        return f"an anonymous {decl.type.split()[0]}"
    return f"`{decl.type}`"


def _clash(ctx: RuleContext, found: Clash) -> Finding:
    earlier, later = found.earlier, found.later
    there = f"`{display(found.earlier_file.path)}`"
    if found.earlier_file.path == found.later_file.path:
        what = (f"`{_shown(later)}` is defined in `{display(later.location.path)}`, which has "
                f"no include guard and is read through `{ctx.unit_name(found.earlier_file.unit)}`"
                f" and again through `{ctx.unit_name(found.later_file.unit)}`")
    elif found.reason == "redefinition":
        mark = f" ({later.internal})" if later.internal else ""
        other = f" ({earlier.internal})" if earlier.internal else ""
        what = f"`{_shown(later)}`{mark} is also defined in {there}{other}"
    elif found.reason == NEW_TYPE:
        what = (f"`{_shown(later)}` is spelled as in {there}, but a struct, union or enum it "
                "names is another type here: each definition makes a new one (a header without "
                "include guard read twice, a struct defined again)")
    elif found.reason == "conflicting types":
        what = (f"`{_shown(later)}` is declared as `{later.type}` here but as `{earlier.type}` "
                f"in {there}" if later.kind is DeclKind.VARIABLE else
                f"`{_shown(later)}` is declared differently in {there} (`{_shown(earlier)}`)")
    elif found.reason.startswith("static declaration"):
        what = f"`{_shown(later)}` is `static` here but has external linkage in {there}"
    elif found.reason.startswith("non-static"):
        what = f"`{_shown(later)}` has external linkage here but is `static` in {there}"
    elif found.reason.startswith("typedef"):
        what = (f"`{later.name}` is a typedef of {_type(later)} here but of {_type(earlier)} "
                f"in {there}")
    else:
        what = f"`{later.name}` is a {_what(later)} here but a {_what(earlier)} in {there}"
    if found.reason == "redefinition of enumerator" and \
            found.earlier_file.path != found.later_file.path:
        what = f"enumerator `{later.name}` is also declared in {there}"
    condition = " (if the `#if` branches around them are both compiled: amalint had no " \
        "compiler flags to tell)" if earlier.conditional or later.conditional else ""
    message = (f"{what}: each file compiles alone, but in the unity build the compiler reports "
               f"{found.reason} and the build fails{condition}")
    return Finding(RULE.code, RULE.name, Severity.ERROR, message, later.location, _end(later),
                   (Related(earlier.location, "first defined here" if found.reason ==
                            "redefinition" else f"the other {_what(earlier)} is here"),))


def _overload(ctx: RuleContext, pair: Pair, alone: AloneOrder) -> Finding | None:
    """What the later file's calls do now that they see the earlier file's overload too (a
    function the source's own includes declare before the call is its own)."""
    later_file, later = pair.later_file, pair.later
    files = ctx.model.filescope.files
    scope = visible_scope(later.scope)
    uses = [
        use for facts in files if facts.unit == later_file.unit
        and later.name not in facts.local_names
        for use in facts.uses
        if use.name == later.name and use.scope[: len(scope)] == scope
        and use.position > later.position
    ]
    if not uses:
        return None
    outcomes = []
    for use in uses:
        candidates = found_by_lookup(use.scope, [
            d for f in files for d in f.declarations
            if d.kind is DeclKind.FUNCTION and d.name == use.name
            and visible_scope(d.scope) == scope and d.position < use.position])
        own = [d for d in candidates
               if alone.precedes(d.location, later_file.unit, use.location)]
        others = [d for d in candidates if not any(d is o for o in own)]
        if not others:
            continue  # the other file's function is hidden from this use
        outcomes.append((use, _resolution(ctx, use, own, others)))
    ambiguous = [(u, r) for u, r in outcomes if r.outcome is Outcome.AMBIGUOUS]
    captured = [(u, r) for u, r in outcomes if r.outcome is Outcome.BINDS]
    unknown = [(u, r) for u, r in outcomes if r.outcome is Outcome.UNKNOWN]
    earlier = f"`{_shown(pair.earlier)}` from `{display(pair.earlier_file.path)}`"
    mark = f" ({later.internal})" if later.internal else ""
    if ambiguous:
        use, resolution = ambiguous[0]
        message = (f"`{use.name}` called with ({_arguments(use)}) is ambiguous in the unity "
                   f"build: `{_shown(later)}`{mark} overloads {earlier}, and neither matches "
                   "better; each file compiles alone, but the unity build fails")
        notes = tuple(Related(d.location, f"candidate `{_shown(d)}`")
                      for d in resolution.chosen)
        return Finding(RULE.code, RULE.name, Severity.ERROR, message, use.location,
                       _end_use(use), notes)
    if captured:
        use, resolution = captured[0]
        message = (f"`{_shown(later)}`{mark} overloads {earlier}: in the unity build "
                   f"`{use.name}` called with ({_arguments(use)}) in "
                   f"`{display(later_file.path)}` binds to the other file's "
                   f"`{_shown(resolution.chosen[0])}`")
        shown = [u for u, _ in captured]
    elif unknown:
        message = (f"`{_shown(later)}`{mark} overloads {earlier}: in the unity "
                   f"build calls in `{display(later_file.path)}` see both and may silently bind "
                   "to the other file's function")
        shown = [u for u, _ in unknown]
    else:
        return None  # every call still binds to the file's own function
    related = [Related(pair.earlier.location, "the other file's overload")]
    related += [Related(use.location, f"`{use.name}` is used here") for use in shown[:3]]
    return Finding(RULE.code, RULE.name, Severity.WARNING, message, later.location,
                   _end(later), tuple(related))


def _arguments(use: NameUse) -> str:
    """The argument types of a call as a person reads them (an lvalue ``T&`` is a ``T``)."""
    return ", ".join("int" if a == "0" else a.removesuffix("&") if not a.endswith("&&") else a
                     for a in use.args)


def _resolution(ctx: RuleContext, use: NameUse, own: list[Declaration],
                others: list[Declaration]) -> Resolution:
    """How the unity build binds ``use``: as the compiler did (libclang), else as overload
    resolution on what the file tells (:func:`~amalint.analysis.overloads.judge`)."""
    if not use.call:
        return Resolution(Outcome.UNKNOWN, tuple(others))
    target = ctx.model.call_targets.get(use.location)
    chosen = [d for d in (*own, *others) if target is not None
              and (d.location.path, d.location.line) == (target.path, target.line)]
    if chosen:  # the function the source saw alone may be defined in the other file
        function = (chosen[0].scope, chosen[0].signature)
        if any((d.scope, d.signature) == function for d in own):
            return Resolution(Outcome.SAME)
        return Resolution(Outcome.BINDS, (chosen[0],))
    return judge(use.args, own, others)


def _hidden(ctx: RuleContext, pair: Pair) -> Finding | None:
    """A use in the later file of a name an anonymous namespace and its enclosing scope both
    declare: ambiguous."""
    scope = visible_scope(pair.later.scope)
    use = next((u for f in ctx.model.filescope.files if f.unit == pair.later_file.unit
                and pair.later.name not in f.local_names for u in f.uses
                if u.name == pair.later.name and u.scope[: len(scope)] == scope
                and u.position > pair.later.position), None)
    if use is None:
        return None
    inside, outside = (pair.earlier_file, pair.later_file) if ANONYMOUS in pair.earlier.scope \
        else (pair.later_file, pair.earlier_file)
    message = (f"`{use.name}` is ambiguous in the unity build: `{display(inside.path)}` declares "
               f"it in an anonymous namespace and `{display(outside.path)}` outside it, and one "
               "name finds both; each file compiles alone, but the unity build fails")
    return Finding(RULE.code, RULE.name, Severity.ERROR, message, use.location, _end_use(use),
                   (Related(pair.earlier.location, "one declaration"),
                    Related(pair.later.location, "the other")))


def _declared(same: list[Ambiguity]) -> Finding:
    """Uses of one name in one file that an earlier source's declaration makes ambiguous."""
    first = same[0]
    files = ", ".join(dict.fromkeys(f"`{display(d.location.path)}`" for d in first.brought))
    theirs = ", ".join(f"`::{_shown(d)}`" for d in first.brought)
    ours = ", ".join(f"`::{_shown(d)}`" for d in first.candidates if d not in first.brought)
    how = ", ".join(f"`using namespace {'::'.join(d.target)};` at "
                    f"{display(d.location.path)}:{d.location.line}" for d in first.directives)
    message = (f"`{first.use.name}` is ambiguous in the unity build: {files} declares {theirs}, "
               f"which lookup finds beside {ours}" + (f" (brought in by {how})" if how else "")
               + "; each file compiles alone, but the unity build fails")
    related = [Related(d.location, f"candidate `::{_shown(d)}`") for d in first.candidates]
    related += [Related(d.location, "the `using namespace` directive is here")
                for d in first.directives]
    related += [Related(a.use.location, f"`{a.use.name}` is used here") for a in same[1:4]]
    return Finding(RULE.code, RULE.name, Severity.ERROR, message, first.use.location,
                   _end_use(first.use), tuple(related))


def _end_use(use: NameUse) -> Location:
    return replace(use.location, column=use.location.column + len(use.name))


RULE = Rule(
    code="AM201",
    name="internal-name-collision",
    severity=Severity.ERROR,
    summary="one internal-linkage name defined in two included sources",
    check=check,
    doc=__doc__ or "",
)
