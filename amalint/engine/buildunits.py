"""Lint runs on the units a build system makes: a unity source CMake or Meson generated, or the
virtual whole-pool unit of unity readiness (:mod:`amalint.engine.readiness`). Each is linted
like any umbrella, by the same rules; then the findings are made to speak about what the user owns:

* a finding at an ``#include`` line of the unit moves to the included source (to the first
  related location in it, such as the start-up block of an AM101, else its first line);
* every finding names the target, and the generated unity source (a related location at its
  ``#include``) or, for readiness, where the source is listed in the CMake file (the target's
  line in ``meson.build``);
* no fix edits a generated or virtual unit. AM101 gets an unsafe fix reordering the target's
  literal source list in CMake instead (:mod:`amalint.fix.cmakelists`), or says which source
  must come first (always, with Meson); an AM201 redefinition names the usual remedies;
* the same finding from several targets (a static and a shared library of the same sources)
  is reported once, naming them all.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from amalint.config.buildsystems import Build, Pool
from amalint.config.buildsystems.cmakelists import read_bytes
from amalint.config.buildsystems.targets import UnityFile
from amalint.config.flags import read_database, with_flags
from amalint.config.settings import Settings
from amalint.engine.parallel import Job, Runner
from amalint.engine.result import Result
from amalint.engine.rule import Edit, Finding, Fix, Related, display
from amalint.fix.cmakelists import reorder
from amalint.fix.solver import apply_fixes
from amalint.model import Include, Location, Severity
from amalint.scan.directives import is_source, scan
from amalint.scan.search import SearchPath

#: Rules whose premise is a whole program in one unit: a build-system unit is part of a
#: target, and a key it misses may come from another unit or target (AM102), and the build
#: system, not a person, decides what a unity source includes (AM205).
NOT_FOR_BUILD_UNITS = ("AM102", "AM205")
_INCLUDED_AT = re.compile(r" \(included at line \d+\)")


@dataclass(frozen=True)
class BuildUnit:
    pool: Pool
    #: The generated unity source, or the virtual unit's path (never written).
    path: Path
    #: The virtual unit's bytes; ``None`` for a generated unity source (read from disk).
    data: bytes | None = None
    #: The generated unity source linted; ``None`` for readiness.
    unity: UnityFile | None = None


def unit_job(unit: BuildUnit, settings: Settings, build: Build) -> Job:
    """The lint of one unit with the settings of its project and the flags of its target."""
    # A unit with the hazards looked for does not compile, by design: libclang would restate
    # its collisions as AM301, at the cost of a compile of the whole target. Under `auto`,
    # tree-sitter reads the same file-scope facts at a fraction of the cost.
    settings = replace(settings, ignore=settings.ignore + NOT_FOR_BUILD_UNITS,
                       frontend="tree-sitter" if settings.frontend == "auto"
                       else settings.frontend)
    if unit.unity is None:
        settings = replace(settings, compile_commands=None)
        entry = read_database(build.database).get(unit.pool.flags_of)
        if entry is not None:
            settings = with_flags(settings, entry.flags, Path.cwd())
    else:
        settings = replace(settings, compile_commands=build.database)
    return Job(unit.path, settings, unit.data)


def relocate(result: Result, unit: BuildUnit, build: Build) -> list[tuple[Finding, Related]]:
    """The findings of ``result`` about the user's files, each with the related location that
    names its target (see the module docstring)."""
    umbrella = result.summary.umbrella
    by_line = {inc.line: inc for inc in umbrella.includes}
    unit_of = dict(result.summary.units)
    out = []
    for finding in result.findings:
        location, end = finding.location, finding.end_location
        source: Path | None = None
        if location.path == umbrella.path and location.line in by_line:
            source = by_line[location.line].resolved
            inside = [r.location for r in finding.related if r.location.path == source]
            if source is not None:
                location = inside[0] if inside else Location(source, 1)
                end = replace(location, column=location.column + 1)
        related = tuple(_related(r, unit, build, by_line) if r.location.path == umbrella.path
                        else r for r in finding.related)
        message = _INCLUDED_AT.sub("", finding.message)  # a line of the unit, not the user's
        moved = replace(finding, location=location, end_location=end, related=related,
                        message=message, fix=None)
        if finding.code == "AM101":
            moved = _am101(moved, finding, result, unit, build, by_line)
        elif finding.code == "AM201" and finding.severity is Severity.ERROR:
            moved = _am201(moved, unit.pool, build)
        index = unit_of.get(location.path)
        include = umbrella.includes[index] if index is not None else None
        out.append((moved, _context(unit, build, include)))
    return out


def _related(related: Related, unit: BuildUnit, build: Build,
             by_line: dict[int, Include]) -> Related:
    """A related location at an ``#include`` of a virtual unit moves to where the source is
    listed."""
    if unit.unity is not None or related.location.line not in by_line:
        return related
    source = by_line[related.location.line].resolved
    if source is None:
        return related
    return Related(_listed(unit.pool, source, build), related.message.replace(
        "included here", f"listed here (source of {unit.pool.describe()})"))


def _listed(pool: Pool, source: Path, build: Build) -> Location:
    for item in build.properties.lists.get(pool.target.name, []):
        if item.source == source:
            arg = item.argument
            return Location(item.command.path, arg.line, arg.column)
    return pool.target.defined_at or Location(source, 1)


def _context(unit: BuildUnit, build: Build, include: Include | None) -> Related:
    pool = unit.pool
    if unit.unity is not None:
        line = include.line if include is not None else 1
        return Related(Location(unit.unity.path, line),
                       f"{pool.describe()}: in its unity source `{display(unit.unity.path)}`")
    source = include.resolved if include is not None else None
    where = _listed(pool, source, build) if source is not None else \
        pool.target.defined_at or Location(pool.sources[0] if pool.sources else unit.path, 1)
    return Related(where, f"{pool.describe()}: unity readiness, its {len(pool.sources)} "
                          f"sources in one unit (as with {build.whole_target})")


def _am101(moved: Finding, original: Finding, result: Result, unit: BuildUnit, build: Build,
           by_line: dict[int, Include]) -> Finding:
    """AM101's reorder, made on the target's CMake source list instead of the unit."""
    pool = unit.pool
    consumer = moved.location.path
    providers = [inc.resolved for r in original.related
                 if r.location.path == result.summary.umbrella.path
                 and (inc := by_line.get(r.location.line)) is not None
                 and inc.resolved is not None and inc.resolved != consumer]
    first = f"`{display(providers[0])}`" if providers else "the provider"
    hint = f"list {first} before `{display(consumer)}` in the sources of {pool.describe()}"
    if original.fix is None or build.system != "CMake":
        return replace(moved, message=f"{moved.message} ({hint})")
    data = result.summary.umbrella.data
    new = apply_fixes(data, [original.fix.byte_edits(data)])
    wanted = [inc.resolved for inc in scan(new, unit.path, SearchPath()).includes
              if inc.resolved is not None]
    if unit.unity is not None:  # one batch of the pool: the other batches keep their places
        batch = set(unit.unity.sources)
        rest = iter(wanted)
        wanted = [next(rest) if s in batch else s for s in pool.sources]
    edits = reorder(wanted, build.properties.lists.get(pool.target.name, []))
    if isinstance(edits, str):
        return replace(moved, message=f"{moved.message} (not fixable in CMake: {edits}; "
                                      f"{hint})")
    fix_edits: list[Edit] = []
    for path, changes in edits.items():
        fix_edits.extend(Fix.of_bytes("unsafe", path, read_bytes(path), changes).edits)
    return replace(moved, fix=Fix("unsafe", tuple(fix_edits)))


def _am201(moved: Finding, pool: Pool, build: Build) -> Finding:
    later = os.path.relpath(moved.location.path, pool.target.directory)
    if not is_source(moved.location.path):  # a header read twice: it needs its guard
        return replace(moved, message=f"{moved.message}; remedy: give `{later}` an include "
                                      "guard (or #pragma once)")
    if build.system == "Meson":  # no per-source opt-out: the whole target
        return replace(moved, message=(
            f"{moved.message}; remedies: rename one of the two, or build target "
            f"`{pool.target.name}` without unity: override_options: ['unity=off']"))
    return replace(moved, message=(
        f"{moved.message}; remedies: rename one of the two, or keep `{later}` out of unity "
        f"builds: set_source_files_properties({later} PROPERTIES SKIP_UNITY_BUILD_INCLUSION ON)"))


def merge_units(items: Sequence[tuple[BuildUnit, Result, list[tuple[Finding, Related]]]],
                only: frozenset[Path] | None = None) -> list[Result]:
    """One result per unit, each finding once across all of them, naming every target it was
    found in; with ``only``, the findings that involve one of those files."""
    seen: dict[tuple[str, Location, str], tuple[int, Finding, list[Related]]] = {}
    for number, (_, _, found) in enumerate(items):
        for finding, context in found:
            if only is not None and not _involves(finding, only):
                continue
            key = (finding.code, finding.location, finding.message)
            if key not in seen:
                seen[key] = (number, finding, [])
            seen[key][2].append(context)
    kept: dict[int, list[Finding]] = {}
    for number, finding, contexts in seen.values():
        names = ", ".join(c.message.split(":", 1)[0] for c in contexts)
        message = f"{finding.message} [{names}]"
        kept.setdefault(number, []).append(replace(
            finding, message=message, related=(*finding.related, *contexts[:3])))
    return [replace(result, findings=tuple(kept.get(number, [])))
            for number, (_, result, _) in enumerate(items)]


def _involves(finding: Finding, paths: frozenset[Path]) -> bool:
    return finding.location.path in paths or any(r.location.path in paths
                                                  for r in finding.related)


def sharing(units: Sequence[BuildUnit]) -> list[int]:
    """For each unit, the number of its group: units that read a source in common (two
    targets built from one source, readiness units of one pool) are in one group, as their
    findings there are reported once (:func:`merge_units`)."""
    import networkx as nx  # only with --shard: it takes a third of a second to import

    graph: nx.Graph[int | Path] = nx.Graph()  # units by index, sources by path
    for i, unit in enumerate(units):
        graph.add_node(i)
        for source in unit.unity.sources if unit.unity is not None else unit.pool.sources:
            graph.add_edge(i, source)
    group = [0] * len(units)
    for number, component in enumerate(nx.connected_components(graph)):
        for node in component:
            if isinstance(node, int):
                group[node] = number
    return group


def lint_units(units: Sequence[BuildUnit], settings_of: Callable[[Path], Settings],
               build: Build, runner: Runner,
               only: frozenset[Path] | None = None) -> list[Result]:
    """Lint each unit with the settings of its first source's project, and report what the
    user owns (see the module docstring); with ``only``, the findings that involve those
    files. A unit with no source on disk (a unity source of sources the build generates, before
    it ran: noted at load) has nothing to check."""
    units = [unit for unit in units if unit.pool.sources]
    jobs = [unit_job(unit, settings_of(unit.pool.sources[0]), build) for unit in units]
    # --shard: this share's units, those that share a source in one share
    mine = runner.mine(jobs, sharing(units) if runner.shard is not None else None)
    units = [unit for unit, ours in zip(units, mine, strict=True) if ours]
    results = runner.lint_all([job for job, ours in zip(jobs, mine, strict=True) if ours])
    return merge_units([(unit, result, relocate(result, unit, build))
                        for unit, result in zip(units, results, strict=True)], only)
