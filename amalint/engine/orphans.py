"""Sources the umbrella does not include but could: the file-system search behind AM205.

This is an edge of the engine, not analysis: it lists and reads files. When some start-up lookup
has no provider in the amalgamation (AM102), the sources near the amalgamation (the ``sources``
globs of the config, or the directories of the umbrella and of the sources it includes) whose
text holds the key as a string literal are candidates. Each candidate is checked for real: the
umbrella is built in memory with an ``#include`` of the candidate inserted before the first
include that needs the key (the start-up model only, with tree-sitter: the engine's ``build``
makes that trial), and the candidate counts if one of its initializers registers the key
there; whether that also satisfies every lookup of the key is recorded for the fix.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from amalint.analysis.effects import Analysis, Effect
from amalint.analysis.requirements import Requirement, Status, evaluate
from amalint.config.profiles import Role
from amalint.config.settings import Settings
from amalint.errors import InputError
from amalint.fix.solver import line_ending
from amalint.model import CodeModel, Umbrella
from amalint.scan.directives import SOURCE_SUFFIXES
from amalint.scan.search import SearchPath
from amalint.scan.sources import read_source, real
from amalint.scan.walk import walk

#: At most this many candidate sources are linted per umbrella.
MAX_CANDIDATES = 8

Build = Callable[[bytes], tuple[CodeModel, Analysis]]


@dataclass(frozen=True)
class Orphan:
    """A source not included that registers keys the amalgamation looks up in vain."""

    path: Path
    #: The registrations of the missing keys, as the in-memory lint found them.
    registrations: tuple[Effect, ...]
    #: The lookups they are for.
    lookups: tuple[Requirement, ...]
    #: Where the ``#include`` goes (a byte offset of the umbrella), and its line.
    offset: int
    line: bytes
    #: The umbrella include it goes before (``None``: after the last include).
    before: int | None
    #: Whether, included there, it satisfies every lookup of those keys.
    satisfies: bool


@dataclass
class Searched:
    """What the search read: the directories it listed and the sources it read, so that a
    cached result can tell whether the same search would find the same (:mod:`.cached`)."""

    directories: list[Path] = field(default_factory=list)
    files: list[tuple[Path, bytes]] = field(default_factory=list)


def candidates(settings: Settings, umbrella: Umbrella, files: Iterable[Path],
               visited: list[Path] | None = None) -> list[Path]:
    """Source files that are not part of the unit, where the config says to look, inside the
    project (regular files, not ignored by ``.gitignore`` or ``exclude``); the directories
    listed are added to ``visited``."""
    known = set(files) | {umbrella.path}
    root = settings.root
    if settings.sources:
        names: Iterable[Path] = (p for p in walk(root, SOURCE_SUFFIXES, settings.exclude,
                                                 visited=visited)
                                 if any(g.matches(p) for g in settings.sources))
    else:
        dirs = dict.fromkeys([umbrella.path.parent, *(inc.resolved.parent for inc in
                                                      umbrella.includes if inc.resolved)])
        names = (p for d in dirs if d.is_relative_to(root)
                 for p in walk(d, SOURCE_SUFFIXES, settings.exclude, project=root,
                               recursive=False, visited=visited))
    found: list[Path] = []
    for name in names:
        path = real(name)
        if path not in known and path.is_relative_to(root) and _utf8(path):
            known.add(path)
            found.append(path)
    return found


def _utf8(path: Path) -> bool:
    """Whether an ``#include`` line can name ``path`` in a UTF-8 umbrella."""
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def find_orphans(settings: Settings, model: CodeModel, requirements: Sequence[Requirement],
                 build: Build, searched: Searched | None = None) -> tuple[Orphan, ...]:
    """Sources near the amalgamation that register keys nothing in it provides; what the
    search read is recorded in ``searched``."""
    missing: dict[str, list[Requirement]] = {}
    for req in requirements:
        if req.status is Status.MISSING:
            missing.setdefault(req.lookup.key, []).append(req)
    if not missing:
        return ()
    out: list[Orphan] = []
    checked = 0
    visited = searched.directories if searched is not None else None
    for path in candidates(settings, model.umbrella, model.files, visited):
        try:
            data = read_source(path)
        except InputError:
            data = None
        if searched is not None:  # unreadable now: recorded empty, so any change is a miss
            searched.files.append((path, data or b""))
        if data is None:
            continue
        keys = [key for key in missing if b'"' + key.encode() + b'"' in data]
        if not keys or checked >= MAX_CANDIDATES:
            continue
        checked += 1
        orphan = _try(model.umbrella, path, [r for k in keys for r in missing[k]], build,
                      settings.search)
        if orphan is not None:
            out.append(orphan)
    return tuple(out)


def _try(umbrella: Umbrella, path: Path, lookups: list[Requirement],
         build: Build, search: SearchPath) -> Orphan | None:
    """Lint the umbrella with ``path`` included before the first include that needs it."""
    units = [r.consumer.unit for r in lookups if r.consumer.unit is not None]
    before = min(units) if units else None
    if before is not None:
        offset = umbrella.includes[before].comment_start_byte
        index = before
    elif umbrella.includes:
        offset, index = umbrella.includes[-1].end_byte, len(umbrella.includes)
    else:
        return None
    line = f'#include "{spelling(umbrella, path, search)}"'.encode() + line_ending(umbrella.data)
    data = umbrella.data
    if offset == len(data) and data and not data.endswith((b"\n", b"\r")):
        line = line_ending(data) + line.rstrip(b"\r\n")
    try:
        model, analysis = build(data[:offset] + line + data[offset:])
    except InputError:  # the candidate brings what cannot be read: it is no fix
        return None
    if len(model.umbrella.includes) <= index or model.umbrella.includes[index].resolved != path:
        return None
    keys = {r.lookup.key for r in lookups}
    registrations = tuple(
        effect for entry, effects in analysis.effects.items() if entry.unit == index
        for effect in effects if effect.role is Role.PROVIDER and effect.key in keys
    )
    if not registrations:
        return None
    provided = {e.key for e in registrations}
    satisfies = all(r.status is Status.SATISFIED for r in evaluate(analysis)
                    if r.lookup.key in provided)
    return Orphan(path, registrations, tuple(r for r in lookups if r.lookup.key in provided),
                  offset, line, before, satisfies)


def spelling(umbrella: Umbrella, path: Path, search: SearchPath) -> str:
    """How the umbrella should spell an ``#include`` of ``path``: relative to the directory its
    other quoted includes are spelled from (its own, an ``-iquote``/``-I`` directory, or the
    project root), so ``"3rdparty/x.cc"`` rather than ``"../../3rdparty/x.cc"``; the spelling
    must find ``path`` again."""
    here = umbrella.path.parent
    bases = list(dict.fromkeys([here, *search.quote_dirs, *search.include_dirs,
                                *([search.root] if search.root else [])]))
    votes: Counter[Path] = Counter()
    for inc in umbrella.includes:
        if inc.resolved is None or inc.angled:
            continue
        base = next((b for b in bases if real(b / inc.spelling) == inc.resolved), None)
        if base is not None:
            votes[base] += 1
    for base in sorted(bases, key=lambda b: -votes[b]):
        relative = os.path.relpath(path, base)
        if relative.startswith(".."):
            continue
        written = Path(relative).as_posix()
        if search.resolve(written, False, here) == path:
            return written
    return Path(os.path.relpath(path, here)).as_posix()
