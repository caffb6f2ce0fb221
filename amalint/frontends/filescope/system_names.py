"""Names a source uses that only system headers declare, and which earlier include reads them.

System headers are not parsed for declarations. A word of a system header's compiled text (its
active lines, comments and literals blanked) stands for a declaration there: a source that uses
a name no project file declares, which is a word of a system header an earlier umbrella include
reads, and a word of no system header the source reads alone, depends on that earlier
include (a project header it reads that declares the name is a project declaration, found as
such). Compiled alone, such a source uses a name nothing it reads even spells, so it
does not compile (the compiler's builtins and reserved names, ``__x`` and ``_X``, are left out).
What this cannot tell: a word that a system header spells without declaring it (a parameter's
name, a member) counts as declared; it errs toward saying nothing, since the source's own
closure is checked the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from amalint import preprocess
from amalint.frontends.filescope.source import blank
from amalint.model import Location, SystemName

_WORD = re.compile(rb"\b[A-Za-z_]\w*")
_RESERVED = re.compile(r"__|_[A-Z]")


def library_header(path: Path) -> bool:
    """Whether ``path`` is a header of the C++ library (libstdc++ or libc++), whose words are
    mostly members and template parameters rather than names a source may use unqualified."""
    return "c++" in path.parts


def system_names(pp: preprocess.Unit, reads: Mapping[str, set[int]],
                 wanted: Mapping[int, Iterable[str]], written: Mapping[tuple[str, int], str]
                 ) -> dict[int, dict[str, list[SystemName]]]:
    """For each umbrella include of ``wanted`` (ordinal -> names its source uses that no
    project file declares), the names among them that a system header an earlier include
    reads spells, and no system header it reads alone does: for each, the first such header
    of the C library and the first of the C++ library (see :func:`library_header`), either
    missing. ``reads`` maps each file's path to the umbrella includes that read it alone (see
    :func:`.references.unit_references`); ``written`` spells the ``#include`` at (path, line)
    of a project file (``<vector>``)."""
    candidates = {name for names in wanted.values() for name in names
                  if not _RESERVED.match(name) and name not in pp.initial}
    if not candidates:
        return {}
    inclusions = pp.inclusions
    spelled: dict[str, set[str]] = {}  # path -> the candidates its compiled text spells
    #: (name, in the C++ library) -> (unit, line, inclusion) of its first spelling
    first: dict[tuple[str, bool], tuple[int, int, preprocess.Inclusion]] = {}

    def spell(name: str, inc: preprocess.Inclusion, line: Callable[[], int]) -> None:
        spelled.setdefault(inc.path, set()).add(name)
        readers = reads.get(inc.path)
        key = (name, library_header(Path(inc.path)))
        if readers and (key not in first or min(readers) < first[key][0]):
            first[key] = (min(readers), line(), inc)

    for inc in inclusions:
        if inc.skipped is not None or not inc.system or inc.path in spelled:
            continue
        spelled[inc.path] = set()
        for m in _WORD.finditer(blank(pp.active_text(inc))):
            name = m.group(0).decode()
            if name in candidates and name not in spelled[inc.path]:
                spell(name, inc, lambda: pp.line_of(inc, m.start()))  # noqa: B023
    for event in pp.events:  # directives are blanked: a macro is spelled by its #define
        at = inclusions[event.inclusion] if event.inclusion is not None else None
        if event.kind == "define" and at is not None and at.system \
                and event.name in candidates:
            spell(event.name, at, lambda: event.line)  # noqa: B023
    # what the umbrella's own text and forced includes read, every source reads alone too
    everyone = {name for inc in inclusions if inc.unit is None
                for name in spelled.get(inc.path, ())}
    out: dict[int, dict[str, list[SystemName]]] = {}
    for current, names in wanted.items():
        for name in names:
            if name in everyone or any(name in spelled.get(path, ()) for path, readers
                                       in reads.items() if current in readers):
                continue  # a system header the source reads alone spells it
            for library in (False, True):
                origin = first.get((name, library))
                entry = _entry(inclusions, origin[2]) if origin is not None \
                    and origin[0] < current else None
                if origin is None or entry is None:
                    continue
                top, via = entry
                spelling = written.get((str(via.path), via.line), f"<{Path(top).name}>")
                out.setdefault(current, {}).setdefault(name, []).append(SystemName(
                    Path(origin[2].path), origin[1], origin[0], Path(top), via, spelling))
    return out


def _entry(inclusions: tuple[preprocess.Inclusion, ...], inc: preprocess.Inclusion
           ) -> tuple[str, Location] | None:
    """The system header a project file includes on the way to ``inc``, and that
    ``#include``'s place."""
    while inc.parent is not None and inclusions[inc.parent].system:
        inc = inclusions[inc.parent]
    if inc.parent is None:
        return None
    return inc.path, Location(Path(inclusions[inc.parent].path), inc.line)
