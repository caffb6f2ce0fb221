"""Readiness for every batching: which batchings of a pool's sources build, and a grouping that
does.

Pure functions over :class:`Relations`, the facts about a pool that decide whether a unit of
some of its sources, in some order, compiles and starts up (:mod:`amalint.engine.batching`
gathers them from two whole-pool lints, the pool in order and reversed):

* a *clash*: two sources that cannot share a unit in either order (AM201's redefinition);
* an *ordered clash*: a source that breaks a later one of its unit (AM202's ambiguity, AM203's
  errors other than a rewritten name, which is modeled by the macro state below);
* a *macro break*: a source that no longer compiles when a macro, with one of some
  definitions, is in force where it starts (AM203's rewritten declaration): the macro state a
  unit reaches is simulated from what each source leaves defined, so an ``#undef`` or another
  definition in between is taken into account;
* a *need*: a source that compiles only when a file it does not include (AM206's declaring
  header) was read by an earlier source of its unit;
* a *start-up* requirement: a source whose start-up lookup needs a provider's registration to
  run first (AM101), in the same unit or in an earlier one (units are linked in batch order).

A batching is a list of units, each a list of sources in order (CMake: consecutive chunks of the
source list in batch mode, one unit per ``UNITY_GROUP`` in group mode). :func:`failures`
simulates it in time linear in its sources and relations; :func:`constraints` says what fails
under *some* batching (nothing: it builds under every batch size and order); :func:`grouping`
colours the graph of sources that must not share a unit (networkx), keeping every needy source
with a provider listed before it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import networkx as nx

from amalint.analysis.macro_leaks import breaks


@dataclass(frozen=True)
class Clash:
    """``first`` and ``second`` (source indexes) cannot share a unit; with ``ordered``, only
    ``first`` before ``second`` fails."""

    first: int
    second: int
    what: str
    ordered: bool = False


@dataclass(frozen=True)
class MacroBreak:
    """``source`` no longer compiles where macro ``name`` is in force with a definition that
    rewrites its use there (``context``: a declarator, or a call; see
    :func:`~amalint.analysis.macro_leaks.breaks`), unless the definition is one of
    ``harmless``, those the source's own files make (compiled alone it reads them too)."""

    source: int
    name: str
    context: str
    harmless: frozenset[str]
    what: str

    def by(self, definition: str | None) -> bool:
        """Whether this definition in force (``None``: not defined) breaks the source."""
        return definition is not None and definition not in self.harmless \
            and breaks(definition, self.context)


@dataclass(frozen=True)
class Need:
    """``source`` compiles only after an earlier source of its unit read ``header``."""

    source: int
    header: Path
    names: tuple[str, ...]


@dataclass(frozen=True)
class StartUp:
    """``consumer``'s start-up lookup of ``key`` needs one of ``providers`` to start first."""

    consumer: int
    providers: frozenset[int]
    key: str


@dataclass(frozen=True)
class Relations:
    """What decides whether a batching of ``sources`` (the pool, in list order) builds."""

    sources: tuple[Path, ...]
    #: The project files each source reads compiled alone (itself included).
    closures: tuple[frozenset[Path], ...]
    #: The macros each source leaves defined (a definition) or undefined (``None``).
    leaves: tuple[tuple[tuple[str, str | None], ...], ...]
    #: Paths are shown relative to this directory when below it.
    base: Path | None = None
    clashes: tuple[Clash, ...] = ()
    macro_breaks: tuple[MacroBreak, ...] = ()
    needs: tuple[Need, ...] = ()
    startups: tuple[StartUp, ...] = ()

    def name(self, index: int) -> str:
        return self.show(self.sources[index])

    def show(self, path: Path) -> str:
        if self.base is not None and path.is_relative_to(self.base):
            return path.relative_to(self.base).as_posix()
        return str(path)


@dataclass(frozen=True)
class Failure:
    """One reason a batching fails: ``kind`` is ``clash``, ``macro``, ``need`` (it does not
    compile) or ``start-up``."""

    kind: str
    source: int
    message: str


def failures(relations: Relations, units: Sequence[Sequence[int]]) -> list[Failure]:
    """Why the batching ``units`` (source indexes per unit, in order; units in link order)
    fails, if it does: simulated in one pass over each unit."""
    clashes: dict[int, list[Clash]] = {}
    for clash in relations.clashes:
        clashes.setdefault(clash.second, []).append(clash)
        if not clash.ordered:
            clashes.setdefault(clash.first, []).append(
                Clash(clash.second, clash.first, clash.what))
    breaks: dict[int, list[MacroBreak]] = {}
    for brk in relations.macro_breaks:
        breaks.setdefault(brk.source, []).append(brk)
    needs: dict[int, list[Need]] = {}
    for need in relations.needs:
        needs.setdefault(need.source, []).append(need)
    out: list[Failure] = []
    started: dict[int, tuple[int, int]] = {}
    for number, unit in enumerate(units):
        read: set[Path] = set()
        macros: dict[str, str | None] = {}
        earlier: set[int] = set()
        for position, source in enumerate(unit):
            name = relations.name(source)
            for clash in clashes.get(source, ()):
                if clash.first in earlier:
                    out.append(Failure("clash", source, f"`{relations.name(clash.first)}` "
                                       f"before `{name}` in one unit: {clash.what}"))
            for brk in breaks.get(source, ()):
                if brk.by(macros.get(brk.name)):
                    out.append(Failure("macro", source, f"`{name}` after a source that "
                                       f"leaves `{brk.name}` defined: {brk.what}"))
            for need in needs.get(source, ()):
                if need.header not in read:
                    out.append(Failure("need", source, _need_text(relations, need)))
            read |= relations.closures[source]
            macros.update(relations.leaves[source])
            earlier.add(source)
            started[source] = (number, position)
    for startup in relations.startups:
        if startup.consumer not in started:
            continue
        at = started[startup.consumer]
        if not any(p in started and started[p] < at for p in startup.providers):
            out.append(Failure("start-up", startup.consumer, _startup_text(relations, startup)))
    return out


