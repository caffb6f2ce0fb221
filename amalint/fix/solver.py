"""The include-order solver: a new umbrella text whose include order meets every constraint.

Pure: bytes and constraints in, bytes out. An *include unit* is an ``#include`` line together with
the comment lines directly above it; units move as wholes, byte for byte (line endings, encoding
and all). Blank lines and detached comments stay where they are. Any other line (``#if``,
``#else``, ``#endif``, ``#define``, ``#undef``, other directives, code) is a *barrier*: units
move only within the region between two barriers, so a constraint whose provider sits in a later
region than its consumer is unfixable and reported as such, never half-applied.

Within a region the solver keeps the largest set of units that can stay in their current
relative order (ties: fewer bytes moved, then moving providers up rather than consumers down),
moves every other unit to the valid place nearest to where it was, and checks the whole new
order against every constraint.

:func:`apply_fixes` applies the byte edits of several fixes at once (reorders, removed and
inserted includes), each fix whole or not at all, leaving overlapping ones for the next pass.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

from amalint.model import Umbrella
from amalint.scan.directives import Lines

#: Above this many constrained units in one region the exact search gives way to a greedy one.
EXACT_LIMIT = 16
#: What a line may end with (LF, CRLF, CR).
_ENDS = (b"\n", b"\r")

Edge = tuple[int, int]


@dataclass(frozen=True)
class Unfixable:
    edge: Edge
    reason: str


@dataclass(frozen=True)
class Plan:
    """The outcome of solving one umbrella."""

    data: bytes
    order: tuple[int, ...]
    moved: tuple[int, ...] = ()
    unfixable: tuple[Unfixable, ...] = ()
    unsafe: tuple[str, ...] = ()
    #: ``(start byte, end byte, new bytes)`` of every region that changes.
    edits: tuple[tuple[int, int, bytes], ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.moved)


@dataclass(frozen=True)
class _Item:
    """A run of lines of a region: one include unit, or one fixed line."""

    unit: int | None
    start: int
    end: int


def _regions(umbrella: Umbrella) -> tuple[list[list[_Item]], dict[int, int], dict[int, str]]:
    """Split the umbrella into regions of movable items; map each unit to its region; describe
    the barrier that ends each region."""
    data = umbrella.data
    lines = Lines.of(data)
    kinds = lines.kinds()
    unit_of_line: dict[int, int] = {}
    last_line: dict[int, int] = {}
    for index, inc in enumerate(umbrella.includes):
        # its comment lines, the include line, and any continuation lines of the directive
        last_line[index] = max(1, bisect.bisect_right(lines.starts, max(inc.end_byte - 1, 0)))
        for number in range(inc.comment_start_line, last_line[index] + 1):
            unit_of_line[number] = index
    regions: list[list[_Item]] = [[]]
    barrier: dict[int, str] = {}
    region_of: dict[int, int] = {}
    line = 1
    count = len(kinds)
    while line <= count:
        unit = unit_of_line.get(line)
        if unit is not None:
            inc = umbrella.includes[unit]
            region_of[unit] = len(regions) - 1
            regions[-1].append(_Item(unit, inc.comment_start_byte, inc.end_byte))
            line = last_line[unit] + 1
            continue
        start, end = lines.starts[line - 1], lines.end(line - 1)
        if kinds[line - 1] in ("blank", "comment"):
            regions[-1].append(_Item(None, start, end))
        else:
            text = data[start:end].decode("utf-8", "replace").strip()
            barrier[len(regions) - 1] = f"line {line} (`{text[:40]}`)"
            regions.append([])
        line += 1
    return regions, region_of, barrier


def _closure(nodes: Iterable[int], edges: Iterable[Edge]) -> dict[int, set[int]]:
    """``after[a]``: every unit that must come after ``a``."""
    succ: dict[int, set[int]] = {n: set() for n in nodes}
    for a, b in edges:
        succ[a].add(b)
    after: dict[int, set[int]] = {}

    def visit(n: int, stack: frozenset[int]) -> set[int]:
        if n in after:
            return after[n]
        out: set[int] = set()
        for m in succ[n]:
            if m in stack:
                continue
            out.add(m)
            out |= visit(m, stack | {n})
        after[n] = out
        return out

    for n in succ:
        visit(n, frozenset())
    return after


def _keep(units: Sequence[int], after: Mapping[int, set[int]], size: Mapping[int, int],
          providers: set[int]) -> set[int]:
    """The units that stay: no kept pair may be in the wrong order. Best by (most kept, fewest
    bytes moved, fewest consumers moved down)."""
    constrained = [u for u in units if after.get(u) or any(u in s for s in after.values())]
    position = {u: i for i, u in enumerate(units)}

    def conflict(a: int, b: int) -> bool:  # a is before b now, but must come after it
        return position[a] < position[b] and a in after.get(b, set())

    def cost(moved: Iterable[int]) -> tuple[int, int, int]:
        moved = list(moved)
        return (len(moved), sum(size[u] for u in moved),
                sum(1 for u in moved if u not in providers))

    best: set[int] = set()
    if len(constrained) <= EXACT_LIMIT:
        best_cost: tuple[int, int, int] | None = None
        for r in range(len(constrained), -1, -1):
            if best_cost is not None and r < len(constrained) - best_cost[0]:
                break
            for kept in combinations(constrained, r):
                if any(conflict(a, b) or conflict(b, a) for a, b in combinations(kept, 2)):
                    continue
                c = cost(u for u in constrained if u not in kept)
                if best_cost is None or c < best_cost:
                    best, best_cost = set(kept), c
    else:
        kept_list = list(constrained)
        while True:
            counts = {u: sum(conflict(u, v) or conflict(v, u) for v in kept_list)
                      for u in kept_list}
            worst = max(counts, key=lambda u: (counts[u], u not in providers, size[u]),
                        default=None)
            if worst is None or counts[worst] == 0:
                break
            kept_list.remove(worst)
        best = set(kept_list)
    return {u for u in units if u not in constrained} | best


def _place(units: Sequence[int], kept: set[int], after: Mapping[int, set[int]]) -> list[int]:
    """Insert every moved unit at the valid place nearest to where it was."""
    order = [u for u in units if u in kept]
    original = {u: i for i, u in enumerate(units)}
    for unit in (u for u in units if u not in kept):
        lo = max((i + 1 for i, v in enumerate(order) if unit in after.get(v, set())), default=0)
        hi = min((i for i, v in enumerate(order) if v in after.get(unit, set())),
                 default=len(order))
        target = sum(1 for v in order if original[v] < original[unit])
        order.insert(min(max(target, lo), hi), unit)
    return order


def line_ending(data: bytes) -> bytes:
    """The file's dominant line ending: LF, CRLF or (classic Mac) CR."""
    crlf = data.count(b"\r\n")
    counts = {b"\r\n": crlf, b"\n": data.count(b"\n") - crlf, b"\r": data.count(b"\r") - crlf}
    return max((b"\n", b"\r\n", b"\r"), key=lambda ending: counts[ending])


