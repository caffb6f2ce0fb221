"""The translation unit as text: the umbrella and every project file it reaches, in the order the
compiler reads them. Shared by all front ends; all file reading of the unit happens here.

The preprocessor reads the unit as the compiler does (:mod:`.preprocessed`), with the build's
flags or, without any, in the compiler's default configuration: only active branches, guards
honoured, each file's compiled text (a source the umbrella includes twice is read once: its own
rule reports it). A file's *prefix* is the byte offsets of the ``#include`` lines leading to it,
so ``prefix + (offset,)`` orders any two points of the amalgamated text.

The front ends get each file's bytes with line breaks where the compiler sees them
(:func:`compiler_view`: a lone CR is one), offset for offset; the umbrella's own bytes stay as
they are, for the fixer. An include that resolves to nothing is recorded (see
:mod:`amalint.scan.missing`); one that would open a FIFO or a device is an input error, since the
compiler (and libclang) would block on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from amalint import preprocess
from amalint.config.settings import Settings
from amalint.model import Diagnostic, Include, Location, Umbrella
from amalint.scan.directives import FileDirectives, scan
from amalint.scan.sources import check_utf8, read_source, real


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
    #: The preprocessor's view: :func:`load_unit` always sets it (a run without flags reads
    #: the unit in the compiler's default configuration).
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
