"""What a unity build hides: names a source uses that reach it only through an earlier source.

Pure functions over the file-scope facts. A file an umbrella include reads first refers to a
name (:attr:`~amalint.model.FileFacts.references`); the reference is a *hidden dependency* when
every declaration (or ``#define``) of that name in the project's files lies outside the files
its source reads compiled alone (:class:`~amalint.analysis.alone.AloneOrder`), and one lies in
a file an earlier umbrella include read: the unit compiles, the source alone does not.

Quiet on purpose: a name the source's own closure declares anywhere (in any namespace, any
branch, as a macro: also one a system header declares too, as zstd's `debug.h` defines
`assert` unless `<assert.h>` came first) is never reported; nor a name a class member may
stand for (an unqualified use inside a class or member function, when some class of the unit
has a member of that name); nor a declaration the
umbrella's own text or a header the umbrella itself includes provides (a prelude meant for every
source after it). System headers are not parsed: a name (or member) only they spell comes with
its :class:`~amalint.model.SystemName` from the front end (``Reference.system``).
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from pathlib import Path

from amalint.analysis.alone import AloneOrder
from amalint.model import (
    DeclKind,
    FileFacts,
    FileScope,
    Location,
    MacroEventKind,
    Reference,
    Scope,
    SystemName,
    Umbrella,
    visible_scope,
)
from amalint.scan.directives import is_source

MACRO = "macro"
#: Keywords, which the parse may take for names where it recovers from text it cannot read
#: (`JSON_EXPORT enum e f(void);` with the macro unknown: `enum` an identifier), and the type
#: keywords (`operator bool`'s `bool`). C++'s too: in C they could name something, but a
#: source that uses a C global named `class` without declaring it is rarer than a misparse.
#: Not the C names of `<stdbool.h>`, `<stdalign.h>` and the like (`true`, `alignof`), which a
#: C source must include (`bool` is here for C++'s `operator bool`).
_KEYWORDS = frozenset({
    "asm", "auto", "bool", "break", "case", "catch", "char", "char8_t", "char16_t", "char32_t",
    "class", "const", "consteval", "constexpr", "constinit", "const_cast", "continue",
    "decltype", "default", "delete", "do", "double", "dynamic_cast", "else", "enum",
    "explicit", "export", "extern", "float", "for", "friend", "goto", "if", "inline", "int",
    "long", "mutable", "namespace", "new", "noexcept", "nullptr", "operator", "private",
    "protected", "public", "register", "reinterpret_cast", "restrict", "return", "short",
    "signed", "sizeof", "static", "static_cast", "struct", "switch", "template", "this",
    "throw", "try", "typedef", "typeid", "typename", "union", "unsigned", "using", "virtual",
    "void", "volatile", "wchar_t", "while"})
#: The kind of a name only a system header spells (not parsed: its kind is unknown).
SYSTEM = "name"
#: The kind of a member name accessed after ``.`` or ``->`` (see
#: :mod:`amalint.frontends.filescope.members`).
MEMBER = "member"


@dataclass(frozen=True)
class Declared:
    """One declaration (or macro definition) of a name, in the file ``facts`` describes."""

    facts: FileFacts
    kind: str
    location: Location
    #: The namespace it is declared in; ``None`` for a macro.
    scope: Scope | None
    #: A definition of a type (a class with its body), preferred over a forward declaration.
    defines_type: bool = False


@dataclass(frozen=True)
class HiddenUse:
    """One reference of a hidden dependency and the declaration it finds in the unity build."""

    reference: Reference
    declared: Declared


@dataclass(frozen=True)
class HiddenDependency:
    """The uses in ``path`` (read through umbrella include ``unit``) of names that ``header``
    declares, which reaches them only through umbrella include ``provider``."""

    path: Path
    unit: int
    header: Path
    provider: int
    uses: tuple[HiddenUse, ...]
    #: The ``#include`` (in a file of ``provider``) through which ``header`` is read.
    via: Location | None
    #: Whether ``header`` has an include guard (``#pragma once`` or a macro).
    guarded: bool
    #: For a system header, how the earlier source spells its ``#include`` (``<vector>``).
    system: str | None = None

    @property
    def named(self) -> tuple[HiddenUse, ...]:
        """The uses to name: a member accessed only when nothing else of the header is used
        (``p.x`` of a ``Point`` the source already names adds nothing)."""
        return tuple(u for u in self.uses if not u.reference.member) or self.uses


def _declarations(scope: FileScope) -> dict[str, list[Declared]]:
    out: dict[str, list[Declared]] = {}
    for facts in scope.files:
        if facts.unit is None:
            continue
        for d in facts.declarations:
            out.setdefault(d.name, []).append(Declared(
                facts, d.kind.value, d.location, d.scope,
                d.kind is DeclKind.TYPE and d.definition))
        for event in facts.macros:
            if event.kind is MacroEventKind.DEFINE:
                out.setdefault(event.name, []).append(Declared(facts, MACRO, event.location,
                                                               None))
    return out


def _visible(declared: Declared, reference: Reference, nominated: set[Scope]) -> bool:
    """Whether name lookup of ``reference`` may find ``declared`` (as far as the facts say)."""
    if declared.scope is None:
        return True
    scope = visible_scope(declared.scope)
    qualifier = reference.qualifier
    if qualifier:
        if qualifier[0] == "":
            return scope == qualifier[1:]
        return scope[len(scope) - len(qualifier):] == qualifier if len(scope) >= len(qualifier) \
            else False
    return reference.scope[:len(scope)] == scope or scope in nominated


def hidden_dependencies(scope: FileScope, umbrella: Umbrella) -> list[HiddenDependency]:
    """Every hidden dependency of the unit, one per (file, declaring header) pair."""
    if not any(f.references for f in scope.files):
        return []  # no references sought (AM206 does not run): nothing to look up
    alone = AloneOrder(umbrella, scope.files)
    declarations = _declarations(scope)
    members: dict[str, list[Declared]] = {}
    for facts in scope.files:
        for name, where in facts.members if facts.unit is not None else ():
            members.setdefault(name, []).append(Declared(facts, MEMBER, where, None, True))
    nominated = {d.target for f in scope.files for d in f.using_directives}
    # the umbrella's own text, and what a forced include (`-include`, CMake's precompiled
    # header) reads before it: every source compiled alone with the same flags sees them too
    prelude = {name for f in scope.files if f.unit is None
               for name in (*f.defines, *(d.name for d in f.declarations), *f.macro_words)}
    first: dict[Path, FileFacts] = {}
    read = {f.path for f in scope.files if not f.unread}
    tops: dict[int, Path] = {}
    for facts in scope.files:
        first.setdefault(facts.path, facts)
        if facts.unit is not None:
            tops.setdefault(facts.unit, facts.path)
    found: dict[tuple[Path, Path], list[HiddenUse]] = {}
    system: dict[tuple[Path, Path], SystemName] = {}
    units: dict[tuple[Path, Path], tuple[int, int]] = {}
    for facts in scope.files:
        unit = facts.unit
        if unit is None or not facts.references or first[facts.path] is not facts:
            continue
        closure = alone.order(unit)
        if any(p in first and p not in read for p in closure):
            continue  # a header of its own whose code the unit never read (a neighbour
            # defined its guard first, as zstd's legacy decoders do): what it declares is unknown
        own = _Closure([first[p] for p in closure if p in first], set(first))
        for reference in facts.references:
            if reference.name in _KEYWORDS:
                continue  # a keyword the parse took for a name (`operator bool`'s `bool`)
            if reference.name in prelude:
                continue  # the umbrella's own text declares or defines it for every source
            if own.may_declare(reference):
                continue  # the source's own closure defines it (in some branch: zstd's
                # `#ifndef assert` / `#define assert(c)` where <assert.h> came first)
            if reference.system is not None:
                origin = reference.system
                if not is_source(tops[origin.unit]):
                    continue  # a header the umbrella itself includes: a prelude for all after
                key = (facts.path, origin.entry)
                found.setdefault(key, []).append(HiddenUse(reference, Declared(
                    FileFacts(origin.header, origin.unit), SYSTEM,
                    Location(origin.header, origin.line), None)))
                units.setdefault(key, (unit, origin.unit))
                system[key] = origin
                continue
            candidates = (members if reference.member else declarations).get(reference.name,
                                                                                 [])
            if _declared_in(closure, candidates, reference):
                continue  # declared by the source's own closure (in some namespace or branch)
            if not reference.member and own.system \
                    and any(_in_std(c, reference) for c in candidates):
                continue  # `std`, or a name of it: any system header of the closure declares it
            if reference.member_context and not reference.qualifier \
                    and reference.name in scope.member_names \
                    and (not reference.complete or reference.name in own.members):
                continue  # may be a member of a class (or of one of its bases); `T::` names
                # a member only of a class the source reads (a constructor's `T` is its class)
            named = any(c.kind == DeclKind.USING.value and c.facts.path in closure
                        for c in candidates)  # `using ns::T;` makes `ns::T` visible
            earlier = [c for c in candidates if c.facts.unit is not None and c.facts.unit < unit
                       and (named or _visible(c, reference, nominated))]
            if reference.complete and any(c.facts.path in closure for c in candidates):
                earlier = [c for c in earlier if c.defines_type]  # the definition it needs
            if not earlier:
                continue
            chosen = _choose(earlier)
            provider = chosen.facts.unit
            assert provider is not None
            if not is_source(tops[provider]):
                continue  # a header the umbrella itself includes: a prelude for all after it
            key = (facts.path, chosen.facts.path)
            found.setdefault(key, []).append(HiddenUse(reference, chosen))
            units.setdefault(key, (unit, provider))
    out: list[HiddenDependency] = []
    for (path, header), uses in found.items():
        unit, provider = units[(path, header)]
        entry = system.get((path, header))
        if entry is not None:
            out.append(HiddenDependency(path, unit, header, provider, tuple(uses), entry.via,
                                        True, entry.spelling))
            continue
        out.append(HiddenDependency(path, unit, header, provider, tuple(uses),
                                    _via(scope.files, provider, header),
                                    first[header].guard is not None))
    return out


class _Closure:
    """What the files a source reads alone may declare beyond their own declarations."""

    def __init__(self, files: Sequence[FileFacts], project: set[Path]) -> None:
        self.defines = {name for f in files for name in f.defines}
        #: Names a macro of the closure may declare when it expands (an X-macro's list).
        self.macro_words = {name for f in files for name in f.macro_words}
        self.members = {name for f in files for name, _ in f.members}
        #: Whether the closure reads a system header (an angled include of no project file).
        self.system = any(w.angled and (w.resolved is None or w.resolved not in project)
                          for f in files for w in f.written)

    def may_declare(self, reference: Reference) -> bool:
        """Whether the closure may declare ``reference``'s name: it ``#define``\\ s it, or
        a macro's expansion may declare it (not a system header's name, which a project
        macro's body spells only to use it)."""
        return reference.name in self.defines or (reference.system is None
                                                  and reference.name in self.macro_words)


