"""The include-order solver, property-tested on random umbrellas (hypothesis)."""

from __future__ import annotations

from itertools import permutations
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from amalint.fix.solver import apply_fixes, plan
from amalint.model import Umbrella
from amalint.scan.directives import scan
from amalint.scan.search import SearchPath

UMBRELLA = Path("/nonexistent/umbrella.cc")

#: An umbrella and the start-up edges between its units.
Case = tuple[bytes, list[tuple[int, int]]]


def umbrella_of(data: bytes) -> Umbrella:
    return Umbrella(UMBRELLA, data, scan(data, UMBRELLA, SearchPath()).includes)


@st.composite
def umbrellas(draw: st.DrawFn, max_units: int = 8) -> Case:
    """A random include list with attached and detached comments, blank lines and barriers,
    and random acyclic constraints between its includes."""
    n = draw(st.integers(2, max_units))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines: list[str] = []
    for i in range(n):
        filler = draw(st.sampled_from(["", "blank", "detached", "barrier", "ifblock"]))
        if i and filler == "blank":
            lines.append("")
        elif i and filler == "detached":
            lines += [f"// note before {i}", ""]
        elif i and filler == "barrier":
            lines.append(f"#define AFTER_{i} 1")
        elif i and filler == "ifblock":
            lines.append(f"#ifdef FEATURE_{i}")
        lines += [f"// about unit {i}" for _ in range(draw(st.integers(0, 2)))]
        lines.append(f'#include "unit{i}.cc"')
    opened = sum(1 for line in lines if line.startswith("#ifdef"))
    lines += ["#endif"] * opened
    final_newline = draw(st.booleans())
    data = newline.join(lines) + (newline if final_newline else "")
    rank = draw(st.permutations(range(n)))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=10))
    edges = sorted({(a, b) if rank[a] < rank[b] else (b, a) for a, b in pairs if a != b})
    return data.encode(), edges


def _region_units(data: bytes) -> list[list[str]]:
    """The include spellings of each barrier-delimited region, in order."""
    regions: list[list[str]] = [[]]
    for line in data.decode().splitlines():
        if line.startswith('#include "'):
            regions[-1].append(line.split('"')[1])
        elif line.startswith("#"):
            regions.append([])
    return regions


def _satisfied(data: bytes, edges: list[tuple[int, int]]) -> bool:
    order = [line.split('"')[1] for line in data.decode().splitlines()
             if line.startswith('#include "')]
    return all(order.index(f"unit{a}.cc") < order.index(f"unit{b}.cc") for a, b in edges)


