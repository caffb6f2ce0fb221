"""The unit as the compiler reads it, when the build's flags are known: the preprocessor
(:mod:`amalint.preprocess`) walks it with the build's configuration and the compiler's predefined
macros, so only the ``#include``\\ s of active branches are followed, a file whose include guard
is already defined is not read again, and each file's text is what the compiler compiles
(inactive and directive lines blanked, offsets kept).

Takes the umbrella, its settings and the compiler arguments; gives a
:class:`~amalint.scan.unit.Unit` with the preprocessor's view attached. The compiler on PATH is
asked for its predefined macros and system directories (never a compiler named by the linted
tree); without one, a documented approximation stands in.
"""

from __future__ import annotations

from pathlib import Path

from amalint import preprocess
from amalint.config.settings import Settings
from amalint.errors import InputError
from amalint.model import Diagnostic, Location, Umbrella
from amalint.scan.directives import scan
from amalint.scan.sources import check_utf8, read_source
from amalint.scan.unit import SourceFile, Unit

#: Which compiler on PATH to ask for predefined macros, by the ``compiler`` setting.
_COMPILERS = {("gcc", "c"): "gcc", ("gcc", "c++"): "g++", ("clang", "c"): "clang",
              ("clang", "c++"): "clang++"}


def build_args(settings: Settings) -> list[str]:
    """The compiler arguments the preprocessor runs with: the build's, plus the include paths
    and defines the config adds."""
    args = list(settings.compiler_args)
    for flag, dirs in (("-iquote", settings.search.quote_dirs),
                       ("-I", settings.search.include_dirs)):
        for directory in dirs:
            if f"{flag}{directory}" not in args and str(directory) not in args:
                args.append(f"{flag}{directory}")
    for define in settings.defines:
        flag = f"-U{define[1:]}" if define.startswith("-") else f"-D{define}"
        if flag not in args:
            args.append(flag)
    return args


def configure(umbrella: Path, settings: Settings) -> preprocess.Config:
    args = build_args(settings)
    language = preprocess.parse_args(tuple(args)).language or (
        "c" if umbrella.suffix == ".c" else "c++")
    preferred = _COMPILERS.get((settings.compiler, language))
    return preprocess.configure(args, language, preferred, str(umbrella))


def run(path: Path, settings: Settings, data: bytes) -> preprocess.Unit:
    """Preprocess the unit of ``path`` whose own bytes are ``data``."""
    config = configure(path, settings)
    target = str(path)

    def read(name: str) -> bytes | None:
        if name == target:
            return data
        try:
            return read_source(Path(name))
        except InputError:
            return None

    def is_file(name: str) -> bool:
        return name == target or preprocess.files.is_file(name)

    return preprocess.preprocess(path, config, read=read, is_file=is_file)


def units(pp: preprocess.Unit, umbrella: Umbrella) -> dict[int, int]:
    """The umbrella ``#include`` (its index in the include list) of each top-level inclusion."""
    by_offset = {inc.start_byte: index for index, inc in enumerate(umbrella.includes)}
    return {inc.index: by_offset[inc.offset] for inc in pp.inclusions
            if inc.parent == 0 and inc.offset in by_offset}


def diagnostics(pp: preprocess.Unit, umbrella: Umbrella) -> list[Diagnostic]:
    """Input problems the preprocessor met: quoted includes of sources (or any quoted include
    of the umbrella) that resolve to nothing, ``#error``\\ s, include depth."""
    out: list[Diagnostic] = []
    for missing in pp.unresolved:
        inclusion = pp.inclusions[missing.inclusion]
        if missing.angled or not (missing.source or inclusion.index == 0):
            continue
        quoted = f'"{missing.spelling}"'
        out.append(Diagnostic(Location(Path(inclusion.path), missing.line),
                              f"cannot find include {quoted}"))
    for diag in pp.diagnostics:
        if diag.severity == "error" and diag.path is not None:
            out.append(Diagnostic(Location(Path(diag.path), diag.line),
                                  f"the preprocessor says: {diag.message}"))
    del umbrella
    return out


def load(path: Path, settings: Settings, data: bytes, umbrella: Umbrella) -> Unit:
    """The unit of ``umbrella`` (at ``path``, bytes ``data``) as the compiler reads it."""
    pp = run(path, settings, data)
    top = units(pp, umbrella)
    found: list[Diagnostic] = diagnostics(pp, umbrella)
    inclusions: list[SourceFile] = []
    first: dict[Path, SourceFile] = {}
    for inc in pp.inclusions:
        if inc.skipped is not None or inc.system or inc.kind in ("-include", "-imacros"):
            continue
        file = Path(inc.path).resolve() if inc.index else path
        raw = pp.data(inc) if inc.index else data
        unit = None if inc.unit is None else top.get(inc.unit)
        if inc.index and file not in first:
            problem = check_text(file, raw)
            if problem is not None:
                found.append(problem)
        source = SourceFile(file, raw, scan(raw, file, settings.search), inc.prefix, unit,
                            code=pp.active_text(inc), inclusion=inc.index)
        inclusions.append(source)
        first.setdefault(file, source)
    return Unit(umbrella, tuple(first.values()), tuple(found), pp, tuple(inclusions))


def check_text(path: Path, data: bytes) -> Diagnostic | None:
    try:
        check_utf8(path, data)
    except InputError as exc:
        return Diagnostic(Location(path, 1), f"{exc}; parsed as bytes")
    return None