def _need_text(relations: Relations, need: Need) -> str:
    names = ", ".join(f"`{n}`" for n in need.names[:3])
    return (f"`{relations.name(need.source)}` uses {names} from "
            f"`{relations.show(need.header)}`, which it does not include: it compiles only "
            "after a source of its unit that reads it")


def _startup_text(relations: Relations, startup: StartUp) -> str:
    providers = ", ".join(f"`{relations.name(p)}`" for p in sorted(startup.providers))
    return (f"`{relations.name(startup.consumer)}` looks up `{startup.key}` at start-up: "
            f"{providers} must start before it (earlier in its unit, or in an earlier unit)")


def constraints(relations: Relations) -> list[str]:
    """What fails under some batch size and order, one line each; none: every batching of the
    pool builds and starts."""
    out: list[str] = []
    for clash in relations.clashes:
        first, second = relations.name(clash.first), relations.name(clash.second)
        if clash.ordered:
            out.append(f"`{first}` before `{second}` in one unit fails: {clash.what}")
        else:
            out.append(f"`{first}` and `{second}` must not share a unit: {clash.what}")
    for brk in relations.macro_breaks:
        givers = [relations.name(i) for i, leaves in enumerate(relations.leaves)
                  if i != brk.source and brk.by(dict(leaves).get(brk.name))]
        out.append(f"`{relations.name(brk.source)}` after "
                   f"{', '.join(f'`{g}`' for g in givers) or 'a source'} in one unit fails "
                   f"(`{brk.name}`): {brk.what}")
    for need in relations.needs:
        out.append(f"{_need_text(relations, need)} (first in its unit, or in a batch of one, "
                   "it fails)")
    for startup in relations.startups:
        out.append(_startup_text(relations, startup))
    return out


@dataclass
class Grouping:
    """A grouping of the pool: ``groups`` of source indexes (list order), ``alone`` the sources
    that share a unit with nothing, and ``unsolved`` what no grouping fixes (a source to fix
    first: its need has no provider listed before it, or a start-up order the list inverts)."""

    groups: list[list[int]] = field(default_factory=list)
    alone: list[int] = field(default_factory=list)
    unsolved: list[str] = field(default_factory=list)


class _Sets:
    """Union-find over source indexes."""

    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item


def _conflicts(relations: Relations) -> set[frozenset[int]]:
    """The pairs that must not share a unit (an ordered clash or a macro break in either
    order: the grouping keeps them apart)."""
    pairs = {frozenset((c.first, c.second)) for c in relations.clashes}
    for brk in relations.macro_breaks:
        for i, leaves in enumerate(relations.leaves):
            if i != brk.source and brk.by(dict(leaves).get(brk.name)):
                pairs.add(frozenset((i, brk.source)))
    return pairs


def grouping(relations: Relations, members: Iterable[int] | None = None) -> Grouping:
    """A grouping of the pool under which every unit builds and starts, if the list order
    allows one: sources bound to a provider listed earlier (a need, a start-up lookup) share
    its group; the graph of the bound sets that must not share a unit is coloured (fewest
    groups first, DSATUR); every group is then simulated, and a source it breaks moved to a
    group of its own."""
    size = len(relations.sources)
    chosen = sorted(set(range(size) if members is None else members))
    conflicts = _conflicts(relations)
    sets = _Sets(size)
    out = Grouping()

    def bind(source: int, candidates: Iterable[int], what: str) -> None:
        for provider in sorted(candidates):
            a, b = sets.find(provider), sets.find(source)
            if provider >= source:
                break
            joined = [i for i in chosen if sets.find(i) in (a, b)]
            if not any(f.kind in ("clash", "macro") for f in failures(relations, [joined])):
                sets.parent[b] = a  # in list order the two sets build as one unit
                return
        out.unsolved.append(what)

    for need in relations.needs:
        readers = [i for i in chosen if need.header in relations.closures[i]
                   and i != need.source]
        bind(need.source, readers, _need_text(relations, need))
    for startup in relations.startups:
        bind(startup.consumer, startup.providers, _startup_text(relations, startup))
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(sets.find(i) for i in chosen)
    graph.add_edges_from((sets.find(a), sets.find(b)) for pair in conflicts
                         for a, b in [sorted(pair)] if a in chosen and b in chosen
                         and sets.find(a) != sets.find(b))
    colours = nx.greedy_color(graph, strategy="saturation_largest_first")
    classes: dict[int, list[int]] = {}
    for i in chosen:
        classes.setdefault(colours[sets.find(i)], []).append(i)
    groups = sorted(classes.values())
    for _ in range(size):
        broken = next(((g, f.source) for g in groups for f in failures(relations, [g])
                       if len(g) > 1), None)
        if broken is None:
            break
        group, source = broken
        part = [i for i in group if sets.find(i) == sets.find(source)]
        group[:] = [i for i in group if i not in part]
        groups.append(part)
    out.groups = [g for g in groups if len(g) > 1]
    out.alone = sorted(i for g in groups if len(g) == 1 for i in g)
    return out
