"""Implicit constructors and destructors in the tree-sitter front end: when a class has no
user-written constructor or destructor, building or destroying it runs its bases' and members'
own. Each becomes a synthetic function, made once per class; the ones a class needs are made
first, deepest first, with an explicit stack, since an inheritance chain may be thousands deep."""

from __future__ import annotations

from typing import TYPE_CHECKING

from amalint.frontends.treesitter.syntax import QName
from amalint.model import Location

if TYPE_CHECKING:
    from collections.abc import Iterator

    from amalint.frontends.treesitter.bodies import BodyWalker


def user_written(walker: BodyWalker, cls: QName, *, construct: bool, nargs: int = 0
                 ) -> tuple[str, ...]:
    """The user-written constructors of ``cls`` taking ``nargs`` arguments, or its destructor,
    that have a body."""
    if construct:
        return walker.overloads(walker.sym.functions.get((*cls, cls[-1]), []), nargs)
    dtors = walker.sym.functions.get((*cls, f"~{cls[-1]}"), [])
    return tuple(d.id for d in dtors if d.body is not None)


def parts(walker: BodyWalker, cls: QName, *, construct: bool) -> list[tuple[str, QName]]:
    """The bases and members of ``cls`` (resolved from ``walker``'s scope) in the order a
    constructor builds them (bases, then members) or a destructor destroys them (the reverse),
    each with what it is."""
    info = walker.sym.classes.get(cls)
    if info is None:
        return []
    groups = (("base", info.bases), ("member", info.members)) if construct else \
        (("member", info.members[::-1]), ("base", info.bases[::-1]))
    out = []
    for what, names in groups:
        for name in names:
            resolved = name if name in walker.sym.classes else walker.resolve_type(name)
            if resolved is not None:
                out.append((what, resolved))
    return out


def implicit_id(cls: QName, construct: bool) -> str:
    return f"{'::'.join(cls)}::{'<implicit ctor>' if construct else '<implicit dtor>'}"


def implicit(walker: BodyWalker, cls: QName, *, construct: bool) -> str | None:
    """The synthetic function of the implicit constructor or destructor of ``cls``, or ``None``
    if it runs nothing.

    A class met again while its own function is being made (a cycle, in bad code) counts as
    running nothing, as a recursion guard would have it."""
    builder = walker.b
    if walker.sym.classes.get(cls) is None:
        return None
    fid = implicit_id(cls, construct)
    if fid not in builder.functions:
        location = Location(walker.file.source.path, 1)
        builder.synthetic(fid, fid, location, [])  # in progress
        first = _maker(walker, cls, construct)
        todo: list[tuple[BodyWalker, Iterator[tuple[str, QName]]]] = [
            (first, iter(parts(first, cls, construct=construct)))]
        while todo:
            maker, pending = todo[-1]
            for _, part in pending:
                part_id = implicit_id(part, construct)
                if walker.sym.classes.get(part) is not None and part_id not in \
                        builder.functions and not user_written(maker, part, construct=construct):
                    builder.synthetic(part_id, part_id, location, [])
                    inner = _maker(walker, part, construct)
                    todo.append((inner, iter(parts(inner, part, construct=construct))))
                    break
            else:  # every part it needs is made (or in progress): make this one
                todo.pop()
                assert maker.cls is not None
                if construct:
                    maker.implicit_construction(maker.cls, None)
                else:
                    maker.implicit_destruction(maker.cls, None)
                builder.synthetic(maker.owner, maker.owner, location, maker.calls)
    return fid if builder.functions[fid].calls else None


def _maker(walker: BodyWalker, cls: QName, construct: bool) -> BodyWalker:
    """A walker for the implicit function of ``cls``: in the scope around the class."""
    return walker.nested(walker.sym.classes[cls].scope, cls, implicit_id(cls, construct))
