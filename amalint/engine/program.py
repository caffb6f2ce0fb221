"""One program run: a link (:mod:`amalint.program.model`) → which objects the linker takes →
the analysis of each object's source (the same build as ``amalint check``'s, one per source) →
the start-up sequence → the program rules' findings. The only I/O is reading the sources."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from amalint.analysis.effects import Analysis, Effect
from amalint.analysis.requirements import Requirement, Status
from amalint.config.profiles import Role
from amalint.config.settings import Settings
from amalint.engine.rule import Finding
from amalint.engine.run import build, selected_rules
from amalint.model import EntryPoint
from amalint.program.liveness import collect
from amalint.program.model import Link, Linker, ObjectFile
from amalint.program.resolve import Resolution, resolve
from amalint.program.sequence import Sequence, sequence


@dataclass(frozen=True)
class ProgramContext:
    """What the program rules read: the link, what the linker takes, the analysis of every
    object with a known source (dropped members too), and the start-up sequence."""

    link: Link
    linker: Linker
    resolution: Resolution
    analyses: dict[ObjectFile, Analysis]
    sequence: Sequence

    @cached_property
    def unmet(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.sequence.requirements if r.status is not Status.SATISFIED)

    def registrations(self, obj: ObjectFile) -> list[tuple[EntryPoint, Effect]]:
        """The eager registrations of ``obj``'s start-up code."""
        analysis = self.analyses.get(obj)
        if analysis is None:
            return []
        return [(entry, effect) for entry in analysis.order
                for effect in analysis.effects[entry] if effect.role is Role.PROVIDER]

    @cached_property
    def sourceless(self) -> tuple[ObjectFile, ...]:
        """Linked objects with constructors but no analysis (no source amalint could find):
        code a compiler generated, such as TVM's ``__tvm_module_startup``."""
        return tuple(item.object for item in self.resolution.linked
                     if item.object.init and item.object not in self.analyses)

    def reason(self, rank: int) -> str:
        """Why the object at link position ``rank`` (0-based) is linked."""
        return self.resolution.linked[rank].reason(self.object_name)

    def object_name(self, obj: ObjectFile) -> str:
        """The object as a finding names it: relative to the working directory if below it."""
        return _relative(obj.path) + ("" if obj.member is None else f"({obj.member})")


def _relative(path: Path) -> str:
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


def analyze_program(link: Link, settings_for: Callable[[Path], Settings],
                    linker: Linker = Linker.BFD,
                    by_source: dict[Path, Analysis] | None = None,
                    analyze: Callable[[Path, Settings], Analysis] | None = None
                    ) -> ProgramContext:
    """Resolve ``link`` as ``linker`` does (a WebAssembly link as wasm-ld does, whatever
    ``linker`` says) and analyze every object whose source is known (once per source:
    ``by_source`` holds the analyses made so far, and may be shared by several programs;
    ``analyze`` makes one, by default afresh: the command line's reads the cache)."""
    if link.startup.wasm:
        linker = Linker.WASM
    resolution = collect(link, resolve(link, linker))
    by_source = {} if by_source is None else by_source
    analyses: dict[ObjectFile, Analysis] = {}
    for obj in [item.object for item in resolution.linked] + list(resolution.dropped):
        if obj.source is None:
            continue
        if obj.source not in by_source:
            settings = settings_for(obj.source)
            by_source[obj.source] = (build(obj.source, settings).analysis if analyze is None
                                     else analyze(obj.source, settings))
        analyses[obj] = by_source[obj.source]
    return ProgramContext(link, linker, resolution, analyses, sequence(resolution, analyses))


def check_program(ctx: ProgramContext, settings: Settings) -> Iterator[Finding]:
    """The findings of the selected program rules."""
    for rule in selected_rules(settings):
        if rule.program is not None:  # the rules of a unit have nothing to say here
            yield from rule.program(ctx)
