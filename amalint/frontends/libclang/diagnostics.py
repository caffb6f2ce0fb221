"""The compiler's diagnostics, as the code model keeps them.

Every error libclang reports, and the warnings a rule is about (a macro redefined), in the
compiler's own words, with their notes (``previous definition is here``, ``candidate function``,
``expanded from macro``), the umbrella ``#include`` the compiler was reading, and the project
file each counts against (one inside a system or library header counts against the project file
that includes that header). Which of them only exist because the files share one unit is for
the analysis to tell (:mod:`amalint.analysis.unity`).

Errors inside the builtin headers of a resource directory of another clang version are the
set-up's, not the project's: they become one input warning.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from amalint.frontends.libclang.library import install_hint, major_version, version
from amalint.model import CompilerDiagnostic, CompilerNote, Diagnostic, Location, Severity

if TYPE_CHECKING:
    from amalint.frontends.libclang.builder import Builder

#: The compiler arguments that turn every warning off but those a rule is about.
WARNING_ARGS = ("-Wno-everything", "-Wmacro-redefined")
_INCLUDED_FROM = "in file included from"


def collect(builder: Builder) -> tuple[list[CompilerDiagnostic], list[Diagnostic]]:
    """The compiler diagnostics of ``builder``'s translation unit, and the set-up warnings."""
    ci, umbrella = builder.ci, builder.unit.umbrella
    includer: dict[str, tuple[str, int]] = {}
    for inclusion in builder.tu.get_includes():
        name = inclusion.include.name
        if name not in includer and inclusion.source is not None:
            includer[name] = (inclusion.source.name, inclusion.location.line)
    units = {inc.line: index for index, inc in enumerate(umbrella.includes)}
    first_unit = {src.path: src.unit for src in builder.unit.files}
    out: list[CompilerDiagnostic] = []
    toolchain: list[str] = []
    for diag in builder.tu.diagnostics:
        if diag.location.file is None or diag.severity < ci.Diagnostic.Warning:
            continue
        error = diag.severity >= ci.Diagnostic.Error
        name = diag.location.file.name
        path = builder.path(name)
        if error and builder.resource.path is not None and not builder.resource.matches and \
                path.is_relative_to(builder.resource.path.resolve()):
            toolchain.append(f"{path.name}:{diag.location.line}: {diag.spelling}")
            continue
        charged, seen = name, set()
        while builder.sources.get(builder.path(charged)) is None and charged in includer \
                and charged not in seen:
            seen.add(charged)
            charged = includer[charged][0]
        notes, unit = [], first_unit.get(builder.path(charged))
        for child in diag.children:
            where = child.location
            if where.file is None:
                continue
            note_path = builder.path(where.file.name)
            if child.spelling.lower().startswith(_INCLUDED_FROM):
                if note_path == umbrella.path and where.line in units:
                    unit = units[where.line]
                continue
            notes.append(CompilerNote(Location(note_path, where.line, where.column),
                                      child.spelling))
        if path == umbrella.path:
            unit = None
        out.append(CompilerDiagnostic(
            Severity.ERROR if error else Severity.WARNING, diag.spelling,
            Location(path, diag.location.line, diag.location.column), unit,
            builder.path(charged), tuple(notes)))
    setup: list[Diagnostic] = []
    libclang = version(ci)
    if toolchain:
        headers = builder.resource.path
        setup.append(Diagnostic(
            Location(umbrella.path, 1),
            f"libclang {major_version(libclang)} with the builtin headers of clang "
            f"{major_version(headers.name) if headers is not None else '?'}: "
            f"{len(toolchain)} error(s) in them ignored ({install_hint(libclang)})",
        ))
    elif builder.resource.path is None:
        setup.append(Diagnostic(
            Location(umbrella.path, 1),
            f"no clang resource directory found for libclang {major_version(libclang)} "
            f"(stddef.h and the like are missing): {install_hint(libclang)}",
        ))
    return out, setup
