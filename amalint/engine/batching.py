"""The relations of a pool that decide every batching (:mod:`amalint.analysis.batching`),
gathered from two whole-pool lints: the pool's sources in list order, then reversed. Every
ordered pair of sources is adjacent-or-apart in one of the two, so each relation that holds
between two sources in some order shows in one of them, at the cost of two parses per source;
the pairs come from the rules' name indexes, as in readiness (:mod:`.readiness`).

* AM201 redefinitions are clashes; AM202 and AM203 errors ordered clashes, except a macro
  that rewrites a later declaration, kept as what the later source cannot follow (the macro
  and its definition), so that a batching is judged by the macro state it reaches;
* AM206's hidden dependencies on a header (computed whether or not the preview rule is
  selected) are needs (one on a name only another source declares is left out: the plain
  build, which projects keep working, would fail); AM101's requirements start-up relations;
* each source's closure compiled alone and the macros it leaves defined come from the
  file-scope facts.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from pathlib import Path

from amalint.analysis.alone import AloneOrder
from amalint.analysis.batching import Clash, MacroBreak, Need, Relations, StartUp
from amalint.analysis.macro_leaks import BREAKS, USES
from amalint.config.buildsystems import Build, Pool
from amalint.config.settings import Settings
from amalint.engine.buildunits import BuildUnit, unit_job
from amalint.engine.readiness import include_line, virtual_unit
from amalint.engine.rule import Finding, RuleContext
from amalint.engine.run import build as build_unit
from amalint.engine.run import evaluate
from amalint.model import FileFacts, Location, MacroEventKind, Severity
from amalint.scan.directives import is_source

_NAME = re.compile(r"`([^`]+)`")
#: The kind of a declaration a leaked macro rewrote wherever amalint read it: unknown, so
#: taken for the kind of the other definitions of its name.
_REWRITTEN = ("?", "?")
#: Findings that are ordered clashes between two sources (errors only).
_ORDERED = ("AM202", "AM203")


class _Run:
    """One whole-pool lint and the pool index of each of its umbrella includes."""

    def __init__(self, pool: Pool, order: list[int], settings: Settings, build: Build) -> None:
        self.order = order
        data = b"".join(include_line(pool.sources[i]) for i in order)
        path = virtual_unit(pool).path
        job = unit_job(BuildUnit(pool, path, data), settings, build)
        built = build_unit(job.umbrella, job.settings, job.data)
        self.result, _ = evaluate(built, job.umbrella, job.settings, search=False)
        self.ctx = RuleContext(built.model, built.analysis)
        self.model = built.model
        self.umbrella = built.model.umbrella
        self.by_line = {inc.line: i for i, inc in enumerate(self.umbrella.includes)}
        self.readers: dict[Path, list[int]] = {}
        for facts in self.model.filescope.files:
            if facts.unit is not None:
                readers = self.readers.setdefault(facts.path, [])
                if facts.unit not in readers:
                    readers.append(facts.unit)

    def source(self, unit: int) -> int:
        return self.order[unit]

    def units(self, where: Location) -> list[int]:
        """The umbrella includes a place is read through (several for a header read twice)."""
        if where.path == self.umbrella.path:
            return [self.by_line[where.line]] if where.line in self.by_line else []
        return self.readers.get(where.path, [])

    def pair(self, finding: Finding) -> tuple[int, int] | None:
        """The two sources a finding is about, earlier first (as pool indexes)."""
        units: list[int] = []
        for where in (finding.location, *(r.location for r in finding.related)):
            for unit in self.units(where):
                if unit not in units:
                    units.append(unit)
        if len(units) < 2:
            return None
        first, second = sorted(units[:2])
        return self.source(first), self.source(second)


def _what(finding: Finding) -> str:
    if finding.code == "AM201":  # the name, which every pair that defines it shares
        named = _NAME.match(finding.message)
        return f"AM201 `{named[1] if named else '?'}` is defined in both"
    return f"{finding.code} {finding.message.split(': ', 1)[0]}"


def relations(pool: Pool, settings: Settings, build: Build) -> Relations:
    """The relations of ``pool`` (see the module docstring)."""
    size = len(pool.sources)
    settings = replace(settings, extend_select=(*settings.extend_select, "AM206"))
    forward = _Run(pool, list(range(size)), settings, build)
    runs = (forward, _Run(pool, list(reversed(range(size))), settings, build))
    clashes: dict[tuple[int, int, bool], Clash] = {}
    breaks: dict[tuple[int, str], tuple[str, str]] = {}
    needs: dict[tuple[int, frozenset[str]], Need] = {}
    startups: dict[tuple[int, str], StartUp] = {}
    defined: dict[str, tuple[dict[int, None], str]] = {}
    for run in runs:
        unit_of = {id(e): f.unit for f in run.model.filescope.files for e in f.macros}
        rewritten = set()
        hidden = {(use.reference.name, use.reference.location) for dep in run.ctx.hidden
                  for use in dep.uses}  # AM206's, not a leak (as AM203 says)
        for leak in run.ctx.leaks:
            later = unit_of.get(id(leak.event))
            context = leak.event.context  # another definition may break what this one did not
            if leak.effect not in (BREAKS, USES) or not context or later is None \
                    or (leak.name, leak.event.location) in hidden:
                continue
            rewritten.add(leak.event.location)
            kind = "declaration" if context == "declarator" else "call"
            breaks.setdefault((run.source(later), leak.name),
                              (context, f"AM203 `{leak.name}` rewrites a {kind}"))
        for finding in run.result.findings:
            if finding.severity is not Severity.ERROR or finding.location in rewritten:
                continue
            ordered = finding.code in _ORDERED
            if finding.code != "AM201" and not ordered:
                continue
            pair = run.pair(finding)
            if pair is None:
                continue
            if ordered:
                clashes.setdefault((*pair, True), Clash(*pair, _what(finding), True))
            else:  # every two sources that define the name clash, not only each with the first
                named = _NAME.match(finding.message)
                key = named[1] if named else finding.message
                sources = defined.get(key, ({}, ""))[0]
                sources.update(dict.fromkeys(pair))
                defined[key] = (sources, _what(finding))
        for dep in run.ctx.hidden:
            if is_source(dep.header):
                continue  # a name only another source declares: a plain build that works
                # (as real projects are kept) cannot have it, so it is a local AM206 misread
            names = tuple(dict.fromkeys(u.reference.name for u in dep.named))
            source = run.source(dep.unit)
            needs.setdefault((source, frozenset(names)), Need(source, dep.header, names))
        for req in run.ctx.requirements:
            consumer = req.consumer.unit
            providers = frozenset(run.source(p.unit) for p, _ in req.movable
                                  if p.unit is not None and p.unit != consumer)
            if consumer is None or not providers:
                continue
            startups.setdefault((run.source(consumer), req.lookup.key),
                                StartUp(run.source(consumer), providers, req.lookup.key))
    # a macro of a source between two definers may hide one from AM201 in both orders: every
    # source that defines the name with internal linkage, in either order, clashes
    definers, together = _definers(runs)
    for (source, name), (context, _) in breaks.items():
        if context == "declarator":  # a declaration a leaked macro rewrote in both orders
            definers.setdefault(name, {}).setdefault(source, _REWRITTEN)
    for key, (sources, _) in defined.items():
        seen = definers.pop(_bare(key), {})
        kinds = {seen[i] for i in sources if i in seen} | {_REWRITTEN}
        sources.update(dict.fromkeys(i for i, kind in seen.items() if kind in kinds))
    for name, seen in definers.items():  # never side by side in either order: AM201 never
        # compared them, so the same kind of definition twice is taken for a clash
        if name not in together and len(seen) > 1 \
                and len(set(seen.values()) - {_REWRITTEN}) == 1:
            defined[name] = (dict.fromkeys(seen), f"AM201 `{name}` is defined in both")
    for sources, what in defined.values():
        for first, second in itertools.combinations(sorted(sources), 2):
            clashes.setdefault((first, second, False), Clash(first, second, what))
    closures, leaves, defines = _alone(forward)
    # what a header reads can hang on the macros of the source that reads it first: a file is
    # in a source's closure if either order reads it there
    closures = tuple(a | b for a, b in zip(closures, _alone(runs[1])[0], strict=True))
    return Relations(
        pool.sources, closures, leaves, Path.cwd(), tuple(clashes.values()),
        tuple(MacroBreak(source, name, context,
                         frozenset(d for n, d in defines[source] if n == name), what)
              for (source, name), (context, what) in breaks.items()),
        tuple(n for n in needs.values() if n.header not in closures[n.source]),
        tuple(startups.values()))


def _bare(name: str) -> str:
    """``cnt(int)`` and ``(anonymous)::cnt(int)`` -> ``cnt``."""
    return name.split("(", 1)[0].rsplit("::", 1)[-1] if not name.startswith("(") else \
        name.rsplit("::", 1)[-1].split("(", 1)[0]


def _definers(runs: tuple[_Run, ...]) -> tuple[dict[str, dict[int, tuple[str, str]]],
                                               set[str]]:
    """For each name, the sources that define it with internal linkage in their own text in
    either run, with the kind and signature of their definitions; and the names two sources
    define in one run (AM201 compared those)."""
    out: dict[str, dict[int, tuple[str, str]]] = {}
    together: set[str] = set()
    for run in runs:
        here: dict[str, set[int]] = {}
        for facts in run.model.filescope.files:
            if facts.unit is None or facts.path != run.umbrella.includes[facts.unit].resolved:
                continue  # a header's definitions are read once, whoever includes it first
            source = run.source(facts.unit)
            for decl in facts.declarations:
                if decl.internal and decl.definition:
                    here.setdefault(decl.name, set()).add(source)
                    out.setdefault(decl.name, {})[source] = (decl.kind.value,
                                                             decl.signature or "")
        together |= {name for name, sources in here.items() if len(sources) > 1}
    return out, together


def _alone(run: _Run) -> tuple[tuple[frozenset[Path], ...],
                               tuple[tuple[tuple[str, str | None], ...], ...],
                               tuple[frozenset[tuple[str, str]], ...]]:
    """Per source (pool order): the files it reads compiled alone, the macros it leaves
    defined (or undefined) at its end, and every definition its files make (a leak of one of
    those into it changes nothing: compiled alone it reads the same)."""
    files = run.model.filescope.files
    alone = AloneOrder(run.umbrella, files)
    first: dict[Path, FileFacts] = {}
    for facts in files:
        first.setdefault(facts.path, facts)
    guards = {f.guard for f in files if f.guard}
    size = len(run.order)
    closures: list[frozenset[Path]] = [frozenset()] * size
    leaves: list[tuple[tuple[str, str | None], ...]] = [()] * size
    defines: list[frozenset[tuple[str, str]]] = [frozenset()] * size
    for unit in range(len(run.umbrella.includes)):
        reads = alone.order(unit)
        state: dict[str, str | None] = {}
        events = sorted((e for path in reads if path in first for e in first[path].macros),
                        key=lambda e: e.position)
        for event in events:
            if event.name not in guards:
                if event.kind is MacroEventKind.DEFINE:
                    state[event.name] = event.definition
                elif event.kind is MacroEventKind.UNDEF:
                    state[event.name] = None
        closures[run.source(unit)] = frozenset(reads)
        leaves[run.source(unit)] = tuple(state.items())
        defines[run.source(unit)] = frozenset((e.name, e.definition) for e in events
                                              if e.kind is MacroEventKind.DEFINE)
    return tuple(closures), tuple(leaves), tuple(defines)
