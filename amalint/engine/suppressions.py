"""Suppressions and per-file ignores, applied to every rule's findings alike.

Comments understood (in any file of the unit):

* ``// amalint: ignore[AM101]``, ``ignore[AM101,AM202]``, bare ``ignore``: on the flagged line;
* ``// NOLINT(amalint-AM101)`` on the flagged line, ``// NOLINTNEXTLINE(amalint-AM101)`` on the
  line above, as clang-tidy has them (``amalint-*`` and ``amalint-AM1*`` globs too; entries not
  starting with ``amalint-`` belong to clang-tidy and are left alone, as is a bare ``NOLINT``);
* ``// NOLINTBEGIN(amalint-AM201)`` … ``// NOLINTEND(amalint-AM201)``: every line from one to
  the other (clang-tidy's pairing: the END names the same checks as its BEGIN);
* ``// amalint: ignore-file[AM202]`` (or bare ``ignore-file``) anywhere in a file.

Comments that look meant for amalint but that it does not read are kept as *not understood*
(AM901 says what to write): ``noqa: AM101`` (ruff's spelling), ``amalint: …`` naming a rule
code without ``ignore``, ``NOLINT(AM101)`` without the ``amalint-`` prefix, and a
``NOLINTBEGIN(amalint-…)`` or ``NOLINTEND(amalint-…)`` without its other half.

A finding is suppressed by a line suppression on its own line or on any ``#include`` line that
brings its file into the unit (the umbrella's include of the source, for a finding inside it).
A file-level suppression or a ``per-file-ignores`` entry applies to findings located in its file,
and to findings located on the ``#include`` line of that file. Pure functions over the unit's
bytes: no I/O.
"""

from __future__ import annotations

import enum
import fnmatch
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from amalint.config.globs import Glob
from amalint.engine.rule import Finding
from amalint.model import Include, Location
from amalint.scan.directives import comments

_AMALINT = re.compile(r"amalint:\s*ignore(-file)?(?:\[([^\]]*)\]|(?![\w-]))")
_NOLINT = re.compile(r"\bNOLINT(NEXTLINE|BEGIN|END)?(?:\(([^)]*)\))?")
_NOQA = re.compile(r"\bnoqa\b\s*:?\s*(AM\d{3}(?:\s*,\s*AM\d{3})*)", re.IGNORECASE)
_AMALINT_OTHER = re.compile(r"amalint\s*:\s*(?!ignore)[^\n]*?\b(AM\d{3})\b")
_CODE = re.compile(r"AM\d", re.IGNORECASE)
_MARKERS = (b"amalint", b"NOLINT", b"noqa")


class Scope(enum.Enum):
    LINE = "line"
    NEXT_LINE = "next-line"
    RANGE = "range"
    FILE = "file"
    #: A comment meant for amalint that it does not read (``hint``: what to write).
    INVALID = "invalid"


@dataclass(frozen=True)
class Suppression:
    """One suppression comment. ``codes`` are rule codes (globs for NOLINT); empty: every rule."""

    location: Location
    end: Location
    text: str
    scope: Scope
    codes: tuple[str, ...]
    #: The last line a RANGE covers; what to write instead of an INVALID one.
    until: int = 0
    hint: str = ""

    @property
    def line(self) -> int:
        """The line it applies to (line scopes)."""
        return self.location.line + (1 if self.scope is Scope.NEXT_LINE else 0)

    def covers(self, code: str) -> bool:
        return not self.codes or any(fnmatch.fnmatchcase(code, c) for c in self.codes)


