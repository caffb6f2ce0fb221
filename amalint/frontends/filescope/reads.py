"""Each read of a file of the unit, as the file-scope pass parses it: with the preprocessor, its
file-scope code with macros expanded (a read inside a function or class body has none); without,
its bytes as they are."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import replace

from amalint import preprocess
from amalint.frontends.filescope.expansion import Expanded, expand, macro_names
from amalint.frontends.filescope.macros import defines_of
from amalint.frontends.filescope.source import FileText, blank, include_guard
from amalint.frontends.treesitter.syntax import parse, parse_edited
from amalint.scan.unit import Unit


def read_files(unit: Unit, macros: frozenset[str]) -> list[FileText]:
    """Each read of a file of the unit, parsed: with the preprocessor, its file-scope code
    with macros expanded; without, its bytes as they are (a file read again, or a read whose
    file-scope code no macro changed, is a text parsed already: :func:`.syntax.parse`)."""
    pp = unit.preprocessed
    out: list[FileText] = []
    if pp is None:
        #: Every macro the unit's files define: a declaration "named" by one is a macro
        #: invocation whose expansion makes the real name, which only a preprocessor knows.
        macros |= {name for f in unit.files for _, name, _ in defines_of(f.directives.directives)}
        for source in unit.reads:  # a header without guard read twice is here twice
            blanked = blank(source.data)
            out.append(FileText(source, source.data.split(b"\n"), tree=parse(source.data),
                                guard=include_guard(blanked, source.directives.directives),
                                blanked=blanked, unexpanded=macros))
        return out
    names = macro_names(pp)
    counter = itertools.count()
    #: Per inclusion read: its expanded text and the ranges of it that are not file scope
    #: (``None``: none of it is, for a read inside a body).
    inside: dict[int, tuple[Expanded, list[tuple[int, int]]] | None] = {}
    for source in unit.reads:
        assert source.inclusion is not None
        inclusion = pp.inclusions[source.inclusion]
        code = blank(source.code)
        inner = nested(inside, inclusion)
        if inner:
            # read inside a function, class, enum or initializer body: what it declares is
            # not file scope (an X-macro list of members, a table's rows, local code)
            source = replace(source, code=b" " * len(source.code))
            code = source.code
        expanded = expand(pp, inclusion, source.code, code, names, counter)
        tree = parse_edited(source.code, expanded.text, expanded.edits())
        read = FileText(source, source.data.split(b"\n"), tree=tree,
                        guard=inclusion.guard or include_guard(
                            blank(source.data), source.directives.directives),
                        blanked=blank(expanded.text), expanded=expanded, unexpanded=macros,
                        unread=inclusion.guard is not None
                        and pp.macro_at(inclusion.guard, inclusion.prefix) is not None)
        inside[inclusion.index] = None if inner else (expanded, read.braces)
        out.append(read)
    return out


def nested(inside: Mapping[int, tuple[Expanded, list[tuple[int, int]]] | None],
            inclusion: preprocess.Inclusion) -> bool:
    """Whether ``inclusion``'s ``#include`` sits inside a body of its includer (or its includer
    was itself read inside one)."""
    if inclusion.parent is None or inclusion.parent not in inside:
        return False
    parent = inside[inclusion.parent]
    if parent is None:
        return True
    expanded, ranges = parent
    offset = expanded.at(inclusion.offset)
    return any(a < offset < b for a, b in ranges)
