"""The translation unit as text: the umbrella and every project file it reaches, in the order the
compiler reads them. Shared by all front ends; all file reading of the unit happens here.

When the build's flags are known, the preprocessor reads the unit as the compiler does
(:mod:`.preprocessed`): only active branches, guards honoured, each file's compiled text. Else
every ``#include`` is followed, each file read once, at its first inclusion (headers have include
guards; a source included twice is reported by its own rule), and every branch counts. A file's
*prefix* is the byte offsets of the ``#include`` lines leading to it, so ``prefix + (offset,)``
orders any two points of the amalgamated text.

The front ends get each file's bytes with line breaks where the compiler sees them
(:func:`compiler_view`: a lone CR is one), offset for offset; the umbrella's own bytes stay as
they are, for the fixer. An include that resolves to nothing is recorded (see
:mod:`amalint.scan.missing`); one that would open a FIFO or a device is an input error, since the
compiler (and libclang) would block on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from amalint import preprocess
from amalint.config.settings import Settings
from amalint.errors import InputError
from amalint.model import Diagnostic, Include, Location, Umbrella
from amalint.scan.directives import FileDirectives, is_source, scan
from amalint.scan.sources import check_utf8, compiler_view, display, read_source, real

_QUOTED_OR_ANGLED = re.compile(rb"^\s*#\s*include\s*[<\"]")


@dataclass(frozen=True)
class SourceFile:
    path: Path
    #: The bytes as the compiler reads them (see :func:`compiler_view`).
    data: bytes
    directives: FileDirectives
    prefix: tuple[int, ...]
    unit: int | None
    #: What the compiler compiles of ``data``: inactive and directive lines blanked (offsets
    #: kept), when the preprocessor ran; empty otherwise (then every line counts).
    code: bytes = b""
    #: The preprocessor's inclusion index, when it ran.
    inclusion: int | None = None

    @property
    def text(self) -> bytes:
        """The bytes a front end parses."""
        return self.code or self.data


@dataclass(frozen=True)
class Missing:
    """An ``#include "..."`` or ``#include <...>`` that resolved to nothing."""

    location: Location
    include: Include
    #: Inside an ``#if`` branch (other than the file's include guard): the compiler may never
    #: read it with the build's configuration.
    conditional: bool = False


@dataclass(frozen=True)
class Unit:
    umbrella: Umbrella
    files: tuple[SourceFile, ...]
    diagnostics: tuple[Diagnostic, ...]
    #: Includes that resolved to nothing (system headers among them).
    missing: tuple[Missing, ...] = ()
    #: Includes found only through the project root (tried last, as ``-idirafter``).
    via_root: tuple[Location, ...] = ()
    #: The preprocessor's view when the build's flags are known; ``None``: every branch counts.
    preprocessed: preprocess.Unit | None = None
    #: Every time a project file is read (a header without include guard read through two
    #: sources is here twice); the same as ``files`` without the preprocessor.
    inclusions: tuple[SourceFile, ...] = ()

    @property
    def reads(self) -> tuple[SourceFile, ...]:
        return self.inclusions or self.files


def load_unit(umbrella_path: Path, settings: Settings, data: bytes | None = None) -> Unit:
    """Read the umbrella and everything it reaches; raise :class:`InputError` if the umbrella
    itself cannot be linted. ``data``, if given, stands for the umbrella's bytes (a fix being
    checked before it is written)."""
    if data is None:
        data = read_source(umbrella_path)
    path = real(umbrella_path)
    check_utf8(umbrella_path, data)
    directives = scan(data, path, settings.search)
    umbrella = Umbrella(path=path, data=data, includes=directives.includes)
    from amalint.scan import preprocessed

    return preprocessed.load(path, settings, data, umbrella)
    loader = _Loader(path, settings)
    loader.walk(SourceFile(path, compiler_view(data), directives, (), None))
    reread = len(loader.reads) > len(loader.files)
    return Unit(umbrella=umbrella, files=tuple(loader.files.values()),
                diagnostics=tuple(loader.diagnostics), missing=tuple(loader.missing),
                via_root=tuple(loader.via_root),
                inclusions=tuple(loader.reads) if reread else ())


