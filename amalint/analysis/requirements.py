"""Requirements between entry points, and whether the include order satisfies them.

Each eager lookup of a key is a *requirement* on the providers of that key. Given the start-up
order, a requirement is satisfied (some provider runs first), misordered (a provider exists that
would run first if its ``#include`` moved above the consumer's), unsatisfiable by any include
order (priorities or entry kinds force the provider later, or it sits later in the same file),
or missing (nothing provides the key). Misordered requirements become ordering *constraints*
between umbrella includes; constraints that form a cycle cannot all be met.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from amalint.analysis.effects import Analysis, Effect
from amalint.config.profiles import Role
from amalint.model import EntryKind, EntryPoint


class Status(enum.Enum):
    SATISFIED = "satisfied"
    MISORDERED = "misordered"
    UNSATISFIABLE = "unsatisfiable"
    MISSING = "missing"


@dataclass(frozen=True)
class Requirement:
    consumer: EntryPoint
    lookup: Effect
    status: Status
    #: Providers that could satisfy it by include order (other units, same priority and kind).
    movable: tuple[tuple[EntryPoint, Effect], ...] = ()
    #: Every eager provider of the key.
    providers: tuple[tuple[EntryPoint, Effect], ...] = ()
    reason: str = ""

    @property
    def constraint(self) -> tuple[int, int] | None:
        """``(provider unit, consumer unit)`` when exactly one include must come first."""
        units = {p.unit for p, _ in self.movable}
        if len(units) == 1 and self.consumer.unit is not None:
            (unit,) = units
            if unit is not None:
                return (unit, self.consumer.unit)
        return None


def _kind(entry: EntryPoint) -> str:
    if entry.kind is EntryKind.CONSTRUCTOR:
        return "a constructor function"
    return "a dynamic initializer"


def _why_late(consumer: EntryPoint, provider: EntryPoint) -> str:
    if provider.priority != consumer.priority:
        return (
            f"the provider runs at priority {provider.priority}, after the consumer's "
            f"priority {consumer.priority}, whatever the include order"
        )
    if provider.kind is not consumer.kind:
        return (
            f"the consumer is {_kind(consumer)} and the provider {_kind(provider)}: every "
            "constructor function runs before every dynamic initializer of equal priority"
        )
    if provider.unit is None or consumer.unit is None:
        return "the umbrella's own code registers it after the include that needs it"
    return "the provider comes later in the same included file"


def _reorderable(provider: EntryPoint, consumer: EntryPoint) -> bool:
    """Whether moving umbrella includes can put ``provider`` before ``consumer``."""
    return (
        provider is not consumer
        and provider.unit is not None
        and consumer.unit is not None
        and provider.unit != consumer.unit
        and provider.priority == consumer.priority
        and provider.kind is consumer.kind
    )


def _requirement(
    analysis: Analysis, rank: dict[EntryPoint, int], consumer: EntryPoint, index: int
) -> Requirement:
    effects = analysis.effects[consumer]
    lookup = effects[index]
    providers = tuple(analysis.providers(lookup.key))
    if not providers:
        return Requirement(consumer, lookup, Status.MISSING)

    def runs_first(item: tuple[EntryPoint, Effect]) -> bool:
        entry, effect = item
        if entry is consumer:
            return effects.index(effect) < index
        return rank[entry] < rank[consumer]

    movable = tuple(p for p in providers if _reorderable(p[0], consumer))
    if any(runs_first(p) for p in providers):
        # a provider that runs first whatever the include order leaves no constraint
        fixed = any(runs_first(p) and p not in movable for p in providers)
        return Requirement(consumer, lookup, Status.SATISFIED, () if fixed else movable,
                           providers)
    if movable:
        return Requirement(consumer, lookup, Status.MISORDERED, movable, providers)
    return Requirement(consumer, lookup, Status.UNSATISFIABLE, (), providers,
                       _why_late(consumer, providers[0][0]))


def evaluate(analysis: Analysis) -> list[Requirement]:
    """Every eager lookup of the amalgamation, with its status."""
    rank = {entry: index for index, entry in enumerate(analysis.order)}
    return [
        _requirement(analysis, rank, consumer, index)
        for consumer in analysis.order
        for index, effect in enumerate(analysis.effects[consumer])
        if effect.role is Role.CONSUMER
    ]


def cycles(requirements: Iterable[Requirement]) -> list[list[int]]:
    """Strongly connected groups of units (size > 1) in the include-order constraint graph."""
    graph: dict[int, set[int]] = {}
    for req in requirements:
        edge = req.constraint
        if edge is not None:
            graph.setdefault(edge[0], set()).add(edge[1])
            graph.setdefault(edge[1], set())
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    result: list[list[int]] = []
    counter = [0]

    def connect(v: int) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                result.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return sorted(result)
