"""What a rule is and what it produces. Rules live in ``amalint.rules``, one module each; the
module docstring is the rule's documentation (``amalint rule CODE`` prints it)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from amalint.analysis.effects import Analysis, Effect
from amalint.analysis.hidden import HiddenDependency, hidden_dependencies
from amalint.analysis.macro_leaks import Leak, leaks
from amalint.analysis.requirements import Requirement, cycles, evaluate
from amalint.analysis.unity import UnityDiagnostic, unity_diagnostics
from amalint.config.profiles import Role
from amalint.engine.orphans import Orphan
from amalint.fix.solver import ByteEdit, Plan, plan
from amalint.model import CodeModel, EntryPoint, Include, Location, Severity
from amalint.scan.sources import BOM, compiler_view
from amalint.scan.sources import display as display  # re-exported: rules and reporters use it

if TYPE_CHECKING:
    from amalint.engine.program import ProgramContext


@dataclass(frozen=True)
class Related:
    location: Location
    message: str
    #: A step of the call chain from the entry point to the lookup or registration (the text
    #: report shows a repeated tail of chain steps once).
    step: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class Edit:
    content: str
    location: Location
    end_location: Location


@dataclass(frozen=True)
class Fix:
    """Edits of the umbrella that fix a finding; ``applicability`` is ``safe`` or ``unsafe``."""

    applicability: str
    edits: tuple[Edit, ...]
    #: The ``(provider unit, consumer unit)`` include-order constraint the fix satisfies, so
    #: that a suppressed finding's constraint can be left out of the fix.
    constraint: tuple[int, int] | None = field(default=None, compare=False)

    @classmethod
    def of_bytes(cls, applicability: str, path: Path, data: bytes,
                 edits: Iterable[ByteEdit]) -> Fix:
        """A fix from ``(start, end, new bytes)`` edits of ``data`` (the file at ``path``)."""
        return cls(applicability, tuple(
            Edit(new.decode("utf-8", "replace"), _point(path, data, start),
                 _point(path, data, end))
            for start, end, new in edits
        ))

    def byte_edits(self, data: bytes) -> list[ByteEdit]:
        """The edits as ``(start, end, new bytes)`` of ``data``, the file they were made for."""
        return [(_offset(data, e.location), _offset(data, e.end_location),
                 e.content.encode("utf-8")) for e in self.edits]


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    location: Location
    end_location: Location
    related: tuple[Related, ...] = ()
    fix: Fix | None = None

    @property
    def url(self) -> str:
        return rule_url(self.code, self.name)


@dataclass(frozen=True)
class Rule:
    """A rule checks one of two things, and gives exactly one of the two checks: ``check``,
    one amalgamation (``amalint check`` on a unit), or ``program``, a whole program's link
    (``amalint check --program``, an :class:`amalint.engine.program.ProgramContext`)."""

    code: str
    name: str
    severity: Severity
    summary: str
    check: Callable[[RuleContext], Iterator[Finding]] | None = field(default=None,
                                                                     compare=False)
    doc: str = field(default="", compare=False)
    program: Callable[[ProgramContext], Iterator[Finding]] | None = field(default=None,
                                                                          compare=False)
    #: A preview rule (as in ruff) runs only when ``select`` or ``extend-select`` names its
    #: code in full: not by default, not by a prefix or ``ALL``.
    preview: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        if (self.check is None) == (self.program is None):
            raise TypeError(f"{self.code}: a rule gives `check` (a unit) or `program` (a "
                            "whole program), not both nor neither")

    @property
    def url(self) -> str:
        return rule_url(self.code, self.name)

    @property
    def of_program(self) -> bool:
        """Whether the rule checks a whole program (``--program``), not a unit."""
        return self.program is not None


#: The rules' documentation in amalint's repository, generated from their docstrings
#: (``amalint rule --all --format markdown``); each rule has a section there.
DOCS = "docs/rules.md"


@functools.lru_cache(maxsize=1)
def published_docs() -> str:
    """Where :data:`DOCS` is published: the package's ``Documentation`` project URL (one line
    of pyproject.toml), or the relative path if the metadata lacks it."""
    from importlib.metadata import PackageNotFoundError, metadata  # slow to import

    try:
        urls: list[str] = metadata("amalint").get_all("Project-URL") or []
    except PackageNotFoundError:  # pragma: no cover - amalint runs installed
        urls = []
    for entry in urls:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "documentation" and url.strip():
            return str(url.strip())
    return DOCS


def rule_url(code: str, name: str, base: str | None = None) -> str:
    """The rule's section of the documentation page at ``base`` (default: where amalint's
    is published; config ``docs-url`` sets another), by GitHub's anchor for the heading
    ``CODE name``."""
    return f"{(base or published_docs()).rstrip('#')}#{code.lower()}-{name}"


def section(doc: str, title: str) -> str:
    """The text of the ``## title`` section of a rule's docstring ('' if it has none)."""
    lines = doc.splitlines()
    try:
        start = lines.index(f"## {title}") + 1
    except ValueError:
        return ""
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return "\n".join(lines[start:end]).strip()


