"""Names a source uses that only system headers declare, and which earlier include reads them.

System headers are not parsed for declarations. A word of a system header's compiled text
(its active lines, comments and literals left out; in a C library header, only the words
outside parentheses and braces, so not a parameter, member or local) stands for a declaration
there: a source that uses a name no project file declares, which is a word of a system header
an earlier umbrella include reads, and a word of no system header the source reads alone,
depends on that earlier include (a project header it reads that declares the name is a project
declaration, found as such). Compiled alone, such a source uses a name nothing it reads even
spells, so it does not compile (the compiler's builtins and reserved names, ``__x`` and
``_X``, are left out).
What this cannot tell: a word that a system header spells without declaring it (a parameter's
name, a member) counts as declared; it errs toward saying nothing, since the source's own
closure is checked the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from os.path import normpath
from pathlib import Path

from amalint import preprocess
from amalint.model import Location, SystemName

#: Comments and literals (matched to be skipped: group 1 is empty) or an identifier (group 1),
#: in one pass (blanking first costs three times as much on the C++ library's headers).
_WORD = re.compile(rb"//[^\n]*|/\*[\s\S]*?\*/|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'"
                   rb"|\b([A-Za-z_]\w*)")
_RESERVED = re.compile(r"__|_[A-Z]")
_NOISE = re.compile(_WORD.pattern.rsplit(b"|", 1)[0])
_NESTED = re.compile(rb"\([^()]*\)|\{[^{}]*\}")
_IDENTIFIER = re.compile(rb"\b[A-Za-z_]\w*")


def library_header(path: Path) -> bool:
    """Whether ``path`` is a header of the C++ library (libstdc++ or libc++), whose words are
    mostly members and template parameters rather than names a source may use unqualified."""
    return "c++" in path.parts


def system_names(pp: preprocess.Unit, reads: Mapping[str, set[int]],
                 wanted: Mapping[int, Iterable[str]], written: Mapping[tuple[str, int], str],
                 members: dict[int, set[str]] | None = None,
                 unknown: Mapping[int, Iterable[str]] | None = None
                 ) -> tuple[dict[int, dict[str, list[SystemName]]],
                            dict[int, dict[str, list[SystemName]]]]:
    """For each umbrella include of ``wanted`` (ordinal -> names its source uses that no
    project file declares), the names among them that a system header an earlier include
    reads spells, and no system header it reads alone does: for each, the first such header
    of the C library and the first of the C++ library (see :func:`library_header`), either
    missing. ``reads`` maps each file's path to the umbrella includes that read it alone (see
    :func:`.references.unit_references`); ``written`` spells the ``#include`` at (path, line)
    of a project file (``<vector>``). ``members`` (ordinal -> member names its source
    accesses), if given, keeps of each set only the names no system header that source reads
    alone spells (a member of a system type it may access). ``unknown`` (ordinal -> member
    names its source accesses that no project file declares): the second mapping returned
    has, as the first does for ``wanted``, the names of them that a system header an earlier
    include reads spells anywhere (a member of a system type: ``h_name`` of ``struct
    hostent``), and no system header the source reads alone does."""
    members = members if members is not None else {}
    unknown = unknown if unknown is not None else {}
    candidates = {name.encode() for names in (*wanted.values(), *members.values(),
                                              *unknown.values())
                  for name in names if not _RESERVED.match(name) and name not in pp.initial}
    if not candidates:
        return {}, {}
    inclusions = pp.inclusions
    declared = _Spellings(reads)  # the words a system header may declare
    anywhere = _Spellings(reads)  # every word: a member's name too
    wanted_members = {name.encode() for names in (*members.values(), *unknown.values())
                      for name in names}
    seen: set[tuple[str, tuple[tuple[int, int], ...]]] = set()
    for inc in inclusions:  # each read: a header without guard compiles other lines each time
        if inc.skipped is not None or not inc.system:
            continue
        read = (inc.path, pp.active_ranges(inc))
        if read in seen:
            continue
        seen.add(read)
        text = pp.active_text(inc)
        library = library_header(Path(inc.path))
        every = _words(text, True) if library or wanted_members else set()
        for word in (every if library else _words(text, False)) & candidates:
            declared.spell(word.decode(), inc, library)
        for word in every & wanted_members:
            anywhere.spell(word.decode(), inc, library)
    for event in pp.events:  # directives are blanked: a macro is spelled by its #define
        at = inclusions[event.inclusion] if event.inclusion is not None else None
        if event.kind == "define" and at is not None and at.system \
                and event.name.encode() in candidates:
            library = library_header(Path(at.path))
            for spellings in (declared, anywhere):
                spellings.defined.setdefault((at.index, event.name), event.line)
                spellings.spell(event.name, at, library)
    # what the umbrella's own text and forced includes read, every source reads alone too
    everyone = {normpath(inc.path) for inc in inclusions if inc.unit is None}
    for current, accessed in members.items():
        accessed -= {name for name in accessed if anywhere.alone(name, current, everyone)}
    return ({current: found for current, names in wanted.items()
             if (found := declared.origins(pp, names, current, everyone, written))},
            {current: found for current, names in unknown.items()
             if (found := anywhere.origins(pp, names, current, everyone, written))})


class _Spellings:
    """Which system headers spell each name, and the first read of one by an umbrella include,
    in the C library and in the C++ library (see :func:`library_header`)."""

    def __init__(self, reads: Mapping[str, set[int]]) -> None:
        self.reads = reads
        #: name -> the system headers whose compiled text (or #define) spells it
        self.spelled: dict[str, set[str]] = {}
        #: (name, in the C++ library) -> (unit, inclusion) of its first spelling
        self.first: dict[tuple[str, bool], tuple[int, preprocess.Inclusion]] = {}
        #: (inclusion, name) -> the line of a #define that spells it
        self.defined: dict[tuple[int, str], int] = {}

    def spell(self, name: str, inc: preprocess.Inclusion, library: bool) -> None:
        path = normpath(inc.path)
        self.spelled.setdefault(name, set()).add(path)
        readers = self.reads.get(path)
        key = (name, library)
        if readers and (key not in self.first or min(readers) < self.first[key][0]):
            self.first[key] = (min(readers), inc)

    def alone(self, name: str, current: int, everyone: set[str]) -> bool:
        """Whether a system header umbrella include ``current`` reads alone spells ``name``."""
        return any(p in everyone or current in self.reads.get(p, ())
                   for p in self.spelled.get(name, ()))

    def origins(self, pp: preprocess.Unit, names: Iterable[str], current: int,
                everyone: set[str], written: Mapping[tuple[str, int], str]
                ) -> dict[str, list[SystemName]]:
        """Of ``names``, those only a system header an earlier include reads spells, each with
        the first such header of the C library and of the C++ library."""
        out: dict[str, list[SystemName]] = {}
        for name in names:
            if self.alone(name, current, everyone):
                continue  # a system header the source reads alone spells it
            for library in (False, True):
                origin = self.first.get((name, library))
                entry = _entry(pp.inclusions, origin[1]) if origin is not None \
                    and origin[0] < current else None
                if origin is None or entry is None:
                    continue
                top, via = entry
                spelling = written.get((str(via.path), via.line), f"<{Path(top).name}>")
                line = self.defined.get((origin[1].index, name)) or _line(pp, origin[1], name)
                out.setdefault(name, []).append(SystemName(
                    Path(origin[1].path), line, origin[0], Path(top), via, spelling))
        return out


def _words(text: bytes, library: bool) -> set[bytes]:
    """The identifiers of a system header's compiled text; of a C library header, only those
    outside parentheses and braces (a declaration's name, not its parameters', members' or
    locals')."""
    if library:
        return set(_WORD.findall(text)) - {b""}
    text = _NOISE.sub(b" ", text)
    while True:
        inner = _NESTED.sub(b" ", text)
        if inner == text:
            return set(_IDENTIFIER.findall(text))
        text = inner


def _line(pp: preprocess.Unit, inc: preprocess.Inclusion, name: str) -> int:
    """The line of the first spelling of ``name`` in the compiled text of ``inc``'s file."""
    pattern = re.compile(_NOISE.pattern + rb"|\b(" + re.escape(name.encode()) + rb")\b")
    for found in pattern.finditer(pp.active_text(inc)):
        if found.group(1):
            return pp.line_of(inc, found.start())
    return 1


def _entry(inclusions: tuple[preprocess.Inclusion, ...], inc: preprocess.Inclusion
           ) -> tuple[str, Location] | None:
    """The system header a project file includes on the way to ``inc``, and that
    ``#include``'s place."""
    while inc.parent is not None and inclusions[inc.parent].system:
        inc = inclusions[inc.parent]
    if inc.parent is None:
        return None
    return inc.path, Location(Path(inclusions[inc.parent].path), inc.line)