def _lcs(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            table[i][j] = table[i + 1][j + 1] + 1 if a[i] == b[j] else max(table[i + 1][j],
                                                                           table[i][j + 1])
    return table[0][0]


def _fixable(data: bytes, edges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Edges whose two includes share a region (the others cannot move to meet)."""
    region = {name: i for i, names in enumerate(_region_units(data)) for name in names}
    return [(a, b) for a, b in edges if region[f"unit{a}.cc"] == region[f"unit{b}.cc"]]


@given(umbrellas())
@settings(max_examples=300, deadline=None)
def test_output_is_a_valid_permutation_within_regions(case: Case) -> None:
    data, edges = case
    result = plan(umbrella_of(data), edges)
    # every line kept, none duplicated; includes stay in their region
    assert sorted(result.data.splitlines()) == sorted(data.splitlines())
    assert [sorted(r) for r in _region_units(result.data)] == \
        [sorted(r) for r in _region_units(data)]
    # with the moved includes (and their comments) taken out, nothing else changed: blank lines,
    # detached comments and barriers stay where they were relative to everything that stays
    moved = {f"unit{i}" for i in (umbrella_of(data).includes[u].spelling[4:-3]
                                  for u in result.moved)}

    def without_moved(text: bytes) -> list[bytes]:
        return [line for line in text.splitlines()
                if not any(line.endswith(f'"{m}.cc"'.encode()) or
                           line == f"// about unit {m[4:]}".encode() for m in moved)]

    assert without_moved(result.data) == without_moved(data)
    # comments stay directly above their include
    out = result.data.decode().splitlines()
    for number, line in enumerate(out):
        if line.startswith("// about unit "):
            unit = line.split()[-1]
            below = next(x for x in out[number + 1 :] if not x.startswith("// about"))
            assert below == f'#include "unit{unit}.cc"'
    # the line-ending style and the (missing) final newline are kept
    assert (b"\r\n" in result.data) == (b"\r\n" in data)
    if result.data.splitlines()[-1].strip():  # a blank last line keeps its line ending
        assert result.data.endswith(b"\n") == data.endswith(b"\n")
    # every constraint within a region is met; the others are reported
    fixable = _fixable(data, edges)
    assert _satisfied(result.data, fixable)
    reported = {u.edge for u in result.unfixable}
    region = {n: i for i, names in enumerate(_region_units(data)) for n in names}
    for a, b in edges:
        if region[f"unit{a}.cc"] > region[f"unit{b}.cc"]:
            assert (a, b) in reported


@given(umbrellas())
@settings(max_examples=200, deadline=None)
def test_fixing_twice_changes_nothing(case: Case) -> None:
    data, edges = case
    once = plan(umbrella_of(data), edges).data
    umbrella = umbrella_of(once)
    # unit numbers are positions in the include list: remap the edges to the new positions
    position = {inc.spelling: i for i, inc in enumerate(umbrella.includes)}
    original = [inc.spelling for inc in umbrella_of(data).includes]
    remapped = [(position[original[a]], position[original[b]]) for a, b in edges]
    twice = plan(umbrella, remapped)
    assert twice.data == once
    assert not twice.moved


@given(umbrellas(max_units=8))
@settings(max_examples=60, deadline=None)
def test_moves_no_more_includes_than_a_brute_force_optimum(case: Case) -> None:
    data, edges = case
    result = plan(umbrella_of(data), edges)
    fixable = _fixable(data, edges)
    optimum = 0
    for names in _region_units(data):
        numbers = [int(name[4:-3]) for name in names]
        inner = [(a, b) for a, b in fixable if a in numbers and b in numbers]
        best = min(
            len(names) - _lcs(names, [f"unit{u}.cc" for u in perm])
            for perm in permutations(numbers)
            if all(perm.index(a) < perm.index(b) for a, b in inner)
        )
        optimum += best
    assert len(result.moved) <= optimum


def test_provider_moves_up_to_just_before_its_first_consumer() -> None:
    data = (b'#include "a.cc"\n// consumer\n#include "b.cc"\n#include "c.cc"\n\n'
            b'// the provider\n#include "p.cc"\nint main() {}\n')
    result = plan(umbrella_of(data), [(3, 1), (3, 2)])
    assert result.data == (b'#include "a.cc"\n// the provider\n#include "p.cc"\n// consumer\n'
                           b'#include "b.cc"\n#include "c.cc"\n\nint main() {}\n')
    assert result.moved == (3,)
    assert result.edits == ((16, 93, b'// the provider\n#include "p.cc"\n// consumer\n'
                                     b'#include "b.cc"\n#include "c.cc"\n\n'),)


def test_a_barrier_makes_a_constraint_unfixable() -> None:
    data = b'#include "user.cc"\n#define X 1\n#include "provider.cc"\n'
    result = plan(umbrella_of(data), [(1, 0)])
    assert result.data == data
    assert [u.reason for u in result.unfixable] == [
        "the provider would have to move across line 2 (`#define X 1`)"]


def test_crossing_a_unit_that_shares_a_key_is_unsafe() -> None:
    data = b'#include "user.cc"\n#include "other.cc"\n#include "provider.cc"\n'
    keys = {0: (frozenset(), frozenset({"k"})), 1: (frozenset({"k"}), frozenset()),
            2: (frozenset({"k"}), frozenset())}
    result = plan(umbrella_of(data), [(2, 0)], keys)
    assert result.unsafe  # provider.cc crosses other.cc, which provides "k" too
    clean = plan(umbrella_of(data), [(2, 0)],
                 {0: keys[0], 2: keys[2], 1: (frozenset(), frozenset())})
    assert clean.unsafe == ()


@given(st.lists(st.sampled_from(["keep", "drop", "insert"]), min_size=1, max_size=12),
       st.sampled_from(["\n", "\r\n"]), st.booleans())
def test_line_edits_touch_only_their_lines(ops: list[str], newline: str, twice: bool) -> None:
    """Whole-line removals and insertions (as AM204/AM205 make them) applied together change
    exactly the lines they name; a fix repeated by several findings applies once."""
    lines = [f"#include \"f{i}.cc\"{newline}".encode() for i in range(len(ops))]
    data = b"".join(lines)
    fixes, expected, offset = [], [], 0
    for op, line in zip(ops, lines, strict=True):
        if op == "drop":
            fixes.append([(offset, offset + len(line), b"")])
        elif op == "insert":
            new = f"#include \"new{offset}.cc\"{newline}".encode()
            fixes.append([(offset, offset, new)])
            expected.append(new)
        if op != "drop":
            expected.append(line)
        offset += len(line)
    assert apply_fixes(data, fixes * (2 if twice else 1)) == b"".join(expected)


def test_overlapping_fixes_wait_for_the_next_pass() -> None:
    data = b"a\nb\nc\n"
    reorder = [(0, 4, b"b\na\n")]
    removal = [(2, 4, b"")]
    assert apply_fixes(data, [reorder, removal]) == b"b\na\nc\n"
    assert apply_fixes(data, [removal, reorder]) == b"a\nc\n"
    assert apply_fixes(data, [[(2, 2, b"x\n")], [(2, 2, b"y\n")]]) == b"a\nx\nb\nc\n"
