"""Which namespace-scope declarations of different included sources cannot stand together in one
translation unit, by the rules of C and C++.

Pure functions over the file-scope facts. Two declarations of one name in one scope *clash*
when the compiler rejects the second:

* two definitions of one entity: functions with bodies (same parameter types in C++), tags and
  classes with bodies, initialized variables (in C++ any variable not declared ``extern``; C's
  tentative definitions ``int n;`` merge);
* declarations whose types disagree: a C function's parameter or return types, a variable's
  type, a typedef's target (equal typedefs are allowed in C11 and C++);
* a ``static`` declaration after one with external linkage, or (for a C variable) one without
  storage class after a ``static`` one;
* one name for two kinds of entity: a function and a variable, a typedef and anything else, an
  enumerator and anything else (a C++ class may share its name with a function or variable).

C++ functions of one scope with different parameter types do not clash: they *overload*, which
:func:`overloads` lists for the rules that look at the calls.

Only pairs that the unity build makes count: the two declarations come through different
umbrella includes, and the earlier would not precede the later when the later's source is
compiled alone (see :mod:`.alone`). A header without include guard read through two sources
is two declarations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from amalint.analysis.alone import AloneOrder
from amalint.analysis.spelling import (
    array_bounds_differ_only,
    array_bounds_unknown,
    signature_spelling,
    type_spelling,
)
from amalint.analysis.typeversions import TypeVersions
from amalint.model import ANONYMOUS, Declaration, DeclKind, FileFacts, Umbrella, visible_scope

_SKIPPED = (DeclKind.NAMESPACE, DeclKind.USING)
#: The clash of two declarations spelled alike that name different versions of a type (see
#: :mod:`.typeversions`).
NEW_TYPE = "conflicting types (a struct they name is a new type here)"
#: A name that is not a tag (``struct point`` stays as it is).
_NAME = re.compile(r"(?<!struct )(?<!union )(?<!enum )(?<!class )\b[A-Za-z_]\w*")
_C_TAGS = ("struct", "union", "enum")


@dataclass(frozen=True)
class Pair:
    """Two declarations of one name in one scope, from different included sources."""

    earlier_file: FileFacts
    earlier: Declaration
    later_file: FileFacts
    later: Declaration


@dataclass(frozen=True)
class Clash(Pair):
    #: What the compiler objects to: ``redefinition``, ``conflicting types``, ...
    reason: str


Key = tuple[tuple[str, ...], str, str]


def _key(decl: Declaration, is_c: bool) -> Key:
    space = "tag" if is_c and decl.kind is DeclKind.TYPE and decl.tag in _C_TAGS else ""
    return decl.scope, space, decl.name


def _visible_key(decl: Declaration, is_c: bool) -> Key:
    del is_c
    return visible_scope(decl.scope), "", decl.name


def pairs(files: Sequence[FileFacts], umbrella: Umbrella, is_c: bool,
          key: Callable[[Declaration, bool], Key] = _key,
          unseen: Callable[[Declaration], bool] = lambda d: False) -> Iterator[Pair]:
    """Every pair the unity build brings together, later declaration by later declaration
    (declarations grouped by ``key``: one scope and name by default). A later declaration
    for which ``unseen`` holds meets the earlier ones even if its source reads them alone:
    alone it would see another read of theirs."""
    alone = AloneOrder(umbrella, files)
    groups: dict[Key, list[tuple[FileFacts, Declaration]]] = {}
    #: what each read of a file declares: a source reading the file again alone takes the
    #: branches its own read takes, which may not declare what an earlier read did
    reads: dict[tuple[object, int | None], set[tuple[int, int, str]]] = {}
    for facts in files:
        reads.setdefault((facts.path, facts.unit), set()).update(
            (d.location.line, d.location.column, d.name) for d in facts.declarations)
    for facts in files:
        for decl in facts.declarations:
            if decl.kind not in _SKIPPED and decl.macro != decl.name:  # not a macro's name
                groups.setdefault(key(decl, is_c), []).append((facts, decl))
    for found in groups.values():
        if len({f.unit for f, _ in found}) < 2:
            continue
        found.sort(key=lambda item: item[1].position)
        for index, (later_file, later) in enumerate(found):
            for earlier_file, earlier in found[:index]:
                own = reads.get((earlier_file.path, later_file.unit))
                if earlier_file.unit == later_file.unit or (
                        earlier.conditional and later.conditional) or (alone.precedes(
                        earlier.location, later_file.unit, later.location)
                        and not unseen(later) and (own is None or (
                            earlier.location.line, earlier.location.column, earlier.name)
                            in own)):
                    continue
                yield Pair(earlier_file, earlier, later_file, later)


def _aliases(files: Sequence[FileFacts], builtin_types: dict[str, str]) -> dict[str, str]:
    """Typedef name -> its type, for names with one meaning in the unit (``uint32_t`` and
    ``unsigned int`` are one where the target says so)."""
    seen: dict[str, set[str]] = {}
    for facts in files:
        for d in facts.declarations:
            if d.kind is DeclKind.ALIAS and d.type:
                seen.setdefault(d.name, set()).add(
                    type_spelling(resolved(d.type, builtin_types)))
    return {name: next(iter(types)) for name, types in seen.items() if len(types) == 1}


def resolved(text: str, aliases: dict[str, str]) -> str:
    """A type with its typedef names replaced by what they name (``curl_mimepart*`` and
    ``struct curl_mimepart*`` are one type)."""
    for _ in range(8):
        new = _NAME.sub(lambda m: aliases.get(m.group(0), m.group(0)), text)
        if new == text:
            break
        text = new
    return text


def clashes(files: Sequence[FileFacts], umbrella: Umbrella, is_c: bool,
            builtin_types: Mapping[str, str] | None = None) -> list[Clash]:
    """The first clash of each later declaration (see the module docstring). Declarations
    spelled alike clash too when they name different versions of a type (see
    :mod:`.typeversions`: an anonymous struct read twice, a C struct defined again). Typedef
    names are compared as what they name, the standard ones (``uint32_t``) as
    ``builtin_types`` says."""
    versions = TypeVersions(files, is_c)
    builtins = dict(builtin_types or {})
    aliases = {**builtins, **{n: t for n, t in _aliases(files, builtins).items()
                              if n not in versions.varied}}
    out: list[Clash] = []
    done: set[int] = set()

    def unseen(decl: Declaration) -> bool:  # names a type its source alone would not see
        return is_c and versions.renewed(decl)

    for pair in pairs(files, umbrella, is_c, unseen=unseen):
        if id(pair.later) in done:
            continue
        reason = clash(pair.earlier, pair.later, is_c, aliases)
        if reason is None and pair.earlier.kind is pair.later.kind and (is_c or (
                pair.earlier_file.path == pair.later_file.path)) and versions.differ(
                pair.earlier, pair.later):
            reason = NEW_TYPE  # each names another version of a type
        if reason is not None:
            done.add(id(pair.later))
            out.append(Clash(pair.earlier_file, pair.earlier, pair.later_file, pair.later,
                             reason))
    return out


def overloads(files: Sequence[FileFacts], umbrella: Umbrella) -> list[Pair]:
    """C++ functions from different sources that one unqualified call can find together: of
    one scope with different parameter types, or one of them in an anonymous namespace (then
    even with the same parameter types)."""
    return [p for p in pairs(files, umbrella, False, _visible_key)
            if p.earlier.kind is p.later.kind is DeclKind.FUNCTION
            and (p.earlier.signature != p.later.signature or p.earlier.scope != p.later.scope)]


def hidden_pairs(files: Sequence[FileFacts], umbrella: Umbrella) -> list[Pair]:
    """Declarations from different sources, not both functions, that one unqualified name finds
    together: one in an anonymous namespace, the other in the scope around it (a C++ name
    lookup then finds both, and any use is ambiguous)."""
    return [p for p in pairs(files, umbrella, False, _visible_key)
            if p.earlier.scope != p.later.scope
            and {p.earlier.kind, p.later.kind} <= {DeclKind.VARIABLE, DeclKind.FUNCTION}
            and not p.earlier.kind is p.later.kind is DeclKind.FUNCTION]


def _external(decl: Declaration) -> bool:
    return decl.storage != "static" and not decl.internal and ANONYMOUS not in decl.scope


def clash(a: Declaration, b: Declaration, is_c: bool,
          aliases: dict[str, str] | None = None) -> str | None:
    """What the compiler says of ``b`` after ``a`` (same scope and name), or ``None``; types
    are compared with the typedef names of ``aliases`` resolved."""
    a, b = _resolved(a, aliases or {}), _resolved(b, aliases or {})
    kinds = {a.kind, b.kind}
    if kinds == {DeclKind.TYPE}:
        return "redefinition" if a.definition and b.definition else None
    if DeclKind.TYPE in kinds:
        if is_c and DeclKind.ENUMERATOR not in kinds:
            return "redeclared as a different kind of symbol"
        return None  # C++: a class may share its name with a function or variable
    if DeclKind.ENUMERATOR in kinds:
        return "redefinition of enumerator" if kinds == {DeclKind.ENUMERATOR} else \
            "redeclared as a different kind of symbol"
    if DeclKind.ALIAS in kinds:
        if kinds != {DeclKind.ALIAS}:
            return "redeclared as a different kind of symbol"
        return None if a.type == b.type else "typedef redefinition with different types"
    if kinds != {a.kind}:
        return "redeclared as a different kind of symbol"
    if a.kind is DeclKind.FUNCTION:
        return _functions(a, b, is_c)
    return _variables(a, b, is_c)


def _resolved(decl: Declaration, aliases: dict[str, str]) -> Declaration:
    """``decl`` with its types in one spelling (see :mod:`.spelling`), typedef names resolved."""
    signature = signature_spelling(resolved(decl.signature, aliases)) if decl.signature else None
    return replace(decl, type=type_spelling(resolved(decl.type, aliases)), signature=signature)


def _functions(a: Declaration, b: Declaration, is_c: bool) -> str | None:
    if a.signature != b.signature:
        if not is_c:
            return None  # an overload
        if a.signature != "()" and b.signature != "()":
            return "conflicting types"
    if a.type and b.type and a.type != b.type and not array_bounds_unknown(a.type, b.type):
        return "conflicting types"
    if b.storage == "static" and _external(a):
        return "static declaration follows non-static declaration"
    if a.definition and b.definition:
        return "redefinition"
    return None


def _variables(a: Declaration, b: Declaration, is_c: bool) -> str | None:
    if a.type and b.type and a.type != b.type and not array_bounds_differ_only(
            a.type, b.type) and not array_bounds_unknown(a.type, b.type):
        return "conflicting types"
    if b.storage == "static" and _external(a):
        return "static declaration follows non-static declaration"
    if is_c and a.storage == "static" and b.storage == "":
        return "non-static declaration follows static declaration"
    if is_c:
        initialized = (a.definition, b.definition)
        return "redefinition" if all(initialized) else None
    return "redefinition" if a.definition and b.definition else None