class RuleContext:
    """The model and analysis of one amalgamation, with the views several rules share."""

    def __init__(self, model: CodeModel, analysis: Analysis,
                 orphans: tuple[Orphan, ...] = (),
                 excluded: frozenset[tuple[int, int]] = frozenset()) -> None:
        self.model = model
        self.analysis = analysis
        #: Sources not included that would provide missing keys (found by the engine, AM205).
        self.orphans = orphans
        #: Constraints the fix leaves alone (those of suppressed findings).
        self.excluded = excluded

    @cached_property
    def requirements(self) -> list[Requirement]:
        return evaluate(self.analysis)

    @cached_property
    def unity(self) -> list[UnityDiagnostic]:
        """The compiler diagnostics only the unity build has (libclang; empty otherwise)."""
        return unity_diagnostics(self.model)

    @cached_property
    def leaks(self) -> list[Leak]:
        """What macros the included sources leave defined do to later ones (AM203, AM301)."""
        return leaks(self.model.filescope, self.model.umbrella)

    @cached_property
    def hidden(self) -> list[HiddenDependency]:
        """Names sources use that reach them only through earlier sources (AM206, AM203)."""
        return hidden_dependencies(self.model.filescope, self.model.umbrella)

    @property
    def compiler_checked(self) -> bool:
        """Whether the front end is the compiler, whose diagnostics decide which unity-build
        errors exist (the facts then only add warnings)."""
        return self.model.compiler_diagnostics is not None

    @cached_property
    def cycles(self) -> list[list[int]]:
        return cycles(self.requirements)

    @cached_property
    def units_in_cycles(self) -> set[int]:
        return {unit for group in self.cycles for unit in group}

    @cached_property
    def plan(self) -> Plan:
        """One include order for the whole umbrella meeting every constraint outside cycles."""
        cyclic = self.units_in_cycles
        edges = [
            edge for req in self.requirements
            if (edge := req.constraint) is not None
            and not (edge[0] in cyclic and edge[1] in cyclic)
            and edge not in self.excluded
        ]
        keys: dict[int, tuple[set[str], set[str]]] = {}
        for entry, effects in self.analysis.effects.items():
            if entry.unit is None:
                continue
            provides, requires = keys.setdefault(entry.unit, (set(), set()))
            for effect in effects:
                (provides if effect.role is Role.PROVIDER else requires).add(effect.key)
        frozen = {u: (frozenset(p), frozenset(r)) for u, (p, r) in keys.items()}
        return plan(self.model.umbrella, edges, frozen)

    @cached_property
    def _plan_fix(self) -> Fix:
        return self.umbrella_fix("unsafe" if self.plan.unsafe else "safe", self.plan.edits)

    def umbrella_fix(self, applicability: str, edits: Iterable[ByteEdit]) -> Fix:
        """A fix editing the umbrella's bytes."""
        umbrella = self.model.umbrella
        return Fix.of_bytes(applicability, umbrella.path, umbrella.data, edits)

    def reorder_fix(self, edge: tuple[int, int]) -> Fix | str:
        """The fix that satisfies ``edge`` (with every other constraint), or why there is none."""
        for item in self.plan.unfixable:
            if item.edge == edge:
                return item.reason
        order = self.plan.order
        if edge[0] not in order or order.index(edge[0]) > order.index(edge[1]):
            return "several included files register the key; decide which one should (AM103)"
        return replace(self._plan_fix, constraint=edge)

    def include(self, unit: int) -> Include:
        return self.model.umbrella.includes[unit]

    def unit_name(self, unit: int | None) -> str:
        if unit is None:
            return display(self.model.umbrella.path)
        inc = self.include(unit)
        return display(inc.resolved) if inc.resolved is not None else inc.spelling

    def anchor(self, entry: EntryPoint) -> tuple[Location, Location]:
        """Where a finding about ``entry``'s file points: its ``#include`` line in the umbrella,
        or the entry itself when it is the umbrella's own code."""
        if entry.unit is None:
            return entry.location, entry.location
        return self.include_range(entry.unit)

    def include_range(self, unit: int) -> tuple[Location, Location]:
        inc = self.include(unit)
        text = inc.text.decode("utf-8", "replace").rstrip("\r\n")
        start = len(text) - len(text.lstrip()) + 1
        path = self.model.umbrella.path
        return Location(path, inc.line, start), Location(path, inc.line, len(text.rstrip()) + 1)

    def include_related(self, unit: int, message: str) -> Related:
        return Related(self.include_range(unit)[0], message)