class _Loader:
    """A depth-first walk of the includes (iterative: include chains may be deep). A header
    without include guard is read again for each umbrella include that reaches it, as the
    compiler reads it (``reads``); a source included twice is AM204's, read once here."""

    def __init__(self, umbrella: Path, settings: Settings) -> None:
        self.umbrella = umbrella
        self.search = settings.search
        self.files: dict[Path, SourceFile] = {}
        self.reads: list[SourceFile] = []
        #: The umbrella includes through which each file was read.
        self.read_by: dict[Path, set[int | None]] = {}
        self.diagnostics: list[Diagnostic] = []
        self.missing: list[Missing] = []
        self.via_root: list[Location] = []

    def walk(self, top: SourceFile) -> None:
        self._read(top)
        #: Each file being read, its pending includes, and whether the include that brought it
        #: in sits in an ``#if`` branch.
        stack: list[tuple[SourceFile, Iterator[tuple[int, Include]], bool]] = [
            (top, iter(enumerate(top.directives.includes)), False)]
        while stack:
            src, pending, _ = stack[-1]
            step = next(pending, None)
            if step is None:
                stack.pop()
                continue
            index, inc = step
            child = self._child(src, index, inc, [(s, c) for s, _, c in stack])
            if child is not None:
                self._read(child)
                stack.append((child, iter(enumerate(child.directives.includes)),
                              conditional(src, inc)))

    def _read(self, source: SourceFile) -> None:
        self.files.setdefault(source.path, source)
        self.reads.append(source)
        self.read_by.setdefault(source.path, set()).add(source.unit)

    def _child(self, src: SourceFile, index: int, inc: Include,
               stack: list[tuple[SourceFile, bool]]) -> SourceFile | None:
        """The file ``inc`` brings in for the first time, or again (a header without guard
        reached through another umbrella include), if any. ``stack``: the files being read,
        each with whether it was included from inside an ``#if`` branch."""
        unit = index if src.unit is None and src.path == self.umbrella else src.unit
        where = Location(src.path, inc.line)
        irregular = self.search.irregular(inc.spelling, inc.angled, src.path.parent)
        if irregular is not None:
            raise InputError(f"{display(where.path)}:{where.line}: {inc.target} is not a regular "
                             f"file ({display(irregular)}); the compiler would block or fail "
                             "reading it")
        if inc.resolved is None:
            if _QUOTED_OR_ANGLED.match(inc.text):
                self.missing.append(Missing(where, inc, conditional(src, inc)))
            if not inc.angled and not is_source(inc.spelling) and src.path == self.umbrella:
                self.diagnostics.append(Diagnostic(where, f"cannot find include {inc.target}"))
            return None
        root = self.search.root
        if not inc.angled and root is not None and src.path.parent != root and \
                self.search.resolve_without_root(inc.spelling, False, src.path.parent) is None:
            self.via_root.append(where)
        paths = [s.path for s, _ in stack]
        if inc.resolved in paths:
            start = paths.index(inc.resolved)
            cycle = stack[start:]
            # A guard breaks the cycle, and so may any #if an include of it sits in (#if 0, or
            # a file including itself once under a macro it defines first): every branch
            # counts here, so only a cycle of unconditional includes is certain.
            if not any(s.directives.guarded for s, _ in cycle) and not conditional(src, inc) \
                    and not any(entered for _, entered in cycle[1:]):
                names = " -> ".join(p.name for p in (*paths[start:], inc.resolved))
                self.diagnostics.append(Diagnostic(
                    where, f"include cycle that no include guard breaks: {names}"))
            return None
        if inc.resolved in self.files:
            first = self.files[inc.resolved]
            if first.directives.guarded or is_source(inc.resolved) \
                    or unit in self.read_by[inc.resolved]:
                return None
            return replace(first, prefix=(*src.prefix, inc.start_byte), unit=unit)
        try:
            data = read_source(inc.resolved)
        except InputError as exc:
            self.diagnostics.append(Diagnostic(where, f"skipped include {inc.target}: {exc}"))
            return None
        try:
            check_utf8(inc.resolved, data)
        except InputError as exc:
            self.diagnostics.append(Diagnostic(where, f"{exc}; parsed as bytes"))
        return SourceFile(
            path=inc.resolved,
            data=compiler_view(data),
            directives=scan(data, inc.resolved, self.search),
            prefix=(*src.prefix, inc.start_byte),
            unit=unit,
        )


def conditional(src: SourceFile, inc: Include) -> bool:
    """Whether ``inc`` sits in an ``#if`` branch that is not the file's include guard."""
    blocks = inc.block
    if blocks and src.directives.guarded and src.directives.directives \
            and blocks[0] == src.directives.directives[0].line:
        blocks = blocks[1:]
    return bool(blocks)
