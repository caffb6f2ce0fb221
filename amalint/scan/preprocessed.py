"""The unit as the compiler reads it, with the build's flags or, without any, in the compiler's
default configuration: the preprocessor (:mod:`amalint.preprocess`) walks it with that
configuration and the compiler's predefined macros, so only the ``#include``\\ s of active
branches are followed, a file whose include guard is already defined is not read again, and
each file's text is what the compiler compiles (inactive and directive lines blanked, offsets
kept).

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
from amalint.scan.directives import is_source, scan
from amalint.scan.sources import (
    check_utf8,
    compiler_view,
    display,
    read_source,
    read_source_remembered,
    real,
)
from amalint.scan.unit import Missing, SourceFile, Unit

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
    if settings.search.root is not None:  # tried last, as unity builds spell their sources
        args.append(f"-I{settings.search.root}")  # from it (not -idirafter: a system dir)
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
        return data if name == target else read_source_remembered(name)

    def is_file(name: str) -> bool:
        return name == target or preprocess.files.is_file(name)

    return preprocess.preprocess(path, config, read=read, is_file=is_file)


def units(pp: preprocess.Unit, umbrella: Umbrella) -> dict[int, int]:
    """The umbrella ``#include`` (its index in the include list) of each top-level inclusion."""
    by_offset = {inc.start_byte: index for index, inc in enumerate(umbrella.includes)}
    return {inc.index: by_offset[inc.offset] for inc in pp.inclusions
            if inc.parent == 0 and inc.offset in by_offset}


def _path(pp: preprocess.Unit, index: int, umbrella: Path) -> Path:
    return real(Path(pp.inclusions[index].path)) if index else umbrella


def problems(pp: preprocess.Unit, umbrella: Umbrella, settings: Settings
             ) -> tuple[list[Diagnostic], list[Missing], list[Location]]:
    """Input problems the preprocessor met: includes that resolve to nothing (a FIFO or device
    where one would resolve is an input error: the compiler would block on it), ``#error``\\ s
    and the include depth limit; and the includes found only through the project root."""
    found: list[Diagnostic] = []
    missing: list[Missing] = []
    by_line = {(inc.line, inc.spelling, inc.angled): inc for inc in umbrella.includes}
    forced = pp.config.parsed
    for flag, spelling in [*(("-include", f) for f in forced.includes),
                           *(("-imacros", f) for f in forced.imacros)]:
        irregular = settings.search.irregular(spelling, False, Path.cwd())
        if irregular is not None:  # as gcc looks: the working directory, then the path
            raise InputError(f"{flag} {spelling}: not a regular file ({display(irregular)}); "
                             "the compiler would block or fail reading it")
    for gone in pp.unresolved:
        path = _path(pp, gone.inclusion, umbrella.path)
        where = Location(path, gone.line)
        irregular = settings.search.irregular(gone.spelling, gone.angled, path.parent)
        shown = f"<{gone.spelling}>" if gone.angled else f'"{gone.spelling}"'
        if irregular is not None:
            raise InputError(f"{display(path)}:{gone.line}: {shown} is not a regular file "
                             f"({display(irregular)}); the compiler would block or fail "
                             "reading it")
        include = by_line.get((gone.line, gone.spelling, gone.angled)) if gone.inclusion == 0 \
            else None
        if include is None:
            include = next((i for i in scan(pp.data(pp.inclusions[gone.inclusion]), path,
                                            settings.search).includes
                            if i.line == gone.line), None)
        if include is not None:
            missing.append(Missing(where, include, False))
        if gone.inclusion == 0 and not gone.angled and not gone.source:
            found.append(Diagnostic(where, f"cannot find include {shown}"))
    flood = next((d for d in pp.diagnostics if d.message.startswith("more than ")
                  and "inclusions" in d.message), None)
    if flood is not None:  # a header without guard that includes itself twice, say
        at = f"{display(real(Path(flood.path)))}:{flood.line}: " if flood.path else ""
        raise InputError(f"{at}{flood.message}: an include that never ends (a header "
                         "without guard including itself?); the compiler would not finish "
                         "either")
    deep = next((d for d in pp.diagnostics if d.path is not None
                 and d.message.startswith("#include nested depth")), None)
    if deep is not None and deep.path is not None:  # the compiler gives up (clang: fatal)
        raise InputError(f"{display(real(Path(deep.path)))}:{deep.line}: {deep.message}"
                         f"{_cycle(pp, deep)}; the unit does not compile")
    stop = next((d for d in pp.diagnostics if d.severity == "error" and d.path is not None
                 and d.message.startswith("#error")), None)
    if stop is not None and stop.path is not None and settings.flags_origin is None:
        # without flags the unit is not the one the build compiles; with them the compiler
        # goes on past an #error (a unity build's sources configuring each other), as we do
        raise InputError(f"{display(real(Path(stop.path)))}:{stop.line}: the compiler stops at "
                         f"`{stop.message}` without flags; pass the build's (-p BUILD_DIR, or "
                         "-- -D...)")
    for diag in pp.diagnostics:
        if diag.message.endswith(": No such file or directory"):
            continue  # an unresolved include: in ``missing`` above, with a hint
        if diag.severity == "error" and diag.path is not None:
            found.append(Diagnostic(Location(real(Path(diag.path)), diag.line),
                                    _unreadable(diag.message)
                                    or f"the preprocessor says: {diag.message}"
                                    f"{_cycle(pp, diag)}"))
    via_root: list[Location] = []
    root = settings.search.root
    for inc in pp.inclusions:
        if inc.index == 0 or inc.parent is None or inc.angled or inc.system or root is None:
            continue
        parent = _path(pp, inc.parent, umbrella.path)
        if parent.parent != root and settings.search.resolve_without_root(
                inc.spelling, False, parent.parent) is None:
            via_root.append(Location(parent, inc.line))
    return found, missing, via_root


