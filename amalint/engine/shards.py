"""``--shard K/N``: this run lints the K-th of N disjoint shares of the units, so that N CI
jobs share one lint; together the N shares are every unit, once.

Which share a unit is in depends only on what every shard sees alike: the units' names (their
paths, relative to the project root) and, when the cache records what linting each of them
cost, those costs. Units are taken most costly first (then by name), each into the share
with the least cost so far (then the lowest K): without costs (no cache, or one that lacks a
unit's), every unit counts as one and the shares are the units in name order, dealt in turn.
The costs are only used when the cache has one for *every* unit to be split, so shards that
restored caches of different runs (each its own shard's) fall back to names alike instead of
splitting differently. Shares are dealt anew for each batch of units a run lints (the
build's unity sources, then the umbrellas found), the loads carried over between batches.

Units that share a source are dealt together, as one (their costs added, named by the first
name): a run reports a finding of such a source once, naming every target it was found in,
and so must the one shard that lints them all, for the shards' findings together to be one
run's.

Pure: no I/O (the runner reads and writes the recorded costs).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from amalint.errors import InputError

_SPEC = re.compile(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*")


@dataclass
class Shard:
    """The ``index``-th (from 1) of ``count`` shares, and the cost dealt to each so far."""

    index: int
    count: int
    loads: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.loads:
            self.loads = [0.0] * self.count

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def deal(self, names: Sequence[str], costs: Mapping[str, float],
             groups: Sequence[int] | None = None) -> list[bool]:
        """Whether each unit of ``names`` is in this share (see the module docstring);
        ``groups`` numbers the units dealt together alike."""
        shares = deal(names, costs, self.loads, groups)
        return [share == self.index - 1 for share in shares]


def parse(text: str) -> Shard:
    """``K/N`` with ``1 <= K <= N``; raise :class:`InputError` otherwise."""
    match = _SPEC.fullmatch(text)
    if match is None:
        raise InputError(f"--shard {text!r}: expected K/N, as 2/4 (the second of four shares)")
    index, count = int(match[1]), int(match[2])
    if not 1 <= index <= count:
        raise InputError(f"--shard {text!r}: K must be between 1 and N")
    if count > 10_000:
        raise InputError(f"--shard {text!r}: at most 10000 shares")
    return Shard(index, count)


def deal(names: Sequence[str], costs: Mapping[str, float], loads: list[float],
         groups: Sequence[int] | None = None) -> list[int]:
    """The share (from 0) of each unit of ``names``, dealing onto ``loads`` (updated); the
    units of one number in ``groups`` go to one share (default: each unit alone)."""
    known = all(name in costs for name in names)
    cost = [max(0.0, float(costs[name])) if known else 1.0 for name in names]
    members: dict[int, list[int]] = {}
    for i, group in enumerate(groups if groups is not None else range(len(names))):
        members.setdefault(group, []).append(i)
    dealt = [(sum(cost[i] for i in units), min(names[i] for i in units), units[0], units)
             for units in members.values()]
    # a name twice (two virtual units of one path) keeps its order of appearance
    dealt.sort(key=lambda g: (-g[0], g[1], g[2]))
    shares = [0] * len(names)
    for total, _, _, units in dealt:
        share = min(range(len(loads)), key=lambda k: (loads[k], k))
        for i in units:
            shares[i] = share
        loads[share] += total if total > 0 else 1e-9  # free units still take turns
    return shares