def scan(path: Path, data: bytes) -> list[Suppression]:
    """The suppression comments of one file."""
    if not any(marker in data for marker in _MARKERS):
        return []
    found: list[Suppression] = []
    opened: list[Suppression] = []  # NOLINTBEGINs waiting for their NOLINTEND
    for offset, raw in comments(data):
        text = raw.decode("utf-8", "replace")
        understood = False
        for match in _AMALINT.finditer(text):
            codes = tuple(c.strip().upper() for c in (match.group(2) or "").split(",")
                          if c.strip())
            scope = Scope.FILE if match.group(1) else Scope.LINE
            found.append(_make(path, data, offset, raw, match, scope, codes))
            understood = True
        for match in _NOLINT.finditer(text):
            entries = [e.strip() for e in (match.group(2) or "").split(",")]
            codes = tuple(e.removeprefix("amalint-").upper() for e in entries
                          if e.startswith("amalint-"))
            kind = match.group(1)
            if not codes:  # clang-tidy's alone, unless it spells an amalint code bare
                bare = [e for e in entries if _CODE.match(e)]
                if bare:
                    found.append(_make(path, data, offset, raw, match, Scope.INVALID, (), hint=(
                        f"NOLINT{kind or ''}({', '.join('amalint-' + e for e in bare)})")))
                continue
            sup = _make(path, data, offset, raw, match, _SCOPES[kind], codes)
            understood = True
            if kind == "BEGIN":
                opened.append(sup)
            elif kind == "END":
                begin = next((b for b in reversed(opened) if b.codes == codes), None)
                if begin is None:
                    found.append(replace(sup, scope=Scope.INVALID, hint="a NOLINTBEGIN("
                                         + ", ".join("amalint-" + c for c in codes)
                                         + ") before it"))
                else:
                    opened.remove(begin)
                    found.append(replace(begin, until=sup.location.line))
            else:
                found.append(sup)
        if not understood:
            found.extend(_not_understood(path, data, offset, raw, text))
    found.extend(replace(b, scope=Scope.INVALID, hint="a NOLINTEND(" + ", ".join(
        "amalint-" + c for c in b.codes) + ") after it") for b in opened)
    return found


_SCOPES = {None: Scope.LINE, "NEXTLINE": Scope.NEXT_LINE, "BEGIN": Scope.RANGE,
           "END": Scope.RANGE}


def _not_understood(path: Path, data: bytes, offset: int, raw: bytes,
                    text: str) -> Iterator[Suppression]:
    """Comments meant for amalint in a spelling it does not read: ruff's ``noqa: AM101``, an
    ``amalint:`` comment that names a rule without ``ignore``."""
    for match in _NOQA.finditer(text):
        codes = ",".join(c.strip().upper() for c in match.group(1).split(","))
        yield _make(path, data, offset, raw, match, Scope.INVALID, (),
                    hint=f"amalint: ignore[{codes}]")
    if not _NOQA.search(text):
        for match in _AMALINT_OTHER.finditer(text):
            yield _make(path, data, offset, raw, match, Scope.INVALID, (),
                        hint=f"amalint: ignore[{match.group(1).upper()}]")


def _make(path: Path, data: bytes, offset: int, raw: bytes, match: re.Match[str], scope: Scope,
          codes: tuple[str, ...], hint: str = "") -> Suppression:
    start = offset + len(raw.decode("utf-8", "replace")[: match.start()].encode())
    line = data.count(b"\n", 0, start) + 1
    line_start = data.rfind(b"\n", 0, start) + 1
    column = len(data[line_start:start].decode("utf-8", "replace")) + 1
    return Suppression(Location(path, line, column), Location(path, line, column + len(
        match.group(0))), match.group(0), scope, codes, line, hint)


@dataclass(frozen=True)
class IncludeGraph:
    """How the unit's files include each other: for each file, the include line that first
    brought it in; for each include line, the file it brought in."""

    parent: Mapping[Path, Location]
    included: Mapping[Location, Path]

    @classmethod
    def of(cls, files: Iterable[tuple[Path, Sequence[Include]]]) -> IncludeGraph:
        parent: dict[Path, Location] = {}
        included: dict[Location, Path] = {}
        for path, includes in files:
            for inc in includes:
                if inc.resolved is None:
                    continue
                where = Location(path, inc.line)
                included[where] = inc.resolved
                parent.setdefault(inc.resolved, where)
        return cls(parent, included)

    def lines(self, location: Location) -> list[Location]:
        """The finding's line and every include line leading to its file."""
        out = [Location(location.path, location.line)]
        seen = {location.path}
        path = location.path
        while (step := self.parent.get(path)) is not None and step.path not in seen:
            out.append(step)
            seen.add(step.path)
            path = step.path
        return out

    def files(self, location: Location) -> list[Path]:
        """The file a finding is in, and the file its line includes, if it is an include."""
        inner = self.included.get(Location(location.path, location.line))
        return [location.path] if inner is None else [location.path, inner]


