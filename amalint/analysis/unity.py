"""Which of the compiler's diagnostics exist only because the sources share one unit.

Pure functions over the code model of a front end that is the compiler (libclang). A diagnostic
is *unity-only* when the compiler ties it to a place in another included source than the one it
is reading:

* a redeclaration conflict (``redefinition of 'x'``, ``conflicting types for 'x'``, ``static
  declaration of 'x' follows non-static declaration``, ``'X' macro redefined``...) whose
  ``previous definition``/``previous declaration`` note lies in another umbrella include (a
  header without include guard read by two sources counts as both: its inclusions differ);
* an ambiguity (``call to 'f' is ambiguous``, ``reference to 'T' is ambiguous``) whose
  candidates come from more than one umbrella include;
* any error the compiler says was ``expanded from macro 'M'`` where ``M`` was defined by an
  earlier umbrella include: a leaked macro rewrote the code.

Everything else is the file's own (AM301). Errors in a file that has a unity-only one are taken
as its consequences, not as the file's own.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from amalint.analysis.alone import AloneOrder
from amalint.model import CodeModel, CompilerDiagnostic, CompilerNote, Location, Severity

_QUOTED = re.compile(r"'([^']+)'")
#: clang's note on a redefinition in a header without include guard read twice (the include
#: sites are the notes).
_UNGUARDED = "included multiple times"
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


class Cause(enum.Enum):
    #: Two declarations of one name that cannot both stand.
    REDECLARATION = "redeclaration"
    #: A call or name that now has candidates from several files.
    AMBIGUITY = "ambiguity"
    #: A macro defined again with another body.
    MACRO_REDEFINED = "macro-redefined"
    #: An error inside the expansion of a macro an earlier file left defined.
    LEAKED_MACRO = "leaked-macro"


@dataclass(frozen=True)
class UnityDiagnostic:
    """A compiler diagnostic that only the unity build has, with the places it ties together."""

    cause: Cause
    diagnostic: CompilerDiagnostic
    #: The name it is about, as written at the diagnostic's location.
    symbol: str
    #: The notes that point into other included files (previous definition, candidates,
    #: the leaked macro's definition).
    others: tuple[CompilerNote, ...]
    #: For an ambiguity: the ``using namespace`` of an earlier source that causes it.
    directive: Location | None = None
    #: For a conflict between the source's own declarations: the typedef, defined twice in
    #: the unity build, whose first definition it names.
    follows: str = ""

    @property
    def severity(self) -> Severity:
        return self.diagnostic.severity

    @property
    def unguarded(self) -> bool:
        """Whether it is a header without include guard, read through two sources."""
        return any(_UNGUARDED in n.message or n.location.path == self.diagnostic.location.path
                   for n in self.others)


def symbol_at(model: CodeModel, diag: CompilerDiagnostic) -> str:
    """The identifier at the diagnostic's location (the compiler points at the name), else the
    first name the message quotes."""
    lines = model.source_lines.get(diag.location.path, ())
    if 0 < diag.location.line <= len(lines):
        raw = lines[diag.location.line - 1].encode("utf-8")[diag.location.column - 1:]
        found = _IDENTIFIER.match(raw.decode("utf-8", "replace"))
        if found:
            return found.group(0)
    quoted = _QUOTED.search(diag.message)
    return quoted.group(1) if quoted else ""


def _cause(diag: CompilerDiagnostic) -> Cause | None:
    message = diag.message
    if message.endswith("macro redefined"):
        return Cause.MACRO_REDEFINED
    if "is ambiguous" in message:
        return Cause.AMBIGUITY
    if any(n.message.startswith("previous ") or _UNGUARDED in n.message for n in diag.notes):
        return Cause.REDECLARATION
    if diag.severity is Severity.ERROR and any(
            n.message.startswith("expanded from macro") for n in diag.notes):
        return Cause.LEAKED_MACRO
    return None


def _relevant(cause: Cause, diag: CompilerDiagnostic) -> list[CompilerNote]:
    if cause is Cause.AMBIGUITY:
        return [n for n in diag.notes if n.message.startswith("candidate")]
    if cause is Cause.LEAKED_MACRO:
        return [n for n in diag.notes if n.message.startswith("expanded from macro")]
    return [n for n in diag.notes if n.message.startswith("previous ") or _UNGUARDED in n.message]


def unity_diagnostics(model: CodeModel) -> list[UnityDiagnostic]:
    """The compiler diagnostics of ``model`` that only the unity build has."""
    alone = AloneOrder(model.umbrella, model.filescope.files)
    first: dict[Path, int | None] = {}  # the umbrella include of each file's first read
    readers: dict[Path, set[int | None]] = {}
    for facts in model.filescope.files:
        first.setdefault(facts.path, facts.unit)
        readers.setdefault(facts.path, set()).add(facts.unit)
    out: list[UnityDiagnostic] = []
    own: list[CompilerDiagnostic] = []  # conflicts between the source's own declarations
    for diag in model.compiler_diagnostics or ():
        cause = _cause(diag)
        if cause is None:
            continue
        notes = _relevant(cause, diag)

        def elsewhere(note: CompilerNote, diag: CompilerDiagnostic = diag,
                      cause: Cause = cause) -> bool:
            path = note.location.path
            if path == diag.location.path:  # a file without guard, read twice
                # clang names a file, not which read of it: the earlier definition in the same
                # file is another umbrella include's read when more than one reads the file
                return path in readers and (len(readers[path]) > 1 or first[path] != diag.unit)
            if path not in first:  # a system header an earlier source read
                return cause is Cause.MACRO_REDEFINED and _system_macro(model, diag)
            return not alone.precedes(note.location, diag.unit, diag.location)

        others = [n for n in notes if elsewhere(n)]
        symbol = symbol_at(model, diag)
        if cause is Cause.REDECLARATION and notes and not others and "follows" in diag.message:
            others = _earlier_elsewhere(model, alone, diag, symbol)
        if cause is Cause.REDECLARATION and not others and diag.severity is Severity.ERROR:
            # both declarations in the source's own code: a leaked macro renamed one of them
            leaked = [n for n in _relevant(Cause.LEAKED_MACRO, diag) if elsewhere(n)]
            if leaked:
                cause, others = Cause.LEAKED_MACRO, leaked
        directive = _leaked_directive(model, alone, diag, notes) \
            if cause is Cause.AMBIGUITY else None
        if not others and directive is None:
            if cause is Cause.REDECLARATION and diag.message.startswith("conflicting types"):
                own.append(diag)
            continue
        if cause is Cause.AMBIGUITY:
            others = notes  # every candidate matters to the reader
        out.append(UnityDiagnostic(cause, diag, symbol, tuple(others), directive))
    return out + _follow_ons(model, own, out)


def _follow_ons(model: CodeModel, own: Sequence[CompilerDiagnostic],
                found: Sequence[UnityDiagnostic]) -> list[UnityDiagnostic]:
    """Conflicts between a source's own declarations that a typedef the unity build defines
    twice causes: the compiler keeps the first definition, so the source's definition that
    names the typedef no longer matches its header's prototype (zstd's ``ZSTDv04_*`` after
    ``typedef ZSTDv04_Dctx ZSTD_DCtx;`` meets ``zstd.h``'s)."""
    typedefs = {u.symbol: u for u in found if u.cause is Cause.REDECLARATION
                and u.diagnostic.message.startswith("typedef redefinition")}
    out: list[UnityDiagnostic] = []
    for diag in own:
        lines = model.source_lines.get(diag.location.path, ())
        text = lines[diag.location.line - 1] if 0 < diag.location.line <= len(lines) else ""
        named = [typedefs[w] for w in _IDENTIFIER.findall(text) if w in typedefs]
        if named:
            out.append(UnityDiagnostic(Cause.REDECLARATION, diag, symbol_at(model, diag),
                                       named[0].others, follows=named[0].symbol))
    return out