def _declared_in(closure: Container[Path], candidates: Sequence[Declared],
                 reference: Reference) -> bool:
    """Whether the source's closure declares what ``reference`` needs: any declaration of
    the name before the use (not a using-declaration, for a qualified use: ``using ns::f;``
    needs ``ns::f``); but for a use that needs the type's definition (``T::``, a base class),
    a definition, where the closure has only forward declarations and an earlier file
    defines it."""
    own = [c for c in candidates if c.facts.path in closure
           and not (c.kind == DeclKind.USING.value and reference.qualifier)
           and not _after(c.location, reference.location)]
    if not own:
        return False
    forward = reference.complete and all(
        c.kind in (DeclKind.TYPE.value, DeclKind.USING.value) and not c.defines_type
        for c in own)  # `using ns::T;` names a forward declaration as much as the definition
    return not (forward and any(c.defines_type for c in candidates if c not in own))


def _after(declared: Location, use: Location) -> bool:
    """Whether a declaration comes after a use in the same file (no declaration for it yet)."""
    return declared.path == use.path and (declared.line, declared.column) > (use.line,
                                                                              use.column)


def _in_std(declared: Declared, reference: Reference) -> bool:
    """Whether ``reference`` names namespace ``std`` or something in it (a project's own
    ``namespace std { template <> struct hash<...> }`` extends what system headers declare)."""
    qualifier = reference.qualifier[1:] if reference.qualifier[:1] == ("",) \
        else reference.qualifier
    return reference.name == "std" or qualifier[:1] == ("std",) or (
        declared.scope is not None and visible_scope(declared.scope)[:1] == ("std",))


def _choose(candidates: Sequence[Declared]) -> Declared:
    """The declaration to name: one in a header over one in a source (a header can be
    included), a type's definition over its forward declarations, else the first the compiler
    reads."""
    return min(candidates, key=lambda c: (is_source(c.facts.path), not c.defines_type))


def _via(files: Sequence[FileFacts], provider: int, header: Path) -> Location | None:
    """The ``#include`` of ``header`` in a file read through ``provider``."""
    for facts in files:
        if facts.unit == provider and header in facts.includes:
            line = facts.include_lines[facts.includes.index(header)]
            return Location(facts.path, line)
    return None