def _render(region: list[_Item], order: Sequence[int], kept: set[int], data: bytes) -> bytes:
    """The region's new bytes: kept units stay with the fixed lines around them; each moved
    unit goes right before the unit that follows it in the new order (or after the last)."""
    by_unit = {item.unit: item for item in region if item.unit is not None}
    items = [item for item in region if item.unit is None or item.unit in kept]
    placed = set(kept)
    for position in range(len(order) - 1, -1, -1):  # backwards: what follows is placed
        unit = order[position]
        if unit in placed:
            continue
        following = next((u for u in order[position + 1 :] if u in placed), None)
        if following is None:
            at = max((i + 1 for i, it in enumerate(items) if it.unit is not None), default=0)
        else:
            at = next(i for i, it in enumerate(items) if it.unit == following)
        items.insert(at, by_unit[unit])
        placed.add(unit)
    pieces = [data[it.start : it.end] for it in items]
    ending = line_ending(data)
    for i, piece in enumerate(pieces[:-1]):  # the old last line may have had no newline
        if not piece.endswith(_ENDS):
            pieces[i] = piece + ending
    last = pieces[-1]
    if not data[region[-1].start : region[-1].end].endswith(_ENDS) and last.strip():
        # the file had no final newline: the new last line gets none either (unless it is
        # blank: dropping its line ending would drop the line)
        pieces[-1] = last[: -len(ending)] if last.endswith(ending) else last.rstrip(b"\r\n")
    return b"".join(pieces)


def _trim(data: bytes, start: int, end: int, new: bytes) -> tuple[int, int, bytes]:
    """The smallest whole-line edit turning ``data[start:end]`` into ``new``."""
    old_lines = data[start:end].splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    while old_lines and new_lines and old_lines[0] == new_lines[0]:
        start += len(old_lines.pop(0))
        new_lines.pop(0)
    while old_lines and new_lines and old_lines[-1] == new_lines[-1]:
        end -= len(old_lines.pop())
        new_lines.pop()
    return start, end, b"".join(new_lines)


