"""The start-up order as ``amalint order`` and ``amalint graph`` show it, as plain values.

Pure: made from the analysis and its requirements, and small enough to keep with a lint result
in the cache (:mod:`amalint.cache.codec`), so those commands answer from the cache as ``check``
does, without the code model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from amalint.analysis.effects import Analysis
from amalint.analysis.requirements import Requirement, Status
from amalint.config.profiles import Role
from amalint.model import EntryKind, EntryPoint, Location

#: Requirements drawn as hazards: the consumer runs before every provider.
HAZARDS = (Status.MISORDERED, Status.UNSATISFIABLE)


@dataclass(frozen=True)
class Entry:
    """One entry point, in start-up order, with the keys it provides and requires."""

    label: str
    kind: EntryKind
    priority: int
    location: Location
    end: Location
    #: The umbrella ``#include`` it comes through (``None``: the umbrella's own code).
    unit: int | None
    provides: tuple[str, ...]
    requires: tuple[str, ...]
    #: The required keys that no provider serves first, each with the place in the order
    #: (1-based) of the first provider that runs later, ``None`` if nothing provides it.
    unmet: tuple[tuple[str, int | None], ...] = ()


@dataclass(frozen=True)
class Link:
    """A key that the entry points of one umbrella include provide to those of another."""

    #: The umbrella includes (``None``: the umbrella's own code).
    provider: int | None
    consumer: int | None
    key: str
    #: Whether the consumer runs before every provider.
    hazard: bool


@dataclass(frozen=True)
class Startup:
    entries: tuple[Entry, ...]
    links: tuple[Link, ...]


#: No entry points.
NO_STARTUP = Startup((), ())


def startup(analysis: Analysis, requirements: Iterable[Requirement]) -> Startup:
    """The start-up order of ``analysis``, given its requirements
    (:func:`amalint.analysis.requirements.evaluate`)."""
    position = {entry: index for index, entry in enumerate(analysis.order, 1)}
    unmet: dict[tuple[EntryPoint, str], int | None] = {}
    links: dict[Link, None] = {}
    for req in requirements:
        for provider, _ in req.providers:
            if provider.unit != req.consumer.unit:
                links.setdefault(Link(provider.unit, req.consumer.unit, req.lookup.key,
                                      req.status in HAZARDS))
        if req.status is Status.SATISFIED:
            continue
        later = [position[p] for p, _ in req.providers if p in position]
        unmet[(req.consumer, req.lookup.key)] = min(later) if later else None
    entries = []
    for entry in analysis.order:
        effects = analysis.effects[entry]
        requires = tuple(e.key for e in effects if e.role is Role.CONSUMER)
        entries.append(Entry(
            entry.label, entry.kind, entry.priority, entry.location, entry.end, entry.unit,
            provides=tuple(e.key for e in effects if e.role is Role.PROVIDER),
            requires=requires,
            unmet=tuple((key, unmet[(entry, key)]) for key in dict.fromkeys(requires)
                        if (entry, key) in unmet),
        ))
    return Startup(tuple(entries), tuple(links))
