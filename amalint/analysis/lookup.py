"""Unqualified name lookup at namespace scope, in the unity build and alone ([basic.lookup.unqual],
[namespace.udir]): which declarations one unqualified use finds.

Lookup goes from the use's namespace outwards and stops at the first namespace where it finds
the name. A ``using namespace N;`` in effect at the use (at namespace scope in an enclosing
namespace, or in an enclosing block) makes N's names appear as if declared in the nearest
namespace that encloses both the directive and N. Names found together there that are not one
entity, and not all functions, make the use ambiguous.

:func:`declared_ambiguities` finds the uses that only the unity build makes ambiguous because an
earlier source *declares* one of the names: the directives that bring the other candidates are
the source's own (or its headers'); a leaked directive of an earlier source is AM202's. Pure:
computed from the file-scope facts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from amalint.analysis.alone import AloneOrder
from amalint.model import (
    ANONYMOUS,
    Declaration,
    DeclKind,
    FileFacts,
    FileScope,
    NameUse,
    Scope,
    Umbrella,
    UsingDirective,
)

#: Kinds that may name an entity declared elsewhere (``using X::n;``, a typedef): two of them,
#: or one and another declaration, may be one entity, which is no ambiguity.
_SAME_ENTITY_POSSIBLE = {DeclKind.USING, DeclKind.ALIAS}


@dataclass(frozen=True)
class Ambiguity:
    """A use that the unity build's lookup finds ambiguous, and compiled alone does not."""

    file: FileFacts
    use: NameUse
    #: Every candidate lookup finds, in unit order.
    candidates: tuple[Declaration, ...]
    #: Of those, the ones from files the source does not read alone.
    brought: tuple[Declaration, ...]
    #: The directives through which the other candidates are found.
    directives: tuple[UsingDirective, ...]


def _common(a: Scope, b: Scope) -> Scope:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


class _Table:
    """Every namespace-scope declaration of the unit by scope and name, with its file."""

    def __init__(self, files: Sequence[FileFacts]) -> None:
        self.by_scope: dict[Scope, dict[str, list[tuple[Declaration, Path]]]] = {}
        #: the file of each declaration, by identity
        self.path: dict[int, Path] = {}
        for facts in files:
            for decl in facts.declarations:
                self.by_scope.setdefault(decl.scope, {}).setdefault(decl.name, []).append(
                    (decl, facts.path))
                self.path[id(decl)] = facts.path

    def declared(self, scope: Scope, name: str, use: NameUse,
                 seen: set[Path] | None) -> list[Declaration]:
        """The declarations of ``name`` in ``scope`` (and the unnamed namespaces in it) before
        ``use``, from the files ``seen`` (all files if ``None``)."""
        out: list[Declaration] = []
        while True:
            out += [d for d, path in self.by_scope.get(scope, {}).get(name, ())
                    if d.position < use.position and (seen is None or path in seen)]
            scope = (*scope, ANONYMOUS)
            if scope not in self.by_scope:
                return out


def lookup(table: _Table, use: NameUse, directives: Sequence[UsingDirective],
           seen: set[Path] | None) -> tuple[list[Declaration], list[UsingDirective]]:
    """What unqualified lookup of ``use`` finds from the files ``seen``, with the
    ``directives`` in effect there: the declarations at the first namespace that has any, and
    the directives through which they are found."""
    for depth in range(len(use.scope), -1, -1):
        level = use.scope[:depth]
        found = table.declared(level, use.name, use, seen)
        through: list[UsingDirective] = []
        for directive in directives:
            if _common(directive.scope, directive.target) == level:
                more = table.declared(directive.target, use.name, use, seen)
                found += more
                if more:
                    through.append(directive)
        found += [d for target in use.nominated if _common(use.scope, target) == level
                  for d in table.declared(target, use.name, use, seen)]
        if found:
            return found, through
    return [], []


def _ambiguous(found: Sequence[Declaration]) -> bool:
    """Whether declarations found together make a use ambiguous: not one entity (one scope),
    not all functions (an overload set), none possibly another's alias, and not a class
    beside a non-class (which may hide it)."""
    if len({d.scope for d in found}) < 2 or any(d.conditional for d in found):
        return False
    kinds = {d.kind for d in found}
    return kinds != {DeclKind.FUNCTION} and not kinds & _SAME_ENTITY_POSSIBLE \
        and (DeclKind.TYPE not in kinds or kinds == {DeclKind.TYPE})


def declared_ambiguities(scope: FileScope, umbrella: Umbrella) -> list[list[Ambiguity]]:
    """The uses that an earlier source's declaration makes ambiguous in the unity build (lookup
    finds it beside a name the source's own directives bring, at the same namespace), grouped
    by file and name."""
    groups: dict[tuple[Path, str], list[Ambiguity]] = {}
    for found in _ambiguities(scope, umbrella):
        groups.setdefault((found.file.path, found.use.name), []).append(found)
    return list(groups.values())


def _ambiguities(scope: FileScope, umbrella: Umbrella) -> Iterator[Ambiguity]:
    if scope.is_c:
        return
    table = _Table(scope.files)
    order = AloneOrder(umbrella, scope.files)
    directives = [(d, f.path) for f in scope.files for d in f.using_directives]
    for facts in scope.files:
        if facts.unit is None or not facts.uses:
            continue
        seen = set(order.order(facts.unit))
        for use in facts.uses:
            if use.name in facts.local_names or (
                    use.member_context and use.name in scope.member_names):
                continue
            active = [(d, path) for d, path in directives if d.position < use.position
                      and use.scope[: len(d.scope)] == d.scope]
            found, through = lookup(table, use, [d for d, _ in active], None)
            if not _ambiguous(found) or any(
                    path not in seen for d, path in active if d in through):
                continue  # no ambiguity, or one a leaked directive makes (AM202)
            brought = [d for d in found if table.path[id(d)] not in seen]
            if not brought or any(ANONYMOUS in d.scope for d in found):
                continue  # the source's own, or an unnamed namespace's (AM201's pairs)
            alone, _ = lookup(table, use, [d for d, path in active if path in seen], seen)
            if _ambiguous(alone):
                continue
            yield Ambiguity(facts, use, tuple(found), tuple(brought), tuple(through))