def _system_macro(model: CodeModel, diag: CompilerDiagnostic) -> bool:
    """Whether the diagnostic redefines a system header's macro that the source, compiled
    alone, would not have read before (the file-scope pass's :class:`SystemMacro`\\ s)."""
    return any((m.redefinition.path, m.redefinition.line) ==
               (diag.location.path, diag.location.line) for m in model.filescope.system_macros)


def _earlier_elsewhere(model: CodeModel, alone: AloneOrder, diag: CompilerDiagnostic,
                       symbol: str) -> list[CompilerNote]:
    """For a conflict whose notes lie in the source's own files (clang names the latest
    declaration: its own header's ``extern int x;``), the first declaration of the name that
    another umbrella include made before, which the source does not see alone (``static int
    x;``): the conflict starts there."""
    for facts in model.filescope.files:
        if facts.unit is None or diag.unit is None or facts.unit >= diag.unit:
            continue
        for decl in facts.declarations:
            if decl.name == symbol and not decl.scope \
                    and not alone.precedes(decl.location, diag.unit, diag.location):
                return [CompilerNote(decl.location, "previous declaration is here")]
    return []


def _candidate_scopes(model: CodeModel, notes: Sequence[CompilerNote], symbol: str
                      ) -> set[tuple[str, ...]]:
    """The namespaces of an ambiguity's candidates: as the compiler names them
    (``candidate found by name lookup is 'geo::Point'``), else from the facts at their lines."""
    scopes: set[tuple[str, ...]] = set()
    for note in notes:
        quoted = _QUOTED.search(note.message)
        if quoted and "::" in quoted.group(1):
            scopes.add(tuple(quoted.group(1).split("::")[:-1]))
            continue
        for facts in model.filescope.files:
            if facts.path == note.location.path:
                scopes |= {d.scope for d in facts.declarations
                           if d.location.line == note.location.line and d.name == symbol}
    return scopes


