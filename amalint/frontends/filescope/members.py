"""Members a file accesses that only a class of an earlier umbrella include declares.

A header may forward-declare a class (``class FilterPolicy;``) that its source then uses
through a pointer: ``policy_->CreateFilter(...)`` needs the class's definition, which the
source compiled alone may not read (leveldb's ``filter_block.cc`` without
``leveldb/filter_policy.h``). Without types, the tell is the member's name: accessed after
``.`` or ``->``, declared as a member by a class body of a file an earlier umbrella include
reads, and by none of the files the source reads alone (nor spelled by a system header it
reads alone, which :func:`.system_names.system_names` checks). Whatever the object's type,
compiled alone no class the source can see has that member, so the access does not compile.

A member no project class body declares, and no project file the source reads alone spells,
may be a system type's (c-ares's ``ares_free_hostent.c`` accesses ``host->h_name`` of a
``struct hostent`` its headers only forward-declare): :func:`.system_names.system_names` then
looks for it in the system headers, those an earlier include reads and those it reads alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from os.path import normpath

from amalint import preprocess
from amalint.frontends.filescope.complete import in_template
from amalint.frontends.filescope.source import FileText, blank, words
from amalint.frontends.treesitter.syntax import parse

#: A member access: ``.`` or ``->`` and a name, not a qualifier (``this->Base::f()``).
_ACCESS = re.compile(rb"(?:->|(?<!\.)\.(?![.\d]))\s*([A-Za-z_]\w*)\b(?!\s*::)")


def member_candidates(pp: preprocess.Unit, files: Sequence[FileText],
                      firsts: Mapping[int, FileText], reads: Mapping[str, set[int]]
                      ) -> tuple[dict[int, dict[str, int]], dict[int, set[str]],
                                 dict[int, dict[str, int]]]:
    """For each first read (by index in ``files``), the member names it accesses and the
    offset of the first access; for each umbrella include, the names among those that
    only earlier includes' class bodies declare (see the module docstring); and for each first
    read, the names it accesses that no project class body declares and no project file it
    reads alone spells (a system type's member, which :func:`.system_names.system_names`
    looks for in the system headers)."""
    by_path: dict[str, set[str]] = {}
    first_unit: dict[str, int] = {}
    texts: dict[str, bytes] = {}
    #: what the umbrella's text and a forced include (CMake's precompiled header) read: every
    #: source reads it alone too
    prelude: set[str] = set()
    for f in files:
        if f.source.inclusion is None:
            continue
        path = normpath(pp.inclusions[f.source.inclusion].path)
        texts.setdefault(path, f.source.code or f.source.data)
        names = {name for name, _ in f.members}
        by_path.setdefault(path, set()).update(names)
        if f.source.unit is None:
            prelude.add(path)
            continue
        for name in names:
            first_unit[name] = min(first_unit.get(name, f.source.unit), f.source.unit)
    spelled: dict[str, frozenset[str]] = {}  # the words of each file, computed when asked
    declared = set().union(*by_path.values())
    accessed: dict[int, dict[str, int]] = {}
    candidates: dict[int, set[str]] = {}
    unknown: dict[int, dict[str, int]] = {}
    for index, f in firsts.items():
        unit = f.source.unit
        assert unit is not None
        every = dict(_accesses(f))
        found = {name: at for name, at in every.items() if first_unit.get(name, unit) < unit}
        others = {name: at for name, at in every.items() if name not in declared}
        if not found and not others:
            continue
        here = normpath(pp.inclusions[f.source.inclusion].path) \
            if f.source.inclusion is not None else ""
        closure = [path for path in by_path if path in prelude or unit in reads.get(path, ())]
        # any word of another file it reads alone may be the member (of a class template, a
        # class the parse did not make out, a base): only a name none of them spells counts
        unspelled = {name for name in (*found, *others)
                     if not any(name in _words(spelled, path, texts[path])
                                for path in closure if path != here)}
        if others.keys() & unspelled:
            unknown[index] = {name: at for name, at in others.items() if name in unspelled}
        names = {name for name in found if name in unspelled
                 and not any(name in by_path[path] for path in closure)}
        if names:
            found = not_dependent(f, names)
            names &= set(found)
        if names:
            accessed[index] = found
            candidates.setdefault(unit, set()).update(names)
    return accessed, candidates, unknown


def not_dependent(file: FileText, names: set[str]) -> dict[str, int]:
    """The accesses of ``names`` in ``file`` outside templates (whose objects' types may be
    template parameters, checked only when instantiated), each at its first such offset."""
    code = file.source.code or file.source.data
    root = parse(code).root_node
    out: dict[str, int] = {}
    for name, at in _accesses(file, all_of=names):
        if name not in out and not in_template(root.descendant_for_byte_range(at, at + 1)):
            out[name] = at
    return out


def _words(memo: dict[str, frozenset[str]], path: str, text: bytes) -> frozenset[str]:
    if path not in memo:
        memo[path] = words(text)
    return memo[path]


def _accesses(file: FileText, all_of: set[str] | None = None) -> list[tuple[str, int]]:
    """The member names ``file``'s compiled code accesses and where (directive lines left
    out): the first access of each, or every access of the names ``all_of``."""
    code = blank(file.source.code or file.source.data)
    directive_lines = {i for i, kind in enumerate(file.kinds) if kind == "directive"}
    out: list[tuple[str, int]] = []
    seen: set[str] = set()
    for m in _ACCESS.finditer(code):
        name = m.group(1).decode()
        if (name in all_of if all_of is not None else name not in seen) \
                and file.line_index(m.start(1)) not in directive_lines:
            seen.add(name)
            out.append((name, m.start(1)))
    return out
