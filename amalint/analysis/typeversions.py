"""Which type a tag or typedef name stands for at each point of a unit, when the unit makes
more than one type of that name: two declarations spelled alike may still name different types.

* A typedef of an anonymous struct, union or enum makes a new type each time it is read (a
  header without include guard, read through two sources, makes two).
* In C, a struct or union tag defined again is a new type from that definition on: gcc
  reports the redefinition, then takes the new type, so later mentions of the tag (in any
  file) name it, while mentions before it still name the first. (A tag mentioned before its
  first definition names the type that definition completes.) An enum tag defined again is
  reported, but stays the first type: what only names it conflicts with nothing.
* A typedef of a type that has versions is a new version of its own when the versions it
  names change.

Pure functions over the file-scope facts, in unit order (``Declaration.position``).
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence

from amalint.model import Declaration, DeclKind, FileFacts

_WORD = re.compile(r"[A-Za-z_]\w*")
_TAG = re.compile(r"\b(struct|union|enum)\s+([A-Za-z_]\w*)")
#: The C tags whose second definition is a new type to gcc.
_C_TAGS = ("struct", "union")

#: A version of a name's type: what makes it (its kind and a count, or the versions it names).
Version = tuple[object, ...]


def mentions(decl: Declaration) -> set[str]:
    """The names a declaration's type (and parameter list) spells: tags as ``struct X`` (C
    keeps them apart from ordinary names: ``typedef struct X X;``), the others as written."""
    return _names(f"{decl.type} {decl.signature or ''}")


def _names(text: str) -> set[str]:
    tags = {f"{kind} {name}" for kind, name in _TAG.findall(text)}
    return tags | set(_WORD.findall(_TAG.sub(" ", text)))


class TypeVersions:
    """The versions of each tag and typedef name of a unit (see the module docstring)."""

    def __init__(self, files: Sequence[FileFacts], is_c: bool) -> None:
        self._events: dict[str, tuple[list[tuple[int, ...]], list[Version]]] = {}
        fresh = itertools.count()
        decls = sorted((d for f in files for d in f.declarations), key=lambda d: d.position)
        for d in decls:
            if is_c and d.kind is DeclKind.TYPE and d.tag in _C_TAGS and d.definition:
                tag = f"{d.tag} {d.name}"
                known = self._events.get(tag)
                self._add(tag, d.position, ("tag", len(known[1]) if known else 0))
            elif d.kind is DeclKind.ALIAS and d.type:
                if "<anonymous" in d.type:
                    self._add(d.name, d.position, ("anonymous", next(fresh)))
                    continue
                named = tuple((w, self.at(w, d.position)) for w in sorted(_names(d.type))
                              if w in self._events)
                if named:
                    self._add(d.name, d.position, ("typedef", named))
        #: The names with more than one version: only they can differ.
        self.varied = frozenset(n for n, (_, versions) in self._events.items()
                                if len(set(versions)) > 1)

    def _add(self, name: str, position: tuple[int, ...], version: Version) -> None:
        positions, versions = self._events.setdefault(name, ([], []))
        if versions and versions[-1] == version:
            return
        positions.append(position)
        versions.append(version)

    def at(self, name: str, position: tuple[int, ...]) -> Version | None:
        """The version ``name`` stands for at ``position`` (``None``: it has none)."""
        events = self._events.get(name)
        if events is None:
            return None
        positions, versions = events
        index = bisect.bisect_right(positions, position) - 1
        return versions[max(index, 0)]

    def differ(self, a: Declaration, b: Declaration) -> bool:
        """Whether two declarations name different versions of a type both spell."""
        return any(self.at(w, a.position) != self.at(w, b.position)
                   for w in mentions(a) & mentions(b) & self.varied)

    def renewed(self, decl: Declaration) -> bool:
        """Whether ``decl`` names a version other than a type's first (which its source alone
        would not see)."""
        return any(self.at(w, decl.position) != self._events[w][1][0]
                   for w in mentions(decl) & self.varied)