def _cycle(pp: preprocess.Unit, diag: preprocess.Diagnostic) -> str:
    """For the include depth limit, the cycle that ran into it (`` (include cycle ...: a.h ->
    b.h -> a.h)``), else ``""``."""
    if not diag.message.startswith("#include nested depth") or diag.inclusion is None:
        return ""
    chain: list[str] = []
    index: int | None = diag.inclusion
    while index is not None:
        chain.append(pp.inclusions[index].path)
        index = pp.inclusions[index].parent
    chain.reverse()
    for start, path in enumerate(chain):
        if path in chain[start + 1:]:
            end = chain.index(path, start + 1)
            names = " -> ".join(Path(p).name for p in chain[start:end + 1])
            return f" (include cycle that no include guard breaks: {names})"
    return ""


def _unreadable(message: str) -> str | None:
    """For the preprocessor's "cannot read the file", why (binary, not UTF-8, too big...)."""
    name, colon, rest = message.rpartition(": ")
    if not colon or rest != "cannot read the file":
        return None
    try:
        read_source(Path(name))
    except InputError as exc:
        return f"skipped include {display(Path(name))}: {exc}"
    return None


def load(path: Path, settings: Settings, data: bytes, umbrella: Umbrella) -> Unit:
    """The unit of ``umbrella`` (at ``path``, bytes ``data``) as the compiler reads it."""
    pp = run(path, settings, data)
    top = units(pp, umbrella)
    found, missing, via_root = problems(pp, umbrella, settings)
    inclusions: list[SourceFile] = []
    first: dict[Path, SourceFile] = {}
    #: Reads left out: a source the umbrella includes again (AM204's), and what it reads.
    again: set[int] = set()
    for inc in pp.inclusions:
        if inc.skipped is not None or inc.system or inc.kind in ("-include", "-imacros"):
            continue
        file = real(Path(inc.path)) if inc.index else path
        if inc.parent in again or (inc.parent == 0 and file in first and is_source(file)):
            again.add(inc.index)
            continue
        raw = pp.data(inc) if inc.index else data
        unit = None if inc.unit is None else top.get(inc.unit)
        if inc.index and file not in first:
            problem = check_text(file, raw)
            if problem is not None:
                found.append(problem)
        source = SourceFile(file, compiler_view(raw), scan(raw, file, settings.search),
                            inc.prefix, unit, code=compiler_view(pp.active_text(inc)),
                            inclusion=inc.index)
        inclusions.append(source)
        first.setdefault(file, source)
    return Unit(umbrella, tuple(first.values()), tuple(found), tuple(missing),
                tuple(via_root), pp, tuple(inclusions))


def check_text(path: Path, data: bytes) -> Diagnostic | None:
    try:
        check_utf8(path, data)
    except InputError as exc:
        return Diagnostic(Location(path, 1), f"{exc}; parsed as bytes")
    return None
