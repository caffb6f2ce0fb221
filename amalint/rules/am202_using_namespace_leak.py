"""AM202 using-namespace-leak: a file-scope `using namespace` changes names in later sources.

## What it does
Finds a `using namespace X;` at namespace scope (outside any function) in an included source, and
names the sources included after it whose unqualified names it changes. A later source is
affected where it uses an unqualified name that `X` also declares (before the use), from code
the directive reaches (the namespace it sits in), and the source alone would find another
declaration of that name:

* at the same level of lookup as `X`'s names appear: the name is **ambiguous**, an error
  (`reference to 'Point' is ambiguous`); if both are functions they merge into one overload
  set and a call may silently bind to `X`'s function (a warning);
* further out: `X`'s name now hides the one the source meant, a silent rebinding (a warning).

Where a name is looked up follows the compiler: the return type of an out-of-class member
definition (`Tag *TagUnion::tag() const`) is looked up around the class, its parameters and body
inside it; in a class body, a class without bases hides only the names it declares (its own
name, members, nested types), and a class with bases is assumed to hide any name.

Sources that include the file with the directive themselves, uses inside `X`, names the source
declares locally (parameters, locals, members), and names only reached through
using-declarations or aliases (which may denote the same entity) are not reported. Only
namespaces declared in the project's files are known: a `using namespace std;` is not reported
(its names live in system headers, which are not parsed).

## Why is this bad?
The directive was written for one file, but in a unity build it stays in effect for the rest
of the translation unit. A later file that compiled alone stops compiling, or worse, calls a
different function. tvm-ffi replaced a `using namespace` in `object.cc` by a namespace alias for
this reason.

## Example
```c++
// geometry.cc
namespace geo { struct Point { double x, y; }; }
using namespace geo;
// grid.cc (included after it)
struct Point { int col, row; };
int Cells(Point p);   // error in the unity build: 'Point' is ambiguous
```

## Use instead
A namespace alias (`namespace g = geo;`), using-declarations for the few names needed, or the
directive inside the functions that need it.

## Fix safety
No automatic fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from amalint.analysis.unity import Cause, UnityDiagnostic, end_of, through_using
from amalint.engine.rule import (
    Finding,
    Related,
    Rule,
    RuleContext,
    compiler_related,
    display,
)
from amalint.frontends.filescope import reachable
from amalint.model import (
    Declaration,
    DeclKind,
    FileFacts,
    FileScope,
    NameUse,
    Scope,
    Severity,
    UsingDirective,
)

#: At most this many affected places (one per file and name) are listed per finding.
SHOWN = 50
_SAME_ENTITY_POSSIBLE = {DeclKind.USING, DeclKind.ALIAS}

Table = dict[Scope, dict[str, list[Declaration]]]


@dataclass(frozen=True)
class _Effect:
    use: NameUse
    #: ``ambiguous``, ``overload`` (both functions: one overload set) or ``rebind`` (the
    #: directive's name hides the one the source meant).
    how: str
    captured: Declaration
    other: Declaration

    @property
    def ambiguous(self) -> bool:
        return self.how == "ambiguous"

    def describe(self) -> str:
        name, captured, other = self.use.name, _shown(self.captured), _shown(self.other)
        if self.how == "ambiguous":
            return f"`{name}` is ambiguous between `{captured}` and `{other}`"
        if self.how == "overload":
            return f"calls to `{name}` may bind to `{captured}` instead of `{other}`"
        return f"`{name}` now means `{captured}`, not `{other}`"


def _common(a: Scope, b: Scope) -> Scope:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _shown(decl: Declaration) -> str:
    return "::" + "::".join((*decl.scope, decl.name))


def check(ctx: RuleContext) -> Iterator[Finding]:
    compiled = [u for u in ctx.unity
                if u.cause is Cause.AMBIGUITY and through_using(ctx.model, u)]
    confirmed: set[int] = set()
    for facts, directive, effects in _leaks(ctx):
        finding = _finding(facts, directive, effects)
        if finding.severity is Severity.ERROR and ctx.compiler_checked:
            uses = {(e.use.name, f.path) for f, e in effects if e.ambiguous}
            said = [u for u in compiled
                    if (u.symbol, u.diagnostic.location.path) in uses]
            if not said:
                continue  # the compiler does not find it ambiguous
            confirmed.update(id(u) for u in said)
            finding = replace(finding, message=f"{finding.message}; the compiler reports: "
                                               f"{said[0].diagnostic.message}")
        yield finding
    for unity in compiled:
        if id(unity) not in confirmed:
            yield _from_compiler(unity, ctx.model.filescope)


def _from_compiler(unity: UnityDiagnostic, scope: FileScope) -> Finding:
    """A confirmed ambiguity that the file-scope facts did not explain use by use: named by
    the directives of earlier sources whose namespace declares the name (what the user
    fixes)."""
    diag = unity.diagnostic
    files = ", ".join(f"`{display(p)}`" for p in dict.fromkeys(
        n.location.path for n in unity.others))
    declares = {d.scope for f in scope.files for d in f.declarations if d.name == unity.symbol}
    user = next((f.unit for f in scope.files if f.path == diag.location.path), None)
    culprits = [(f, d) for f in scope.files if f.unit is not None and user is not None
                and f.unit < user for d in f.using_directives if d.target in declares]
    if culprits:
        shown = ", ".join(f"`using namespace {'::'.join(d.target)};` at "
                          f"{display(d.location.path)}:{d.location.line}" for _, d in culprits)
        why = f"brought together by {shown}, which stays in effect for the files after it"
    else:
        why = "brought together by a file-scope `using namespace` of an earlier source"
    message = (f"`{unity.symbol}` has candidates in {files}, {why}: the compiler reports: "
               f"{diag.message}")
    related = (*compiler_related(unity),
               *(Related(d.location, "the `using namespace` directive is here")
                 for _, d in culprits))
    return Finding(RULE.code, RULE.name, Severity.ERROR, message, diag.location,
                   end_of(diag.location, unity.symbol), related)


def _leaks(ctx: RuleContext) -> Iterator[tuple[FileFacts, UsingDirective,
                                              list[tuple[FileFacts, _Effect]]]]:
    """Each using-directive of an included source with what it changes in later sources."""
    scope = ctx.model.filescope
    table: Table = {}
    for facts in scope.files:
        for decl in facts.declarations:
            table.setdefault(decl.scope, {}).setdefault(decl.name, []).append(decl)
    heads = {index: inc.resolved for index, inc in enumerate(ctx.model.umbrella.includes)
             if inc.resolved is not None}
    by_path = {f.path: f for f in scope.files}  # once, not once per include (10,000 includes)
    reach = {unit: reachable(by_path, head) for unit, head in heads.items()}
    for facts in scope.files:
        if facts.unit is None:
            continue
        for directive in facts.using_directives:
            effects = [
                (later, effect)
                for later in scope.files
                if later.unit is not None and later.unit > facts.unit
                and facts.path not in reach.get(later.unit, set())
                for effect in _effects(scope, table, directive, later)
            ]
            if effects:
                yield facts, directive, effects


def _effects(scope: FileScope, table: Table, directive: UsingDirective,
             later: FileFacts) -> Iterator[_Effect]:
    """How ``directive`` changes the unqualified uses of ``later``."""
    target, where = directive.target, directive.scope
    if where[: len(target)] == target:
        return  # naming an enclosing namespace changes nothing
    members = table.get(target, {})
    common = _common(where, target)
    for use in later.uses:
        if use.name not in members or use.name in later.local_names \
                or use.scope[: len(where)] != where or use.scope[: len(target)] == target \
                or (use.member_context and use.name in scope.member_names):
            continue
        captured = [d for d in members[use.name] if d.position < use.position]
        if not captured:
            continue
        level, alone = _lookup(table, use, [
            d for f in scope.files if f.unit == later.unit for d in f.using_directives
            if d.position < use.position and use.scope[: len(d.scope)] == d.scope])
        if level is None or len(level) > len(common):
            continue  # nothing else known by that name, or the source's own name hides X's
        kinds = {d.kind for d in (*captured, *alone)}
        if kinds & _SAME_ENTITY_POSSIBLE:
            continue
        if {d.scope for d in captured} == {d.scope for d in alone}:
            continue  # the same namespace's name, declared more than once: one entity
        how = "rebind" if level != common else \
            "overload" if kinds == {DeclKind.FUNCTION} else "ambiguous"
        yield _Effect(use, how, captured[0], alone[0])


def _lookup(table: Table, use: NameUse, own: list[UsingDirective]
            ) -> tuple[Scope | None, list[Declaration]]:
    """Where unqualified lookup of ``use`` stops without the directive: the innermost enclosing
    namespace declaring the name before the use, and those declarations. A using-directive of
    the use's own source (``own``) counts too: its namespace's names are found as if declared
    in the nearest namespace enclosing both the directive and that namespace."""
    for depth in range(len(use.scope), -1, -1):
        level = use.scope[:depth]
        found = [d for d in table.get(level, {}).get(use.name, ()) if d.position < use.position]
        found += [d for u in own if _common(u.scope, u.target) == level
                  for d in table.get(u.target, {}).get(use.name, ())
                  if d.position < use.position]
        found += [d for target in use.nominated if _common(use.scope, target) == level
                  for d in table.get(target, {}).get(use.name, ())
                  if d.position < use.position]
        if found:
            return level, found
    return None, []


def _finding(facts: FileFacts, directive: UsingDirective,
             effects: list[tuple[FileFacts, _Effect]]) -> Finding:
    ambiguous = [item for item in effects if item[1].ambiguous]
    later, first = (ambiguous or effects)[0]
    name = "::".join(directive.target)
    what = first.describe()
    files = {display(f.path) for f, _ in effects}
    more = f" (and {len(files) - 1} more file(s))" if len(files) > 1 else ""
    message = (f"`using namespace {name};` in `{display(facts.path)}` stays in effect for the "
               f"files included after it: in `{display(later.path)}`, {what}{more}")
    related: list[Related] = []
    shown: dict[tuple[object, str], None] = {}  # each affected file and name once
    for item_file, effect in ambiguous + [e for e in effects if not e[1].ambiguous]:
        if (item_file.path, effect.use.name) in shown or len(shown) >= SHOWN:
            continue
        shown[item_file.path, effect.use.name] = None
        related.append(Related(effect.use.location,
                               f"in `{display(item_file.path)}`: {effect.describe()}"))
    related.append(Related(first.captured.location, f"`{_shown(first.captured)}` declared here"))
    related.append(Related(first.other.location, f"`{_shown(first.other)}` declared here"))
    severity = Severity.ERROR if ambiguous else Severity.WARNING
    end = replace(directive.location,
                  column=directive.location.column + len(f"using namespace {name};"))
    return Finding(RULE.code, RULE.name, severity, message, directive.location, end,
                   tuple(related))


RULE = Rule(
    code="AM202",
    name="using-namespace-leak",
    severity=Severity.ERROR,
    summary="a file-scope `using namespace` changes names in the sources after it",
    check=check,
    doc=__doc__ or "",
)