def _point(path: Path, data: bytes, offset: int) -> Location:
    view = compiler_view(data)
    start = max(view.rfind(b"\n", 0, offset) + 1, _bom(data))
    column = len(view[start:offset].decode("utf-8", "replace")) + 1
    return Location(path, view.count(b"\n", 0, offset) + 1, column)


def _offset(data: bytes, location: Location) -> int:
    """The byte offset of a line/column (columns count characters) in ``data``."""
    view = compiler_view(data)
    start = _bom(data)
    for _ in range(location.line - 1):
        start = view.index(b"\n", start) + 1
    end = view.find(b"\n", start)
    line = view[start : end if end >= 0 else len(view)].decode("utf-8", "replace")
    return start + len(line[: location.column - 1].encode("utf-8"))


def compiler_related(unity: UnityDiagnostic) -> tuple[Related, ...]:
    """The compiler's notes that point into other files, in its words."""
    return tuple(Related(note.location, note.message) for note in unity.others)
def _bom(data: bytes) -> int:
    """Where line 1 starts: after a byte order mark, which is no column of it."""
    return len(BOM) if data.startswith(BOM) else 0


def chain_related(effect: Effect) -> tuple[Related, ...]:
    """The steps of an effect's chain as related locations, the first being the entry point."""
    return tuple(
        Related(step.location, step.text if index == 0 else f"→ {step.text}", step=True)
        for index, step in enumerate(effect.chain)
    )


def registration_related(effect: Effect) -> Related:
    """Where a key is registered, and by which entry point."""
    entry = effect.chain[0]
    return Related(
        effect.site,
        f"`{effect.key}` is registered here (by {entry.text.removesuffix(' runs at start-up')}"
        f" at line {entry.location.line})",
    )


def lookup_api(effect: Effect) -> str:
    """The registry API of a lookup as messages name it: the last two components of its
    qualified name (``Function::GetGlobal``), the same whichever front end resolved it."""
    return "::".join(effect.api.strip(":").split("::")[-2:])


def quiet_failure(lookups: Iterable[Effect]) -> str:
    """What optional lookups that find nothing do, a clause for the end of a message."""
    sites = list(dict.fromkeys(f"{display(e.site.path)}:{e.site.line}" for e in lookups))
    if len(sites) == 1:
        return (f"the lookup (at {sites[0]}) returns nothing, so the code it guards silently "
                "does not run in this build")
    return (f"the lookups (at {', '.join(sites)}) return nothing, so the code they guard "
            "silently does not run in this build")


def severity_of(lookups: Iterable[Effect]) -> Severity:
    """An error when a required lookup fails (the program aborts), a warning when every failing
    lookup is optional (it returns nothing and the program goes on without the guarded code)."""
    return Severity.WARNING if all(e.optional for e in lookups) else Severity.ERROR