def _selected(code: str, selectors: Iterable[str]) -> bool:
    return any(s == "ALL" or code.startswith(s) for s in selectors)


def per_file_ignored(finding: Finding, graph: IncludeGraph,
                     per_file_ignores: Sequence[tuple[Glob, tuple[str, ...]]]) -> bool:
    return any(_selected(finding.code, codes) for glob, codes in per_file_ignores
               for path in graph.files(finding.location) if glob.matches(path))


@dataclass(frozen=True)
class Outcome:
    kept: list[Finding]
    #: The include-order constraints of suppressed fixable findings.
    excluded: frozenset[tuple[int, int]]
    #: Suppressions that suppressed nothing, with the enabled codes among theirs that went
    #: unused (empty: a bare suppression), and the codes that name no rule.
    unused: list[tuple[Suppression, tuple[str, ...], tuple[str, ...]]]


def apply(
    findings: Sequence[Finding],
    suppressions: Sequence[Suppression],
    graph: IncludeGraph,
    per_file_ignores: Sequence[tuple[Glob, tuple[str, ...]]],
    enabled: Collection[str],
    known: Collection[str],
) -> Outcome:
    """Drop the findings that per-file ignores and suppressions cover; report which
    suppressions were unused or name unknown rules (``enabled``: codes of the selected rules,
    ``known``: all rule codes)."""
    by_line: dict[Location, list[Suppression]] = {}
    by_file: dict[Path, list[Suppression]] = {}
    ranges: dict[Path, list[Suppression]] = {}
    for sup in suppressions:
        if sup.scope is Scope.FILE:
            by_file.setdefault(sup.location.path, []).append(sup)
        elif sup.scope is Scope.RANGE:
            ranges.setdefault(sup.location.path, []).append(sup)
        elif sup.scope is not Scope.INVALID:
            by_line.setdefault(Location(sup.location.path, sup.line), []).append(sup)
    used: dict[Suppression, set[str]] = {}
    kept: list[Finding] = []
    excluded: set[tuple[int, int]] = set()
    for finding in findings:
        files = graph.files(finding.location)
        if per_file_ignored(finding, graph, per_file_ignores):
            if finding.fix is not None and finding.fix.constraint is not None:
                excluded.add(finding.fix.constraint)
            continue
        lines = graph.lines(finding.location)
        matching = [
            sup for where in lines for sup in by_line.get(where, ()) if sup.covers(finding.code)
        ] + [
            sup for where in lines for sup in ranges.get(where.path, ())
            if sup.location.line <= where.line <= sup.until and sup.covers(finding.code)
        ] + [sup for path in files for sup in by_file.get(path, ()) if sup.covers(finding.code)]
        for sup in matching:
            used.setdefault(sup, set()).add(finding.code)
        if not matching:
            kept.append(finding)
        elif finding.fix is not None and finding.fix.constraint is not None:
            excluded.add(finding.fix.constraint)
    return Outcome(kept, frozenset(excluded), list(_unused(suppressions, used, enabled, known)))


def _unused(
    suppressions: Sequence[Suppression], used: Mapping[Suppression, set[str]],
    enabled: Collection[str], known: Collection[str],
) -> Iterator[tuple[Suppression, tuple[str, ...], tuple[str, ...]]]:
    for sup in suppressions:
        if sup.scope is Scope.INVALID:
            yield sup, (), ()
            continue
        hits = used.get(sup, set())
        unknown = tuple(c for c in sup.codes
                        if not any(fnmatch.fnmatchcase(k, c) for k in known))
        if not sup.codes:
            if not hits:
                yield sup, (), ()
            continue
        idle = tuple(
            c for c in sup.codes
            if c not in unknown
            and any(fnmatch.fnmatchcase(e, c) for e in enabled)
            and not any(fnmatch.fnmatchcase(h, c) for h in hits)
        )
        if idle or unknown:
            yield sup, idle, unknown
