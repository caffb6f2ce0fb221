"""What a lint run of one umbrella gives the reports: the findings, and a :class:`Summary` of
the unit (what ``--fix``, ``--verbose``, the warnings and the build-system relocation read of
it). Plain frozen values: a result crosses process boundaries (``-j``) and is stored in the
cache (:mod:`amalint.cache`), which the code model, with its lazily built function bodies,
could not."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from amalint.analysis.effects import Analysis
from amalint.analysis.startup import NO_STARTUP, Startup
from amalint.engine.rule import Finding
from amalint.model import CodeModel, Diagnostic, Location, Severity, Umbrella
from amalint.scan.sources import text_lines


@dataclass(frozen=True)
class Summary:
    """The unit as the reports see it once its findings are made."""

    umbrella: Umbrella
    #: The files of the unit (the model's).
    files: tuple[Path, ...]
    #: Each file of the file-scope facts and the umbrella ``#include`` it comes through.
    units: tuple[tuple[Path, int | None], ...]
    diagnostics: tuple[Diagnostic, ...]
    #: Files parsed with errors (tree-sitter) or charged with compiler errors (libclang).
    incomplete: tuple[Path, ...]
    entry_points: int
    #: Calls skipped as unresolved, by callee name, in the order the analysis met them.
    unresolved: tuple[tuple[str, int], ...]
    unknown_keys: tuple[Location, ...]

    @classmethod
    def of(cls, model: CodeModel, analysis: Analysis) -> Summary:
        incomplete = {d.location.path for d in model.diagnostics if d.kind == "parse"}
        incomplete |= {d.charged for d in model.compiler_diagnostics or ()
                       if d.severity is Severity.ERROR}
        return cls(
            umbrella=model.umbrella,
            files=tuple(model.files),
            units=tuple((f.path, f.unit) for f in model.filescope.files),
            diagnostics=(*model.diagnostics, *(Diagnostic(where, what)
                                               for where, what in model.filescope.problems)),
            incomplete=tuple(sorted(incomplete)),
            entry_points=len(model.entry_points),
            unresolved=tuple(analysis.unresolved.items()),
            unknown_keys=tuple(analysis.unknown_keys),
        )


@dataclass(frozen=True)
class Result:
    findings: tuple[Finding, ...]
    summary: Summary
    frontend: str
    #: Why that front end (for ``--verbose``).
    reason: str = ""
    #: Warnings about the flags and the unit, for the command line to show.
    warnings: tuple[str, ...] = ()
    #: What ``--verbose`` says about how the unit was read.
    notes: tuple[str, ...] = ()
    #: The start-up order (``amalint order`` and ``amalint graph``).
    startup: Startup = NO_STARTUP

    def fixes(self, unsafe: bool) -> list[Finding]:
        """The findings whose fix may be applied: safe ones, and unsafe ones if allowed."""
        return [f for f in self.findings if f.fix is not None and f.fix.edits
                and (unsafe or f.fix.applicability == "safe")]


class SourceLines(Mapping[Path, tuple[str, ...]]):
    """The lines of the files of some units, for the text report: an umbrella's from the bytes
    it was linted with (a fix may not be written yet), every other file's read from disk on
    first use (only the files with findings are ever shown)."""

    def __init__(self, results: tuple[Result, ...] | list[Result]) -> None:
        self._umbrellas = {r.summary.umbrella.path: r.summary.umbrella.data for r in results}
        self._files = dict.fromkeys(p for r in results for p in (
            r.summary.umbrella.path, *r.summary.files, *(path for path, _ in r.summary.units)))
        self._read: dict[Path, tuple[str, ...]] = {}

    def __getitem__(self, path: Path) -> tuple[str, ...]:
        if path not in self._files:
            raise KeyError(path)
        if path not in self._read:
            data = self._umbrellas.get(path)
            if data is None:
                try:
                    data = path.read_bytes()
                except OSError:
                    data = b""
            self._read[path] = text_lines(data)
        return self._read[path]

    def __iter__(self) -> Iterator[Path]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)