def _leaked_directive(model: CodeModel, alone: AloneOrder, diag: CompilerDiagnostic,
                      notes: Sequence[CompilerNote]) -> Location | None:
    """A ``using namespace`` of another umbrella include, which the diagnostic's source would
    not see compiled alone, naming a namespace of one of the candidates."""
    scopes = _candidate_scopes(model, notes, symbol_at(model, diag).split("::")[-1])
    for facts in model.filescope.files:
        if facts.unit == diag.unit:
            continue
        for directive in facts.using_directives:
            if directive.target in scopes and not alone.precedes(
                    directive.location, diag.unit, diag.location):
                return directive.location
    return None


def own_errors(model: CodeModel, unity: Sequence[UnityDiagnostic]
               ) -> dict[Path, list[CompilerDiagnostic]]:
    """The errors each project file has of its own: not unity-only, and not in a file that has a
    unity-only error (those are taken as its consequences)."""
    explained = {u.diagnostic.charged for u in unity}
    claimed = {id(u.diagnostic) for u in unity}
    out: dict[Path, list[CompilerDiagnostic]] = {}
    for diag in model.compiler_diagnostics or ():
        if diag.severity is Severity.ERROR and id(diag) not in claimed \
                and diag.charged not in explained:
            out.setdefault(diag.charged, []).append(diag)
    return out


def end_of(location: Location, symbol: str) -> Location:
    """Where a name that starts at ``location`` ends."""
    return Location(location.path, location.line, location.column + max(1, len(symbol)))


def through_using(model: CodeModel, unity: UnityDiagnostic) -> bool:
    """Whether an ambiguity comes from an earlier source's ``using namespace`` (AM202), rather
    than from names of one scope, or of a scope and an anonymous namespace in it, or from the
    later source's own directive meeting an earlier source's name (AM201)."""
    return unity.directive is not None
