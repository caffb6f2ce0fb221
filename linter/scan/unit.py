"""The translation unit as text: the umbrella and every project file it reaches, in the order the
compiler reads them. Shared by all front ends; all file reading of the unit happens here.

When the build's flags are known, the preprocessor reads the unit as the compiler does
(:mod:`.preprocessed`): only active branches, guards honoured, each file's compiled text. Else
every ``#include`` is followed, each file read once, at its first inclusion (headers have include
guards; a source included twice is reported by its own rule), and every branch counts. A file's
*prefix* is the byte offsets of the ``#include`` lines leading to it, so ``prefix + (offset,)``
orders any two points of the amalgamated text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from amalint import preprocess
from amalint.config.settings import Settings
from amalint.errors import InputError
from amalint.model import Diagnostic, Location, Umbrella
from amalint.scan.directives import FileDirectives, is_source, scan
from amalint.scan.sources import check_utf8, read_source


@dataclass(frozen=True)
class SourceFile:
    path: Path
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
class Unit:
    umbrella: Umbrella
    #: Each project file once, at its first inclusion, in compile order.
    files: tuple[SourceFile, ...]
    diagnostics: tuple[Diagnostic, ...]
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
    path = umbrella_path.resolve()
    check_utf8(umbrella_path, data)
    directives = scan(data, path, settings.search)
    umbrella = Umbrella(path=path, data=data, includes=directives.includes)
    if settings.flags_origin is not None:
        from amalint.scan import preprocessed

        return preprocessed.load(path, settings, data, umbrella)
    files: dict[Path, SourceFile] = {}
    diagnostics: list[Diagnostic] = []

    def visit(src: SourceFile, stack: tuple[Path, ...]) -> None:
        files[src.path] = src
        for index, inc in enumerate(src.directives.includes):
            unit = index if src.unit is None and src.path == path else src.unit
            where = Location(src.path, inc.line)
            if inc.resolved is None:
                if not inc.angled and (is_source(inc.spelling) or src.path == path):
                    diagnostics.append(Diagnostic(where, f"cannot find include {inc.target}"))
                continue
            if inc.resolved in stack:
                cycle = " -> ".join(p.name for p in (*stack, inc.resolved))
                diagnostics.append(Diagnostic(where, f"include cycle: {cycle}"))
                continue
            if inc.resolved in files:
                continue
            try:
                child_data = read_source(inc.resolved)
            except InputError as exc:
                diagnostics.append(Diagnostic(where, f"skipped include {inc.target}: {exc}"))
                continue
            try:
                check_utf8(inc.resolved, child_data)
            except InputError as exc:
                diagnostics.append(Diagnostic(where, f"{exc}; parsed as bytes"))
            child = SourceFile(
                path=inc.resolved,
                data=child_data,
                directives=scan(child_data, inc.resolved, settings.search),
                prefix=(*src.prefix, inc.start_byte),
                unit=unit,
            )
            visit(child, (*stack, inc.resolved))

    visit(SourceFile(path, data, directives, (), None), (path,))
    return Unit(umbrella=umbrella, files=tuple(files.values()), diagnostics=tuple(diagnostics))
