"""The ELF start-up sequence of a program and the requirements between its entries.

GNU ld, gold and lld lay ``.init_array`` out the same way: the sections with a priority
(``.init_array.NNNNN``) first, sorted by it, then the plain ``.init_array`` sections in the order
the objects are laid out. An explicit priority of 65535 is the default one. Inside one object the
unit's own order holds (:func:`amalint.analysis.effects.startup_order`), as the compiler that
made the object orders it: clang runs an explicit ``init_priority(65535)`` before the unit's
other dynamic initializers, gcc in its place. So an entry's place is (priority, the object's
place in the link, its place in its unit).

The requirements are those of :func:`amalint.analysis.requirements.evaluate`, run over one
analysis that holds every linked object's entries in that sequence: a lookup in one object before
the object that registers the key is found as it is inside one unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property

from amalint.analysis.effects import Analysis, Effect
from amalint.analysis.requirements import Requirement, evaluate
from amalint.model import DEFAULT_PRIORITY, EntryPoint
from amalint.program.model import ObjectFile
from amalint.program.resolve import Resolution


@dataclass(frozen=True)
class Step:
    """One entry of the program's start-up sequence."""

    entry: EntryPoint
    object: ObjectFile
    #: The object's place among the linked objects (0-based).
    rank: int


@dataclass(frozen=True)
class Sequence:
    steps: tuple[Step, ...]
    #: One analysis over the whole sequence; its entries' ``unit`` is the object's rank.
    analysis: Analysis
    requirements: tuple[Requirement, ...]

    def step_of(self, entry: EntryPoint) -> Step:
        return self._steps[entry]

    @cached_property
    def _steps(self) -> dict[EntryPoint, Step]:
        return {step.entry: step for step in self.steps}


def section(priority: int) -> str:
    """The ELF section an entry of this priority lands in."""
    return ".init_array" if priority >= DEFAULT_PRIORITY else f".init_array.{priority:05d}"


def sequence(resolution: Resolution, analyses: Mapping[ObjectFile, Analysis]) -> Sequence:
    """The start-up sequence of the linked objects of ``resolution`` whose analysis is given."""
    steps: list[tuple[tuple[int, int, tuple[int, int, tuple[int, ...]]], Step]] = []
    effects: dict[EntryPoint, tuple[Effect, ...]] = {}
    for rank, linked in enumerate(resolution.linked):
        analysis = analyses.get(linked.object)
        if analysis is None:
            continue
        for entry in analysis.order:
            placed = replace(entry, unit=rank)
            effects[placed] = analysis.effects[entry]
            steps.append(((entry.priority, rank, entry.startup_key(linked.object.clang)),
                          Step(placed, linked.object, rank)))
    steps.sort(key=lambda item: item[0])
    order = tuple(step.entry for _, step in steps)
    whole = Analysis(order=order, effects=effects)
    return Sequence(tuple(step for _, step in steps), whole, tuple(evaluate(whole)))
