"""Which function the unity build binds each call of an overloaded name to, as clang resolved
it: for names that functions defined in two or more project files share (the overload capture
of AM201), each ``name(`` in the unit's project files is looked up in the translation unit
(``clang_getCursor``), and a reference to a function gives where it is defined. A call
clang could not resolve (an ambiguity, an error) gives nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from amalint.model import Location

if TYPE_CHECKING:
    from amalint.frontends.libclang.builder import Builder


def call_targets(builder: Builder,
                 names: Iterable[str]) -> tuple[tuple[Location, Location], ...]:
    """For each call of one of ``names`` in a project file: where the called name is, and
    where the function clang chose is defined (else declared)."""
    ci, tu = builder.ci, builder.tu
    wanted = sorted(names)
    if not wanted:
        return ()
    pattern = re.compile(rb"\b(?:" + b"|".join(re.escape(n.encode()) for n in wanted)
                         + rb")\s*\(")
    out: list[tuple[Location, Location]] = []
    for src in builder.unit.files:
        data = src.data
        file = None
        for match in pattern.finditer(data):
            if file is None:
                file = tu.get_file(str(src.path))
            start = data.rfind(b"\n", 0, match.start()) + 1
            line = data.count(b"\n", 0, match.start()) + 1
            column = match.start() - start + 1
            cursor = ci.Cursor.from_location(
                tu, ci.SourceLocation.from_position(tu, file, line, column))
            if cursor is None or cursor.kind != ci.CursorKind.DECL_REF_EXPR:
                continue
            ref = cursor.referenced
            if ref is None or ref.kind != ci.CursorKind.FUNCTION_DECL:
                continue
            target = ref.get_definition() or ref
            if target.location.file is not None:
                out.append((Location(src.path, line, column), Location(
                    builder.path(target.location.file.name), target.location.line,
                    target.location.column)))
    return tuple(out)