def plan(
    umbrella: Umbrella, edges: Iterable[Edge],
    keys: Mapping[int, tuple[frozenset[str], frozenset[str]]] | None = None,
) -> Plan:
    """Solve the include order of ``umbrella`` for ``edges`` (provider unit, consumer unit).

    ``keys`` maps a unit to the keys it (provides, requires); a move that crosses a unit sharing
    a key with the moved one, other than through a constraint, makes the plan *unsafe*.
    """
    edges = sorted(set(edges))
    regions, region_of, barrier = _regions(umbrella)
    unfixable: list[Unfixable] = []
    local: dict[int, list[Edge]] = {}
    for a, b in edges:
        ra, rb = region_of.get(a), region_of.get(b)
        if ra is None or rb is None:
            unfixable.append(Unfixable((a, b), "the include is not a movable line"))
        elif ra == rb:
            local.setdefault(ra, []).append((a, b))
        elif ra > rb:
            unfixable.append(Unfixable((a, b), f"the provider would have to move across "
                                               f"{barrier.get(rb, 'a barrier')}"))
    data = umbrella.data
    out = bytearray()
    cursor = 0
    moved: list[int] = []
    full_order: list[int] = []
    unsafe: list[str] = []
    edits: list[tuple[int, int, bytes]] = []
    for index, region in enumerate(regions):
        units = [item.unit for item in region if item.unit is not None]
        if not region:
            continue
        constraint = local.get(index, [])
        if not constraint:
            full_order.extend(units)
            continue
        after = _closure(units, constraint)
        size = {item.unit: item.end - item.start for item in region if item.unit is not None}
        providers = {a for a, _ in constraint}
        kept = _keep(units, after, size, providers)
        order = _place(units, kept, after)
        for a, b in constraint:
            assert order.index(a) < order.index(b), "solver produced an invalid order"
        full_order.extend(order)
        if order == units:
            continue
        moved.extend(u for u in units if u not in kept)
        unsafe.extend(_crossings(units, order, kept, set(constraint), keys or {}, umbrella))
        new = _render(region, order, kept, data)
        edits.append(_trim(data, region[0].start, region[-1].end, new))
        out += data[cursor : region[0].start] + new
        cursor = region[-1].end
    out += data[cursor:]
    return Plan(bytes(out), tuple(full_order), tuple(moved), tuple(unfixable), tuple(unsafe),
                tuple(edits))


def _crossings(
    before: Sequence[int], after: Sequence[int], kept: set[int], edges: set[Edge],
    keys: Mapping[int, tuple[frozenset[str], frozenset[str]]], umbrella: Umbrella,
) -> list[str]:
    """Why a move is unsafe: it crosses a unit it shares a key with outside the constraints."""
    reasons = []
    old = {u: i for i, u in enumerate(before)}
    new = {u: i for i, u in enumerate(after)}
    empty: tuple[frozenset[str], frozenset[str]] = (frozenset(), frozenset())
    for unit in before:
        if unit in kept:
            continue
        provides, requires = keys.get(unit, empty)
        for other in before:
            if other == unit or (old[other] < old[unit]) == (new[other] < new[unit]):
                continue
            other_provides, other_requires = keys.get(other, empty)
            shared = provides & other_provides
            if (unit, other) not in edges:
                shared |= provides & other_requires
            if (other, unit) not in edges:
                shared |= requires & other_provides
            if shared:
                reasons.append(
                    f"moving {umbrella.includes[unit].target} across "
                    f"{umbrella.includes[other].target} changes which of them sees "
                    f"{', '.join(sorted(shared))} first"
                )
    return reasons


ByteEdit = tuple[int, int, bytes]


def apply_fixes(data: bytes, fixes: Iterable[Sequence[ByteEdit]]) -> bytes:
    """Apply whole fixes (each a set of ``(start, end, new bytes)`` edits) to ``data``.

    A fix is applied entirely or not at all: one whose edits overlap (or touch at the same
    point) an edit of a fix already taken is left for the next pass, after a re-lint, as ruff
    does. Identical fixes (several findings sharing one reorder) are applied once. Bytes outside
    the edits are kept exactly.
    """
    taken: list[ByteEdit] = []
    seen: set[tuple[ByteEdit, ...]] = set()
    for fix in fixes:
        edits = tuple(sorted(fix))
        if not edits or edits in seen:
            continue
        seen.add(edits)
        if any(_overlap(a, b) for a in edits for b in taken) or any(
            _overlap(a, b) for a, b in combinations(edits, 2)
        ):
            continue
        taken.extend(edits)
    out = bytearray()
    cursor = 0
    for start, end, new in sorted(taken):
        out += data[cursor:start] + new
        cursor = end
    out += data[cursor:]
    return bytes(out)


def _overlap(a: ByteEdit, b: ByteEdit) -> bool:
    """Whether two edits conflict: their ranges intersect, or both insert at one point."""
    return (a[0] < b[1] and b[0] < a[1]) or a[0] == b[0]
