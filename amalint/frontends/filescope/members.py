"""Members a file accesses that only a class of an earlier umbrella include declares.

A header may forward-declare a class (``class FilterPolicy;``) that its source then uses
through a pointer: ``policy_->CreateFilter(...)`` needs the class's definition, which the
source compiled alone may not read (leveldb's ``filter_block.cc`` without
``leveldb/filter_policy.h``). Without types, the tell is the member's name: accessed after
``.`` or ``->``, declared as a member by a class body of a file an earlier umbrella include
reads, and by none of the files the source reads alone (nor spelled by a system header it
reads alone, which :func:`.system_names.system_names` checks). Whatever the object's type,
compiled alone no class the source can see has that member, so the access does not compile.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from os.path import normpath

from amalint import preprocess
from amalint.frontends.filescope.source import FileText, blank

#: A member access: ``.`` or ``->`` and a name, not a qualifier (``this->Base::f()``).
_ACCESS = re.compile(rb"(?:->|(?<!\.)\.(?![.\d]))\s*([A-Za-z_]\w*)\b(?!\s*::)")


def member_candidates(pp: preprocess.Unit, files: Sequence[FileText],
                      firsts: Mapping[int, FileText], reads: Mapping[str, set[int]]
                      ) -> tuple[dict[int, dict[str, int]], dict[int, set[str]]]:
    """For each first read (by index in ``files``), the member names it accesses and the
    offset of the first access; and for each umbrella include, the names among those that
    only earlier includes' class bodies declare (see the module docstring)."""
    by_path: dict[str, set[str]] = {}
    first_unit: dict[str, int] = {}
    for f in files:
        if f.source.unit is None or f.source.inclusion is None or not f.members:
            continue
        names = {name for name, _ in f.members}
        by_path.setdefault(normpath(pp.inclusions[f.source.inclusion].path), set()).update(names)
        for name in names:
            first_unit[name] = min(first_unit.get(name, f.source.unit), f.source.unit)
    accessed: dict[int, dict[str, int]] = {}
    candidates: dict[int, set[str]] = {}
    for index, f in firsts.items():
        unit = f.source.unit
        assert unit is not None
        found = {name: at for name, at in _accesses(f).items()
                 if first_unit.get(name, unit) < unit}
        if not found:
            continue
        own = {name for path, names in by_path.items() if unit in reads.get(path, ())
               for name in names}
        if names := set(found) - own:
            accessed[index] = found
            candidates.setdefault(unit, set()).update(names)
    return accessed, candidates


def _accesses(file: FileText) -> dict[str, int]:
    """Each member name ``file``'s compiled code accesses, and the offset of the first access
    (directive lines left out)."""
    code = blank(file.source.code or file.source.data)
    directive_lines = {i for i, kind in enumerate(file.kinds) if kind == "directive"}
    out: dict[str, int] = {}
    for m in _ACCESS.finditer(code):
        name = m.group(1).decode()
        if name not in out and file.line_index(m.start(1)) not in directive_lines:
            out[name] = m.start(1)
    return out
